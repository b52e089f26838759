//! The bus: ten entries a call, refused entries tried again, and a record that could not
//! be published reported for Lambda to send again, with what follows it.

use super::*;

const TENANT: &str = "clinic-bus";

#[tokio::test]
async fn events_are_published_ten_to_a_call() {
    let mut h = Harness::start(TENANT).await;
    for n in 0..12 {
        send(&h, &Claims::staff(TENANT, "s1"), &format!("message {n}")).await;
    }
    assert_eq!(h.pump().await, BatchResponse::default());
    let calls = h
        .bus()
        .calls
        .lock()
        .unwrap()
        .iter()
        .map(Vec::len)
        .collect::<Vec<_>>();
    assert_eq!(calls, [10, 3]);
    let published = h.bus().published();
    assert_eq!(published[0].event_type, EventType::ConversationCreated);
    assert!(published[0].data["conversation"]["id"].is_string());
    assert_eq!(published[0].data.get("pk"), None);
}

#[tokio::test]
async fn a_refused_entry_is_tried_again() {
    let mut h = Harness::start(TENANT).await;
    h.bus().refuse.lock().unwrap().extend([false, true]);
    send(&h, &Claims::staff(TENANT, "s1"), "one").await;
    assert_eq!(h.pump().await, BatchResponse::default());
    assert_eq!(
        h.published_types(),
        [EventType::ConversationCreated, EventType::MessageCreated]
    );
}

#[tokio::test]
async fn an_entry_refused_every_time_fails_its_record_and_what_follows() {
    let mut h = Harness::start(TENANT).await;
    send(&h, &Claims::staff(TENANT, "s1"), "one").await;
    send(&h, &Claims::staff(TENANT, "s1"), "two").await;
    // conversation.created and the first message go; the second is refused three times.
    h.bus()
        .refuse
        .lock()
        .unwrap()
        .extend([false, false, true, true, true]);
    let (batch, response) = h.pump_at(jiff::Timestamp::now()).await;
    assert_eq!(response.batch_item_failures.len(), 1);
    let failed = &response.batch_item_failures[0].item_identifier;
    let position = batch
        .records
        .iter()
        .position(|r| &r.dynamodb.sequence_number == failed)
        .unwrap();
    let published = h.bus().published();
    assert_eq!(published.len(), 2);
    // Lambda sends the batch again from the failed record: the rest is published then,
    // and what was published is not published again.
    let again = crate::stream::StreamEvent {
        records: batch.records[position..].to_vec(),
    };
    assert_eq!(
        h.events.handle_stream(&again, jiff::Timestamp::now()).await,
        BatchResponse::default()
    );
    let published = h.bus().published();
    assert_eq!(published.len(), 3);
    assert_eq!(published[2].data["message"]["message"], "two");
}

#[tokio::test]
async fn the_bus_on_moto_takes_every_entry() {
    let h = Harness::start(TENANT).await;
    let client = testkit::moto::event_bridge().await;
    let bus_name = format!(
        "tidings-test-{}",
        ulid::Ulid::new().to_string().to_lowercase()
    );
    client
        .create_event_bus()
        .name(&bus_name)
        .send()
        .await
        .unwrap();
    let bus = crate::EventBridge::new(client, &bus_name);
    let event = Event {
        id: crate::event_id("2026-12-04T10:00:00.000Z", "x"),
        event_type: EventType::MessageCreated,
        tenant_id: TENANT.into(),
        occurred_at: "2026-12-04T10:00:00.000Z".into(),
        sequence: "1".into(),
        conversation_id: None,
        data: json!({"message": {"id": "m1"}}),
    };
    let events: Vec<&Event> = std::iter::repeat_n(&event, 10).collect();
    assert_eq!(bus.put(&events).await.unwrap(), vec![None; 10]);
    drop(h);
}
