//! AWS End User Messaging SMS events (`TEXT_*`).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::{first_values, non_empty, refuse, short_detail, Outcome, OutcomeError, OutcomeKind};
use crate::domain::format_timestamp;
use crate::domain::notify::NotifyChannel;

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

pub(super) fn parse(value: Value) -> Result<Option<Outcome>, OutcomeError> {
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
        at: format_timestamp(at),
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

#[cfg(test)]
mod tests;
