use serde_json::{json, Value};
use shared::domain::ids::TenantId;
use shared::store::SettingsStore;
use testkit::{read_response, ApiEvent, Claims, TestApp};

use super::handle;

const TENANT: &str = "clinic-a";

fn settings_event(method: &str, claims: &Claims) -> ApiEvent {
    ApiEvent::new(method, "/settings/messaging").claims(claims)
}

#[tokio::test]
async fn admins_read_defaults_and_change_fields_one_at_a_time() {
    let stack = TestApp::start(TENANT).await;
    let admin = Claims::admin(TENANT, "a1");
    let (status, body) = stack.call(handle, settings_event("GET", &admin)).await;
    assert_eq!(status, 200);
    assert_eq!(
        (body["mode"].as_str(), body["notify_delay_minutes"].as_u64()),
        (Some("full"), Some(3))
    );

    let change = json!({
        "mode": "read_only",
        "business_name": "Oak Street Vets",
        "admin_notification_email": "front-desk@oakvets.example",
        "portal_base_url": "https://portal.oakvets.example",
        "timezone": "America/Chicago",
        "sms_escalation_minutes": 30
    });
    let (status, body) = stack
        .call(handle, settings_event("PUT", &admin).json(change))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["updated_by"], "a1");
    let (_, body) = stack
        .call(
            handle,
            settings_event("PUT", &admin).json(json!({"sms_escalation_minutes": null})),
        )
        .await;
    assert_eq!(body["sms_escalation_minutes"], Value::Null);
    assert_eq!(
        body["business_name"], "Oak Street Vets",
        "fields left out stay"
    );
    let stored = stack
        .store
        .get_settings(&TenantId::from(TENANT))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.mode, shared::domain::MessagingMode::ReadOnly);
    assert_eq!(stored.timezone, "America/Chicago");
    assert!(
        stack
            .store
            .get_settings(&TenantId::from("clinic-b"))
            .await
            .unwrap()
            .is_none(),
        "tenants are separate"
    );
}

#[tokio::test]
async fn only_admins_and_only_valid_settings() {
    let stack = TestApp::start(TENANT).await;
    for claims in [
        Claims::staff(TENANT, "s1"),
        Claims::basic_staff(TENANT, "b1"),
        Claims::service(TENANT, "svc"),
        Claims::customer(TENANT, "contact-1", "c1"),
    ] {
        for method in ["GET", "PUT"] {
            let (status, body) = stack
                .call(
                    handle,
                    settings_event(method, &claims).json(json!({"mode": "disabled"})),
                )
                .await;
            assert_eq!(
                (status, body["error"]["code"].as_str()),
                (403, Some("forbidden"))
            );
        }
    }
    let (status, _) = stack
        .call(
            handle,
            settings_event("GET", &Claims::admin(TENANT, "a1")).anonymous(),
        )
        .await;
    assert_eq!(status, 401);
    let admin = Claims::admin(TENANT, "a1");
    let bad = [
        json!({"mode": "loud"}),
        json!({"mode": 1}),
        json!({"notify_delay_minutes": -1}),
        json!({"notify_delay_minutes": 5000}),
        json!({"sms_escalation_minutes": 0}),
        json!({"admin_notification_email": "not-an-email"}),
        json!({"from_email": "a@b"}),
        json!({"portal_base_url": "http://portal.example"}),
        json!({"portal_base_url": "javascript:alert(1)"}),
        json!({"timezone": "Mars/Olympus"}),
        json!({"business_name": ""}),
        json!({"business_name": "x".repeat(201)}),
        json!({"tenant_id": "clinic-b"}),
        json!({"colour": "red"}),
    ];
    for body in bad {
        let (status, response) = stack
            .call(handle, settings_event("PUT", &admin).json(body.clone()))
            .await;
        assert_eq!(status, 400, "{body} -> {response}");
    }
    let (status, _) = stack
        .call(handle, settings_event("PUT", &admin).body("{"))
        .await;
    assert_eq!(status, 400);
    assert!(
        stack
            .store
            .get_settings(&TenantId::from(TENANT))
            .await
            .unwrap()
            .is_none(),
        "nothing stored"
    );
}

#[tokio::test]
async fn a_mode_change_reaches_the_send_function() {
    let stack = TestApp::start(TENANT).await;
    // One process serving several functions shares a settings cache (the local API).
    let admin_app = stack.app();
    let send_app = shared::App::with_settings_cache(
        stack.store.clone(),
        &testkit::test_config(stack.store.table()),
        admin_app.settings.clone(),
    );
    let send_event = ApiEvent::new("POST", "/messages")
        .claims(&Claims::staff(TENANT, "s1"))
        .json(json!({"customer_id": "c1", "message": "x"}));
    assert_eq!(
        read_response(send::handle(&send_app, send_event.request()).await).0,
        201
    );
    let change =
        settings_event("PUT", &Claims::admin(TENANT, "a1")).json(json!({"mode": "read_only"}));
    assert_eq!(
        read_response(handle(&admin_app, change.request()).await).0,
        200
    );
    let (status, body) = read_response(send::handle(&send_app, send_event.request()).await);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("messaging_read_only"))
    );
}

#[tokio::test]
async fn quiet_hours_and_a_delay_in_seconds_are_validated() {
    let stack = TestApp::start(TENANT).await;
    let admin = Claims::admin(TENANT, "a1");
    let change =
        json!({"quiet_hours": {"start": "21:00", "end": "07:30"}, "notify_delay_seconds": 20});
    let (status, body) = stack
        .call(handle, settings_event("PUT", &admin).json(change))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["quiet_hours"]["end"], "07:30");
    let stored = stack
        .store
        .get_settings(&TenantId::from(TENANT))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.notify_delay_seconds, Some(20));
    assert_eq!(stored.quiet_hours.unwrap().start, "21:00");
    for bad in [
        json!({"quiet_hours": {"start": "9pm", "end": "07:00"}}),
        json!({"quiet_hours": {"start": "07:00", "end": "07:00"}}),
        json!({"quiet_hours": {"start": "21:00"}}),
        json!({"notify_delay_seconds": 90000}),
    ] {
        let (status, body) = stack
            .call(handle, settings_event("PUT", &admin).json(bad.clone()))
            .await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    let (_, body) = stack
        .call(
            handle,
            settings_event("PUT", &admin).json(json!({"quiet_hours": null})),
        )
        .await;
    assert_eq!(body["quiet_hours"], Value::Null);
}

#[tokio::test]
async fn a_save_over_settings_changed_meanwhile_is_refused_and_the_route_applies_it_again() {
    let stack = TestApp::start(TENANT).await;
    let tenant = "clinic-a";
    let stale = stack
        .store
        .get_settings(&TenantId::from(tenant))
        .await
        .unwrap()
        .unwrap_or_default();
    let admin = Claims::admin(tenant, "a1");
    let (status, _) = stack
        .call(
            handle,
            settings_event("PUT", &admin).json(json!({"mode": "read_only"})),
        )
        .await;
    assert_eq!(status, 200);
    // A save based on what was read before that one would undo it: refused.
    let mut undo = stale.clone();
    undo.business_name = Some("Oak Vets".into());
    let err = stack
        .store
        .put_settings(&TenantId::from(tenant), &undo, Some(&stale))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            shared::store::StoreError::Conflict {
                code: "settings_changed",
                ..
            }
        ),
        "{err:?}"
    );
    // Through the route, concurrent changes of different fields all stay.
    let names = ["A", "B", "C", "D"];
    let saves = names.iter().map(|name| {
        stack.call(
            handle,
            settings_event("PUT", &admin)
                .json(json!({"business_name": name, "notify_delay_minutes": 5})),
        )
    });
    let (mode_change, results) = tokio::join!(
        stack.call(
            handle,
            settings_event("PUT", &admin).json(json!({"sms_escalation_minutes": 30}))
        ),
        futures_util::future::join_all(saves)
    );
    assert_eq!(mode_change.0, 200);
    assert!(results.iter().all(|(status, _)| *status == 200));
    let saved = stack
        .store
        .get_settings(&TenantId::from(tenant))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(saved.mode, shared::domain::MessagingMode::ReadOnly);
    assert_eq!(saved.sms_escalation_minutes, Some(30));
    assert_eq!(saved.notify_delay_minutes, 5);
    assert_eq!(saved.version, 6);
}

#[tokio::test]
async fn its_first_request_reads_the_cursor_secret() {
    let config = testkit::moto::cold_start_config("tidings").await;
    assert_eq!(config.cursor_secret, b"a-cursor-secret-of-32-characters");
}

mod conversations;
mod directory;
mod platform;
mod search;

mod deliveries;
mod person;
mod suppressions;
