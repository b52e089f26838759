//! The dispatcher against embedded DynamoDB and moto's SES v2 and SNS (`make test`
//! starts moto and sets `AWS_ENDPOINT_URL`); what was sent is read back from moto.

use shared::domain::ids::TenantId;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};
use shared::domain::notify::{Email, QuietHours};
use shared::domain::{ConversationId, Role, Settings, Side, Subject};
use shared::notify::{EmailSender, SendError, SesEmail, SnsSms};
use shared::store::{
    DeliveryStatus, DirectoryStore, DueStore, DynamoStore, MessageStore, NotificationStore,
};
use testkit::app::general;
use testkit::moto::{self, texts_to};
use testkit::{read_response, seed, ApiEvent, Claims, TestApp};

use super::{Dispatcher, RunReport, MAX_ATTEMPTS};

const TENANT: &str = "clinic-a";
const FROM: &str = "notify@oakvets.example";

/// Senders on moto, with the sending domain verified as SES requires.
/// The configuration set emails go out through, as deployed (its events are delivery
/// outcomes).
const CONFIGURATION_SET: &str = "tidings-test";

async fn moto_senders() -> (SesEmail, SnsSms) {
    let ses = aws_sdk_sesv2::Client::new(&moto::sdk_config().await);
    let _ = ses
        .create_email_identity()
        .email_identity("oakvets.example")
        .send()
        .await;
    let _ = ses
        .create_configuration_set()
        .configuration_set_name(CONFIGURATION_SET)
        .send()
        .await;
    let email = moto::email()
        .await
        .with_configuration_set(Some(CONFIGURATION_SET.into()));
    (email, moto::sms().await)
}

/// A tag that keeps one test's recipients apart from another's in moto's shared record.
fn tag() -> String {
    ulid::Ulid::new().to_string().to_lowercase()
}

fn phone() -> String {
    let digits: u64 = ulid::Ulid::new().random() as u64 % 10_000_000;
    format!("+1555{digits:07}")
}

async fn emails_to(address: &str) -> Vec<Value> {
    let data = moto::data().await;
    data["ses"]["Message"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|m| {
            m["destinations"]["ToAddresses"]
                .as_array()
                .is_some_and(|to| to.iter().any(|a| a == address))
        })
        .collect()
}

fn later(minutes: i64) -> Timestamp {
    Timestamp::now() + SignedDuration::from_mins(minutes)
}

struct People {
    tag: String,
}

impl People {
    fn new() -> People {
        People { tag: tag() }
    }

    fn email(&self, who: &str) -> String {
        format!("{who}.{}@example.com", self.tag)
    }
}

async fn contact(stack: &TestApp, people: &People, customer: &str, id: &str, phone: Option<&str>) {
    seed::contact(&stack.store, TENANT, customer, id, &people.email(id), phone).await;
}

async fn staff(stack: &TestApp, people: &People, id: &str, role: Role) {
    let (name, email) = (format!("Staff {id}"), people.email(id));
    seed::staff(&stack.store, TENANT, id, &name, role, Some(&email)).await;
}

async fn settings(stack: &TestApp, change: impl FnOnce(&mut Settings)) {
    let mut settings = Settings {
        business_name: Some("Oak & Elm Vets".into()),
        portal_base_url: Some("https://portal.oakvets.example".into()),
        ..Settings::default()
    };
    change(&mut settings);
    stack.set_settings(TENANT, &settings).await;
}

async fn dispatcher(stack: &TestApp) -> Dispatcher<DynamoStore, SesEmail, SnsSms> {
    let (email, sms) = moto_senders().await;
    Dispatcher {
        store: stack.store.clone(),
        email,
        sms,
        from_email: FROM.into(),
        reply_domain: None,
        api_url: None,
        concurrency: super::DEFAULT_CONCURRENCY,
    }
}

#[tokio::test]
async fn a_customer_message_becomes_one_digest_per_staff_member_who_has_not_read_it() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    settings(&stack, |s| {
        s.admin_notification_email = Some(people.email("front-desk"));
    })
    .await;
    contact(&stack, &people, "c1", "p1", None).await;
    contact(&stack, &people, "c1", "p2", None).await;
    staff(&stack, &people, "s1", Role::Staff).await;
    staff(&stack, &people, "s2", Role::Staff).await;
    staff(&stack, &people, "b1", Role::BasicStaff).await;
    staff(&stack, &people, "b2", Role::BasicStaff).await;
    let until = shared::domain::format_timestamp(later(600));
    stack
        .store
        .put_assignment(
            &TenantId::from(TENANT),
            &shared::domain::directory::Assignment {
                user_id: "b1".into(),
                customer_id: "c1".into(),
                until: Some(until),
                assigned_at: shared::domain::now_rfc3339(),
                assigned_by: "a1".into(),
            },
        )
        .await
        .unwrap();
    let owner = Claims::customer(TENANT, "p1", "c1").with("name", "Sam <Rivera>");
    stack
        .send_as(
            send::handle,
            &owner,
            json!({"message": "Is <b>Bella</b> ok & eating?"}),
        )
        .await;
    stack
        .send_as(send::handle, &owner, json!({"message": "x".repeat(150)}))
        .await;
    stack
        .mark_read_as(
            mark_read::handle,
            &Claims::staff(TENANT, "s2"),
            json!({"customer_id": "c1"}),
        )
        .await;

    let dispatcher = dispatcher(&stack).await;
    let early = dispatcher.run(later(1)).await.unwrap();
    assert_eq!(
        early,
        RunReport::default(),
        "nothing is due before the delay"
    );

    let report = dispatcher.run(later(4)).await.unwrap();
    assert_eq!(report.sent, 3, "{report:?}");
    let mail = emails_to(&people.email("s1")).await;
    assert_eq!(mail.len(), 1, "two messages, one digest");
    let mail = &mail[0];
    assert_eq!(mail["source"], FROM);
    assert_eq!(
        mail["subject"],
        "2 new messages on Oak & Elm Vets, latest from Sam <Rivera>"
    );
    let html = mail["body"].as_str().unwrap();
    assert!(html.contains("Is Bella ok &amp; eating?"), "{html}");
    assert!(html.contains("Sam &lt;Rivera&gt;"));
    assert!(html.contains(&format!("{}…", "x".repeat(100))));
    assert!(!html.contains(&"x".repeat(101)));
    let link = format!(
        "https://portal.oakvets.example/messages/{}",
        general("c1").encode()
    );
    assert!(html.contains(&link), "{html}");

    assert_eq!(
        emails_to(&people.email("b1")).await.len(),
        1,
        "assigned basic staff"
    );
    assert_eq!(
        emails_to(&people.email("front-desk")).await.len(),
        1,
        "admin copy"
    );
    for nobody in ["s2", "b2", "p1", "p2"] {
        assert!(
            emails_to(&people.email(nobody)).await.is_empty(),
            "{nobody}"
        );
    }
    let (records, _) = stack
        .store
        .deliveries(&TenantId::from(TENANT), &general("c1"), None, 20)
        .await
        .unwrap();
    assert_eq!(records.len(), 3);
    assert!(records
        .iter()
        .all(|r| r.status == DeliveryStatus::Sent && r.provider_message_id.is_some()));

    assert_eq!(
        dispatcher.run(later(5)).await.unwrap().sent,
        0,
        "never twice"
    );
}

#[tokio::test]
async fn reading_before_it_is_due_cancels_each_persons_notification() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    settings(&stack, |_| {}).await;
    contact(&stack, &people, "c1", "p1", None).await;
    contact(&stack, &people, "c1", "p2", None).await;
    let vet = Claims::staff(TENANT, "s1").with("name", "Dr. Ada");
    stack
        .send_as(
            send::handle,
            &vet,
            json!({"customer_id": "c1", "message": "Results are in"}),
        )
        .await;
    stack
        .send_as(
            send::handle,
            &vet,
            json!({"customer_id": "c1", "message": "All normal"}),
        )
        .await;
    stack
        .mark_read_as(
            mark_read::handle,
            &Claims::customer(TENANT, "p1", "c1"),
            json!({"customer_id": "c1"}),
        )
        .await;

    let report = dispatcher(&stack).await.run(later(4)).await.unwrap();
    assert_eq!(report.sent, 1);
    assert!(
        emails_to(&people.email("p1")).await.is_empty(),
        "p1 read it"
    );
    let mail = emails_to(&people.email("p2")).await;
    assert_eq!(mail.len(), 1);
    assert!(mail[0]["body"].as_str().unwrap().contains("All normal"));
    assert!(mail[0]["body"].as_str().unwrap().contains("Results are in"));
}

#[tokio::test]
async fn still_unread_escalates_to_sms_except_to_opted_out_numbers() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    settings(&stack, |s| s.sms_escalation_minutes = Some(10)).await;
    let (n1, n2, n3) = (phone(), phone(), phone());
    contact(&stack, &people, "c1", "p1", Some(&n1)).await;
    contact(&stack, &people, "c1", "p2", Some(&n2)).await;
    contact(&stack, &people, "c1", "p3", Some(&n3)).await;
    stack
        .store
        .set_opted_out(&TenantId::from(TENANT), &n3, true)
        .await
        .unwrap();
    stack
        .send_as(
            send::handle,
            &Claims::staff(TENANT, "s1"),
            json!({"customer_id": "c1", "message": "Please call us"}),
        )
        .await;

    let dispatcher = dispatcher(&stack).await;
    let report = dispatcher.run(later(4)).await.unwrap();
    assert_eq!(report.sent, 3, "emails first");
    for number in [&n1, &n2, &n3] {
        assert!(texts_to(number).await.is_empty());
    }
    stack
        .mark_read_as(
            mark_read::handle,
            &Claims::customer(TENANT, "p2", "c1"),
            json!({"customer_id": "c1"}),
        )
        .await;
    assert_eq!(dispatcher.run(later(8)).await.unwrap().sent, 0, "not yet");
    let report = dispatcher.run(later(15)).await.unwrap();
    assert_eq!(report.sent, 1, "{report:?}");
    let texts = texts_to(&n1).await;
    assert_eq!(texts.len(), 1);
    assert!(texts[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("Oak & Elm Vets: you have a new message. https://portal.oakvets.example/"));
    assert!(texts_to(&n2).await.is_empty(), "p2 read it");
    assert!(texts_to(&n3).await.is_empty(), "p3 opted out");
    assert_eq!(dispatcher.run(later(40)).await.unwrap().sent, 0);
}

/// SES that cannot be reached, for one address; moto for the rest.
struct Unreachable {
    inner: SesEmail,
    broken: SesEmail,
    bad: String,
}

impl EmailSender for Unreachable {
    async fn send_email(&self, from: &str, to: &str, email: &Email) -> Result<String, SendError> {
        if to == self.bad {
            self.broken.send_email(from, to, email).await
        } else {
            self.inner.send_email(from, to, email).await
        }
    }
}

/// A dispatcher whose SES cannot be reached for `bad` (connection refused); moto for the
/// rest.
async fn unreachable_for(
    stack: &TestApp,
    bad: String,
) -> Dispatcher<DynamoStore, Unreachable, SnsSms> {
    let aws = moto::sdk_config().await;
    let dead = aws_sdk_sesv2::config::Builder::from(&aws)
        .endpoint_url("http://127.0.0.1:9")
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .build();
    let (email, sms) = moto_senders().await;
    Dispatcher::new(
        stack.store.clone(),
        Unreachable {
            inner: email,
            broken: SesEmail::new(aws_sdk_sesv2::Client::from_conf(dead)),
            bad,
        },
        sms,
        FROM,
    )
}

/// A staff message to two contacts of `c1`, p1 and p2; SES cannot reach p2.
async fn staff_message_to_p1_and_unreachable_p2(
    stack: &TestApp,
    people: &People,
) -> Dispatcher<DynamoStore, Unreachable, SnsSms> {
    settings(stack, |_| {}).await;
    contact(stack, people, "c1", "p1", None).await;
    contact(stack, people, "c1", "p2", None).await;
    stack
        .send_as(
            send::handle,
            &Claims::staff(TENANT, "s1"),
            json!({"customer_id": "c1", "message": "hi"}),
        )
        .await;
    unreachable_for(stack, people.email("p2")).await
}

mod reliability;

mod platform;

mod runs;

mod holds;

mod at_once;

mod senders;

mod changes;
mod outcomes;
mod replies;
