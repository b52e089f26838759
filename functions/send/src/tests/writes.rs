//! Attachments, modes, closed conversations, idempotency, concurrency and what a send costs.

use super::*;
use shared::domain::ids::TenantId;

#[tokio::test]
async fn modes_refuse_sends_and_a_change_is_seen_by_the_next_request() {
    let stack = TestApp::start(TENANT).await;
    let app = stack.app();
    let staff = Claims::staff(TENANT, "s1");
    let event = post_message(&staff, json!({"customer_id": "c1", "message": "x"}));
    let (status, _) = read_response(handle(&app, event.request()).await);
    assert_eq!(status, 201);
    for (mode, code) in [
        (MessagingMode::ReadOnly, "messaging_read_only"),
        (MessagingMode::Disabled, "messaging_disabled"),
    ] {
        let settings = Settings {
            mode,
            ..Settings::default()
        };
        stack.set_settings(TENANT, &settings).await;
        // What the admin function does after saving; other containers expire within a minute.
        app.settings.put(TENANT, settings);
        let (status, body) = read_response(handle(&app, event.request()).await);
        assert_eq!((status, body["error"]["code"].as_str()), (403, Some(code)));
    }
    assert_eq!(stored_messages(&stack, TENANT, &general("c1")).await, 1);
}

#[tokio::test]
async fn closed_conversations_refuse_sends_with_409() {
    let stack = TestApp::start(TENANT).await;
    let staff = Claims::staff(TENANT, "s1");
    stack
        .call(
            handle,
            post_message(&staff, json!({"customer_id": "c1", "message": "x"})),
        )
        .await;
    stack
        .store
        .client()
        .update_item()
        .table_name(stack.store.table())
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("T#{TENANT}#C#c1#general")),
        )
        .key(
            "sk",
            aws_sdk_dynamodb::types::AttributeValue::S("~HDR".into()),
        )
        .update_expression("SET #s = :closed")
        .expression_attribute_names("#s", "status")
        .expression_attribute_values(
            ":closed",
            aws_sdk_dynamodb::types::AttributeValue::S("closed".into()),
        )
        .send()
        .await
        .unwrap();
    let (status, body) = stack
        .call(
            handle,
            post_message(&staff, json!({"customer_id": "c1", "message": "y"})),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("conversation_closed"))
    );
    assert_eq!(stored_messages(&stack, TENANT, &general("c1")).await, 1);
}

#[tokio::test]
async fn idempotent_replays_return_the_first_message_and_a_different_body_conflicts() {
    let stack = TestApp::start(TENANT).await;
    let staff = Claims::staff(TENANT, "s1");
    let event = post_message(
        &staff,
        json!({"customer_id": "c1", "message": "Your invoice"}),
    )
    .header("Idempotency-Key", "k-1");
    let (first_status, first) = stack.call(handle, event.clone()).await;
    let (again_status, again) = stack.call(handle, event).await;
    assert_eq!((first_status, again_status), (201, 201));
    assert_eq!(first, again);
    // Same body, formatted differently, is the same request.
    let reformatted = ApiEvent::new("POST", "/messages")
        .claims(&staff)
        .header("Idempotency-Key", "k-1")
        .body("{ \"message\" : \"Your invoice\", \"customer_id\" : \"c1\" }");
    assert_eq!(stack.call(handle, reformatted).await.1["id"], first["id"]);
    let changed = post_message(&staff, json!({"customer_id": "c1", "message": "Other"}))
        .header("Idempotency-Key", "k-1");
    let (status, body) = stack.call(handle, changed).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("idempotency_key_reused"))
    );
    // Keys belong to their user: another staff member's k-1 is a new message.
    let other = post_message(
        &Claims::staff(TENANT, "s2"),
        json!({"customer_id": "c1", "message": "Your invoice"}),
    )
    .header("Idempotency-Key", "k-1");
    let (status, body) = stack.call(handle, other).await;
    assert_eq!(status, 201);
    assert_ne!(body["id"], first["id"]);
    assert_eq!(stored_messages(&stack, TENANT, &general("c1")).await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_requests_with_one_key_store_one_message() {
    let stack = Arc::new(TestApp::start(TENANT).await);
    let app = Arc::new(stack.app());
    let event = post_message(
        &Claims::staff(TENANT, "s1"),
        json!({"customer_id": "c1", "message": "once"}),
    )
    .header("Idempotency-Key", "same");
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (app, event) = (app.clone(), event.clone());
            tokio::spawn(async move { read_response(handle(&app, event.request()).await) })
        })
        .collect();
    let mut ids = std::collections::HashSet::new();
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, 201, "{body}");
        ids.insert(body["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids.len(), 1);
    assert_eq!(stored_messages(&stack, TENANT, &general("c1")).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_sends_store_fifty_messages_and_exact_counters() {
    let stack = Arc::new(TestApp::start(TENANT).await);
    let app = Arc::new(stack.app());
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let app = app.clone();
            let claims = if i % 2 == 0 {
                Claims::staff(TENANT, &format!("s{i}"))
            } else {
                Claims::customer(TENANT, &format!("contact-{i}"), "c1")
            };
            let event = post_message(
                &claims,
                json!({"customer_id": "c1", "message": format!("m{i}")}),
            );
            tokio::spawn(async move { read_response(handle(&app, event.request()).await) })
        })
        .collect();
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, 201, "{body}");
    }
    let header = stack
        .store
        .conversation(&TenantId::from(TENANT), &general("c1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(header.message_count, 50);
    assert_eq!((header.staff_messages, header.customer_messages), (25, 25));
    let page = stack
        .store
        .thread_page(&TenantId::from(TENANT), &general("c1"), None, 100, None)
        .await
        .unwrap();
    assert_eq!(page.messages.len(), 50);
    assert_eq!(
        header.last_message_id.as_ref(),
        Some(&page.messages[0].id),
        "the newest id is the last"
    );
    // A customer contact who has read nothing has every staff message unread.
    assert_eq!(
        header.unread_for(shared::domain::Side::Customer, "nobody", None),
        25
    );
}

#[tokio::test]
async fn a_send_costs_one_write_and_at_most_one_read() {
    let stack = TestApp::start(TENANT).await;
    let app = stack.app();
    let staff = Claims::staff(TENANT, "s1");
    let event = post_message(&staff, json!({"customer_id": "c1", "message": "first"}))
        .header("Idempotency-Key", "b-1");
    read_response(handle(&app, event.request()).await);
    assert_eq!(
        stack.requests.operations(),
        ["GetItem", "TransactWriteItems"],
        "settings read while not cached"
    );

    stack.requests.reset();
    let event = post_message(&staff, json!({"customer_id": "c1", "message": "second"}));
    let (status, _) = read_response(handle(&app, event.request()).await);
    assert_eq!(status, 201);
    assert_eq!(
        stack.requests.operations(),
        ["TransactWriteItems"],
        "settings cached"
    );

    stack.requests.reset();
    let replay = post_message(&staff, json!({"customer_id": "c1", "message": "first"}))
        .header("Idempotency-Key", "b-1");
    let (status, _) = read_response(handle(&app, replay.request()).await);
    assert_eq!(status, 201);
    assert_eq!(
        stack.requests.operations(),
        ["TransactWriteItems", "GetItem", "GetItem"],
        "a replay: one write tried, then the small record and the message it names"
    );
}
