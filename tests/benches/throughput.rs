//! Handler throughput and latency against embedded DynamoDB: sends (sequential and 16 at
//! a time into one thread), thread pages and mark-read. Prints numbers; asserts nothing.

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

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let stack = Arc::new(TestStack::start().await);
    let app = Arc::new(stack.app());
    let staff = Claims::staff(TENANT, "s1");

    let n = 2_000;
    let start = Instant::now();
    let mut latencies = Vec::with_capacity(n);
    for i in 0..n {
        let event = ApiEvent::new("POST", "/messages")
            .claims(&staff)
            .json(json!({"customer_id": format!("c{}", i % 200), "message": "Reminder: Bella's checkup is tomorrow at 10am."}));
        let t = Instant::now();
        let (status, _) = read_response(send::handle(&app, event.request()).await);
        assert_eq!(status, 201);
        latencies.push(t.elapsed());
    }
    report("send (200 threads, sequential)", latencies, start.elapsed());

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

    let start = Instant::now();
    let mut latencies = Vec::new();
    for i in 0..1_000 {
        let event = ApiEvent::new("GET", "/messages/customer/{customer_id}")
            .claims(&staff)
            .path_param("customer_id", &format!("c{}", i % 200));
        let t = Instant::now();
        let (status, _) = read_response(thread::handle(&app, event.request()).await);
        assert_eq!(status, 200);
        latencies.push(t.elapsed());
    }
    report("thread page (20 messages)", latencies, start.elapsed());

    let start = Instant::now();
    let mut latencies = Vec::new();
    for i in 0..1_000 {
        let claims = Claims::customer(TENANT, "contact-x", &format!("c{}", i % 200));
        let event = ApiEvent::new("POST", "/messages/read")
            .claims(&claims)
            .json(json!({}));
        let t = Instant::now();
        let (status, _) = read_response(mark_read::handle(&app, event.request()).await);
        assert_eq!(status, 200);
        latencies.push(t.elapsed());
    }
    report("mark read", latencies, start.elapsed());
    eprintln!("DynamoDB requests in all: {}", stack.requests.total());
}
