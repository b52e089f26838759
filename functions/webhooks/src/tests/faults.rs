//! DynamoDB failing under the routes: a 503 with Retry-After, nothing half written.

use super::*;
use testkit::faults::{self, Faults};

#[tokio::test]
async fn a_throttled_save_is_a_503_with_retry_after_and_stores_nothing() {
    let faults = Faults::default();
    let stack = TestApp::with_faults(TENANT, &faults).await;
    // More than the SDK's own attempts.
    faults.inject(&["PutItem"], 10, faults::throttled());
    let event = webhooks("POST", &admin()).json(json!({ "url": RECEIVER }));
    let response = handle(&stack.app(), event.request()).await;
    assert!(response.headers().contains_key("retry-after"));
    let (status, body) = testkit::read_response(response);
    assert_eq!(
        (status, &body["error"]["code"]),
        (503, &json!("unavailable"))
    );
    let stored = stack
        .store
        .endpoints(&TenantId::from(TENANT))
        .await
        .unwrap();
    assert!(stored.is_empty(), "{stored:?}");
}
