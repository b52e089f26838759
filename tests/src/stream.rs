//! The table's DynamoDB stream read as Lambda's event source mapping reads it
//! (DescribeTable for the stream, DescribeStream, GetShardIterator, GetRecords), for the
//! local API's poller and the events function's tests. The records come back as the
//! JSON Lambda hands the function.

use std::collections::HashMap;

use serde_json::{json, Value};

const DYNAMODB: &str = "DynamoDB_20120810";
const STREAMS: &str = "DynamoDBStreams_20120810";
/// GetRecords returns at most this many records: Lambda's largest stream batch is 10,000,
/// its default 100, as the template's.
pub const BATCH_SIZE: usize = 100;

/// Where the reader starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// Every record the stream holds (the tests: all since the table was made).
    TrimHorizon,
    /// Only what is written from now on (the local API, as the template's mapping).
    Latest,
}

/// One reader per stream; each shard's position kept between reads.
pub struct StreamReader {
    http: reqwest::Client,
    endpoint: String,
    stream_arn: String,
    start: Start,
    /// (shard id, its next iterator, the last sequence number read)
    shards: Vec<(String, Option<String>, Option<String>)>,
}

impl StreamReader {
    pub async fn open(endpoint: &str, table: &str, start: Start) -> Result<StreamReader, String> {
        let http = reqwest::Client::new();
        let described = call(
            &http,
            endpoint,
            DYNAMODB,
            "DescribeTable",
            json!({ "TableName": table }),
        )
        .await?;
        let stream_arn = described["Table"]["LatestStreamArn"]
            .as_str()
            .ok_or_else(|| format!("table {table} has no stream"))?
            .to_owned();
        let mut reader = StreamReader {
            http,
            endpoint: endpoint.to_owned(),
            stream_arn,
            start,
            shards: Vec::new(),
        };
        reader.find_shards().await?;
        Ok(reader)
    }

    async fn find_shards(&mut self) -> Result<(), String> {
        let described = self
            .streams("DescribeStream", json!({ "StreamArn": self.stream_arn }))
            .await?;
        for shard in described["StreamDescription"]["Shards"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let Some(id) = shard["ShardId"].as_str() else {
                continue;
            };
            if self.shards.iter().any(|(known, _, _)| known == id) {
                continue;
            }
            let kind = match self.start {
                Start::TrimHorizon => "TRIM_HORIZON",
                Start::Latest => "LATEST",
            };
            let iterator = self.iterator(id, kind, None).await?;
            self.shards.push((id.to_owned(), Some(iterator), None));
        }
        Ok(())
    }

    async fn iterator(
        &self,
        shard: &str,
        kind: &str,
        sequence: Option<&str>,
    ) -> Result<String, String> {
        let mut request = json!({
            "StreamArn": self.stream_arn,
            "ShardId": shard,
            "ShardIteratorType": kind,
        });
        if let Some(sequence) = sequence {
            request["SequenceNumber"] = json!(sequence);
        }
        let answer = self.streams("GetShardIterator", request).await?;
        answer["ShardIterator"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("no iterator for shard {shard}"))
    }

    /// The next records of each shard, in order, at most [`BATCH_SIZE`] a shard.
    pub async fn read(&mut self) -> Result<Vec<(String, Vec<Value>)>, String> {
        // Shards are looked for again only when every one known has closed: describing
        // the stream locally reads all of its records.
        if self
            .shards
            .iter()
            .all(|(_, iterator, _)| iterator.is_none())
        {
            self.find_shards().await?;
        }
        let mut batches = Vec::new();
        for index in 0..self.shards.len() {
            let Some(iterator) = self.shards[index].1.clone() else {
                continue;
            };
            let answer = self
                .streams(
                    "GetRecords",
                    json!({ "ShardIterator": iterator, "Limit": BATCH_SIZE }),
                )
                .await?;
            let records: Vec<Value> = answer["Records"].as_array().cloned().unwrap_or_default();
            let shard = &mut self.shards[index];
            shard.1 = answer["NextShardIterator"].as_str().map(str::to_owned);
            if let Some(last) = records.last() {
                shard.2 = last["dynamodb"]["SequenceNumber"]
                    .as_str()
                    .map(str::to_owned);
            }
            if !records.is_empty() {
                batches.push((shard.0.clone(), records));
            }
        }
        Ok(batches)
    }

    /// Reads a shard again from `sequence` (a record the function reported failed).
    pub async fn rewind(&mut self, shard: &str, sequence: &str) -> Result<(), String> {
        let iterator = self
            .iterator(shard, "AT_SEQUENCE_NUMBER", Some(sequence))
            .await?;
        if let Some(entry) = self.shards.iter_mut().find(|(id, _, _)| id == shard) {
            entry.1 = Some(iterator);
        }
        Ok(())
    }

    async fn streams(&self, operation: &str, body: Value) -> Result<Value, String> {
        call(&self.http, &self.endpoint, STREAMS, operation, body).await
    }
}

async fn call(
    http: &reqwest::Client,
    endpoint: &str,
    service: &str,
    operation: &str,
    body: Value,
) -> Result<Value, String> {
    let response = http
        .post(endpoint)
        .header("x-amz-target", format!("{service}.{operation}"))
        .header("content-type", "application/x-amz-json-1.0")
        // Signatures are not checked locally; their parts must be present.
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, \
             SignedHeaders=host;x-amz-date, Signature=0",
        )
        .header("x-amz-date", "20260101T000000Z")
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| format!("{operation}: {e}"))?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| format!("{operation}: {e}"))?;
    if !status.is_success() {
        return Err(format!("{operation}: {status} {text}"));
    }
    serde_json::from_str(&text).map_err(|e| format!("{operation}: {e}"))
}

/// As the template's mapping: a batch failing this many times is given up.
pub const MAXIMUM_RETRY_ATTEMPTS: u32 = 10;

/// Lambda's event source mapping over one stream: [`Poller::next`] reads each shard's
/// next batch (Lambda's `Records`) for the function; when it answers that a record
/// failed, [`Poller::failed`] reads that shard again from the record, until it has
/// failed [`MAXIMUM_RETRY_ATTEMPTS`] times and is given up.
pub struct Poller {
    pub reader: StreamReader,
    failures: HashMap<String, u32>,
}

impl Poller {
    pub fn new(reader: StreamReader) -> Poller {
        Poller {
            reader,
            failures: HashMap::new(),
        }
    }

    /// Each shard's next batch, if it has records.
    pub async fn next(&mut self) -> Vec<(String, Vec<Value>)> {
        self.reader.read().await.unwrap_or_else(|error| {
            tracing::warn!(%error, "reading the table's stream");
            Vec::new()
        })
    }

    /// The function failed `sequence` of `shard`'s batch.
    pub async fn failed(&mut self, shard: &str, sequence: &str) {
        let attempts = self.failures.entry(sequence.to_owned()).or_default();
        *attempts += 1;
        if *attempts > MAXIMUM_RETRY_ATTEMPTS {
            // In AWS the batch goes to the on-failure destination; here, to the log.
            tracing::error!(shard, sequence, "stream batch given up after its retries");
            self.failures.remove(sequence);
            return;
        }
        if let Err(error) = self.reader.rewind(shard, sequence).await {
            tracing::warn!(%error, "rewinding the stream");
        }
    }
}
