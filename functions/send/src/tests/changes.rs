//! Edits and deletions of sent messages: who may, until when, what they leave, and that
//! no count, read position or notification moves.

use super::*;
use shared::domain::ids::MessageId;
use shared::domain::Side;
use shared::store::MessageChangeStore;
use testkit::app::{close_conversation, conversation_thread};
use testkit::app::{delete_message as delete, edit_message as edit};

fn versions(claims: &Claims, conversation: &str, message: &str) -> ApiEvent {
    ApiEvent::new("GET", "/conversations/{id}/messages/{message_id}/versions")
        .claims(claims)
        .path_param("id", conversation)
        .path_param("message_id", message)
}

/// Staff s1 writes to the family c1; the message's conversation and id.
async fn staff_message(stack: &TestApp, text: &str) -> (String, String) {
    let sent = stack
        .send_as(
            handle,
            &Claims::staff(TENANT, "s1"),
            json!({"customer_id": "c1", "message": text}),
        )
        .await;
    (
        sent["conversation_id"].as_str().unwrap().to_owned(),
        sent["id"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn an_edit_keeps_the_messages_place_and_its_earlier_text_for_admins() {
    let stack = TestApp::start(TENANT).await;
    let staff = Claims::staff(TENANT, "s1");
    let (conversation, id) = staff_message(&stack, "Bella's results are in").await;
    let before = stack.header(&general("c1")).await;

    stack.requests.reset();
    let (status, edited) = stack
        .call(
            handle,
            edit(&staff, &conversation, &id, "Bella's <i>bloodwork</i> is in"),
        )
        .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(
        edited["message"], "Bella's bloodwork is in",
        "cleaned as a send is"
    );
    assert_eq!(edited["is_edited"], true);
    assert!(edited["edited_at"].is_string());
    assert_eq!(edited["id"], id.as_str());
    // The settings (a new container), the message with its header, the change.
    assert_eq!(
        stack.requests.operations(),
        ["GetItem", "BatchGetItem", "TransactWriteItems"]
    );

    let after = stack.header(&general("c1")).await;
    assert_eq!(after.message_count, before.message_count);
    assert_eq!(
        after.unread_for(Side::Customer, "contact-1", None),
        before.unread_for(Side::Customer, "contact-1", None),
        "an edit is not a new message"
    );
    assert_eq!(after.due, before.due, "nor a new notification");
    assert_eq!(
        after.last_excerpt.as_deref(),
        Some("Bella's bloodwork is in")
    );
    let view = after.view(Side::Customer, "contact-1", None);
    assert_eq!(view["last_message"]["is_edited"], true);

    // The family reads the new text, marked; the earlier one is for admins only.
    let customer = Claims::customer(TENANT, "contact-1", "c1");
    let (_, thread) = stack
        .call(
            thread::handle,
            conversation_thread(&customer, &conversation),
        )
        .await;
    let shown = &thread["messages"][0];
    assert_eq!(shown["message"], "Bella's bloodwork is in");
    assert_eq!(shown["is_edited"], true);
    assert!(!thread.to_string().contains("results are in"));
    for claims in [&staff, &customer] {
        let (status, _) = stack
            .call(handle, versions(claims, &conversation, &id))
            .await;
        assert_eq!(status, 403);
    }
    let admin = Claims::admin(TENANT, "a1");
    let (status, audit) = stack
        .call(handle, versions(&admin, &conversation, &id))
        .await;
    assert_eq!(status, 200, "{audit}");
    assert_eq!(audit["versions"][0]["message"], "Bella's results are in");
    assert_eq!(audit["versions"].as_array().unwrap().len(), 1);

    // The same text again writes nothing.
    stack.requests.reset();
    let (status, _) = stack
        .call(
            handle,
            edit(&staff, &conversation, &id, "Bella's bloodwork is in"),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(stack.requests.operations(), ["GetItem", "BatchGetItem"]);
}

#[tokio::test]
async fn only_the_author_edits_within_the_window_and_refusals_store_nothing() {
    let stack = TestApp::start(TENANT).await;
    let staff = Claims::staff(TENANT, "s1");
    let (conversation, id) = staff_message(&stack, "original").await;
    let refusals = [
        (Claims::staff(TENANT, "s2"), "x", 403, "not_author"),
        (Claims::admin(TENANT, "a1"), "x", 403, "not_author"),
        (
            Claims::customer(TENANT, "contact-1", "c1"),
            "x",
            403,
            "not_author",
        ),
        (
            Claims::customer(TENANT, "contact-9", "c9"),
            "x",
            404,
            "not_found",
        ),
        (Claims::basic_staff(TENANT, "b1"), "x", 404, "not_found"),
        (Claims::staff("clinic-b", "s1"), "x", 404, "not_found"),
        (staff.clone(), "", 400, "empty_message"),
        (staff.clone(), &"x".repeat(4_001), 400, "message_too_long"),
        (
            staff.clone(),
            "bad \u{202e} text",
            400,
            "invalid_characters",
        ),
    ];
    for (claims, text, status, code) in refusals {
        let (got, body) = stack
            .call(handle, edit(&claims, &conversation, &id, text))
            .await;
        assert_eq!(
            (got, body["error"]["code"].as_str()),
            (status, Some(code)),
            "{claims:?}"
        );
    }
    let unknown = ulid::Ulid::new().to_string();
    let (status, _) = stack
        .call(handle, edit(&staff, &conversation, &unknown, "x"))
        .await;
    assert_eq!(status, 404);
    let (status, body) = stack
        .call(
            handle,
            edit(&staff, &conversation, &id, "x").body(r#"{"message": "x", "extra": 1}"#),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("unknown_field"))
    );
    let (status, _) = stack
        .call(handle, edit(&staff, "not-a-conversation", &id, "x"))
        .await;
    assert_eq!(status, 404);

    let app = stack.app();
    for (settings, status, code) in [
        (
            Settings {
                edit_window_minutes: 0,
                ..Settings::default()
            },
            403,
            "editing_disabled",
        ),
        (
            Settings {
                mode: MessagingMode::ReadOnly,
                ..Settings::default()
            },
            403,
            "messaging_read_only",
        ),
    ] {
        stack.set_settings(TENANT, &settings).await;
        app.settings.put(TENANT, settings);
        let event = edit(&staff, &conversation, &id, "x");
        let (got, body) = read_response(handle(&app, event.request()).await);
        assert_eq!((got, body["error"]["code"].as_str()), (status, Some(code)));
    }
    let stored = stack.messages(&general("c1"), 10).await;
    assert_eq!(stored[0].message, "original");
    assert!(!stored[0].changes.is_edited);
}

#[tokio::test]
async fn a_closed_conversation_refuses_edits_but_admins_still_delete() {
    let stack = TestApp::start(TENANT).await;
    let staff = Claims::staff(TENANT, "s1");
    let (conversation, id) = staff_message(&stack, "hello").await;
    let admin = Claims::admin(TENANT, "a1");
    let (status, _) = stack
        .call(admin::handle, close_conversation(&admin, &conversation))
        .await;
    assert_eq!(status, 200);
    let (status, body) = stack
        .call(handle, edit(&staff, &conversation, &id, "x"))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("conversation_closed"))
    );
    let (status, body) = stack.call(handle, delete(&staff, &conversation, &id)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("conversation_closed"))
    );
    let (status, body) = stack.call(handle, delete(&admin, &conversation, &id)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["deleted"], true);
    assert_eq!(body["deleted_by"], "a1");
}

#[tokio::test]
async fn a_deletion_leaves_a_placeholder_that_still_counts_until_read() {
    let stack = TestApp::start(TENANT).await;
    let staff = Claims::staff(TENANT, "s1");
    let (conversation, id) = staff_message(&stack, "wrong family, sorry").await;
    stack
        .call(handle, edit(&staff, &conversation, &id, "wrong family"))
        .await;
    let before = stack.header(&general("c1")).await;

    stack.requests.reset();
    let (status, placeholder) = stack.call(handle, delete(&staff, &conversation, &id)).await;
    assert_eq!(status, 200, "{placeholder}");
    // The settings (a new container), the message with its header, its versions (it was
    // edited), the change.
    assert_eq!(
        stack.requests.operations(),
        ["GetItem", "BatchGetItem", "Query", "TransactWriteItems"]
    );
    assert_eq!(placeholder["deleted"], true);
    assert_eq!(placeholder["deleted_by"], "s1");
    assert_eq!(placeholder["message"], "");
    assert!(placeholder["deleted_at"].is_string());

    let after = stack.header(&general("c1")).await;
    assert_eq!(after.last_excerpt, None, "the preview is gone");
    assert_eq!(after.message_count, before.message_count);
    assert_eq!(
        after.unread_for(Side::Customer, "contact-1", None),
        1,
        "a deleted message someone has not read stays unread (as a placeholder)"
    );
    let view = after.view(Side::Customer, "contact-1", None);
    assert_eq!(view["last_message"]["deleted"], true);
    assert_eq!(view["last_message"]["excerpt"], Value::Null);
    let tenant = stack.tenant_id();
    let left = stack
        .store
        .message_versions(&tenant, &general("c1"), Some(&MessageId::from(id.as_str())))
        .await
        .unwrap();
    assert!(left.is_empty(), "earlier versions go with it");

    let customer = Claims::customer(TENANT, "contact-1", "c1");
    let (_, thread) = stack
        .call(
            thread::handle,
            conversation_thread(&customer, &conversation),
        )
        .await;
    assert_eq!(thread["messages"][0]["deleted"], true);
    assert!(!thread.to_string().contains("wrong family"));

    // Deleting again answers the placeholder; editing it is refused.
    let (status, again) = stack.call(handle, delete(&staff, &conversation, &id)).await;
    assert_eq!(
        (status, &again["deleted_at"]),
        (200, &placeholder["deleted_at"])
    );
    let (status, body) = stack
        .call(handle, edit(&staff, &conversation, &id, "x"))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("message_deleted"))
    );
}

#[tokio::test]
async fn only_the_author_or_an_admin_deletes_and_a_newer_message_keeps_its_preview() {
    let stack = TestApp::start(TENANT).await;
    let (conversation, id) = staff_message(&stack, "first").await;
    let customer = Claims::customer(TENANT, "contact-1", "c1");
    stack
        .send_as(handle, &customer, json!({"message": "a reply"}))
        .await;
    for (claims, status) in [
        (Claims::staff(TENANT, "s2"), 403),
        (customer.clone(), 403),
        (Claims::customer(TENANT, "contact-9", "c9"), 404),
        (Claims::admin("clinic-b", "a1"), 404),
    ] {
        let (got, _) = stack
            .call(handle, delete(&claims, &conversation, &id))
            .await;
        assert_eq!(got, status, "{claims:?}");
    }
    assert!(!stack.messages(&general("c1"), 10).await[0].changes.deleted);

    let host = Claims::service(TENANT, "host");
    let (status, _) = stack.call(handle, delete(&host, &conversation, &id)).await;
    assert_eq!(status, 200);
    let header = stack.header(&general("c1")).await;
    assert_eq!(header.last_excerpt.as_deref(), Some("a reply"));
    assert_eq!(header.last_state, None);
}
