//! Runs that overlap, die half-way, meet provider failures, or read a big table.

use super::*;
use shared::domain::ids::TenantId;

#[tokio::test]
async fn overlapping_runs_send_each_notification_once() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    settings(&stack, |_| {}).await;
    for i in 0..4 {
        contact(&stack, &people, "c1", &format!("p{i}"), None).await;
        contact(&stack, &people, "c2", &format!("q{i}"), None).await;
    }
    for customer in ["c1", "c2"] {
        stack
            .send_as(
                send::handle,
                &Claims::staff(TENANT, "s1"),
                json!({"customer_id": customer, "message": "hi"}),
            )
            .await;
    }
    let (a, b) = (dispatcher(&stack).await, dispatcher(&stack).await);
    let now = later(4);
    let (first, second) = tokio::join!(a.run(now), b.run(now));
    assert_eq!(first.unwrap().sent + second.unwrap().sent, 8);
    for i in 0..4 {
        assert_eq!(emails_to(&people.email(&format!("p{i}"))).await.len(), 1);
        assert_eq!(emails_to(&people.email(&format!("q{i}"))).await.len(), 1);
    }
    assert_eq!(a.run(later(10)).await.unwrap().sent, 0);
}

/// Sends the first `healthy` emails, then never answers: a run that dies mid-way.
struct Stalls {
    inner: SesEmail,
    healthy: usize,
    sent: Arc<AtomicUsize>,
}

impl EmailSender for Stalls {
    async fn send_email(&self, from: &str, to: &str, email: &Email) -> Result<String, SendError> {
        if self.sent.load(Ordering::SeqCst) >= self.healthy {
            std::future::pending::<()>().await;
        }
        let id = self.inner.send_email(from, to, email).await;
        self.sent.fetch_add(1, Ordering::SeqCst);
        id
    }
}

#[tokio::test]
async fn a_run_that_dies_half_way_is_finished_by_the_next_without_repeats() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    settings(&stack, |_| {}).await;
    for i in 0..4 {
        contact(&stack, &people, "c1", &format!("p{i}"), None).await;
    }
    stack
        .send_as(
            send::handle,
            &Claims::staff(TENANT, "s1"),
            json!({"customer_id": "c1", "message": "hi"}),
        )
        .await;

    let (email, sms) = moto_senders().await;
    let sent = Arc::new(AtomicUsize::new(0));
    let dying = Dispatcher {
        store: stack.store.clone(),
        email: Stalls {
            inner: email,
            healthy: 2,
            sent: sent.clone(),
        },
        sms,
        from_email: FROM.into(),
        reply_domain: None,
        api_url: None,
        // One at a time: two sent, the third stalls, the fourth never claimed.
        concurrency: 1,
    };
    let now = later(4);
    let run = tokio::spawn(async move { dying.run(now).await });
    while sent.load(Ordering::SeqCst) < 2 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    run.abort();

    let next = dispatcher(&stack).await;
    assert_eq!(
        next.run(now).await.unwrap().sent,
        1,
        "the stalled claim is still held"
    );
    let report = next
        .run(now + crate::CLAIM_LEASE + SignedDuration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(report.sent, 1, "the claim of the dead run is taken over");
    for i in 0..4 {
        assert_eq!(
            emails_to(&people.email(&format!("p{i}"))).await.len(),
            1,
            "p{i}"
        );
    }
}
#[tokio::test]
async fn ses_failures_are_retried_later_and_finally_marked_failed() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    let dispatcher = staff_message_to_p1_and_unreachable_p2(&stack, &people).await;
    let mut now = later(4);
    let first = dispatcher.run(now).await.unwrap();
    assert_eq!(
        (first.sent, first.retrying),
        (1, 1),
        "one bad recipient blocks nobody"
    );
    let mut runs = 1;
    loop {
        now += SignedDuration::from_mins(20);
        let report = dispatcher.run(now).await.unwrap();
        runs += 1;
        assert_eq!(report.sent, 0);
        if report.failed == 1 {
            break;
        }
        assert!(runs < 10, "gave up too late");
    }
    let (records, _) = stack
        .store
        .deliveries(&TenantId::from(TENANT), &general("c1"), None, 20)
        .await
        .unwrap();
    let failed = records
        .iter()
        .find(|r| r.recipient == "contact:p2")
        .unwrap();
    assert_eq!(
        (failed.status, failed.attempts),
        (DeliveryStatus::Failed, MAX_ATTEMPTS)
    );
    assert!(failed.error.is_some());
    assert_eq!(emails_to(&people.email("p1")).await.len(), 1);
    assert_eq!(
        dispatcher
            .run(now + SignedDuration::from_mins(60))
            .await
            .unwrap(),
        RunReport::default()
    );
}

async fn run_cost(unrelated: usize) -> usize {
    let stack = TestApp::start(TENANT).await;
    seed::other_tenants(&stack.store, unrelated).await;
    let people = People::new();
    settings(&stack, |_| {}).await;
    staff(&stack, &people, "s1", Role::Staff).await;
    for i in 0..3 {
        let customer = format!("c{i}");
        contact(&stack, &people, &customer, &format!("p{i}"), None).await;
        stack
            .send_as(
                send::handle,
                &Claims::customer(TENANT, &format!("p{i}"), &customer),
                json!({"message": "hi"}),
            )
            .await;
        stack
            .send_as(
                send::handle,
                &Claims::staff(TENANT, "s1"),
                json!({"customer_id": format!("r{i}"), "message": "hi"}),
            )
            .await;
    }
    let dispatcher = dispatcher(&stack).await;
    stack.requests.reset();
    let report = dispatcher.run(later(4)).await.unwrap();
    assert_eq!(report.conversations, 6);
    stack.requests.total()
}

#[tokio::test]
async fn a_run_costs_what_is_due_whatever_the_table_holds() {
    let small = run_cost(1_000).await;
    let large = run_cost(100_000).await;
    assert_eq!(small, large);
    // 4 shard Queries; per tenant: settings + staff directory + grant, and the quota's
    // block taken and its rest given back; per conversation: thread Query + account
    // Query + recipients' read positions, preferences and suppressed addresses (one
    // BatchGetItem) + settle; per delivery: claim + record + the provider id's item.
    assert_eq!(small, 4 + 2 + 1 + 2 + 6 * 4 + 3 * 3);
}

#[tokio::test]
async fn messages_during_a_pass_get_a_pass_of_their_own() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    settings(&stack, |_| {}).await;
    contact(&stack, &people, "c1", "p1", None).await;
    stack
        .send_as(
            send::handle,
            &Claims::staff(TENANT, "s1"),
            json!({"customer_id": "c1", "message": "first"}),
        )
        .await;
    let dispatcher = dispatcher(&stack).await;
    let due = stack
        .store
        .due(
            shard_of("c1"),
            &shared::domain::format_timestamp(later(4)),
            10,
            None,
        )
        .await
        .unwrap()
        .passes
        .remove(0);
    let first_seen = stack
        .store
        .conversation(&TenantId::from(TENANT), &general("c1"))
        .await
        .unwrap()
        .unwrap()
        .last_message_id
        .unwrap();
    stack
        .send_as(
            send::handle,
            &Claims::staff(TENANT, "s1"),
            json!({"customer_id": "c1", "message": "second"}),
        )
        .await;
    // A pass that had read the conversation before "second" arrived settles.
    stack
        .store
        .settle(
            &TenantId::from(TENANT),
            &due,
            &first_seen,
            &shared::store::Settlement::Done,
            &shared::domain::format_timestamp(later(8)),
        )
        .await
        .unwrap();
    assert_eq!(dispatcher.run(later(5)).await.unwrap().sent, 0);
    assert_eq!(
        dispatcher.run(later(9)).await.unwrap().sent,
        1,
        "second is notified"
    );
}

fn shard_of(customer: &str) -> u32 {
    let pk = shared::store::keys::conversation_pk(TENANT, &general(customer));
    shared::store::keys::due_shard(&pk)
        .trim_start_matches("DUE#")
        .parse()
        .unwrap()
}
