//! Handler throughput and latency against embedded DynamoDB: sends (sequential and 16 at
//! a time into one thread), thread pages, mark-read, feed pages, the badge and inbound
//! texts through the signed webhook. Prints numbers; asserts nothing.

use shared::domain::ids::TenantId;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use testkit::{read_response, ApiEvent, Claims, TestStack};

const TENANT: &str = "bench";

fn report(name: &str, mut latencies: Vec<Duration>, wall: Duration) {
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    let line = format!(
        "{name:<34} {:>6} ops  {:>8.0} ops/s  p50 {:>6.2} ms  p99 {:>6.2} ms",
        latencies.len(),
        latencies.len() as f64 / wall.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
    );
    eprintln!("{line}");
}

/// Runs `call` `n` times in sequence and reports it; `call` returns the status it got.
async fn measure<F, Fut>(name: &str, n: usize, expected: u16, mut call: F)
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = u16>,
{
    let start = Instant::now();
    let mut latencies = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        assert_eq!(call(i).await, expected, "{name}");
        latencies.push(t.elapsed());
    }
    report(name, latencies, start.elapsed());
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let stack = Arc::new(TestStack::start().await);
    let app = Arc::new(stack.app());
    let staff = Claims::staff(TENANT, "s1");

    measure("send (200 threads, sequential)", 2_000, 201, |i| {
        let event = ApiEvent::new("POST", "/messages")
            .claims(&staff)
            .json(json!({"customer_id": format!("c{}", i % 200), "message": "Reminder: Bella's checkup is tomorrow at 10am."}));
        let app = app.clone();
        async move { read_response(send::handle(&app, event.request()).await).0 }
    })
    .await;

    let start = Instant::now();
    let tasks: Vec<_> = (0..16)
        .map(|w| {
            let app = app.clone();
            tokio::spawn(async move {
                let claims = Claims::customer(TENANT, &format!("contact-{w}"), "hot");
                let mut latencies = Vec::new();
                for _ in 0..50 {
                    let event = ApiEvent::new("POST", "/messages")
                        .claims(&claims)
                        .json(json!({"message": "on my way"}));
                    let t = Instant::now();
                    let (status, _) = read_response(send::handle(&app, event.request()).await);
                    assert_eq!(status, 201);
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    report(
        "send (one thread, 16 concurrent)",
        latencies,
        start.elapsed(),
    );

    measure("thread page (20 messages)", 1_000, 200, |i| {
        let event = ApiEvent::new("GET", "/messages/customer/{customer_id}")
            .claims(&staff)
            .path_param("customer_id", &format!("c{}", i % 200));
        let app = app.clone();
        async move { read_response(thread::handle(&app, event.request()).await).0 }
    })
    .await;

    measure("mark read", 1_000, 200, |i| {
        let claims = Claims::customer(TENANT, "contact-x", &format!("c{}", i % 200));
        let event = ApiEvent::new("POST", "/messages/read")
            .claims(&claims)
            .json(json!({}));
        let app = app.clone();
        async move { read_response(mark_read::handle(&app, event.request()).await).0 }
    })
    .await;

    measure("activity page (20 of 201 threads)", 1_000, 200, |i| {
        let event = ApiEvent::new("GET", "/messages/activity")
            .claims(&Claims::staff(TENANT, &format!("s{}", i % 5)));
        let app = app.clone();
        async move { read_response(activity::handle(&app, event.request()).await).0 }
    })
    .await;

    measure("unread badge (201 threads)", 1_000, 200, |i| {
        let event = ApiEvent::new("GET", "/messages/unread")
            .claims(&Claims::staff(TENANT, &format!("s{}", i % 5)));
        let app = app.clone();
        async move { read_response(activity::handle(&app, event.request()).await).0 }
    })
    .await;
    inbound_texts(&stack).await;

    eprintln!("DynamoDB requests in all: {}", stack.requests.total());
}

/// Signed webhook texts from 200 contacts, each into their own most recent thread.
async fn inbound_texts(stack: &TestStack) {
    use shared::store::DirectoryStore;
    const NUMBER: &str = "+15550300000";
    const TOKEN: &str = "bench-token";
    const URL: &str = "https://sms.example.com/sms/inbound";
    let settings = shared::domain::Settings {
        sms_numbers: vec![NUMBER.into()],
        ..Default::default()
    };
    stack.set_settings(TENANT, &settings).await;
    for i in 0..200 {
        let now = shared::domain::now_rfc3339();
        let contact = shared::domain::directory::Contact {
            customer_id: format!("c{i}"),
            contact_id: format!("p{i}"),
            name: format!("Contact {i}"),
            email: None,
            phone: Some(format!("+1555031{i:04}")),
            email_opt_in: false,
            sms_opt_in: true,
            created_at: now.clone(),
            updated_at: now,
        };
        stack
            .store
            .put_contact(&TenantId::from(TENANT), &contact)
            .await
            .unwrap();
    }
    let config = sms_inbound::InboundConfig {
        table_name: stack.store.table().to_owned(),
        settings_ttl: Duration::from_secs(30),
        webhook: Some(sms_inbound::Webhook {
            public_url: URL.into(),
            auth_token: TOKEN.into(),
        }),
    };
    let settings_cache = Arc::new(shared::settings_cache::SettingsCache::new(
        config.settings_ttl,
    ));
    let inbound = Arc::new(sms_inbound::Inbound::new(
        stack.store.clone(),
        &config,
        settings_cache,
    ));
    measure("inbound text (webhook, 200 senders)", 1_000, 200, |i| {
        let from = format!("+1555031{:04}", i % 200);
        let sid = format!("SMbench{i:06}");
        let params = [
            ("Body", "On my way, 10 minutes"),
            ("From", from.as_str()),
            ("MessageSid", sid.as_str()),
            ("To", NUMBER),
        ];
        let signature = testkit::events::twilio_signature(TOKEN, URL, &params);
        let body = testkit::events::form(&params);
        let event = ApiEvent::new("POST", "/sms/inbound")
            .anonymous()
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-twilio-signature", &signature)
            .body(&body);
        let inbound = inbound.clone();
        async move {
            sms_inbound::handle_webhook(&inbound, event.request())
                .await
                .status()
                .as_u16()
        }
    })
    .await;
}
