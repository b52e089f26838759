//! The EventBridge bus: events as entries (source `tidings`, detail-type the event's
//! type, detail the event), ten to a PutEvents, entries it refused tried again.

use std::future::Future;
use std::time::Duration;

use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use shared::domain::Named;

use crate::event::Event;

/// EventBridge takes at most this many entries in one PutEvents.
pub const MAX_ENTRIES: usize = 10;

/// Attempts per entry (the first and two retries, after 50 and 200 ms); what still fails
/// fails its stream record, which Lambda retries.
const ATTEMPTS: u32 = 3;

/// The `source` of every entry: rules match on it.
pub const SOURCE: &str = "tidings";

pub trait Bus: Send + Sync {
    /// Publishes at most [`MAX_ENTRIES`] events: for each, whether it was taken (`None`)
    /// or why not. `Err` when the call failed as a whole.
    fn put(
        &self,
        events: &[&Event],
    ) -> impl Future<Output = Result<Vec<Option<String>>, String>> + Send;
}

/// Publishes `events` in order, ten at a time, and stops at the first that could not be
/// published: its index, which fails its stream record (so what follows is published
/// when Lambda sends the record again, not twice now).
pub async fn publish<B: Bus>(bus: &B, events: &[&Event]) -> Option<usize> {
    for (chunk_index, chunk) in events.chunks(MAX_ENTRIES).enumerate() {
        let mut pending: Vec<usize> = (0..chunk.len()).collect();
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(50 * 4u64.pow(attempt - 1))).await;
            }
            let batch: Vec<&Event> = pending.iter().map(|&i| chunk[i]).collect();
            pending = match bus.put(&batch).await {
                Ok(results) => pending
                    .iter()
                    .zip(results)
                    .filter_map(|(&i, refused)| {
                        let error = refused?;
                        tracing::warn!(event = %chunk[i].id, %error, "entry refused");
                        Some(i)
                    })
                    .collect(),
                Err(error) => {
                    tracing::warn!(%error, "PutEvents failed");
                    pending
                }
            };
            if pending.is_empty() {
                break;
            }
        }
        if let Some(first) = pending.first() {
            return Some(chunk_index * MAX_ENTRIES + first);
        }
    }
    None
}

/// Amazon EventBridge.
#[derive(Clone, Debug)]
pub struct EventBridge {
    client: aws_sdk_eventbridge::Client,
    bus_name: String,
}

impl EventBridge {
    pub fn new(client: aws_sdk_eventbridge::Client, bus_name: impl Into<String>) -> Self {
        EventBridge {
            client,
            bus_name: bus_name.into(),
        }
    }
}

impl Bus for EventBridge {
    async fn put(&self, events: &[&Event]) -> Result<Vec<Option<String>>, String> {
        let entries = events
            .iter()
            .map(|event| {
                let time = event
                    .occurred_at
                    .parse::<jiff::Timestamp>()
                    .ok()
                    .and_then(|t| {
                        aws_sdk_eventbridge::primitives::DateTime::from_millis(t.as_millisecond())
                            .into()
                    });
                PutEventsRequestEntry::builder()
                    .event_bus_name(&self.bus_name)
                    .source(SOURCE)
                    .detail_type(event.event_type.as_str())
                    .detail(event.body())
                    .set_time(time)
                    .build()
            })
            .collect();
        let output = self
            .client
            .put_events()
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|e| aws_sdk_eventbridge::error::DisplayErrorContext(e).to_string())?;
        let mut results: Vec<Option<String>> = output
            .entries()
            .iter()
            .map(|entry| entry.error_code().map(str::to_owned))
            .collect();
        // An answer without a result for every entry is taken as a failure of the rest.
        results.resize(events.len(), Some("no result".to_owned()));
        Ok(results)
    }
}
