use serde_json::{json, Value};
use testkit::{Claims, TestApp};

use super::*;

/// Every page of an endpoint's log, `limit` at a time: the event ids, page by page.
async fn every_page(stack: &TestApp, claims: &Claims, id: &str, limit: u32) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut event = deliveries(claims, id).query("limit", &limit.to_string());
        if let Some(cursor) = &cursor {
            event = event.query("cursor", cursor);
        }
        let (status, page) = stack.call(handle, event).await;
        assert_eq!(status, 200, "{page}");
        pages.push(
            page["deliveries"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["event_id"].as_str().unwrap().to_owned())
                .collect(),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return pages,
        }
    }
}

#[tokio::test]
async fn the_log_pages_newest_first_with_a_cursor_bound_to_its_endpoint() {
    let stack = TestApp::start(TENANT).await;
    let id = create_default(&stack, &admin()).await;
    let other = create_default(&stack, &admin()).await;
    for n in 1..=5 {
        record(
            &stack,
            TENANT,
            &delivery(&id, n, DeliveryStatus::Succeeded, 1),
        )
        .await;
    }
    record(
        &stack,
        TENANT,
        &delivery(&other, 6, DeliveryStatus::Succeeded, 1),
    )
    .await;

    let pages = every_page(&stack, &admin(), &id, 2).await;
    let newest_first: Vec<String> = (1..=5).rev().map(event_id).collect();
    assert_eq!(pages.concat(), newest_first);
    assert!(
        pages.len() >= 3 && pages.iter().all(|p| p.len() <= 2),
        "{pages:?}"
    );

    let (status, first) = stack
        .call(handle, deliveries(&admin(), &id).query("limit", "2"))
        .await;
    assert_eq!(status, 200);
    let view = &first["deliveries"][0];
    assert_eq!(view["event_type"], "message.created");
    assert_eq!(view["status"], "succeeded");
    assert_eq!(view["attempts"], 1);
    assert_eq!(view["response_status"], 500);
    assert_eq!(view["conversation_id"], "c1~general");
    assert_eq!(
        view["payload"]["data"]["message"]["id"], "m5",
        "the payload is JSON, not a string of it"
    );
    assert!(view.get("endpoint_id").is_none() && view.get("next_attempt_at").is_some());

    // The cursor is for this endpoint's log, and this tenant's.
    let cursor = first["next_cursor"].as_str().unwrap();
    let (status, body) = stack
        .call(handle, deliveries(&admin(), &other).query("cursor", cursor))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_cursor"))
    );

    // The default page holds them all, and an endpoint without deliveries has an empty log.
    let (_, all) = stack.call(handle, deliveries(&admin(), &id)).await;
    assert_eq!(all["deliveries"].as_array().unwrap().len(), 5);
    assert_eq!(all["next_cursor"], Value::Null);
    let empty = create_default(&stack, &admin()).await;
    let (_, none) = stack.call(handle, deliveries(&admin(), &empty)).await;
    assert_eq!(none, json!({"deliveries": [], "next_cursor": null}));
}

#[tokio::test]
async fn a_replay_makes_the_delivery_due_now_once() {
    let stack = TestApp::start(TENANT).await;
    let id = create_default(&stack, &admin()).await;
    record(&stack, TENANT, &delivery(&id, 1, DeliveryStatus::Failed, 8)).await;
    let before = shared::domain::now_rfc3339();

    let service = Claims::service(TENANT, "practice-sync");
    let (status, replayed) = stack
        .call(handle, replay(&service, &id, &event_id(1)))
        .await;
    assert_eq!(status, 202, "{replayed}");
    assert_eq!(replayed["status"], "pending");
    assert_eq!(replayed["attempts"], 8, "the attempts so far stay");
    let due = replayed["next_attempt_at"].as_str().unwrap();
    assert!(due >= before.as_str(), "{due} {before}");
    let stored = stored_delivery(&stack, TENANT, &id, 1).await;
    assert_eq!(stored.status, DeliveryStatus::Pending);
    assert_eq!(stored.event_id, event_id(1), "the same webhook-id");
    let now = testkit::app::hours_from_now(0);
    let due_now = stack.store.due_deliveries(&now, 100).await.unwrap();
    assert!(
        due_now
            .iter()
            .any(|(tenant, d)| tenant.as_str() == TENANT && d.event_id == event_id(1)),
        "on the due index: {due_now:?}"
    );

    // Asked again while pending: as it is.
    let (status, again) = stack
        .call(handle, replay(&admin(), &id, &event_id(1)))
        .await;
    assert_eq!(status, 202);
    assert_eq!(again, replayed);
    assert_eq!(stored_delivery(&stack, TENANT, &id, 1).await, stored);
}

#[tokio::test]
async fn a_retrying_or_succeeded_delivery_may_be_replayed_but_not_to_a_disabled_endpoint() {
    let stack = TestApp::start(TENANT).await;
    let id = create_default(&stack, &admin()).await;
    record(
        &stack,
        TENANT,
        &delivery(&id, 1, DeliveryStatus::Succeeded, 1),
    )
    .await;
    record(
        &stack,
        TENANT,
        &delivery(&id, 2, DeliveryStatus::Retrying, 3),
    )
    .await;
    for n in [1, 2] {
        let (status, replayed) = stack
            .call(handle, replay(&admin(), &id, &event_id(n)))
            .await;
        assert_eq!(
            (status, replayed["status"].as_str()),
            (202, Some("pending"))
        );
    }

    record(&stack, TENANT, &delivery(&id, 3, DeliveryStatus::Failed, 8)).await;
    let (status, _) = stack
        .call(
            handle,
            endpoint("PATCH", &admin(), &id).json(json!({"enabled": false})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = stack
        .call(handle, replay(&admin(), &id, &event_id(3)))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("endpoint_disabled"))
    );
    let kept = stored_delivery(&stack, TENANT, &id, 3).await;
    assert_eq!(kept.status, DeliveryStatus::Failed);

    // A deleted endpoint's deliveries are gone from the API with it.
    let (status, _) = stack.call(handle, endpoint("DELETE", &admin(), &id)).await;
    assert_eq!(status, 204);
    let (status, _) = stack.call(handle, deliveries(&admin(), &id)).await;
    assert_eq!(status, 404);
}
