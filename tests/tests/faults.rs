//! Failures the local emulators never produce, injected as DynamoDB's, SES's and SNS's
//! own answers ([`testkit::faults`]): each ends in a retry, a 503 with Retry-After, or a
//! recorded failure; never half a write, never a duplicate.

use shared::domain::ids::TenantId;
use shared::domain::Named;
use std::time::Duration;

use serde_json::{json, Value};
use shared::domain::Settings;
use shared::store::{DeliveryStatus, NotificationStore};
use testkit::app::general;
use testkit::faults::{self, Answer, Faults};
use testkit::{read_response, ApiEvent, Claims, TestApp};

const TENANT: &str = "clinic-a";

async fn messages(stack: &TestApp, customer: &str) -> usize {
    stack.messages(&general(customer), 50).await.len()
}

fn post_message(body: Value) -> ApiEvent {
    testkit::app::post_message(&Claims::staff(TENANT, "s1"), body)
}

/// Status, Retry-After and error code of a response.
fn outcome(response: lambda_http::Response<lambda_http::Body>) -> (u16, Option<String>, Value) {
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (status, body) = read_response(response);
    (status, retry_after, body["error"]["code"].clone())
}

#[tokio::test]
async fn a_throttled_send_is_a_503_with_retry_after_and_stores_nothing() {
    let faults = Faults::default();
    let stack = TestApp::with_faults(TENANT, &faults).await;
    // More than the SDK's own attempts.
    faults.inject(&["TransactWriteItems"], 10, faults::throttled());
    let response = send::handle(
        &stack.app(),
        post_message(json!({"customer_id": "c1", "message": "hi"})).request(),
    )
    .await;
    let (status, retry_after, code) = outcome(response);
    assert_eq!((status, code), (503, json!("unavailable")));
    assert!(retry_after.is_some());
    assert_eq!(messages(&stack, "c1").await, 0);
}

#[tokio::test]
async fn a_transaction_conflict_is_retried_into_one_message() {
    let faults = Faults::default();
    let stack = TestApp::with_faults(TENANT, &faults).await;
    faults.inject(
        &["TransactWriteItems"],
        2,
        faults::cancelled(&["None", "TransactionConflict"]),
    );
    let event = post_message(json!({"customer_id": "c1", "message": "hi"}))
        .header("idempotency-key", "conflicted-once");
    let (status, body) = read_response(send::handle(&stack.app(), event.request()).await);
    assert_eq!(status, 201, "{body}");
    assert_eq!(faults.injected(), 2);
    // The client's retry of the same request replays it.
    let event = post_message(json!({"customer_id": "c1", "message": "hi"}))
        .header("idempotency-key", "conflicted-once");
    let (status, again) = read_response(send::handle(&stack.app(), event.request()).await);
    assert_eq!((status, &again["id"]), (201, &body["id"]));
    assert_eq!(messages(&stack, "c1").await, 1);
}

#[tokio::test]
async fn keys_left_unprocessed_are_asked_for_again_then_a_503() {
    let faults = Faults::default();
    let stack = TestApp::with_faults(TENANT, &faults).await;
    stack.set_settings(TENANT, &Settings::default()).await;
    let send = |customer: &str| {
        ApiEvent::new("POST", "/messages")
            .claims(&Claims::customer(TENANT, "p1", customer))
            .json(json!({"message": "hello"}))
    };
    let (status, _) = read_response(send::handle(&stack.app(), send("c1").request()).await);
    assert_eq!(status, 201);
    let feed =
        || ApiEvent::new("GET", "/messages/activity").claims(&Claims::customer(TENANT, "p1", "c1"));
    // Twice unprocessed, then read: the page is whole.
    faults.inject(&["BatchGetItem"], 2, faults::all_unprocessed());
    let (status, page) = read_response(activity::handle(&stack.app(), feed().request()).await);
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["conversations"].as_array().map(Vec::len), Some(1));
    // Never processed: a bounded number of rounds, then 503.
    faults.inject(&["BatchGetItem"], 1_000, faults::all_unprocessed());
    let (status, retry_after, _) = outcome(activity::handle(&stack.app(), feed().request()).await);
    assert_eq!(status, 503);
    assert!(retry_after.is_some());
    assert!(faults.injected() < 20, "{} rounds", faults.injected());
}

#[tokio::test]
async fn throttled_mark_read_and_settings_writes_are_503s() {
    let faults = Faults::default();
    let stack = TestApp::with_faults(TENANT, &faults).await;
    let (status, _) = read_response(
        send::handle(
            &stack.app(),
            post_message(json!({"customer_id": "c1", "message": "hi"})).request(),
        )
        .await,
    );
    assert_eq!(status, 201);

    faults.inject(&["UpdateItem", "#R#c#p1"], 10, faults::throttled());
    let event = ApiEvent::new("POST", "/messages/read")
        .claims(&Claims::customer(TENANT, "p1", "c1"))
        .json(json!({}));
    let (status, retry_after, _) = outcome(mark_read::handle(&stack.app(), event.request()).await);
    assert_eq!(status, 503);
    assert!(retry_after.is_some());

    faults.inject(&["TransactWriteItems"], 10, faults::throttled());
    let event = ApiEvent::new("PUT", "/settings/messaging")
        .claims(&Claims::admin(TENANT, "a1"))
        .json(json!({"mode": "read_only"}));
    let (status, retry_after, _) = outcome(admin::handle(&stack.app(), event.request()).await);
    assert_eq!(status, 503);
    assert!(retry_after.is_some());
    use shared::store::SettingsStore;
    assert_eq!(
        stack
            .store
            .get_settings(&TenantId::from(TENANT))
            .await
            .unwrap(),
        None,
        "nothing saved"
    );
}

/// SES and SNS on moto, through a client that meets the faults.
async fn senders(faults: &Faults) -> (shared::notify::SesEmail, shared::notify::SnsSms) {
    let aws = testkit::moto::sdk_config().await;
    let quick = aws_config::timeout::TimeoutConfig::builder()
        .operation_attempt_timeout(Duration::from_millis(300))
        .build();
    let ses_config = aws_sdk_sesv2::config::Builder::from(&aws)
        .http_client(faults.http_client())
        .timeout_config(quick.clone())
        .build();
    let ses = aws_sdk_sesv2::Client::from_conf(ses_config);
    let _ = ses
        .create_email_identity()
        .email_identity("oakvets.example")
        .send()
        .await;
    let sns_config = aws_sdk_sns::config::Builder::from(&aws)
        .http_client(faults.http_client())
        .timeout_config(quick)
        .build();
    (
        shared::notify::SesEmail::new(ses),
        shared::notify::SnsSms::new(aws_sdk_sns::Client::from_conf(sns_config)),
    )
}

async fn contact(stack: &TestApp, id: &str, email: &str, phone: Option<&str>) {
    testkit::seed::contact(&stack.store, TENANT, "c1", id, email, phone).await;
}

#[tokio::test]
async fn provider_errors_and_timeouts_are_retries_and_records_survive_throttling() {
    let faults = Faults::default();
    let stack = TestApp::with_faults(TENANT, &faults).await;
    stack.set_settings(TENANT, &Settings::default()).await;
    let tag = ulid::Ulid::new().to_string().to_lowercase();
    let address = |who: &str| format!("{who}.{tag}@example.com");
    let phone = format!("+1555{:07}", ulid::Ulid::new().random() as u64 % 10_000_000);
    contact(&stack, "busy", &address("busy"), None).await;
    contact(&stack, "slow", &address("slow"), None).await;
    contact(&stack, "texted", &address("texted"), Some(&phone)).await;
    contact(&stack, "fine", &address("fine"), None).await;
    let (status, _) = read_response(
        send::handle(
            &stack.app(),
            post_message(json!({"customer_id": "c1", "message": "hi", "notify": ["email", "sms"]}))
                .request(),
        )
        .await,
    );
    assert_eq!(status, 201);

    // Past the SDK's own three attempts; only the sends (claims name the address too).
    faults.inject(
        &["outbound-emails", &address("busy")],
        3,
        faults::rest_error(429, "TooManyRequestsException"),
    );
    faults.inject(
        &["outbound-emails", &address("slow")],
        3,
        Answer::Hang(Duration::from_secs(5)),
    );
    faults.inject(
        &["Action=Publish"],
        3,
        faults::rest_error(500, "InternalError"),
    );
    // Recording a sent delivery is throttled past the SDK's own attempts: the dispatcher
    // tries again, and the email is not sent twice.
    faults.inject(
        &["UpdateItem", "provider_message_id", "fine"],
        4,
        faults::throttled(),
    );
    let (email, sms) = senders(&faults).await;
    let dispatcher =
        notify::Dispatcher::new(stack.store.clone(), email, sms, "notify@oakvets.example");
    let now = jiff::Timestamp::now();
    let report = dispatcher.run(now).await.unwrap();
    assert_eq!((report.sent, report.retrying), (2, 3), "{report:?}");

    let (records, _) = stack
        .store
        .deliveries(&TenantId::from(TENANT), &general("c1"), None, 20)
        .await
        .unwrap();
    let status_of = |recipient: &str, channel: &str| {
        records
            .iter()
            .find(|r| r.recipient == recipient && r.channel.as_str() == channel)
            .map(|r| r.status)
    };
    assert_eq!(
        status_of("contact:busy", "email"),
        Some(DeliveryStatus::Retry)
    );
    assert_eq!(
        status_of("contact:slow", "email"),
        Some(DeliveryStatus::Retry)
    );
    assert_eq!(
        status_of("contact:texted", "sms"),
        Some(DeliveryStatus::Retry)
    );
    assert_eq!(
        status_of("contact:fine", "email"),
        Some(DeliveryStatus::Sent)
    );

    // The retries go out at their time, once each.
    let later = now + jiff::SignedDuration::from_mins(2);
    assert_eq!(dispatcher.run(later).await.unwrap().sent, 3);
    assert_eq!(
        dispatcher
            .run(later + jiff::SignedDuration::from_mins(30))
            .await
            .unwrap()
            .sent,
        0
    );
    let data = testkit::moto::data().await;
    let sent_to = |to: &str| {
        data["ses"]["Message"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| {
                m["destinations"]["ToAddresses"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x == to))
            })
            .count()
    };
    for who in ["busy", "slow", "texted", "fine"] {
        assert_eq!(sent_to(&address(who)), 1, "{who}");
    }
    assert_eq!(testkit::moto::texts_to(&phone).await.len(), 1);
}

/// An edit or deletion DynamoDB throttles is a 503 that changes nothing; one whose
/// message lost its place as the newest meanwhile goes again without the header.
#[tokio::test]
async fn a_throttled_edit_or_deletion_changes_nothing_and_a_lost_newest_place_is_retried() {
    let faults = Faults::default();
    let stack = TestApp::with_faults(TENANT, &faults).await;
    let event = post_message(json!({"customer_id": "c1", "message": "first"}));
    let (_, sent) = read_response(send::handle(&stack.app(), event.request()).await);
    let change = |method: &str, text: &str| {
        let event = ApiEvent::new(method, "/conversations/{id}/messages/{message_id}")
            .claims(&Claims::staff(TENANT, "s1"))
            .path_param("id", sent["conversation_id"].as_str().unwrap())
            .path_param("message_id", sent["id"].as_str().unwrap());
        match method {
            "PATCH" => event.json(json!({ "message": text })),
            _ => event,
        }
    };
    // The message, its version, the header: the header's condition fails once.
    faults.inject(
        &["TransactWriteItems"],
        1,
        faults::cancelled(&["None", "None", "ConditionalCheckFailed"]),
    );
    let (status, body) =
        read_response(send::handle(&stack.app(), change("PATCH", "second").request()).await);
    assert_eq!(status, 200, "{body}");
    assert_eq!(stack.messages(&general("c1"), 5).await[0].message, "second");
    assert_eq!(
        stack.header(&general("c1")).await.last_excerpt.as_deref(),
        Some("first")
    );
    for method in ["PATCH", "DELETE"] {
        faults.inject(&["TransactWriteItems"], 10, faults::throttled());
        let response = send::handle(&stack.app(), change(method, "third").request()).await;
        let (status, retry_after, code) = outcome(response);
        assert_eq!((status, code), (503, json!("unavailable")), "{method}");
        assert!(retry_after.is_some());
        let stored = &stack.messages(&general("c1"), 5).await[0];
        assert_eq!(stored.message, "second");
        assert!(!stored.changes.deleted);
    }
}
