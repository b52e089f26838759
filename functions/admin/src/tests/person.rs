//! A person's data: starting exports and erasures, and reading jobs (the jobs themselves
//! run in `functions/jobs`).

use serde_json::Value;
use testkit::{seed, ApiEvent, Claims, TestApp};

use super::TENANT;

/// The routes of a person's data: starting jobs here, reading them on the thread
/// function (which hands out the export's link).
async fn handle(
    app: &shared::App<shared::store::DynamoStore>,
    request: lambda_http::Request,
) -> lambda_http::Response<lambda_http::Body> {
    match shared::http::route_key(&request).as_deref() {
        Some("GET /jobs/{job_id}") => thread::handle(app, request).await,
        _ => super::super::handle(app, request).await,
    }
}

const CUSTOMER: &str = "fam-1";
const CONTACT: &str = "casey";

fn export(claims: &Claims, customer: &str, contact: &str) -> ApiEvent {
    ApiEvent::new(
        "POST",
        "/customers/{customer_id}/contacts/{contact_id}/export",
    )
    .claims(claims)
    .path_param("customer_id", customer)
    .path_param("contact_id", contact)
}

fn erase(claims: &Claims, customer: &str, contact: &str) -> ApiEvent {
    ApiEvent::new(
        "POST",
        "/customers/{customer_id}/contacts/{contact_id}/erase",
    )
    .claims(claims)
    .path_param("customer_id", customer)
    .path_param("contact_id", contact)
}

fn erase_staff(claims: &Claims, user: &str) -> ApiEvent {
    ApiEvent::new("POST", "/staff/{user_id}/erase")
        .claims(claims)
        .path_param("user_id", user)
}

fn job(claims: &Claims, id: &str) -> ApiEvent {
    ApiEvent::new("GET", "/jobs/{job_id}")
        .claims(claims)
        .path_param("job_id", id)
}

async fn with_contact() -> TestApp {
    let stack = TestApp::start(TENANT).await;
    seed::contact(
        &stack.store,
        TENANT,
        CUSTOMER,
        CONTACT,
        "casey@example.com",
        Some("+15550100001"),
    )
    .await;
    stack
}

fn admin() -> Claims {
    Claims::admin(TENANT, "a1")
}

#[tokio::test]
async fn an_export_is_queued_and_read_back() {
    let stack = with_contact().await;
    let (status, started) = stack
        .call(handle, export(&admin(), CUSTOMER, CONTACT))
        .await;
    assert_eq!(status, 202, "{started}");
    assert_eq!(
        (started["kind"].as_str(), started["status"].as_str()),
        (Some("export"), Some("queued"))
    );
    assert_eq!(started["person"]["contact_id"], CONTACT);
    assert_eq!(started["requested_by"], "a1");
    let id = started["job_id"].as_str().unwrap();
    let (status, read) = stack.call(handle, job(&admin(), id)).await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["job_id"], started["job_id"]);
    assert!(read.get("download_url").is_none(), "not done: no link");
    // The host application keeps the directory, and may hand people their data too.
    let host = Claims::service(TENANT, "practice-app");
    assert_eq!(
        stack.call(handle, export(&host, CUSTOMER, CONTACT)).await.0,
        202
    );
}

#[tokio::test]
async fn an_erasure_is_asked_for_once() {
    let stack = with_contact().await;
    let (status, first) = stack.call(handle, erase(&admin(), CUSTOMER, CONTACT)).await;
    assert_eq!(status, 202, "{first}");
    assert_eq!(first["kind"], "erase");
    let (status, again) = stack
        .call(
            handle,
            erase(&Claims::admin(TENANT, "a2"), CUSTOMER, CONTACT),
        )
        .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(
        again["job_id"], first["job_id"],
        "the same job, not a second erasure"
    );
    assert_eq!(again["requested_by"], "a1");
}

#[tokio::test]
async fn every_other_role_is_refused() {
    let stack = with_contact().await;
    let (_, started) = stack
        .call(handle, export(&admin(), CUSTOMER, CONTACT))
        .await;
    let id = started["job_id"].as_str().unwrap().to_owned();
    for claims in [
        Claims::staff(TENANT, "s1"),
        Claims::basic_staff(TENANT, "b1"),
        Claims::customer(TENANT, CONTACT, CUSTOMER),
    ] {
        for event in [
            export(&claims, CUSTOMER, CONTACT),
            erase(&claims, CUSTOMER, CONTACT),
            erase_staff(&claims, "s1"),
            job(&claims, &id),
        ] {
            let (status, body) = stack.call(handle, event).await;
            assert_eq!(
                (status, body["error"]["code"].as_str()),
                (403, Some("forbidden")),
                "{body}"
            );
        }
    }
    let (_, read) = stack.call(handle, job(&admin(), &id)).await;
    assert_eq!(read["status"], "queued", "nothing was started or changed");
}

#[tokio::test]
async fn another_tenant_finds_nothing() {
    let stack = with_contact().await;
    let (_, started) = stack
        .call(handle, export(&admin(), CUSTOMER, CONTACT))
        .await;
    let id = started["job_id"].as_str().unwrap().to_owned();
    let foreign = Claims::admin("clinic-b", "a9");
    for event in [
        export(&foreign, CUSTOMER, CONTACT),
        erase(&foreign, CUSTOMER, CONTACT),
        job(&foreign, &id),
    ] {
        let (status, body) = stack.call(handle, event).await;
        assert_eq!(status, 404, "{body}");
    }
}

#[tokio::test]
async fn unknown_people_and_jobs_are_404_and_bad_ids_400() {
    let stack = with_contact().await;
    for event in [
        export(&admin(), CUSTOMER, "nobody"),
        erase(&admin(), CUSTOMER, "nobody"),
        erase(&admin(), "fam-2", CONTACT),
        erase_staff(&admin(), "nobody"),
        job(&admin(), "01JNOSUCHJOB0000000000000"),
    ] {
        let (status, body) = stack.call(handle, event).await;
        assert_eq!(status, 404, "{body}");
    }
    for event in [
        export(&admin(), CUSTOMER, "bad#id"),
        erase(&admin(), "bad/id", CONTACT),
        erase_staff(&admin(), "x#y"),
        job(&admin(), "a#b"),
    ] {
        let (status, body) = stack.call(handle, event).await;
        assert_eq!(status, 400, "{body}");
        assert!(body["error"]["code"].is_string(), "{body}");
    }
    stack.requests.reset();
    let (status, _) = stack.call(handle, erase_staff(&admin(), "x#y")).await;
    assert_eq!(
        (status, stack.requests.count("TransactWriteItems")),
        (400, 0)
    );
}

#[tokio::test]
async fn a_staff_member_with_a_profile_can_be_erased() {
    let stack = with_contact().await;
    stack.vendor("vendor-9").await;
    let (status, body): (u16, Value) = stack.call(handle, erase_staff(&admin(), "vendor-9")).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(
        body["person"],
        serde_json::json!({"kind": "staff", "user_id": "vendor-9"})
    );
}
