//! Costs that must not grow with an account's history, a vendor's past orders or the
//! tenant's size: each operation measured at a small and a large size (`scale=` lines),
//! the large asserted equal to the small (a page of 20 against a page of 20: a page reads
//! a page, so an account of one conversation is printed beside them, not compared).

use shared::domain::Side;

use super::*;
use testkit::app::conversation_thread;

const VENDOR: &str = "b7e4c1a9-2f6d-4e8b-9c3a-5d1f7e9b3c2a";

fn vendor() -> Claims {
    Claims::basic_staff(TENANT, VENDOR)
}

fn within(name: &str, cost: &Cost, requests: usize, rru: f64, wru: f64) {
    assert!(
        cost.requests <= requests && cost.rru <= rru && cost.wru <= wru,
        "{name}: {cost:?} is over {requests} requests, {rru} RRU, {wru} WRU"
    );
}

/// A customer's feed page, badge, unchanged badge and matched inbound text in an account
/// of `conversations`: the newest is the general thread staff just wrote in, the others
/// are closed orders the contact has read.
async fn customer_costs(conversations: usize) -> [Cost; 4] {
    let stack = TestStack::start().await;
    directory(&stack).await;
    let history = conversations - 1;
    let readers = [(Side::Customer, CONTACT)];
    seed::order_history(&stack.store, TENANT, CUSTOMER, "h", history, &readers).await;
    let app = stack.app();
    for _ in 0..3 {
        post(&app, &staff(), None).await;
    }
    let label = format!("scale={conversations}");
    let feed = ApiEvent::new("GET", "/messages/activity").claims(&customer());
    let (page, (status, body)) = measure_as(&stack, "customer_feed", &label, true, async {
        read_response(activity::handle(&app, feed.request()).await)
    })
    .await;
    assert_eq!(status, 200, "{body}");
    let rows = body["conversations"].as_array().unwrap();
    assert_eq!(rows.len(), conversations.min(20));
    assert_eq!(rows[0]["unread_count"], 3, "the general thread is on top");

    let unread = ApiEvent::new("GET", "/messages/unread").claims(&customer());
    let (badge, body, unchanged) =
        measure_badge(&stack, &app, "customer_badge", &label, unread).await;
    assert_eq!(body["total_unread"], json!(3), "{body}");

    let text = measure_sms_inbound(&stack, &label).await;
    [page, badge, unchanged, text]
}

/// Also the buyer: 500 conversations cost a customer what 20 do, and the unchanged
/// badge and an inbound text what one does.
#[tokio::test]
async fn a_customer_account_costs_the_same_with_1_20_and_500_conversations() {
    let one = customer_costs(1).await;
    let twenty = customer_costs(20).await;
    let many = customer_costs(500).await;
    for costs in [&one, &twenty, &many] {
        within("customer_feed", &costs[0], 2, 12.0, 0.0);
        // The badge counts every conversation of the account up to the window the
        // staff badge reads (1,000): bounded by the window, not flat below it.
        within("customer_badge", &costs[1], 4, 80.0, 0.0);
        within("customer_badge_unchanged", &costs[2], 2, 2.0, 0.0);
        within("sms_inbound", &costs[3], 4, 5.0, 10.0);
    }
    assert_eq!(twenty[0], many[0], "a page reads a page");
    assert_eq!(one[2], many[2], "an unchanged badge");
    assert_eq!(one[3], many[3], "an inbound text");
}

/// Opens order `o{i}` of buyer `buyer-{i}` with the vendor taking part, and the buyer
/// writes in it: unread for the vendor.
async fn open_order(stack: &TestStack, i: usize) -> String {
    let app = stack.app();
    let host = Claims::service(TENANT, "marketplace");
    let open = open_conversation(
        &host,
        json!({
            "customer_id": format!("buyer-{i}"),
            "order_id": format!("o{i}"),
            "title": format!("Order o{i}"),
            "participants": [VENDOR],
        }),
    );
    let (status, body) = read_response(admin::handle(&app, open.request()).await);
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_str().unwrap().to_owned();
    let buyer = Claims::customer(TENANT, &format!("bc-{i}"), &format!("buyer-{i}"));
    let message = ApiEvent::new("POST", "/messages")
        .claims(&buyer)
        .json(json!({"conversation_id": id, "message": text()}));
    let (status, body) = read_response(send::handle(&app, message.request()).await);
    assert_eq!(status, 201, "{body}");
    id
}

/// A vendor's feed, badge, opening an order's thread (the access check) and a send into
/// it, with `open` orders in progress and `closed` finished ones they read.
async fn vendor_costs(open: usize, closed: usize) -> [Cost; 4] {
    let stack = TestStack::start().await;
    seed::vendor(&stack.store, TENANT, VENDOR).await;
    let readers = [(Side::Staff, VENDOR)];
    seed::order_history(&stack.store, TENANT, "buyer-h", "h", closed, &readers).await;
    let mut orders = Vec::new();
    for i in 0..open {
        orders.push(open_order(&stack, i).await);
    }
    let app = stack.app();
    // A warm container: the settings are cached.
    let feed = ApiEvent::new("GET", "/messages/activity").claims(&vendor());
    read_response(activity::handle(&app, feed.request()).await);

    let label = format!("scale={}", open + closed);
    let (page, (status, body)) = measure_as(&stack, "vendor_feed", &label, true, async {
        read_response(activity::handle(&app, feed.request()).await)
    })
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["conversations"].as_array().unwrap().len(), open);

    let unread = ApiEvent::new("GET", "/messages/unread").claims(&vendor());
    let (badge, (status, body)) = measure_as(&stack, "vendor_badge", &label, true, async {
        read_response(activity::handle(&app, unread.request()).await)
    })
    .await;
    assert_eq!(
        (status, &body["total_unread"]),
        (200, &json!(open)),
        "{body}"
    );

    let thread = conversation_thread(&vendor(), &orders[0]);
    let (access, (status, body)) = measure_as(&stack, "vendor_thread_page", &label, true, async {
        read_response(thread::handle(&app, thread.request()).await)
    })
    .await;
    assert_eq!(status, 200, "{body}");

    let reply = ApiEvent::new("POST", "/messages")
        .claims(&vendor())
        .json(json!({"conversation_id": orders[0], "message": text()}));
    let (send, (status, body)) = measure_as(&stack, "vendor_send", &label, true, async {
        read_response(send::handle(&app, reply.request()).await)
    })
    .await;
    assert_eq!(status, 201, "{body}");
    [page, badge, access, send]
}

/// Also the vendor: in 5,000 orders of which 4,990 closed, they pay what a vendor
/// with the same 10 open orders and no past pays (closed orders left their active set).
#[tokio::test]
async fn a_vendor_in_5000_orders_costs_what_their_open_orders_cost() {
    let one = vendor_costs(1, 0).await;
    let fresh = vendor_costs(10, 0).await;
    let seasoned = vendor_costs(10, 4_990).await;
    for costs in [&one, &fresh, &seasoned] {
        // Basic staff read their reach (+1) and, for orders, the order's entry with their
        // profile (+1 request, 2 RRU: both strongly consistent).
        within("vendor_feed", &costs[0], 3, 12.0, 0.0);
        within("vendor_badge", &costs[1], 5, 80.0, 0.0);
        within("vendor_thread_page", &costs[2], 3, 6.0, 0.0);
        within("vendor_send", &costs[3], 2, 2.0, SEND_WRU + 1.0);
    }
    assert_eq!(fresh, seasoned);
    assert_eq!(one[2..], seasoned[2..], "opening and sending");
}

/// The vendor's badge and feed at a tenant of `conversations`, all newer than the one
/// order of theirs with an unread message.
async fn busy_tenant_costs(conversations: usize) -> [Cost; 2] {
    let stack = TestStack::start().await;
    seed::vendor(&stack.store, TENANT, VENDOR).await;
    let order = open_order(&stack, 0).await;
    seed::newer_conversations(&stack.store, TENANT, "busy-", conversations - 1).await;
    let app = stack.app();
    let label = format!("scale={conversations}");
    let unread = ApiEvent::new("GET", "/messages/unread").claims(&vendor());
    // A warm container: the settings are cached.
    read_response(activity::handle(&app, unread.request()).await);
    let (badge, (status, body)) = measure_as(&stack, "vendor_badge_busy", &label, true, async {
        read_response(activity::handle(&app, unread.request()).await)
    })
    .await;
    assert_eq!((status, &body["total_unread"]), (200, &json!(1)), "{body}");
    assert_eq!(body["conversations"][0]["conversation_id"], json!(order));
    let feed = ApiEvent::new("GET", "/messages/activity").claims(&vendor());
    let (page, (status, body)) = measure_as(&stack, "vendor_feed_busy", &label, true, async {
        read_response(activity::handle(&app, feed.request()).await)
    })
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["conversations"][0]["id"], json!(order));
    [badge, page]
}

/// A vendor's unread order older than the tenant's newest 1,000 conversations still
/// counts, and costs what it costs in a quiet tenant.
#[tokio::test]
async fn a_vendors_old_unread_order_counts_in_a_busy_tenant() {
    let quiet = busy_tenant_costs(1_200).await;
    let busy = busy_tenant_costs(20_000).await;
    assert_eq!(quiet, busy);
}
