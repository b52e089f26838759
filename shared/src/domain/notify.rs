//! Notification rules: when a pending notification is due, quiet hours, who hears of a
//! conversation, and what the email and SMS say. Nothing here performs I/O.

use super::named::Named;
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

use super::settings::Settings;
use super::text::excerpt;

pub use super::quiet_hours::QuietHours;
pub use super::text::escape_html;

/// A digest lists at most this many messages, newest last, and says how many more.
pub const DIGEST_MESSAGES: usize = 10;

/// The channels a notification goes out on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum NotifyChannel {
    Email,
    Sms,
}

impl Named for NotifyChannel {}

/// How long a message may stay unread before its notification is due.
pub fn notify_delay(settings: &Settings) -> SignedDuration {
    match settings.notify_delay_seconds {
        Some(seconds) => SignedDuration::from_secs(seconds.into()),
        None => SignedDuration::from_mins(settings.notify_delay_minutes.into()),
    }
}

/// One message as a digest lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestLine {
    pub sender_name: String,
    pub text: String,
}

/// What a notification is about.
#[derive(Debug, Clone)]
pub struct DigestContext<'a> {
    pub business_name: Option<&'a str>,
    /// The conversation's title (an order's "Order #1042"), if it has one.
    pub title: Option<&'a str>,
    pub link: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Where a reply goes: the person's reply address, when they have one.
    pub reply_to: Option<String>,
    /// The one-click unsubscribe link (RFC 8058), for digests to a person.
    pub unsubscribe: Option<String>,
    /// Set on automatic answers (RFC 3834): `Auto-Submitted: auto-replied`.
    pub auto_submitted: bool,
}

impl Email {
    /// The email with its one-click unsubscribe link (RFC 8058): in the headers, for the
    /// mail app's own button, and at the foot of the text for everyone else.
    pub fn with_unsubscribe(mut self, link: String) -> Email {
        self.text
            .push_str(&format!("\nStop emails about this conversation: {link}\n"));
        self.html.push_str(&format!(
            "<p style=\"font-size:small\"><a href=\"{}\">Stop emails about this conversation</a></p>\n",
            escape_html(&link)
        ));
        self.unsubscribe = Some(link);
        self
    }
}

/// The one-click unsubscribe link of a reply token, on the API's public URL.
pub fn unsubscribe_link(api_url: &str, token: &str) -> String {
    format!("{}/unsubscribe/{token}", api_url.trim_end_matches('/'))
}

/// The portal link of a conversation.
pub fn conversation_link(portal_base_url: Option<&str>, conversation_id: &str) -> Option<String> {
    portal_base_url.map(|base| format!("{}/messages/{conversation_id}", base.trim_end_matches('/')))
}

/// Header values may not carry line breaks; user-provided names and titles are flattened.
fn one_line(value: &str) -> String {
    value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// The digest email of `lines` (oldest first; `unread` in all, which may be more).
pub fn digest_email(context: &DigestContext<'_>, lines: &[DigestLine], unread: u64) -> Email {
    let business = context.business_name.map(one_line);
    let about = match (context.title.map(one_line), &business) {
        (Some(title), _) => title,
        (None, Some(business)) => business.clone(),
        (None, None) => "your conversation".to_owned(),
    };
    let first_sender = lines.last().map(|l| one_line(&l.sender_name));
    let subject = match (&first_sender, unread) {
        (Some(sender), 1) => format!("New message on {about} from {sender}"),
        (Some(sender), n) => format!("{n} new messages on {about}, latest from {sender}"),
        (None, _) => format!("New messages on {about}"),
    };
    let shown = &lines[lines.len().saturating_sub(DIGEST_MESSAGES)..];
    let more = unread.saturating_sub(shown.len() as u64);

    let mut text = format!("You have {unread} unread message(s) on {about}.\n\n");
    let mut html = format!(
        "<p>You have {unread} unread message(s) on <strong>{}</strong>.</p>\n<ul>\n",
        escape_html(&about)
    );
    for line in shown {
        let body = excerpt(&line.text);
        text.push_str(&format!("{}: {}\n", one_line(&line.sender_name), body));
        html.push_str(&format!(
            "<li><strong>{}</strong>: {}</li>\n",
            escape_html(&one_line(&line.sender_name)),
            escape_html(&body)
        ));
    }
    html.push_str("</ul>\n");
    if more > 0 {
        text.push_str(&format!("…and {more} more.\n"));
        html.push_str(&format!("<p>…and {more} more.</p>\n"));
    }
    if let Some(link) = &context.link {
        text.push_str(&format!("\nRead and reply: {link}\n"));
        html.push_str(&format!(
            "<p><a href=\"{0}\">Read and reply</a></p>\n",
            escape_html(link)
        ));
    }
    if let Some(business) = &business {
        text.push_str(&format!("\n— {business}\n"));
        html.push_str(&format!("<p>— {}</p>\n", escape_html(business)));
    }
    Email {
        subject,
        text,
        html,
        reply_to: None,
        unsubscribe: None,
        auto_submitted: false,
    }
}

/// The SMS of a notification: short, the business name and the link.
pub fn digest_sms(context: &DigestContext<'_>, unread: u64) -> String {
    let business = context
        .business_name
        .map(one_line)
        .unwrap_or_else(|| "Messages".to_owned());
    let what = if unread == 1 {
        "a new message".to_owned()
    } else {
        format!("{unread} new messages")
    };
    match &context.link {
        Some(link) => format!("{business}: you have {what}. {link}"),
        None => format!("{business}: you have {what}."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::{tz::TimeZone, Timestamp};

    fn at(value: &str) -> Timestamp {
        value.parse().unwrap()
    }

    #[test]
    fn quiet_hours_hold_until_they_end_across_midnight() {
        let zone = TimeZone::get("America/Chicago").unwrap();
        let night = QuietHours {
            start: "21:00".into(),
            end: "07:30".into(),
        };
        // 22:00 and 03:00 Chicago (UTC-6 in January) are quiet; noon is not.
        assert_eq!(
            night.hold_until(at("2026-01-15T04:00:00Z"), &zone),
            Some(at("2026-01-15T13:30:00Z"))
        );
        assert_eq!(
            night.hold_until(at("2026-01-15T09:00:00Z"), &zone),
            Some(at("2026-01-15T13:30:00Z"))
        );
        assert_eq!(night.hold_until(at("2026-01-15T18:00:00Z"), &zone), None);
        let lunch = QuietHours {
            start: "12:00".into(),
            end: "13:00".into(),
        };
        assert_eq!(
            lunch.hold_until(at("2026-01-15T18:30:00Z"), &zone),
            Some(at("2026-01-15T19:00:00Z"))
        );
        assert!(!QuietHours {
            start: "25:00".into(),
            end: "07:00".into()
        }
        .is_valid());
        assert!(!QuietHours {
            start: "07:00".into(),
            end: "07:00".into()
        }
        .is_valid());
    }

    #[test]
    fn a_digest_escapes_what_people_wrote_and_links_the_thread() {
        let context = DigestContext {
            business_name: Some("Oak & Elm Vets"),
            title: Some("Order #1042"),
            link: conversation_link(Some("https://portal.example/"), "abc"),
        };
        let long = "x".repeat(150);
        let lines = vec![
            DigestLine {
                sender_name: "Sam <script>".into(),
                text: "<b>Is Bella ok?</b> & more".into(),
            },
            DigestLine {
                sender_name: "Sam <script>".into(),
                text: long.clone(),
            },
        ];
        let email = digest_email(&context, &lines, 2);
        assert_eq!(
            email.subject,
            "2 new messages on Order #1042, latest from Sam <script>"
        );
        assert!(email.html.contains("Sam &lt;script&gt;"));
        assert!(email
            .html
            .contains("&lt;b&gt;Is Bella ok?&lt;/b&gt; &amp; more"));
        assert!(!email.html.contains("<script>"));
        assert!(email.text.contains(&format!("{}…", &long[..100])));
        assert!(!email.text.contains(&long[..101]));
        assert!(email
            .html
            .contains("href=\"https://portal.example/messages/abc\""));
        assert!(email.html.contains("Oak &amp; Elm Vets"));
        assert_eq!(
            digest_sms(&context, 2),
            "Oak & Elm Vets: you have 2 new messages. https://portal.example/messages/abc"
        );
    }

    #[test]
    fn a_long_digest_shows_the_newest_and_counts_the_rest() {
        let context = DigestContext {
            business_name: None,
            title: None,
            link: None,
        };
        let lines: Vec<DigestLine> = (0..14)
            .map(|i| DigestLine {
                sender_name: "Dr. Ada".into(),
                text: format!("note {i}"),
            })
            .collect();
        let email = digest_email(&context, &lines, 15);
        assert!(!email.text.contains("note 3\n"));
        assert!(email.text.contains("note 4\n") && email.text.contains("note 13\n"));
        assert!(email.text.contains("…and 5 more."));
        assert_eq!(
            email.subject,
            "15 new messages on your conversation, latest from Dr. Ada"
        );
    }
}
