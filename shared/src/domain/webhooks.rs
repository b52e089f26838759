//! Events to the host application: the event catalogue, webhook endpoints and their
//! deliveries, and the retry schedule. No I/O: the `events` function derives events from
//! the table's stream and delivers them; the `webhooks` function manages endpoints.

use serde::{Deserialize, Serialize};

use super::named::Named;

/// Every event type, as its `type` names it. Endpoints subscribe to a subset (none: all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EventType {
    #[serde(rename = "message.created")]
    MessageCreated,
    #[serde(rename = "message.edited")]
    MessageEdited,
    #[serde(rename = "message.deleted")]
    MessageDeleted,
    #[serde(rename = "message.read")]
    MessageRead,
    #[serde(rename = "conversation.created")]
    ConversationCreated,
    #[serde(rename = "conversation.closed")]
    ConversationClosed,
    #[serde(rename = "participant.added")]
    ParticipantAdded,
    #[serde(rename = "participant.removed")]
    ParticipantRemoved,
    #[serde(rename = "notification.sent")]
    NotificationSent,
    #[serde(rename = "notification.failed")]
    NotificationFailed,
    /// The provider reported a hard bounce (the address is suppressed).
    #[serde(rename = "notification.bounced")]
    NotificationBounced,
    /// The recipient marked the email as spam (the address is suppressed).
    #[serde(rename = "notification.complained")]
    NotificationComplained,
    #[serde(rename = "sms.opted_out")]
    SmsOptedOut,
    #[serde(rename = "sms.opted_in")]
    SmsOptedIn,
    #[serde(rename = "sms.unmatched")]
    SmsUnmatched,
    /// An endpoint was turned off after failing for [`DISABLE_AFTER_SECS`]: the admins'
    /// other endpoints and the bus hear of it.
    #[serde(rename = "webhook.disabled")]
    WebhookDisabled,
}

impl Named for EventType {}

impl EventType {
    pub const ALL: &'static [EventType] = &[
        EventType::MessageCreated,
        EventType::MessageEdited,
        EventType::MessageDeleted,
        EventType::MessageRead,
        EventType::ConversationCreated,
        EventType::ConversationClosed,
        EventType::ParticipantAdded,
        EventType::ParticipantRemoved,
        EventType::NotificationSent,
        EventType::NotificationFailed,
        EventType::NotificationBounced,
        EventType::NotificationComplained,
        EventType::SmsOptedOut,
        EventType::SmsOptedIn,
        EventType::SmsUnmatched,
        EventType::WebhookDisabled,
    ];
}

/// Whether an endpoint is sent events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndpointStatus {
    Enabled,
    /// By an admin, or by tidings after failing for [`DISABLE_AFTER_SECS`]
    /// (`disabled_reason`).
    Disabled,
}

impl Named for EndpointStatus {}

/// A tenant's webhook endpoint, as stored. The secrets leave the API once, when made;
/// the webhooks function's view of an endpoint never shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    pub id: String,
    pub url: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Empty: every type.
    #[serde(default)]
    pub event_types: Vec<EventType>,
    pub status: EndpointStatus,
    /// `failing`: tidings turned it off; `admin`: an admin did.
    #[serde(default)]
    pub disabled_reason: Option<String>,
    #[serde(default)]
    pub disabled_at: Option<String>,
    /// Since when every attempt failed (cleared by a success).
    #[serde(default)]
    pub failing_since: Option<String>,
    /// `whsec_…`: what deliveries are signed with.
    pub secret: String,
    /// The secret a rotation replaced, still signing beside the new one until
    /// `previous_secret_expires_at` (24 h), so receivers can switch without a gap.
    #[serde(default)]
    pub previous_secret: Option<String>,
    #[serde(default)]
    pub previous_secret_expires_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Endpoint {
    pub fn wants(&self, event_type: EventType) -> bool {
        self.status == EndpointStatus::Enabled
            && (self.event_types.is_empty() || self.event_types.contains(&event_type))
    }

    /// The secrets a delivery made at `now` is signed with: the current one, and the
    /// previous one while it is still valid.
    pub fn signing_secrets(&self, now: &str) -> Vec<&str> {
        let mut secrets = vec![self.secret.as_str()];
        if let (Some(previous), Some(until)) =
            (&self.previous_secret, &self.previous_secret_expires_at)
        {
            if now < until.as_str() {
                secrets.push(previous);
            }
        }
        secrets
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Not attempted yet (or a replay was asked for).
    Pending,
    Succeeded,
    /// Failed so far; `next_attempt_at` says when it is tried again.
    Retrying,
    /// Given up: the schedule ran out, the endpoint answered a status that is not
    /// retried, or it was disabled or deleted.
    Failed,
}

impl Named for DeliveryStatus {}

/// One event to one endpoint, with its attempts; the body is kept so that retries and
/// replays send the same bytes under the same `webhook-id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub endpoint_id: String,
    /// The event's id: the delivery's id too (one delivery per event and endpoint).
    pub event_id: String,
    pub event_type: EventType,
    /// The conversation the event is about, which orders deliveries.
    #[serde(default)]
    pub conversation_id: Option<String>,
    /// The event's JSON, exactly as sent.
    pub payload: String,
    pub status: DeliveryStatus,
    pub attempts: u32,
    #[serde(default)]
    pub last_attempt_at: Option<String>,
    #[serde(default)]
    pub response_status: Option<u16>,
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// Why the last attempt failed, when no status was received (timeout, refused).
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub next_attempt_at: Option<String>,
    pub created_at: String,
}

/// After the first attempt, the waits before each retry: over 27 hours in all, so an
/// endpoint down for a day still gets everything.
pub const RETRY_SCHEDULE_SECS: &[i64] =
    &[5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600];

/// An endpoint whose every attempt failed for this long is disabled.
pub const DISABLE_AFTER_SECS: i64 = 5 * 24 * 3600;

/// How long to wait for an endpoint's answer.
pub const DELIVERY_TIMEOUT_SECS: u64 = 5;

/// A tenant's endpoints at most: every event is matched against each.
pub const MAX_ENDPOINTS: usize = 10;

/// The wait before the next attempt after `attempts` attempts failed, or `None` when the
/// schedule is over.
pub fn retry_after(attempts: u32) -> Option<i64> {
    let index = usize::try_from(attempts).ok()?.checked_sub(1)?;
    RETRY_SCHEDULE_SECS.get(index).copied()
}

/// Which answers are worth trying again: the endpoint is overloaded or broken for now.
/// Another 4xx (or a redirect, which is never followed) will not change by waiting.
pub fn is_retryable_status(status: u16) -> bool {
    status == 429 || (500..600).contains(&status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_spans_more_than_a_day_then_ends() {
        let total: i64 = (1..=7).map(|n| retry_after(n).unwrap()).sum();
        assert!(total >= 24 * 3600, "{total}");
        assert_eq!(retry_after(0), None);
        assert_eq!(retry_after(1), Some(5));
        assert_eq!(retry_after(8), None);
    }

    #[test]
    fn only_throttling_and_server_errors_are_retried() {
        assert!(is_retryable_status(429));
        assert!(is_retryable_status(503));
        for status in [200, 301, 400, 401, 404, 410] {
            assert!(!is_retryable_status(status), "{status}");
        }
    }

    #[test]
    fn every_type_parses_back_from_its_name() {
        for event_type in EventType::ALL {
            assert_eq!(
                <EventType as Named>::parse(event_type.as_str()),
                Some(*event_type)
            );
        }
        assert_eq!(<EventType as Named>::parse("message.unknown"), None);
    }
}
