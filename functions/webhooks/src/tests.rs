//! The webhooks function against the real local DynamoDB the test kit starts. Helpers
//! here, the tests by concern in `tests/`.

use serde_json::{json, Value};
use shared::domain::ids::TenantId;
use shared::domain::webhooks::{Delivery, DeliveryStatus, Endpoint, EventType};
use shared::http::{Request, Response};
use shared::outbound::Policy;
use shared::store::{DynamoStore, WebhookStore};
use shared::App;
use testkit::{ApiEvent, Claims, TestApp};

mod deliveries;
mod endpoints;
mod faults;
mod refusals;

const TENANT: &str = "clinic-a";
const OTHER_TENANT: &str = "clinic-b";
const RECEIVER: &str = "https://hooks.oakvets.example/tidings";

/// The handler as deployed: public HTTPS endpoints only.
async fn handle(app: &App<DynamoStore>, request: Request) -> Response {
    super::handle(app, &Policy::default(), request).await
}

/// The handler as the local stack runs it (`WEBHOOKS_ALLOW_LOOPBACK_HTTP=true`).
async fn handle_local(app: &App<DynamoStore>, request: Request) -> Response {
    let policy = super::url_policy(|name| {
        (name == "WEBHOOKS_ALLOW_LOOPBACK_HTTP").then(|| "true".to_owned())
    });
    super::handle(app, &policy, request).await
}

fn admin() -> Claims {
    Claims::admin(TENANT, "a1")
}

/// `/webhooks` (`POST`, `GET`).
fn webhooks(method: &str, claims: &Claims) -> ApiEvent {
    ApiEvent::new(method, "/webhooks").claims(claims)
}

/// A route under `/webhooks/{id}`, e.g. `"/webhooks/{id}/secret/rotate"`.
fn endpoint_route(method: &str, route: &str, claims: &Claims, id: &str) -> ApiEvent {
    ApiEvent::new(method, route)
        .claims(claims)
        .path_param("id", id)
}

fn endpoint(method: &str, claims: &Claims, id: &str) -> ApiEvent {
    endpoint_route(method, "/webhooks/{id}", claims, id)
}

fn rotate(claims: &Claims, id: &str) -> ApiEvent {
    endpoint_route("POST", "/webhooks/{id}/secret/rotate", claims, id)
}

fn deliveries(claims: &Claims, id: &str) -> ApiEvent {
    endpoint_route("GET", "/webhooks/{id}/deliveries", claims, id)
}

fn replay(claims: &Claims, id: &str, event_id: &str) -> ApiEvent {
    endpoint_route(
        "POST",
        "/webhooks/{id}/deliveries/{event_id}/replay",
        claims,
        id,
    )
    .path_param("event_id", event_id)
}

/// `POST /webhooks` answered 201: the created endpoint, with its secret.
async fn create(stack: &TestApp, claims: &Claims, body: Value) -> Value {
    let (status, created) = stack
        .call(handle, webhooks("POST", claims).json(body))
        .await;
    assert_eq!(status, 201, "{created}");
    created
}

/// An endpoint of `RECEIVER` for every event type; its id.
async fn create_default(stack: &TestApp, claims: &Claims) -> String {
    let created = create(stack, claims, json!({ "url": RECEIVER })).await;
    created["id"].as_str().unwrap().to_owned()
}

/// The endpoints as stored, secrets and all.
async fn stored(stack: &TestApp, tenant: &str) -> Vec<Endpoint> {
    stack
        .store
        .endpoints(&TenantId::from(tenant))
        .await
        .unwrap()
}

async fn stored_endpoint(stack: &TestApp, tenant: &str, id: &str) -> Endpoint {
    stack
        .store
        .endpoint(&TenantId::from(tenant), id)
        .await
        .unwrap()
        .expect("the endpoint is stored")
}

/// The id of the `n`th event of a test: later events sort after earlier ones, as the
/// events function's ULIDs do.
fn event_id(n: u64) -> String {
    format!("evt_{}", ulid::Ulid::from_parts(1_750_000_000_000 + n, 0))
}

/// A delivery the events function made: `n`th event, attempted `attempts` times.
fn delivery(endpoint: &str, n: u64, status: DeliveryStatus, attempts: u32) -> Delivery {
    let event_id = event_id(n);
    Delivery {
        endpoint_id: endpoint.to_owned(),
        event_id: event_id.clone(),
        event_type: EventType::MessageCreated,
        conversation_id: Some("c1~general".to_owned()),
        payload: json!({
            "id": event_id,
            "type": "message.created",
            "data": {"message": {"id": format!("m{n}"), "message": "Max is ready"}}
        })
        .to_string(),
        status,
        attempts,
        last_attempt_at: (attempts > 0).then(|| "2025-06-15T15:00:00.000Z".to_owned()),
        response_status: (attempts > 0).then_some(500),
        latency_ms: (attempts > 0).then_some(120),
        error: None,
        next_attempt_at: match status {
            DeliveryStatus::Pending => Some("2025-06-15T15:00:00.000Z".to_owned()),
            DeliveryStatus::Retrying => Some("2025-06-15T16:00:00.000Z".to_owned()),
            _ => None,
        },
        created_at: "2025-06-15T15:00:00.000Z".to_owned(),
    }
}

async fn record(stack: &TestApp, tenant: &str, delivery: &Delivery) {
    assert!(stack
        .store
        .record_delivery(&TenantId::from(tenant), delivery)
        .await
        .unwrap());
}

async fn stored_delivery(stack: &TestApp, tenant: &str, endpoint: &str, n: u64) -> Delivery {
    stack
        .store
        .delivery(&TenantId::from(tenant), endpoint, &event_id(n))
        .await
        .unwrap()
        .expect("the delivery is stored")
}

#[tokio::test]
async fn its_first_request_reads_the_cursor_secret() {
    let config = testkit::moto::cold_start_config("tidings").await;
    assert_eq!(config.cursor_secret, b"a-cursor-secret-of-32-characters");
}
