//! Delivery outcomes: what SES and AWS End User Messaging report about a notification
//! after it left (delivered, bounced, complained, failed), read from the message body
//! they publish to SNS, and the order that keeps a delivery record from going backwards.
//! Nothing here performs I/O.

use std::collections::BTreeMap;

use serde_json::Value;

use super::named::Named;
use super::notify::NotifyChannel;

mod ses;
mod sms;

/// The longest `detail` kept: a remote MTA's diagnostic can run to kilobytes, and the
/// detail only has to tell a person what went wrong.
pub const MAX_DETAIL_CHARS: usize = 300;

/// The rank of a record nothing has been reported about yet (sent): every outcome
/// outranks it.
pub const SENT_RANK: u8 = 0;

/// What a provider reported about one message it sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The provider's id of the message this is about (SES `mail.messageId`; SMS `messageId`).
    pub provider_message_id: String,
    pub channel: NotifyChannel,
    pub kind: OutcomeKind,
    /// When the provider saw it, RFC 3339 UTC with milliseconds.
    pub at: String,
    /// The addresses or numbers it concerns, as the provider gave them.
    pub recipients: Vec<String>,
    /// A short, one-line human detail for the delivery record.
    pub detail: Option<String>,
    /// SES `mail.tags` (SMS: `context`), each as its first value.
    pub tags: BTreeMap<String, String>,
}

/// What became of a message. Fieldless, so a record stores it as its plain name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    Delivered,
    /// Not delivered yet and still being tried: SES `DeliveryDelay`, or an SMS failure
    /// the provider says is not final.
    Delayed,
    /// Hard (permanent) bounce: the address should be suppressed.
    Bounced,
    /// Transient or undetermined bounce: SES gave up on this message (or the mailbox
    /// answered automatically), but the address may work another time.
    SoftBounced,
    Complained,
    /// This message failed for good, but not because of the recipient's address or
    /// number: SES `Reject` (a virus in the content), and SMS failures of the carrier,
    /// the content or the moment (TTL expired, handset off, filtered as spam...).
    UndeliveredTemporarily,
    /// An SMS failed because of the number itself: it is invalid, has opted out, or
    /// blocks our messages. The number should be suppressed.
    Undelivered,
}

impl Named for OutcomeKind {}

impl OutcomeKind {
    /// Where an outcome stands, so a record moves only to a strictly higher rank:
    ///
    /// | rank | outcomes |
    /// | --- | --- |
    /// | 0 | (sent, [`SENT_RANK`]) |
    /// | 1 | delayed |
    /// | 2 | soft_bounced, undelivered_temporarily |
    /// | 3 | delivered |
    /// | 4 | bounced, undelivered |
    /// | 5 | complained |
    ///
    /// A delivery outranks a soft bounce because mailboxes answer delivered mail with
    /// automatic replies that SES reports as transient bounces, and SNS may hand the two
    /// over in either order. A hard bounce can follow a delivery (the server accepted,
    /// then refused), and a complaint can only follow one. Kinds sharing a rank never
    /// meet on one record (other channels, or a Reject, which never sent, beside a
    /// bounce), so a repeat is the only tie a record meets: a no-op.
    pub fn rank(self) -> u8 {
        match self {
            OutcomeKind::Delayed => 1,
            OutcomeKind::SoftBounced | OutcomeKind::UndeliveredTemporarily => 2,
            OutcomeKind::Delivered => 3,
            OutcomeKind::Bounced | OutcomeKind::Undelivered => 4,
            OutcomeKind::Complained => 5,
        }
    }

    /// Whether the recipients' addresses or numbers should be suppressed for the tenant:
    /// hard bounces, complaints, and SMS failures of the number itself (see
    /// [`OutcomeKind::Undelivered`]).
    pub fn suppresses(self) -> bool {
        matches!(
            self,
            OutcomeKind::Bounced | OutcomeKind::Complained | OutcomeKind::Undelivered
        )
    }
}

/// Why a message body could not be read as an outcome.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct OutcomeError(pub String);

fn refuse(message: impl Into<String>) -> OutcomeError {
    OutcomeError(message.into())
}

/// Parses one SNS message body: an SES event (configuration-set `eventType`, or identity
/// notification `notificationType`) or an End User Messaging SMS event. `Ok(None)` for
/// events that say nothing about delivery (sends, opens, clicks, queued texts...).
pub fn parse_outcome(message: &str) -> Result<Option<Outcome>, OutcomeError> {
    let mut value: Value = serde_json::from_str(message)
        .map_err(|err| refuse(format!("the message is not JSON: {err}")))?;
    let Value::Object(fields) = &value else {
        return Err(refuse("the message is not a JSON object"));
    };
    let event_type = fields
        .get("eventType")
        .or_else(|| fields.get("notificationType"))
        .and_then(Value::as_str)
        .ok_or_else(|| refuse("the message has neither eventType nor notificationType"))?
        .to_owned();
    // SES writes `null` for absent optional fields; dropped, `#[serde(default)]` covers them.
    drop_nulls(&mut value);
    match event_type.as_str() {
        "Delivery" | "Bounce" | "Complaint" | "DeliveryDelay" | "Reject" => {
            ses::parse(&event_type, value)
        }
        other if other.starts_with("TEXT_") => sms::parse(value),
        _ => Ok(None),
    }
}

fn drop_nulls(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            fields.retain(|_, field| !field.is_null());
            fields.values_mut().for_each(drop_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// Tags arrive as lists of values (`{"tidings": ["t1"]}`); SMS context as plain strings.
fn first_values(tags: &BTreeMap<String, Value>) -> BTreeMap<String, String> {
    let first = |value: &Value| match value {
        Value::Array(values) => values.first()?.as_str().map(str::to_owned),
        other => other.as_str().map(str::to_owned),
    };
    let pairs = tags
        .iter()
        .map(|(name, value)| Some((name.clone(), first(value)?)));
    pairs.flatten().collect()
}

fn non_empty(text: Option<String>) -> Option<String> {
    text.filter(|text| !text.trim().is_empty())
}

/// One line, at most [`MAX_DETAIL_CHARS`] characters.
fn short_detail(text: &str) -> Option<String> {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.is_empty() {
        None
    } else if line.chars().count() <= MAX_DETAIL_CHARS {
        Some(line)
    } else {
        let kept = line.chars().take(MAX_DETAIL_CHARS - 1);
        Some(kept.chain(std::iter::once('…')).collect())
    }
}

#[cfg(test)]
mod tests;
