//! Delivery outcomes: what SES and AWS End User Messaging report about a notification
//! after it left (delivered, bounced, complained, failed), read from the message body
//! they publish to SNS, and the order that keeps a delivery record from going backwards.
//! Nothing here performs I/O.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::named::Named;
use super::notify::NotifyChannel;

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
            parse_ses(&event_type, value)
        }
        other if other.starts_with("TEXT_") => parse_sms(value),
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

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct SesEvent {
    mail: SesMail,
    delivery: SesReport,
    bounce: SesReport,
    complaint: SesReport,
    delivery_delay: SesReport,
    reject: SesReport,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct SesMail {
    timestamp: Option<String>,
    message_id: Option<String>,
    destination: Vec<String>,
    tags: BTreeMap<String, Value>,
}

/// The fields this code reads from any of the per-type objects (`bounce`, `complaint`...).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct SesReport {
    timestamp: Option<String>,
    /// A delivery's recipients, plain addresses.
    recipients: Vec<String>,
    /// `bouncedRecipients`, `complainedRecipients` or `delayedRecipients`.
    #[serde(alias = "bouncedRecipients", alias = "complainedRecipients")]
    #[serde(alias = "delayedRecipients")]
    listed: Vec<SesRecipient>,
    bounce_type: Option<String>,
    bounce_sub_type: Option<String>,
    complaint_feedback_type: Option<String>,
    complaint_sub_type: Option<String>,
    delay_type: Option<String>,
    reason: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct SesRecipient {
    email_address: Option<String>,
    action: Option<String>,
    status: Option<String>,
    diagnostic_code: Option<String>,
}

fn parse_ses(event_type: &str, value: Value) -> Result<Option<Outcome>, OutcomeError> {
    let event: SesEvent = serde_json::from_value(value)
        .map_err(|err| refuse(format!("SES {event_type} event: {err}")))?;
    let permanent = event.bounce.bounce_type.as_deref() == Some("Permanent");
    let (kind, report) = match event_type {
        "Delivery" => (OutcomeKind::Delivered, &event.delivery),
        "Bounce" if permanent => (OutcomeKind::Bounced, &event.bounce),
        // Undetermined or untyped too: suppressing on a guess would lose a working address.
        "Bounce" => (OutcomeKind::SoftBounced, &event.bounce),
        "Complaint" => (OutcomeKind::Complained, &event.complaint),
        "DeliveryDelay" => (OutcomeKind::Delayed, &event.delivery_delay),
        "Reject" => (OutcomeKind::UndeliveredTemporarily, &event.reject),
        _ => return Ok(None),
    };
    let feedback = report.complaint_feedback_type.as_deref();
    // A `not-spam` report takes back a spam verdict: nobody complained.
    if feedback.is_some_and(|feedback| feedback.eq_ignore_ascii_case("not-spam")) {
        return Ok(None);
    }
    let mail = &event.mail;
    let provider_message_id = non_empty(mail.message_id.clone())
        .ok_or_else(|| refuse(format!("SES {event_type} event without mail.messageId")))?;
    // Reject carries no time of its own; the send time is the nearest one.
    let at = [report.timestamp.as_deref(), mail.timestamp.as_deref()]
        .into_iter()
        .flatten()
        .find_map(parse_time)
        .ok_or_else(|| refuse(format!("SES {event_type} event without a usable timestamp")))?;
    Ok(Some(Outcome {
        provider_message_id,
        channel: NotifyChannel::Email,
        kind,
        at: super::format_timestamp(at),
        recipients: ses_recipients(kind, report, &mail.destination),
        detail: ses_detail(kind, report).as_deref().and_then(short_detail),
        tags: first_values(&mail.tags),
    }))
}

/// The addresses the report names, else the message's destination.
fn ses_recipients(kind: OutcomeKind, report: &SesReport, destination: &[String]) -> Vec<String> {
    // A hard bounce may also list recipients whose DSN action is only `delayed`: their
    // addresses were not the ones refused.
    let refused = addresses(&report.listed, |recipient| {
        let action = recipient.action.as_deref().unwrap_or_default();
        kind != OutcomeKind::Bounced || !action.eq_ignore_ascii_case("delayed")
    });
    let listed = match refused.is_empty() {
        true => addresses(&report.listed, |_| true),
        false => refused,
    };
    let named = [report.recipients.clone(), listed].concat();
    match named.is_empty() {
        true => destination.to_vec(),
        false => named,
    }
}

fn ses_detail(kind: OutcomeKind, report: &SesReport) -> Option<String> {
    match kind {
        OutcomeKind::Delivered => None,
        OutcomeKind::Complained => report
            .complaint_feedback_type
            .clone()
            .or_else(|| report.complaint_sub_type.clone()),
        OutcomeKind::UndeliveredTemporarily => report.reason.clone(),
        _ => {
            let label = report
                .bounce_sub_type
                .as_ref()
                .or(report.delay_type.as_ref());
            joined(label.map(String::as_str), diagnostic(&report.listed))
        }
    }
}

fn addresses(recipients: &[SesRecipient], keep: impl Fn(&SesRecipient) -> bool) -> Vec<String> {
    recipients
        .iter()
        .filter(|recipient| keep(recipient))
        .filter_map(|recipient| non_empty(recipient.email_address.clone()))
        .collect()
}

/// The first recipient's diagnostic, or its DSN status code when it has none.
fn diagnostic(recipients: &[SesRecipient]) -> Option<&str> {
    recipients.iter().find_map(|recipient| {
        recipient
            .diagnostic_code
            .as_deref()
            .or(recipient.status.as_deref())
    })
}

fn joined(label: Option<&str>, text: Option<&str>) -> Option<String> {
    match (label, text) {
        (Some(label), Some(text)) => Some(format!("{label}: {text}")),
        (one, other) => one.or(other).map(str::to_owned),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct SmsEvent {
    event_type: String,
    event_timestamp: Value,
    is_final: Option<bool>,
    destination_phone_number: Option<String>,
    message_id: Option<String>,
    message_status: Option<String>,
    message_status_description: Option<String>,
    context: BTreeMap<String, Value>,
}

fn parse_sms(value: Value) -> Result<Option<Outcome>, OutcomeError> {
    let event: SmsEvent =
        serde_json::from_value(value).map_err(|err| refuse(format!("SMS event: {err}")))?;
    let Some(kind) = sms_kind(&event) else {
        return Ok(None);
    };
    let missing = |what: &str| refuse(format!("SMS {} event without {what}", event.event_type));
    let provider_message_id = non_empty(event.message_id).ok_or_else(|| missing("messageId"))?;
    let at =
        epoch_millis(&event.event_timestamp).ok_or_else(|| missing("a usable eventTimestamp"))?;
    // A delivery needs no note, and the provider's "accepted by carrier" is not an error.
    let detail = match kind {
        OutcomeKind::Delivered => None,
        _ => event
            .message_status_description
            .or(event.message_status)
            .as_deref()
            .and_then(short_detail),
    };
    Ok(Some(Outcome {
        provider_message_id,
        channel: NotifyChannel::Sms,
        kind,
        at: super::format_timestamp(at),
        recipients: non_empty(event.destination_phone_number)
            .into_iter()
            .collect(),
        detail,
        tags: first_values(&event.context),
    }))
}

/// The SMS event types that report a failure (End User Messaging's event types, and
/// `TEXT_OPTED_OUT`).
#[rustfmt::skip]
const TEXT_FAILURES: [&str; 11] = [
    "TEXT_BLOCKED", "TEXT_TTL_EXPIRED", "TEXT_CARRIER_UNREACHABLE", "TEXT_INVALID",
    "TEXT_INVALID_MESSAGE", "TEXT_UNREACHABLE", "TEXT_CARRIER_BLOCKED", "TEXT_SPAM",
    "TEXT_UNKNOWN", "TEXT_PROTECT_BLOCKED", "TEXT_OPTED_OUT",
];

fn sms_kind(event: &SmsEvent) -> Option<OutcomeKind> {
    // Failure events are final unless they say otherwise.
    let is_final = event.is_final.unwrap_or(true);
    match event.event_type.as_str() {
        "TEXT_DELIVERED" => Some(OutcomeKind::Delivered),
        // Accepted by the carrier: where it is final no delivery receipt will follow.
        "TEXT_SUCCESSFUL" => is_final.then_some(OutcomeKind::Delivered),
        failure if TEXT_FAILURES.contains(&failure) => Some(if !is_final {
            OutcomeKind::Delayed
        } else if number_is_bad(event) {
            OutcomeKind::Undelivered
        } else {
            OutcomeKind::UndeliveredTemporarily
        }),
        // Queued, pending, sent, and types this code does not know yet.
        _ => None,
    }
}

/// Whether the failure is the number's own: invalid, opted out, or blocking our texts.
/// Unreachable handsets, carrier trouble, spam filters and expired TTLs are about the
/// moment or the content, and account-side failures (prices, quotas) are ours; none of
/// those suppresses. `messageStatus` is the finer word, so it decides when present.
fn number_is_bad(event: &SmsEvent) -> bool {
    let status = match event.message_status.as_deref() {
        Some(status) => status,
        None => event.event_type.trim_start_matches("TEXT_"),
    };
    matches!(
        status.to_ascii_uppercase().as_str(),
        "INVALID" | "OPTED_OUT" | "BLOCKED"
    )
}

/// SES timestamps are RFC 3339; the older notification format also writes
/// `2018-10-08T14:05:45 +0000`.
fn parse_time(text: &str) -> Option<jiff::Timestamp> {
    let text = text.trim();
    text.parse().ok().or_else(|| {
        jiff::fmt::strtime::parse("%Y-%m-%dT%H:%M:%S%.f %z", text)
            .and_then(|parsed| parsed.to_timestamp())
            .ok()
    })
}

fn epoch_millis(value: &Value) -> Option<jiff::Timestamp> {
    let millis = match value {
        Value::Number(number) => number
            .as_i64()
            // A float that fits: `as` saturates, and from_millisecond refuses what's out of range.
            .or_else(|| number.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))?,
        Value::String(text) => text.trim().parse().ok()?,
        _ => return None,
    };
    jiff::Timestamp::from_millisecond(millis).ok()
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
