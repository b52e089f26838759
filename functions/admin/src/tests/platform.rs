//! The operator's grants, patients, and who may list an account or the staff.

use serde_json::json;
use shared::domain::ids::{CustomerId, TenantId};
use shared::store::{GrantStore, PatientStore, SettingsStore};
use testkit::{seed, ApiEvent, Claims, TestApp};

use crate::handle;

const TENANT: &str = "clinic-a";

fn grant_route(method: &str, tenant: &str) -> ApiEvent {
    ApiEvent::new(method, "/operator/tenants/{tenant_id}/grant").path_param("tenant_id", tenant)
}

fn every_tenant_role() -> Vec<Claims> {
    vec![
        Claims::admin(TENANT, "a1"),
        Claims::staff(TENANT, "s1"),
        Claims::basic_staff(TENANT, "b1"),
        Claims::customer(TENANT, "p1", "c1"),
        Claims::service(TENANT, "host"),
    ]
}

#[tokio::test]
async fn the_operator_routes_answer_the_operator_and_no_tenant_role() {
    let stack = TestApp::start(TENANT).await;
    let body = json!({"sms_numbers": ["+15550100999"], "emails_per_day": 5});
    for claims in every_tenant_role() {
        for event in [
            grant_route("PUT", TENANT)
                .claims(&claims)
                .json(body.clone()),
            grant_route("GET", TENANT).claims(&claims),
        ] {
            let (status, answer) = stack.call(handle, event).await;
            assert_eq!(status, 403, "{claims:?}");
            assert_eq!(answer["error"]["code"], "operator_only");
        }
    }
    let (status, _) = stack
        .call(handle, grant_route("GET", TENANT).anonymous())
        .await;
    assert_eq!(status, 403);
    assert!(
        stack
            .store
            .get_grant(&TenantId::from(TENANT))
            .await
            .unwrap()
            .is_none(),
        "nothing changed"
    );

    // Never granted: the defaults, and nothing used today.
    let (status, view) = stack
        .call(handle, grant_route("GET", TENANT).operator())
        .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["grant"]["emails_per_day"], 500);
    assert_eq!(view["grant"]["sms_countries"], json!(["US", "CA"]));
    assert_eq!(view["used"]["emails"], 0);

    let (status, view) = stack
        .call(handle, grant_route("PUT", TENANT).operator().json(body))
        .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["grant"]["emails_per_day"], 5);
    assert_eq!(view["grant"]["sms_per_day"], 100, "the rest stays");
    assert!(view["grant"]["updated_by"]
        .as_str()
        .unwrap()
        .contains("tidings-operator"));
    for bad in [
        json!({"sms_numbers": ["5550100"]}),
        json!({"sender_identities": ["not a domain"]}),
        json!({"sms_countries": ["XX"]}),
        json!({"emails_per_day": 2_000_000}),
        json!({"tenant": "other"}),
    ] {
        let (status, _) = stack
            .call(
                handle,
                grant_route("PUT", TENANT).operator().json(bad.clone()),
            )
            .await;
        assert_eq!(status, 400, "{bad}");
    }
    let (status, _) = stack
        .call(handle, grant_route("GET", "bad#id").operator())
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_tenant_admin_cannot_take_an_identity_it_was_not_granted() {
    let stack = TestApp::start(TENANT).await;
    stack
        .set_grant(
            TENANT,
            &shared::domain::grant::Grant {
                sender_identities: vec!["oakvets.example".into()],
                ..Default::default()
            },
        )
        .await;
    let admin = Claims::admin(TENANT, "a1");
    let put = |from: &str| {
        ApiEvent::new("PUT", "/settings/messaging")
            .claims(&admin)
            .json(json!({"from_email": from}))
    };
    for taken in [
        "billing@platform.example",
        "front@elmvets.example",
        "a@sub.oakvets.example",
    ] {
        let (status, body) = stack.call(handle, put(taken)).await;
        assert_eq!(
            (status, &body["error"]["code"]),
            (403, &json!("not_granted")),
            "{taken}"
        );
    }
    assert!(
        stack
            .store
            .get_settings(&TenantId::from(TENANT))
            .await
            .unwrap()
            .is_none(),
        "nothing saved"
    );
    let (status, body) = stack.call(handle, put("front@oakvets.example")).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn patients_are_registered_by_the_host_or_an_admin_and_listed_for_their_account() {
    let stack = TestApp::start(TENANT).await;
    let route = |method: &str, claims: &Claims, customer: &str, patient: &str| {
        ApiEvent::new(method, "/customers/{customer_id}/patients/{patient_id}")
            .claims(claims)
            .path_param("customer_id", customer)
            .path_param("patient_id", patient)
    };
    let host = Claims::service(TENANT, "practice-sync");
    let (status, bella) = stack
        .call(
            handle,
            route("PUT", &host, "c1", "bella").json(json!({"name": "Bella"})),
        )
        .await;
    assert_eq!(status, 200, "{bella}");
    assert_eq!(bella["name"], "Bella");
    for refused in [
        Claims::staff(TENANT, "s1"),
        Claims::basic_staff(TENANT, "b1"),
        Claims::customer(TENANT, "p1", "c1"),
    ] {
        let (status, _) = stack
            .call(
                handle,
                route("PUT", &refused, "c1", "rex").json(json!({"name": "Rex"})),
            )
            .await;
        assert_eq!(status, 403);
    }
    for bad in [json!({"name": ""}), json!({"name": "a\u{7}b"}), json!({})] {
        let (status, _) = stack
            .call(handle, route("PUT", &host, "c1", "rex").json(bad.clone()))
            .await;
        assert_eq!(status, 400, "{bad}");
    }
    assert_eq!(
        stack
            .store
            .patients(&TenantId::from(TENANT), &CustomerId::from("c1"))
            .await
            .unwrap()
            .len(),
        1
    );
    seed::contact(&stack.store, TENANT, "c1", "p1", "p1@example.com", None).await;
    seed::contact(&stack.store, "clinic-b", "c1", "x1", "x1@example.com", None).await;

    let list = |claims: &Claims, what: &str, customer: &str| {
        ApiEvent::new("GET", &format!("/customers/{{customer_id}}/{what}"))
            .claims(claims)
            .path_param("customer_id", customer)
    };
    for allowed in [
        Claims::admin(TENANT, "a1"),
        host.clone(),
        Claims::staff(TENANT, "s1"),
        Claims::customer(TENANT, "p1", "c1"),
    ] {
        let (status, body) = stack.call(handle, list(&allowed, "patients", "c1")).await;
        assert_eq!(
            (status, &body["patients"][0]["name"]),
            (200, &json!("Bella"))
        );
        let (status, body) = stack.call(handle, list(&allowed, "contacts", "c1")).await;
        assert_eq!(status, 200);
        // Another tenant's contacts of an account with the same id never show.
        assert_eq!(body["contacts"].as_array().unwrap().len(), 1, "{body}");
    }
    for (claims, customer) in [
        (Claims::customer(TENANT, "p2", "c2"), "c1"),
        (Claims::basic_staff(TENANT, "b1"), "c1"),
    ] {
        for what in ["patients", "contacts"] {
            let (status, _) = stack.call(handle, list(&claims, what, customer)).await;
            assert_eq!(status, 404, "{claims:?} {what}");
        }
    }

    let (status, _) = stack
        .call(handle, route("DELETE", &host, "c1", "bella"))
        .await;
    assert_eq!(status, 204);
    let (status, _) = stack
        .call(handle, route("DELETE", &host, "c1", "bella"))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_staff_directory_is_listed_for_staff_admins_and_the_host() {
    let stack = TestApp::start(TENANT).await;
    let host = Claims::service(TENANT, "practice-sync");
    for user in ["s2", "s1"] {
        let event = ApiEvent::new("PUT", "/staff/{user_id}")
            .claims(&host)
            .path_param("user_id", user)
            .json(json!({"name": format!("Staff {user}"), "role": "staff"}));
        assert_eq!(stack.call(handle, event).await.0, 200);
    }
    let list = |claims: &Claims| ApiEvent::new("GET", "/staff").claims(claims);
    for allowed in [
        Claims::admin(TENANT, "a1"),
        host.clone(),
        Claims::staff(TENANT, "s1"),
    ] {
        let (status, body) = stack.call(handle, list(&allowed)).await;
        assert_eq!(status, 200);
        assert_eq!(body["staff"][0]["user_id"], "s1");
        assert_eq!(body["staff"].as_array().unwrap().len(), 2);
    }
    for refused in [
        Claims::basic_staff(TENANT, "b1"),
        Claims::customer(TENANT, "p1", "c1"),
    ] {
        assert_eq!(stack.call(handle, list(&refused)).await.0, 403);
    }
    let (_, body) = stack
        .call(handle, list(&Claims::admin("clinic-b", "a9")))
        .await;
    assert_eq!(
        body["staff"],
        json!([]),
        "another tenant's directory is its own"
    );
}
