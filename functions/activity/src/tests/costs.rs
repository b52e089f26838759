//! What a page and a badge cost, among thousands of items and for basic staff.

use super::*;
use testkit::app::conversation_thread;

#[tokio::test]
async fn a_page_costs_one_request_and_the_badge_two_among_thousands_of_items() {
    let stack = TestApp::start(TENANT).await;
    seed::other_tenants(&stack.store, 5_000).await;
    seed::conversations(&stack.store, TENANT, "quiet-", 40).await;
    seed::patient(&stack.store, TENANT, "c1", "bella").await;
    let staff = Claims::staff(TENANT, "s1");
    let owner = Claims::customer(TENANT, "p1", "c1");
    let basic = Claims::basic_staff(TENANT, "b1");
    stack
        .send_as(
            send::handle,
            &owner,
            json!({"message": "Is Bella due for shots?"}),
        )
        .await;
    stack
        .send_as(
            send::handle,
            &owner,
            json!({"patient_id": "bella", "message": "And her teeth?"}),
        )
        .await;
    assign(&stack, "b1", "c1", None).await;

    // One app: settings are cached per container, so they are read once.
    let app = stack.app();
    feed_with(&app, &staff, &[]).await;
    type Query<'a> = &'a [(&'a str, &'a str)];
    let cases: Vec<(&Claims, Query, usize)> = vec![
        (&staff, &[], 2),
        (&staff, &[("limit", "2")], 2),
        (&staff, &[("unread", "true")], 2),
        (&owner, &[], 2),
        (&owner, &[("unread", "true")], 2),
        (&basic, &[], 3),
    ];
    for (claims, query, budget) in cases {
        stack.requests.reset();
        let (status, body) = feed_with(&app, claims, query).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            stack.requests.total(),
            budget,
            "{:?} {query:?}: {:?}",
            claims,
            stack.requests.operations()
        );
        if let Some(cursor) = body["next_cursor"].as_str() {
            stack.requests.reset();
            let mut next: Vec<(&str, &str)> = query.to_vec();
            next.push(("cursor", cursor));
            assert_eq!(feed_with(&app, claims, &next).await.0, 200);
            assert_eq!(
                stack.requests.total(),
                budget,
                "the next page costs the same"
            );
        }
    }
    for (claims, budget, total) in [(&staff, 3, 42), (&owner, 3, 0), (&basic, 5, 2)] {
        stack.requests.reset();
        let (status, body) = badge_with(&app, claims).await;
        assert_eq!(status, 200, "{body}");
        assert!(
            stack.requests.total() <= budget,
            "{:?}: {:?}",
            claims,
            stack.requests.operations()
        );
        assert_eq!(body["total_unread"], total, "{claims:?}");
        assert_eq!(body["capped"], false);
    }
}

#[tokio::test]
async fn the_badge_of_a_very_busy_tenant_is_bounded_and_says_so() {
    let stack = TestApp::start(TENANT).await;
    seed::conversations(&stack.store, TENANT, "busy-", 1_100).await;
    let staff = Claims::staff(TENANT, "s1");
    stack
        .send_as(
            send::handle,
            &Claims::customer(TENANT, "p1", "c1"),
            json!({"message": "urgent"}),
        )
        .await;

    let app = stack.app();
    badge_with(&app, &staff).await;
    stack.requests.reset();
    let (status, body) = badge_with(&app, &staff).await;
    assert_eq!(status, 200);
    // Two windows of the feed, the caller's positions and their read clock.
    assert_eq!(
        stack.requests.total(),
        4,
        "{:?}",
        stack.requests.operations()
    );
    assert_eq!(body["capped"], true);
    assert_eq!(
        body["total_unread"], 1_000,
        "exact over the thousand most recent"
    );
    assert_eq!(body["conversations"][0]["customer_id"], "c1");

    let customer = badge(&stack, &Claims::customer(TENANT, "p-busy", "busy-7")).await;
    assert_eq!(
        (
            customer["total_unread"].as_u64(),
            customer["capped"].as_bool()
        ),
        (Some(0), Some(false)),
        "a customer's own messages are not unread for them"
    );
}

#[tokio::test]
async fn an_assigned_basic_staff_member_pays_one_read_more_per_operation() {
    let stack = TestApp::start(TENANT).await;
    seed::other_tenants(&stack.store, 1_000).await;
    let basic = Claims::basic_staff(TENANT, "b1");
    stack
        .send_as(
            send::handle,
            &Claims::customer(TENANT, "p1", "c1"),
            json!({"message": "hi"}),
        )
        .await;
    assign(&stack, "b1", "c1", Some(&hours_from_now(4))).await;
    let app = stack.app();
    feed_with(&app, &basic, &[]).await;

    stack.requests.reset();
    let event = conversation_thread(&basic, &general("c1").encode());
    assert_eq!(
        read_response(thread::handle(&app, event.request()).await).0,
        200
    );
    assert_eq!(stack.requests.operations(), ["GetItem", "Query", "GetItem"]);

    stack.requests.reset();
    let event = ApiEvent::new("POST", "/messages/read")
        .claims(&basic)
        .json(json!({"customer_id": "c1"}));
    assert_eq!(
        read_response(mark_read::handle(&app, event.request()).await).0,
        200
    );
    assert_eq!(
        stack.requests.operations(),
        ["GetItem", "UpdateItem", "UpdateItem", "UpdateItem"]
    );

    stack.requests.reset();
    let event = ApiEvent::new("POST", "/messages")
        .claims(&basic)
        .json(json!({"customer_id": "c1", "message": "See you at 3"}));
    assert_eq!(
        read_response(send::handle(&app, event.request()).await).0,
        201
    );
    assert_eq!(
        stack.requests.operations(),
        ["GetItem", "TransactWriteItems"]
    );
}
