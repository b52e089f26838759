//! Exporting an order conversation of 20,000 messages of 4,000 characters as CSV (about
//! 80 MB, so it streams into the bucket in parts) and as PDF (some 15,000 pages): the time
//! each takes, the CPU it uses, the peak memory, its size, and its DynamoDB and S3
//! requests. Each export runs in a fresh child process on a current-thread runtime, as the
//! export function runs it, so its peak RSS is the function's alone (the embedded DynamoDB
//! and the seeding stay in this process). Prints numbers; asserts only that each export
//! is whole.

use shared::domain::ids::TenantId;
use std::time::Instant;

use serde_json::json;
use shared::domain::directory::StaffProfile;
use shared::domain::{now_rfc3339, ConversationId, Role};
use shared::store::{DirectoryStore, DynamoStore, MessageStore};
use testkit::{read_response, seed, ApiEvent, Claims, EmbeddedDynamo, RequestCounter, TestStack};

const TENANT: &str = "export";
/// `EXPORT_BENCH_MESSAGES` makes a shorter run.
fn messages() -> usize {
    std::env::var("EXPORT_BENCH_MESSAGES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000)
}
const CHARS: usize = 4_000;
/// Set in the child: the table, the conversation to export and the format.
const CHILD: &str = "EXPORT_BENCH_CHILD";

fn main() {
    match std::env::var(CHILD) {
        Ok(job) => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(child(&job)),
        Err(_) => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
            .block_on(parent()),
    }
}

/// A text of exactly [`CHARS`] characters.
fn text(i: usize) -> String {
    let mut text = format!("Message {i}: ");
    while text.len() < CHARS {
        text.push_str("the logo's second draft, with the \"colours\" you asked for, is attached. ");
    }
    text.truncate(CHARS);
    text
}

async fn parent() {
    let dynamo = EmbeddedDynamo::in_memory().await;
    // The stack and the child both use this database.
    std::env::set_var("AWS_ENDPOINT_URL_DYNAMODB", &dynamo.endpoint);
    let stack = TestStack::start().await;
    let app = stack.app();
    let now = now_rfc3339();
    let vendor = StaffProfile {
        user_id: "vendor-9".into(),
        name: "Paws & Co".into(),
        email: None,
        email_notifications: false,
        role: Role::BasicStaff,
        created_at: now.clone(),
        updated_at: now,
    };
    stack
        .store
        .put_staff(&TenantId::from(TENANT), &vendor)
        .await
        .unwrap();
    seed::contact(
        &stack.store,
        TENANT,
        "buyer-1",
        "buyer",
        "buyer@example.com",
        None,
    )
    .await;
    let host = Claims::service(TENANT, "marketplace");
    let open = ApiEvent::new("POST", "/conversations").claims(&host).json(json!({
        "customer_id": "buyer-1", "order_id": "1042", "title": "Order #1042", "participants": ["vendor-9"],
    }));
    let (status, opened) = read_response(admin::handle(&app, open.request()).await);
    assert_eq!(status, 201, "{opened}");
    let id = opened["id"].as_str().unwrap().to_owned();
    let seeding = Instant::now();
    let (vendor, buyer) = (
        Claims::basic_staff(TENANT, "vendor-9"),
        Claims::customer(TENANT, "buyer", "buyer-1"),
    );
    let count = messages();
    for i in 0..count {
        let who = if i % 2 == 0 { &vendor } else { &buyer };
        let event = ApiEvent::new("POST", "/messages").claims(who).json(json!({
            "conversation_id": id,
            "message": text(i),
        }));
        assert_eq!(
            read_response(send::handle(&app, event.request()).await).0,
            201
        );
    }
    eprintln!(
        "seeded {count} messages of {CHARS} characters in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );
    for format in ["csv", "pdf"] {
        let status = tokio::process::Command::new(std::env::current_exe().unwrap())
            .env(CHILD, format!("{} {id} {format}", stack.store.table()))
            .status()
            .await
            .unwrap();
        assert!(status.success(), "the {format} export child failed");
    }
}

/// A line of `/proc/self/status` in MB (`VmHWM`, `VmRSS`).
fn status_mb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

/// This process's CPU time (user and system) in seconds.
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
    // utime and stime, the 14th and 15th fields (11 and 12 after the name), at 100 Hz.
    (ticks(11) + ticks(12)) / 100.0
}

/// The export, as the export function makes it, in this fresh process.
async fn child(job: &str) {
    let [table, id, format] = job.split(' ').collect::<Vec<_>>()[..] else {
        panic!("{job}");
    };
    let endpoint = std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap();
    let requests = RequestCounter::default();
    let store = DynamoStore::new(testkit::dynamodb::client(&endpoint, Some(&requests)), table);
    let clients = shared::aws::Clients::from_environment().await;
    let sdk = clients.sdk_config();
    let s3_requests = RequestCounter::default();
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(sdk)
            .interceptor(s3_requests.clone())
            .build(),
    );
    let files = shared::files::S3Files::new(
        s3,
        testkit::dynamodb::TEST_BUCKET,
        sdk.credentials_provider().unwrap(),
        sdk.region().unwrap().as_ref(),
    );
    let app = shared::App::new(store, &testkit::test_config(table)).with_files(files);
    let host = Claims::service(TENANT, "marketplace");
    // Warm as a container is after its first request: settings read and cached.
    let conversation = ConversationId::decode(id).unwrap();
    app.store
        .conversation(&TenantId::from(TENANT), &conversation)
        .await
        .unwrap();
    let export = ApiEvent::new("GET", "/conversations/{id}/export")
        .claims(&host)
        .path_param("id", id)
        .query("format", format);
    let (baseline, cpu_before) = (status_mb("VmHWM"), cpu_seconds());
    requests.reset();
    s3_requests.reset();
    let started = Instant::now();
    let response = export::handle(&app, export.request()).await;
    let took = started.elapsed();
    let (peak, cpu) = (status_mb("VmHWM"), cpu_seconds() - cpu_before);
    assert_eq!(
        response.status(),
        302,
        "an export this long goes through S3"
    );
    let link = response.headers()["location"].to_str().unwrap().to_owned();
    let (status, _, _, bytes) = testkit::moto::fetch(&link).await;
    assert_eq!(status, 200);
    let (ms, cpu_ms) = (took.as_secs_f64() * 1e3, cpu * 1e3);
    let (requests, rru) = (requests.total(), requests.read_units());
    let (s3, parts) = (s3_requests.total(), s3_requests.count("UploadPart"));
    if format == "pdf" {
        assert!(bytes.starts_with(b"%PDF-") && bytes.ends_with(b"%%EOF\n"));
        let pages = bytes.windows(12).filter(|w| w == b"/Type /Page ").count();
        eprintln!(
            "EXPORT_PDF messages={} chars={CHARS} pdf_mb={:.1} pages={pages} ms={ms:.0} \
             cpu_ms={cpu_ms:.0} peak_rss_mb={peak:.1} before_mb={baseline:.1} \
             dynamodb_requests={requests} rru={rru:.1} s3_requests={s3} s3_parts={parts}",
            messages(),
            bytes.len() as f64 / 1e6,
        );
        return;
    }
    let records = bytes.windows(2).filter(|w| w == b"\r\n").count();
    assert_eq!(records, 1 + 1 + messages(), "the export is whole");
    eprintln!(
        "EXPORT messages={} chars={CHARS} csv_mb={:.1} ms={ms:.0} cpu_ms={cpu_ms:.0} \
         peak_rss_mb={peak:.1} before_mb={baseline:.1} dynamodb_requests={requests} rru={rru:.1} \
         s3_requests={s3} s3_parts={parts}",
        messages(),
        bytes.len() as f64 / 1e6,
    );
}
