//! A conversation as a PDF: its title, account and participants, then each message — its
//! time in the tenant's time zone, sender, type, text, attachment names, and whether it was
//! edited (when) or deleted (by whom, when; a deleted message has no text left to show).
//! Pages are numbered "Page n of m". Set in DejaVu Sans (Latin, Greek and Cyrillic; other
//! characters show as �), written by hand in a few hundred lines: a PDF library with its
//! font subsetter would not fit the function's 2.5 MB package (see `font.rs`).

mod embed;
mod font;
mod layout;
mod writer;

use jiff::tz::TimeZone;
use shared::domain::edits::MessageVersion;
use shared::domain::{Message, Named, Settings};
use shared::store::readers::Audience;
use shared::store::ConversationHeader;

use layout::{Pages, BODY, META, TITLE};

pub const CONTENT_TYPE: &str = "application/pdf";

/// Text under a message's header line is set in this far.
const INDENT: f32 = 10.0;

/// What the first page opens with.
pub struct Cover<'a> {
    pub title: &'a str,
    /// The account and, for an order, its number.
    pub subtitle: &'a str,
    pub audience: &'a Audience,
    pub messages: u64,
}

pub struct PdfExport {
    pages: Pages,
    zone: TimeZone,
    zone_name: String,
    title: String,
}

impl PdfExport {
    /// The export of a conversation, its cover written.
    pub fn of(header: &ConversationHeader, audience: &Audience, settings: &Settings) -> Self {
        let id = &header.id;
        let (title, subtitle) = match id.subject.order_id() {
            Some(order) => (
                header
                    .title
                    .clone()
                    .unwrap_or_else(|| format!("Order {order}")),
                format!("Order {order} · account {}", id.customer_id),
            ),
            None => (
                header
                    .title
                    .clone()
                    .unwrap_or_else(|| format!("Conversation {}", id.subject)),
                format!("Account {} · {}", id.customer_id, id.subject),
            ),
        };
        let cover = Cover {
            title: &title,
            subtitle: &subtitle,
            audience,
            messages: header.message_count,
        };
        PdfExport::new(&cover, &settings.timezone)
    }

    pub fn new(cover: &Cover<'_>, zone_name: &str) -> Self {
        let zone = TimeZone::get(zone_name).unwrap_or(TimeZone::UTC);
        let mut export = PdfExport {
            pages: Pages::new(),
            zone,
            zone_name: zone_name.to_owned(),
            title: cover.title.to_owned(),
        };
        export.cover(cover);
        export
    }

    fn cover(&mut self, cover: &Cover<'_>) {
        let pages = &mut self.pages;
        pages.paragraph(TITLE, 0.0, cover.title);
        pages.paragraph(META, 0.0, cover.subtitle);
        let contacts: Vec<&str> = cover
            .audience
            .contacts
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        let staff: Vec<&str> = cover
            .audience
            .staff
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        pages.paragraph(META, 0.0, &format!("Customer: {}", list(&contacts)));
        pages.paragraph(META, 0.0, &format!("Staff: {}", list(&staff)));
        let now = zoned_time(jiff::Timestamp::now(), &self.zone);
        pages.paragraph(
            META,
            0.0,
            &format!(
                "{} messages, exported {now}; times in {}",
                cover.messages, self.zone_name
            ),
        );
        pages.gap(BODY.leading);
    }

    /// A message: a header line, its text (or that it was deleted) and its files.
    pub fn message(&mut self, message: &Message, versions: &[MessageVersion]) {
        let changes = &message.changes;
        let mut header = format!(
            "{} · {} ({}) · {}",
            self.time(&message.created_at),
            message.sender_name,
            message.sender_type.as_str(),
            message.message_type.as_str()
        );
        if changes.is_edited && !changes.deleted {
            let at = changes.edited_at.as_deref().unwrap_or_default();
            header.push_str(&format!(" (edited {})", self.time(at)));
        }
        // The header never ends a page alone.
        self.pages.room(META.leading + BODY.leading);
        self.pages.paragraph(META, 0.0, &header);
        if changes.deleted {
            let by = changes.deleted_by.as_deref().unwrap_or("unknown");
            let at = changes.deleted_at.as_deref().unwrap_or_default();
            let note = format!("Message deleted by {by} at {}", self.time(at));
            self.pages.paragraph(META, INDENT, &note);
        } else if !message.message.is_empty() {
            self.pages.paragraph(BODY, INDENT, &message.message);
        }
        for version in versions {
            let note = format!(
                "Earlier text (written {}, replaced {}): {}",
                self.time(&version.written_at),
                self.time(&version.replaced_at),
                version.message
            );
            self.pages.paragraph(META, INDENT, &note);
        }
        if !message.attachments.is_empty() && !changes.deleted {
            let names: Vec<&str> = message
                .attachments
                .iter()
                .map(|a| a.name.as_str())
                .collect();
            self.pages
                .paragraph(META, INDENT, &format!("Attachments: {}", names.join(", ")));
        }
        self.pages.gap(BODY.leading / 2.0);
    }

    /// The bytes of the pages finished so far.
    pub fn take(&mut self) -> Vec<u8> {
        self.pages.take()
    }

    /// The rest of the file.
    pub fn finish(self) -> Vec<u8> {
        let now = jiff::Timestamp::now().to_zoned(TimeZone::UTC);
        let created = format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}",
            now.year(),
            now.month(),
            now.day(),
            now.hour(),
            now.minute(),
            now.second()
        );
        self.pages.finish(&self.title, &created)
    }

    fn time(&self, rfc3339: &str) -> String {
        local_time(rfc3339, &self.zone)
    }
}

/// A stored time (RFC 3339, UTC) as it reads in `zone`, to the second; as stored if it
/// does not parse.
pub fn local_time(rfc3339: &str, zone: &TimeZone) -> String {
    match rfc3339.parse::<jiff::Timestamp>() {
        Ok(at) => zoned_time(at, zone),
        Err(_) => rfc3339.to_owned(),
    }
}

/// `2030-01-02 12:00:00 EET`: written out by hand, as jiff's strftime would add to the
/// package what this one format does not need.
fn zoned_time(at: jiff::Timestamp, zone: &TimeZone) -> String {
    let local = at.to_zoned(zone.clone());
    let info = zone.to_offset_info(at);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} {}",
        local.year(),
        local.month(),
        local.day(),
        local.hour(),
        local.minute(),
        local.second(),
        info.abbreviation()
    )
}

fn list(names: &[&str]) -> String {
    match names.is_empty() {
        true => "none".to_owned(),
        false => names.join(", "),
    }
}
