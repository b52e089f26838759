//! STOP and START from one number take effect in the order the provider received them,
//! whatever order they are delivered in.

use super::*;

fn keyword(body: &str, id: &str, published_at: &str) -> Value {
    let mut event = sns_two_way_sms(&[("messageBody", body), ("inboundMessageId", id)]);
    event["Records"][0]["Sns"]["Timestamp"] = published_at.into();
    event
}

async fn opted_out(stack: &TestStack) -> bool {
    use shared::store::NotificationStore;
    !stack
        .store
        .opted_out(TENANT, &[CONTACT_PHONE.to_owned()])
        .await
        .unwrap()
        .is_empty()
}

#[tokio::test]
async fn the_last_keyword_the_provider_received_decides() {
    let stack = TestStack::start().await;
    clinic(&stack, Settings::default()).await;
    let inbound = container(&stack);
    let replies = testkit::moto::sms().await;
    let deliver = |event: Value| handle_event(&inbound, &replies, event);

    // STOP, then START delivered late: the START came first, so the number stays out.
    deliver(keyword("STOP", "k1", "2026-11-21T10:00:02.000Z"))
        .await
        .unwrap();
    deliver(keyword("START", "k2", "2026-11-21T10:00:01.000Z"))
        .await
        .unwrap();
    assert!(opted_out(&stack).await);

    // STOP again while out (recorded, though nothing changes), then an older START.
    deliver(keyword("STOP", "k3", "2026-11-21T10:05:00.000Z"))
        .await
        .unwrap();
    deliver(keyword("START", "k4", "2026-11-21T10:04:00.000Z"))
        .await
        .unwrap();
    assert!(
        opted_out(&stack).await,
        "an older START never undoes a later STOP"
    );

    // A later START opts in; a STOP delivered after it but sent before changes nothing.
    deliver(keyword("START", "k5", "2026-11-21T10:10:00.000Z"))
        .await
        .unwrap();
    assert!(!opted_out(&stack).await);
    deliver(keyword("STOP", "k6", "2026-11-21T10:09:00.000Z"))
        .await
        .unwrap();
    assert!(!opted_out(&stack).await);

    // The thread notes only the changes that stood: out at k1, in at k5.
    let notes: Vec<String> = messages(&stack, &general())
        .await
        .into_iter()
        .filter(|m| m.sender_type == shared::domain::SenderType::System)
        .map(|m| m.content.message)
        .collect();
    assert_eq!(notes.len(), 2, "{notes:?}");
}
