//! Order conversations and patient threads: what opening, writing in and closing them cost.

use super::*;

#[tokio::test]
async fn opening_an_order_posting_events_and_closing_stay_within_their_budgets() {
    let stack = TestStack::start().await;
    let app = stack.app();
    let host = Claims::service(TENANT, "marketplace");
    for vendor in ["vendor-9", "ops"] {
        let event = ApiEvent::new("PUT", "/staff/{user_id}")
            .claims(&host)
            .path_param("user_id", vendor)
            .json(json!({"name": vendor, "role": "basic_staff"}));
        assert_eq!(
            read_response(admin::handle(&app, event.request()).await).0,
            200
        );
    }
    let open = |order: &str| {
        open_conversation(
            &host,
            json!({
                "customer_id": CUSTOMER,
                "order_id": order,
                "title": format!("Order #{order}"),
                "participants": ["vendor-9", "ops"],
            }),
        )
    };
    // Warm: the container has read the settings.
    assert_eq!(
        read_response(admin::handle(&app, open("1041").request()).await).0,
        201
    );
    let (opened, (status, body)) = measure(&stack, "order_open", 0, true, async {
        read_response(admin::handle(&app, open("1042").request()).await)
    })
    .await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_str().unwrap().to_owned();
    let (reopened, (status, _)) = measure(&stack, "order_open_again", 0, true, async {
        read_response(admin::handle(&app, open("1042").request()).await)
    })
    .await;
    assert_eq!(status, 200);
    let event = |body: Value| {
        ApiEvent::new("POST", "/conversations/{id}/events")
            .claims(&host)
            .path_param("id", &id)
            .json(body)
    };
    let (status_change, (status, body)) = measure(&stack, "order_event_status", 0, true, async {
        let body = json!({"type": "status_change", "metadata": {"old_status": "in_progress", "new_status": "delivered"}});
        read_response(send::handle(&app, event(body).request()).await)
    })
    .await;
    assert_eq!(status, 201, "{body}");
    let (delivery, (status, body)) = measure(&stack, "order_event_delivery", 0, true, async {
        let body = json!({"type": "delivery", "text": "v2", "metadata": {"version": 2}, "on_behalf_of": "vendor-9"});
        read_response(send::handle(&app, event(body).request()).await)
    })
    .await;
    assert_eq!(status, 201, "{body}");
    // The order's entry, one transaction (a send's); a delivery also reads the vendor's
    // profile for their name.
    assert!(
        status_change.requests <= 2
            && status_change.wru <= super::SEND_WRU
            && status_change.rru <= 1.0,
        "{status_change:?}"
    );
    assert!(
        delivery.requests <= 3 && delivery.wru <= super::SEND_WRU + 1.0 && delivery.rru <= 2.0,
        "{delivery:?}"
    );
    let (closed, (status, body)) = measure(&stack, "order_close", 0, true, async {
        let event = ApiEvent::new("POST", "/conversations/{id}/close")
            .claims(&host)
            .path_param("id", &id);
        read_response(admin::handle(&app, event.request()).await)
    })
    .await;
    assert_eq!(status, 200, "{body}");
    // Participants' profiles, one transaction (header, message, order entry, the feed
    // and account index entries, and each participant's part: 2 WRU each), the header
    // read back.
    assert!(
        opened.requests <= 3 && opened.wru <= 8.0 + 2.0 + 2.0 * 2.0 && opened.rru <= 2.0,
        "{opened:?}"
    );
    // The transaction fails on the order entry; the entry and the header are read.
    assert!(reopened.requests <= 4, "{reopened:?}");
    // The order's entry read; one transaction (a send's, the entry's `closed_at` and each
    // participant's part deleted: 2 WRU each); the header read back.
    assert!(
        closed.requests <= 3
            && closed.wru <= super::SEND_WRU + 2.0 + 2.0 * 2.0
            && closed.rru <= 2.0,
        "{closed:?}"
    );
}

#[tokio::test]
async fn a_patient_thread_pays_for_its_registration_check_on_its_first_message_only() {
    let stack = TestStack::start().await;
    stack.set_settings(TENANT, &Settings::default()).await;
    seed::patient(&stack.store, TENANT, CUSTOMER, "bella").await;
    let app = stack.app();
    app.settings.put(TENANT, Settings::default());
    let send_to_bella = || {
        let event = ApiEvent::new("POST", "/messages")
            .claims(&staff())
            .json(json!({"customer_id": CUSTOMER, "patient_id": "bella", "message": text()}));
        let app = &app;
        async move { read_response(send::handle(app, event.request()).await).0 }
    };
    let (first, status) =
        measure(&stack, "send_new_patient_thread", 0, true, send_to_bella()).await;
    assert_eq!(status, 201);
    let (next, status) = measure(&stack, "send_patient_thread", 0, true, send_to_bella()).await;
    assert_eq!(status, 201);
    // The first try meets no header; the second creates it with the patient's check.
    assert!(
        first.requests <= 2 && first.wru <= super::SEND_WRU + 2.0,
        "{first:?}"
    );
    assert!(
        next.requests <= 1 && next.rru == 0.0 && next.wru <= super::SEND_WRU,
        "{next:?}"
    );
}
