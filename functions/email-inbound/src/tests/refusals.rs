//! Each refusal: what is dropped unread, what is kept for admins, who gets the day's one
//! automatic answer. Every test also shows the thread untouched.

use shared::domain::{MessagingMode, Settings};
use shared::rate_limit::{Limit, Limits, RateLimiter};
use shared::store::UnmatchedReason;

use super::*;
use crate::{Automatic, Dropped};

const ANNA: &str = "anna.berg@gmail.com";

/// The thread as `clinic` left it: its first message only.
async fn untouched(stack: &TestApp) {
    assert_eq!(
        thread(stack).await.len(),
        1,
        "nothing written to the thread"
    );
}

#[tokio::test]
async fn failing_spam_virus_or_authentication_verdicts_are_dropped() {
    let stack = TestApp::start(TENANT).await;
    clinic(&stack, ANNA).await;
    let replies = replies(&stack).await;
    let token = token_for(&stack, Side::Customer, "p1", ANNA).await;
    for (verdict, status, dropped) in [
        ("spamVerdict", "FAIL", "spam"),
        ("virusVerdict", "FAIL", "virus"),
        ("dmarcVerdict", "FAIL", "dmarc"),
        ("spamVerdict", "DISABLED", "spam"),
    ] {
        let handled = receive_with(&replies, fixture!("gmail-reply"), ANNA, &token, |event| {
            event["Records"][0]["ses"]["receipt"][verdict]["status"] = json!(status);
        })
        .await;
        assert_eq!(
            handled,
            Handled::Dropped(Dropped::Verdict(dropped)),
            "{verdict}"
        );
    }
    untouched(&stack).await;
    assert!(unmatched(&stack).await.is_empty());
}

#[tokio::test]
async fn auto_replies_bounces_and_a_null_return_path_are_dropped_and_never_answered() {
    let stack = TestApp::start(TENANT).await;
    clinic(&stack, ANNA).await;
    let replies = replies(&stack).await;
    let token = token_for(&stack, Side::Customer, "p1", ANNA).await;
    let out_of_office = receive(&replies, fixture!("auto-reply"), ANNA, &token).await;
    assert_eq!(
        out_of_office,
        Handled::Dropped(Dropped::Automatic(Automatic::AutoSubmitted))
    );
    let bounce = receive(&replies, fixture!("bounce"), "", &token).await;
    assert_eq!(
        bounce,
        Handled::Dropped(Dropped::Automatic(Automatic::Bounce))
    );
    let null_sender = receive(&replies, fixture!("gmail-reply"), "", &token).await;
    assert_eq!(
        null_sender,
        Handled::Dropped(Dropped::Automatic(Automatic::NullReturnPath))
    );
    untouched(&stack).await;
}

#[tokio::test]
async fn mail_to_no_reply_address_of_ours_or_an_unknown_token_is_dropped() {
    let stack = TestApp::start(TENANT).await;
    clinic(&stack, ANNA).await;
    let replies = replies(&stack).await;
    let token = token_for(&stack, Side::Customer, "p1", ANNA).await;
    let elsewhere = receive_with(&replies, fixture!("gmail-reply"), ANNA, &token, |event| {
        let to = json!([format!("reply+{token}@other.example")]);
        event["Records"][0]["ses"]["receipt"]["recipients"] = to;
    })
    .await;
    assert_eq!(elsewhere, Handled::Dropped(Dropped::NoReplyAddress));
    let unknown = "a".repeat(32);
    let handled = receive(&replies, fixture!("gmail-reply"), ANNA, &unknown).await;
    assert_eq!(handled, Handled::Dropped(Dropped::UnknownToken));
    untouched(&stack).await;
}

#[tokio::test]
async fn a_revoked_address_keeps_the_reply_for_admins_without_an_answer() {
    let stack = TestApp::start(TENANT).await;
    clinic(&stack, ANNA).await;
    let replies = replies(&stack).await;
    let token = token_for(&stack, Side::Customer, "p1", ANNA).await;
    assert!(stack
        .store
        .revoke_reply_token(&token, "2026-12-01T00:00:00Z")
        .await
        .unwrap());
    let handled = receive(&replies, fixture!("gmail-reply"), ANNA, &token).await;
    assert_eq!(
        handled,
        Handled::Unmatched {
            reason: UnmatchedReason::RevokedAddress,
            answered: false
        }
    );
    untouched(&stack).await;
    let kept = unmatched(&stack).await;
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].from, ANNA);
    assert_eq!(kept[0].body, "Thanks! We'll be there at 3pm.");
    assert_eq!(kept[0].provider, "email");
    assert_eq!(kept[0].customer_id.as_deref(), Some("c1"));
    assert_eq!(
        kept[0].subject.as_deref(),
        Some("Re: New message from Happy Paws Clinic")
    );
    let texts = stack
        .store
        .unmatched(&TenantId::from(TENANT), false, None, 50)
        .await
        .unwrap()
        .0;
    assert!(texts.is_empty(), "kept apart from texts");
}

#[tokio::test]
async fn people_who_may_not_write_there_are_kept_for_admins_without_an_answer() {
    let stack = TestApp::start(TENANT).await;
    clinic(&stack, ANNA).await;
    let replies = replies(&stack).await;
    let refused = Handled::Unmatched {
        reason: UnmatchedReason::SenderNotAllowed,
        answered: false,
    };
    // Someone else answering with the person's address.
    let token = token_for(&stack, Side::Customer, "p1", ANNA).await;
    let stranger = format!("stranger.{}@example.com", tag());
    let raw = from(fixture!("gmail-reply"), &stranger);
    assert_eq!(receive(&replies, &raw, &stranger, &token).await, refused);
    // Basic staff with no assignment to the account.
    let val = "b1@oakvets.example";
    let basic = token_for(&stack, Side::Staff, "b1", val).await;
    let raw = from(fixture!("outlook-reply"), val);
    assert_eq!(receive(&replies, &raw, val, &basic).await, refused);
    // A contact whose address changed since, and one removed.
    let tenant = TenantId::from(TENANT);
    seed::contact(&stack.store, TENANT, "c1", "p1", "new@example.com", None).await;
    let raw = from(fixture!("interleaved"), ANNA);
    assert_eq!(receive(&replies, &raw, ANNA, &token).await, refused);
    stack
        .store
        .delete_contact(&tenant, &"c1".into(), &"p1".into())
        .await
        .unwrap();
    let raw = from(fixture!("signature"), ANNA);
    assert_eq!(receive(&replies, &raw, ANNA, &token).await, refused);
    untouched(&stack).await;
    assert_eq!(unmatched(&stack).await.len(), 4);
    assert!(
        emails_to(&stranger).await.is_empty(),
        "a forged sender is never answered"
    );
}

#[tokio::test]
async fn a_closed_conversation_keeps_the_reply_and_answers_once_a_day() {
    let stack = TestApp::start(TENANT).await;
    let address = format!("owner.{}@example.com", tag());
    clinic(&stack, &address).await;
    let (status, _) = stack
        .call(
            admin::handle,
            testkit::app::close_conversation(&Claims::admin(TENANT, "a1"), &general("c1").encode()),
        )
        .await;
    assert_eq!(status, 200);
    let replies = replies(&stack).await;
    let token = token_for(&stack, Side::Customer, "p1", &address).await;
    let closed = Handled::Unmatched {
        reason: UnmatchedReason::ConversationClosed,
        answered: true,
    };
    let raw = from(fixture!("gmail-reply"), &address);
    assert_eq!(receive(&replies, &raw, &address, &token).await, closed);
    let again = from(fixture!("signature"), &address);
    let second = receive(&replies, &again, &address, &token).await;
    assert_eq!(
        second,
        Handled::Unmatched {
            reason: UnmatchedReason::ConversationClosed,
            answered: false
        },
        "one answer a day"
    );
    let answers = emails_to(&address).await;
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0]["source"], FROM);
    assert_eq!(
        answers[0]["subject"],
        "Re: New message from Happy Paws Clinic"
    );
    assert!(answers[0]["body"]
        .as_str()
        .unwrap()
        .contains("this conversation is closed"));
    assert_eq!(unmatched(&stack).await.len(), 2);
}

#[tokio::test]
async fn read_only_and_disabled_messaging_keep_the_reply_and_answer() {
    for (mode, reason) in [
        (MessagingMode::ReadOnly, UnmatchedReason::MessagingReadOnly),
        (MessagingMode::Disabled, UnmatchedReason::MessagingDisabled),
    ] {
        let stack = TestApp::start(TENANT).await;
        let address = format!("owner.{}@example.com", tag());
        clinic(&stack, &address).await;
        stack
            .set_settings(
                TENANT,
                &Settings {
                    mode,
                    ..Default::default()
                },
            )
            .await;
        let replies = replies(&stack).await;
        let token = token_for(&stack, Side::Customer, "p1", &address).await;
        let raw = from(fixture!("gmail-reply"), &address);
        let handled = receive(&replies, &raw, &address, &token).await;
        assert_eq!(
            handled,
            Handled::Unmatched {
                reason,
                answered: true
            },
            "{mode:?}"
        );
        untouched(&stack).await;
        assert_eq!(emails_to(&address).await.len(), 1, "{mode:?}");
    }
}

#[tokio::test]
async fn a_sender_past_their_rate_is_dropped_and_a_message_past_the_size_limit_too() {
    let stack = TestApp::start(TENANT).await;
    clinic(&stack, ANNA).await;
    let mut replies = replies(&stack).await;
    let one = Limit {
        burst: 1,
        per_minute: 1,
    };
    replies.senders = RateLimiter::new(Limits {
        read: one,
        write: one,
    });
    let token = token_for(&stack, Side::Customer, "p1", ANNA).await;
    assert_eq!(
        receive(&replies, fixture!("gmail-reply"), ANNA, &token).await,
        Handled::Message
    );
    let next = receive(&replies, fixture!("signature"), ANNA, &token).await;
    assert_eq!(next, Handled::Dropped(Dropped::RateLimited));

    replies.senders = RateLimiter::new(Limits::default());
    replies.max_mail_bytes = 100;
    let large = receive(&replies, fixture!("with-attachment"), ANNA, &token).await;
    assert_eq!(large, Handled::Dropped(Dropped::Unreadable));
    assert_eq!(thread(&stack).await.len(), 2);
}
