//! Basic staff, refusals, foreign tenants, modes and bad input.

use super::*;
use testkit::app::conversation_thread;

#[tokio::test]
async fn basic_staff_see_assigned_customers_only_until_the_assignment_ends() {
    let stack = TestApp::start(TENANT).await;
    let basic = Claims::basic_staff(TENANT, "b1");
    for customer in ["c1", "c2", "c3"] {
        stack
            .send_as(
                send::handle,
                &Claims::customer(TENANT, &format!("p-{customer}"), customer),
                json!({"message": format!("hello from {customer}")}),
            )
            .await;
    }
    assign(&stack, "b1", "c1", Some(&hours_from_now(8))).await;
    assign(&stack, "b1", "c2", Some(&hours_from_now(-1))).await;

    assert_eq!(customers(&feed(&stack, &basic, &[]).await), ["c1"]);
    let counts = badge(&stack, &basic).await;
    assert_eq!(counts["total_unread"], 1);
    assert_eq!(counts["conversations"][0]["customer_id"], "c1");
    assert_eq!(
        thread_unread(&stack, &basic, &general("c1").encode()).await,
        1
    );
    stack
        .send_as(
            send::handle,
            &basic,
            json!({"customer_id": "c1", "message": "See you at 3"}),
        )
        .await;

    for customer in ["c2", "c3"] {
        let event = conversation_thread(&basic, &general(customer).encode());
        let (status, _) = read_response(thread::handle(&stack.app(), event.request()).await);
        assert_eq!(status, 404, "{customer} is not theirs");
        let event = ApiEvent::new("POST", "/messages")
            .claims(&basic)
            .json(json!({"customer_id": customer, "message": "hi"}));
        let (status, _) = read_response(send::handle(&stack.app(), event.request()).await);
        assert_eq!(status, 404);
        let event = ApiEvent::new("POST", "/messages/read")
            .claims(&basic)
            .json(json!({"customer_id": customer}));
        let (status, _) = read_response(mark_read::handle(&stack.app(), event.request()).await);
        assert_eq!(status, 404);
    }

    // The schedule ends: everything of c1 is gone for them.
    assign(&stack, "b1", "c1", Some(&hours_from_now(-1))).await;
    assert_eq!(
        customers(&feed(&stack, &basic, &[]).await),
        Vec::<String>::new()
    );
    assert_eq!(badge(&stack, &basic).await["total_unread"], 0);
    let event = conversation_thread(&basic, &general("c1").encode());
    let (status, _) = read_response(thread::handle(&stack.app(), event.request()).await);
    assert_eq!(status, 404);
}

#[tokio::test]
async fn refusals_foreign_tenants_modes_and_bad_input() {
    let stack = TestApp::start(TENANT).await;
    let staff = Claims::staff(TENANT, "s1");
    stack
        .send_as(
            send::handle,
            &Claims::customer(TENANT, "p1", "c1"),
            json!({"message": "hi"}),
        )
        .await;
    let app = stack.app();

    for route in ["/messages/activity", "/messages/unread"] {
        let event = ApiEvent::new("GET", route).anonymous();
        let (status, _) = read_response(handle(&app, event.request()).await);
        assert_eq!(status, 401);
        let event = ApiEvent::new("GET", route).claims(&Claims::new(TENANT, "x", "janitor"));
        let (status, _) = read_response(handle(&app, event.request()).await);
        assert_eq!(status, 401, "an unknown role is no identity");
    }

    let cursor_of_s2 = {
        for i in 0..3 {
            stack
                .send_as(
                    send::handle,
                    &Claims::customer(TENANT, "p9", &format!("x{i}")),
                    json!({"message": "hi"}),
                )
                .await;
        }
        let page = feed(&stack, &Claims::staff(TENANT, "s2"), &[("limit", "1")]).await;
        page["next_cursor"].as_str().unwrap().to_owned()
    };
    for (query, code) in [
        (vec![("limit", "0")], "invalid_limit"),
        (vec![("limit", "101")], "invalid_limit"),
        (vec![("limit", "ten")], "invalid_limit"),
        (vec![("cursor", "not-a-cursor")], "invalid_cursor"),
        (vec![("cursor", cursor_of_s2.as_str())], "invalid_cursor"),
        (vec![("unread", "maybe")], "invalid_filter"),
        (vec![("customer", "c1")], "invalid_filter"),
        (vec![("kind", "pets")], "invalid_filter"),
    ] {
        let (status, body) = feed_with(&app, &staff, &query).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some(code)),
            "{query:?}"
        );
    }
    let event = ApiEvent::new("GET", "/messages/unread")
        .claims(&staff)
        .query("limit", "5");
    let (status, _) = read_response(handle(&app, event.request()).await);
    assert_eq!(status, 400);

    // Another tenant's staff and a same-named customer there see nothing of this one.
    for outsider in [
        Claims::staff("clinic-b", "s1"),
        Claims::customer("clinic-b", "p1", "c1"),
    ] {
        assert_eq!(
            customers(&feed(&stack, &outsider, &[]).await),
            Vec::<String>::new()
        );
        let badge = badge(&stack, &outsider).await;
        assert_eq!(badge["total_unread"], 0);
    }

    for (mode, status) in [
        (MessagingMode::ReadOnly, 200),
        (MessagingMode::Disabled, 403),
    ] {
        let settings = Settings {
            mode,
            ..Settings::default()
        };
        stack.set_settings(TENANT, &settings).await;
        let (feed_status, body) = feed_with(&stack.app(), &staff, &[]).await;
        let (badge_status, _) = badge_with(&stack.app(), &staff).await;
        assert_eq!((feed_status, badge_status), (status, status), "{body}");
        if status == 403 {
            assert_eq!(body["error"]["code"], "messaging_disabled");
        }
    }
}
