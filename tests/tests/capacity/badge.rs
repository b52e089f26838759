//! The badge after reading elsewhere.

use super::*;

#[tokio::test]
async fn reading_elsewhere_changes_the_badge() {
    let stack = TestStack::start().await;
    let app = stack.app();
    post(&app, &customer(), None).await;
    let unread = ApiEvent::new("GET", "/messages/unread").claims(&staff());
    let response = activity::handle(&app, unread.request()).await;
    let tag = response.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(read_response(response).1["total_unread"], 1);

    let again = unread.clone().header("If-None-Match", &tag);
    assert_eq!(activity::handle(&app, again.request()).await.status(), 304);

    // Another device of the same person reads the conversation: the old tag no longer holds.
    let read = ApiEvent::new("POST", "/messages/read")
        .claims(&staff())
        .json(json!({"customer_id": CUSTOMER}));
    assert_eq!(
        read_response(mark_read::handle(&app, read.request()).await).0,
        200
    );
    let stale = unread.clone().header("If-None-Match", &tag);
    let response = activity::handle(&app, stale.request()).await;
    assert_eq!(response.status(), 200);
    assert_ne!(response.headers()["etag"].to_str().unwrap(), tag);
    assert_eq!(read_response(response).1["total_unread"], 0);

    // So does a new message.
    let response = activity::handle(&app, unread.request()).await;
    let tag = response.headers()["etag"].to_str().unwrap().to_owned();
    post(&app, &customer(), None).await;
    let stale = unread.header("If-None-Match", &tag);
    assert_eq!(activity::handle(&app, stale.request()).await.status(), 200);
}
