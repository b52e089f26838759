//! STOP and START from one number take effect in the order the provider received them,
//! whatever order they are delivered in.

use super::*;
use shared::domain::ids::TenantId;

fn keyword(body: &str, id: &str, published_at: &str) -> Value {
    let mut event = sns_two_way_sms(&[("messageBody", body), ("inboundMessageId", id)]);
    event["Records"][0]["Sns"]["Timestamp"] = published_at.into();
    event
}

async fn opted_out(stack: &TestApp) -> bool {
    use shared::store::NotificationStore;
    !stack
        .store
        .opted_out(&TenantId::from(TENANT), &[CONTACT_PHONE.to_owned()])
        .await
        .unwrap()
        .is_empty()
}

#[tokio::test]
async fn the_last_keyword_the_provider_received_decides() {
    let stack = TestApp::start(TENANT).await;
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
    let notes: Vec<String> = stack
        .messages(&general("c1"), 100)
        .await
        .into_iter()
        .filter(|m| m.sender_type == shared::domain::SenderType::System)
        .map(|m| m.content.message)
        .collect();
    assert_eq!(notes.len(), 2, "{notes:?}");
}

#[tokio::test]
async fn keywords_opt_out_opt_in_and_answer_help() {
    let stack = TestApp::start(TENANT).await;
    clinic(&stack, Settings::default()).await;
    let inbound = container(&stack);
    staff_send(
        &stack,
        json!({"customer_id": "c1", "message": "Reminder: vaccines due."}),
    )
    .await;
    let before = stack.header(&general("c1")).await;
    let phones = vec![CONTACT_PHONE.to_owned()];

    let (status, body) = twilio(&inbound, &text("SM300", CONTACT_PHONE, "  stop ")).await;
    assert_eq!((status, body.as_str()), (200, EMPTY_TWIML));
    assert!(stack
        .store
        .opted_out(&TenantId::from(TENANT), &phones)
        .await
        .unwrap()
        .contains(CONTACT_PHONE));
    let thread = stack.messages(&general("c1"), 100).await;
    assert_eq!(thread.len(), 2);
    let notice = &thread[0];
    assert_eq!(notice.sender_type, SenderType::System);
    assert_eq!(notice.message_type, MessageType::System);
    assert_eq!(notice.channel, Channel::Sms);
    assert_eq!(notice.external_ref.as_deref(), Some("SM300"));
    assert_eq!(notice.metadata.as_ref().unwrap()["event"], "sms_opt_out");
    assert!(notice.message.contains("opted out"), "{}", notice.message);
    let after = stack.header(&general("c1")).await;
    assert_eq!(
        after.unread_for(Side::Staff, "s1", None),
        before.unread_for(Side::Staff, "s1", None),
        "silent: not unread"
    );
    assert_eq!(after.customer_messages, before.customer_messages);

    // Already out: nothing changes, nothing is added.
    for (sid, word) in [
        ("SM301", "UNSUBSCRIBE"),
        ("SM302", "Cancel"),
        ("SM303", "quit"),
    ] {
        twilio(&inbound, &text(sid, CONTACT_PHONE, word)).await;
    }
    assert_eq!(stack.messages(&general("c1"), 100).await.len(), 2);

    let (_, body) = twilio(&inbound, &text("SM304", CONTACT_PHONE, "HELP")).await;
    assert!(
        body.contains("<Message>Oak Vets: messages about your account"),
        "{body}"
    );
    let (_, body) = twilio(&inbound, &text("SM305", CONTACT_PHONE, "Start")).await;
    assert_eq!(body, EMPTY_TWIML);
    assert!(stack
        .store
        .opted_out(&TenantId::from(TENANT), &phones)
        .await
        .unwrap()
        .is_empty());
    let thread = stack.messages(&general("c1"), 100).await;
    assert_eq!(thread.len(), 3);
    assert_eq!(thread[0].metadata.as_ref().unwrap()["event"], "sms_opt_in");

    // The tenant's own help text, escaped into TwiML.
    let mut settings = stack
        .store
        .get_settings(&TenantId::from(TENANT))
        .await
        .unwrap()
        .unwrap();
    settings.sms_help_text = Some("Oak Vets <help> & hours: call 555-0100".into());
    stack.set_settings(TENANT, &settings).await;
    let (_, body) = twilio(&container(&stack), &text("SM306", CONTACT_PHONE, "info")).await;
    assert!(
        body.contains("<Message>Oak Vets &lt;help&gt; &amp; hours: call 555-0100</Message>"),
        "{body}"
    );
    // "stop" inside a sentence is a message.
    twilio(
        &inbound,
        &text("SM307", CONTACT_PHONE, "please stop by at 5"),
    )
    .await;
    assert_eq!(
        stack.messages(&general("c1"), 100).await[0].message,
        "please stop by at 5"
    );
    assert!(stack
        .store
        .opted_out(&TenantId::from(TENANT), &phones)
        .await
        .unwrap()
        .is_empty());
}
