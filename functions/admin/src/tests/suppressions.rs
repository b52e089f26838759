//! Suppressed addresses (after bounces and complaints), replies kept for admins, and the
//! operator's view of a tenant's email rates.

use shared::domain::feedback::{EmailPause, EmailRates, Suppression};
use shared::domain::notify::NotifyChannel;
use shared::domain::outcome::OutcomeKind;
use shared::store::OutcomeStore;

use super::*;

fn suppression(channel: NotifyChannel, address: &str, reason: OutcomeKind) -> Suppression {
    Suppression {
        channel,
        address: address.into(),
        reason,
        at: "2026-12-01T09:00:00.000Z".into(),
        detail: Some("smtp; 550 5.1.1 no such user".into()),
    }
}

#[tokio::test]
async fn admins_see_suppressed_addresses_on_people_and_clear_them() {
    let stack = TestApp::start(TENANT).await;
    let tenant = TenantId::from(TENANT);
    testkit::seed::contact(
        &stack.store,
        TENANT,
        "c1",
        "p1",
        "Carla@Example.com",
        Some("+14255550182"),
    )
    .await;
    for s in [
        suppression(
            NotifyChannel::Email,
            "carla@example.com",
            OutcomeKind::Bounced,
        ),
        suppression(NotifyChannel::Sms, "+14255550182", OutcomeKind::Undelivered),
    ] {
        assert!(stack.store.suppress(&tenant, &s).await.unwrap());
    }
    let admin = Claims::admin(TENANT, "a1");
    let contact = ApiEvent::new("GET", "/customers/{customer_id}/contacts/{contact_id}")
        .claims(&admin)
        .path_param("customer_id", "c1")
        .path_param("contact_id", "p1");
    let (status, view) = stack.call(handle, contact.clone()).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["email_suppressed"]["reason"], "bounced");
    assert_eq!(view["email_suppressed"]["at"], "2026-12-01T09:00:00.000Z");
    assert_eq!(view["sms_suppressed"]["reason"], "undelivered");
    let list = ApiEvent::new("GET", "/customers/{customer_id}/contacts")
        .claims(&admin)
        .path_param("customer_id", "c1");
    let (_, listed) = stack.call(handle, list).await;
    assert_eq!(
        listed["contacts"][0]["email_suppressed"]["reason"],
        "bounced"
    );

    let (status, all) = stack
        .call(handle, ApiEvent::new("GET", "/suppressions").claims(&admin))
        .await;
    assert_eq!(status, 200);
    assert_eq!(all["suppressions"].as_array().unwrap().len(), 2);

    let clear = |address: &str| {
        ApiEvent::new("DELETE", "/suppressions/{channel}/{address}")
            .path_param("channel", "email")
            .path_param("address", address)
    };
    let staff = Claims::staff(TENANT, "s1");
    let (status, _) = stack
        .call(handle, clear("carla@example.com").claims(&staff))
        .await;
    assert_eq!(status, 403, "admins only");
    let (status, _) = stack
        .call(
            handle,
            clear("carla@example.com").claims(&Claims::admin("clinic-b", "a1")),
        )
        .await;
    assert_eq!(status, 404, "another tenant's");
    let (status, _) = stack
        .call(handle, clear("CARLA@example.com").claims(&admin))
        .await;
    assert_eq!(status, 204);
    let (status, _) = stack
        .call(handle, clear("carla@example.com").claims(&admin))
        .await;
    assert_eq!(status, 404, "cleared already");
    let (_, view) = stack.call(handle, contact).await;
    assert_eq!(view["email_suppressed"], Value::Null);
    assert_eq!(view["sms_suppressed"]["reason"], "undelivered");
    let bad = ApiEvent::new("DELETE", "/suppressions/{channel}/{address}")
        .claims(&admin)
        .path_param("channel", "fax")
        .path_param("address", "x");
    assert_eq!(stack.call(handle, bad).await.0, 404);
}

#[tokio::test]
async fn the_operator_sees_the_rates_and_resumes_paused_email() {
    let stack = TestApp::start(TENANT).await;
    let tenant = TenantId::from(TENANT);
    let route = |method: &str| {
        ApiEvent::new(method, "/operator/tenants/{tenant_id}/grant")
            .path_param("tenant_id", TENANT)
            .operator()
    };
    let (_, granted) = stack
        .call(handle, route("PUT").json(json!({"emails_per_day": 900})))
        .await;
    assert_eq!(granted["grant"]["email_paused"], Value::Null);
    let pause = EmailPause {
        at: "2026-12-01T09:00:00.000Z".into(),
        rates: EmailRates {
            sent: 400,
            bounced: 20,
            complained: 0,
        },
    };
    assert!(stack.store.pause_email(&tenant, &pause).await.unwrap());
    assert!(
        !stack.store.pause_email(&tenant, &pause).await.unwrap(),
        "once"
    );
    let today = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();
    stack
        .store
        .count_feedback(&tenant, &today, false)
        .await
        .unwrap();
    let (status, view) = stack.call(handle, route("GET")).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["grant"]["email_paused"]["bounced"], 20);
    assert_eq!(view["email_rates"]["bounced"], 1);
    assert_eq!(view["email_rates"]["days"], 7);
    let (status, resumed) = stack
        .call(handle, route("PUT").json(json!({"resume_email": true})))
        .await;
    assert_eq!(status, 200, "{resumed}");
    assert_eq!(resumed["grant"]["email_paused"], Value::Null);
    assert_eq!(resumed["grant"]["emails_per_day"], 900, "the rest stays");
}

#[tokio::test]
async fn replies_kept_for_admins_are_listed_apart_from_texts() {
    let stack = TestApp::start(TENANT).await;
    let admin = Claims::admin(TENANT, "a1");
    let (status, body) = stack
        .call(
            handle,
            ApiEvent::new("GET", "/email/unmatched").claims(&admin),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"emails": [], "next_cursor": null}));
    let (status, _) = stack
        .call(
            handle,
            ApiEvent::new("GET", "/email/unmatched").claims(&Claims::staff(TENANT, "s1")),
        )
        .await;
    assert_eq!(status, 403);
}
