//! Exporting an order conversation of 20,000 messages as CSV (embedded DynamoDB): the
//! time it takes, its size against the function's response limit, and its requests.
//! Prints numbers; asserts only that the export is whole.

use std::time::Instant;

use serde_json::json;
use shared::domain::directory::StaffProfile;
use shared::domain::{now_rfc3339, Role};
use shared::store::DirectoryStore;
use testkit::{read_response, seed, ApiEvent, Claims, TestStack};

const TENANT: &str = "export";
const MESSAGES: usize = 20_000;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let stack = TestStack::start().await;
    let app = stack.app();
    let now = now_rfc3339();
    let vendor = StaffProfile {
        user_id: "vendor-9".into(),
        name: "Paws & Co".into(),
        email: None,
        email_notifications: false,
        role: Role::BasicStaff,
        created_at: now.clone(),
        updated_at: now,
    };
    stack.store.put_staff(TENANT, &vendor).await.unwrap();
    seed::contact(
        &stack.store,
        TENANT,
        "buyer-1",
        "buyer",
        "buyer@example.com",
        None,
    )
    .await;
    let host = Claims::service(TENANT, "marketplace");
    let open = ApiEvent::new("POST", "/conversations").claims(&host).json(json!({
        "customer_id": "buyer-1", "order_id": "1042", "title": "Order #1042", "participants": ["vendor-9"],
    }));
    let (status, opened) = read_response(admin::handle(&app, open.request()).await);
    assert_eq!(status, 201, "{opened}");
    let id = opened["id"].as_str().unwrap().to_owned();
    let seeding = Instant::now();
    let (vendor, buyer) = (
        Claims::basic_staff(TENANT, "vendor-9"),
        Claims::customer(TENANT, "buyer", "buyer-1"),
    );
    for i in 0..MESSAGES {
        let who = if i % 2 == 0 { &vendor } else { &buyer };
        let event = ApiEvent::new("POST", "/messages").claims(who).json(json!({
            "conversation_id": id,
            "message": format!("Message {i}: the logo's second draft, with the colours you asked for, is attached."),
        }));
        assert_eq!(
            read_response(send::handle(&app, event.request()).await).0,
            201
        );
    }
    eprintln!(
        "seeded {MESSAGES} messages in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    let export = ApiEvent::new("GET", "/conversations/{id}/export")
        .claims(&host)
        .path_param("id", &id);
    stack.requests.reset();
    let started = Instant::now();
    let response = thread::handle(&app, export.request()).await;
    let took = started.elapsed();
    let size = match response.body() {
        lambda_http::Body::Text(text) => text.len(),
        _ => 0,
    };
    assert_eq!(response.status(), 200);
    eprintln!(
        "export of {MESSAGES} messages: {:.0} ms, {:.2} MB of CSV ({:.0} % of the {:.1} MB limit), {} requests, {:.1} RRU",
        took.as_secs_f64() * 1e3,
        size as f64 / 1e6,
        size as f64 * 100.0 / thread::MAX_EXPORT_BYTES as f64,
        thread::MAX_EXPORT_BYTES as f64 / 1e6,
        stack.requests.total(),
        stack.requests.read_units(),
    );
}
