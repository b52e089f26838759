//! Mark reads that overlap: a position written late must not undo a further one.

use shared::domain::ids::TenantId;
use std::time::Duration;

use testkit::faults::{Answer, Faults};

use super::*;

#[tokio::test]
async fn a_slow_mark_read_does_not_move_a_position_back() {
    let faults = Faults::default();
    let stack = TestApp::with_faults(TENANT, &faults).await;
    let customer = Claims::customer(TENANT, "contact-1", "c1");
    let s1 = Claims::staff(TENANT, "s1");
    let first = send(&stack, &customer, "one").await;
    // The first mark read's position write reaches the table only after the second's.
    faults.inject(
        &["T#clinic-a#R#s#s1", &first],
        1,
        Answer::Delay(Duration::from_millis(600)),
    );
    let slow = {
        let app = stack.app();
        let s1 = s1.clone();
        tokio::spawn(async move {
            let event = ApiEvent::new("POST", "/messages/read")
                .claims(&s1)
                .json(json!({"customer_id": "c1"}));
            read_response(handle(&app, event.request()).await)
        })
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    let second = send(&stack, &customer, "two").await;
    let (status, body) = mark(&stack, &s1, json!({"customer_id": "c1"})).await;
    assert_eq!(
        (status, body["read_up_to"].as_str()),
        (200, Some(second.as_str()))
    );
    let (status, _) = slow.await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(
        faults.injected(),
        1,
        "the first position write was held back"
    );

    assert_eq!(
        stack
            .unread(TENANT, &general("c1"), Side::Staff, "s1")
            .await,
        0
    );
    let positions = stack
        .store
        .read_positions(
            &TenantId::from(TENANT),
            &general("c1"),
            &[shared::store::Reader {
                side: Side::Staff,
                user_id: "s1".into(),
            }],
        )
        .await
        .unwrap();
    assert_eq!(
        positions.values().next().map(|p| p.up_to.as_str()),
        Some(second.as_str())
    );
}
