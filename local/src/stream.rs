//! Lambda's part for the events function: the table's stream polled as its event source
//! mapping polls it (from the latest record, batches of 100, the failed record and what
//! follows sent again, a batch given up after its retries), and the schedule that runs
//! its webhook retries.

use std::collections::HashMap;
use std::time::Duration;

use events::stream::StreamEvent;
use testkit::stream::{Start, StreamReader};

/// As the template's mapping: a batch failing this many times is given up.
const MAXIMUM_RETRY_ATTEMPTS: u32 = 10;

/// Polls the stream every `poll` and runs due retries every `retries`, forever.
pub async fn events_forever(
    events: events::Deployed,
    dynamodb_endpoint: String,
    table: String,
    poll: Duration,
    retries: Duration,
) {
    let mut reader = loop {
        match StreamReader::open(&dynamodb_endpoint, &table, Start::Latest).await {
            Ok(reader) => break reader,
            Err(error) => {
                tracing::warn!(%error, "the table's stream is not readable yet");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    };
    let mut failures: HashMap<String, u32> = HashMap::new();
    let mut last_retry_run = tokio::time::Instant::now();
    loop {
        match reader.read().await {
            Ok(batches) => {
                for (shard, records) in batches {
                    handle(&events, &mut reader, &mut failures, &shard, records).await;
                }
            }
            Err(error) => tracing::warn!(%error, "reading the table's stream"),
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

async fn handle(
    events: &events::Deployed,
    reader: &mut StreamReader,
    failures: &mut HashMap<String, u32>,
    shard: &str,
    records: Vec<serde_json::Value>,
) {
    let batch: StreamEvent = match serde_json::from_value(serde_json::json!({ "Records": records })) {
        Ok(batch) => batch,
        Err(error) => {
            tracing::error!(%error, "a stream batch that is not Lambda's shape");
            return;
        }
    };
    let response = events.handle_stream(&batch, jiff::Timestamp::now()).await;
    let Some(failed) = response.batch_item_failures.first() else {
        return;
    };
    let sequence = failed.item_identifier.clone();
    let attempts = failures.entry(sequence.clone()).or_default();
    *attempts += 1;
    if *attempts > MAXIMUM_RETRY_ATTEMPTS {
        // In AWS the batch goes to the failed-events queue; here, to the log.
        tracing::error!(shard, sequence, "stream batch given up after its retries");
        failures.remove(&sequence);
        return;
    }
    if let Err(error) = reader.rewind(shard, &sequence).await {
        tracing::warn!(%error, "rewinding the stream");
    }
}
