//! Per-caller rate limits: 429 with Retry-After past the burst, at no cost to the table,
//! and service again once the bucket refills.

use super::*;

#[tokio::test]
async fn a_caller_past_the_limit_waits_and_no_one_else_does() {
    let stack = TestApp::start(TENANT).await;
    let mut config = testkit::test_config(stack.store.table());
    config.rate_limits.write = shared::rate_limit::Limit {
        burst: 3,
        per_minute: 60,
    };
    let app = shared::App::new(stack.store.clone(), &config);
    let staff = Claims::staff(TENANT, "s1");
    let body = || json!({"customer_id": "c1", "message": "hi"});
    for _ in 0..3 {
        let response = handle(&app, post_message(&staff, body()).request()).await;
        assert_eq!(response.status(), 201);
    }
    stack.requests.reset();
    let response = handle(&app, post_message(&staff, body()).request()).await;
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "1");
    let (_, error) = read_response(response);
    assert_eq!(error["error"]["code"], "throttled");
    assert_eq!(stack.requests.total(), 0, "refused before any request");
    assert_eq!(stored_messages(&stack, TENANT, &general("c1")).await, 3);

    // Another person of the tenant, and the same sub in another tenant, are not held up.
    for other in [Claims::staff(TENANT, "s2"), Claims::staff("clinic-b", "s1")] {
        let response = handle(&app, post_message(&other, body()).request()).await;
        assert_eq!(response.status(), 201);
    }
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let response = handle(&app, post_message(&staff, body()).request()).await;
    assert_eq!(response.status(), 201, "served again after Retry-After");
}
