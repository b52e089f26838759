//! Replies by email: from the raw message landing in S3 to the message readable in its
//! thread. Each reply is handed over as SES's receipt rule does it (its S3 action puts
//! the raw message under `inbound/` in moto's S3, then its Lambda action invokes the
//! function with the receipt), then staff read the thread (the thread function) until
//! the reply is on its first page. 20 contacts in 20 accounts each answer a staff
//! message by email, 100 replies in all (under each sender's rate of 50 a minute).
//! In AWS, SES's receipt and its asynchronous Lambda invocation add their own seconds
//! before the function starts: the goal there is p95 ≤ 30 s from SES's receipt, of
//! which this measures the part that is ours. Prints numbers; asserts only that every
//! reply became a message.

use std::sync::Arc;
use std::time::{Duration, Instant};

use email_inbound::{handle_event, receipt, Handled, Replies};
use serde_json::json;
use shared::domain::ids::TenantId;
use shared::domain::{now_rfc3339, Settings, Side};
use shared::files::S3Files;
use shared::notify::SesEmail;
use shared::store::{reply_address, DynamoStore, Reader, ReplyStore};
use testkit::app::{customer_thread, general};
use testkit::{read_response, Claims, TestStack};

const TENANT: &str = "bench-replies";
const DOMAIN: &str = "reply.bench.example";
const FROM: &str = "notify@bench.example";
const REPLIES: usize = 100;
const SENDERS: usize = 20;
/// Containers taking replies at once in the throughput runs.
const CONTAINERS: [usize; 2] = [1, 4];

const GMAIL_REPLY: &[u8] = include_bytes!("../email/gmail-reply.eml");
const TEXT: &str = "Thanks! We'll be there at 3pm.";

fn customer(i: usize) -> String {
    format!("c{i}")
}

fn address(i: usize) -> String {
    format!("owner-{i}@mail.example")
}

/// gmail-reply.eml from `from`, with its own Message-ID and a text ending in `tag`.
fn mail(from: &str, tag: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(GMAIL_REPLY);
    let (mut id_done, mut from_done, mut text_done) = (false, false, false);
    let lines: Vec<String> = text
        .split("\r\n")
        .flat_map(|l| l.split('\n'))
        .map(|line| {
            let lower = line.to_ascii_lowercase();
            if !id_done && lower.starts_with("message-id:") {
                id_done = true;
                format!("Message-ID: <{tag}@mail.gmail.com>")
            } else if !from_done && lower.starts_with("from:") {
                from_done = true;
                format!("From: Pet Owner <{from}>")
            } else if !text_done && line == TEXT {
                text_done = true;
                format!("{TEXT} ({tag})")
            } else {
                line.to_owned()
            }
        })
        .collect();
    assert!(id_done && from_done && text_done, "gmail-reply.eml changed");
    lines.join("\r\n").into_bytes()
}

type Container = Replies<DynamoStore, SesEmail>;

struct Setup {
    stack: TestStack,
    files: S3Files,
    tokens: Vec<String>,
}

/// The accounts, their contacts, a staff message in each thread and each contact's reply
/// address there, as the dispatcher's first email issued it.
async fn setup() -> Setup {
    let stack = TestStack::start().await;
    let files = stack
        .files
        .clone()
        .expect("moto's S3 (AWS_ENDPOINT_URL): run through make bench");
    let settings = Settings {
        business_name: Some("Bench Vets".into()),
        ..Settings::default()
    };
    stack.set_settings(TENANT, &settings).await;
    let app = stack.app();
    let mut tokens = Vec::new();
    for i in 0..SENDERS {
        let contact = format!("p{i}");
        testkit::seed::contact(
            &stack.store,
            TENANT,
            &customer(i),
            &contact,
            &address(i),
            None,
        )
        .await;
        let message = json!({"customer_id": customer(i), "message": "Rex's results are in"});
        let event = testkit::app::post_message(&Claims::staff(TENANT, "s1"), message);
        let (status, body) = read_response(send::handle(&app, event.request()).await);
        assert_eq!(status, 201, "{body}");
        let reader = Reader {
            side: Side::Customer,
            user_id: contact,
        };
        let token = stack
            .store
            .issue_reply_token(
                &TenantId::from(TENANT),
                &general(&customer(i)),
                &reader,
                &address(i),
                &now_rfc3339(),
            )
            .await
            .unwrap();
        tokens.push(token);
    }
    Setup {
        stack,
        files,
        tokens,
    }
}

async fn container(setup: &Setup) -> Container {
    Replies::new(
        setup.stack.app(),
        setup.files.clone(),
        testkit::moto::email().await,
        FROM,
    )
    .with_reply_domain(Some(DOMAIN.into()))
}

/// Reply `n`: SES's S3 action, its Lambda invocation, then the thread read until the
/// reply is on it. The time from the PUT to the reply read, and the handler's share.
async fn reply(setup: &Setup, replies: &Container, n: usize, run: &str) -> (Duration, Duration) {
    let sender = n % SENDERS;
    let tag = format!("{run}-{n}");
    let raw = mail(&address(sender), &tag);
    let id = ulid::Ulid::new().to_string().to_lowercase();
    let started = Instant::now();
    setup
        .files
        .put(
            &format!("{}{id}", email_inbound::INBOUND_PREFIX),
            "message/rfc822",
            raw.clone(),
        )
        .await
        .unwrap();
    let event = receipt::local_event(
        &address(sender),
        &[reply_address(&setup.tokens[sender], DOMAIN)],
        &raw,
        &id,
        &now_rfc3339(),
    );
    let invoked = Instant::now();
    let handled = handle_event(replies, event).await.unwrap();
    let handler = invoked.elapsed();
    assert_eq!(handled, [Handled::Message], "reply {tag}");
    let app = setup.stack.app();
    let page = customer_thread(&Claims::staff(TENANT, "s1"), &customer(sender));
    let expected = format!("{TEXT} ({tag})");
    loop {
        let (status, body) = read_response(thread::handle(&app, page.request()).await);
        assert_eq!(status, 200, "{body}");
        let visible = body["messages"]
            .as_array()
            .is_some_and(|m| m.iter().any(|m| m["message"] == expected.as_str()));
        if visible {
            return (started.elapsed(), handler);
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "reply {tag} never showed"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// One container, one reply at a time: each reply's latency.
async fn latency(setup: &Setup) {
    let replies = container(setup).await;
    let started = Instant::now();
    let mut visible = Vec::with_capacity(REPLIES);
    let mut handlers = Vec::with_capacity(REPLIES);
    for n in 0..REPLIES {
        let (seen, handler) = reply(setup, &replies, n, "latency").await;
        visible.push(ms(seen));
        handlers.push(ms(handler));
    }
    let elapsed = started.elapsed();
    visible.sort_by(f64::total_cmp);
    handlers.sort_by(f64::total_cmp);
    println!(
        "REPLIES latency replies={REPLIES} senders={SENDERS} p50_ms={:.1} p95_ms={:.1} max_ms={:.1} handler_p50_ms={:.1} handler_p95_ms={:.1} replies_per_s={:.1}",
        percentile(&visible, 0.50),
        percentile(&visible, 0.95),
        visible.last().copied().unwrap_or_default(),
        percentile(&handlers, 0.50),
        percentile(&handlers, 0.95),
        REPLIES as f64 / elapsed.as_secs_f64(),
    );
}

/// `containers` containers taking the replies at once (as Lambda scales out on SES's
/// asynchronous invocations): replies a second, and each one's latency meanwhile.
async fn throughput(setup: Arc<Setup>, containers: usize) {
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..containers {
        let setup = setup.clone();
        tasks.spawn(async move {
            let replies = container(&setup).await;
            let mut visible = Vec::new();
            for n in (c..REPLIES).step_by(containers) {
                let run = format!("containers{containers}");
                visible.push(ms(reply(&setup, &replies, n, &run).await.0));
            }
            visible
        });
    }
    let mut visible: Vec<f64> = Vec::with_capacity(REPLIES);
    while let Some(done) = tasks.join_next().await {
        visible.extend(done.expect("a container's replies"));
    }
    let elapsed = started.elapsed();
    visible.sort_by(f64::total_cmp);
    println!(
        "REPLIES throughput containers={containers} replies={} ms={} replies_per_s={:.1} p50_ms={:.1} p95_ms={:.1} max_ms={:.1}",
        visible.len(),
        elapsed.as_millis(),
        visible.len() as f64 / elapsed.as_secs_f64(),
        percentile(&visible, 0.50),
        percentile(&visible, 0.95),
        visible.last().copied().unwrap_or_default(),
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let setup = Arc::new(setup().await);
    println!(
        "replies: raw message PUT to S3 (SES's S3 action), the function on the receipt event, then a staff thread page until the reply is on it; embedded DynamoDB, moto's S3"
    );
    latency(&setup).await;
    for containers in CONTAINERS {
        throughput(setup.clone(), containers).await;
    }
    println!(
        "replies: in AWS, SES's receipt and its asynchronous Lambda invocation add their own seconds before the function starts (goal: p95 ≤ 30 s from receipt to a readable message)"
    );
}
