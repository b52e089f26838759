//! Who hears of a due conversation, on which channel, with what: pure, from what the
//! dispatcher read.

use std::collections::{HashMap, HashSet};

use shared::domain::directory::{Assignment, Contact, StaffProfile};
use shared::domain::notify::{
    conversation_link, digest_email, digest_sms, DigestContext, DigestLine, Email, NotifyChannel,
};
use shared::domain::{Message, Settings, Side};
use shared::store::readers::staff_reaches;

mod who;

use shared::store::{
    ConversationHeader, DeliveryKey, DueConversation, DueStage, Reader, Recipient, RecipientPrefs,
};
use who::emailable;
pub use who::{addresses, recipients, sms_candidates};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    Email(Email),
    Sms(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub key: DeliveryKey,
    pub address: String,
    pub outgoing: Outgoing,
    /// The person told (none for the tenant's admin address): an email to them carries
    /// their reply address.
    pub reader: Option<Reader>,
    /// Their reply token in this conversation, when they have one already.
    pub reply_token: Option<String>,
}

pub struct PlanInput<'a> {
    pub due: &'a DueConversation,
    pub header: &'a ConversationHeader,
    /// Stored read positions and preferences of the people this pass may notify.
    pub recipients: &'a HashMap<Reader, Recipient>,
    /// The conversation's newest messages, newest first.
    pub messages: &'a [Message],
    pub settings: &'a Settings,
    pub contacts: &'a [Contact],
    pub assignments: &'a [Assignment],
    /// An order conversation's staff-side participants: the basic staff it reaches.
    pub participants: Option<&'a [String]>,
    pub staff: &'a [StaffProfile],
    pub opted_out: &'a HashSet<String>,
    /// Which of the pass's addresses and numbers the tenant suppressed (lower-cased).
    pub suppressed: &'a shared::store::Suppressed,
    pub now: jiff::Timestamp,
}

pub struct Plan {
    pub deliveries: Vec<Planned>,
    /// Contacts who could still get the SMS escalation after this pass.
    pub escalate: bool,
    /// Only what the sender asked for at once: the digest this pass went ahead of is
    /// still to come.
    pub ahead_of_digest: bool,
}

/// The messages one person has not read, oldest first: as they are now (edited text
/// marked), deleted ones left out.
fn unread_lines(input: &PlanInput<'_>, side: Side, after: Option<&str>) -> Vec<DigestLine> {
    let mut lines: Vec<DigestLine> = unread_messages(input, side, after)
        .filter(|m| !m.changes.deleted)
        .map(|m| {
            let text = if m.message.is_empty() {
                m.attachments
                    .iter()
                    .map(|a| a.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            } else {
                m.message.clone()
            };
            DigestLine {
                sender_name: m.sender_name.clone(),
                text: if m.changes.is_edited {
                    format!("{text} (edited)")
                } else {
                    text
                },
            }
        })
        .collect();
    lines.reverse();
    lines
}

fn unread_messages<'a>(
    input: &'a PlanInput<'_>,
    side: Side,
    after: Option<&'a str>,
) -> impl Iterator<Item = &'a Message> {
    input
        .messages
        .iter()
        .filter(move |m| m.sender_type.side() == Some(side.other()))
        .filter(move |m| after.is_none_or(|read| m.id.as_str() > read))
}

/// A person's unread count as a digest tells it: deleted messages it can see are left
/// out (they still count in the badge, where the thread shows them as placeholders).
fn unread_to_tell(input: &PlanInput<'_>, side: Side, unread: u64, read: Option<&str>) -> u64 {
    let deleted = unread_messages(input, side, read)
        .filter(|m| m.changes.deleted)
        .count() as u64;
    unread.saturating_sub(deleted)
}

/// The later of two message ids.
fn later_of<'a>(a: Option<&'a str>, b: Option<&'a str>) -> Option<&'a str> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// What every delivery of one pass shares.
struct Pass<'a> {
    input: &'a PlanInput<'a>,
    context: DigestContext<'a>,
    /// Only what the sender asked for at once goes out now; the digest comes later.
    ahead_of_digest: bool,
}

pub fn plan(input: &PlanInput<'_>) -> Plan {
    let header = input.header;
    let settings = input.settings;
    let now_text = shared::domain::format_timestamp(input.now);
    let ahead_of_digest = !input.due.notify_now.is_empty()
        && input
            .due
            .digest_due
            .as_ref()
            .is_some_and(|due| *due > now_text);
    let pass = Pass {
        input,
        context: DigestContext {
            business_name: settings.business_name.as_deref(),
            title: header.title.as_deref(),
            link: conversation_link(settings.portal_base_url.as_deref(), &header.id.encode()),
        },
        ahead_of_digest,
    };
    let mut deliveries = Vec::new();
    let escalate = pass.to_contacts(&mut deliveries);
    if input.due.stage == DueStage::Escalation || ahead_of_digest {
        return Plan {
            deliveries,
            escalate: false,
            ahead_of_digest,
        };
    }
    pass.to_staff(&mut deliveries);
    pass.to_admin(&mut deliveries);
    Plan {
        deliveries,
        escalate,
        ahead_of_digest,
    }
}

impl Pass<'_> {
    fn key(&self, channel: NotifyChannel, recipient: String) -> DeliveryKey {
        DeliveryKey {
            round: self.input.due.round.clone(),
            channel,
            recipient,
        }
    }

    /// Whether the address has not been suppressed (a hard bounce, a complaint, a
    /// number that cannot take texts).
    fn reachable(&self, channel: NotifyChannel, address: &str) -> bool {
        !self
            .input
            .suppressed
            .contains(&(channel, address.to_ascii_lowercase()))
    }

    fn recipient(&self, side: Side, user: &str) -> Option<&Recipient> {
        self.input.recipients.get(&Reader {
            side,
            user_id: user.to_owned(),
        })
    }

    /// The person's preferences for this conversation, with a mute in force turning
    /// every channel off.
    fn prefs(&self, side: Side, user: &str) -> RecipientPrefs {
        let mut prefs = self
            .recipient(side, user)
            .map(|r| r.prefs.clone())
            .unwrap_or_default();
        let now = shared::domain::format_timestamp(self.input.now);
        if prefs
            .muted_until
            .as_deref()
            .is_some_and(|until| until > now.as_str())
        {
            prefs.email_off = true;
            prefs.sms_off = true;
        }
        prefs
    }

    /// A delivery to a person, with their reply token when they have one.
    fn to_person(
        &self,
        channel: NotifyChannel,
        reader: Reader,
        address: &str,
        outgoing: Outgoing,
    ) -> Planned {
        let prefix = match reader.side {
            Side::Customer => "contact",
            Side::Staff => "staff",
        };
        Planned {
            key: self.key(channel, format!("{prefix}:{}", reader.user_id)),
            address: address.to_owned(),
            outgoing,
            reply_token: self
                .input
                .recipients
                .get(&reader)
                .and_then(|r| r.prefs.reply_token.clone()),
            reader: Some(reader),
        }
    }

    /// How many messages one person has not read, and up to which they have.
    fn position(&self, side: Side, user: &str) -> (u64, Option<String>) {
        let header = self.input.header;
        let stored = self.recipient(side, user).and_then(|r| r.position.as_ref());
        (
            header.unread_for(side, user, stored),
            header.position_of(side, user, stored).map(|p| p.up_to),
        )
    }

    /// The account's contacts with something unread: a digest email, a text at once or
    /// as the escalation. Whether a contact could still get the escalation later.
    fn to_contacts(&self, deliveries: &mut Vec<Planned>) -> bool {
        let input = self.input;
        let notify_now = &input.due.notify_now;
        let texting_now = notify_now.contains(&NotifyChannel::Sms);
        let told_up_to = input.due.notified_now_up_to.as_deref();
        let mut escalate = false;
        for contact in input.contacts {
            let (unread, read) = self.position(Side::Customer, &contact.contact_id);
            let unread = unread_to_tell(input, Side::Customer, unread, read.as_deref());
            // Told at once of what they have not read: nothing more until a newer message.
            let told = told_up_to.is_some()
                && unread_lines(input, Side::Customer, later_of(read.as_deref(), told_up_to))
                    .is_empty();
            if unread == 0 || told {
                continue;
            }
            let prefs = self.prefs(Side::Customer, &contact.contact_id);
            let textable = contact
                .phone
                .as_ref()
                .filter(|p| contact.sms_opt_in && !prefs.sms_off && !input.opted_out.contains(*p))
                .filter(|p| self.reachable(NotifyChannel::Sms, p));
            let reader = Reader {
                side: Side::Customer,
                user_id: contact.contact_id.clone(),
            };
            let digest = input.due.stage == DueStage::Digest;
            let emailing = !self.ahead_of_digest || notify_now.contains(&NotifyChannel::Email);
            let email = contact
                .email
                .as_ref()
                .filter(|e| contact.email_opt_in && self.reachable(NotifyChannel::Email, e));
            if let (true, false, Some(email)) = (digest && emailing, prefs.email_off, email) {
                let lines = unread_lines(input, Side::Customer, read.as_deref());
                let email_out = Outgoing::Email(digest_email(&self.context, &lines, unread));
                deliveries.push(self.to_person(
                    NotifyChannel::Email,
                    reader.clone(),
                    email,
                    email_out,
                ));
            }
            if let Some(phone) = textable {
                if !digest || texting_now {
                    let text = Outgoing::Sms(digest_sms(&self.context, unread));
                    deliveries.push(self.to_person(NotifyChannel::Sms, reader, phone, text));
                } else if input.settings.sms_escalation_minutes.is_some() {
                    escalate = true;
                }
            }
        }
        escalate
    }

    /// Staff with email notifications on, of what they may open and have not read.
    fn to_staff(&self, deliveries: &mut Vec<Planned>) {
        let input = self.input;
        for person in input.staff {
            let Some(email) = emailable(person).filter(|e| self.reachable(NotifyChannel::Email, e))
            else {
                continue;
            };
            // Notified of what they may open.
            let reached = staff_reaches(
                person,
                &input.header.id,
                input.assignments,
                input.participants,
                input.now,
            );
            let (unread, read) = self.position(Side::Staff, &person.user_id);
            let unread = unread_to_tell(input, Side::Staff, unread, read.as_deref());
            if !reached || unread == 0 || self.prefs(Side::Staff, &person.user_id).email_off {
                continue;
            }
            let lines = unread_lines(input, Side::Staff, read.as_deref());
            let reader = Reader {
                side: Side::Staff,
                user_id: person.user_id.clone(),
            };
            let outgoing = Outgoing::Email(digest_email(&self.context, &lines, unread));
            deliveries.push(self.to_person(NotifyChannel::Email, reader, email, outgoing));
        }
    }

    /// The tenant's admin address, of the customer's messages since the last digest.
    fn to_admin(&self, deliveries: &mut Vec<Planned>) {
        let input = self.input;
        let address = input.settings.admin_notification_email.as_ref();
        if let Some(address) = address.filter(|a| self.reachable(NotifyChannel::Email, a)) {
            let lines = unread_lines(input, Side::Staff, input.due.notified_up_to.as_deref());
            if !lines.is_empty() {
                deliveries.push(Planned {
                    key: self.key(NotifyChannel::Email, "admin".into()),
                    address: address.clone(),
                    outgoing: Outgoing::Email(digest_email(
                        &self.context,
                        &lines,
                        lines.len() as u64,
                    )),
                    reader: None,
                    reply_token: None,
                });
            }
        }
    }
}
