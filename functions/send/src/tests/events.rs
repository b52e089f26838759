//! Order events (`POST /conversations/{id}/events`, served by the send function) on
//! conversations this function opens.

use serde_json::{json, Value};
use shared::domain::ids::TenantId;
use shared::domain::{ConversationId, Side, Subject};
use shared::store::MessageStore;
use testkit::{seed, ApiEvent, Claims, TestApp};

use testkit::app::{close_conversation, open_conversation, order_1042};

const TENANT: &str = "market-a";

fn conversation() -> ConversationId {
    ConversationId::new("buyer-1", Subject::Order("1042".into()))
}

fn event(claims: &Claims, id: &str, body: Value) -> ApiEvent {
    ApiEvent::new("POST", "/conversations/{id}/events")
        .claims(claims)
        .path_param("id", id)
        .json(body)
}

/// An opened order 1042 with vendor-9 taking part and buyer-contact as the buyer.
async fn order(stack: &TestApp) -> String {
    stack.vendor("vendor-9").await;
    seed::contact(
        &stack.store,
        TENANT,
        "buyer-1",
        "buyer-contact",
        "buyer@example.com",
        None,
    )
    .await;
    let (status, opened) = stack
        .call(
            admin::handle,
            open_conversation(&Claims::service(TENANT, "marketplace"), order_1042()),
        )
        .await;
    assert_eq!(status, 201, "{opened}");
    opened["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn status_changes_are_silent_and_deliveries_count_like_the_vendors_message() {
    let stack = TestApp::start(TENANT).await;
    let id = order(&stack).await;
    let host = Claims::service(TENANT, "marketplace");
    let (status, changed) = stack.call(crate::handle, event(
            &host,
            &id,
            json!({"type": "status_change", "metadata": {"old_status": "in_progress", "new_status": "delivered"}}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{changed}");
    assert_eq!(changed["type"], "status_change");
    assert_eq!(changed["sender_type"], "system");
    assert_eq!(
        changed["message"],
        "Status changed from in_progress to delivered."
    );
    assert_eq!(changed["metadata"]["new_status"], "delivered");
    assert_eq!(
        stack
            .unread(TENANT, &conversation(), Side::Customer, "buyer-contact")
            .await,
        0
    );

    let delivery = json!({
        "type": "delivery",
        "text": "Here is version 2",
        "metadata": {"version": 2, "files": ["logo-v2.ai"]},
        "on_behalf_of": "vendor-9",
    });
    let keyed =
        |body: &Value| event(&host, &id, body.clone()).header("idempotency-key", "delivery-2");
    let (status, delivered) = stack.call(crate::handle, keyed(&delivery)).await;
    assert_eq!(status, 201, "{delivered}");
    assert_eq!(delivered["sender_type"], "staff");
    assert_eq!(delivered["sender_id"], "vendor-9");
    assert_eq!(delivered["sender_name"], "Vendor vendor-9");
    let (status, replayed) = stack.call(crate::handle, keyed(&delivery)).await;
    assert_eq!(
        (status, &replayed["id"]),
        (201, &delivered["id"]),
        "a retry is the same event"
    );
    assert_eq!(
        stack
            .unread(TENANT, &conversation(), Side::Customer, "buyer-contact")
            .await,
        1
    );
    let header = stack
        .store
        .conversation(&TenantId::from(TENANT), &conversation())
        .await
        .unwrap()
        .unwrap();
    assert!(header.due.is_some(), "the buyer will be notified");

    let (status, revision) = stack.call(crate::handle, event(
            &host,
            &id,
            json!({"type": "revision", "metadata": {"revision_count": 1}, "on_behalf_of": "buyer-contact"}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{revision}");
    assert_eq!(revision["sender_type"], "customer");
    assert_eq!(
        stack
            .unread(TENANT, &conversation(), Side::Staff, "vendor-9")
            .await,
        1
    );
}

#[tokio::test]
async fn events_are_for_the_host_and_the_right_people_and_stop_at_the_close() {
    let stack = TestApp::start(TENANT).await;
    let id = order(&stack).await;
    let host = Claims::service(TENANT, "marketplace");
    let system = json!({"type": "system", "text": "Deadline extended by 2 days"});
    for claims in [
        Claims::staff(TENANT, "s1"),
        Claims::basic_staff(TENANT, "vendor-9"),
        Claims::customer(TENANT, "buyer-contact", "buyer-1"),
    ] {
        assert_eq!(
            stack
                .call(crate::handle, event(&claims, &id, system.clone()))
                .await
                .0,
            403
        );
    }
    let (status, body) = stack
        .call(
            crate::handle,
            event(&Claims::admin(TENANT, "a1"), &id, system.clone()),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("observe_only"))
    );

    let bad = [
        (json!({"type": "gift"}), "invalid_field"),
        (json!({"type": "status_change"}), "invalid_metadata"),
        (
            json!({"type": "system", "metadata": {"Bad Key": 1}}),
            "invalid_metadata",
        ),
        (json!({"type": "system"}), "empty_message"),
        (json!({"type": "delivery", "text": "v1"}), "missing_field"),
        (
            json!({"type": "delivery", "text": "v1", "on_behalf_of": "vendor-7"}),
            "invalid_on_behalf_of",
        ),
        (
            json!({"type": "revision", "text": "again", "on_behalf_of": "vendor-9"}),
            "invalid_on_behalf_of",
        ),
        (
            json!({"type": "system", "text": "x", "on_behalf_of": "vendor-9"}),
            "invalid_field",
        ),
        (
            json!({"type": "system", "text": "x", "colour": "red"}),
            "unknown_field",
        ),
    ];
    for (body, code) in bad {
        let (status, answer) = stack
            .call(crate::handle, event(&host, &id, body.clone()))
            .await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (400, Some(code)),
            "{body}"
        );
    }
    let page = stack
        .store
        .thread_page(&TenantId::from(TENANT), &conversation(), None, 10, None)
        .await
        .unwrap();
    assert_eq!(page.messages.len(), 1, "nothing stored by refused events");

    let general = ConversationId::new("buyer-1", Subject::General).encode();
    assert_eq!(
        stack
            .call(crate::handle, event(&host, &general, system.clone()))
            .await
            .0,
        404
    );
    assert_eq!(
        stack
            .call(crate::handle, event(&host, "nope", system.clone()))
            .await
            .0,
        404
    );
    assert_eq!(
        stack
            .call(
                crate::handle,
                event(&Claims::service("market-b", "m"), &id, system.clone())
            )
            .await
            .0,
        404
    );

    assert_eq!(
        stack
            .call(admin::handle, close_conversation(&host, &id))
            .await
            .0,
        200
    );
    let (status, body) = stack.call(crate::handle, event(&host, &id, system)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("conversation_closed"))
    );
}

#[tokio::test]
async fn a_delivery_carries_the_files_the_host_uploaded() {
    let stack = TestApp::start(TENANT).await;
    let id = order(&stack).await;
    let host = Claims::service(TENANT, "marketplace");
    // moto's form parser mangles some binary bytes; a PDF's header is plain text.
    let pdf: &[u8] = b"%PDF-1.7\nproof of version 2\n%%EOF\n";
    let form = ApiEvent::new("POST", "/attachments").claims(&host).json(json!({
        "conversation_id": id, "name": "logo-v2.pdf", "content_type": "application/pdf", "size": pdf.len(),
    }));
    let (status, form) = stack.call(crate::handle, form).await;
    assert_eq!(status, 201, "{form}");
    testkit::moto::upload(&form, pdf).await;
    let upload = form["upload_id"].as_str().unwrap();
    let delivery = json!({
        "type": "delivery", "text": "Version 2", "on_behalf_of": "vendor-9",
        "metadata": {"version": 2}, "attachments": [{"id": upload}],
    });
    let keyed = |key: &str| event(&host, &id, delivery.clone()).header("idempotency-key", key);
    let (status, delivered) = stack.call(crate::handle, keyed("delivery-2")).await;
    assert_eq!(status, 201, "{delivered}");
    assert_eq!(delivered["attachments"][0]["name"], "logo-v2.pdf");
    assert_eq!(delivered["sender_id"], "vendor-9");
    let (status, replayed) = stack.call(crate::handle, keyed("delivery-2")).await;
    assert_eq!(
        (status, &replayed),
        (201, &delivered),
        "a retry is the first event"
    );
    let (status, body) = stack.call(crate::handle, keyed("delivery-3")).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("attachment_already_used"))
    );
    let status_change = json!({"type": "system", "text": "x", "attachments": [{"id": upload}]});
    let (status, body) = stack
        .call(crate::handle, event(&host, &id, status_change))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_attachment"))
    );
}

#[tokio::test]
async fn an_events_key_is_its_orders_so_another_order_gets_its_own_event() {
    let stack = TestApp::start(TENANT).await;
    let a = order(&stack).await;
    let host = Claims::service(TENANT, "marketplace");
    let mut order_2 = order_1042();
    order_2["order_id"] = "2077".into();
    order_2["title"] = "Order #2077".into();
    let (status, opened) = stack
        .call(admin::handle, open_conversation(&host, order_2))
        .await;
    assert_eq!(status, 201, "{opened}");
    let b = opened["id"].as_str().unwrap().to_owned();
    let delivery = json!({"type": "delivery", "text": "Version 1", "on_behalf_of": "vendor-9"});
    let keyed = |id: &str| event(&host, id, delivery.clone()).header("idempotency-key", "v1");
    let (status, to_a) = stack.call(crate::handle, keyed(&a)).await;
    assert_eq!(status, 201, "{to_a}");
    let (status, to_b) = stack.call(crate::handle, keyed(&b)).await;
    assert_eq!(status, 201, "{to_b}");
    assert_eq!(to_b["conversation_id"], b.as_str(), "never order A's event");
    assert_ne!(to_b["id"], to_a["id"]);
    let b_id = ConversationId::new("buyer-1", Subject::Order("2077".into()));
    let page = stack
        .store
        .thread_page(&TenantId::from(TENANT), &b_id, None, 10, None)
        .await
        .unwrap();
    assert_eq!(page.messages[0].id, to_b["id"].as_str().unwrap());
    // Each order's retry is its own first event.
    assert_eq!(
        stack.call(crate::handle, keyed(&a)).await.1["id"],
        to_a["id"]
    );
    assert_eq!(
        stack.call(crate::handle, keyed(&b)).await.1["id"],
        to_b["id"]
    );
    // The key is the caller's: on behalf of someone else in the same order, a different request.
    let system = json!({"type": "system", "text": "Deadline extended"});
    let (status, body) = stack
        .call(
            crate::handle,
            event(&host, &a, system).header("idempotency-key", "v1"),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("idempotency_key_reused"))
    );
}

#[tokio::test]
async fn event_text_and_metadata_are_plain_text_like_a_message() {
    let stack = TestApp::start(TENANT).await;
    let id = order(&stack).await;
    let host = Claims::service(TENANT, "marketplace");
    let (status, changed) = stack
        .call(
            crate::handle,
            event(
                &host,
                &id,
                json!({"type": "status_change", "metadata": {
                    "old_status": "<b>in_progress</b>",
                    "new_status": "<img src=x onerror=alert(1)>delivered",
                }}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{changed}");
    assert_eq!(
        changed["message"],
        "Status changed from in_progress to delivered."
    );
    assert_eq!(
        changed["metadata"],
        json!({"old_status": "in_progress", "new_status": "delivered"})
    );
    let header = stack
        .store
        .conversation(&TenantId::from(TENANT), &conversation())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        header.last_excerpt.as_deref(),
        Some("Status changed from in_progress to delivered.")
    );
    for metadata in [
        json!({"note": "gnp.\u{202E}exe"}),
        json!({"old_status": "a", "new_status": "\u{2067}b"}),
        json!({"old_status": "a", "new_status": "<p> </p>"}),
    ] {
        let (status, body) = stack
            .call(
                crate::handle,
                event(
                    &host,
                    &id,
                    json!({"type": "status_change", "metadata": metadata}),
                ),
            )
            .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some("invalid_metadata")),
            "{metadata}"
        );
    }
}
