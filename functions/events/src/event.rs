//! The event a host application receives, on the bus and in a webhook's body.

use serde::Serialize;
use sha2::{Digest, Sha256};
use shared::domain::ids::TenantId;
use shared::domain::webhooks::EventType;

/// One event. Its `id` is derived from the change it reports, so the same change read
/// again (a retried batch, a redelivered record) makes the same event, and receivers drop
/// what they have seen by id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: EventType,
    pub tenant_id: TenantId,
    pub occurred_at: String,
    /// The stream's sequence number of the change, as 40 digits: within one conversation
    /// (its messages and its header share a partition, so a shard) events compare in the
    /// order their changes were made, as strings or as numbers.
    pub sequence: String,
    /// The conversation the event is about (the API's id), if any.
    pub conversation_id: Option<String>,
    pub data: serde_json::Value,
}

impl Event {
    /// The JSON receivers get: the webhook body and the bus entry's detail.
    pub fn body(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// `evt_` and a ULID whose time is the change's (so ids sort by when it happened, and an
/// endpoint's delivery log, keyed by them, lists newest first) and whose randomness is a
/// hash of `seed`.
pub fn event_id(occurred_at: &str, seed: &str) -> String {
    let millis = occurred_at
        .parse::<jiff::Timestamp>()
        .map(|t| u64::try_from(t.as_millisecond()).unwrap_or(0))
        .unwrap_or(0);
    let digest = Sha256::digest(seed.as_bytes());
    let mut random = [0u8; 16];
    random[6..].copy_from_slice(&digest[..10]);
    let random = u128::from_be_bytes(random);
    format!("evt_{}", ulid::Ulid::from_parts(millis, random))
}

/// A stream sequence number, padded so that strings compare as the numbers do.
pub fn padded_sequence(sequence: &str) -> String {
    format!("{sequence:0>40}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_sort_by_time() {
        let a = event_id("2026-12-04T10:00:00.000Z", "record-1#0");
        assert_eq!(a, event_id("2026-12-04T10:00:00.000Z", "record-1#0"));
        assert_ne!(a, event_id("2026-12-04T10:00:00.000Z", "record-1#1"));
        assert!(a < event_id("2026-12-04T10:00:00.001Z", "record-0#0"));
        assert_eq!(a.len(), 30);
    }

    #[test]
    fn sequences_compare_as_numbers() {
        assert!(padded_sequence("999") < padded_sequence("1000"));
        assert_eq!(padded_sequence("12").len(), 40);
    }
}
