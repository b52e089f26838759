//! Keys of webhook endpoints and their deliveries.
//!
//! # Webhooks
//!
//! A tenant's endpoints are one partition (`T#{tenant}#WEBHOOKS`, at most
//! [`crate::domain::webhooks::MAX_ENDPOINTS`] items): the events function reads it with
//! one Query per tenant per stream batch, so matching an event costs nothing per event.
//!
//! A delivery (one event to one endpoint) is its endpoint's log: `T#{tenant}#WHD#{endpoint}`
//! with the event id as sort key. Event ids start with the time of the change (a ULID made
//! from the stream record), so one descending Query lists the log newest first, and the
//! key is the same whenever the record is processed again: the delivery's first write is
//! conditional on its absence, and a batch processed twice records each delivery once.
//! It is written once when the first attempt succeeded (1 WRU below 1 KB); a failed
//! attempt puts it on `gsi3` (`WHDUE#{shard}`, the next attempt's time) until it
//! succeeds or the schedule ends, for the events function's retry run. Kept 30 days
//! (TTL).

/// Endpoints' sort keys begin with this.
pub const ENDPOINT_SK_PREFIX: &str = "EP#";

/// Retries due spread over this many index partitions.
pub const WEBHOOK_DUE_SHARDS: u32 = 4;

pub fn endpoints_pk(tenant: &str) -> String {
    format!("T#{tenant}#WEBHOOKS")
}

pub fn endpoint_sk(endpoint: &str) -> String {
    format!("{ENDPOINT_SK_PREFIX}{endpoint}")
}

pub fn deliveries_pk(tenant: &str, endpoint: &str) -> String {
    format!("T#{tenant}#WHD#{endpoint}")
}

/// The tenant and endpoint of a delivery's partition key.
pub fn parse_deliveries_pk(pk: &str) -> Option<(String, String)> {
    let (tenant, endpoint) = pk.strip_prefix("T#")?.split_once("#WHD#")?;
    Some((tenant.to_owned(), endpoint.to_owned()))
}

/// The due-index partition of an endpoint's retries.
pub fn webhook_due_pk(deliveries_pk: &str) -> String {
    let hash = deliveries_pk.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    format!("WHDUE#{}", hash % WEBHOOK_DUE_SHARDS)
}

pub fn webhook_due_shards() -> impl Iterator<Item = String> {
    (0..WEBHOOK_DUE_SHARDS).map(|n| format!("WHDUE#{n}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_key_names_its_tenant_and_endpoint() {
        let pk = deliveries_pk("t1", "wh_01ABC");
        assert_eq!(
            parse_deliveries_pk(&pk),
            Some(("t1".to_owned(), "wh_01ABC".to_owned()))
        );
        assert!(webhook_due_shards().any(|shard| shard == webhook_due_pk(&pk)));
    }
}
