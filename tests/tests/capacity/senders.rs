//! A send by someone other than their side's last sender keeps the replaced sender's read
//! position: what that costs beside the common send.

use super::*;

#[tokio::test]
async fn replacing_the_last_sender_costs_one_attempt_and_one_small_write_more() {
    let stack = TestStack::start().await;
    directory(&stack).await;
    let app = stack.app();
    let colleague = Claims::staff(TENANT, "b7e1c3a5-2d4f-4a6b-8c0e-1f3a5c7e9b2d");
    post(&app, &customer(), None).await;
    post(&app, &staff(), None).await;

    // The side's last sender writes again: the common send.
    let (same, _) = measure(
        &stack,
        "send_same_sender",
        2,
        true,
        post(&app, &staff(), None),
    )
    .await;
    assert_eq!(same.requests, 1);
    assert!(same.wru <= SEND_WRU, "{same:?}");

    // A colleague replaces them: the first attempt learns whom from the header.
    let (replacing, _) = measure(
        &stack,
        "send_replacing_sender",
        2,
        true,
        post(&app, &colleague, None),
    )
    .await;
    assert_eq!(
        stack.requests.operations(),
        ["TransactWriteItems", "TransactWriteItems"]
    );
    assert!(replacing.wru <= same.wru + 2.0, "{replacing:?} vs {same:?}");
    assert_eq!(
        stack
            .unread(TENANT, &general(CUSTOMER), Side::Staff, STAFF)
            .await,
        0
    );
}
