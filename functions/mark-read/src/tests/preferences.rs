//! A person's preferences for a conversation, and the one-click unsubscribe link.

use shared::domain::ids::TenantId;
use shared::store::{Reader, ReplyStore};

use super::*;

fn preferences(claims: &Claims, id: &str, body: Option<Value>) -> ApiEvent {
    let method = if body.is_some() { "PUT" } else { "GET" };
    let event = ApiEvent::new(method, "/conversations/{id}/preferences")
        .claims(claims)
        .path_param("id", id);
    match body {
        Some(body) => event.json(body),
        None => event,
    }
}

fn unsubscribe(method: &str, token: &str) -> ApiEvent {
    let event = ApiEvent::new(method, "/unsubscribe/{token}")
        .anonymous()
        .path_param("token", token);
    if method == "POST" {
        event
            .header("content-type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click")
    } else {
        event
    }
}

/// The prefs the dispatcher reads for one person.
async fn stored(stack: &TestApp, side: Side, user: &str) -> shared::store::RecipientPrefs {
    let reader = Reader {
        side,
        user_id: user.into(),
    };
    stack
        .store
        .recipients(
            &TenantId::from(TENANT),
            &general("c1"),
            std::slice::from_ref(&reader),
        )
        .await
        .unwrap()
        .remove(&reader)
        .map(|r| r.prefs)
        .unwrap_or_default()
}

#[tokio::test]
async fn a_person_sets_their_own_channels_and_mute_without_touching_their_read_state() {
    let stack = TestApp::start(TENANT).await;
    let customer = Claims::customer(TENANT, "p1", "c1");
    let vet = Claims::staff(TENANT, "s1");
    send(&stack, &vet, "Results are in").await;
    let id = general("c1").encode();

    let (status, body) = stack.call(handle, preferences(&customer, &id, None)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"conversation_id": id, "email": true, "sms": true, "muted_until": null})
    );
    let (status, body) = stack
        .call(
            handle,
            preferences(
                &customer,
                &id,
                Some(json!({"email": false, "muted_until": "2026-12-24T09:00:00+01:00"})),
            ),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["email"], false);
    assert_eq!(body["sms"], true);
    assert_eq!(body["muted_until"], "2026-12-24T08:00:00.000Z");
    let prefs = stored(&stack, Side::Customer, "p1").await;
    assert!(prefs.email_off && !prefs.sms_off);
    let (_, again) = stack.call(handle, preferences(&customer, &id, None)).await;
    assert_eq!(again, body);
    // Still unread: preferences are not a read.
    let header = stack.header(&general("c1")).await;
    assert_eq!(header.unread_for(Side::Customer, "p1", None), 1);
    let (_, read) = mark(&stack, &customer, json!({"customer_id": "c1"})).await;
    assert_eq!(read["unread_count"], 0);
    assert!(
        stored(&stack, Side::Customer, "p1").await.email_off,
        "a read keeps them"
    );
    // Staff have their own.
    let (status, _) = stack
        .call(handle, preferences(&vet, &id, Some(json!({"sms": false}))))
        .await;
    assert_eq!(status, 200);
    assert!(stored(&stack, Side::Staff, "s1").await.sms_off);
    assert!(!stored(&stack, Side::Customer, "p1").await.sms_off);
}

#[tokio::test]
async fn preferences_refuse_bad_input_other_accounts_and_the_host_storing_nothing() {
    let stack = TestApp::start(TENANT).await;
    let customer = Claims::customer(TENANT, "p1", "c1");
    send(&stack, &Claims::staff(TENANT, "s1"), "Hello").await;
    let id = general("c1").encode();
    for (body, code) in [
        (json!({"email": "no"}), "invalid_field"),
        (json!({"muted_until": "next week"}), "invalid_muted_until"),
        (json!({"email": false, "push": false}), "unknown_field"),
    ] {
        let (status, answer) = stack
            .call(handle, preferences(&customer, &id, Some(body.clone())))
            .await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (400, Some(code)),
            "{body}: {answer}"
        );
    }
    let stranger = Claims::customer(TENANT, "p9", "c9");
    let (status, _) = stack.call(handle, preferences(&stranger, &id, None)).await;
    assert_eq!(status, 404, "another account's conversation");
    let foreign = Claims::customer("clinic-b", "p1", "c1");
    let (status, _) = stack
        .call(
            handle,
            preferences(&foreign, &id, Some(json!({"email": false}))),
        )
        .await;
    assert_eq!(
        status, 200,
        "the same ids in another tenant are that tenant's own"
    );
    let host = Claims::service(TENANT, "marketplace");
    let (status, answer) = stack.call(handle, preferences(&host, &id, None)).await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (403, Some("not_a_person"))
    );
    let (status, _) = stack
        .call(handle, preferences(&customer, "nonsense", None))
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        stored(&stack, Side::Customer, "p1").await,
        Default::default(),
        "nothing stored"
    );
}

#[tokio::test]
async fn the_unsubscribe_link_shows_a_button_and_its_post_turns_email_off_without_a_login() {
    let stack = TestApp::start(TENANT).await;
    send(&stack, &Claims::staff(TENANT, "s1"), "Hello").await;
    let reader = Reader {
        side: Side::Customer,
        user_id: "p1".into(),
    };
    let token = stack
        .store
        .issue_reply_token(
            &TenantId::from(TENANT),
            &general("c1"),
            &reader,
            "p1@example.com",
            "2026-12-01T00:00:00Z",
        )
        .await
        .unwrap();

    let (status, page) = raw(handle(&stack.app(), unsubscribe("GET", &token).request()).await);
    assert_eq!(status, 200);
    assert!(page.contains("<form method=\"post\">"), "{page}");
    assert!(
        !stored(&stack, Side::Customer, "p1").await.email_off,
        "a GET changes nothing"
    );

    let (status, page) = raw(handle(&stack.app(), unsubscribe("POST", &token).request()).await);
    assert_eq!(status, 200, "{page}");
    let prefs = stored(&stack, Side::Customer, "p1").await;
    assert!(prefs.email_off && !prefs.sms_off);
    assert_eq!(
        prefs.reply_token.as_deref(),
        Some(token.as_str()),
        "the token is kept"
    );
    let upper = token.to_uppercase();
    let (status, _) = raw(handle(&stack.app(), unsubscribe("POST", &upper).request()).await);
    assert_eq!(
        status, 200,
        "clicking twice is fine, and the token's case does not matter"
    );

    for unknown in [
        "a".repeat(32),
        "not-a-token".to_owned(),
        // Another token of the same shape.
        format!(
            "{}{}",
            if token.starts_with('a') { 'b' } else { 'a' },
            &token[1..]
        ),
    ] {
        let (status, body) = stack.call(handle, unsubscribe("POST", &unknown)).await;
        assert_eq!(status, 404, "{unknown}: {body}");
    }
}

fn raw(response: lambda_http::Response<lambda_http::Body>) -> (u16, String) {
    let status = response.status().as_u16();
    let body = match response.into_body() {
        lambda_http::Body::Text(text) => text,
        lambda_http::Body::Binary(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        _ => String::new(),
    };
    (status, body)
}
