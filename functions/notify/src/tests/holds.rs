//! Quiet hours never strand a pass: a held pass and its tenant's release marker are
//! written together or not at all, and a release that leaves a pass held (one that
//! failed, or one an overlapping run held meanwhile) makes the marker due again.

use super::*;
use shared::domain::format_timestamp;
use shared::domain::ids::TenantId;
use shared::store::Settlement;
use testkit::faults::{self, Faults};

/// Quiet from an hour before `due` until `end`, in UTC.
async fn quiet_until(stack: &TestApp, due: Timestamp, end: Timestamp) {
    let clock = |t: Timestamp| {
        t.to_zoned(jiff::tz::TimeZone::UTC)
            .strftime("%H:%M")
            .to_string()
    };
    settings(stack, |s| {
        s.quiet_hours = Some(QuietHours {
            start: clock(due - SignedDuration::from_mins(60)),
            end: clock(end),
        })
    })
    .await;
}

/// When the tenant's release marker is due, if there is one.
async fn marker(stack: &TestApp) -> Option<String> {
    for shard in 0..shared::store::keys::DUE_SHARDS {
        let page = stack
            .store
            .due(shard, "9999-12-31T00:00:00Z", 100, None)
            .await
            .unwrap();
        if let Some((_, due_at)) = page.releases.into_iter().find(|(t, _)| t == TENANT) {
            return Some(due_at);
        }
    }
    None
}

async fn held(stack: &TestApp) -> Vec<shared::store::DueEntry> {
    stack
        .store
        .held(&TenantId::from(TENANT), 100)
        .await
        .unwrap()
        .0
}

async fn message_to(stack: &TestApp, people: &People, customer: &str) {
    contact(stack, people, customer, &format!("{customer}p"), None).await;
    stack
        .send_as(
            send::handle,
            &Claims::staff(TENANT, "s1"),
            json!({"customer_id": customer, "message": "hi"}),
        )
        .await;
}

#[tokio::test]
async fn a_hold_writes_the_pass_and_its_release_marker_together() {
    let faults = Faults::default();
    let stack = TestApp::with_faults(TENANT, &faults).await;
    let people = People::new();
    let due = later(4);
    let end = due + SignedDuration::from_mins(61);
    quiet_until(&stack, due, end).await;
    message_to(&stack, &people, "c1").await;
    let dispatcher = dispatcher(&stack).await;

    // The marker's write is refused: the pass is not held without it.
    faults.inject(
        &["RELEASE"],
        1,
        faults::dynamodb_error("AccessDeniedException", json!({})),
    );
    assert_eq!(dispatcher.run(due).await.unwrap().sent, 0);
    assert_eq!(faults.injected(), 1);
    assert_eq!(
        (held(&stack).await.len(), marker(&stack).await),
        (0, None),
        "neither the hold nor the marker"
    );

    // The next run holds it, in one request: both.
    stack.requests.reset();
    assert_eq!(dispatcher.run(due).await.unwrap().sent, 0);
    assert_eq!(stack.requests.count("TransactWriteItems"), 1);
    assert_eq!(stack.requests.count("UpdateItem"), 0);
    assert_eq!(held(&stack).await.len(), 1);
    let until = marker(&stack).await.expect("the marker is due");
    assert!(until > format_timestamp(due), "{until}");

    // A second pass held by then finds the marker due by then: one request as well.
    message_to(&stack, &people, "c2").await;
    stack.requests.reset();
    dispatcher
        .run(due + SignedDuration::from_mins(1))
        .await
        .unwrap();
    assert_eq!(stack.requests.count("TransactWriteItems"), 1);
    assert_eq!(held(&stack).await.len(), 2);
    assert_eq!(marker(&stack).await, Some(until));

    let report = dispatcher
        .run(end + SignedDuration::from_mins(1))
        .await
        .unwrap();
    assert_eq!(report.sent, 2, "{report:?}");
    assert_eq!((held(&stack).await.len(), marker(&stack).await), (0, None));
}

/// A marker due sooner than a new hold's end (a settings change made it due now) stays
/// as it is; the hold checks it in the same transaction.
#[tokio::test]
async fn a_hold_keeps_a_marker_due_sooner() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    let due = later(4);
    let end = due + SignedDuration::from_mins(61);
    quiet_until(&stack, due, end).await;
    message_to(&stack, &people, "c1").await;
    let dispatcher = dispatcher(&stack).await;
    dispatcher.run(due).await.unwrap();
    let until = marker(&stack).await.expect("the marker is due");
    let sooner = format_timestamp(due + SignedDuration::from_mins(5));
    stack
        .store
        .move_release(&TenantId::from(TENANT), &until, Some(&sooner))
        .await
        .unwrap();

    message_to(&stack, &people, "c2").await;
    stack.requests.reset();
    // Still quiet: the dispatcher holds c2's pass, whose marker is due sooner already.
    dispatcher
        .run(due + SignedDuration::from_mins(1))
        .await
        .unwrap();
    assert_eq!(stack.requests.count("TransactWriteItems"), 2);
    assert_eq!(held(&stack).await.len(), 2);
    assert_eq!(marker(&stack).await, Some(sooner));
}

/// Two runs overlap: one releases the tenant's held passes while the other, whose clock
/// still says quiet, holds a new one. The release ends after the hold found the marker
/// still due: the marker is made due again, and the next run sends the new pass.
#[tokio::test]
async fn a_release_that_leaves_a_pass_held_makes_the_marker_due_again() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    let due = later(4);
    let end = due + SignedDuration::from_mins(61);
    quiet_until(&stack, due, end).await;
    message_to(&stack, &people, "c1").await;
    let dispatcher = dispatcher(&stack).await;
    dispatcher.run(due).await.unwrap();
    let until = marker(&stack).await.expect("the marker is due");

    // The releasing run reads what is held and delivers it...
    let released = held(&stack).await;
    assert_eq!(released.len(), 1);
    // ...while the other run holds c2's pass: the marker is due by then already.
    message_to(&stack, &people, "c2").await;
    dispatcher
        .run(due + SignedDuration::from_mins(2))
        .await
        .unwrap();
    assert_eq!(held(&stack).await.len(), 2);
    stack
        .store
        .settle(
            &TenantId::from(TENANT),
            &released[0],
            &last_message(&stack, "c1").await,
            &Settlement::Done,
            &until,
        )
        .await
        .unwrap();

    let after = format_timestamp(end + SignedDuration::from_mins(1));
    let rearmed = stack
        .store
        .end_release(&TenantId::from(TENANT), &until, &after)
        .await
        .unwrap();
    assert!(rearmed, "a pass is still held");
    assert_eq!(marker(&stack).await, Some(after));

    let report = dispatcher
        .run(end + SignedDuration::from_mins(2))
        .await
        .unwrap();
    assert_eq!(report.sent, 1, "{report:?}");
    assert_eq!(emails_to(&people.email("c2p")).await.len(), 1);
    // Nothing held: the release that sent it removed the marker for good.
    assert_eq!((held(&stack).await.len(), marker(&stack).await), (0, None));
}

async fn last_message(stack: &TestApp, customer: &str) -> String {
    stack
        .store
        .conversation(&TenantId::from(TENANT), &general(customer))
        .await
        .unwrap()
        .expect("the conversation exists")
        .last_message_id
        .expect("a message")
}

#[tokio::test]
async fn quiet_hours_hold_notifications_until_they_end() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    let due = later(4);
    let zone = jiff::tz::TimeZone::UTC;
    let clock = |t: Timestamp| t.to_zoned(zone.clone()).strftime("%H:%M").to_string();
    let end = due + SignedDuration::from_mins(61);
    settings(&stack, |s| {
        s.quiet_hours = Some(QuietHours {
            start: clock(due - SignedDuration::from_mins(60)),
            end: clock(end),
        })
    })
    .await;
    contact(&stack, &people, "c1", "p1", None).await;
    stack
        .send_as(
            send::handle,
            &Claims::staff(TENANT, "s1"),
            json!({"customer_id": "c1", "message": "hi"}),
        )
        .await;

    let dispatcher = dispatcher(&stack).await;
    assert_eq!(dispatcher.run(due).await.unwrap().sent, 0, "quiet");
    assert_eq!(
        dispatcher
            .run(due + SignedDuration::from_mins(30))
            .await
            .unwrap()
            .sent,
        0
    );
    assert_eq!(
        dispatcher
            .run(end + SignedDuration::from_mins(1))
            .await
            .unwrap()
            .sent,
        1
    );
    assert_eq!(emails_to(&people.email("p1")).await.len(), 1);
}

async fn put_settings(stack: &TestApp, body: Value) {
    let event = ApiEvent::new("PUT", "/settings/messaging")
        .claims(&Claims::admin(TENANT, "a1"))
        .json(body);
    let (status, body) = read_response(admin::handle(&stack.app(), event.request()).await);
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn ending_or_shortening_quiet_hours_releases_what_they_hold() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    let due = later(4);
    let clock = |t: Timestamp| {
        t.to_zoned(jiff::tz::TimeZone::UTC)
            .strftime("%H:%M")
            .to_string()
    };
    let night = |end: Timestamp| json!({"quiet_hours": {"start": clock(due - SignedDuration::from_mins(60)), "end": clock(end)}});
    settings(&stack, |_| {}).await;
    put_settings(&stack, night(due + SignedDuration::from_mins(300))).await;
    for customer in ["c1", "c2"] {
        contact(&stack, &people, customer, &format!("{customer}p"), None).await;
        stack
            .send_as(
                send::handle,
                &Claims::staff(TENANT, "s1"),
                json!({"customer_id": customer, "message": "hi"}),
            )
            .await;
    }
    let dispatcher = dispatcher(&stack).await;
    assert_eq!(dispatcher.run(due).await.unwrap().sent, 0, "held");

    // Shortened: what is held goes out when the new end comes, not the old.
    let new_end = due + SignedDuration::from_mins(30);
    put_settings(&stack, night(new_end)).await;
    assert_eq!(
        dispatcher
            .run(due + SignedDuration::from_mins(1))
            .await
            .unwrap()
            .sent,
        0
    );
    let report = dispatcher
        .run(new_end + SignedDuration::from_mins(1))
        .await
        .unwrap();
    assert_eq!(report.sent, 2, "{report:?}");

    // Cleared: a pass held again is released by the next run.
    stack
        .send_as(
            send::handle,
            &Claims::staff(TENANT, "s1"),
            json!({"customer_id": "c1", "message": "again"}),
        )
        .await;
    put_settings(&stack, night(due + SignedDuration::from_mins(300))).await;
    assert_eq!(
        dispatcher
            .run(due + SignedDuration::from_mins(2))
            .await
            .unwrap()
            .sent,
        0
    );
    put_settings(&stack, json!({"quiet_hours": null})).await;
    let report = dispatcher
        .run(due + SignedDuration::from_mins(3))
        .await
        .unwrap();
    assert_eq!(report.sent, 1, "{report:?}");
    assert_eq!(emails_to(&people.email("c1p")).await.len(), 2);
    assert_eq!(
        dispatcher
            .run(due + SignedDuration::from_mins(400))
            .await
            .unwrap(),
        RunReport::default(),
        "nothing left held, no marker left due"
    );
}

#[tokio::test]
async fn shortening_the_delay_brings_forward_what_is_pending() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    settings(&stack, |s| s.notify_delay_minutes = 30).await;
    staff(&stack, &people, "s1", Role::Staff).await;
    contact(&stack, &people, "c1", "p1", None).await;
    stack
        .send_as(
            send::handle,
            &Claims::customer(TENANT, "p1", "c1"),
            json!({"message": "Is the clinic open on Sunday?"}),
        )
        .await;
    let dispatcher = dispatcher(&stack).await;
    assert_eq!(
        dispatcher.run(later(4)).await.unwrap().sent,
        0,
        "due at +30"
    );

    put_settings(&stack, json!({"notify_delay_minutes": 3})).await;
    let sent =
        dispatcher.run(later(4)).await.unwrap().sent + dispatcher.run(later(5)).await.unwrap().sent;
    assert_eq!(sent, 1, "within a run or two");
    assert_eq!(emails_to(&people.email("s1")).await.len(), 1);
    assert_eq!(
        dispatcher.run(later(60)).await.unwrap(),
        RunReport::default()
    );
}
