//! Inbound texts against embedded DynamoDB: the webhook from API Gateway v2 events, the
//! SNS path from the two-way SMS fixture (replies recorded by moto under `make test`).

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use shared::domain::directory::Contact;
use shared::domain::{
    now_rfc3339, Channel, ConversationId, MessageType, MessagingMode, SenderType, Settings, Side,
    Subject,
};
use shared::settings_cache::SettingsCache;
use shared::store::{
    ConversationHeader, DirectoryStore, DueStore, DynamoStore, MessageStore, NotificationStore,
    SettingsStore,
};
use testkit::events::{form, sns_two_way_sms};
use testkit::{read_response, ApiEvent, Claims, TestStack};

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
fn container(stack: &TestStack) -> Inbound<DynamoStore> {
    let config = config(stack.store.table());
    Inbound::new(
        stack.store.clone(),
        &config,
        Arc::new(SettingsCache::new(config.settings_ttl)),
    )
}

/// A clinic with an SMS number and one contact (customer c1, contact p1) with a phone.
async fn clinic(stack: &TestStack, settings: Settings) {
    let settings = Settings {
        sms_numbers: vec![CLINIC_NUMBER.into()],
        business_name: Some("Oak Vets".into()),
        ..settings
    };
    stack.set_settings(TENANT, &settings).await;
    contact(stack, "c1", "p1", CONTACT_PHONE).await;
}

async fn contact(stack: &TestStack, customer: &str, contact: &str, phone: &str) {
    let now = now_rfc3339();
    stack
        .store
        .put_contact(
            TENANT,
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

async fn header(stack: &TestStack, conversation: &ConversationId) -> ConversationHeader {
    stack
        .store
        .conversation(TENANT, conversation)
        .await
        .unwrap()
        .expect("the conversation exists")
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

fn general() -> ConversationId {
    ConversationId::new("c1", Subject::General)
}

fn patient(id: &str) -> ConversationId {
    ConversationId::new("c1", Subject::Patient(id.into()))
}

async fn messages(
    stack: &TestStack,
    conversation: &ConversationId,
) -> Vec<shared::domain::Message> {
    stack
        .store
        .thread_page(TENANT, conversation, None, 100, None)
        .await
        .unwrap()
        .messages
}

async fn staff_send(stack: &TestStack, body: Value) {
    let event = ApiEvent::new("POST", "/messages")
        .claims(&Claims::staff(TENANT, "s1"))
        .json(body);
    let (status, body) = read_response(send::handle(&stack.app(), event.request()).await);
    assert_eq!(status, 201, "{body}");
}

async fn pending(stack: &TestStack, conversation: &ConversationId) -> bool {
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

async fn unmatched(stack: &TestStack, claims: &Claims) -> (u16, Value) {
    let event = ApiEvent::new("GET", "/sms/unmatched").claims(claims);
    read_response(admin::handle(&stack.app(), event.request()).await)
}

const EMPTY_TWIML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>";

#[tokio::test]
async fn a_contacts_text_is_an_unread_customer_message_in_their_latest_conversation() {
    let stack = TestStack::start().await;
    clinic(&stack, Settings::default()).await;
    let inbound = container(&stack);

    // No conversation yet: the general thread.
    let (status, body) = twilio(&inbound, &text("SM001", CONTACT_PHONE, "Hello?")).await;
    assert_eq!((status, body.as_str()), (200, EMPTY_TWIML));
    let first = messages(&stack, &general()).await;
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].message, "Hello?");

    // Staff write about Bella: that thread is now the most recently active one.
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
    let thread = messages(&stack, &patient("bella")).await;
    assert_eq!(thread.len(), 2);
    let reply = &thread[0];
    assert_eq!(reply.message, "Great, thanks! Can I call?");
    assert_eq!(reply.channel, Channel::Sms);
    assert_eq!(reply.external_ref.as_deref(), Some("SM002"));
    assert_eq!(reply.sender_type, SenderType::Customer);
    assert_eq!(reply.sender_id, "p1");
    assert_eq!(reply.sender_name, "Jamie Fox");
    assert_eq!(reply.message_type, MessageType::Text);

    let header = header(&stack, &patient("bella")).await;
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
    assert_eq!(messages(&stack, &general()).await.len(), 1);
}

#[tokio::test]
async fn unsigned_forged_and_unconfigured_webhooks_are_refused_and_store_nothing() {
    let stack = TestStack::start().await;
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
    assert!(messages(&stack, &general()).await.is_empty());
    assert_eq!(
        unmatched(&stack, &Claims::admin(TENANT, "a1")).await.1["texts"],
        json!([])
    );

    // Signed over the URL with its default port, configured without it: the same URL.
    let with_port = signed(&params, "https://sms.oakvets.example:443/sms/inbound");
    let (status, answer) =
        raw(handle_webhook(&inbound, webhook_event(&body, Some(&with_port)).request()).await);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(messages(&stack, &general()).await.len(), 1);
}

#[tokio::test]
async fn a_redelivered_text_never_makes_a_second_message() {
    let stack = TestStack::start().await;
    clinic(&stack, Settings::default()).await;
    let inbound = Arc::new(container(&stack));
    for _ in 0..3 {
        let (status, body) = twilio(&inbound, &text("SM200", CONTACT_PHONE, "once")).await;
        assert_eq!((status, body.as_str()), (200, EMPTY_TWIML));
    }
    assert_eq!(messages(&stack, &general()).await.len(), 1);

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
    let thread = messages(&stack, &general()).await;
    assert_eq!(thread.len(), 2);
    assert_eq!(thread.iter().filter(|m| m.message == "at once").count(), 1);
    let header = header(&stack, &general()).await;
    assert_eq!(header.unread_for(Side::Staff, "s1", None), 2);

    // Unmatched texts are kept once too.
    for _ in 0..2 {
        twilio(&inbound, &text("SM202", "+14255550999", "who is this")).await;
    }
    let (_, listed) = unmatched(&stack, &Claims::admin(TENANT, "a1")).await;
    assert_eq!(listed["texts"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn keywords_opt_out_opt_in_and_answer_help() {
    let stack = TestStack::start().await;
    clinic(&stack, Settings::default()).await;
    let inbound = container(&stack);
    staff_send(
        &stack,
        json!({"customer_id": "c1", "message": "Reminder: vaccines due."}),
    )
    .await;
    let before = header(&stack, &general()).await;
    let phones = vec![CONTACT_PHONE.to_owned()];

    let (status, body) = twilio(&inbound, &text("SM300", CONTACT_PHONE, "  stop ")).await;
    assert_eq!((status, body.as_str()), (200, EMPTY_TWIML));
    assert!(stack
        .store
        .opted_out(TENANT, &phones)
        .await
        .unwrap()
        .contains(CONTACT_PHONE));
    let thread = messages(&stack, &general()).await;
    assert_eq!(thread.len(), 2);
    let notice = &thread[0];
    assert_eq!(notice.sender_type, SenderType::System);
    assert_eq!(notice.message_type, MessageType::System);
    assert_eq!(notice.channel, Channel::Sms);
    assert_eq!(notice.external_ref.as_deref(), Some("SM300"));
    assert_eq!(notice.metadata.as_ref().unwrap()["event"], "sms_opt_out");
    assert!(notice.message.contains("opted out"), "{}", notice.message);
    let after = header(&stack, &general()).await;
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
    assert_eq!(messages(&stack, &general()).await.len(), 2);

    let (_, body) = twilio(&inbound, &text("SM304", CONTACT_PHONE, "HELP")).await;
    assert!(
        body.contains("<Message>Oak Vets: messages about your account"),
        "{body}"
    );
    let (_, body) = twilio(&inbound, &text("SM305", CONTACT_PHONE, "Start")).await;
    assert_eq!(body, EMPTY_TWIML);
    assert!(stack
        .store
        .opted_out(TENANT, &phones)
        .await
        .unwrap()
        .is_empty());
    let thread = messages(&stack, &general()).await;
    assert_eq!(thread.len(), 3);
    assert_eq!(thread[0].metadata.as_ref().unwrap()["event"], "sms_opt_in");

    // The tenant's own help text, escaped into TwiML.
    let mut settings = stack.store.get_settings(TENANT).await.unwrap().unwrap();
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
        messages(&stack, &general()).await[0].message,
        "please stop by at 5"
    );
    assert!(stack
        .store
        .opted_out(TENANT, &phones)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn unknown_senders_are_kept_for_admins_as_they_arrived() {
    let stack = TestStack::start().await;
    clinic(&stack, Settings::default()).await;
    let inbound = container(&stack);
    let stranger = "+14255550777";
    let (status, body) = twilio(&inbound, &text("SM400", stranger, "Is this the vet?")).await;
    assert_eq!((status, body.as_str()), (200, EMPTY_TWIML));
    // A contact with that number added afterwards does not change what was kept.
    contact(&stack, "c2", "p2", stranger).await;

    let admin = Claims::admin(TENANT, "a1");
    let (status, listed) = unmatched(&stack, &admin).await;
    assert_eq!(status, 200, "{listed}");
    let texts = listed["texts"].as_array().unwrap();
    assert_eq!(texts.len(), 1);
    assert_eq!(texts[0]["from"], stranger);
    assert_eq!(texts[0]["to"], CLINIC_NUMBER);
    assert_eq!(texts[0]["body"], "Is this the vet?");
    assert_eq!(texts[0]["provider"], "twilio");
    assert_eq!(texts[0]["provider_message_id"], "SM400");
    assert_eq!(texts[0]["reason"], "unknown_sender");
    assert_eq!(texts[0]["customer_id"], Value::Null);

    // Kept as clean as a message: no tags, no control or bidi characters.
    tokio::time::sleep(Duration::from_millis(3)).await;
    let (status, body) = twilio(
        &inbound,
        &text(
            "SM401",
            "+14255550555",
            "<b>hi</b>\u{0007} \u{202E}there<script>x</script>",
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, listed) = unmatched(&stack, &admin).await;
    assert_eq!(listed["texts"][0]["body"], "hi there");

    // Pages, newest first (ids order by time: a few milliseconds apart).
    for i in 0..3 {
        tokio::time::sleep(Duration::from_millis(3)).await;
        twilio(
            &inbound,
            &text(&format!("SM41{i}"), "+14255550666", &format!("n{i}")),
        )
        .await;
    }
    let event = ApiEvent::new("GET", "/sms/unmatched")
        .claims(&admin)
        .query("limit", "3");
    let (_, page) = read_response(admin::handle(&stack.app(), event.request()).await);
    assert_eq!(page["texts"][0]["body"], "n2");
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    let event = ApiEvent::new("GET", "/sms/unmatched")
        .claims(&admin)
        .query("cursor", &cursor);
    let (_, page) = read_response(admin::handle(&stack.app(), event.request()).await);
    assert_eq!(page["texts"][0]["body"], "hi there");
    assert_eq!(page["texts"][1]["body"], "Is this the vet?");
    assert_eq!(page["next_cursor"], Value::Null);

    // Admins only, and only their own tenant's.
    for claims in [
        Claims::staff(TENANT, "s1"),
        Claims::service(TENANT, "svc"),
        Claims::basic_staff(TENANT, "b1"),
        Claims::customer(TENANT, "p1", "c1"),
    ] {
        assert_eq!(unmatched(&stack, &claims).await.0, 403);
    }
    let (status, foreign) = unmatched(&stack, &Claims::admin("clinic-b", "a9")).await;
    assert_eq!((status, foreign["texts"].clone()), (200, json!([])));
    let (status, _) = read_response(
        admin::handle(
            &stack.app(),
            ApiEvent::new("GET", "/sms/unmatched")
                .claims(&Claims::admin("clinic-b", "a9"))
                .query("cursor", &cursor)
                .request(),
        )
        .await,
    );
    assert_eq!(status, 400, "another tenant's cursor");
}

#[tokio::test]
async fn while_messaging_is_off_texts_are_kept_and_the_sender_gets_one_auto_reply_a_day() {
    for (mode, reason) in [
        (MessagingMode::Disabled, "messaging_disabled"),
        (MessagingMode::ReadOnly, "messaging_read_only"),
    ] {
        let stack = TestStack::start().await;
        clinic(
            &stack,
            Settings {
                mode,
                sms_auto_reply: Some("We are closed for texts today.".into()),
                ..Settings::default()
            },
        )
        .await;
        let inbound = container(&stack);
        let (status, body) = twilio(&inbound, &text("SM500", CONTACT_PHONE, "Hello?")).await;
        assert_eq!(status, 200);
        assert!(
            body.contains("<Message>We are closed for texts today.</Message>"),
            "{body}"
        );
        let (_, body) = twilio(&inbound, &text("SM501", CONTACT_PHONE, "Anyone?")).await;
        assert_eq!(body, EMPTY_TWIML, "at most once a day");
        // Another number gets its own.
        let (_, body) = twilio(&inbound, &text("SM502", "+14255550123", "Hi")).await;
        assert!(body.contains("closed for texts"), "{body}");
        // STOP is honoured whatever the mode, without the auto-reply.
        let (_, body) = twilio(&inbound, &text("SM503", "+14255550124", "STOP")).await;
        assert_eq!(body, EMPTY_TWIML);
        assert_eq!(
            stack
                .store
                .opted_out(TENANT, &["+14255550124".to_owned()])
                .await
                .unwrap()
                .len(),
            1
        );

        assert!(messages(&stack, &general()).await.is_empty(), "{reason}");
        let (_, listed) = unmatched(&stack, &Claims::admin(TENANT, "a1")).await;
        let texts = listed["texts"].as_array().unwrap();
        assert_eq!(texts.len(), 4);
        let first = texts
            .iter()
            .find(|t| t["provider_message_id"] == "SM500")
            .unwrap();
        assert_eq!(first["reason"], reason);
        assert_eq!(first["customer_id"], "c1", "the contact it came from");
        assert_eq!(first["contact_id"], "p1");
    }
}

#[tokio::test]
async fn bad_input_is_a_clear_4xx_and_stores_nothing() {
    let stack = TestStack::start().await;
    clinic(&stack, Settings::default()).await;
    let inbound = container(&stack);
    let too_long = "x".repeat(1601);
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, u16, &'a str);
    let cases: Vec<Case> = vec![
        (
            "no sid",
            vec![
                ("From", CONTACT_PHONE),
                ("To", CLINIC_NUMBER),
                ("Body", "x"),
            ],
            400,
            "missing_field",
        ),
        (
            "no body",
            vec![
                ("MessageSid", "SM1"),
                ("From", CONTACT_PHONE),
                ("To", CLINIC_NUMBER),
            ],
            400,
            "missing_field",
        ),
        (
            "bad sender",
            vec![
                ("MessageSid", "SM1"),
                ("From", "555-0100"),
                ("To", CLINIC_NUMBER),
                ("Body", "x"),
            ],
            400,
            "invalid_phone",
        ),
        (
            "bad sid",
            vec![
                ("MessageSid", "SM#1"),
                ("From", CONTACT_PHONE),
                ("To", CLINIC_NUMBER),
                ("Body", "x"),
            ],
            400,
            "invalid_message_id",
        ),
        (
            "too long",
            vec![
                ("MessageSid", "SM1"),
                ("From", CONTACT_PHONE),
                ("To", CLINIC_NUMBER),
                ("Body", &too_long),
            ],
            400,
            "message_too_long",
        ),
        (
            "unknown number",
            vec![
                ("MessageSid", "SM1"),
                ("From", CONTACT_PHONE),
                ("To", OTHER_CLINIC_NUMBER),
                ("Body", "x"),
            ],
            404,
            "unknown_number",
        ),
    ];
    for (case, params, status, code) in cases {
        let event = webhook_event(&form(&params), Some(&signed(&params, URL)));
        let (got, body) = raw(handle_webhook(&inbound, event.request()).await);
        assert_eq!(got, status, "{case}: {body}");
        assert!(body.contains(code), "{case}: {body}");
    }
    // Bytes that are not UTF-8 once decoded.
    let event =
        webhook_event("", Some("x")).raw_body(b"MessageSid=SM1&Body=%FF%FE&From=%2B14255550182");
    let (status, body) = raw(handle_webhook(&inbound, event.request()).await);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("invalid_encoding"), "{body}");
    // An empty text (a picture without words) is acknowledged and not stored.
    let (status, _) = twilio(&inbound, &text("SM600", CONTACT_PHONE, "   ")).await;
    assert_eq!(status, 200);

    assert!(messages(&stack, &general()).await.is_empty());
    let (_, listed) = unmatched(&stack, &Claims::admin(TENANT, "a1")).await;
    assert_eq!(listed["texts"], json!([]));
}

#[tokio::test]
async fn an_inbound_text_costs_at_most_four_requests_once_the_number_is_known() {
    let stack = TestStack::start().await;
    clinic(&stack, Settings::default()).await;
    staff_send(
        &stack,
        json!({"customer_id": "c1", "patient_id": "bella", "message": "hi"}),
    )
    .await;
    let inbound = container(&stack);

    stack.requests.reset();
    twilio(&inbound, &text("SM700", CONTACT_PHONE, "first")).await;
    // A cold container reads the number's tenant once.
    assert_eq!(
        stack.requests.operations(),
        [
            "GetItem",
            "BatchGetItem",
            "Query",
            "BatchGetItem",
            "TransactWriteItems"
        ]
    );

    for (sid, from, body, expected) in [
        (
            "SM701",
            CONTACT_PHONE,
            "a message",
            vec![
                "BatchGetItem",
                "Query",
                "BatchGetItem",
                "TransactWriteItems",
            ],
        ),
        (
            "SM701",
            CONTACT_PHONE,
            "a message",
            vec![
                "BatchGetItem",
                "Query",
                "BatchGetItem",
                "TransactWriteItems",
            ],
        ),
        (
            "SM702",
            CONTACT_PHONE,
            "STOP",
            vec![
                "BatchGetItem",
                "Query",
                "BatchGetItem",
                "TransactWriteItems",
            ],
        ),
        (
            "SM703",
            CONTACT_PHONE,
            "HELP",
            vec!["BatchGetItem", "TransactWriteItems"],
        ),
        (
            "SM704",
            "+14255550777",
            "who?",
            vec!["BatchGetItem", "TransactWriteItems"],
        ),
    ] {
        stack.requests.reset();
        twilio(&inbound, &text(sid, from, body)).await;
        assert_eq!(stack.requests.operations(), expected, "{sid} {body}");
        assert!(stack.requests.total() <= 4);
    }
    assert_eq!(messages(&stack, &patient("bella")).await.len(), 4);
}

#[tokio::test]
async fn settings_claim_sms_numbers_for_one_tenant() {
    let stack = TestStack::start().await;
    clinic(&stack, Settings::default()).await;
    let admin_b = Claims::admin("clinic-b", "a9");
    let put = |claims: &Claims, body: Value| {
        ApiEvent::new("PUT", "/settings/messaging")
            .claims(claims)
            .json(body)
    };
    let (status, body) = read_response(
        admin::handle(
            &stack.app(),
            put(&admin_b, json!({"sms_numbers": [CLINIC_NUMBER]})).request(),
        )
        .await,
    );
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "sms_number_in_use");
    assert!(
        stack
            .store
            .get_settings("clinic-b")
            .await
            .unwrap()
            .is_none(),
        "nothing stored"
    );
    for bad in [
        json!(["+1"]),
        json!([CLINIC_NUMBER, CLINIC_NUMBER]),
        json!("x"),
    ] {
        let (status, _) = read_response(
            admin::handle(
                &stack.app(),
                put(&admin_b, json!({"sms_numbers": bad})).request(),
            )
            .await,
        );
        assert_eq!(status, 400, "{bad}");
    }

    // Clinic A gives the number up for another; clinic B can then have it.
    let admin_a = Claims::admin(TENANT, "a1");
    let (status, body) = read_response(
        admin::handle(
            &stack.app(),
            put(
                &admin_a,
                json!({"sms_numbers": [OTHER_CLINIC_NUMBER], "sms_help_text": "Call us"}),
            )
            .request(),
        )
        .await,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["sms_numbers"], json!([OTHER_CLINIC_NUMBER]));
    let (status, _) = read_response(
        admin::handle(
            &stack.app(),
            put(&admin_b, json!({"sms_numbers": [CLINIC_NUMBER]})).request(),
        )
        .await,
    );
    assert_eq!(status, 200);
    // A text to the old number is clinic B's now (an unknown sender there).
    let (status, _) = twilio(&container(&stack), &text("SM800", CONTACT_PHONE, "hi")).await;
    assert_eq!(status, 200);
    assert!(messages(&stack, &general()).await.is_empty());
    let (_, listed) = unmatched(&stack, &admin_b).await;
    assert_eq!(listed["texts"][0]["reason"], "unknown_sender");
}

/// SNS events and replies by SMS need moto (`make test`).
#[tokio::test]
async fn two_way_sms_from_sns_is_taken_the_same_way() {
    let stack = TestStack::start().await;
    clinic(&stack, Settings::default()).await;
    let inbound = container(&stack);
    let replies =
        shared::notify::SnsSms::new(aws_sdk_sns::Client::new(&testkit::moto::sdk_config().await));

    // The fixture as AWS delivers it: its sender is the clinic's contact.
    let event = sns_two_way_sms(&[]);
    for _ in 0..2 {
        let out = handle_event(&inbound, &replies, event.clone())
            .await
            .unwrap();
        assert_eq!(out, Value::Null);
    }
    let thread = messages(&stack, &general()).await;
    assert_eq!(thread.len(), 1, "a redelivery adds nothing");
    assert_eq!(thread[0].message, "Is Bella ready to be picked up?");
    assert_eq!(
        thread[0].external_ref.as_deref(),
        Some("cae173d2-66b9-564c-8309-21f858e9fb84")
    );
    assert_eq!(thread[0].channel, Channel::Sms);

    // HELP is answered by SMS from the clinic's number.
    let asker = format!("+1425{:07}", ulid::Ulid::new().random() as u64 % 10_000_000);
    let help = sns_two_way_sms(&[
        ("originationNumber", &asker),
        ("messageBody", "help"),
        ("inboundMessageId", "0b1d7f1e-help"),
    ]);
    handle_event(&inbound, &replies, help).await.unwrap();
    let sent = testkit::moto::texts_to(&asker).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0]["message"].as_str().unwrap().contains("Reply STOP"));

    // What is not a two-way SMS is dropped without failing the invocation.
    let mut broken = sns_two_way_sms(&[]);
    broken["Records"][0]["Sns"]["Message"] = "not json".into();
    assert!(handle_event(&inbound, &replies, broken).await.is_ok());
    let unknown = sns_two_way_sms(&[
        ("destinationNumber", OTHER_CLINIC_NUMBER),
        ("inboundMessageId", "unknown-destination"),
    ]);
    assert!(handle_event(&inbound, &replies, unknown).await.is_ok());
    assert_eq!(messages(&stack, &general()).await.len(), 1);

    // The webhook through the same Lambda entry point answers in API Gateway's format.
    let params = [
        ("MessageSid", "SM900"),
        ("From", CONTACT_PHONE),
        ("To", CLINIC_NUMBER),
        ("Body", "via the gateway"),
    ];
    let event = webhook_event(&form(&params), Some(&signed(&params, URL))).to_json();
    let out = handle_event(&inbound, &replies, event).await.unwrap();
    assert_eq!(out["statusCode"], 200);
    assert_eq!(out["headers"]["content-type"], "text/xml; charset=utf-8");
    assert_eq!(out["body"], EMPTY_TWIML);
    assert_eq!(messages(&stack, &general()).await.len(), 2);
}

/// After STOP the dispatcher texts the number nothing, even when staff ask for SMS.
#[tokio::test]
async fn an_opted_out_number_gets_no_sms_from_the_dispatcher() {
    let stack = TestStack::start().await;
    let phone = format!("+1425{:07}", ulid::Ulid::new().random() as u64 % 10_000_000);
    clinic(&stack, Settings::default()).await;
    contact(&stack, "c1", "p1", &phone).await;
    let inbound = container(&stack);
    let (status, _) = twilio(&inbound, &text("SM950", &phone, "STOP")).await;
    assert_eq!(status, 200);
    staff_send(
        &stack,
        json!({"customer_id": "c1", "message": "Your invoice", "notify": ["sms"]}),
    )
    .await;
    let aws = testkit::moto::sdk_config().await;
    let dispatcher = notify::Dispatcher {
        store: stack.store.clone(),
        email: shared::notify::SesEmail::new(aws_sdk_sesv2::Client::new(&aws)),
        sms: shared::notify::SnsSms::new(aws_sdk_sns::Client::new(&aws)),
        from_email: "notify@oakvets.example".into(),
        concurrency: notify::DEFAULT_CONCURRENCY,
    };
    dispatcher.run(jiff::Timestamp::now()).await.unwrap();
    assert!(testkit::moto::texts_to(&phone).await.is_empty());

    // START: texts reach the number again, from the clinic's number.
    twilio(&inbound, &text("SM951", &phone, "START")).await;
    staff_send(
        &stack,
        json!({"customer_id": "c1", "message": "Your receipt", "notify": ["sms"]}),
    )
    .await;
    dispatcher.run(jiff::Timestamp::now()).await.unwrap();
    let sent = testkit::moto::texts_to(&phone).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
}

#[test]
fn configuration_needs_both_webhook_settings_or_neither() {
    let lookup = |vars: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    };
    let none = InboundConfig::from_lookup(lookup(&[("TABLE_NAME", "t")])).unwrap();
    assert!(none.webhook.is_none());
    let both = InboundConfig::from_lookup(lookup(&[
        ("TABLE_NAME", "t"),
        ("SMS_WEBHOOK_URL", "https://api.example.com/sms/inbound"),
        ("SMS_WEBHOOK_AUTH_TOKEN", "secret"),
    ]))
    .unwrap();
    assert_eq!(both.webhook.unwrap().auth_token, "secret");
    let half = InboundConfig::from_lookup(lookup(&[
        ("TABLE_NAME", "t"),
        ("SMS_WEBHOOK_AUTH_TOKEN", "secret"),
    ]))
    .unwrap_err();
    assert!(half.to_string().contains("SMS_WEBHOOK_URL"));
    let relative = InboundConfig::from_lookup(lookup(&[
        ("TABLE_NAME", "t"),
        ("SMS_WEBHOOK_URL", "/sms/inbound"),
        ("SMS_WEBHOOK_AUTH_TOKEN", "secret"),
    ]))
    .unwrap_err();
    assert!(relative.to_string().contains("SMS_WEBHOOK_URL"));
    assert!(InboundConfig::from_lookup(lookup(&[])).is_err());
}

/// DynamoDB unreachable: the webhook answers 503 with Retry-After (the provider retries)
/// and the SNS invocation fails (Lambda retries it); nothing is half written.
#[tokio::test]
async fn storage_failures_ask_for_a_retry() {
    let client = testkit::dynamodb::client("http://127.0.0.1:9", None);
    let store = DynamoStore::new(client, "tidings");
    let config = config("tidings");
    let inbound = Inbound::new(
        store,
        &config,
        Arc::new(SettingsCache::new(config.settings_ttl)),
    );
    let params = text("SM990", CONTACT_PHONE, "hello");
    let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let event = webhook_event(&form(&params), Some(&signed(&params, URL)));
    let response = handle_webhook(&inbound, event.request()).await;
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    assert!(raw(response).1.contains("\"error\""));

    let replies = NoReplies;
    assert!(handle_event(&inbound, &replies, sns_two_way_sms(&[]))
        .await
        .is_err());
}

struct NoReplies;

impl shared::notify::SmsSender for NoReplies {
    async fn send_sms(
        &self,
        _from: Option<&str>,
        _to: &str,
        _text: &str,
    ) -> Result<String, shared::notify::SendError> {
        Err(shared::notify::SendError::Permanent(
            "not in this test".into(),
        ))
    }
}

mod keywords;
