//! Delivery outcomes from SES and SMS events (the fixtures under `tests/outcomes/`, as
//! SNS hands them to the function), applied to the records the dispatcher wrote.

use aws_lambda_events::sns::SnsEvent;
use shared::domain::feedback::Suppression;
use shared::domain::outcome::OutcomeKind;
use shared::store::{DeliveryRecord, OutcomeStore, Reader, ReplyStore};

use super::*;
use crate::outcomes::handle_outcomes;
use crate::OutcomeReport;

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/../../tests/outcomes/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The fixture's event about `provider_id`, `at` (when given), as SNS delivers it.
fn event_about(name: &str, provider_id: &str, at: Option<&str>) -> SnsEvent {
    let mut message = fixture(name);
    if message.get("mail").is_some() {
        message["mail"]["messageId"] = json!(provider_id);
    } else {
        message["messageId"] = json!(provider_id);
    }
    if let Some(at) = at {
        for field in ["delivery", "bounce", "complaint", "deliveryDelay"] {
            if message.get(field).is_some() {
                message[field]["timestamp"] = json!(at);
            }
        }
    }
    let mut event = fixture("sns-ses-delivery");
    event["Records"][0]["Sns"]["Message"] = json!(message.to_string());
    serde_json::from_value(event).unwrap()
}

async fn outcome(stack: &TestApp, name: &str, provider_id: &str) -> OutcomeReport {
    handle_outcomes(&stack.store, event_about(name, provider_id, None))
        .await
        .unwrap()
}

async fn records(stack: &TestApp) -> Vec<DeliveryRecord> {
    stack
        .store
        .deliveries(&TenantId::from(TENANT), &general("c1"), None, 50)
        .await
        .unwrap()
        .0
}

/// The record of the email to `address`, newest pass first.
async fn email_record(stack: &TestApp, address: &str) -> DeliveryRecord {
    records(stack)
        .await
        .into_iter()
        .find(|r| r.address == address)
        .expect("a delivery to the address")
}

/// A staff message in c1's thread and the run that tells the contacts.
async fn told(
    stack: &TestApp,
    dispatcher: &Dispatcher<DynamoStore, SesEmail, SnsSms>,
    minutes: i64,
) {
    stack
        .send_as(
            send::handle,
            &Claims::staff(TENANT, "s1"),
            json!({"customer_id": "c1", "message": "Results are in"}),
        )
        .await;
    dispatcher.run(later(minutes)).await.unwrap();
}

#[tokio::test]
async fn outcomes_move_a_record_only_forward_and_a_repeat_changes_nothing() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    settings(&stack, |_| {}).await;
    contact(&stack, &people, "c1", "p1", None).await;
    let dispatcher = dispatcher(&stack).await;
    told(&stack, &dispatcher, 4).await;
    let sent = email_record(&stack, &people.email("p1")).await;
    assert_eq!(sent.status, DeliveryStatus::Sent);
    let id = sent.provider_message_id.clone().unwrap();

    let delivered = outcome(&stack, "ses-delivery", &id).await;
    assert_eq!(delivered.applied, 1, "{delivered:?}");
    let record = email_record(&stack, &people.email("p1")).await;
    assert_eq!(record.status, DeliveryStatus::Delivered);
    assert!(record.outcome_at.is_some());
    assert_eq!(
        outcome(&stack, "ses-delivery", &id).await.unchanged,
        1,
        "a repeat"
    );
    assert_eq!(
        outcome(&stack, "ses-delivery-delay", &id).await.unchanged,
        1,
        "a delay reported late never moves a delivery back"
    );
    // A receipt three days late still lands.
    let late = (Timestamp::now() - SignedDuration::from_hours(72)).to_string();
    let complaint = event_about("ses-complaint", &id, Some(&late));
    assert_eq!(
        handle_outcomes(&stack.store, complaint)
            .await
            .unwrap()
            .applied,
        1
    );
    assert_eq!(
        email_record(&stack, &people.email("p1")).await.status,
        DeliveryStatus::Complained
    );
    let unknown = outcome(&stack, "ses-bounce-permanent", "0100018f-not-ours").await;
    assert_eq!(unknown.unchanged, 1);
    let mut malformed = fixture("sns-ses-delivery");
    malformed["Records"][0]["Sns"]["Message"] = json!("not json");
    let report = handle_outcomes(&stack.store, serde_json::from_value(malformed).unwrap())
        .await
        .unwrap();
    assert_eq!(report.ignored, 1);
}

#[tokio::test]
async fn a_hard_bounce_suppresses_the_address_notes_it_for_staff_and_an_admin_can_clear_it() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    settings(&stack, |_| {}).await;
    contact(&stack, &people, "c1", "p1", None).await;
    let dispatcher = dispatcher(&stack).await;
    told(&stack, &dispatcher, 4).await;
    let address = people.email("p1");
    let id = email_record(&stack, &address)
        .await
        .provider_message_id
        .unwrap();

    let report = outcome(&stack, "ses-bounce-permanent", &id).await;
    assert_eq!((report.applied, report.suppressed), (1, 1), "{report:?}");
    assert_eq!(
        email_record(&stack, &address).await.status,
        DeliveryStatus::Bounced
    );
    let tenant = TenantId::from(TENANT);
    let suppressed = stack.store.suppressions(&tenant).await.unwrap();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(
        (suppressed[0].address.as_str(), suppressed[0].reason),
        (address.as_str(), OutcomeKind::Bounced)
    );
    let note = stack.messages(&general("c1"), 5).await.remove(0);
    assert_eq!(note.sender_type, shared::domain::SenderType::System);
    assert!(note.message.starts_with("Email to "), "{}", note.message);
    assert!(note.message.contains("bounced"), "{}", note.message);
    assert!(!note.message.contains(&address), "masked: {}", note.message);
    let header = stack.header(&general("c1")).await;
    assert_eq!(
        header.unread_for(Side::Staff, "s1", None),
        0,
        "the note is not unread"
    );
    assert_eq!(
        outcome(&stack, "ses-bounce-permanent", &id)
            .await
            .suppressed,
        0,
        "once"
    );

    let before = emails_to(&address).await.len();
    told(&stack, &dispatcher, 20).await;
    assert_eq!(
        emails_to(&address).await.len(),
        before,
        "never emailed again"
    );

    assert!(stack
        .store
        .clear_suppression(
            &tenant,
            shared::domain::notify::NotifyChannel::Email,
            &address
        )
        .await
        .unwrap());
    told(&stack, &dispatcher, 40).await;
    assert_eq!(
        emails_to(&address).await.len(),
        before + 1,
        "cleared: emailed again"
    );
}

#[tokio::test]
async fn a_complaint_suppresses_and_mutes_the_conversation_for_that_person() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    settings(&stack, |_| {}).await;
    contact(&stack, &people, "c1", "p1", None).await;
    let dispatcher = dispatcher(&stack).await;
    told(&stack, &dispatcher, 4).await;
    let id = email_record(&stack, &people.email("p1"))
        .await
        .provider_message_id
        .unwrap();
    let report = outcome(&stack, "ses-complaint", &id).await;
    assert_eq!(report.suppressed, 1);
    let reader = Reader {
        side: Side::Customer,
        user_id: "p1".into(),
    };
    let prefs = stack
        .store
        .recipients(
            &TenantId::from(TENANT),
            &general("c1"),
            std::slice::from_ref(&reader),
        )
        .await
        .unwrap()
        .remove(&reader)
        .unwrap()
        .prefs;
    assert!(prefs.email_off, "as an unsubscribe would");
}

#[tokio::test]
async fn a_number_that_cannot_take_texts_is_suppressed_and_never_texted_again() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    settings(&stack, |_| {}).await;
    let number = phone();
    contact(&stack, &people, "c1", "p1", Some(&number)).await;
    let dispatcher = dispatcher(&stack).await;
    let vet = Claims::staff(TENANT, "s1");
    let body = json!({"customer_id": "c1", "message": "Call us", "notify": ["sms"]});
    stack.send_as(send::handle, &vet, body.clone()).await;
    dispatcher.run(later(1)).await.unwrap();
    let texted = records(&stack)
        .await
        .into_iter()
        .find(|r| r.address == number)
        .expect("a text");
    let id = texted.provider_message_id.unwrap();
    let report = outcome(&stack, "sms-blocked", &id).await;
    assert_eq!((report.applied, report.suppressed), (1, 1), "{report:?}");
    let before = texts_to(&number).await.len();
    stack.send_as(send::handle, &vet, body).await;
    dispatcher.run(later(30)).await.unwrap();
    assert_eq!(texts_to(&number).await.len(), before, "suppressed");
    let transient = outcome(&stack, "sms-ttl-expired", "another-text").await;
    assert_eq!(transient.suppressed, 0);
}

#[tokio::test]
async fn bounces_past_the_rate_pause_the_tenants_email_until_the_operator_resumes_it() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    settings(&stack, |_| {}).await;
    contact(&stack, &people, "c1", "p1", None).await;
    contact(&stack, &people, "c1", "p2", None).await;
    let tenant = TenantId::from(TENANT);
    let today = Timestamp::now().strftime("%Y-%m-%d").to_string();
    use shared::store::GrantStore;
    stack
        .store
        .add_quota_use(
            &tenant,
            &today,
            shared::domain::notify::NotifyChannel::Email,
            380,
        )
        .await
        .unwrap();
    for _ in 0..19 {
        stack
            .store
            .count_feedback(&tenant, &today, false)
            .await
            .unwrap();
    }
    let dispatcher = dispatcher(&stack).await;
    told(&stack, &dispatcher, 4).await;
    let id = email_record(&stack, &people.email("p1"))
        .await
        .provider_message_id
        .unwrap();
    let report = outcome(&stack, "ses-bounce-permanent", &id).await;
    assert_eq!(report.paused, 1, "20 of 382 is over 5 %: {report:?}");
    let grant = stack.store.get_grant(&tenant).await.unwrap().unwrap();
    let pause = grant.email_paused.clone().expect("paused");
    assert_eq!((pause.rates.bounced, pause.rates.sent), (20, 382));

    told(&stack, &dispatcher, 30).await;
    let paused = records(&stack)
        .await
        .into_iter()
        .find(|r| r.address == people.email("p2") && r.status == DeliveryStatus::EmailPaused);
    assert!(paused.is_some(), "email refused while paused");
    let suppression: Vec<Suppression> = stack.store.suppressions(&tenant).await.unwrap();
    assert_eq!(suppression.len(), 1);
}
