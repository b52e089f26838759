//! SES events, in both the configuration-set (`eventType`) and the older identity
//! notification (`notificationType`) shapes.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::{first_values, non_empty, refuse, short_detail, Outcome, OutcomeError, OutcomeKind};
use crate::domain::format_timestamp;
use crate::domain::notify::NotifyChannel;

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

pub(super) fn parse(event_type: &str, value: Value) -> Result<Option<Outcome>, OutcomeError> {
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
        at: format_timestamp(at),
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
