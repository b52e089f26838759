//! Events to the host application, from the table's change stream: each change that
//! matters (a message sent, edited, deleted or read, a conversation opened or closed, a
//! participant added or removed, a notification sent or failed, an SMS opt-out, an
//! unmatched text, an endpoint disabled) becomes an event, published to the EventBridge
//! bus and delivered to the tenant's webhook endpoints. Derived from the stream, nothing
//! a write path forgets is lost. The same function, run on a schedule, retries the
//! deliveries that are due.

mod bus;
mod deliver;
mod deployed;
mod derive;
mod event;
pub mod stream;

use std::collections::{BTreeMap, HashSet};

use shared::domain::format_timestamp;
use shared::domain::ids::TenantId;
use shared::domain::webhooks::EventType;
use shared::outbound::Outbound;
use shared::store::{decode_change, WebhookStore};

pub use bus::{publish, Bus, EventBridge, MAX_ENTRIES, SOURCE};
pub use deliver::{Courier, DISABLED_FAILING};
pub use deployed::Deployed;
pub use derive::{events, Origin};
pub use event::{event_id, Event};
use stream::{BatchResponse, ItemFailure, StreamEvent, StreamRecord};

/// Due deliveries a retry run takes from each shard.
const RETRY_BATCH: usize = 100;

/// What the function holds per container.
pub struct Events<S, B> {
    pub store: S,
    /// None: no bus is configured (webhooks only).
    pub bus: Option<B>,
    pub outbound: Outbound,
}

impl<S: WebhookStore, B: Bus> Events<S, B> {
    fn courier(&self, now: jiff::Timestamp) -> Courier<'_, S> {
        Courier {
            store: &self.store,
            outbound: &self.outbound,
            now,
        }
    }

    /// One stream batch: its events published, then delivered. The records from the
    /// first one that failed are reported for Lambda to send again.
    pub async fn handle_stream(&self, batch: &StreamEvent, now: jiff::Timestamp) -> BatchResponse {
        let derived = derive_batch(&batch.records);
        let mut first_failed: Option<usize> = None;
        if let Some(bus) = &self.bus {
            let all: Vec<&Event> = derived.iter().map(|(_, e)| e).collect();
            first_failed = publish(bus, &all).await.map(|i| derived[i].0);
        }
        let deliverable = derived
            .iter()
            .filter(|(record, _)| first_failed.is_none_or(|f| *record < f));
        let mut by_tenant: BTreeMap<&TenantId, Vec<(usize, &Event)>> = BTreeMap::new();
        for (record, event) in deliverable {
            by_tenant
                .entry(&event.tenant_id)
                .or_default()
                .push((*record, event));
        }
        let courier = self.courier(now);
        for (tenant, events) in by_tenant {
            let list: Vec<&Event> = events.iter().map(|(_, e)| *e).collect();
            if let Err(err) = courier.fan_out(tenant, &list).await {
                tracing::warn!(tenant = %tenant, error = %err, "webhook deliveries not recorded");
                let first = events.first().map_or(0, |(record, _)| *record);
                first_failed = Some(first_failed.map_or(first, |f| f.min(first)));
            }
        }
        BatchResponse {
            batch_item_failures: first_failed
                .and_then(|i| batch.records.get(i))
                .map(|record| ItemFailure {
                    item_identifier: record.dynamodb.sequence_number.clone(),
                })
                .into_iter()
                .collect(),
        }
    }

    /// The scheduled run: deliveries due by `now` attempted again. How many were.
    pub async fn retry_due(
        &self,
        now: jiff::Timestamp,
    ) -> Result<usize, shared::store::StoreError> {
        self.courier(now).retry_due(RETRY_BATCH).await
    }
}

#[cfg(test)]
mod tests;

/// Every record's events, with the index of the record each came from. A person's read
/// position moving several times in one batch is one event, the last.
pub fn derive_batch(records: &[StreamRecord]) -> Vec<(usize, Event)> {
    let mut derived = Vec::new();
    for (index, record) in records.iter().enumerate() {
        let change = &record.dynamodb;
        let keys = stream::sdk_item(&change.keys);
        let old = change.old_image.as_ref().map(stream::sdk_item);
        let new = change.new_image.as_ref().map(stream::sdk_item);
        let decoded = match decode_change(&keys, old.as_ref(), new.as_ref()) {
            Ok(Some(decoded)) => decoded,
            Ok(None) => continue,
            // An item that does not read will not read when sent again either: logged
            // (with its key, by the store) and passed over rather than block the shard.
            Err(_) => continue,
        };
        let changed_at = change
            .approximate_creation_date_time
            .and_then(|secs| jiff::Timestamp::from_millisecond((secs * 1000.0) as i64).ok())
            .map(format_timestamp)
            .unwrap_or_default();
        let origin = Origin {
            record_id: &record.event_id,
            sequence: &change.sequence_number,
            changed_at: &changed_at,
        };
        derived.extend(events(&origin, &decoded).into_iter().map(|e| (index, e)));
    }
    let mut seen = HashSet::new();
    let mut kept: Vec<(usize, Event)> = derived
        .into_iter()
        .rev()
        .filter(|(_, event)| {
            event.event_type != EventType::MessageRead
                || seen.insert((
                    event.tenant_id.clone(),
                    event.conversation_id.clone(),
                    event.data["reader"].to_string(),
                ))
        })
        .collect();
    kept.reverse();
    kept
}
