//! The dispatcher draining a backlog: 1,000 conversations due at once, each with 25 staff
//! members who have not read it, against the embedded DynamoDB emulator and moto's SES
//! (`make bench` starts moto). Runs are cut off as Lambda's deadline would cut them (55 s
//! timeout, 10 s kept back). Prints deliveries per second and per run; asserts nothing
//! but that every delivery went out once.

use shared::domain::ids::TenantId;
use std::time::{Duration, Instant};

use notify::{Budget, Dispatcher, DEADLINE_MARGIN, DEFAULT_CONCURRENCY};
use serde_json::json;
use shared::domain::directory::StaffProfile;
use shared::domain::{now_rfc3339, Role, Settings};
use shared::notify::{SesEmail, SnsSms};
use shared::store::DirectoryStore;
use testkit::{read_response, ApiEvent, Claims, TestStack};

const TENANT: &str = "backlog";
/// `BACKLOG_CONVERSATIONS` overrides it (2,000 makes 50,000 deliveries).
const CONVERSATIONS: usize = 1_000;
const STAFF: usize = 25;
const LAMBDA_TIMEOUT: Duration = Duration::from_secs(55);

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let conversations: usize = std::env::var("BACKLOG_CONVERSATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(CONVERSATIONS);
    let stack = TestStack::start().await;
    stack.set_settings(TENANT, &Settings::default()).await;
    // A large tenant: the operator raised its quota above the backlog.
    stack
        .set_grant(
            TENANT,
            &shared::domain::grant::Grant {
                emails_per_day: shared::domain::grant::MAX_DAILY_QUOTA,
                ..Default::default()
            },
        )
        .await;
    for i in 0..STAFF {
        let now = now_rfc3339();
        let profile = StaffProfile {
            user_id: format!("s{i}"),
            name: format!("Staff {i}"),
            email: Some(format!("s{i}@backlog.example")),
            email_notifications: true,
            role: Role::Staff,
            created_at: now.clone(),
            updated_at: now,
        };
        stack
            .store
            .put_staff(&TenantId::from(TENANT), &profile)
            .await
            .unwrap();
    }
    let app = stack.app();
    let seeding = Instant::now();
    for i in 0..conversations {
        let owner = Claims::customer(TENANT, &format!("p{i}"), &format!("c{i}"));
        let event = ApiEvent::new("POST", "/messages")
            .claims(&owner)
            .json(json!({"message": "Is Bella ok to eat before her surgery tomorrow?"}));
        let (status, body) = read_response(send::handle(&app, event.request()).await);
        assert_eq!(status, 201, "{body}");
    }
    eprintln!(
        "seeded {conversations} conversations x {STAFF} staff in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    let aws = testkit::moto::sdk_config().await;
    let ses = aws_sdk_sesv2::Client::new(&aws);
    let _ = ses
        .create_email_identity()
        .email_identity("backlog.example")
        .send()
        .await;
    let dispatcher = Dispatcher::new(
        stack.store.clone(),
        SesEmail::new(ses),
        SnsSms::new(aws_sdk_sns::Client::new(&aws)),
        "notify@backlog.example",
    );
    let due = jiff::Timestamp::now() + jiff::SignedDuration::from_mins(5);
    let expected = (conversations * STAFF) as u64;
    let (mut sent, mut runs) = (0, 0);
    let start = Instant::now();
    eprintln!(
        "draining: {DEFAULT_CONCURRENCY} sends at once, runs of {} s",
        (LAMBDA_TIMEOUT - DEADLINE_MARGIN).as_secs()
    );
    while sent < expected && runs < 20 {
        let run_start = Instant::now();
        let report = dispatcher
            .run_within(due, Budget::lasting(LAMBDA_TIMEOUT - DEADLINE_MARGIN))
            .await
            .expect("the run completes");
        runs += 1;
        sent += report.sent;
        let took = run_start.elapsed().as_secs_f64();
        eprintln!(
            "run {runs:>2}: {:>6} sent in {took:>5.1} s ({:>5.0}/s), per shard {:?}, {} left for the next run, {} failed",
            report.sent,
            report.sent as f64 / took,
            report.per_shard,
            report.deferred,
            report.failed,
        );
    }
    let took = start.elapsed().as_secs_f64();
    eprintln!(
        "backlog drained: {sent} of {expected} deliveries in {runs} runs, {took:.1} s ({:.0} deliveries/s, {:.0} per run)",
        sent as f64 / took,
        sent as f64 / runs.max(1) as f64
    );
    assert_eq!(sent, expected, "every delivery once");
}
