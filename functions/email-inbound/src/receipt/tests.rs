//! The receipt event as SES sends it (`tests/email/ses-receipt*.json`, after the SES
//! developer guide's Lambda action example) and as the local listener builds it.

use serde_json::Value;

use super::*;

const RECEIPT: &str = include_str!("../../../../tests/email/ses-receipt.json");
const SPAM: &str = include_str!("../../../../tests/email/ses-receipt-spam.json");
const DMARC_FAIL: &str = include_str!("../../../../tests/email/ses-receipt-dmarc-fail.json");

const REPLY_TO: &str = "reply+01JE5Q8Y3MA2B3C4D5E6F7G8H9@reply.example.com";

fn ses(fixture: &str) -> SesReceipt {
    let event: ReceiptEvent = serde_json::from_str(fixture).unwrap();
    assert_eq!(event.records.len(), 1);
    assert_eq!(event.records[0].event_source, "aws:ses");
    event.records.into_iter().next().unwrap().ses
}

fn receipt(statuses: [&str; 5]) -> Receipt {
    let verdict = |status: &str| Verdict {
        status: status.to_owned(),
    };
    let [spam, virus, spf, dkim, dmarc] = statuses;
    Receipt {
        spam_verdict: verdict(spam),
        virus_verdict: verdict(virus),
        spf_verdict: verdict(spf),
        dkim_verdict: verdict(dkim),
        dmarc_verdict: verdict(dmarc),
        ..Receipt::default()
    }
}

#[test]
fn a_received_reply_reads_whole() {
    let ses = ses(RECEIPT);
    let mail = &ses.mail;
    assert_eq!(mail.message_id, "q4kd3lp1s6b2n8e0f7h5j9m1r3t6v8x0z2b4d6f8");
    assert_eq!(mail.source, "jane.doe@example.net");
    assert_eq!(mail.timestamp, "2026-12-01T10:21:07.518Z");
    assert_eq!(mail.destination, [REPLY_TO]);
    assert!(!mail.headers_truncated);
    assert_eq!(mail.headers.len(), 18);
    assert_eq!(
        mail.common_headers.from,
        ["\"Doe, Jane\" <jane.doe@example.net>"]
    );
    assert_eq!(
        mail.common_headers.subject.as_deref(),
        Some("Re: New message from Bella's Grooming")
    );
    assert_eq!(
        mail.common_headers.message_id.as_deref(),
        Some("<CAF3x9Tq+Z8example0001@mail.gmail.com>")
    );
    assert_eq!(ses.receipt.recipients, [REPLY_TO]);
    assert_eq!(ses.receipt.processing_time_millis, 612);
    assert_eq!(ses.receipt.action.kind, "Lambda");
    assert_eq!(ses.receipt.action.invocation_type.as_deref(), Some("Event"));
    assert_eq!(ses.receipt.failed_verdict(), None);
}

#[test]
fn the_object_key_is_the_prefix_and_the_ses_message_id() {
    assert_eq!(
        ses(RECEIPT).mail.object_key("inbound/"),
        "inbound/q4kd3lp1s6b2n8e0f7h5j9m1r3t6v8x0z2b4d6f8"
    );
}

#[test]
fn spam_fails_on_its_verdict() {
    assert_eq!(ses(SPAM).receipt.failed_verdict(), Some("spam"));
}

#[test]
fn a_dmarc_failure_fails_whatever_else_passed() {
    let ses = ses(DMARC_FAIL);
    assert_eq!(ses.receipt.dmarc_policy.as_deref(), Some("reject"));
    assert_eq!(ses.receipt.failed_verdict(), Some("dmarc"));
    let all_else_passed = receipt(["PASS", "PASS", "PASS", "PASS", "FAIL"]);
    assert_eq!(all_else_passed.failed_verdict(), Some("dmarc"));
}

#[test]
fn scans_pass_only_on_pass() {
    for status in ["FAIL", "GRAY", "PROCESSING_FAILED", "DISABLED", ""] {
        let spam = receipt([status, "PASS", "PASS", "PASS", "PASS"]);
        assert_eq!(spam.failed_verdict(), Some("spam"), "{status}");
        let virus = receipt(["PASS", status, "PASS", "PASS", "PASS"]);
        assert_eq!(virus.failed_verdict(), Some("virus"), "{status}");
    }
    let both = receipt(["FAIL", "FAIL", "FAIL", "FAIL", "FAIL"]);
    assert_eq!(both.failed_verdict(), Some("spam"), "spam is checked first");
}

#[test]
fn a_dmarc_pass_settles_authentication() {
    let forwarded = receipt(["PASS", "PASS", "FAIL", "PASS", "PASS"]);
    assert_eq!(forwarded.failed_verdict(), None);
    let aligned_spf = receipt(["PASS", "PASS", "PASS", "GRAY", "PASS"]);
    assert_eq!(aligned_spf.failed_verdict(), None);
}

#[test]
fn without_dmarc_one_of_spf_and_dkim_must_pass_and_neither_fail() {
    for dmarc in ["GRAY", "PROCESSING_FAILED", ""] {
        let cases = [
            (["PASS", "PASS", "PASS", "PASS", dmarc], None),
            (["PASS", "PASS", "PASS", "GRAY", dmarc], None),
            (["PASS", "PASS", "GRAY", "PASS", dmarc], None),
            (["PASS", "PASS", "FAIL", "PASS", dmarc], Some("spf")),
            (["PASS", "PASS", "PASS", "FAIL", dmarc], Some("dkim")),
            (["PASS", "PASS", "GRAY", "GRAY", dmarc], Some("spf")),
            (
                ["PASS", "PASS", "PROCESSING_FAILED", "GRAY", dmarc],
                Some("spf"),
            ),
        ];
        for (statuses, failed) in cases {
            assert_eq!(receipt(statuses).failed_verdict(), failed, "{statuses:?}");
        }
    }
}

#[test]
fn an_event_missing_optional_parts_still_reads() {
    let minimal = r#"{"Records":[{"ses":{"mail":{"messageId":"m1"},"receipt":{}}}]}"#;
    let event: ReceiptEvent = serde_json::from_str(minimal).unwrap();
    let ses = &event.records[0].ses;
    assert_eq!(ses.mail.object_key("inbound/"), "inbound/m1");
    assert!(ses.receipt.recipients.is_empty());
    assert_eq!(ses.mail.common_headers, CommonHeaders::default());
    // Verdicts SES did not give are not passes.
    assert_eq!(ses.receipt.failed_verdict(), Some("spam"));
    let no_id = r#"{"Records":[{"ses":{"mail":{},"receipt":{}}}]}"#;
    assert!(serde_json::from_str::<ReceiptEvent>(no_id).is_err());
}

const RAW: &[u8] = b"Return-Path: <jane.doe@example.net>\r\n\
From: \"Doe, Jane\" <jane.doe@example.net>\r\n\
To: Bella's Grooming\r\n <reply+01JE5Q8Y3MA2B3C4D5E6F7G8H9@reply.example.com>,\r\n\
\tmanager@example.com\r\n\
Cc: a@example.com, \"B (the second), Esq.\" <b@example.com> (Bee, really)\r\n\
Subject: Re: New message from\r\n Bella's Grooming\r\n\
Date: Tue, 1 Dec 2026 11:21:05 +0100\r\n\
Message-ID: <CAF3x9Tq+Z8example0001@mail.gmail.com>\r\n\
X-Empty:\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=UTF-8\r\n\
\r\n\
Subject: not a header, the body\r\n\
Yes, 3pm works.\r\n";

fn local(raw: &[u8]) -> SesReceipt {
    let recipients = [REPLY_TO.to_owned()];
    let value = local_event(
        "jane.doe@example.net",
        &recipients,
        raw,
        "01je5q8y3ma2b3c4d5e6f7g8h9",
        "2026-12-01T10:21:07.518Z",
    );
    ses(&value.to_string())
}

#[test]
fn a_local_event_reads_like_ses_s() {
    let ses = local(RAW);
    let (mail, receipt) = (&ses.mail, &ses.receipt);
    assert_eq!(mail.message_id, "01je5q8y3ma2b3c4d5e6f7g8h9");
    assert_eq!(
        mail.object_key("inbound/"),
        "inbound/01je5q8y3ma2b3c4d5e6f7g8h9"
    );
    assert_eq!(mail.source, "jane.doe@example.net");
    assert_eq!(mail.timestamp, "2026-12-01T10:21:07.518Z");
    assert_eq!(mail.destination, [REPLY_TO]);
    assert_eq!(receipt.recipients, [REPLY_TO]);
    assert_eq!(receipt.timestamp, "2026-12-01T10:21:07.518Z");
    assert_eq!(receipt.failed_verdict(), None);
    assert_eq!(receipt.action.kind, "Lambda");
    let names: Vec<_> = mail
        .headers
        .iter()
        .map(|header| header.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "Return-Path",
            "From",
            "To",
            "Cc",
            "Subject",
            "Date",
            "Message-ID",
            "X-Empty",
            "MIME-Version",
            "Content-Type"
        ]
    );
    assert_eq!(mail.headers[7].value, "");
    assert_eq!(
        mail.common_headers,
        CommonHeaders {
            return_path: Some("jane.doe@example.net".to_owned()),
            from: vec!["\"Doe, Jane\" <jane.doe@example.net>".to_owned()],
            date: Some("Tue, 1 Dec 2026 11:21:05 +0100".to_owned()),
            to: vec![
                format!("Bella's Grooming <{REPLY_TO}>"),
                "manager@example.com".to_owned()
            ],
            cc: vec![
                "a@example.com".to_owned(),
                "\"B (the second), Esq.\" <b@example.com> (Bee, really)".to_owned()
            ],
            reply_to: Vec::new(),
            message_id: Some("<CAF3x9Tq+Z8example0001@mail.gmail.com>".to_owned()),
            subject: Some("Re: New message from Bella's Grooming".to_owned()),
        }
    );
}

#[test]
fn a_local_event_has_the_shape_of_the_fixture() {
    let built = local_event("a@example.net", &[REPLY_TO.to_owned()], RAW, "m", "t");
    let fixture: Value = serde_json::from_str(RECEIPT).unwrap();
    let keys =
        |value: &Value| -> Vec<String> { value.as_object().unwrap().keys().cloned().collect() };
    let (built, fixture) = (&built["Records"][0], &fixture["Records"][0]);
    assert_eq!(keys(built), keys(fixture));
    for part in ["mail", "receipt"] {
        assert_eq!(
            keys(&built["ses"][part]),
            keys(&fixture["ses"][part]),
            "{part}"
        );
    }
    assert_eq!(built["ses"]["receipt"]["spfVerdict"]["status"], "PASS");
}

#[test]
fn odd_raw_messages_make_events_too() {
    let bare = local(b"");
    assert!(bare.mail.headers.is_empty());
    assert_eq!(
        bare.mail.common_headers.return_path.as_deref(),
        Some("jane.doe@example.net"),
        "the envelope's MAIL FROM stands in"
    );
    let lf_only = local(b"From sender Tue Dec  1 10:21:07 2026\nSubject: hi\n folded\nFrom: \xff <x@example.com>\n\nbody: no");
    let names: Vec<_> = lf_only
        .mail
        .headers
        .iter()
        .map(|header| &header.name)
        .collect();
    assert_eq!(names, ["Subject", "From"]);
    assert_eq!(
        lf_only.mail.common_headers.subject.as_deref(),
        Some("hi folded")
    );
    assert_eq!(
        lf_only.mail.common_headers.from,
        ["\u{fffd} <x@example.com>"]
    );
    let null_sender = local(b"Return-Path: <>\r\n\r\n");
    assert_eq!(
        null_sender.mail.common_headers.return_path.as_deref(),
        Some("")
    );
}
