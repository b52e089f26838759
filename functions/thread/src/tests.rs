use shared::domain::ids::TenantId;
use std::collections::HashSet;

use serde_json::json;
use shared::domain::{ConversationId, MessagingMode, Settings, Subject};
use shared::store::MessageStore;
use testkit::app::general;
use testkit::{read_response, ApiEvent, Claims, TestApp};

use super::handle;
use testkit::app::{conversation_thread, customer_thread};

const TENANT: &str = "clinic-a";

#[tokio::test]
async fn the_customer_sees_unread_marks_read_and_staff_see_the_receipt() {
    let stack = TestApp::start(TENANT).await;
    let staff = Claims::staff(TENANT, "s1");
    let customer = Claims::customer(TENANT, "contact-1", "c1");
    stack
        .send_as(
            send::handle,
            &staff,
            json!({"customer_id": "c1", "message": "Bella's results are in"}),
        )
        .await;

    let (status, body) = stack.call(handle, customer_thread(&customer, "c1")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["conversation"]["unread_count"], 1);
    assert_eq!(body["conversation"]["kind"], "general");
    assert_eq!(
        body["conversation"]["last_message"]["sender_id"], staff.0["sub"],
        "an inbox can tell whose the last message is"
    );
    let message = &body["messages"][0];
    assert_eq!(
        (message["is_read"].as_bool(), message["read_at"].as_str()),
        (Some(false), None)
    );

    let event = ApiEvent::new("POST", "/messages/read")
        .claims(&customer)
        .json(json!({}));
    let (status, _) = read_response(mark_read::handle(&stack.app(), event.request()).await);
    assert_eq!(status, 200);

    let (_, body) = stack.call(handle, customer_thread(&customer, "c1")).await;
    assert_eq!(body["messages"][0]["is_read"], true);
    assert!(body["messages"][0]["read_at"].is_string());
    assert_eq!(body["conversation"]["unread_count"], 0);

    let (_, body) = stack
        .call(handle, conversation_thread(&staff, &general("c1").encode()))
        .await;
    let message = &body["messages"][0];
    assert_eq!(message["is_read"], true, "own side");
    assert_eq!(message["read_by_recipient"], true);
    assert!(message["read_by_recipient_at"].is_string());
}

#[tokio::test]
async fn pages_walk_newest_first_without_repeats_and_cost_one_query_each() {
    let stack = TestApp::start(TENANT).await;
    let staff = Claims::staff(TENANT, "s1");
    testkit::seed::patient(&stack.store, TENANT, "c1", "p1").await;
    for i in 0..45 {
        stack
            .send_as(
                send::handle,
                &staff,
                json!({"customer_id": "c1", "patient_id": "p1", "message": format!("m{i}")}),
            )
            .await;
    }
    let app = stack.app();
    app.settings.put(TENANT, Settings::default());
    let customer = Claims::customer(TENANT, "contact-1", "c1");
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut event = customer_thread(&customer, "c1")
            .query("patient_id", "p1")
            .query("limit", "20");
        if let Some(c) = &cursor {
            event = event.query("cursor", c);
        }
        stack.requests.reset();
        let (status, body) = read_response(handle(&app, event.request()).await);
        assert_eq!(status, 200, "{body}");
        // The first page reads the caller's position beside the Query; later pages
        // carry it in the cursor.
        let expected: &[&str] = if pages == 0 {
            &["Query", "GetItem"]
        } else {
            &["Query"]
        };
        assert_eq!(stack.requests.operations(), expected);
        assert_eq!(
            body["conversation"].is_object(),
            pages == 0,
            "header on the first page"
        );
        pages += 1;
        for m in body["messages"].as_array().unwrap() {
            assert_eq!(m["is_read"], false);
            seen.push(m["message"].as_str().unwrap().to_owned());
        }
        match body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = (0..45).rev().map(|i| format!("m{i}")).collect();
    assert_eq!(seen, expected);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 45);
}

#[tokio::test]
async fn cursors_from_elsewhere_or_altered_are_400() {
    let stack = TestApp::start(TENANT).await;
    let staff = Claims::staff(TENANT, "s1");
    for i in 0..3 {
        stack
            .send_as(
                send::handle,
                &staff,
                json!({"customer_id": "c1", "message": format!("m{i}")}),
            )
            .await;
        stack
            .send_as(
                send::handle,
                &staff,
                json!({"customer_id": "c2", "message": format!("m{i}")}),
            )
            .await;
    }
    let (_, body) = stack
        .call(handle, customer_thread(&staff, "c1").query("limit", "1"))
        .await;
    let cursor = body["next_cursor"].as_str().unwrap().to_owned();
    let mut altered = cursor.clone().into_bytes();
    altered[3] = if altered[3] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).unwrap();
    let cases = [
        customer_thread(&staff, "c2").query("cursor", &cursor),
        customer_thread(&Claims::staff(TENANT, "s2"), "c1").query("cursor", &cursor),
        customer_thread(&Claims::staff("clinic-b", "s1"), "c1").query("cursor", &cursor),
        customer_thread(&staff, "c1").query("cursor", &altered),
        customer_thread(&staff, "c1").query("cursor", "garbage"),
        customer_thread(&staff, "c1").query("cursor", ""),
    ];
    for event in cases {
        let (status, body) = stack.call(handle, event).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some("invalid_cursor"))
        );
    }
    let (status, body) = stack
        .call(
            handle,
            customer_thread(&staff, "c1").query("cursor", &cursor),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["messages"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn refused_roles_other_customers_and_foreign_tenants_see_nothing() {
    let stack = TestApp::start(TENANT).await;
    stack
        .send_as(
            send::handle,
            &Claims::staff(TENANT, "s1"),
            json!({"customer_id": "c1", "message": "private"}),
        )
        .await;
    let id = general("c1").encode();
    let other_customer = Claims::customer(TENANT, "contact-2", "c2");
    assert_eq!(
        stack
            .call(handle, customer_thread(&other_customer, "c1"))
            .await
            .0,
        404
    );
    assert_eq!(
        stack
            .call(handle, conversation_thread(&other_customer, &id))
            .await
            .0,
        404
    );
    let (status, body) = stack
        .call(
            handle,
            customer_thread(&Claims::basic_staff(TENANT, "b1"), "c1"),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    let foreign = Claims::admin("clinic-b", "a1");
    assert_eq!(
        stack
            .call(handle, conversation_thread(&foreign, &id))
            .await
            .0,
        404
    );
    let (status, body) = stack.call(handle, customer_thread(&foreign, "c1")).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({
            "conversation": null,
            "messages": [],
            "next_cursor": null,
            "mode": "full",
            "limits": {"edit_window_minutes": 15, "max_attachment_mb": 25, "max_attachments": 10},
            "readers": null,
        })
    );
    assert_eq!(
        stack
            .call(
                handle,
                conversation_thread(&Claims::staff(TENANT, "s1"), "bm90LWEtY29udg")
            )
            .await
            .0,
        404
    );
    assert_eq!(
        stack
            .call(
                handle,
                conversation_thread(&Claims::staff(TENANT, "s1"), &general("c9").encode())
            )
            .await
            .0,
        404
    );
    let (status, _) = stack
        .call(
            handle,
            customer_thread(&Claims::staff(TENANT, "s1"), "c1").anonymous(),
        )
        .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn bad_limits_and_ids_are_400() {
    let stack = TestApp::start(TENANT).await;
    let staff = Claims::staff(TENANT, "s1");
    for limit in ["0", "101", "-1", "ten", ""] {
        let (status, body) = stack
            .call(handle, customer_thread(&staff, "c1").query("limit", limit))
            .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some("invalid_limit")),
            "{limit}"
        );
    }
    let (status, body) = stack
        .call(
            handle,
            customer_thread(&staff, "c1").query("patient_id", "p#1"),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_id"))
    );
}

#[tokio::test]
async fn admins_read_without_leaving_a_trace_and_modes_apply() {
    let stack = TestApp::start(TENANT).await;
    stack
        .send_as(
            send::handle,
            &Claims::customer(TENANT, "contact-1", "c1"),
            json!({"message": "hi"}),
        )
        .await;
    let conversation = ConversationId::new("c1", Subject::General);
    let before = stack
        .store
        .conversation(&TenantId::from(TENANT), &conversation)
        .await
        .unwrap();
    let (status, body) = stack
        .call(handle, customer_thread(&Claims::admin(TENANT, "a1"), "c1"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["messages"][0]["is_read"], false);
    assert_eq!(
        stack
            .store
            .conversation(&TenantId::from(TENANT), &conversation)
            .await
            .unwrap(),
        before
    );

    let read_only = Settings {
        mode: MessagingMode::ReadOnly,
        ..Settings::default()
    };
    stack.set_settings(TENANT, &read_only).await;
    let (status, body) = stack
        .call(
            handle,
            customer_thread(&Claims::customer(TENANT, "u-c1", "c1"), "c1"),
        )
        .await;
    assert_eq!(
        (status, body["mode"].as_str()),
        (200, Some("read_only")),
        "customers learn the mode from what they read"
    );
    let disabled = Settings {
        mode: MessagingMode::Disabled,
        ..Settings::default()
    };
    stack.set_settings(TENANT, &disabled).await;
    let (status, body) = stack
        .call(handle, customer_thread(&Claims::staff(TENANT, "s1"), "c1"))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("messaging_disabled"))
    );
}

#[tokio::test]
async fn its_first_request_reads_the_cursor_secret() {
    let config = testkit::moto::cold_start_config("tidings").await;
    assert_eq!(config.cursor_secret, b"a-cursor-secret-of-32-characters");
}

mod files;
