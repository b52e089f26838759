use super::*;
use ::events::stream::StreamEvent;
use ::events::{Bus, Event, Events};
use shared::outbound::{Outbound, Policy};
use testkit::receiver::Receiver;

/// EventBridge's list price per million entries of up to 64 KB.
const EVENTBRIDGE_PER_MILLION: f64 = 1.00;

/// A bus that takes everything: the bus's price is EventBridge's, not measured here.
struct Accepting;

impl Bus for Accepting {
    async fn put(&self, events: &[&Event]) -> Result<Vec<Option<String>>, String> {
        Ok(vec![None; events.len()])
    }
}

async fn endpoint(stack: &TestStack, url: &str) {
    seed::webhook_endpoint(&stack.store, TENANT, url, &[]).await;
}

/// `sends` messages (UUID ids, 120 characters) as one stream batch, and how many events
/// it makes.
async fn batch_of(stack: &TestStack, sends: usize) -> StreamEvent {
    let mut stream = stack.stream().await;
    stream.read().await.unwrap();
    let app = stack.app();
    for _ in 0..sends {
        let body = json!({"customer_id": CUSTOMER, "message": text()});
        let (status, _) = read_response(
            send::handle(&app, testkit::app::post_message(&staff(), body).request()).await,
        );
        assert_eq!(status, 201);
    }
    let records = stream
        .read()
        .await
        .unwrap()
        .into_iter()
        .flat_map(|(_, r)| r)
        .collect::<Vec<_>>();
    serde_json::from_value(json!({ "Records": records })).unwrap()
}

/// The events of a batch of `sends` messages delivered to `endpoints` endpoints: what
/// the batch cost, and how many deliveries it made.
async fn delivered(sends: usize, endpoints: usize) -> (Cost, usize, Duration) {
    let stack = TestStack::with_stream().await;
    let receiver = Receiver::start().await;
    for _ in 0..endpoints {
        endpoint(&stack, &receiver.url).await;
    }
    let batch = batch_of(&stack, sends).await;
    let events = Events {
        store: stack.store.clone(),
        bus: Some(Accepting),
        outbound: Outbound::new(Policy {
            allow_loopback_http: true,
        }),
    };
    let started = Instant::now();
    let label = format!("sends={sends} endpoints={endpoints}");
    let (cost, response) = measure_as(&stack, "events.batch", &label, false, async {
        events.handle_stream(&batch, jiff::Timestamp::now()).await
    })
    .await;
    let elapsed = started.elapsed();
    assert!(response.batch_item_failures.is_empty());
    (cost, receiver.received().len(), elapsed)
}

/// One event published, and one delivery made, with the Lambda time of its batch shared.
fn per_event_lines(cost: &Cost, events: usize, deliveries: usize, elapsed: Duration) {
    let lambda = (LAMBDA_REQUESTS_PER_MILLION
        + memory_gb() * elapsed.as_secs_f64() * LAMBDA_ARM_PER_GB_SECOND * 1e6)
        / events as f64;
    println!(
        "CAPACITY event.published per=event requests=0 rru=0 wru=0 usd_per_million={:.3}",
        EVENTBRIDGE_PER_MILLION + lambda
    );
    if deliveries > 0 {
        let per = |units: f64| units / deliveries as f64;
        let usd = per(cost.rru) * RRU_PER_MILLION + per(cost.wru) * WRU_PER_MILLION + lambda;
        println!(
            "CAPACITY webhook.delivery per=delivery requests={:.2} rru={:.2} wru={:.2} usd_per_million={usd:.3}",
            cost.requests as f64 / deliveries as f64,
            per(cost.rru),
            per(cost.wru),
        );
    }
}

/// A batch costs one Query of the tenant's endpoints, one BatchGetItem of the
/// deliveries it would make (per 100) and one conditional PutItem (1 WRU: the payload is
/// kept deflated) a delivery, at 10 as at 50 messages and at one as at ten endpoints.
#[tokio::test]
async fn a_delivery_costs_one_write_whatever_the_batch_and_endpoints() {
    for (sends, endpoints) in [(10, 1), (50, 1), (10, 10)] {
        let (cost, deliveries, elapsed) = Box::pin(delivered(sends, endpoints)).await;
        // conversation.created and a message.created a send, to every endpoint.
        assert_eq!(deliveries, (sends + 1) * endpoints);
        // BatchGetItem takes 100 keys a request.
        assert_eq!(
            cost.requests,
            1 + deliveries.div_ceil(100) + deliveries,
            "{cost:?}"
        );
        assert_eq!(cost.wru, deliveries as f64, "{cost:?}");
        assert!(cost.rru <= 1.0 + 0.5 * deliveries as f64, "{cost:?}");
        per_event_lines(&cost, sends + 1, deliveries, elapsed);
    }
}

/// A tenant without endpoints: one Query a batch, whatever it holds.
#[tokio::test]
async fn a_tenant_without_endpoints_costs_one_read_a_batch() {
    for sends in [10, 50] {
        let (cost, deliveries, elapsed) = Box::pin(delivered(sends, 0)).await;
        assert_eq!(deliveries, 0);
        assert_eq!(cost.requests, 1, "{cost:?}");
        assert_eq!(cost.wru, 0.0, "{cost:?}");
        per_event_lines(&cost, sends + 1, 0, elapsed);
    }
}

/// The retry run: a Query per due-index shard, the due deliveries by key, an endpoints
/// Query per tenant, and per delivery one conditional PutItem.
#[tokio::test]
async fn a_retry_costs_one_write_a_delivery() {
    let stack = TestStack::with_stream().await;
    let receiver = Receiver::start().await;
    receiver.answer(&[503; 11]);
    endpoint(&stack, &receiver.url).await;
    let batch = batch_of(&stack, 10).await;
    let events = Events {
        store: stack.store.clone(),
        bus: Some(Accepting),
        outbound: Outbound::new(Policy {
            allow_loopback_http: true,
        }),
    };
    let now = jiff::Timestamp::now();
    events.handle_stream(&batch, now).await;
    let due = now + jiff::SignedDuration::from_secs(5);
    let (cost, attempted) = measure_as(&stack, "webhook.retry_run", "due=11", false, async {
        events.retry_due(due).await.unwrap()
    })
    .await;
    assert_eq!(attempted, 11);
    let shards = shared::store::keys::WEBHOOK_DUE_SHARDS as usize;
    // The first fails and holds the conversation's others for the next run, unsent.
    assert_eq!(cost.requests, shards + 1 + 1 + 11, "{cost:?}");
    // Moving a record's retry on the due index rewrites its index entry.
    assert!(cost.wru <= 3.0 * 11.0 + 1.0, "{cost:?}");
}
