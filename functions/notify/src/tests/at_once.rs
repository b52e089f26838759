//! What a staff sender's `notify` sends at once, and what keeps its delay.

use super::*;

#[tokio::test]
async fn asking_for_sms_texts_at_once_and_every_digest_keeps_its_time() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    settings(&stack, |s| {
        s.admin_notification_email = Some(people.email("front-desk"));
    })
    .await;
    let number = phone();
    contact(&stack, &people, "c1", "p1", Some(&number)).await;
    staff(&stack, &people, "s2", Role::Staff).await;
    stack
        .send_as(
            send::handle,
            &Claims::customer(TENANT, "p1", "c1"),
            json!({"message": "Is Bella ready?"}),
        )
        .await;
    stack
        .send_as(
            send::handle,
            &Claims::staff(TENANT, "s1"),
            json!({"customer_id": "c1", "message": "Bella is ready", "notify": ["sms"]}),
        )
        .await;

    let dispatcher = dispatcher(&stack).await;
    let report = dispatcher.run(later(0)).await.unwrap();
    assert_eq!(report.sent, 1, "only the text: {report:?}");
    assert_eq!(texts_to(&number).await.len(), 1);
    for nobody in ["p1", "s2", "front-desk"] {
        assert!(
            emails_to(&people.email(nobody)).await.is_empty(),
            "{nobody}: not before the delay"
        );
    }
    assert_eq!(dispatcher.run(later(1)).await.unwrap().sent, 0);

    let report = dispatcher.run(later(4)).await.unwrap();
    assert_eq!(report.sent, 2, "{report:?}");
    assert_eq!(emails_to(&people.email("s2")).await.len(), 1);
    assert_eq!(emails_to(&people.email("front-desk")).await.len(), 1);
    assert!(
        emails_to(&people.email("p1")).await.is_empty(),
        "the text was the contact's notification"
    );
    assert_eq!(texts_to(&number).await.len(), 1);
    assert_eq!(dispatcher.run(later(30)).await.unwrap().sent, 0);
}

#[tokio::test]
async fn a_message_after_the_text_is_in_the_contacts_digest() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    settings(&stack, |_| {}).await;
    let number = phone();
    contact(&stack, &people, "c1", "p1", Some(&number)).await;
    let vet = Claims::staff(TENANT, "s1");
    stack
        .send_as(
            send::handle,
            &vet,
            json!({"customer_id": "c1", "message": "Bella is ready", "notify": ["sms"]}),
        )
        .await;
    let dispatcher = dispatcher(&stack).await;
    assert_eq!(dispatcher.run(later(0)).await.unwrap().sent, 1);
    stack
        .send_as(
            send::handle,
            &vet,
            json!({"customer_id": "c1", "message": "We close at six"}),
        )
        .await;
    let report = dispatcher.run(later(4)).await.unwrap();
    assert_eq!(report.sent, 1, "{report:?}");
    let mail = emails_to(&people.email("p1")).await;
    assert_eq!(mail.len(), 1);
    assert!(mail[0]["body"]
        .as_str()
        .unwrap()
        .contains("We close at six"));
}

#[tokio::test]
async fn a_staff_member_can_notify_at_once_by_email_and_sms() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    settings(&stack, |_| {}).await;
    let number = phone();
    contact(&stack, &people, "c1", "p1", Some(&number)).await;
    stack
        .send_as(
            send::handle,
            &Claims::staff(TENANT, "s1"),
            json!({"customer_id": "c1", "message": "Bella is ready", "notify": ["email", "sms"]}),
        )
        .await;
    let report = dispatcher(&stack).await.run(later(0)).await.unwrap();
    assert_eq!(report.sent, 2);
    assert_eq!(emails_to(&people.email("p1")).await.len(), 1);
    assert_eq!(texts_to(&number).await.len(), 1);
    assert_eq!(
        dispatcher(&stack).await.run(later(5)).await.unwrap().sent,
        0
    );
}
