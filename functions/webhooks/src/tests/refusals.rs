use serde_json::json;
use testkit::{ApiEvent, Claims, TestApp};

use super::*;

/// Every route, for `claims`, on the endpoint `id` (and its delivery `event`).
fn every_route(claims: &Claims, id: &str, event: &str) -> Vec<ApiEvent> {
    vec![
        webhooks("POST", claims).json(json!({ "url": RECEIVER })),
        webhooks("GET", claims),
        endpoint("GET", claims, id),
        endpoint("PATCH", claims, id).json(json!({"enabled": false})),
        endpoint("DELETE", claims, id),
        rotate(claims, id),
        deliveries(claims, id),
        replay(claims, id, event),
    ]
}

/// Every route naming an endpoint.
fn id_routes(claims: &Claims, id: &str, event: &str) -> Vec<ApiEvent> {
    every_route(claims, id, event).split_off(2)
}

#[tokio::test]
async fn other_roles_are_refused_and_change_nothing() {
    let stack = TestApp::start(TENANT).await;
    let created = create(&stack, &admin(), json!({ "url": RECEIVER })).await;
    let id = created["id"].as_str().unwrap();
    record(&stack, TENANT, &delivery(id, 1, DeliveryStatus::Failed, 8)).await;
    let before = stored_endpoint(&stack, TENANT, id).await;
    for claims in [
        Claims::staff(TENANT, "s1"),
        Claims::basic_staff(TENANT, "b1"),
        Claims::customer(TENANT, "p1", "c1"),
    ] {
        for event in every_route(&claims, id, &event_id(1)) {
            let (status, body) = stack.call(handle, event).await;
            assert_eq!(
                (status, body["error"]["code"].as_str()),
                (403, Some("forbidden")),
                "{claims:?}"
            );
        }
    }
    let (status, _) = stack
        .call(
            handle,
            webhooks("GET", &Claims::admin(TENANT, "a1").without("role")),
        )
        .await;
    assert_eq!(status, 401);
    assert_eq!(stored(&stack, TENANT).await, [before]);
    let delivery = stored_delivery(&stack, TENANT, id, 1).await;
    assert_eq!(delivery.status, DeliveryStatus::Failed);
}

#[tokio::test]
async fn another_tenant_s_endpoint_is_unknown_on_every_route() {
    let stack = TestApp::start(TENANT).await;
    let theirs = Claims::admin(OTHER_TENANT, "b1");
    let created = create(&stack, &theirs, json!({ "url": RECEIVER })).await;
    let id = created["id"].as_str().unwrap();
    record(
        &stack,
        OTHER_TENANT,
        &delivery(id, 1, DeliveryStatus::Failed, 8),
    )
    .await;
    let before = stored_endpoint(&stack, OTHER_TENANT, id).await;
    for claims in [admin(), Claims::service(TENANT, "practice-sync")] {
        for event in id_routes(&claims, id, &event_id(1)) {
            let (status, body) = stack.call(handle, event).await;
            assert_eq!(
                (status, body["error"]["code"].as_str()),
                (404, Some("not_found"))
            );
        }
        let (_, listed) = stack.call(handle, webhooks("GET", &claims)).await;
        assert_eq!(listed["webhooks"], json!([]));
    }
    assert_eq!(stored_endpoint(&stack, OTHER_TENANT, id).await, before);
    let delivery = stored_delivery(&stack, OTHER_TENANT, id, 1).await;
    assert_eq!(delivery.status, DeliveryStatus::Failed);
}

#[tokio::test]
async fn ids_that_are_not_ours_are_unknown() {
    let stack = TestApp::start(TENANT).await;
    let id = create_default(&stack, &admin()).await;
    for unknown in ["wh_01J00000000000000000000000", "wh_x", "nope", "wh_#1"] {
        for event in id_routes(&admin(), unknown, &event_id(1)) {
            let (status, _) = stack.call(handle, event).await;
            assert_eq!(status, 404, "{unknown}");
        }
    }
    for event_id in [event_id(9), "a#b".to_owned()] {
        let (status, _) = stack.call(handle, replay(&admin(), &id, &event_id)).await;
        assert_eq!(status, 404, "{event_id}");
    }
}

/// `POST /webhooks` with `body` is refused with 400 `code`, storing nothing.
async fn refused_create(stack: &TestApp, event: ApiEvent, code: &str) {
    let (status, body) = stack.call(handle, event).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some(code)),
        "{body}"
    );
    assert!(stored(stack, TENANT).await.is_empty());
}

#[tokio::test]
async fn bad_input_is_refused_with_its_code_and_nothing_stored() {
    let stack = TestApp::start(TENANT).await;
    let post = || webhooks("POST", &admin());
    refused_create(&stack, post(), "invalid_json").await;
    refused_create(&stack, post().body("{\"url\": "), "invalid_json").await;
    refused_create(&stack, post().json(json!({})), "missing_field").await;
    let unknown = json!({ "url": RECEIVER, "secret": "whsec_mine" });
    refused_create(&stack, post().json(unknown), "unknown_field").await;
    for url in [
        "http://hooks.oakvets.example/",
        "hooks.oakvets.example/tidings",
        "https://user:pw@hooks.oakvets.example/",
        "ftp://hooks.oakvets.example/",
        &format!("https://hooks.oakvets.example/{}", "a".repeat(2048)),
    ] {
        refused_create(&stack, post().json(json!({ "url": url })), "invalid_url").await;
    }
    for url in [
        "https://10.0.0.5/hook",
        "https://127.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[fd00:ec2::254]/hook",
        "https://192.168.1.10/hook",
    ] {
        let event = post().json(json!({ "url": url }));
        refused_create(&stack, event, "forbidden_address").await;
    }
    let unknown_type = json!({ "url": RECEIVER, "event_types": ["message.created", "order.paid"] });
    refused_create(&stack, post().json(unknown_type), "invalid_event_type").await;
    for description in ["x".repeat(201), "   ".to_owned(), "two\nlines".to_owned()] {
        let event = post().json(json!({ "url": RECEIVER, "description": description }));
        refused_create(&stack, event, "invalid_field").await;
    }
    let not_bool = json!({ "url": RECEIVER, "enabled": "yes" });
    refused_create(&stack, post().json(not_bool), "invalid_field").await;
}

#[tokio::test]
async fn bad_changes_are_refused_and_change_nothing() {
    let stack = TestApp::start(TENANT).await;
    let id = create_default(&stack, &admin()).await;
    let before = stored_endpoint(&stack, TENANT, &id).await;
    let patch = || endpoint("PATCH", &admin(), &id);
    for (event, code) in [
        (patch(), "invalid_json"),
        (patch().json(json!({})), "missing_field"),
        (
            patch().json(json!({"enabled": true, "colour": "red"})),
            "unknown_field",
        ),
        (patch().json(json!({"url": null})), "invalid_field"),
        (patch().json(json!({"enabled": null})), "invalid_field"),
        (
            patch().json(json!({"url": "http://hooks.oakvets.example/"})),
            "invalid_url",
        ),
        (
            patch().json(json!({"url": "https://10.1.2.3/"})),
            "forbidden_address",
        ),
        (
            patch().json(json!({"event_types": ["nope"]})),
            "invalid_event_type",
        ),
        (
            patch().json(json!({"description": "x".repeat(201)})),
            "invalid_field",
        ),
    ] {
        let (status, body) = stack.call(handle, event).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some(code)),
            "{body}"
        );
    }
    assert_eq!(stored_endpoint(&stack, TENANT, &id).await, before);
    for (limit, cursor) in [("0", None), ("101", None), ("20", Some("not-a-cursor"))] {
        let mut event = deliveries(&admin(), &id).query("limit", limit);
        if let Some(cursor) = cursor {
            event = event.query("cursor", cursor);
        }
        let (status, _) = stack.call(handle, event).await;
        assert_eq!(status, 400, "{limit} {cursor:?}");
    }
}
