//! Who takes part in an order: access, feed and badge, joining and leaving, and the staff feed's filters.

use super::*;
use shared::domain::ids::{OrderId, TenantId};
use testkit::app::conversation_thread;

#[tokio::test]
async fn participants_and_the_buyer_talk_and_other_basic_staff_see_nothing() {
    let stack = TestApp::start(TENANT).await;
    stack.vendor("vendor-9").await;
    stack.vendor("vendor-7").await;
    let host = Claims::service(TENANT, "marketplace");
    let (_, opened) = stack
        .call(handle, open_conversation(&host, order_1042()))
        .await;
    let id = opened["id"].as_str().unwrap().to_owned();
    // vendor-7 is assigned the buyer's account, but takes no part in this order.
    let (status, _) = stack
        .call(
            handle,
            ApiEvent::new("PUT", "/staff/{user_id}/assignments/{customer_id}")
                .claims(&host)
                .path_param("user_id", "vendor-7")
                .path_param("customer_id", "buyer-1"),
        )
        .await;
    assert_eq!(status, 200);
    let thread = |claims: &Claims| conversation_thread(claims, &id);
    let vendor = Claims::basic_staff(TENANT, "vendor-9");
    let buyer = Claims::customer(TENANT, "buyer-contact", "buyer-1");
    for (claims, text) in [(&vendor, "Your order ships today"), (&buyer, "Thanks!")] {
        let (status, body) = read_response(
            send::handle(&stack.app(), message_in(claims, &id, text).request()).await,
        );
        assert_eq!(status, 201, "{body}");
    }
    let (status, page) =
        read_response(thread::handle(&stack.app(), thread(&vendor).request()).await);
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["messages"].as_array().unwrap().len(), 3);
    assert!(page["messages"][0].get("read_by").is_none());

    // Admins see who read each message: the buyer read the vendor's (they answered).
    testkit::seed::contact(
        &stack.store,
        TENANT,
        "buyer-1",
        "buyer-contact",
        "b@example.com",
        None,
    )
    .await;
    let admin = Claims::admin(TENANT, "a1");
    let (status, page) = read_response(
        thread::handle(
            &stack.app(),
            thread(&admin).query("read_by", "true").request(),
        )
        .await,
    );
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        page["messages"][0]["read_by"],
        json!([]),
        "the vendor has not read the buyer's answer"
    );
    assert_eq!(
        page["messages"][1]["read_by"],
        json!(["buyer-contact"]),
        "{page}"
    );
    assert_eq!(page["messages"][2]["read_by"], json!([]));
    // The vendor sees the buyer's receipt on their own message, never the staff side's.
    let (status, page) = read_response(
        thread::handle(
            &stack.app(),
            thread(&vendor).query("read_by", "true").request(),
        )
        .await,
    );
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["messages"][1]["read_by"], json!(["buyer-contact"]));
    assert!(
        page["readers"]["buyer-contact"].is_string(),
        "the vendor can name who read it: {page}"
    );
    assert_eq!(page["messages"][0]["read_by"], json!([]), "{page}");
    let (status, _) = read_response(
        thread::handle(
            &stack.app(),
            thread(&buyer).query("read_by", "true").request(),
        )
        .await,
    );
    assert_eq!(status, 403, "customers see receipts without names");
    let outsider = Claims::basic_staff(TENANT, "vendor-7");
    let (status, _) =
        read_response(thread::handle(&stack.app(), thread(&outsider).request()).await);
    assert_eq!(status, 404);
    let (status, _) =
        read_response(send::handle(&stack.app(), message_in(&outsider, &id, "Hi").request()).await);
    assert_eq!(status, 404);

    // The vendor's feed and badge hold the order; the outsider's do not, though the
    // buyer's account is assigned to them.
    let feed = |claims: &Claims| ApiEvent::new("GET", "/messages/activity").claims(claims);
    let badge = |claims: &Claims| ApiEvent::new("GET", "/messages/unread").claims(claims);
    let (status, page) =
        read_response(activity::handle(&stack.app(), feed(&vendor).request()).await);
    assert_eq!(status, 200, "{page}");
    let ids: Vec<&str> = page["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(ids, [id.as_str()]);
    let (_, counts) = read_response(activity::handle(&stack.app(), badge(&vendor).request()).await);
    assert_eq!(counts["total_unread"], 1, "{counts}");
    let (_, page) = read_response(activity::handle(&stack.app(), feed(&outsider).request()).await);
    assert_eq!(page["conversations"], json!([]));
    let (_, counts) =
        read_response(activity::handle(&stack.app(), badge(&outsider).request()).await);
    assert_eq!(counts["total_unread"], 0, "{counts}");
}

fn participant(method: &str, claims: &Claims, id: &str, user: &str) -> ApiEvent {
    ApiEvent::new(method, "/conversations/{id}/participants/{user_id}")
        .claims(claims)
        .path_param("id", id)
        .path_param("user_id", user)
}

#[tokio::test]
async fn participants_join_and_leave_with_a_note_in_the_thread_and_access_follows() {
    let stack = TestApp::start(TENANT).await;
    stack.vendor("vendor-9").await;
    stack.vendor("helper").await;
    let host = Claims::service(TENANT, "marketplace");
    let (_, opened) = stack
        .call(handle, open_conversation(&host, order_1042()))
        .await;
    let id = opened["id"].as_str().unwrap().to_owned();
    let helper = Claims::basic_staff(TENANT, "helper");
    let thread = |claims: &Claims| conversation_thread(claims, &id);
    let reads = |claims: Claims| {
        let event = thread(&claims);
        let app = stack.app();
        async move { read_response(thread::handle(&app, event.request()).await).0 }
    };
    assert_eq!(reads(helper.clone()).await, 404);

    let (status, joined) = stack
        .call(handle, participant("PUT", &host, &id, "helper"))
        .await;
    assert_eq!(status, 200, "{joined}");
    assert_eq!(joined["participants"], json!(["helper", "vendor-9"]));
    let (status, again) = stack
        .call(handle, participant("PUT", &host, &id, "helper"))
        .await;
    assert_eq!(
        (status, &again["participants"]),
        (200, &joined["participants"])
    );
    assert_eq!(reads(helper.clone()).await, 200);

    let (status, _) = stack
        .call(
            handle,
            participant("DELETE", &Claims::admin(TENANT, "a1"), &id, "helper"),
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(reads(helper.clone()).await, 404);
    assert_eq!(
        stack
            .call(handle, participant("DELETE", &host, &id, "helper"))
            .await
            .0,
        404
    );

    let conversation = ConversationId::new("buyer-1", Subject::Order("1042".into()));
    let notes: Vec<String> = stack
        .store
        .thread_page(&TenantId::from(TENANT), &conversation, None, 10, None)
        .await
        .unwrap()
        .messages
        .into_iter()
        .map(|m| m.content.message)
        .collect();
    assert_eq!(
        notes,
        [
            "Vendor helper left the conversation.",
            "Vendor helper joined the conversation.",
            "Order #1042 opened."
        ]
    );

    let (status, body) = stack
        .call(handle, participant("PUT", &host, &id, "nobody"))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("unknown_participant"))
    );
    for claims in [Claims::staff(TENANT, "s1"), helper.clone()] {
        assert_eq!(
            stack
                .call(handle, participant("PUT", &claims, &id, "helper"))
                .await
                .0,
            403
        );
    }
    assert_eq!(
        stack
            .call(
                handle,
                participant("PUT", &Claims::service("market-b", "m"), &id, "helper")
            )
            .await
            .0,
        404
    );
    let general = ConversationId::new("buyer-1", Subject::General).encode();
    assert_eq!(
        stack
            .call(handle, participant("PUT", &host, &general, "helper"))
            .await
            .0,
        404
    );
    assert_eq!(
        stack.call(handle, close_conversation(&host, &id)).await.0,
        200
    );
    let (status, body) = stack
        .call(handle, participant("PUT", &host, &id, "helper"))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("conversation_closed"))
    );
}

/// A vendor removed from the directory reaches nothing with a token still valid, and a
/// person re-created with the same id inherits none of their orders.
#[tokio::test]
async fn a_removed_vendor_reaches_nothing_and_a_re_created_one_inherits_nothing() {
    let stack = TestApp::start(TENANT).await;
    stack.vendor("vendor-9").await;
    let host = Claims::service(TENANT, "marketplace");
    let (_, open_order) = stack
        .call(handle, open_conversation(&host, order_1042()))
        .await;
    let open_id = open_order["id"].as_str().unwrap().to_owned();
    let mut earlier = order_1042();
    earlier["order_id"] = json!("1041");
    let (_, closed_order) = stack.call(handle, open_conversation(&host, earlier)).await;
    let closed_id = closed_order["id"].as_str().unwrap().to_owned();
    assert_eq!(
        stack
            .call(handle, close_conversation(&host, &closed_id))
            .await
            .0,
        200
    );
    let vendor_9 = Claims::basic_staff(TENANT, "vendor-9");
    let thread = |id: &str| conversation_thread(&vendor_9, id);
    let status_of = |event: ApiEvent| {
        let app = stack.app();
        async move { read_response(thread::handle(&app, event.request()).await).0 }
    };
    assert_eq!(status_of(thread(&open_id)).await, 200);
    assert_eq!(
        status_of(thread(&closed_id)).await,
        200,
        "a closed order stays readable"
    );

    let remove = ApiEvent::new("DELETE", "/staff/{user_id}")
        .claims(&host)
        .path_param("user_id", "vendor-9");
    assert_eq!(stack.call(handle, remove).await.0, 204);
    let order = stack
        .store
        .order_conversation(&TenantId::from(TENANT), &OrderId::from("1042"))
        .await
        .unwrap()
        .unwrap();
    assert!(order.participants.is_empty(), "{order:?}");
    reaches_nothing(&stack, &[&open_id, &closed_id], "removed").await;
    // The same id again: a new person, none of the old orders.
    stack.vendor("vendor-9").await;
    reaches_nothing(&stack, &[&open_id, &closed_id], "re-created").await;
    let mut later = order_1042();
    later["order_id"] = json!("1043");
    let (_, new_order) = stack.call(handle, open_conversation(&host, later)).await;
    let new_id = new_order["id"].as_str().unwrap().to_owned();
    assert_eq!(status_of(thread(&new_id)).await, 200);
}

/// vendor-9 reads and writes none of `orders`, and their inbox is empty.
async fn reaches_nothing(stack: &TestApp, orders: &[&str], label: &str) {
    let app = stack.app();
    let vendor_9 = Claims::basic_staff(TENANT, "vendor-9");
    for id in orders {
        let page = conversation_thread(&vendor_9, id);
        let (status, _) = read_response(thread::handle(&app, page.request()).await);
        assert_eq!(status, 404, "{label}: reading {id}");
        let (status, body) = read_response(
            send::handle(&app, message_in(&vendor_9, id, "still here?").request()).await,
        );
        assert_eq!(status, 404, "{label}: {body}");
    }
    let feed = ApiEvent::new("GET", "/messages/activity").claims(&vendor_9);
    let (status, body) = read_response(activity::handle(&app, feed.request()).await);
    assert_eq!(
        (status, &body["conversations"]),
        (200, &json!([])),
        "{label}"
    );
}
