//! Who may not send, and what a send refuses: roles, identities, tenants and input.

use super::*;

#[tokio::test]
async fn refused_roles_other_customers_and_foreign_tenants_store_nothing() {
    let stack = TestApp::start(TENANT).await;
    let staff = Claims::staff(TENANT, "s1");
    stack
        .call(
            handle,
            post_message(&staff, json!({"customer_id": "c1", "message": "hello"})),
        )
        .await;
    let existing = general("c1").encode();

    let basic = Claims::basic_staff(TENANT, "b1");
    let (status, body) = stack
        .call(
            handle,
            post_message(&basic, json!({"customer_id": "c1", "message": "x"})),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found")),
        "a customer not assigned to a basic staff member does not exist for them"
    );

    let other_customer = Claims::customer(TENANT, "contact-2", "c2");
    for body in [
        json!({"customer_id": "c1", "message": "x"}),
        json!({"conversation_id": existing, "message": "x"}),
    ] {
        let (status, _) = stack
            .call(handle, post_message(&other_customer, body))
            .await;
        assert_eq!(status, 404);
    }

    let foreign = Claims::staff("clinic-b", "s9");
    let (status, _) = stack
        .call(
            handle,
            post_message(
                &foreign,
                json!({"conversation_id": existing, "message": "x"}),
            ),
        )
        .await;
    assert_eq!(status, 404, "an id from another tenant is unknown here");
    let (status, _) = stack
        .call(
            handle,
            post_message(
                &foreign,
                json!({"conversation_id": "not-an-id", "message": "x"}),
            ),
        )
        .await;
    assert_eq!(status, 404);

    assert_eq!(stored_messages(&stack, TENANT, &general("c1")).await, 1);
    assert_eq!(stored_messages(&stack, "clinic-b", &general("c1")).await, 0);
}

#[tokio::test]
async fn a_missing_or_unusable_identity_is_401() {
    let stack = TestApp::start(TENANT).await;
    let body = json!({"customer_id": "c1", "message": "x"});
    let cases = [
        ApiEvent::new("POST", "/messages")
            .anonymous()
            .json(body.clone()),
        post_message(
            &Claims::staff(TENANT, "s1").without("tenant_id"),
            body.clone(),
        ),
        post_message(
            &Claims::staff(TENANT, "s1").with("role", "owner"),
            body.clone(),
        ),
        post_message(&Claims::staff("bad#tenant", "s1"), body.clone()),
        post_message(&Claims::new(TENANT, "x", "customer"), body.clone()),
    ];
    for event in cases {
        let (status, body) = stack.call(handle, event).await;
        assert_eq!(status, 401, "{body}");
        assert_eq!(body["error"]["code"], "unauthorized");
    }
}

#[tokio::test]
async fn bad_input_is_a_clear_4xx_and_stores_nothing() {
    let stack = TestApp::start(TENANT).await;
    let staff = Claims::staff(TENANT, "s1");
    let long = "x".repeat(4001);
    let cases: Vec<(ApiEvent, u16, &str)> = vec![
        (
            ApiEvent::new("POST", "/messages")
                .claims(&staff)
                .body("{not json"),
            400,
            "invalid_json",
        ),
        (
            ApiEvent::new("POST", "/messages").claims(&staff).body(""),
            400,
            "invalid_json",
        ),
        (post_message(&staff, json!([1, 2])), 400, "invalid_field"),
        (
            post_message(&staff, json!({"message": "x"})),
            400,
            "missing_field",
        ),
        (
            post_message(&staff, json!({"customer_id": 5, "message": "x"})),
            400,
            "invalid_field",
        ),
        (
            post_message(&staff, json!({"customer_id": "c1", "message": 5})),
            400,
            "invalid_field",
        ),
        (
            post_message(&staff, json!({"customer_id": "c#1", "message": "x"})),
            400,
            "invalid_id",
        ),
        (
            post_message(
                &staff,
                json!({"customer_id": "c1", "message": "x", "sender_id": "s2"}),
            ),
            400,
            "read_only_field",
        ),
        (
            post_message(
                &staff,
                json!({"customer_id": "c1", "message": "x", "sender_type": "customer"}),
            ),
            400,
            "read_only_field",
        ),
        (
            post_message(
                &staff,
                json!({"customer_id": "c1", "message": "x", "created_at": "2020"}),
            ),
            400,
            "read_only_field",
        ),
        (
            post_message(
                &staff,
                json!({"customer_id": "c1", "message": "x", "message_count": 3}),
            ),
            400,
            "read_only_field",
        ),
        (
            post_message(
                &staff,
                json!({"customer_id": "c1", "message": "x", "colour": "red"}),
            ),
            400,
            "unknown_field",
        ),
        (
            post_message(&staff, json!({"customer_id": "c1", "message": "   "})),
            400,
            "empty_message",
        ),
        (
            post_message(&staff, json!({"customer_id": "c1", "message": "<p></p>"})),
            400,
            "empty_message",
        ),
        (
            post_message(&staff, json!({"customer_id": "c1"})),
            400,
            "empty_message",
        ),
        (
            post_message(&staff, json!({"customer_id": "c1", "message": long})),
            400,
            "message_too_long",
        ),
        (
            post_message(&staff, json!({"customer_id": "c1", "message": "bell\u{7}"})),
            400,
            "invalid_characters",
        ),
        (
            post_message(
                &staff,
                json!({"customer_id": "c1", "conversation_id": "x", "message": "x"}),
            ),
            400,
            "invalid_target",
        ),
        (
            post_message(
                &staff,
                json!({"customer_id": "c1", "message": "x", "notify": ["pigeon"]}),
            ),
            400,
            "invalid_notify",
        ),
        (
            post_message(
                &staff,
                json!({"customer_id": "c1", "attachments": [{"id": "a b"}]}),
            ),
            400,
            "invalid_id",
        ),
        (
            post_message(
                &staff,
                json!({"customer_id": "c1", "attachments": [{"id": "up_1", "name": "scan.pdf"}]}),
            ),
            400,
            "unknown_field",
        ),
        (
            post_message(
                &staff,
                json!({"customer_id": "c1", "attachments": [{"id": "up_1"}, {"id": "up_1"}]}),
            ),
            400,
            "invalid_attachment",
        ),
        (
            post_message(&staff, json!({"customer_id": "c1", "message": "x"}))
                .header("content-type", "text/plain"),
            400,
            "unsupported_media_type",
        ),
        (
            post_message(&staff, json!({"customer_id": "c1", "message": "x"}))
                .header("idempotency-key", ""),
            400,
            "invalid_idempotency_key",
        ),
        (
            post_message(&staff, json!({"customer_id": "c1", "message": "x"}))
                .header("idempotency-key", "ключ-1"),
            400,
            "invalid_idempotency_key",
        ),
        (
            post_message(
                &staff,
                json!({"customer_id": "c1", "message": "\u{200B}\u{2060}"}),
            ),
            400,
            "empty_message",
        ),
        (
            post_message(&staff, json!({"customer_id": "c1", "message": "\u{FEFF}"})),
            400,
            "empty_message",
        ),
        (
            ApiEvent::new("POST", "/messages")
                .claims(&staff)
                .body(&format!(
                    "{{\"customer_id\":\"c1\",\"message\":\"{}\"}}",
                    "y".repeat(70_000)
                )),
            413,
            "payload_too_large",
        ),
    ];
    for (event, status, code) in cases {
        let (got, body) = stack.call(handle, event).await;
        assert_eq!(
            (got, body["error"]["code"].as_str()),
            (status, Some(code)),
            "{body}"
        );
        assert!(body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
    }
    assert_eq!(stored_messages(&stack, TENANT, &general("c1")).await, 0);
    let customer = Claims::customer(TENANT, "contact-1", "c1");
    let (status, _) = stack
        .call(
            handle,
            post_message(&customer, json!({"message": "x", "notify": ["email"]})),
        )
        .await;
    assert_eq!(
        status, 400,
        "customers do not trigger notifications by request"
    );
}
