//! A person's data for a contact who wrote 10,000 messages (500 characters each, among
//! 1,000 from staff): the export and then the erasure, each run by the jobs worker to the
//! end in a fresh child process on a current-thread runtime, as the function runs it, so
//! its peak RSS is the worker's alone. Prints time, CPU, peak RSS, steps and the DynamoDB
//! requests and capacity units of each; asserts only that each job finished whole.

use std::time::Instant;

use serde_json::json;
use shared::domain::ids::TenantId;
use shared::store::{DynamoStore, JobStore};
use testkit::{read_response, seed, ApiEvent, Claims, EmbeddedDynamo, RequestCounter, TestStack};

const TENANT: &str = "person";
const CUSTOMER: &str = "fam-1";
const CONTACT: &str = "casey";
const CHARS: usize = 500;
/// Set in the child: the table and the job to run.
const CHILD: &str = "PERSON_BENCH_CHILD";

/// `PERSON_BENCH_MESSAGES` makes a shorter run.
fn messages() -> usize {
    std::env::var("PERSON_BENCH_MESSAGES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000)
}

fn main() {
    let runtime = match std::env::var(CHILD) {
        Ok(_) => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
        Err(_) => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build(),
    }
    .unwrap();
    match std::env::var(CHILD) {
        Ok(job) => runtime.block_on(child(&job)),
        Err(_) => runtime.block_on(parent()),
    }
}

fn text(i: usize) -> String {
    let mut text = format!("Message {i}: ");
    while text.len() < CHARS {
        text.push_str("Bella's appointment moved to Thursday; the lab results are in. ");
    }
    text.truncate(CHARS);
    text
}

async fn start(stack: &TestStack, action: &str) -> String {
    let event = ApiEvent::new(
        "POST",
        &format!("/customers/{{customer_id}}/contacts/{{contact_id}}/{action}"),
    )
    .claims(&Claims::admin(TENANT, "a1"))
    .path_param("customer_id", CUSTOMER)
    .path_param("contact_id", CONTACT);
    let (status, job) = read_response(admin::handle(&stack.app(), event.request()).await);
    assert_eq!(status, 202, "{job}");
    job["job_id"].as_str().unwrap().to_owned()
}

async fn parent() {
    let dynamo = EmbeddedDynamo::in_memory().await;
    std::env::set_var("AWS_ENDPOINT_URL_DYNAMODB", &dynamo.endpoint);
    let stack = TestStack::start().await;
    let app = stack.app();
    seed::contact(
        &stack.store,
        TENANT,
        CUSTOMER,
        CONTACT,
        "casey@example.com",
        Some("+15550100001"),
    )
    .await;
    let (casey, nurse) = (
        Claims::customer(TENANT, CONTACT, CUSTOMER),
        Claims::staff(TENANT, "nurse"),
    );
    let seeding = Instant::now();
    let count = messages();
    for i in 0..count + count / 10 {
        let who = if i % 11 == 10 { &nurse } else { &casey };
        let event = ApiEvent::new("POST", "/messages")
            .claims(who)
            .json(json!({"customer_id": CUSTOMER, "message": text(i)}));
        assert_eq!(
            read_response(send::handle(&app, event.request()).await).0,
            201
        );
    }
    eprintln!(
        "seeded {count} messages of {CHARS} characters in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );
    for action in ["export", "erase"] {
        let job = start(&stack, action).await;
        let status = tokio::process::Command::new(std::env::current_exe().unwrap())
            .env(CHILD, format!("{} {job} {action}", stack.store.table()))
            .status()
            .await
            .unwrap();
        assert!(status.success(), "the {action} child failed");
    }
}

/// A line of `/proc/self/status` in MB (`VmHWM`).
fn status_mb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// The job, run by the worker to its end in this fresh process.
async fn child(job: &str) {
    let mut parts = job.split(' ');
    let (table, id, action) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let endpoint = std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap();
    let requests = RequestCounter::default();
    let store = DynamoStore::new(testkit::dynamodb::client(&endpoint, Some(&requests)), table);
    let clients = shared::aws::Clients::from_environment().await;
    let files = clients.files(testkit::dynamodb::TEST_BUCKET).unwrap();
    let worker = jobs::Worker::new(store.clone(), files);
    let (baseline, cpu_before) = (status_mb("VmHWM"), cpu_seconds());
    let started = Instant::now();
    let report = worker.run(jiff::Timestamp::now()).await.unwrap();
    let took = started.elapsed();
    let (peak, cpu) = (status_mb("VmHWM"), cpu_seconds() - cpu_before);
    let (reads, writes, total) = (
        requests.read_units(),
        requests.write_units(),
        requests.total(),
    );
    let done = store
        .job(&TenantId::from(TENANT), id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        done.status,
        shared::domain::jobs::JobStatus::Done,
        "{report:?}"
    );
    assert_eq!(
        done.progress.messages,
        messages() as u64,
        "every message of theirs"
    );
    eprintln!(
        "PERSON job={action} messages={} chars={CHARS} steps={} ms={:.0} cpu_ms={:.0} \
         peak_rss_mb={peak:.1} before_mb={baseline:.1} dynamodb_requests={total} rru={reads:.1} wru={writes:.1}",
        messages(),
        report.steps,
        took.as_secs_f64() * 1e3,
        cpu * 1e3,
    );
}
