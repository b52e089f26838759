use serde_json::{json, Value};
use shared::domain::ids::TenantId;
use shared::domain::{ConversationId, Subject};
use shared::store::MessageStore;
use testkit::app::{
    close_conversation, find_conversation, message_in, open_conversation, order_1042,
};
use testkit::{read_response, ApiEvent, Claims, TestApp};

use crate::handle;

pub(super) const TENANT: &str = "market-a";

#[tokio::test]
async fn the_host_opens_one_conversation_per_order_and_opening_again_finds_it() {
    let stack = TestApp::start(TENANT).await;
    stack.vendor("vendor-9").await;
    let host = Claims::service(TENANT, "marketplace");
    stack.requests.reset();
    let (status, opened) = stack
        .call(handle, open_conversation(&host, order_1042()))
        .await;
    assert_eq!(status, 201, "{opened}");
    // Settings, the participants' profiles, one transaction, the header read back.
    assert_eq!(stack.requests.total(), 4);
    assert_eq!(opened["title"], "Order #1042");
    assert_eq!(opened["kind"], "order");
    assert_eq!(opened["order_id"], "1042");
    assert_eq!(opened["status"], "open");
    assert_eq!(opened["participants"], json!(["vendor-9"]));
    assert_eq!(opened["admin_can_write"], false);
    assert_eq!(opened["unread_count"], 0, "opening is silent");

    let (status, again) = stack
        .call(handle, open_conversation(&host, order_1042()))
        .await;
    assert_eq!((status, &again["id"]), (200, &opened["id"]));
    let mut other_title = order_1042();
    other_title["title"] = "Order 1042 (gift)".into();
    let mut other_buyer = order_1042();
    other_buyer["customer_id"] = "buyer-2".into();
    for body in [other_title, other_buyer] {
        let (status, refused) = stack.call(handle, open_conversation(&host, body)).await;
        assert_eq!(
            (status, refused["error"]["code"].as_str()),
            (409, Some("order_conversation_exists"))
        );
    }
    let conversation = ConversationId::new("buyer-1", Subject::Order("1042".into()));
    let page = stack
        .store
        .thread_page(&TenantId::from(TENANT), &conversation, None, 10, None)
        .await
        .unwrap();
    assert_eq!(page.messages.len(), 1, "one opening, whatever the retries");
    assert_eq!(page.messages[0].message, "Order #1042 opened.");
    assert!(stack
        .store
        .thread_page(
            &TenantId::from(TENANT),
            &ConversationId::new("buyer-2", Subject::Order("1042".into())),
            None,
            10,
            None
        )
        .await
        .unwrap()
        .header
        .is_none());
}

#[tokio::test]
async fn the_order_id_finds_the_conversation_for_those_who_may_read_it() {
    let stack = TestApp::start(TENANT).await;
    stack.vendor("vendor-9").await;
    let host = Claims::service(TENANT, "marketplace");
    let (_, opened) = stack
        .call(handle, open_conversation(&host, order_1042()))
        .await;
    for claims in [
        host.clone(),
        Claims::admin(TENANT, "a1"),
        Claims::staff(TENANT, "s1"),
        Claims::basic_staff(TENANT, "vendor-9"),
        Claims::customer(TENANT, "buyer-contact", "buyer-1"),
    ] {
        let (status, found) = stack.call(handle, find_conversation(&claims, "1042")).await;
        assert_eq!((status, &found["id"]), (200, &opened["id"]), "{claims:?}");
    }
    for claims in [
        Claims::basic_staff(TENANT, "vendor-7"),
        Claims::customer(TENANT, "someone", "buyer-2"),
        Claims::service("market-b", "marketplace"),
    ] {
        assert_eq!(
            stack
                .call(handle, find_conversation(&claims, "1042"))
                .await
                .0,
            404,
            "{claims:?}"
        );
    }
    assert_eq!(
        stack.call(handle, find_conversation(&host, "9999")).await.0,
        404
    );
    let (status, body) = stack
        .call(handle, ApiEvent::new("GET", "/conversations").claims(&host))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("missing_field"))
    );
    assert_eq!(
        stack
            .call(handle, find_conversation(&host, "not valid"))
            .await
            .0,
        400
    );
}

#[tokio::test]
async fn closing_keeps_it_readable_and_refuses_every_write() {
    let stack = TestApp::start(TENANT).await;
    stack.vendor("vendor-9").await;
    let host = Claims::service(TENANT, "marketplace");
    let (_, opened) = stack
        .call(handle, open_conversation(&host, order_1042()))
        .await;
    let id = opened["id"].as_str().unwrap().to_owned();
    let staff = Claims::staff(TENANT, "s1");
    let (status, _) = read_response(
        send::handle(&stack.app(), message_in(&staff, &id, "Shipped").request()).await,
    );
    assert_eq!(status, 201);

    stack.requests.reset();
    let (status, closed) = stack.call(handle, close_conversation(&host, &id)).await;
    assert_eq!(status, 200, "{closed}");
    // Settings (this container has not read them yet), one transaction, the header and
    // the order's entry read back.
    assert_eq!(stack.requests.total(), 4);
    assert_eq!(closed["status"], "closed");
    let (status, refused) = read_response(
        send::handle(
            &stack.app(),
            message_in(&staff, &id, "One more thing").request(),
        )
        .await,
    );
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (409, Some("conversation_closed"))
    );
    let (status, again) = stack.call(handle, close_conversation(&host, &id)).await;
    assert_eq!(
        (status, again["error"]["code"].as_str()),
        (409, Some("conversation_closed"))
    );
    let (status, found) = stack.call(handle, find_conversation(&host, "1042")).await;
    assert_eq!((status, &found["status"]), (200, &json!("closed")));

    // Any conversation closes, not only orders: the buyer's general thread too.
    let general = ConversationId::new("buyer-1", Subject::General).encode();
    assert_eq!(
        stack
            .call(handle, close_conversation(&host, &general))
            .await
            .0,
        404,
        "not started"
    );
    let welcome = ApiEvent::new("POST", "/messages")
        .claims(&staff)
        .json(json!({"customer_id": "buyer-1", "message": "Welcome"}));
    let (status, _) = read_response(send::handle(&stack.app(), welcome.request()).await);
    assert_eq!(status, 201);
    let admin = Claims::admin(TENANT, "a1");
    let (status, closed) = stack
        .call(handle, close_conversation(&admin, &general))
        .await;
    assert_eq!(
        (status, &closed["status"]),
        (200, &json!("closed")),
        "{closed}"
    );
    assert!(closed.get("participants").is_none());
    let (status, refused) = read_response(
        send::handle(
            &stack.app(),
            message_in(&staff, &general, "Hello?").request(),
        )
        .await,
    );
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (409, Some("conversation_closed"))
    );
    let unknown = ConversationId::new("buyer-1", Subject::Order("7".into())).encode();
    assert_eq!(
        stack
            .call(handle, close_conversation(&host, &unknown))
            .await
            .0,
        404
    );
    assert_eq!(
        stack
            .call(handle, close_conversation(&host, "not-an-id"))
            .await
            .0,
        404
    );
    assert_eq!(
        stack
            .call(
                handle,
                close_conversation(&Claims::service("market-b", "m"), &id)
            )
            .await
            .0,
        404,
        "another tenant's id"
    );
}

#[tokio::test]
async fn only_the_host_and_admins_open_and_close_and_bad_bodies_store_nothing() {
    let stack = TestApp::start(TENANT).await;
    stack.vendor("vendor-9").await;
    let id = ConversationId::new("buyer-1", Subject::Order("1042".into())).encode();
    for claims in [
        Claims::staff(TENANT, "s1"),
        Claims::basic_staff(TENANT, "vendor-9"),
        Claims::customer(TENANT, "buyer-contact", "buyer-1"),
    ] {
        assert_eq!(
            stack
                .call(handle, open_conversation(&claims, order_1042()))
                .await
                .0,
            403
        );
        assert_eq!(
            stack.call(handle, close_conversation(&claims, &id)).await.0,
            403
        );
    }
    let admin = Claims::admin(TENANT, "a1");
    let bad = [
        (
            json!({"customer_id": "buyer-1", "order_id": "1042"}),
            "missing_field",
        ),
        (
            json!({"customer_id": "buyer-1", "order_id": "1042", "title": "<b>Order</b>"}),
            "invalid_field",
        ),
        (
            json!({"customer_id": "buyer-1", "order_id": "1042", "title": "Order\u{0007}"}),
            "invalid_field",
        ),
        (
            json!({"customer_id": "buyer 1", "order_id": "1042", "title": "Order"}),
            "invalid_id",
        ),
        (
            json!({"customer_id": "buyer-1", "order_id": "1042", "title": "Order", "participants": ["nobody"]}),
            "unknown_participant",
        ),
        (
            json!({"customer_id": "buyer-1", "order_id": "1042", "title": "Order", "color": "red"}),
            "unknown_field",
        ),
    ];
    for (body, code) in bad {
        let (status, answer) = stack
            .call(handle, open_conversation(&admin, body.clone()))
            .await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (400, Some(code)),
            "{body}"
        );
    }
    assert_eq!(
        stack
            .call(handle, find_conversation(&admin, "1042"))
            .await
            .0,
        404,
        "nothing stored"
    );
}

#[tokio::test]
async fn admins_observe_an_order_unless_the_host_lets_them_write() {
    let stack = TestApp::start(TENANT).await;
    stack.vendor("vendor-9").await;
    let host = Claims::service(TENANT, "marketplace");
    let admin = Claims::admin(TENANT, "a1");
    let (_, observed) = stack
        .call(handle, open_conversation(&host, order_1042()))
        .await;
    let observed = observed["id"].as_str().unwrap().to_owned();
    let (status, refused) = read_response(
        send::handle(
            &stack.app(),
            message_in(&admin, &observed, "Hello").request(),
        )
        .await,
    );
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (403, Some("observe_only"))
    );
    let upload = ApiEvent::new("POST", "/attachments").claims(&admin).json(json!({
        "conversation_id": observed, "name": "a.pdf", "content_type": "application/pdf", "size": 10,
    }));
    let (status, refused) = read_response(send::handle(&stack.app(), upload.request()).await);
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (403, Some("observe_only")),
        "nor upload"
    );

    let mut writable = order_1042();
    writable["order_id"] = "1043".into();
    writable["admin_can_write"] = true.into();
    let (_, writable) = stack.call(handle, open_conversation(&host, writable)).await;
    let writable = writable["id"].as_str().unwrap().to_owned();
    let (status, _) = read_response(
        send::handle(
            &stack.app(),
            message_in(&admin, &writable, "Hello").request(),
        )
        .await,
    );
    assert_eq!(status, 201);
}

mod participants;

mod feed;
