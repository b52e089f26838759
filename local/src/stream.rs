//! Lambda's part for the events function: the table's stream polled as its event source
//! mapping polls it (from the latest record, batches of 100, the failed record and what
//! follows sent again: [`testkit::stream::Poller`]), and the schedule that runs its
//! webhook retries.

use std::time::Duration;

use events::stream::StreamEvent;
use testkit::stream::{Poller, Start, StreamReader};

/// Polls the stream every `poll` and runs due retries every `retries`, forever.
pub async fn events_forever(
    events: events::Deployed,
    dynamodb_endpoint: String,
    table: String,
    poll: Duration,
    retries: Duration,
) {
    let reader = loop {
        match StreamReader::open(&dynamodb_endpoint, &table, Start::Latest).await {
            Ok(reader) => break reader,
            Err(error) => {
                tracing::warn!(%error, "the table's stream is not readable yet");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    };
    let mut poller = Poller::new(reader);
    let mut last_retry_run = tokio::time::Instant::now();
    loop {
        for (shard, records) in poller.next().await {
            if let Some(sequence) = invoke(&events, records).await {
                poller.failed(&shard, &sequence).await;
            }
        }
        if last_retry_run.elapsed() >= retries {
            last_retry_run = tokio::time::Instant::now();
            if let Err(error) = events.retry_due(jiff::Timestamp::now()).await {
                tracing::warn!(%error, "webhook retry run");
            }
        }
        tokio::time::sleep(poll).await;
    }
}

/// One invocation with a stream batch: the sequence number of the first record that
/// failed, if one did.
pub async fn invoke(events: &events::Deployed, records: Vec<serde_json::Value>) -> Option<String> {
    let batch: StreamEvent = match serde_json::from_value(serde_json::json!({ "Records": records }))
    {
        Ok(batch) => batch,
        Err(error) => {
            tracing::error!(%error, "a stream batch that is not Lambda's shape");
            return None;
        }
    };
    let response = events.handle_stream(&batch, jiff::Timestamp::now()).await;
    response
        .batch_item_failures
        .into_iter()
        .next()
        .map(|failure| failure.item_identifier)
}
