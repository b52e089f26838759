//! The badge's ETag changes whenever the badge would: also for a message that commits
//! after a newer one elsewhere in the tenant (a retried request keeps its id).

use std::time::Duration;

use testkit::faults::{Answer, Faults};

use super::*;

#[tokio::test]
async fn a_message_committed_after_a_newer_one_changes_the_tag() {
    let faults = Faults::default();
    let stack = TestApp::with_faults(TENANT, &faults).await;
    let staff = Claims::staff(TENANT, "s1");
    let (first, second) = (
        Claims::customer(TENANT, "p1", "c1"),
        Claims::customer(TENANT, "p2", "c2"),
    );
    stack
        .send_as(send::handle, &first, json!({"message": "earlier"}))
        .await;
    // c1's next message takes its id now and reaches the table only after c2's.
    faults.inject(
        &["TransactWriteItems", "T#clinic-a#C#c1#general"],
        1,
        Answer::Delay(Duration::from_millis(800)),
    );
    let late = {
        let app = stack.app();
        tokio::spawn(async move {
            let event = ApiEvent::new("POST", "/messages")
                .claims(&first)
                .json(json!({"message": "held up on the way"}));
            read_response(send::handle(&app, event.request()).await)
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    stack
        .send_as(
            send::handle,
            &second,
            json!({"message": "newer id, committed first"}),
        )
        .await;
    let app = stack.app();
    let unread = ApiEvent::new("GET", "/messages/unread").claims(&staff);
    let response = handle(&app, unread.request()).await;
    let tag = response.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(read_response(response).1["total_unread"], 2);

    assert_eq!(late.await.unwrap().0, 201);
    assert_eq!(faults.injected(), 1);
    let again = unread.header("If-None-Match", &tag);
    let response = handle(&app, again.request()).await;
    assert_eq!(
        response.status(),
        200,
        "the held-up message is new to the badge"
    );
    assert_ne!(response.headers()["etag"].to_str().unwrap(), tag);
    assert_eq!(read_response(response).1["total_unread"], 3);
}

/// What an eventually consistent Query of the caller's positions returns from a replica
/// that has not seen their mark read yet: nothing.
fn before_the_mark_read() -> Answer {
    Answer::FromRequest(std::sync::Arc::new(
        |_| json!({"Items": [], "Count": 0, "ScannedCount": 0}),
    ))
}

#[tokio::test]
async fn a_positions_read_behind_the_clock_is_read_again() {
    let faults = Faults::default();
    let stack = TestApp::with_faults(TENANT, &faults).await;
    let staff = Claims::staff(TENANT, "s1");
    stack
        .send_as(
            send::handle,
            &Claims::customer(TENANT, "p1", "c1"),
            json!({"message": "hello"}),
        )
        .await;
    stack
        .mark_read_as(mark_read::handle, &staff, json!({"customer_id": "c1"}))
        .await;

    faults.inject(&["Query", "T#clinic-a#R#s#s1"], 1, before_the_mark_read());
    let app = stack.app();
    let unread = ApiEvent::new("GET", "/messages/unread").claims(&staff);
    let response = handle(&app, unread.request()).await;
    assert_eq!(faults.injected(), 1);
    let tag = response.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(read_response(response).1["total_unread"], 0, "read already");
    let again = unread.header("If-None-Match", &tag);
    assert_eq!(handle(&app, again.request()).await.status(), 304);
}
