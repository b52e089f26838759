use serde_json::{json, Value};
use shared::domain::webhooks::{EndpointStatus, EventType, MAX_ENDPOINTS};
use testkit::{Claims, TestApp};

use super::*;

#[tokio::test]
async fn endpoints_are_created_listed_read_changed_and_deleted() {
    let stack = TestApp::start(TENANT).await;
    let service = Claims::service(TENANT, "practice-sync");
    let created = create(
        &stack,
        &service,
        json!({
            "url": RECEIVER,
            "description": "  Practice software  ",
            "event_types": ["message.created", "conversation.closed", "message.created"],
        }),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("wh_") && id.len() == 29, "{id}");
    assert_eq!(created["url"], RECEIVER);
    assert_eq!(created["description"], "Practice software");
    assert_eq!(
        created["event_types"],
        json!(["message.created", "conversation.closed"]),
        "duplicates collapse"
    );
    assert_eq!(created["status"], "enabled");
    assert_eq!(created["disabled_reason"], Value::Null);
    assert_eq!(created["created_at"], created["updated_at"]);

    let (status, listed) = stack.call(handle, webhooks("GET", &admin())).await;
    assert_eq!(status, 200);
    assert_eq!(listed["webhooks"].as_array().unwrap().len(), 1);
    let (status, read) = stack.call(handle, endpoint("GET", &admin(), &id)).await;
    assert_eq!(status, 200);
    assert_eq!(read, listed["webhooks"][0]);
    assert_eq!(read["event_types"], created["event_types"]);

    let change = json!({
        "url": "https://hooks.oakvets.example/v2",
        "description": null,
        "event_types": [],
    });
    let (status, changed) = stack
        .call(handle, endpoint("PATCH", &admin(), &id).json(change))
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["url"], "https://hooks.oakvets.example/v2");
    assert_eq!(changed["description"], Value::Null, "null clears it");
    assert_eq!(changed["event_types"], json!([]), "none: every type");
    assert_eq!(changed["created_at"], created["created_at"]);
    assert!(changed["updated_at"].as_str() > created["updated_at"].as_str());
    let kept = stored_endpoint(&stack, TENANT, &id).await;
    assert!(kept.wants(EventType::SmsUnmatched));
    assert_eq!(kept.description, None);

    let (status, _) = stack.call(handle, endpoint("DELETE", &service, &id)).await;
    assert_eq!(status, 204);
    assert!(stored(&stack, TENANT).await.is_empty());
    for event in [
        endpoint("GET", &admin(), &id),
        endpoint("DELETE", &admin(), &id),
        endpoint("PATCH", &admin(), &id).json(json!({"enabled": false})),
    ] {
        let (status, body) = stack.call(handle, event).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (404, Some("not_found"))
        );
    }
}

#[tokio::test]
async fn the_secret_is_shown_once_and_never_again() {
    let stack = TestApp::start(TENANT).await;
    let created = create(&stack, &admin(), json!({ "url": RECEIVER })).await;
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"), "{secret}");
    let id = created["id"].as_str().unwrap();
    assert_eq!(stored_endpoint(&stack, TENANT, id).await.secret, secret);

    let (_, listed) = stack.call(handle, webhooks("GET", &admin())).await;
    let (_, read) = stack.call(handle, endpoint("GET", &admin(), id)).await;
    let (_, changed) = stack
        .call(
            handle,
            endpoint("PATCH", &admin(), id).json(json!({"description": "CRM"})),
        )
        .await;
    for view in [&listed["webhooks"][0], &read, &changed] {
        let text = view.to_string();
        assert!(!text.contains("secret\""), "{text}");
        assert!(!text.contains(secret), "{text}");
        assert!(view.get("previous_secret_expires_at").is_some(), "{text}");
    }
}

#[tokio::test]
async fn disabling_and_enabling_set_and_clear_the_reason() {
    let stack = TestApp::start(TENANT).await;
    let created = create(
        &stack,
        &admin(),
        json!({ "url": RECEIVER, "enabled": false }),
    )
    .await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(
        (&created["status"], &created["disabled_reason"]),
        (&json!("disabled"), &json!("admin"))
    );

    // As the events function leaves one that failed for days.
    let mut failing = stored_endpoint(&stack, TENANT, id).await;
    let read = failing.updated_at.clone();
    failing.disabled_reason = Some("failing".into());
    failing.failing_since = Some("2025-06-01T00:00:00.000Z".into());
    stack
        .store
        .save_endpoint(&TenantId::from(TENANT), &failing, &read)
        .await
        .unwrap();

    let enable = json!({"enabled": true});
    let (status, enabled) = stack
        .call(handle, endpoint("PATCH", &admin(), id).json(enable))
        .await;
    assert_eq!(status, 200, "{enabled}");
    assert_eq!(enabled["status"], "enabled");
    for cleared in ["disabled_reason", "disabled_at", "failing_since"] {
        assert_eq!(enabled[cleared], Value::Null, "{cleared}");
    }

    let (_, disabled) = stack
        .call(
            handle,
            endpoint("PATCH", &admin(), id).json(json!({"enabled": false})),
        )
        .await;
    assert_eq!(disabled["status"], "disabled");
    assert_eq!(disabled["disabled_reason"], "admin");
    assert!(disabled["disabled_at"].is_string());
    let kept = stored_endpoint(&stack, TENANT, id).await;
    assert_eq!(kept.status, EndpointStatus::Disabled);
    assert!(!kept.wants(EventType::MessageCreated));
}

#[tokio::test]
async fn a_change_made_meanwhile_is_not_overwritten() {
    let stack = TestApp::start(TENANT).await;
    let id = create_default(&stack, &admin()).await;
    let before = stored_endpoint(&stack, TENANT, &id).await;
    let (status, _) = stack
        .call(
            handle,
            endpoint("PATCH", &admin(), &id).json(json!({"description": "first"})),
        )
        .await;
    assert_eq!(status, 200);
    // A save from what was read before that change, as a racing request's would be.
    let mut stale = before.clone();
    stale.description = Some("second".into());
    let err = stack
        .store
        .save_endpoint(&TenantId::from(TENANT), &stale, &before.updated_at)
        .await
        .unwrap_err();
    let err = shared::ApiError::from(err);
    assert_eq!((err.status(), err.code()), (409, "endpoint_changed"));
    let kept = stored_endpoint(&stack, TENANT, &id).await;
    assert_eq!(kept.description.as_deref(), Some("first"));
}

#[tokio::test]
async fn rotation_keeps_the_old_secret_signing_for_a_day() {
    let stack = TestApp::start(TENANT).await;
    let created = create(&stack, &admin(), json!({ "url": RECEIVER })).await;
    let id = created["id"].as_str().unwrap();
    let first = created["secret"].as_str().unwrap();

    let (status, rotated) = stack.call(handle, rotate(&admin(), id)).await;
    assert_eq!(status, 200, "{rotated}");
    let second = rotated["secret"].as_str().unwrap();
    assert!(second.starts_with("whsec_") && second != first);
    let expires = rotated["previous_secret_expires_at"].as_str().unwrap();
    let in_a_day = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24);
    let expires_at: jiff::Timestamp = expires.parse().unwrap();
    assert!(in_a_day.duration_since(expires_at).abs() < jiff::SignedDuration::from_secs(60));

    let kept = stored_endpoint(&stack, TENANT, id).await;
    assert_eq!(kept.secret, second);
    assert_eq!(kept.previous_secret.as_deref(), Some(first));
    let now = shared::domain::now_rfc3339();
    assert_eq!(kept.signing_secrets(&now), [second, first]);
    let after_a_day = testkit::app::hours_from_now(25);
    assert_eq!(kept.signing_secrets(&after_a_day), [second]);
    let (_, read) = stack.call(handle, endpoint("GET", &admin(), id)).await;
    assert_eq!(read["previous_secret_expires_at"], expires);

    // A second rotation within the day: the one current until now becomes the previous.
    let (_, again) = stack.call(handle, rotate(&admin(), id)).await;
    let third = again["secret"].as_str().unwrap();
    let kept = stored_endpoint(&stack, TENANT, id).await;
    assert_eq!(kept.signing_secrets(&now), [third, second]);
}

#[tokio::test]
async fn a_tenant_has_at_most_ten_endpoints() {
    let stack = TestApp::start(TENANT).await;
    for _ in 0..MAX_ENDPOINTS {
        create_default(&stack, &admin()).await;
    }
    let (status, body) = stack
        .call(
            handle,
            webhooks("POST", &admin()).json(json!({ "url": RECEIVER })),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("too_many_endpoints"))
    );
    assert_eq!(stored(&stack, TENANT).await.len(), MAX_ENDPOINTS);
    // Another tenant's count is its own.
    create_default(&stack, &Claims::admin(OTHER_TENANT, "b1")).await;
}

#[tokio::test]
async fn the_local_stack_may_use_loopback_http_receivers() {
    let stack = TestApp::start(TENANT).await;
    let local = "http://127.0.0.1:9000/hook";
    let post = || webhooks("POST", &admin()).json(json!({ "url": local }));
    let (status, body) = stack.call(handle, post()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_url"))
    );
    let (status, created) = stack.call(handle_local, post()).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["url"], local);
}
