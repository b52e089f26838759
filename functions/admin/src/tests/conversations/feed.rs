//! The staff feed's filters over order and customer conversations.

use super::*;

#[tokio::test]
async fn staff_narrow_the_feed_by_customer_kind_and_status() {
    let stack = TestApp::start(TENANT).await;
    stack.vendor("vendor-9").await;
    testkit::seed::patient(&stack.store, TENANT, "buyer-1", "rex").await;
    let host = Claims::service(TENANT, "marketplace");
    let (_, opened) = stack
        .call(handle, open_conversation(&host, order_1042()))
        .await;
    let order = opened["id"].as_str().unwrap().to_owned();
    let staff = Claims::staff(TENANT, "s1");
    for body in [
        json!({"customer_id": "buyer-1", "message": "Welcome"}),
        json!({"customer_id": "buyer-1", "patient_id": "rex", "message": "Rex's file"}),
        json!({"customer_id": "buyer-2", "message": "Welcome"}),
    ] {
        let event = ApiEvent::new("POST", "/messages").claims(&staff).json(body);
        assert_eq!(
            read_response(send::handle(&stack.app(), event.request()).await).0,
            201
        );
    }
    assert_eq!(
        stack
            .call(handle, close_conversation(&host, &order))
            .await
            .0,
        200
    );
    let feed = |query: &[(&str, &str)], claims: &Claims| {
        let mut event = ApiEvent::new("GET", "/messages/activity").claims(claims);
        for (name, value) in query {
            event = event.query(name, value);
        }
        let app = stack.app();
        async move { read_response(activity::handle(&app, event.request()).await) }
    };
    let subjects = |page: &Value| -> Vec<String> {
        page["conversations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                format!(
                    "{}/{}",
                    c["customer_id"].as_str().unwrap(),
                    c["subject"].as_str().unwrap()
                )
            })
            .collect()
    };
    for (query, expected) in [
        (vec![("kind", "order")], vec!["buyer-1/order:1042"]),
        (vec![("status", "closed")], vec!["buyer-1/order:1042"]),
        (
            vec![("kind", "general")],
            vec!["buyer-2/general", "buyer-1/general"],
        ),
        (
            vec![("customer_id", "buyer-1")],
            vec![
                "buyer-1/order:1042",
                "buyer-1/patient:rex",
                "buyer-1/general",
            ],
        ),
        (
            vec![("customer_id", "buyer-1"), ("kind", "patient")],
            vec!["buyer-1/patient:rex"],
        ),
        (
            vec![
                ("customer_id", "buyer-1"),
                ("status", "open"),
                ("limit", "1"),
            ],
            vec!["buyer-1/patient:rex"],
        ),
    ] {
        let (status, page) = feed(&query, &staff).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(subjects(&page), expected, "{query:?}");
    }
    for query in [
        vec![("kind", "pets")],
        vec![("status", "archived")],
        vec![("customer_id", "a b")],
    ] {
        assert_eq!(feed(&query, &staff).await.0, 400, "{query:?}");
    }
    let buyer = Claims::customer(TENANT, "buyer-contact", "buyer-1");
    let (status, body) = feed(&[("customer_id", "buyer-2")], &buyer).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_filter"))
    );
    let (status, page) = feed(&[("kind", "order")], &buyer).await;
    assert_eq!(
        (status, subjects(&page)),
        (200, vec!["buyer-1/order:1042".to_owned()])
    );
}
