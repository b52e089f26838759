//! The SNS path, SMS numbers granted by the operator, what a text costs, configuration and storage failures.

use super::*;
use shared::domain::ids::TenantId;

#[tokio::test]
async fn an_inbound_text_costs_at_most_four_requests_once_the_number_is_known() {
    let stack = TestApp::start(TENANT).await;
    clinic(&stack, Settings::default()).await;
    testkit::seed::patient(&stack.store, TENANT, "c1", "bella").await;
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
        ["GetItem", "BatchGetItem", "Query", "TransactWriteItems"]
    );

    for (sid, from, body, expected) in [
        (
            "SM701",
            CONTACT_PHONE,
            "a message",
            vec!["BatchGetItem", "Query", "TransactWriteItems"],
        ),
        (
            "SM701",
            CONTACT_PHONE,
            "a message",
            vec!["BatchGetItem", "Query", "TransactWriteItems"],
        ),
        (
            "SM702",
            CONTACT_PHONE,
            "STOP",
            vec!["BatchGetItem", "Query", "TransactWriteItems"],
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
    assert_eq!(stack.messages(&patient("bella"), 100).await.len(), 4);
}

#[tokio::test]
async fn tenants_choose_only_numbers_the_operator_granted_them() {
    let stack = TestApp::start(TENANT).await;
    clinic(&stack, Settings::default()).await;
    let admin_b = Claims::admin("clinic-b", "a9");
    let put = |claims: &Claims, body: Value| {
        ApiEvent::new("PUT", "/settings/messaging")
            .claims(claims)
            .json(body)
    };
    let settings_put = |claims: &Claims, body: Value| {
        let request = put(claims, body).request();
        let app = stack.app();
        async move { read_response(admin::handle(&app, request).await) }
    };
    // Clinic A's number and a number nobody holds get the same answer: no hint of A.
    let mut answers = Vec::new();
    for number in [CLINIC_NUMBER, "+15550109999"] {
        let (status, body) = settings_put(&admin_b, json!({"sms_numbers": [number]})).await;
        assert_eq!(status, 403, "{body}");
        assert_eq!(body["error"]["code"], "not_granted");
        answers.push(
            body["error"]["message"]
                .as_str()
                .unwrap_or("")
                .replace(number, "N"),
        );
    }
    assert_eq!(answers[0], answers[1]);
    assert!(
        stack
            .store
            .get_settings(&TenantId::from("clinic-b"))
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
        let (status, _) = settings_put(&admin_b, json!({"sms_numbers": bad})).await;
        assert_eq!(status, 400, "{bad}");
    }
    let (status, body) =
        settings_put(&admin_b, json!({"from_email": "notify@oakvets.example"})).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (403, &json!("not_granted"))
    );

    // The operator moves the number from clinic A to clinic B: a text to it is B's now
    // (an unknown sender there), and B may choose it.
    let operator_put = |tenant: &str, body: Value| {
        let request = ApiEvent::new("PUT", "/operator/tenants/{tenant_id}/grant")
            .path_param("tenant_id", tenant)
            .operator()
            .json(body)
            .request();
        let app = stack.app();
        async move { read_response(admin::handle(&app, request).await) }
    };
    let (status, body) = operator_put("clinic-b", json!({"sms_numbers": [CLINIC_NUMBER]})).await;
    assert_eq!(status, 409, "still clinic A's: {body}");
    assert_eq!(body["error"]["code"], "sms_number_granted_elsewhere");
    let (status, _) = operator_put(TENANT, json!({"sms_numbers": [OTHER_CLINIC_NUMBER]})).await;
    assert_eq!(status, 200);
    let (status, body) = operator_put("clinic-b", json!({"sms_numbers": [CLINIC_NUMBER]})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["grant"]["sms_numbers"], json!([CLINIC_NUMBER]));
    let (status, body) = settings_put(&admin_b, json!({"sms_numbers": [CLINIC_NUMBER]})).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = twilio(&container(&stack), &text("SM800", CONTACT_PHONE, "hi")).await;
    assert_eq!(status, 200);
    assert!(stack.messages(&general("c1"), 100).await.is_empty());
    let (_, listed) = unmatched(&stack, &admin_b).await;
    assert_eq!(listed["texts"][0]["reason"], "unknown_sender");
}

/// SNS events and replies by SMS need moto (`make test`).
#[tokio::test]
async fn two_way_sms_from_sns_is_taken_the_same_way() {
    let stack = TestApp::start(TENANT).await;
    clinic(&stack, Settings::default()).await;
    let inbound = container(&stack);
    let replies = testkit::moto::sms().await;

    // The fixture as AWS delivers it: its sender is the clinic's contact.
    let event = sns_two_way_sms(&[]);
    for _ in 0..2 {
        let out = handle_event(&inbound, &replies, event.clone())
            .await
            .unwrap();
        assert_eq!(out, Value::Null);
    }
    let thread = stack.messages(&general("c1"), 100).await;
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
    assert_eq!(stack.messages(&general("c1"), 100).await.len(), 1);

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
    assert_eq!(stack.messages(&general("c1"), 100).await.len(), 2);
}

/// After STOP the dispatcher texts the number nothing, even when staff ask for SMS.
#[tokio::test]
async fn an_opted_out_number_gets_no_sms_from_the_dispatcher() {
    let stack = TestApp::start(TENANT).await;
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
    let dispatcher = notify::Dispatcher {
        store: stack.store.clone(),
        email: testkit::moto::email().await,
        sms: testkit::moto::sms().await,
        from_email: "notify@oakvets.example".into(),
        reply_domain: None,
        api_url: None,
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

/// A request DynamoDB refuses for good (denied by IAM, or invalid) is no reason to lose a
/// text: the SNS invocation fails, so Lambda retries it and then puts it in the failure
/// queue; once storage takes it, the retry stores it once.
#[tokio::test]
async fn a_text_storage_refuses_fails_the_sns_invocation() {
    for error in ["AccessDeniedException", "ValidationException"] {
        let faults = testkit::faults::Faults::default();
        let stack = TestApp::with_faults(TENANT, &faults).await;
        clinic(&stack, Settings::default()).await;
        let inbound = container(&stack);
        faults.inject(
            &["TransactWriteItems"],
            1,
            testkit::faults::dynamodb_error(error, json!({})),
        );
        let event = sns_two_way_sms(&[]);
        let failed = handle_event(&inbound, &NoReplies, event.clone()).await;
        assert!(failed.is_err(), "{error}: the invocation must fail");
        assert_eq!(faults.injected(), 1);
        assert!(stack.messages(&general("c1"), 100).await.is_empty());

        // Lambda's retry.
        handle_event(&inbound, &NoReplies, event).await.unwrap();
        assert_eq!(
            stack.messages(&general("c1"), 100).await.len(),
            1,
            "{error}"
        );
    }
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
