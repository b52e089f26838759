//! Outcomes read from the providers' own event shapes (`tests/outcomes/`, written from the
//! SES and End User Messaging documentation's examples).

use std::collections::BTreeMap;

use super::*;
use crate::domain::Named;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/outcomes/",
            $name,
            ".json"
        ))
    };
}

const SES_DELIVERY: &str = fixture!("ses-delivery");
const SES_BOUNCE_PERMANENT: &str = fixture!("ses-bounce-permanent");
const SES_BOUNCE_TRANSIENT: &str = fixture!("ses-bounce-transient");
const SES_COMPLAINT: &str = fixture!("ses-complaint");
const SES_DELIVERY_DELAY: &str = fixture!("ses-delivery-delay");
const SES_REJECT: &str = fixture!("ses-reject");
const SES_SEND: &str = fixture!("ses-send");
const SES_NOTIFICATION_BOUNCE: &str = fixture!("ses-notification-bounce");
pub(super) const SMS_DELIVERED: &str = fixture!("sms-delivered");
pub(super) const SMS_BLOCKED: &str = fixture!("sms-blocked");
pub(super) const SMS_UNREACHABLE: &str = fixture!("sms-unreachable");
pub(super) const SMS_TTL_EXPIRED: &str = fixture!("sms-ttl-expired");

#[rustfmt::skip]
const ALL: [&str; 12] = [
    SES_DELIVERY, SES_BOUNCE_PERMANENT, SES_BOUNCE_TRANSIENT, SES_COMPLAINT,
    SES_DELIVERY_DELAY, SES_REJECT, SES_SEND, SES_NOTIFICATION_BOUNCE,
    SMS_DELIVERED, SMS_BLOCKED, SMS_UNREACHABLE, SMS_TTL_EXPIRED,
];

const KINDS: [OutcomeKind; 7] = [
    OutcomeKind::Delivered,
    OutcomeKind::Delayed,
    OutcomeKind::Bounced,
    OutcomeKind::SoftBounced,
    OutcomeKind::Complained,
    OutcomeKind::UndeliveredTemporarily,
    OutcomeKind::Undelivered,
];

pub(super) fn outcome(message: &str) -> Outcome {
    match parse_outcome(message) {
        Ok(Some(outcome)) => outcome,
        other => panic!("expected an outcome, got {other:?}"),
    }
}

fn ses_id(n: u32) -> String {
    format!("0100018f-aaaa-bbbb-cccc-{n:012}-000000")
}

/// The message an SNS-to-Lambda event carries, as a subscriber reads it.
fn sns_message(event: &str) -> String {
    let event: Value = serde_json::from_str(event).unwrap();
    assert_eq!(event["Records"][0]["EventSource"], "aws:sns");
    event["Records"][0]["Sns"]["Message"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn a_delivery_is_delivered_to_its_recipients() {
    let delivered = outcome(SES_DELIVERY);
    assert_eq!(
        delivered,
        Outcome {
            provider_message_id: ses_id(1),
            channel: NotifyChannel::Email,
            kind: OutcomeKind::Delivered,
            at: "2026-12-01T09:14:03.120Z".to_owned(),
            recipients: vec!["customer@example.net".to_owned()],
            detail: None,
            tags: delivered.tags.clone(),
        }
    );
    assert_eq!(
        delivered.tags.get("tidings").map(String::as_str),
        Some("t1")
    );
    assert_eq!(
        delivered.tags["ses:configuration-set"],
        "tidings-notifications"
    );
    assert_eq!(delivered.tags["ses:outgoing-ip"], "198.51.100.25");
}

#[test]
fn a_permanent_bounce_is_bounced_with_its_sub_type_and_diagnostic() {
    let bounce = outcome(SES_BOUNCE_PERMANENT);
    assert_eq!(bounce.provider_message_id, ses_id(2));
    assert_eq!(bounce.kind, OutcomeKind::Bounced);
    assert_eq!(bounce.at, "2026-12-01T09:14:02.871Z");
    assert_eq!(bounce.recipients, ["gone@example.net"]);
    assert_eq!(
        bounce.detail.as_deref(),
        Some(
            "General: smtp; 550 5.1.1 The email account that you tried to reach does not \
             exist."
        )
    );
    assert_eq!(bounce.tags.get("tidings").map(String::as_str), Some("t1"));
}

#[test]
fn a_transient_bounce_is_soft() {
    let bounce = outcome(SES_BOUNCE_TRANSIENT);
    assert_eq!(bounce.provider_message_id, ses_id(3));
    assert_eq!(bounce.kind, OutcomeKind::SoftBounced);
    assert_eq!(bounce.at, "2026-12-01T21:40:17.005Z");
    assert_eq!(bounce.recipients, ["full@example.net"]);
    assert!(bounce
        .detail
        .unwrap()
        .starts_with("MailboxFull: smtp; 552 5.2.2"));
}

#[test]
fn a_complaint_names_the_complainer_and_the_feedback_type() {
    let complaint = outcome(SES_COMPLAINT);
    assert_eq!(complaint.provider_message_id, ses_id(4));
    assert_eq!(complaint.kind, OutcomeKind::Complained);
    assert_eq!(complaint.at, "2026-12-02T07:03:55.000Z");
    assert_eq!(complaint.recipients, ["customer@example.net"]);
    assert_eq!(complaint.detail.as_deref(), Some("abuse"));
    assert_eq!(
        complaint.tags.get("tidings").map(String::as_str),
        Some("t1")
    );
}

#[test]
fn a_delay_is_delayed_with_its_type_and_diagnostic() {
    let delay = outcome(SES_DELIVERY_DELAY);
    assert_eq!(delay.provider_message_id, ses_id(5));
    assert_eq!(delay.kind, OutcomeKind::Delayed);
    assert_eq!(delay.at, "2026-12-01T09:45:12.331Z");
    assert_eq!(delay.recipients, ["slow@example.org"]);
    assert_eq!(
        delay.detail.as_deref(),
        Some("TransientCommunicationFailure: smtp; 421 4.4.1 Unable to connect to remote host")
    );
}

#[test]
fn a_reject_is_undelivered_at_the_send_time_to_the_destination() {
    let reject = outcome(SES_REJECT);
    assert_eq!(reject.provider_message_id, ses_id(6));
    assert_eq!(reject.kind, OutcomeKind::UndeliveredTemporarily);
    assert_eq!(reject.at, "2026-12-01T10:02:19.644Z");
    assert_eq!(reject.recipients, ["customer@example.net"]);
    assert_eq!(reject.detail.as_deref(), Some("Bad content"));
}

#[test]
fn a_send_says_nothing_about_delivery() {
    assert_eq!(parse_outcome(SES_SEND), Ok(None));
}

#[test]
fn the_notification_format_reads_the_same_and_spares_delayed_recipients() {
    let bounce = outcome(SES_NOTIFICATION_BOUNCE);
    assert_eq!(bounce.provider_message_id, ses_id(8));
    assert_eq!(bounce.kind, OutcomeKind::Bounced);
    assert_eq!(bounce.at, "2026-12-01T11:05:10.950Z");
    assert_eq!(bounce.recipients, ["nobody@example.net"]);
    assert_eq!(
        bounce.detail.as_deref(),
        Some("NoEmail: smtp; 550 user unknown")
    );
    assert_eq!(bounce.tags, BTreeMap::new());
}

#[test]
fn the_sns_events_carry_the_same_outcomes() {
    let pairs = [
        (fixture!("sns-ses-bounce-permanent"), SES_BOUNCE_PERMANENT),
        (fixture!("sns-ses-complaint"), SES_COMPLAINT),
        (fixture!("sns-ses-delivery"), SES_DELIVERY),
        (fixture!("sns-sms-delivered"), SMS_DELIVERED),
    ];
    for (event, bare) in pairs {
        assert_eq!(outcome(&sns_message(event)), outcome(bare));
    }
}

/// Where a record ends after `kinds` arrive in order, moving only to a strictly higher rank.
fn settle(kinds: &[OutcomeKind]) -> Option<OutcomeKind> {
    kinds
        .iter()
        .fold(None, |record: Option<OutcomeKind>, &kind| {
            let rank = record.map_or(SENT_RANK, OutcomeKind::rank);
            if kind.rank() > rank {
                Some(kind)
            } else {
                record
            }
        })
}

#[test]
fn a_record_never_goes_backwards() {
    use OutcomeKind::*;
    assert_eq!(settle(&[Delivered, Delayed]), Some(Delivered));
    assert_eq!(settle(&[Delayed, Delivered]), Some(Delivered));
    assert_eq!(settle(&[Delivered, Complained]), Some(Complained));
    assert_eq!(settle(&[Bounced, Complained]), Some(Complained));
    assert_eq!(settle(&[Complained, Bounced]), Some(Complained));
    assert_eq!(settle(&[Delivered, Bounced, Delivered]), Some(Bounced));
    assert_eq!(settle(&[Delivered, SoftBounced]), Some(Delivered));
    assert_eq!(settle(&[SoftBounced, Delivered]), Some(Delivered));
    assert_eq!(settle(&[Delayed, SoftBounced, Delayed]), Some(SoftBounced));
    assert_eq!(settle(&[Delivered, Undelivered]), Some(Undelivered));
    assert_eq!(
        settle(&[UndeliveredTemporarily, Delivered]),
        Some(Delivered)
    );
    for kind in KINDS {
        assert!(kind.rank() > SENT_RANK, "{kind:?}");
        assert_eq!(
            settle(&[kind, kind]),
            Some(kind),
            "a repeat changes nothing"
        );
    }
    for kind in [Bounced, Complained, Undelivered] {
        assert!(kind.rank() > Delivered.rank(), "{kind:?} is final");
    }
}

#[test]
fn hard_failures_suppress() {
    let suppressing: Vec<_> = KINDS.into_iter().filter(|kind| kind.suppresses()).collect();
    assert_eq!(
        suppressing,
        [
            OutcomeKind::Bounced,
            OutcomeKind::Complained,
            OutcomeKind::Undelivered
        ]
    );
}

#[test]
fn kinds_are_named_by_serde() {
    assert_eq!(
        OutcomeKind::UndeliveredTemporarily.as_str(),
        "undelivered_temporarily"
    );
    assert_eq!(
        OutcomeKind::parse("soft_bounced"),
        Some(OutcomeKind::SoftBounced)
    );
}

#[test]
fn events_that_are_not_outcomes_are_none() {
    for event_type in [
        "Send",
        "Open",
        "Click",
        "Subscription",
        "Rendering Failure",
        "Received",
        "AmazonSnsSubscriptionSucceeded",
        "TEXT_QUEUED",
        "TEXT_PENDING",
        "TEXT_SENT",
        "TEXT_SOMETHING_NEW",
        "VOICE_COMPLETED",
        "MEDIA_DELIVERED",
    ] {
        let message = format!(r#"{{"eventType":"{event_type}","messageId":"m","mail":{{}}}}"#);
        assert_eq!(parse_outcome(&message), Ok(None), "{event_type}");
    }
    let legacy = r#"{"notificationType":"Received","mail":{"messageId":"m"}}"#;
    assert_eq!(parse_outcome(legacy), Ok(None));
}

pub(super) fn with(fixture: &str, edit: impl FnOnce(&mut Value)) -> String {
    let mut value: Value = serde_json::from_str(fixture).unwrap();
    edit(&mut value);
    value.to_string()
}

#[test]
fn bounces_without_a_clear_type_do_not_suppress() {
    let undetermined = with(SES_BOUNCE_PERMANENT, |event| {
        event["bounce"]["bounceType"] = "Undetermined".into();
        event["bounce"]["bounceSubType"] = "Undetermined".into();
    });
    assert_eq!(outcome(&undetermined).kind, OutcomeKind::SoftBounced);
    let untyped = with(SES_BOUNCE_PERMANENT, |event| {
        event["bounce"]
            .as_object_mut()
            .unwrap()
            .remove("bounceType");
    });
    assert_eq!(outcome(&untyped).kind, OutcomeKind::SoftBounced);
}

#[test]
fn a_not_spam_report_is_no_complaint() {
    let not_spam = with(SES_COMPLAINT, |event| {
        event["complaint"]["complaintFeedbackType"] = "not-spam".into();
    });
    assert_eq!(parse_outcome(&not_spam), Ok(None));
}

#[test]
fn missing_lists_and_times_fall_back_to_the_mail() {
    let bare = with(SES_DELIVERY, |event| {
        event["delivery"] = Value::Null;
        event["mail"]["timestamp"] = "2026-12-01T09:14:01 +0000".into();
    });
    let delivered = outcome(&bare);
    assert_eq!(delivered.at, "2026-12-01T09:14:01.000Z");
    assert_eq!(delivered.recipients, ["customer@example.net"]);
}

#[test]
fn details_are_one_short_line() {
    let long = with(SES_BOUNCE_PERMANENT, |event| {
        event["bounce"]["bouncedRecipients"][0]["diagnosticCode"] =
            format!("smtp; 550\r\n  {}", "é".repeat(1_000)).into();
    });
    let detail = outcome(&long).detail.unwrap();
    assert_eq!(detail.chars().count(), MAX_DETAIL_CHARS);
    assert!(detail.starts_with("General: smtp; 550 éé"));
    assert!(detail.ends_with('…'));
}

#[test]
fn malformed_messages_are_errors() {
    let no_ses_id = with(SES_BOUNCE_PERMANENT, |event| {
        event["mail"].as_object_mut().unwrap().remove("messageId");
    });
    let blank_sms_id = with(SMS_DELIVERED, |event| event["messageId"] = " ".into());
    let no_sms_time = with(SMS_DELIVERED, |event| {
        event.as_object_mut().unwrap().remove("eventTimestamp");
    });
    let no_ses_time = with(SES_REJECT, |event| {
        event["mail"]["timestamp"] = "soon".into()
    });
    let mail_not_object = with(SES_DELIVERY, |event| event["mail"] = "m".into());
    for message in [
        "",
        "not json",
        r#"{"eventType":"Delivery""#,
        "null",
        "[]",
        r#""Delivery""#,
        "{}",
        r#"{"eventType":42}"#,
        &no_ses_id,
        &blank_sms_id,
        &no_sms_time,
        &no_ses_time,
        &mail_not_object,
    ] {
        let result = parse_outcome(message);
        assert!(
            matches!(&result, Err(OutcomeError(why)) if !why.is_empty()),
            "{message}: {result:?}"
        );
    }
}

#[test]
fn no_prefix_of_any_fixture_panics() {
    for fixture in ALL {
        for (cut, _) in fixture.char_indices() {
            let _ = parse_outcome(&fixture[..cut]);
        }
    }
}
