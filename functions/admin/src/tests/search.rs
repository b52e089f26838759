//! `GET /customers?q=`: who may search, what finds whom, paging, bad input, and the index
//! kept exact as contacts and patients change.

use serde_json::{json, Value};
use shared::domain::ids::{CustomerId, PatientId, TenantId, UserId};
use shared::store::{keys, DirectoryStore, SearchStore};
use testkit::app::hours_from_now;
use testkit::{ApiEvent, Claims, TestApp};

use crate::handle;

const TENANT: &str = "clinic-a";

fn admin() -> Claims {
    Claims::admin(TENANT, "a1")
}

fn search(claims: &Claims, q: &str) -> ApiEvent {
    ApiEvent::new("GET", "/customers")
        .claims(claims)
        .query("q", q)
}

async fn put_contact(stack: &TestApp, customer: &str, contact: &str, body: Value) {
    let event = ApiEvent::new("PUT", "/customers/{customer_id}/contacts/{contact_id}")
        .claims(&admin())
        .path_param("customer_id", customer)
        .path_param("contact_id", contact)
        .json(body);
    let (status, body) = stack.call(handle, event).await;
    assert_eq!(status, 200, "{body}");
}

async fn put_patient(stack: &TestApp, customer: &str, patient: &str, name: &str) {
    let event = ApiEvent::new("PUT", "/customers/{customer_id}/patients/{patient_id}")
        .claims(&admin())
        .path_param("customer_id", customer)
        .path_param("patient_id", patient)
        .json(json!({ "name": name }));
    let (status, body) = stack.call(handle, event).await;
    assert_eq!(status, 200, "{body}");
}

async fn delete(stack: &TestApp, route: &str, customer: &str, id_name: &str, id: &str) {
    let event = ApiEvent::new("DELETE", route)
        .claims(&admin())
        .path_param("customer_id", customer)
        .path_param(id_name, id);
    assert_eq!(stack.call(handle, event).await.0, 204);
}

/// The accounts a search finds (first page).
async fn found(stack: &TestApp, claims: &Claims, q: &str) -> Vec<String> {
    let (status, body) = stack.call(handle, search(claims, q)).await;
    assert_eq!(status, 200, "{q}: {body}");
    accounts(&body)
}

fn accounts(body: &Value) -> Vec<String> {
    body["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["customer_id"].as_str().unwrap().to_owned())
        .collect()
}

/// Two families: the Lees (a contact and a dog) and the Petrovs.
async fn families(stack: &TestApp) {
    put_contact(
        stack,
        "fam-lee",
        "casey",
        json!({"name": "Casey Bélla Lee", "email": "Casey.Lee@Example.com", "phone": "+15550100001"}),
    )
    .await;
    put_patient(stack, "fam-lee", "rex", "Rex").await;
    put_contact(
        stack,
        "fam-petrov",
        "olga",
        json!({"name": "Ольга Пётр", "phone": "+447700900123"}),
    )
    .await;
    put_patient(stack, "fam-petrov", "kitty", "Κίττυ Bellamy").await;
}

#[tokio::test]
async fn staff_admins_and_the_host_find_accounts_by_any_name_email_or_phone() {
    let stack = TestApp::start(TENANT).await;
    families(&stack).await;
    let staff = Claims::staff(TENANT, "s1");
    let host = Claims::service(TENANT, "practice-sync");
    for claims in [admin(), staff.clone(), host] {
        assert_eq!(
            found(&stack, &claims, "bel").await,
            ["fam-lee", "fam-petrov"]
        );
    }
    let lee = ["fam-lee"];
    for q in [
        "CASEY BÉL",
        "casey b",
        "lee",
        "rex",
        "casey.lee@ex",
        "CASEY.LEE",
        "casey lee",
        "(555) 010-0001",
        "555-010",
        "+1 555 0100",
        "15550100001",
    ] {
        assert_eq!(found(&stack, &staff, q).await, lee, "{q}");
    }
    let petrov = ["fam-petrov"];
    for q in [
        "ольга",
        "ОЛЬ",
        "петр",
        "пётр",
        "κιττυ",
        "ΚΙΤ",
        "07700 900",
        "+44 7700",
        "7700900123",
    ] {
        assert_eq!(found(&stack, &staff, q).await, petrov, "{q}");
    }
    for q in ["zz", "bellx", "555 011", "casey.leex"] {
        assert!(found(&stack, &staff, q).await.is_empty(), "{q}");
    }
    let (_, body) = stack.call(handle, search(&staff, "bel")).await;
    let lees = &body["customers"][0];
    assert_eq!(lees["contacts"][0]["id"], "casey");
    assert_eq!(lees["contacts"][0]["name"], "Casey Bélla Lee");
    assert_eq!(
        lees["contacts"][0]["matched"],
        json!([{"field": "name", "value": "Casey Bélla Lee"}])
    );
    assert_eq!(lees["patients"], json!([]));
    let kitty = &body["customers"][1]["patients"][0];
    assert_eq!(
        (kitty["id"].as_str(), kitty["name"].as_str()),
        (Some("kitty"), Some("Κίττυ Bellamy"))
    );
    let (_, body) = stack.call(handle, search(&staff, "555 0100")).await;
    assert_eq!(
        body["customers"][0]["contacts"][0]["matched"],
        json!([{"field": "phone", "value": "+15550100001"}])
    );
    assert_eq!(body["next_cursor"], Value::Null);
}

#[tokio::test]
async fn basic_staff_find_only_accounts_assigned_to_them_now_and_customers_are_refused() {
    let stack = TestApp::start(TENANT).await;
    families(&stack).await;
    put_contact(&stack, "fam-other", "bea", json!({"name": "Bella Other"})).await;
    for (user, customer, until) in [
        ("b1", "fam-lee", Some(hours_from_now(8))),
        ("b1", "fam-other", Some(hours_from_now(-1))),
    ] {
        let profile = ApiEvent::new("PUT", "/staff/{user_id}")
            .claims(&admin())
            .path_param("user_id", user)
            .json(json!({"name": "Bea", "role": "basic_staff"}));
        assert_eq!(stack.call(handle, profile).await.0, 200);
        // An assignment that has ended is written directly: the route refuses the past.
        let assignment = shared::domain::directory::Assignment {
            user_id: user.into(),
            customer_id: customer.into(),
            until,
            assigned_at: shared::domain::now_rfc3339(),
            assigned_by: "a1".into(),
        };
        stack
            .store
            .put_assignment(&TenantId::from(TENANT), &assignment)
            .await
            .unwrap();
    }
    let basic = Claims::basic_staff(TENANT, "b1");
    assert_eq!(found(&stack, &basic, "bel").await, ["fam-lee"]);
    assert_eq!(found(&stack, &basic, "555 0100").await, ["fam-lee"]);
    assert!(found(&stack, &basic, "ольга").await.is_empty());
    assert!(found(&stack, &Claims::basic_staff(TENANT, "b2"), "bel")
        .await
        .is_empty());
    let mut everyone = found(&stack, &Claims::staff(TENANT, "s1"), "bel").await;
    everyone.sort();
    assert_eq!(everyone, ["fam-lee", "fam-other", "fam-petrov"]);
    let (status, body) = stack
        .call(
            handle,
            search(&Claims::customer(TENANT, "casey", "fam-lee"), "bel"),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );
    assert_eq!(
        stack
            .call(handle, search(&admin(), "bel").anonymous())
            .await
            .0,
        401
    );
}

#[tokio::test]
async fn another_tenants_accounts_are_never_found() {
    let stack = TestApp::start(TENANT).await;
    families(&stack).await;
    for claims in [
        Claims::admin("clinic-b", "a1"),
        Claims::staff("clinic-b", "s1"),
        Claims::service("clinic-b", "svc"),
    ] {
        for q in ["bel", "casey", "555 0100", "ольга"] {
            assert!(found(&stack, &claims, q).await.is_empty(), "{q}");
        }
    }
}

#[tokio::test]
async fn bad_queries_limits_and_cursors_are_refused_with_their_codes() {
    let stack = TestApp::start(TENANT).await;
    families(&stack).await;
    let long = "x".repeat(101);
    for (event, code) in [
        (
            ApiEvent::new("GET", "/customers").claims(&admin()),
            "missing_field",
        ),
        (search(&admin(), ""), "missing_field"),
        (search(&admin(), "   "), "missing_field"),
        (search(&admin(), "b"), "query_too_short"),
        (search(&admin(), "é-"), "query_too_short"),
        (search(&admin(), &long), "query_too_long"),
        (search(&admin(), "bel").query("limit", "0"), "invalid_limit"),
        (
            search(&admin(), "bel").query("limit", "101"),
            "invalid_limit",
        ),
        (
            search(&admin(), "bel").query("limit", "ten"),
            "invalid_limit",
        ),
        (
            search(&admin(), "bel").query("cursor", "junk"),
            "invalid_cursor",
        ),
    ] {
        let (status, body) = stack.call(handle, event).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some(code)),
            "{body}"
        );
    }
}

#[tokio::test]
async fn pages_follow_the_cursor_and_a_cursor_is_for_its_query_and_caller() {
    let stack = TestApp::start(TENANT).await;
    for i in 0..7 {
        put_contact(
            &stack,
            &format!("fam-{i}"),
            "c",
            json!({"name": format!("Bella {i}")}),
        )
        .await;
    }
    let staff = Claims::staff(TENANT, "s1");
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut event = search(&staff, "bella").query("limit", "3");
        if let Some(cursor) = &cursor {
            event = event.query("cursor", cursor);
        }
        let (status, body) = stack.call(handle, event).await;
        assert_eq!(status, 200, "{body}");
        let page = accounts(&body);
        assert!(page.len() <= 3);
        seen.extend(page);
        pages += 1;
        match body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 7, "every account once: {seen:?}");
    assert!(pages >= 3);
    let (_, body) = stack
        .call(handle, search(&staff, "bella").query("limit", "3"))
        .await;
    let next = body["next_cursor"].as_str().unwrap();
    for event in [
        search(&staff, "bell").query("cursor", next),
        search(&Claims::staff(TENANT, "s2"), "bella").query("cursor", next),
    ] {
        let (status, body) = stack.call(handle, event).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some("invalid_cursor"))
        );
    }
}

/// The index kept exact as contacts and patients change.
mod index;
