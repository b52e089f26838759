//! Capacity per operation, measured with `ReturnConsumedCapacity: INDEXES` against the
//! embedded emulator (table and index units), with UUID-sized ids and 120-character
//! messages, and asserted like request counts. Prints one `CAPACITY` line per operation.

use serde_json::{json, Value};
use shared::domain::{ConversationId, Side, Subject};
use shared::store::{MessageStore, Reader};
use testkit::{read_response, seed, ApiEvent, Claims, TestStack};

const TENANT: &str = "7d3f5c2e-1b4a-4c8e-9f0d-2a6b8c4e1f3a";
const CUSTOMER: &str = "5e8a1c3d-7f2b-4d6e-8a9c-0b1d3f5e7a9c";
const CONTACT: &str = "c4b2a8e6-3d1f-4a7c-9e5b-1f3d5b7a9c2e";
const STAFF: &str = "a1c3e5f7-9b2d-4f6a-8c0e-2b4d6f8a0c1e";

fn text() -> String {
    "Bella is ready for pick-up; please bring her lead and the medication list we discussed at this morning's appointment."
        .chars()
        .cycle()
        .take(120)
        .collect()
}

fn customer() -> Claims {
    Claims::customer(TENANT, CONTACT, CUSTOMER)
}

fn staff() -> Claims {
    Claims::staff(TENANT, STAFF)
}

fn general() -> ConversationId {
    ConversationId::new(CUSTOMER, Subject::General)
}

struct Measured {
    requests: usize,
    rru: f64,
    wru: f64,
}

fn measure(stack: &TestStack, operation: &str, readers: usize) -> Measured {
    let measured = Measured {
        requests: stack.requests.total(),
        rru: stack.requests.read_units(),
        wru: stack.requests.write_units(),
    };
    // us-east-1 on demand: $0.125 per million RRU, $0.625 per million WRU.
    let usd_per_million = measured.rru * 0.125 + measured.wru * 0.625;
    println!(
        "CAPACITY {operation} readers={readers} requests={} rru={} wru={} dynamodb_usd_per_million={usd_per_million:.3}",
        measured.requests, measured.rru, measured.wru
    );
    measured
}

async fn send(stack: &TestStack, claims: &Claims, key: Option<&str>) -> Value {
    let mut event = ApiEvent::new("POST", "/messages")
        .claims(claims)
        .json(json!({"customer_id": CUSTOMER, "message": text()}));
    if let Some(key) = key {
        event = event.header("Idempotency-Key", key);
    }
    let (status, body) = read_response(send::handle(&stack.app(), event.request()).await);
    assert_eq!(status, 201, "{body}");
    body
}

/// A conversation read by `readers` staff members (and its customer), then a message to
/// each side so that a send, a page and a mark read find an existing thread.
async fn thread_read_by(stack: &TestStack, readers: usize) {
    send(stack, &customer(), None).await;
    for i in 0..readers {
        let reader = Reader {
            side: Side::Staff,
            user_id: format!("{i:08}-0000-4000-8000-000000000000"),
        };
        stack
            .store
            .mark_read(TENANT, &general(), &reader, None)
            .await
            .unwrap();
    }
    send(stack, &staff(), None).await;
    send(stack, &customer(), None).await;
}

async fn send_cost(readers: usize) -> (Measured, Measured) {
    let stack = TestStack::start().await;
    thread_read_by(&stack, readers).await;
    let app = stack.app();
    // Settings cached, as in a warm container.
    let warm = ApiEvent::new("POST", "/messages")
        .claims(&staff())
        .json(json!({"customer_id": CUSTOMER, "message": text()}));
    assert_eq!(
        read_response(send::handle(&app, warm.request()).await).0,
        201
    );
    stack.requests.reset();
    let event = ApiEvent::new("POST", "/messages")
        .claims(&staff())
        .json(json!({"customer_id": CUSTOMER, "message": text()}));
    assert_eq!(
        read_response(send::handle(&app, event.request()).await).0,
        201
    );
    let plain = measure(&stack, "send", readers);
    stack.requests.reset();
    let event = ApiEvent::new("POST", "/messages")
        .claims(&staff())
        .header("Idempotency-Key", "0b6e2f8a-4c1d-4e7b-9a3f-5d2c8e1b7a4f")
        .json(json!({"customer_id": CUSTOMER, "message": text()}));
    assert_eq!(
        read_response(send::handle(&app, event.request()).await).0,
        201
    );
    let keyed = measure(&stack, "send_with_key", readers);
    (plain, keyed)
}

#[tokio::test]
async fn a_send_costs_the_same_whoever_has_read_the_thread() {
    let (two, two_keyed) = send_cost(2).await;
    let (many, many_keyed) = send_cost(500).await;
    for measured in [&two, &many] {
        assert_eq!(measured.requests, 1);
        assert!(measured.wru <= 7.0, "send: {} WRU", measured.wru);
    }
    for measured in [&two_keyed, &many_keyed] {
        assert_eq!(measured.requests, 1);
        assert!(measured.wru <= 9.0, "send with key: {} WRU", measured.wru);
    }
    assert_eq!(two.wru, many.wru);
    assert_eq!(two_keyed.wru, many_keyed.wru);
}

#[tokio::test]
async fn mark_read_and_a_thread_page_stay_within_their_budgets() {
    let stack = TestStack::start().await;
    thread_read_by(&stack, 2).await;
    for _ in 0..20 {
        send(&stack, &staff(), None).await;
    }
    let app = stack.app();
    let page = ApiEvent::new("GET", "/messages/customer/{customer_id}")
        .claims(&customer())
        .path_param("customer_id", CUSTOMER);
    // Settings cached, as in a warm container.
    read_response(thread::handle(&app, page.clone().request()).await);
    stack.requests.reset();
    let (status, body) = read_response(thread::handle(&app, page.request()).await);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["messages"].as_array().map(Vec::len), Some(20));
    let thread_page = measure(&stack, "thread_page", 2);
    assert_eq!(thread_page.requests, 2);
    assert!(
        thread_page.rru <= 5.0,
        "thread page: {} RRU",
        thread_page.rru
    );

    stack.requests.reset();
    let event = ApiEvent::new("POST", "/messages/read")
        .claims(&customer())
        .json(json!({}));
    let (status, body) = read_response(mark_read::handle(&app, event.request()).await);
    assert_eq!((status, body["unread_count"].as_u64()), (200, Some(0)));
    let mark_read = measure(&stack, "mark_read", 2);
    assert_eq!(mark_read.requests, 2);
    assert!(mark_read.wru <= 3.0, "mark read: {} WRU", mark_read.wru);
}

#[tokio::test]
async fn a_feed_page_and_the_badge_stay_within_their_budgets() {
    let stack = TestStack::start().await;
    seed::conversations(&stack.store, TENANT, "busy-", 999).await;
    send(&stack, &customer(), None).await;
    let app = stack.app();
    let feed = ApiEvent::new("GET", "/messages/activity").claims(&staff());
    read_response(activity::handle(&app, feed.clone().request()).await);
    stack.requests.reset();
    let (status, body) = read_response(activity::handle(&app, feed.request()).await);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["conversations"].as_array().map(Vec::len), Some(20));
    let page = measure(&stack, "activity_page", 0);
    assert_eq!(page.requests, 2);
    assert!(page.rru <= 12.0, "activity page: {} RRU", page.rru);

    let badge = ApiEvent::new("GET", "/messages/unread").claims(&staff());
    stack.requests.reset();
    let response = activity::handle(&app, badge.clone().request()).await;
    let tag = response.headers()["etag"].to_str().unwrap().to_owned();
    let (status, body) = read_response(response);
    assert_eq!(status, 200, "{body}");
    let full = measure(&stack, "badge", 0);
    assert!(full.requests <= 4);
    assert!(full.rru <= 80.0, "badge: {} RRU", full.rru);

    stack.requests.reset();
    let response =
        activity::handle(&app, badge.clone().header("If-None-Match", &tag).request()).await;
    assert_eq!(response.status(), 304);
    let unchanged = measure(&stack, "badge_unchanged", 0);
    assert_eq!(unchanged.requests, 2);
    assert!(unchanged.rru <= 2.0, "304: {} RRU", unchanged.rru);

    // Reading a conversation changes the badge: the old tag no longer holds.
    let event = ApiEvent::new("POST", "/messages/read")
        .claims(&staff())
        .json(json!({"customer_id": CUSTOMER}));
    assert_eq!(
        read_response(mark_read::handle(&app, event.request()).await).0,
        200
    );
    let response = activity::handle(&app, badge.header("If-None-Match", &tag).request()).await;
    assert_eq!(response.status(), 200);
}
