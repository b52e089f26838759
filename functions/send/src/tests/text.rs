//! What a message's text becomes: plain text, whatever a client pasted.

use super::*;

#[tokio::test]
async fn a_stray_byte_order_mark_is_invisible_not_refused() {
    let stack = TestApp::start(TENANT).await;
    let (status, body) = stack
        .call(
            handle,
            post_message(
                &Claims::staff(TENANT, "s1"),
                json!({"customer_id": "c1", "message": "\u{FEFF}Bella is\u{FEFF} ready"}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["message"], "Bella is ready");
}
