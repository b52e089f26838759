//! AWS refusing a call is no reason to retry: an AccessDenied (a grant missing from the
//! template) or a validation error (a bug) answers 500 `internal` without Retry-After,
//! after one attempt, and the log names the code AWS gave.

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::json;
use testkit::faults::{self, Faults};
use testkit::{read_response, ApiEvent, Claims, TestStack};

const TENANT: &str = "clinic-a";

/// Everything logged on this thread while the guard lives, as the functions log it.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl Write for Log {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Log {
    fn capture(&self) -> tracing::subscriber::DefaultGuard {
        let log = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_writer(move || log.clone())
            .finish();
        tracing::subscriber::set_default(subscriber)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

fn denied() -> faults::Answer {
    faults::dynamodb_error("AccessDeniedException", json!({}))
}

#[tokio::test]
async fn a_send_aws_refuses_is_a_500_logged_with_its_code_and_stores_nothing() {
    let log = Log::default();
    let _guard = log.capture();
    let faults = Faults::default();
    let stack = TestStack::with_faults(&faults).await;
    faults.inject(&["TransactWriteItems"], 10, denied());
    let response = send::handle(
        &stack.app(),
        ApiEvent::new("POST", "/messages")
            .claims(&Claims::staff(TENANT, "s1"))
            .json(json!({"customer_id": "c1", "message": "hi"}))
            .request(),
    )
    .await;
    assert!(response.headers().get("retry-after").is_none());
    let (status, body) = read_response(response);
    assert_eq!((status, &body["error"]["code"]), (500, &json!("internal")));
    assert_eq!(faults.injected(), 1, "a refusal is not retried");
    assert!(
        log.text().contains("AccessDeniedException"),
        "{}",
        log.text()
    );
    assert!(
        !body.to_string().contains("AccessDenied"),
        "the caller is not told: {body}"
    );
}

#[tokio::test]
async fn a_read_aws_refuses_is_a_500_logged_with_its_code() {
    let log = Log::default();
    let _guard = log.capture();
    let faults = Faults::default();
    let stack = TestStack::with_faults(&faults).await;
    faults.inject(
        &["Query"],
        10,
        faults::dynamodb_error("ValidationException", json!({})),
    );
    let response = thread::handle(
        &stack.app(),
        ApiEvent::new("GET", "/messages/customer/{customer_id}")
            .path_param("customer_id", "c1")
            .claims(&Claims::staff(TENANT, "s1"))
            .request(),
    )
    .await;
    assert!(response.headers().get("retry-after").is_none());
    let (status, body) = read_response(response);
    assert_eq!((status, &body["error"]["code"]), (500, &json!("internal")));
    assert!(log.text().contains("ValidationException"), "{}", log.text());
}

#[tokio::test]
async fn an_attachment_s3_refuses_is_a_500_logged_with_its_code_and_sends_nothing() {
    let log = Log::default();
    let _guard = log.capture();
    let faults = Faults::default();
    let stack = TestStack::with_faults(&faults).await;
    let staff = Claims::staff(TENANT, "s1");
    let pdf = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
    let form = send::handle(
        &stack.app(),
        ApiEvent::new("POST", "/attachments")
            .claims(&staff)
            .json(json!({"customer_id": "c1", "name": "Bloodwork.pdf",
                "content_type": "application/pdf", "size": pdf.len()}))
            .request(),
    )
    .await;
    let (status, form) = read_response(form);
    assert_eq!(status, 201, "{form}");
    assert_eq!(testkit::moto::upload(&form, pdf).await, 204);
    // The role may not read uploads: S3 says so on the check of the file's first bytes.
    faults.inject(&["uploads/"], 10, faults::s3_error(403, "AccessDenied"));
    let response = send::handle(
        &stack.app(),
        ApiEvent::new("POST", "/messages")
            .claims(&staff)
            .json(json!({"customer_id": "c1", "attachments": [{"id": form["upload_id"]}]}))
            .request(),
    )
    .await;
    assert!(response.headers().get("retry-after").is_none());
    let (status, body) = read_response(response);
    assert_eq!(
        (status, &body["error"]["code"]),
        (500, &json!("internal")),
        "{body}"
    );
    assert_eq!(faults.injected(), 1, "a refusal is not retried");
    assert!(log.text().contains("AccessDenied"), "{}", log.text());
}

async fn first_request_with(faults: &Faults) -> shared::ApiError {
    let parameter = testkit::moto::new_secret("a-cursor-secret-of-32-characters").await;
    let lookup = |name: &str| match name {
        "TABLE_NAME" => Some("t".to_owned()),
        "CURSOR_SECRET_PARAMETER" => Some(parameter.clone()),
        _ => None,
    };
    let err = shared::Config::load_with(lookup, &faults.ssm().await)
        .await
        .expect_err("the secret is not read");
    err.into()
}

#[tokio::test]
async fn a_secret_the_role_may_not_read_is_a_500_at_once_and_throttling_a_503() {
    let faults = Faults::default();
    faults.inject(
        &["GetParameters"],
        10,
        faults::json_error(400, "AccessDeniedException"),
    );
    let denied = first_request_with(&faults).await;
    assert_eq!((denied.status(), denied.code()), (500, "internal"));
    assert!(
        matches!(&denied, shared::ApiError::Internal(detail) if detail.contains("AccessDeniedException")),
        "the log names the code: {denied:?}"
    );
    assert_eq!(faults.injected(), 1, "a refusal is not retried");

    let faults = Faults::default();
    faults.inject(
        &["GetParameters"],
        10,
        faults::json_error(400, "ThrottlingException"),
    );
    let throttled = first_request_with(&faults).await;
    assert_eq!((throttled.status(), throttled.code()), (503, "unavailable"));
    assert!(throttled.retry_after_secs().is_some());
}
