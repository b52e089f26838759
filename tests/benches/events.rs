//! Events: from a message's commit to the first delivery attempt at a webhook receiver,
//! through the table's stream polled as Lambda polls it (four times a second) and the
//! bus on moto; and events a second through the events function, with and without an
//! endpoint. Prints numbers; asserts nothing.

use std::time::{Duration, Instant};

use events::stream::StreamEvent;
use events::{EventBridge, Events};
use serde_json::{json, Value};
use shared::domain::webhooks::EventType;
use shared::outbound::{Outbound, Policy};
use shared::store::DynamoStore;
use testkit::receiver::Receiver;
use testkit::stream::{Poller, Start, StreamReader};
use testkit::{read_response, Claims, TestStack};

const TENANT: &str = "bench-events";
/// Lambda polls a stream's shard four times a second.
const POLL: Duration = Duration::from_millis(250);
const LATENCY_MESSAGES: usize = 200;
const THROUGHPUT_MESSAGES: usize = 2_000;

async fn events_of(stack: &TestStack) -> Events<DynamoStore, EventBridge> {
    let client = testkit::moto::event_bridge().await;
    let bus = format!("bench-{}", ulid::Ulid::new().to_string().to_lowercase());
    client
        .create_event_bus()
        .name(&bus)
        .send()
        .await
        .expect("moto makes the bus");
    Events {
        store: stack.store.clone(),
        bus: Some(EventBridge::new(client, bus)),
        outbound: Outbound::new(Policy {
            allow_loopback_http: true,
        }),
    }
}

async fn endpoint(stack: &TestStack, url: &str) {
    testkit::seed::webhook_endpoint(&stack.store, TENANT, url, &[EventType::MessageCreated]).await;
}

async fn send(stack: &TestStack, n: usize) -> String {
    let body = json!({"customer_id": format!("c{}", n % 50), "message": format!("message {n}")});
    let event = testkit::app::post_message(&Claims::staff(TENANT, "s1"), body);
    let (status, sent) = read_response(send::handle(&stack.app(), event.request()).await);
    assert_eq!(status, 201, "{sent}");
    sent["id"].as_str().unwrap().to_owned()
}

async fn invoke(events: &Events<DynamoStore, EventBridge>, records: Vec<Value>) -> Option<String> {
    let batch: StreamEvent = serde_json::from_value(json!({ "Records": records })).unwrap();
    let response = events.handle_stream(&batch, jiff::Timestamp::now()).await;
    response
        .batch_item_failures
        .first()
        .map(|f| f.item_identifier.clone())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

async fn commit_to_first_attempt() {
    let stack = TestStack::with_stream().await;
    let receiver = Receiver::start().await;
    endpoint(&stack, &receiver.url).await;
    let events = events_of(&stack).await;
    let reader = StreamReader::open(&stack.endpoint, stack.store.table(), Start::Latest)
        .await
        .unwrap();
    // Polled beside the sends, in this task: one container, as Lambda runs one batch
    // of a shard at a time.
    let stop = std::sync::atomic::AtomicBool::new(false);
    let polling = async {
        let mut poller = Poller::new(reader);
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            for (shard, records) in poller.next().await {
                if let Some(sequence) = invoke(&events, records).await {
                    poller.failed(&shard, &sequence).await;
                }
            }
            tokio::time::sleep(POLL).await;
        }
    };
    let mut committed = std::collections::HashMap::new();
    let sending = async {
        for n in 0..LATENCY_MESSAGES {
            let id = send(&stack, n).await;
            committed.insert(id, Instant::now());
            tokio::time::sleep(Duration::from_millis(37)).await;
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        while receiver.received().len() < LATENCY_MESSAGES && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    };
    tokio::join!(polling, sending);
    let mut latencies: Vec<f64> = receiver
        .received()
        .iter()
        .filter_map(|r| {
            let id = r.json()["data"]["message"]["id"].as_str()?.to_owned();
            Some(r.at.duration_since(*committed.get(&id)?).as_secs_f64() * 1e3)
        })
        .collect();
    latencies.sort_by(f64::total_cmp);
    println!(
        "EVENTS commit_to_first_attempt messages={} delivered={} poll_ms={} p50_ms={:.0} p99_ms={:.0} max_ms={:.0}",
        LATENCY_MESSAGES,
        latencies.len(),
        POLL.as_millis(),
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or_default(),
    );
}

async fn throughput(endpoints: usize) {
    let stack = TestStack::with_stream().await;
    let receiver = Receiver::start().await;
    for _ in 0..endpoints {
        endpoint(&stack, &receiver.url).await;
    }
    let events = events_of(&stack).await;
    let mut reader = stack.stream().await;
    for n in 0..THROUGHPUT_MESSAGES {
        send(&stack, n).await;
    }
    let mut batches = Vec::new();
    loop {
        let read = reader.read().await.unwrap();
        if read.is_empty() {
            break;
        }
        batches.extend(read.into_iter().map(|(_, records)| records));
    }
    let records: usize = batches.iter().map(Vec::len).sum();
    let started = Instant::now();
    for batch in batches {
        invoke(&events, batch).await;
    }
    let elapsed = started.elapsed();
    println!(
        "EVENTS throughput endpoints={endpoints} records={records} messages={THROUGHPUT_MESSAGES} deliveries={} ms={} records_per_s={:.0} messages_per_s={:.0}",
        receiver.received().len(),
        elapsed.as_millis(),
        records as f64 / elapsed.as_secs_f64(),
        THROUGHPUT_MESSAGES as f64 / elapsed.as_secs_f64(),
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    commit_to_first_attempt().await;
    throughput(0).await;
    throughput(1).await;
}
