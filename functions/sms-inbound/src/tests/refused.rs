//! Texts that become no message: unknown senders, refused modes, bad input.

use super::*;
use shared::domain::ids::TenantId;

#[tokio::test]
async fn unknown_senders_are_kept_for_admins_as_they_arrived() {
    let stack = TestApp::start(TENANT).await;
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
        let stack = TestApp::start(TENANT).await;
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
                .opted_out(&TenantId::from(TENANT), &["+14255550124".to_owned()])
                .await
                .unwrap()
                .len(),
            1
        );

        assert!(
            stack.messages(&general("c1"), 100).await.is_empty(),
            "{reason}"
        );
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
async fn a_number_that_opted_out_never_gets_the_auto_reply() {
    let stack = TestApp::start(TENANT).await;
    clinic(
        &stack,
        Settings {
            mode: MessagingMode::Disabled,
            sms_auto_reply: Some("We are closed for texts today.".into()),
            ..Settings::default()
        },
    )
    .await;
    let inbound = container(&stack);
    for (number, contact_phone) in [(CONTACT_PHONE, true), ("+14255550125", false)] {
        let (_, body) = twilio(
            &inbound,
            &text(&format!("SM6{contact_phone}"), number, "STOP"),
        )
        .await;
        assert_eq!(body, EMPTY_TWIML);
        let (status, body) = twilio(
            &inbound,
            &text(&format!("SM7{contact_phone}"), number, "Hello?"),
        )
        .await;
        assert_eq!(
            (status, body.as_str()),
            (200, EMPTY_TWIML),
            "{number} opted out"
        );
        // Back in: the day's auto-reply is theirs again.
        twilio(
            &inbound,
            &text(&format!("SM8{contact_phone}"), number, "START"),
        )
        .await;
        let (_, body) = twilio(
            &inbound,
            &text(&format!("SM9{contact_phone}"), number, "Hi"),
        )
        .await;
        assert!(body.contains("closed for texts"), "{body}");
    }
}

#[tokio::test]
async fn bad_input_is_a_clear_4xx_and_stores_nothing() {
    let stack = TestApp::start(TENANT).await;
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

    assert!(stack.messages(&general("c1"), 100).await.is_empty());
    let (_, listed) = unmatched(&stack, &Claims::admin(TENANT, "a1")).await;
    assert_eq!(listed["texts"], json!([]));
}
