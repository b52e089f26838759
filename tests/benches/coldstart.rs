//! Cold start and memory of each function as Lambda runs it: the release binary is
//! started against a local emulation of the Lambda Runtime API, beside a hello-world
//! `lambda_http` function built with the same profile. Measured: exec to the first
//! `/next` (init), exec to the first response, and peak RSS after the first and the
//! hundredth request, each function doing its real work against the embedded DynamoDB
//! and moto. Prints numbers; asserts nothing. `BENCH_BIN_DIR` names the binaries' folder.

use std::collections::VecDeque;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::routing::{get, post};
use serde_json::{json, Value};
use testkit::{ApiEvent, Claims, EmbeddedDynamo};
use tokio::sync::Notify;

/// The email-inbound function's event: a reply to an address issued in the table.
#[path = "coldstart/replies.rs"]
mod replies;
use replies::{email_receipt, REPLY_DOMAIN};

const STARTS: usize = 15;
const REQUESTS: usize = 100;
const TENANT: &str = "bench";

#[derive(Default)]
struct Runtime {
    queue: Mutex<VecDeque<(String, Value)>>,
    queued: Notify,
    first_next: Mutex<Option<Instant>>,
    answered: Mutex<Vec<(String, Instant, bool)>>,
    answer: Notify,
}

async fn next(State(runtime): State<Arc<Runtime>>) -> (HeaderMap, String) {
    runtime
        .first_next
        .lock()
        .unwrap()
        .get_or_insert_with(Instant::now);
    loop {
        let waiting = runtime.queued.notified();
        if let Some((id, event)) = runtime.queue.lock().unwrap().pop_front() {
            let mut headers = HeaderMap::new();
            let deadline = jiff::Timestamp::now().as_millisecond() + 30_000;
            let header = |v: String| HeaderValue::from_str(&v).unwrap();
            headers.insert("lambda-runtime-aws-request-id", header(id));
            headers.insert("lambda-runtime-deadline-ms", header(deadline.to_string()));
            headers.insert(
                "lambda-runtime-invoked-function-arn",
                header("arn:aws:lambda:us-east-1:123456789012:function:bench".into()),
            );
            return (headers, event.to_string());
        }
        waiting.await;
    }
}

async fn answered(
    State(runtime): State<Arc<Runtime>>,
    Path((id, kind)): Path<(String, String)>,
    body: String,
) -> StatusCode {
    let ok = kind == "response";
    if !ok {
        eprintln!("  error for {id}: {body}");
    }
    runtime
        .answered
        .lock()
        .unwrap()
        .push((id, Instant::now(), ok));
    runtime.answer.notify_waiters();
    StatusCode::ACCEPTED
}

async fn init_error(body: String) -> StatusCode {
    eprintln!("  init error: {body}");
    StatusCode::ACCEPTED
}

impl Runtime {
    async fn serve() -> (Arc<Runtime>, String) {
        let runtime = Arc::new(Runtime::default());
        let app = axum::Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route("/2018-06-01/runtime/invocation/{id}/{kind}", post(answered))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(runtime.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (runtime, address)
    }

    async fn first_next(&self, timeout: Duration) -> Option<Instant> {
        let until = Instant::now() + timeout;
        while Instant::now() < until {
            if let Some(at) = *self.first_next.lock().unwrap() {
                return Some(at);
            }
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        None
    }

    /// Queues one event and waits for its answer: when, and whether it succeeded.
    async fn invoke(&self, id: String, event: Value) -> (Instant, bool) {
        let waiting = self.answer.notified();
        tokio::pin!(waiting);
        waiting.as_mut().enable();
        self.queue.lock().unwrap().push_back((id.clone(), event));
        self.queued.notify_waiters();
        loop {
            if let Some((_, at, ok)) = self.answered.lock().unwrap().iter().find(|a| a.0 == id) {
                return (*at, *ok);
            }
            tokio::time::timeout(Duration::from_secs(10), waiting.as_mut())
                .await
                .expect("the function answers within 10 s");
            waiting.set(self.answer.notified());
            waiting.as_mut().enable();
        }
    }
}

fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

struct Function {
    binary: &'static str,
    event: Value,
}

fn functions(email_receipt: Value) -> Vec<Function> {
    let staff = Claims::staff(TENANT, "s1");
    let http = |event: ApiEvent| event.to_json();
    vec![
        Function {
            binary: "hello",
            event: http(ApiEvent::new("GET", "/hello").claims(&staff)),
        },
        Function {
            binary: "send",
            event: http(
                ApiEvent::new("POST", "/messages")
                    .claims(&staff)
                    .json(json!({"customer_id": "c1", "message": "Bella is ready for pick-up."})),
            ),
        },
        Function {
            binary: "thread",
            event: http(
                ApiEvent::new("GET", "/messages/customer/{customer_id}")
                    .claims(&staff)
                    .path_param("customer_id", "c1"),
            ),
        },
        Function {
            binary: "export",
            event: http(
                ApiEvent::new("GET", "/conversations/{id}/export")
                    .claims(&Claims::admin(TENANT, "a1"))
                    .path_param(
                        "id",
                        &shared::domain::ConversationId::new(
                            "c1",
                            shared::domain::Subject::General,
                        )
                        .encode(),
                    ),
            ),
        },
        Function {
            binary: "mark-read",
            event: http(
                ApiEvent::new("POST", "/messages/read")
                    .claims(&Claims::customer(TENANT, "p1", "c1"))
                    .json(json!({})),
            ),
        },
        Function {
            binary: "activity",
            event: http(ApiEvent::new("GET", "/messages/unread").claims(&staff)),
        },
        Function {
            binary: "admin",
            event: http(
                ApiEvent::new("GET", "/settings/messaging").claims(&Claims::admin(TENANT, "a1")),
            ),
        },
        Function {
            binary: "notify",
            event: json!({
                "version": "0", "id": "7bf73129-1428-4cd3-a780-95db273d1602",
                "detail-type": "Scheduled Event", "source": "aws.scheduler",
                "account": "123456789012", "time": "2026-11-23T10:00:00Z",
                "region": "us-east-1", "resources": [], "detail": {}
            }),
        },
        Function {
            binary: "jobs",
            event: json!({
                "version": "0", "id": "5c1b0e3a-8f7d-4e2a-9b6c-1d3e5f7a9b0c",
                "detail-type": "Scheduled Event", "source": "aws.scheduler",
                "account": "123456789012", "time": "2026-11-23T10:00:00Z",
                "region": "us-east-1", "resources": [], "detail": {}
            }),
        },
        Function {
            binary: "sms-inbound",
            event: testkit::events::sns_two_way_sms(&[]),
        },
        Function {
            binary: "events",
            event: serde_json::from_str(include_str!("../events/dynamodb-stream.json"))
                .expect("the stream fixture is JSON"),
        },
        Function {
            binary: "webhooks",
            event: http(ApiEvent::new("GET", "/webhooks").claims(&Claims::admin(TENANT, "a1"))),
        },
        Function {
            binary: "email-inbound",
            event: email_receipt,
        },
    ]
}

struct Measured {
    init: Duration,
    first_response: Duration,
    rss_first_kib: u64,
    rss_hundredth_kib: u64,
    failures: usize,
}

/// One cold start: init, the first response, and (when `requests` > 1) the peak RSS
/// after the first and the last of `requests` invocations.
async fn cold_start(
    bin_dir: &str,
    function: &Function,
    env: &[(String, String)],
    requests: usize,
) -> Measured {
    let (runtime, address) = Runtime::serve().await;
    let started = Instant::now();
    let mut child = tokio::process::Command::new(format!("{bin_dir}/{}", function.binary))
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("AWS_LAMBDA_RUNTIME_API", &address)
        .env("AWS_LAMBDA_FUNCTION_NAME", function.binary)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
    let pid = child.id().unwrap_or(0);
    let init = runtime
        .first_next(Duration::from_secs(10))
        .await
        .unwrap_or_else(|| panic!("{} never asked for an event", function.binary))
        - started;
    let mut failures = 0;
    let (at, ok) = runtime.invoke("r0".into(), function.event.clone()).await;
    failures += usize::from(!ok);
    let first_response = at - started;
    let rss_first_kib = peak_rss_kib(pid);
    for i in 1..requests {
        let (_, ok) = runtime
            .invoke(format!("r{i}"), function.event.clone())
            .await;
        failures += usize::from(!ok);
    }
    let rss_hundredth_kib = peak_rss_kib(pid);
    let _ = child.kill().await;
    Measured {
        init,
        first_response,
        rss_first_kib,
        rss_hundredth_kib,
        failures,
    }
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let bin_dir = std::env::var("BENCH_BIN_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../target/release").into());
    let dynamo = EmbeddedDynamo::in_memory().await;
    let client = testkit::dynamodb::client(&dynamo.endpoint, None);
    shared::store::schema::create_table(&client, "bench")
        .await
        .unwrap();
    testkit::moto::put_secret(
        "/tidings-bench/cursor-secret",
        "a-cursor-secret-of-32-characters",
    )
    .await;
    let env: Vec<(String, String)> = [
        ("TABLE_NAME", "bench".to_owned()),
        (
            "CURSOR_SECRET_PARAMETER",
            "/tidings-bench/cursor-secret".to_owned(),
        ),
        ("NOTIFY_FROM_EMAIL", "notify@bench.example".to_owned()),
        ("REPLY_DOMAIN", REPLY_DOMAIN.to_owned()),
        (
            "ATTACHMENTS_BUCKET",
            testkit::dynamodb::TEST_BUCKET.to_owned(),
        ),
        ("AWS_ENDPOINT_URL", testkit::moto::endpoint()),
        ("AWS_ENDPOINT_URL_DYNAMODB", dynamo.endpoint.clone()),
        ("AWS_REGION", "us-east-1".to_owned()),
        ("AWS_ACCESS_KEY_ID", "local".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "local".to_owned()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".to_owned()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "bench".to_owned()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "bench".to_owned()),
        ("RUST_LOG", "error".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();

    let mut hello_init = Duration::ZERO;
    eprintln!(
        "{:<13} {:>9} {:>6} {:>12} {:>10} {:>12} {:>8}",
        "function", "init ms", "×hello", "1st resp ms", "RSS 1st", "RSS 100th", "errors"
    );
    let store = shared::store::DynamoStore::new(client, "bench");
    for function in functions(email_receipt(&store).await) {
        let measured = cold_start(&bin_dir, &function, &env, REQUESTS).await;
        let mut inits = vec![measured.init];
        let mut firsts = vec![measured.first_response];
        for _ in 1..STARTS {
            let again = cold_start(&bin_dir, &function, &env, 1).await;
            inits.push(again.init);
            firsts.push(again.first_response);
        }
        let init = median(inits);
        if function.binary == "hello" {
            hello_init = init;
        }
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        eprintln!(
            "COLDSTART {:<13} {:>7.2} {:>6.2} {:>12.2} {:>7.1} MB {:>9.1} MB {:>8}",
            function.binary,
            ms(init),
            init.as_secs_f64() / hello_init.as_secs_f64().max(1e-9),
            ms(median(firsts)),
            measured.rss_first_kib as f64 / 1024.0,
            measured.rss_hundredth_kib as f64 / 1024.0,
            measured.failures,
        );
    }
}
