//! SMS outcomes read from End User Messaging's own event shapes (`tests/outcomes/sms-*`).

use std::collections::BTreeMap;

use super::super::tests::{
    outcome, with, SMS_BLOCKED, SMS_DELIVERED, SMS_TTL_EXPIRED, SMS_UNREACHABLE,
};
use super::*;
use crate::domain::outcome::parse_outcome;

#[test]
fn an_sms_delivery_is_delivered_to_the_destination_number() {
    assert_eq!(
        outcome(SMS_DELIVERED),
        Outcome {
            provider_message_id: "862a8790-60c0-4430-9b2b-658bd0000001".to_owned(),
            channel: NotifyChannel::Sms,
            kind: OutcomeKind::Delivered,
            at: "2026-12-01T09:14:05.042Z".to_owned(),
            recipients: vec!["+14255550156".to_owned()],
            detail: None,
            tags: BTreeMap::from([("tidings".to_owned(), "t1".to_owned())]),
        }
    );
}

#[test]
fn sms_failures_of_the_number_suppress_and_the_others_do_not() {
    let blocked = outcome(SMS_BLOCKED);
    assert_eq!(blocked.kind, OutcomeKind::Undelivered);
    assert_eq!(blocked.recipients, ["+14255550157"]);
    assert_eq!(
        blocked.detail.as_deref(),
        Some("Destination phone number blocked from receiving this message")
    );
    let unreachable = outcome(SMS_UNREACHABLE);
    assert_eq!(unreachable.kind, OutcomeKind::UndeliveredTemporarily);
    assert_eq!(unreachable.at, "2026-12-01T09:16:40.008Z");
    let expired = outcome(SMS_TTL_EXPIRED);
    assert_eq!(
        expired.provider_message_id,
        "862a8790-60c0-4430-9b2b-658bd0000004"
    );
    assert_eq!(expired.kind, OutcomeKind::UndeliveredTemporarily);
    assert_eq!(expired.at, "2026-12-04T09:14:01.480Z");
    assert_eq!(expired.recipients, ["+14255550159"]);
}

#[test]
fn a_carrier_acceptance_delivers_only_when_final() {
    let successful = |is_final: bool| {
        with(SMS_DELIVERED, |event| {
            event["eventType"] = "TEXT_SUCCESSFUL".into();
            event["isFinal"] = is_final.into();
        })
    };
    assert_eq!(outcome(&successful(true)).kind, OutcomeKind::Delivered);
    assert_eq!(parse_outcome(&successful(false)), Ok(None));
}

#[test]
fn an_sms_failure_still_being_retried_is_delayed() {
    let retrying = with(SMS_UNREACHABLE, |event| event["isFinal"] = false.into());
    assert_eq!(outcome(&retrying).kind, OutcomeKind::Delayed);
}

#[test]
fn the_finer_sms_status_decides_suppression() {
    let opted_out = with(SMS_UNREACHABLE, |event| {
        event["eventType"] = "TEXT_BLOCKED".into();
        event["messageStatus"] = "OPTED_OUT".into();
    });
    assert_eq!(outcome(&opted_out).kind, OutcomeKind::Undelivered);
    let priced_out = with(SMS_BLOCKED, |event| {
        event["messageStatus"] = "MAX_PRICE_EXCEEDED".into();
    });
    assert_eq!(
        outcome(&priced_out).kind,
        OutcomeKind::UndeliveredTemporarily
    );
    let invalid = with(SMS_BLOCKED, |event| {
        event["eventType"] = "TEXT_INVALID".into();
        event.as_object_mut().unwrap().remove("messageStatus");
    });
    assert_eq!(outcome(&invalid).kind, OutcomeKind::Undelivered);
}
