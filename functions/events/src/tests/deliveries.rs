//! Webhook deliveries: signed, once, in order, retried on the schedule, given up, and an
//! endpoint disabled after failing for days; replays; refusals; tenants kept apart.

use super::*;
use shared::domain::webhooks::{Delivery, DeliveryStatus};
use testkit::receiver::{Received, Receiver};

const TENANT: &str = "clinic-hooks";

fn verify(endpoint: &Endpoint, request: &Received) -> bool {
    let mut headers = hyper::http::HeaderMap::new();
    for (name, value) in &request.headers {
        if let (Ok(name), Ok(value)) = (
            hyper::http::HeaderName::from_bytes(name.as_bytes()),
            hyper::http::HeaderValue::from_str(value),
        ) {
            headers.insert(name, value);
        }
    }
    standardwebhooks::Webhook::new(&endpoint.secret)
        .unwrap()
        .verify(request.body.as_bytes(), &headers)
        .is_ok()
}

async fn log(h: &Harness, tenant: &str, endpoint: &Endpoint) -> Vec<Delivery> {
    h.app
        .store
        .deliveries(&tenant.into(), &endpoint.id, None, 100)
        .await
        .unwrap()
        .deliveries
}

fn at(offset_secs: i64) -> jiff::Timestamp {
    jiff::Timestamp::now() + jiff::SignedDuration::from_secs(offset_secs)
}

#[tokio::test]
async fn a_delivery_is_signed_as_standard_webhooks_specifies() {
    let mut h = Harness::start(TENANT).await;
    let receiver = Receiver::start().await;
    let endpoint = h.endpoint(TENANT, &receiver.url, &[]).await;
    let sent = send(&h, &Claims::staff(TENANT, "s1"), "Biscuit is ready").await;
    assert_eq!(h.pump().await, BatchResponse::default());
    let received = receiver.received();
    assert_eq!(
        received.len(),
        2,
        "conversation.created and message.created"
    );
    for request in &received {
        assert!(verify(&endpoint, request), "{request:?}");
        let body = request.json();
        assert_eq!(request.header("webhook-id"), body["id"].as_str());
        assert_eq!(body["tenant_id"], TENANT);
        assert_eq!(request.header("content-type"), Some("application/json"));
        assert_eq!(request.path, "/hook");
    }
    assert_eq!(received[1].json()["data"]["message"]["id"], sent["id"]);
    // A receiver holding another secret refuses it.
    let mut other = endpoint.clone();
    other.secret = shared::outbound::new_secret();
    assert!(!verify(&other, &received[0]));
    let deliveries = log(&h, TENANT, &endpoint).await;
    assert_eq!(deliveries.len(), 2);
    let message = deliveries
        .iter()
        .find(|d| d.event_type == EventType::MessageCreated)
        .unwrap();
    assert_eq!(message.status, DeliveryStatus::Succeeded);
    assert_eq!((message.attempts, message.response_status), (1, Some(200)));
    assert!(message.latency_ms.is_some());
    assert_eq!(message.payload, received[1].body);
}

#[tokio::test]
async fn a_batch_processed_again_makes_the_same_events_and_delivers_nothing_twice() {
    let mut h = Harness::start(TENANT).await;
    let receiver = Receiver::start().await;
    let endpoint = h
        .endpoint(TENANT, &receiver.url, &[EventType::MessageCreated])
        .await;
    send(&h, &Claims::staff(TENANT, "s1"), "one").await;
    send(&h, &Claims::staff(TENANT, "s1"), "two").await;
    let batch = h.next_batch().await;
    h.events.handle_stream(&batch, at(0)).await;
    let first: Vec<String> = h.bus().published().iter().map(|e| e.id.clone()).collect();
    h.events.handle_stream(&batch, at(1)).await;
    let all: Vec<String> = h.bus().published().iter().map(|e| e.id.clone()).collect();
    assert_eq!(all[first.len()..], first[..], "the same ids again");
    assert_eq!(receiver.received().len(), 2);
    assert_eq!(log(&h, TENANT, &endpoint).await.len(), 2);
}

#[tokio::test]
async fn a_conversations_events_reach_an_endpoint_in_order() {
    let mut h = Harness::start(TENANT).await;
    let receiver = Receiver::start().await;
    h.endpoint(TENANT, &receiver.url, &[EventType::MessageCreated])
        .await;
    let mut sent = Vec::new();
    for n in 0..6 {
        sent.push(
            send(&h, &Claims::staff(TENANT, "s1"), &format!("message {n}")).await["id"].clone(),
        );
    }
    h.pump().await;
    let received: Vec<Value> = receiver
        .received()
        .iter()
        .map(|r| r.json()["data"]["message"]["id"].clone())
        .collect();
    assert_eq!(received, sent);
}

#[tokio::test]
async fn failures_are_retried_on_the_schedule_then_given_up() {
    let mut h = Harness::start(TENANT).await;
    let receiver = Receiver::start().await;
    receiver.answer(&[503, 429, 500, 502, 503, 504, 500, 503]);
    let endpoint = h
        .endpoint(TENANT, &receiver.url, &[EventType::MessageCreated])
        .await;
    send(&h, &Claims::staff(TENANT, "s1"), "hello").await;
    let start = at(0);
    h.pump_at(start).await;
    let mut waited = 0;
    for (attempt, wait) in shared::domain::webhooks::RETRY_SCHEDULE_SECS
        .iter()
        .enumerate()
    {
        let delivery = &log(&h, TENANT, &endpoint).await[0];
        assert_eq!(delivery.attempts as usize, attempt + 1);
        assert_eq!(delivery.status, DeliveryStatus::Retrying);
        waited += wait;
        let due = start + jiff::SignedDuration::from_secs(waited);
        assert_eq!(delivery.next_attempt_at, Some(format_timestamp(due)));
        // Not before it is due.
        let early = due - jiff::SignedDuration::from_secs(1);
        assert_eq!(h.events.retry_due(early).await.unwrap(), 0);
        assert_eq!(h.events.retry_due(due).await.unwrap(), 1);
    }
    let delivery = &log(&h, TENANT, &endpoint).await[0];
    assert_eq!(delivery.status, DeliveryStatus::Failed);
    assert_eq!(
        (delivery.attempts, delivery.next_attempt_at.as_deref()),
        (8, None)
    );
    assert_eq!(delivery.response_status, Some(503));
    assert!(waited >= 24 * 3600, "retried over a day: {waited} s");
    let received = receiver.received();
    assert_eq!(received.len(), 8);
    assert!(received
        .iter()
        .all(|r| r.header("webhook-id") == Some(delivery.event_id.as_str())));
}

#[tokio::test]
async fn an_answer_that_waiting_cannot_change_is_not_retried() {
    let mut h = Harness::start(TENANT).await;
    let receiver = Receiver::start().await;
    receiver.answer(&[410]);
    let endpoint = h
        .endpoint(TENANT, &receiver.url, &[EventType::MessageCreated])
        .await;
    send(&h, &Claims::staff(TENANT, "s1"), "hello").await;
    h.pump().await;
    let delivery = &log(&h, TENANT, &endpoint).await[0];
    assert_eq!(delivery.status, DeliveryStatus::Failed);
    assert_eq!(delivery.response_status, Some(410));
    assert_eq!(h.events.retry_due(at(3600)).await.unwrap(), 0);
}

#[tokio::test]
async fn an_endpoint_failing_for_five_days_is_disabled_and_the_admins_are_told() {
    let mut h = Harness::start(TENANT).await;
    let down = Receiver::start().await;
    down.answer(&[503; 4]);
    let failing = h
        .endpoint(TENANT, &down.url, &[EventType::MessageCreated])
        .await;
    let admins = Receiver::start().await;
    h.endpoint(TENANT, &admins.url, &[EventType::WebhookDisabled])
        .await;
    let tenant = h.app.tenant_id();
    let six_days_ago = format_timestamp(at(-6 * 24 * 3600));
    h.app
        .store
        .set_endpoint_failing(&tenant, &failing.id, Some(&six_days_ago))
        .await
        .unwrap();
    send(&h, &Claims::staff(TENANT, "s1"), "hello").await;
    h.pump().await;
    // A failing endpoint is not tried inline: the retry run tries it, fails, disables it.
    assert_eq!(h.events.retry_due(at(1)).await.unwrap(), 1);
    let stored = h
        .app
        .store
        .endpoint(&tenant, &failing.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, EndpointStatus::Disabled);
    assert_eq!(
        stored.disabled_reason.as_deref(),
        Some(crate::DISABLED_FAILING)
    );
    h.pump().await;
    let told = admins.received();
    assert_eq!(told.len(), 1);
    let event = told[0].json();
    assert_eq!(event["type"], "webhook.disabled");
    assert_eq!(event["data"]["endpoint_id"], failing.id.as_str());
    // What was due for it is given up, not sent.
    assert_eq!(h.events.retry_due(at(3600)).await.unwrap(), 0);
    assert_eq!(
        log(&h, TENANT, &failing).await[0].status,
        DeliveryStatus::Failed
    );
}

#[tokio::test]
async fn a_recovered_endpoint_is_no_longer_failing() {
    let mut h = Harness::start(TENANT).await;
    let receiver = Receiver::start().await;
    receiver.answer(&[500]);
    let endpoint = h
        .endpoint(TENANT, &receiver.url, &[EventType::MessageCreated])
        .await;
    send(&h, &Claims::staff(TENANT, "s1"), "hello").await;
    h.pump().await;
    let tenant = h.app.tenant_id();
    let stored = h
        .app
        .store
        .endpoint(&tenant, &endpoint.id)
        .await
        .unwrap()
        .unwrap();
    assert!(stored.failing_since.is_some());
    assert_eq!(h.events.retry_due(at(6)).await.unwrap(), 1);
    let stored = h
        .app
        .store
        .endpoint(&tenant, &endpoint.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.failing_since, None);
    assert_eq!(
        log(&h, TENANT, &endpoint).await[0].status,
        DeliveryStatus::Succeeded
    );
}

#[tokio::test]
async fn a_replayed_delivery_is_sent_again_under_the_same_id() {
    let mut h = Harness::start(TENANT).await;
    let receiver = Receiver::start().await;
    let endpoint = h
        .endpoint(TENANT, &receiver.url, &[EventType::MessageCreated])
        .await;
    send(&h, &Claims::staff(TENANT, "s1"), "hello").await;
    h.pump().await;
    let tenant = h.app.tenant_id();
    let mut delivery = log(&h, TENANT, &endpoint).await.remove(0);
    let read_attempts = delivery.attempts;
    delivery.status = DeliveryStatus::Pending;
    delivery.next_attempt_at = Some(format_timestamp(at(0)));
    assert!(h
        .app
        .store
        .save_delivery(&tenant, &delivery, read_attempts)
        .await
        .unwrap());
    assert_eq!(h.events.retry_due(at(1)).await.unwrap(), 1);
    let received = receiver.received();
    assert_eq!(received.len(), 2);
    assert_eq!(
        received[0].header("webhook-id"),
        received[1].header("webhook-id")
    );
    assert_eq!(received[0].body, received[1].body);
    let replayed = &log(&h, TENANT, &endpoint).await[0];
    assert_eq!(
        (replayed.status, replayed.attempts),
        (DeliveryStatus::Succeeded, 2)
    );
}

#[tokio::test]
async fn private_and_metadata_addresses_are_refused_when_delivering() {
    let mut h = Harness::start(TENANT).await;
    h.events.outbound = Outbound::new(Policy::default());
    let urls = [
        "https://127.0.0.1:9/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://10.1.2.3/hook",
        "https://[::1]/hook",
        "https://localhost:9/hook",
        "http://203.0.114.7/hook",
    ];
    let mut endpoints = Vec::new();
    for url in urls {
        endpoints.push(h.endpoint(TENANT, url, &[EventType::MessageCreated]).await);
    }
    send(&h, &Claims::staff(TENANT, "s1"), "hello").await;
    h.pump().await;
    for endpoint in &endpoints {
        let delivery = &log(&h, TENANT, endpoint).await[0];
        assert_eq!(delivery.status, DeliveryStatus::Failed, "{}", endpoint.url);
        assert_eq!(delivery.response_status, None);
        assert!(delivery.error.is_some(), "{}", endpoint.url);
    }
    assert_eq!(h.events.retry_due(at(3600)).await.unwrap(), 0);
}

#[tokio::test]
async fn a_tenant_never_receives_another_tenants_events() {
    let mut h = Harness::start("clinic-a").await;
    let (a, b) = (Receiver::start().await, Receiver::start().await);
    h.endpoint("clinic-a", &a.url, &[]).await;
    h.endpoint("clinic-b", &b.url, &[]).await;
    send(&h, &Claims::staff("clinic-a", "s1"), "for a").await;
    send(&h, &Claims::staff("clinic-b", "s1"), "for b").await;
    send(&h, &Claims::staff("clinic-b", "s2"), "for b again").await;
    h.pump().await;
    let tenants = |r: &Receiver| -> Vec<String> {
        r.received()
            .iter()
            .map(|r| r.json()["tenant_id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(tenants(&a), ["clinic-a"; 2]);
    assert_eq!(tenants(&b), ["clinic-b"; 3]);
}

#[tokio::test]
async fn a_dead_endpoint_costs_one_attempt_a_retry_run_not_one_a_conversation() {
    let mut h = Harness::start(TENANT).await;
    let receiver = Receiver::start().await;
    receiver.answer(&[503; 10]);
    let endpoint = h
        .endpoint(TENANT, &receiver.url, &[EventType::MessageCreated])
        .await;
    for customer in ["c1", "c2", "c3"] {
        h.app
            .send_as(
                send::handle,
                &Claims::staff(TENANT, "s1"),
                json!({"customer_id": customer, "message": "hello"}),
            )
            .await;
    }
    h.pump().await;
    // Inline, one attempt a conversation (each its own group); all retry in 5 s.
    assert_eq!(receiver.received().len(), 3);
    h.events.retry_due(at(6)).await.unwrap();
    assert_eq!(
        receiver.received().len(),
        4,
        "one attempt, then the run stops trying"
    );
    let log = log(&h, TENANT, &endpoint).await;
    let attempts: Vec<u32> = log.iter().map(|d| d.attempts).collect();
    assert_eq!(attempts.iter().sum::<u32>(), 4, "{attempts:?}");
    assert!(log.iter().all(|d| d.status == DeliveryStatus::Retrying));
}

/// DynamoDB failing as deliveries are recorded: the batch is reported failed from the
/// tenant's first record, and the resend records each delivery once (a receiver may get
/// one twice, under the same `webhook-id`, as Standard Webhooks allows).
#[tokio::test]
async fn a_throttled_record_fails_the_batch_and_the_resend_records_once() {
    let faults = testkit::faults::Faults::default();
    let app = TestApp::with_faults_and_stream(TENANT, &faults).await;
    let mut h = Harness::on(app).await;
    let receiver = Receiver::start().await;
    let endpoint = h
        .endpoint(TENANT, &receiver.url, &[EventType::MessageCreated])
        .await;
    send(&h, &Claims::staff(TENANT, "s1"), "one").await;
    send(&h, &Claims::staff(TENANT, "s1"), "two").await;
    let batch = h.next_batch().await;
    // As many as the SDK's own attempts of one request: the first run fails.
    faults.inject(&["PutItem", "WHD#"], 3, testkit::faults::throttled());
    let response = h.events.handle_stream(&batch, at(0)).await;
    assert_eq!(response.batch_item_failures.len(), 1);
    // The tenant's first record that made an event (its header's), not the endpoint's.
    let first_event = crate::derive_batch(&batch.records)[0].0;
    assert_eq!(
        response.batch_item_failures[0].item_identifier,
        batch.records[first_event].dynamodb.sequence_number
    );
    let resent = h.events.handle_stream(&batch, at(1)).await;
    assert_eq!(resent, BatchResponse::default());
    let log = log(&h, TENANT, &endpoint).await;
    assert_eq!(log.len(), 2);
    let ids: std::collections::BTreeSet<_> = receiver
        .received()
        .iter()
        .map(|r| r.header("webhook-id").unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 2, "the same two ids however often they came");
}
