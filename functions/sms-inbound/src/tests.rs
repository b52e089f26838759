//! Inbound texts against embedded DynamoDB: the webhook from API Gateway v2 events, the
//! SNS path from the two-way SMS fixture (replies recorded by moto under `make test`).

use shared::domain::ids::TenantId;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use shared::domain::directory::Contact;
use shared::domain::{
    now_rfc3339, Channel, ConversationId, MessageType, MessagingMode, SenderType, Settings, Side,
    Subject,
};
use shared::settings_cache::SettingsCache;
use shared::store::{DirectoryStore, DueStore, DynamoStore, NotificationStore, SettingsStore};
use testkit::app::general;
use testkit::events::{form, sns_two_way_sms};
use testkit::{read_response, ApiEvent, Claims, TestApp};

use super::{handle_event, handle_webhook, Inbound, InboundConfig, Webhook};

const TENANT: &str = "clinic-a";
const CLINIC_NUMBER: &str = "+12125550101";
const OTHER_CLINIC_NUMBER: &str = "+12125550202";
const CONTACT_PHONE: &str = "+14255550182";
const TOKEN: &str = "test-auth-token";
const URL: &str = "https://sms.oakvets.example/sms/inbound";

fn config(table: &str) -> InboundConfig {
    InboundConfig {
        table_name: table.to_owned(),
        settings_ttl: Duration::from_secs(30),
        webhook: Some(Webhook {
            public_url: URL.into(),
            auth_token: TOKEN.into(),
        }),
    }
}

/// What one container builds.
fn container(stack: &TestApp) -> Inbound<DynamoStore> {
    let config = config(stack.store.table());
    Inbound::new(
        stack.store.clone(),
        &config,
        Arc::new(SettingsCache::new(config.settings_ttl)),
    )
}

/// A clinic with an SMS number and one contact (customer c1, contact p1) with a phone.
async fn clinic(stack: &TestApp, settings: Settings) {
    let settings = Settings {
        sms_numbers: vec![CLINIC_NUMBER.into()],
        business_name: Some("Oak Vets".into()),
        ..settings
    };
    stack.set_settings(TENANT, &settings).await;
    contact(stack, "c1", "p1", CONTACT_PHONE).await;
}

async fn contact(stack: &TestApp, customer: &str, contact: &str, phone: &str) {
    let now = now_rfc3339();
    stack
        .store
        .put_contact(
            &TenantId::from(TENANT),
            &Contact {
                customer_id: customer.into(),
                contact_id: contact.into(),
                name: "Jamie Fox".into(),
                email: None,
                phone: Some(phone.into()),
                email_opt_in: false,
                sms_opt_in: true,
                created_at: now.clone(),
                updated_at: now,
            },
        )
        .await
        .unwrap();
}

fn signed(params: &[(&str, &str)], url: &str) -> String {
    testkit::events::twilio_signature(TOKEN, url, params)
}

/// The provider's webhook as API Gateway delivers it (no authorizer).
fn webhook_event(body: &str, signature: Option<&str>) -> ApiEvent {
    let mut event = ApiEvent::new("POST", "/sms/inbound")
        .anonymous()
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    if let Some(signature) = signature {
        event = event.header("x-twilio-signature", signature);
    }
    event
}

fn text(sid: &str, from: &str, body: &str) -> Vec<(&'static str, String)> {
    vec![
        ("MessageSid", sid.to_owned()),
        ("SmsSid", sid.to_owned()),
        (
            "AccountSid",
            "AC0123456789abcdef0123456789abcdef".to_owned(),
        ),
        ("From", from.to_owned()),
        ("To", CLINIC_NUMBER.to_owned()),
        ("Body", body.to_owned()),
        ("NumMedia", "0".to_owned()),
    ]
}

/// A signed webhook call: status and body.
async fn twilio(inbound: &Inbound<DynamoStore>, params: &[(&str, String)]) -> (u16, String) {
    let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let event = webhook_event(&form(&params), Some(&signed(&params, URL)));
    raw(handle_webhook(inbound, event.request()).await)
}

fn raw(response: shared::http::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body = match response.body() {
        lambda_http::Body::Text(text) => text.clone(),
        lambda_http::Body::Binary(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        _ => String::new(),
    };
    (status, body)
}

fn patient(id: &str) -> ConversationId {
    ConversationId::new("c1", Subject::Patient(id.into()))
}

async fn staff_send(stack: &TestApp, body: Value) {
    let staff = Claims::staff(TENANT, "s1");
    stack.send_as(send::handle, &staff, body).await;
}

async fn pending(stack: &TestApp, conversation: &ConversationId) -> bool {
    let later = shared::domain::format_timestamp(
        jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24),
    );
    for shard in 0..shared::store::keys::DUE_SHARDS {
        let due = stack
            .store
            .due(shard, &later, 100, None)
            .await
            .unwrap()
            .passes;
        if due.iter().any(|d| &d.conversation == conversation) {
            return true;
        }
    }
    false
}

async fn unmatched(stack: &TestApp, claims: &Claims) -> (u16, Value) {
    let event = ApiEvent::new("GET", "/sms/unmatched").claims(claims);
    read_response(admin::handle(&stack.app(), event.request()).await)
}

const EMPTY_TWIML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>";

#[tokio::test]
async fn a_contacts_text_is_an_unread_customer_message_in_their_latest_conversation() {
    let stack = TestApp::start(TENANT).await;
    clinic(&stack, Settings::default()).await;
    let inbound = container(&stack);

    // No conversation yet: the general thread.
    let (status, body) = twilio(&inbound, &text("SM001", CONTACT_PHONE, "Hello?")).await;
    assert_eq!((status, body.as_str()), (200, EMPTY_TWIML));
    let first = stack.messages(&general("c1"), 100).await;
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].message, "Hello?");

    // Staff write about Bella: that thread is now the most recently active one.
    testkit::seed::patient(&stack.store, TENANT, "c1", "bella").await;
    staff_send(
        &stack,
        json!({"customer_id": "c1", "patient_id": "bella", "message": "Bella's X-ray is in."}),
    )
    .await;
    let (status, _) = twilio(
        &inbound,
        &text(
            "SM002",
            CONTACT_PHONE,
            "  Great, <b>thanks</b>! Can I call?\u{7} ",
        ),
    )
    .await;
    assert_eq!(status, 200);
    let thread = stack.messages(&patient("bella"), 100).await;
    assert_eq!(thread.len(), 2);
    let reply = &thread[0];
    assert_eq!(reply.message, "Great, thanks! Can I call?");
    assert_eq!(reply.channel, Channel::Sms);
    assert_eq!(reply.external_ref.as_deref(), Some("SM002"));
    assert_eq!(reply.sender_type, SenderType::Customer);
    assert_eq!(reply.sender_id, "p1");
    assert_eq!(reply.sender_name, "Jamie Fox");
    assert_eq!(reply.message_type, MessageType::Text);

    let header = stack.header(&patient("bella")).await;
    assert_eq!(
        header.unread_for(Side::Staff, "s1", None),
        1,
        "unread for staff"
    );
    assert_eq!(
        header.unread_for(Side::Customer, "p1", None),
        0,
        "read by its sender"
    );
    assert!(
        pending(&stack, &patient("bella")).await,
        "staff get notified"
    );
    assert_eq!(stack.messages(&general("c1"), 100).await.len(), 1);
}

#[tokio::test]
async fn unsigned_forged_and_unconfigured_webhooks_are_refused_and_store_nothing() {
    let stack = TestApp::start(TENANT).await;
    clinic(&stack, Settings::default()).await;
    let inbound = container(&stack);
    let params = [
        ("MessageSid", "SM100"),
        ("From", CONTACT_PHONE),
        ("To", CLINIC_NUMBER),
        ("Body", "hi"),
    ];
    let body = form(&params);
    let good = signed(&params, URL);
    let other_token = testkit::events::twilio_signature("another-token", URL, &params);
    let elsewhere = signed(&params, "https://evil.example/sms/inbound");
    let altered = form(&[
        ("MessageSid", "SM100"),
        ("From", CONTACT_PHONE),
        ("To", CLINIC_NUMBER),
        ("Body", "hi there"),
    ]);
    for (case, body, signature) in [
        ("no signature", body.as_str(), None),
        ("empty signature", body.as_str(), Some("")),
        ("another token", body.as_str(), Some(other_token.as_str())),
        ("altered body", altered.as_str(), Some(good.as_str())),
        ("another URL", body.as_str(), Some(elsewhere.as_str())),
    ] {
        let (status, answer) =
            raw(handle_webhook(&inbound, webhook_event(body, signature).request()).await);
        assert_eq!(status, 403, "{case}: {answer}");
        assert!(answer.contains("invalid_signature"), "{case}: {answer}");
    }
    let unconfigured = Inbound {
        webhook: None,
        ..container(&stack)
    };
    let (status, _) =
        raw(handle_webhook(&unconfigured, webhook_event(&body, Some(&good)).request()).await);
    assert_eq!(status, 403);
    assert!(stack.messages(&general("c1"), 100).await.is_empty());
    assert_eq!(
        unmatched(&stack, &Claims::admin(TENANT, "a1")).await.1["texts"],
        json!([])
    );

    // Signed over the URL with its default port, configured without it: the same URL.
    let with_port = signed(&params, "https://sms.oakvets.example:443/sms/inbound");
    let (status, answer) =
        raw(handle_webhook(&inbound, webhook_event(&body, Some(&with_port)).request()).await);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(stack.messages(&general("c1"), 100).await.len(), 1);
}

#[tokio::test]
async fn a_redelivered_text_never_makes_a_second_message() {
    let stack = TestApp::start(TENANT).await;
    clinic(&stack, Settings::default()).await;
    let inbound = Arc::new(container(&stack));
    for _ in 0..3 {
        let (status, body) = twilio(&inbound, &text("SM200", CONTACT_PHONE, "once")).await;
        assert_eq!((status, body.as_str()), (200, EMPTY_TWIML));
    }
    assert_eq!(stack.messages(&general("c1"), 100).await.len(), 1);

    // Twenty deliveries of one text at the same time, each its own container.
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let inbound = container(&stack);
        tasks.push(tokio::spawn(async move {
            twilio(&inbound, &text("SM201", CONTACT_PHONE, "at once")).await
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap().0, 200);
    }
    let thread = stack.messages(&general("c1"), 100).await;
    assert_eq!(thread.len(), 2);
    assert_eq!(thread.iter().filter(|m| m.message == "at once").count(), 1);
    let header = stack.header(&general("c1")).await;
    assert_eq!(header.unread_for(Side::Staff, "s1", None), 2);

    // Unmatched texts are kept once too.
    for _ in 0..2 {
        twilio(&inbound, &text("SM202", "+14255550999", "who is this")).await;
    }
    let (_, listed) = unmatched(&stack, &Claims::admin(TENANT, "a1")).await;
    assert_eq!(listed["texts"].as_array().unwrap().len(), 1);
}

mod keywords;

mod refused;

mod paths;

mod secrets;

mod secret_reads;
