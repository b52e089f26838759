use serde_json::{json, Value};
use shared::domain::{MessagingMode, Settings, Side};
use shared::store::MessageStore;
use testkit::app::{general, mark_read};
use testkit::{read_response, ApiEvent, Claims, TestApp};

use super::handle;

const TENANT: &str = "clinic-a";

/// Sends `text` into c1's general conversation; the message's id.
async fn send(stack: &TestApp, claims: &Claims, text: &str) -> String {
    let body = json!({"customer_id": "c1", "message": text});
    let sent = stack.send_as(send::handle, claims, body).await;
    sent["id"].as_str().unwrap().to_owned()
}

async fn mark(stack: &TestApp, claims: &Claims, body: Value) -> (u16, Value) {
    stack.call(handle, mark_read(claims, body)).await
}

#[tokio::test]
async fn marking_read_is_per_person_and_only_moves_forward() {
    let stack = TestApp::start(TENANT).await;
    let (s1, s2) = (Claims::staff(TENANT, "s1"), Claims::staff(TENANT, "s2"));
    let customer = Claims::customer(TENANT, "contact-1", "c1");
    let first = send(&stack, &customer, "one").await;
    let second = send(&stack, &customer, "two").await;
    send(&stack, &s1, "a staff reply is never unread for staff").await;

    let (status, body) = mark(&stack, &s2, json!({"customer_id": "c1", "up_to": first})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["unread_count"].as_u64(), body["read_up_to"].as_str()),
        (Some(1), Some(first.as_str()))
    );
    let (_, body) = mark(
        &stack,
        &s2,
        json!({"conversation_id": general("c1").encode()}),
    )
    .await;
    assert_eq!(body["unread_count"], 0);
    let newest = body["read_up_to"].as_str().unwrap().to_owned();
    assert!(newest > second);
    // Back to an older message: nothing moves.
    let (status, body) = mark(&stack, &s2, json!({"customer_id": "c1", "up_to": first})).await;
    assert_eq!(
        (status, body["read_up_to"].as_str()),
        (200, Some(newest.as_str()))
    );

    let header = stack.header(&general("c1")).await;
    assert_eq!(
        stack
            .unread(TENANT, &general("c1"), Side::Staff, "s2")
            .await,
        0
    );
    assert_eq!(
        header.unread_for(Side::Staff, "s1", None),
        0,
        "s1 replied after both, so read them"
    );
    assert_eq!(
        header.unread_for(Side::Staff, "s3", None),
        2,
        "someone who read nothing"
    );
    // The second contact of the family keeps their own state.
    assert_eq!(header.unread_for(Side::Customer, "contact-1", None), 1);
    assert_eq!(header.unread_for(Side::Customer, "contact-2", None), 1);
    let (_, body) = mark(&stack, &customer, json!({})).await;
    assert_eq!(body["unread_count"], 0);
    let header = stack.header(&general("c1")).await;
    assert_eq!(header.unread_for(Side::Customer, "contact-2", None), 1);
}

#[tokio::test]
async fn admins_leave_no_trace() {
    let stack = TestApp::start(TENANT).await;
    send(
        &stack,
        &Claims::customer(TENANT, "contact-1", "c1"),
        "hello",
    )
    .await;
    let before = stack.header(&general("c1")).await;
    let (status, body) = mark(
        &stack,
        &Claims::admin(TENANT, "a1"),
        json!({"customer_id": "c1"}),
    )
    .await;
    assert_eq!((status, body["unread_count"].as_u64()), (200, Some(1)));
    let after = stack.header(&general("c1")).await;
    assert_eq!(before, after);
}

#[tokio::test]
async fn unknown_foreign_and_refused_callers_change_nothing() {
    let stack = TestApp::start(TENANT).await;
    send(
        &stack,
        &Claims::customer(TENANT, "contact-1", "c1"),
        "hello",
    )
    .await;
    let before = stack.header(&general("c1")).await;
    let id = general("c1").encode();
    let cases = [
        (
            Claims::staff(TENANT, "s1"),
            json!({"customer_id": "c-none"}),
            404,
            "not_found",
        ),
        (
            Claims::staff("clinic-b", "s1"),
            json!({"conversation_id": id}),
            404,
            "not_found",
        ),
        (
            Claims::customer(TENANT, "contact-9", "c2"),
            json!({"conversation_id": id}),
            404,
            "not_found",
        ),
        (
            Claims::basic_staff(TENANT, "b1"),
            json!({"conversation_id": id}),
            404,
            "not_found",
        ),
        (
            Claims::staff(TENANT, "s1"),
            json!({"conversation_id": id, "up_to": "nope"}),
            400,
            "invalid_up_to",
        ),
        (
            Claims::staff(TENANT, "s1"),
            json!({"conversation_id": id, "up_to": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}),
            400,
            "invalid_reference",
        ),
        (
            Claims::staff(TENANT, "s1"),
            json!({"conversation_id": id, "up_to": "7ZZZZZZZZZZZZZZZZZZZZZZZZZ"}),
            400,
            "invalid_reference",
        ),
        (
            Claims::staff(TENANT, "s1"),
            json!({"conversation_id": id, "unread_count": 0}),
            400,
            "read_only_field",
        ),
        (
            Claims::staff(TENANT, "s1"),
            json!({"conversation_id": 7}),
            400,
            "invalid_field",
        ),
        (
            Claims::staff(TENANT, "s1").without("sub"),
            json!({"conversation_id": id}),
            401,
            "unauthorized",
        ),
    ];
    for (claims, body, status, code) in cases {
        let (got, response) = mark(&stack, &claims, body).await;
        assert_eq!(
            (got, response["error"]["code"].as_str()),
            (status, Some(code)),
            "{response}"
        );
    }
    let after = stack.header(&general("c1")).await;
    assert_eq!(before, after);
}

#[tokio::test]
async fn read_only_mode_still_marks_and_disabled_refuses() {
    let stack = TestApp::start(TENANT).await;
    send(
        &stack,
        &Claims::customer(TENANT, "contact-1", "c1"),
        "hello",
    )
    .await;
    let staff = Claims::staff(TENANT, "s1");
    let settings = Settings {
        mode: MessagingMode::ReadOnly,
        ..Settings::default()
    };
    stack.set_settings(TENANT, &settings).await;
    assert_eq!(
        mark(&stack, &staff, json!({"customer_id": "c1"})).await.0,
        200
    );
    let settings = Settings {
        mode: MessagingMode::Disabled,
        ..Settings::default()
    };
    stack.set_settings(TENANT, &settings).await;
    let (status, body) = mark(&stack, &staff, json!({"customer_id": "c1"})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("messaging_disabled"))
    );
}

#[tokio::test]
async fn marking_read_costs_three_small_writes() {
    let stack = TestApp::start(TENANT).await;
    let customer = Claims::customer(TENANT, "contact-1", "c1");
    send(&stack, &customer, "one").await;
    let newest = send(&stack, &customer, "two").await;
    let app = stack.app();
    let staff = Claims::staff(TENANT, "s1");
    app.settings.put(TENANT, Settings::default());
    // Marking again what is already read moves nothing, and so leaves the clock alone.
    for (body, writes) in [
        (json!({"customer_id": "c1"}), 3),
        (json!({"customer_id": "c1", "up_to": newest}), 2),
    ] {
        stack.requests.reset();
        let event = ApiEvent::new("POST", "/messages/read")
            .claims(&staff)
            .json(body);
        let (status, _) = read_response(handle(&app, event.request()).await);
        assert_eq!(status, 200);
        assert_eq!(stack.requests.operations(), vec!["UpdateItem"; writes]);
        assert!(stack.requests.write_units() <= writes as f64);
    }
}

#[tokio::test]
async fn an_older_position_is_counted_within_the_newest_hundred_and_moves_the_receipt() {
    let stack = TestApp::start(TENANT).await;
    let staff = Claims::staff(TENANT, "s1");
    let first = send(&stack, &staff, "first").await;
    let second = send(&stack, &staff, "second").await;
    send(&stack, &staff, "third").await;

    let reader = Claims::customer(TENANT, "contact-1", "c1");
    let (status, body) = mark(&stack, &reader, json!({"up_to": second})).await;
    assert_eq!((status, &body["unread_count"]), (200, &json!(1)), "{body}");
    // The staff see that the customer side read the first two, not the third.
    let header = stack.header(&general("c1")).await;
    assert_eq!(header.customer.read_up_to.as_deref(), Some(second.as_str()));

    for i in 0..100 {
        send(&stack, &staff, &format!("more {i}")).await;
    }
    // More than a hundred messages back: refused, and nothing moves.
    let late = Claims::customer(TENANT, "contact-2", "c1");
    let (status, body) = mark(&stack, &late, json!({"up_to": first})).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "invalid_reference");
    assert_eq!(
        stack
            .unread(TENANT, &general("c1"), Side::Customer, "contact-2")
            .await,
        103
    );
    // Behind a position already held: nothing to count, nothing moves.
    let (status, body) = mark(&stack, &reader, json!({"up_to": first})).await;
    assert_eq!(
        (status, &body["unread_count"]),
        (200, &json!(101)),
        "{body}"
    );
}

mod long;
mod pages;
mod preferences;
mod races;

#[tokio::test]
async fn its_first_request_reads_the_cursor_secret() {
    let config = testkit::moto::cold_start_config("tidings").await;
    assert_eq!(config.cursor_secret, b"a-cursor-secret-of-32-characters");
}
