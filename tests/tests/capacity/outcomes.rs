//! Delivery events: what one SES event costs the dispatcher function (`notify`) from
//! SNS's delivery to its last write, and what the dispatcher pays per sent email so that
//! events find their record (the provider id's item). Events are the fixtures under
//! `tests/outcomes/` about the provider id the dispatcher stored, wrapped in SNS's Lambda
//! event, as in `functions/notify/src/tests/outcomes.rs`. Measured in a tenant with 1 and
//! with 2,000 suppressed addresses already, for a customer with 1 and with 500
//! conversations: the large costs what the small does.
//!
//! Each event's line prices, per million events at us-east-1 list prices:
//! - SNS: SES's event publishing to the topic, charged as SNS publishes ($0.50/M per
//!   64 KB of message; every event here is one); SES charges nothing for the event
//!   itself, and SNS's delivery to Lambda is free;
//! - Lambda: the request ($0.20/M) and the handler's time at NotifyFunction's memory in
//!   infra/template.yaml (256 MB, arm64), as measured here;
//! - DynamoDB on demand: $0.125/M RRU, $0.625/M WRU, with the failed conditional writes
//!   that DynamoDB bills and the measurement cannot see (`billed_wru`, see
//!   [`events::FAILED_CONDITIONAL_WRITE_WRU`]).
//!
//! Left out: SNS's free tier (the first million publishes a month), the dead-letter
//! queue (only failed deliveries reach it), logs and data transfer.

use jiff::Timestamp;
use shared::domain::feedback::Suppression;
use shared::domain::notify::NotifyChannel;
use shared::domain::outcome::OutcomeKind;
use shared::store::{GrantStore, OutcomeStore};

use super::*;

/// The fixtures' events, the accepting provider and the measurements of one event.
mod events;
use events::{
    contact, expected, measure_event, measure_one_email, measure_sent_item, provider_id, Accepting,
    EventCost,
};

const FROM: &str = "notify@oakvets.example";
/// Four contacts of the account, each told of the staff member's messages by email:
/// one's email is delivered (and its event repeated), one's bounces, one complains of
/// theirs, and one's bounce pauses the tenant.
const DELIVERED: &str = "3f6a9c1e-2b4d-4e8f-a0c2-6d8e0f2a4c6e";
const BOUNCED: &str = "8b1d3f5a-7c9e-4b2d-8f4a-1c3e5a7b9d0f";
const COMPLAINED: &str = "e2c4a6b8-0d1f-4a3c-9e5b-7f9a1c3e5b7d";
const PAUSING: &str = "5a7c9e1b-3d5f-4b7a-8c0e-2d4f6a8c0e1b";

/// What the dispatcher and each event cost at one size.
struct Measured {
    /// A run that emails one person, and its operations.
    one_email: EventCost,
    /// The provider id's item, written again as the run wrote it.
    sent_item: Cost,
    delivered: EventCost,
    repeat: EventCost,
    hard_bounce: EventCost,
    complaint: EventCost,
    hard_bounce_pausing: EventCost,
}

/// The tenant's settings, `suppressed` addresses suppressed already (the contacts' not
/// among them), the account's `conversations - 1` closed orders besides its general
/// thread and the first contact.
async fn seed_tenant(stack: &TestStack, suppressed: usize, conversations: usize) {
    let tenant = TenantId::from(TENANT);
    let settings = Settings {
        business_name: Some("Oak Vets".into()),
        portal_base_url: Some("https://portal.oakvets.example".into()),
        ..Settings::default()
    };
    stack.set_settings(TENANT, &settings).await;
    contact(stack, DELIVERED).await;
    for i in 0..suppressed {
        let suppression = Suppression {
            channel: NotifyChannel::Email,
            address: format!("gone-{i:05}@elsewhere.example"),
            reason: OutcomeKind::Bounced,
            at: now_rfc3339(),
            detail: Some("smtp; 550 5.1.1 The email account does not exist.".into()),
        };
        assert!(OutcomeStore::suppress(&stack.store, &tenant, &suppression)
            .await
            .unwrap());
    }
    let readers = [(Side::Customer, DELIVERED)];
    seed::order_history(
        &stack.store,
        TENANT,
        CUSTOMER,
        "h",
        conversations - 1,
        &readers,
    )
    .await;
}

/// A tenant that sent 380 more emails today, 19 of which bounced: the next bounce is over
/// 5 % of at least 200 and pauses its email.
async fn near_the_bounce_rate(stack: &TestStack) {
    let tenant = TenantId::from(TENANT);
    let today = Timestamp::now().strftime("%Y-%m-%d").to_string();
    stack
        .store
        .add_quota_use(&tenant, &today, NotifyChannel::Email, 380)
        .await
        .unwrap();
    for _ in 0..19 {
        stack
            .store
            .count_feedback(&tenant, &today, false)
            .await
            .unwrap();
    }
}

/// The [`seed_tenant`] at this size; then a run emailing the one contact, the three others
/// added and a run emailing all four, and each event about those emails.
async fn event_costs(suppressed: usize, conversations: usize) -> Measured {
    let stack = TestStack::start().await;
    seed_tenant(&stack, suppressed, conversations).await;
    let label = format!("suppressed={suppressed} conversations={conversations}");
    let app = stack.app();
    let dispatcher = notify::Dispatcher::new(stack.store.clone(), Accepting, Accepting, FROM);
    let later = |minutes: i64| Timestamp::now() + jiff::SignedDuration::from_mins(minutes);

    // The staff member writes; the run emails the one contact.
    post(&app, &staff(), None).await;
    let one_email = measure_one_email(&stack, &dispatcher, &label, later(60)).await;
    let delivered_id = provider_id(&stack, DELIVERED).await;
    let sent_item = measure_sent_item(&stack, &delivered_id, &label).await;

    // Three more contacts, and the staff member's next message emails all four.
    for id in [BOUNCED, COMPLAINED, PAUSING] {
        contact(&stack, id).await;
    }
    post(&app, &staff(), None).await;
    let report = dispatcher.run(later(120)).await.unwrap();
    assert!(report.sent >= 3, "{report:?}");

    let (delivered, report) = measure_event(
        &stack,
        "delivery_event.delivered",
        &label,
        "ses-delivery",
        &delivered_id,
        0,
    )
    .await;
    assert_eq!(report.applied, 1, "{report:?}");
    // The same event again: its record's conditional UpdateItem fails.
    let (repeat, report) = measure_event(
        &stack,
        "delivery_event.repeat",
        &label,
        "ses-delivery",
        &delivered_id,
        1,
    )
    .await;
    assert_eq!(report.unchanged, 1, "{report:?}");

    let id = provider_id(&stack, BOUNCED).await;
    let operation = "delivery_event.hard_bounce";
    let (hard_bounce, report) =
        measure_event(&stack, operation, &label, "ses-bounce-permanent", &id, 0).await;
    assert_eq!(
        (report.applied, report.suppressed, report.paused),
        (1, 1, 0),
        "{report:?}"
    );

    let id = provider_id(&stack, COMPLAINED).await;
    let operation = "delivery_event.complaint";
    let (complaint, report) =
        measure_event(&stack, operation, &label, "ses-complaint", &id, 0).await;
    assert_eq!(
        (report.applied, report.suppressed, report.paused),
        (1, 1, 0),
        "{report:?}"
    );

    near_the_bounce_rate(&stack).await;
    let id = provider_id(&stack, PAUSING).await;
    let operation = "delivery_event.hard_bounce_pausing";
    let (hard_bounce_pausing, report) =
        measure_event(&stack, operation, &label, "ses-bounce-permanent", &id, 0).await;
    assert_eq!(
        (report.applied, report.suppressed, report.paused),
        (1, 1, 1),
        "{report:?}"
    );

    Measured {
        one_email,
        sent_item,
        delivered,
        repeat,
        hard_bounce,
        complaint,
        hard_bounce_pausing,
    }
}

/// A delivery event reads the provider id's item (0.5 RRU, eventually consistent) and moves its record
/// forward (1 WRU); a repeat's conditional UpdateItem fails (measured 0 WRU, billed 1).
/// A first hard bounce also suppresses the address, notes it in the thread (one
/// TransactWriteItems), counts it on the day's counter and reads the week's counters; a
/// complaint also turns that person's email for the conversation off; the bounce that
/// crosses the rate also pauses the tenant (its grant's UpdateItem). None of it grows
/// with the tenant's suppressed addresses or the account's conversations, and each email
/// the dispatcher sends pays one PutItem (1 WRU) for its provider id's item.
#[tokio::test]
async fn a_delivery_event_costs_the_same_for_a_large_tenant_and_account() {
    let small = Box::pin(event_costs(1, 1)).await;
    let large = Box::pin(event_costs(2_000, 500)).await;
    for measured in [&small, &large] {
        let puts = measured
            .one_email
            .operations
            .iter()
            .filter(|o| *o == "PutItem")
            .count();
        assert_eq!(
            puts, 1,
            "the provider id's item: {:?}",
            measured.one_email.operations
        );
        assert_eq!(
            measured.sent_item,
            Cost {
                requests: 1,
                rru: 0.0,
                wru: 1.0
            },
            "the provider id's item"
        );
    }
    assert_eq!(
        small.one_email, large.one_email,
        "a run emailing one person"
    );

    assert_eq!(
        small.delivered,
        expected(&["GetItem", "UpdateItem"], 0.5, 1.0),
        "delivered"
    );
    assert_eq!(
        small.repeat,
        expected(&["GetItem", "UpdateItem"], 0.5, 0.0),
        "a repeat"
    );
    // The note is appended as a message is (SEND_WRU: the header and the message in one
    // transaction, and the conversation moved on the tenant's and the account's feeds);
    // the record, the suppression and the day's counter 1 WRU each; the week's counters
    // one eventually consistent Query (0.5 RRU).
    let bounce = [
        "GetItem",
        "UpdateItem",
        "PutItem",
        "TransactWriteItems",
        "UpdateItem",
        "Query",
    ];
    assert_eq!(
        small.hard_bounce,
        expected(&bounce, 1.0, 3.0 + SEND_WRU),
        "a hard bounce"
    );
    // The person's email for the conversation turned off: their read position's
    // UpdateItem (1 WRU), before the counter.
    let complaint = [
        "GetItem",
        "UpdateItem",
        "PutItem",
        "TransactWriteItems",
        "UpdateItem",
        "UpdateItem",
        "Query",
    ];
    assert_eq!(
        small.complaint,
        expected(&complaint, 1.0, 4.0 + SEND_WRU),
        "a complaint"
    );
    // The grant's conditional UpdateItem (1 WRU), after the rates.
    let pausing = [
        "GetItem",
        "UpdateItem",
        "PutItem",
        "TransactWriteItems",
        "UpdateItem",
        "Query",
        "UpdateItem",
    ];
    assert_eq!(
        small.hard_bounce_pausing,
        expected(&pausing, 1.0, 4.0 + SEND_WRU),
        "a bounce that pauses the tenant"
    );
    assert_eq!(small.delivered, large.delivered, "delivered");
    assert_eq!(small.repeat, large.repeat, "a repeat");
    assert_eq!(small.hard_bounce, large.hard_bounce, "a hard bounce");
    assert_eq!(small.complaint, large.complaint, "a complaint");
    assert_eq!(
        small.hard_bounce_pausing, large.hard_bounce_pausing,
        "a bounce that pauses the tenant"
    );
}
