//! Exports and erasures, started through the admin function and run by the worker
//! against the embedded DynamoDB and moto's S3 (`make test` runs moto).

use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};
use shared::domain::ids::TenantId;
use shared::domain::notify::NotifyChannel;
use shared::store::{DeliveryKey, DeliveryOutcome, DynamoStore, NotificationStore};
use testkit::app::general;
use testkit::{moto, seed, ApiEvent, Claims, TestApp};

use crate::Worker;

mod erase;
mod export;
mod resume;

const TENANT: &str = "clinic-a";
const CUSTOMER: &str = "fam-1";
const CONTACT: &str = "casey";
const PHONE: &str = "+15550100001";
const PDF: &[u8] = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

fn admin() -> Claims {
    Claims::admin(TENANT, "a1")
}

fn casey() -> Claims {
    Claims::customer(TENANT, CONTACT, CUSTOMER)
}

fn sam() -> Claims {
    Claims::customer(TENANT, "sam", CUSTOMER)
}

fn nurse() -> Claims {
    Claims::staff(TENANT, "nurse")
}

/// A family of two contacts (Casey with a phone, Sam) and a staff member, each with a
/// directory entry, and the tenant's files on moto.
async fn family() -> TestApp {
    let stack = TestApp::start(TENANT).await;
    seed::contact(
        &stack.store,
        TENANT,
        CUSTOMER,
        CONTACT,
        "casey@example.com",
        Some(PHONE),
    )
    .await;
    seed::contact(
        &stack.store,
        TENANT,
        CUSTOMER,
        "sam",
        "sam@example.com",
        None,
    )
    .await;
    seed::patient(&stack.store, TENANT, CUSTOMER, "bella").await;
    stack
}

fn worker(stack: &TestApp) -> Worker<DynamoStore> {
    let files = stack.files.clone().expect("moto runs (make test)");
    let mut worker = Worker::new(stack.store.clone(), files);
    worker.page = 3;
    worker
}

async fn send(stack: &TestApp, claims: &Claims, body: Value) -> Value {
    let (status, sent) = stack
        .call(
            send::handle,
            ApiEvent::new("POST", "/messages").claims(claims).json(body),
        )
        .await;
    assert_eq!(status, 201, "{sent}");
    sent
}

/// Sends `text` into the family's general thread (or the patient's).
async fn say(stack: &TestApp, claims: &Claims, text: &str, patient: Option<&str>) -> Value {
    let mut body = json!({"customer_id": CUSTOMER, "message": text});
    if let Some(patient) = patient {
        body["patient_id"] = json!(patient);
    }
    send(stack, claims, body).await
}

/// A message of one PDF from `claims`; its upload id.
async fn send_file(stack: &TestApp, claims: &Claims) -> String {
    let form_request = ApiEvent::new("POST", "/attachments")
        .claims(claims)
        .json(json!({
            "customer_id": CUSTOMER, "name": "x-ray.pdf", "content_type": "application/pdf",
            "size": PDF.len(),
        }));
    let (status, form) = stack.call(send::handle, form_request).await;
    assert_eq!(status, 201, "{form}");
    moto::upload(&form, PDF).await;
    let id = form["upload_id"].as_str().unwrap().to_owned();
    send(
        stack,
        claims,
        json!({"customer_id": CUSTOMER, "attachments": [{"id": id}]}),
    )
    .await;
    id
}

/// A sent email digest to Casey in the general thread.
async fn delivered_to_casey(stack: &TestApp) {
    let key = DeliveryKey {
        round: "r1".into(),
        channel: NotifyChannel::Email,
        recipient: format!("contact:{CONTACT}"),
    };
    let (tenant, conversation) = (TenantId::from(TENANT), general(CUSTOMER));
    let now = shared::domain::now_rfc3339();
    stack
        .store
        .claim_delivery(
            &tenant,
            &conversation,
            &key,
            "casey@example.com",
            &now,
            &now,
        )
        .await
        .unwrap();
    let sent = DeliveryOutcome::Sent {
        provider_message_id: "ses-1".into(),
    };
    stack
        .store
        .finish_delivery(&tenant, &conversation, &key, &sent, &now)
        .await
        .unwrap();
}

/// Starts a job through the admin function; its id.
async fn start(stack: &TestApp, path: &str, params: &[(&str, &str)]) -> String {
    let mut event = ApiEvent::new("POST", path).claims(&admin());
    for (name, value) in params {
        event = event.path_param(name, value);
    }
    let (status, job) = stack.call(admin::handle, event).await;
    assert!(status == 202 || status == 200, "{status} {job}");
    job["job_id"].as_str().unwrap().to_owned()
}

async fn start_export(stack: &TestApp) -> String {
    let path = "/customers/{customer_id}/contacts/{contact_id}/export";
    start(
        stack,
        path,
        &[("customer_id", CUSTOMER), ("contact_id", CONTACT)],
    )
    .await
}

async fn start_erasure(stack: &TestApp) -> String {
    let path = "/customers/{customer_id}/contacts/{contact_id}/erase";
    start(
        stack,
        path,
        &[("customer_id", CUSTOMER), ("contact_id", CONTACT)],
    )
    .await
}

/// `GET /jobs/{job_id}` as the admin.
async fn job(stack: &TestApp, id: &str) -> Value {
    let event = ApiEvent::new("GET", "/jobs/{job_id}")
        .claims(&admin())
        .path_param("job_id", id);
    let (status, job) = stack.call(thread::handle, event).await;
    assert_eq!(status, 200, "{job}");
    job
}

/// The finished export's document, through its link.
async fn document(stack: &TestApp, id: &str) -> Value {
    let job = job(stack, id).await;
    assert_eq!(job["status"], "done", "{job}");
    assert_eq!(job["download_expires_in"], 300);
    let (status, content_type, _, bytes) = moto::fetch(job["download_url"].as_str().unwrap()).await;
    assert_eq!((status, content_type.as_str()), (200, "application/json"));
    serde_json::from_slice(&bytes).expect("the export is one JSON document")
}

/// A time past any lease a run took now.
fn later() -> Timestamp {
    Timestamp::now() + SignedDuration::from_mins(5)
}
