//! A deleted message's files go from S3 with it, and its links stop working.

use super::*;
use shared::files::{file_key, upload_key, FileError};

#[tokio::test]
async fn deleting_a_message_deletes_its_files() {
    let stack = TestApp::start(TENANT).await;
    let customer = Claims::customer(TENANT, "contact-1", "c1");
    let id = uploaded(
        &stack,
        &customer,
        "c1",
        "Rash.pdf",
        "application/pdf",
        PDF.len(),
        PDF,
    )
    .await;
    let (status, message) = stack
        .call(handle, with_attachments(&customer, "c1", &[&id]))
        .await;
    assert_eq!(status, 201, "{message}");
    let conversation = message["conversation_id"].as_str().unwrap();
    let staff = Claims::staff(TENANT, "s1");
    assert_eq!(download(&stack, &staff, &id).await.0, 302);

    stack.s3_requests.reset();
    let event = ApiEvent::new("DELETE", "/conversations/{id}/messages/{message_id}")
        .claims(&customer)
        .path_param("id", conversation)
        .path_param("message_id", message["id"].as_str().unwrap());
    let (status, placeholder) = stack.call(handle, event).await;
    assert_eq!(status, 200, "{placeholder}");
    assert_eq!(placeholder["attachments"], json!([]));
    assert_eq!(
        stack.s3_requests.operations(),
        ["DeleteObject", "DeleteObject"],
        "the kept file and what is left of its upload"
    );
    let files = stack.files.as_ref().expect("moto runs");
    let tenant = stack.tenant_id();
    for key in [
        file_key(&tenant, &general("c1"), &id),
        upload_key(&tenant, &general("c1"), &id),
    ] {
        assert!(
            matches!(files.head(&key, 8).await, Err(FileError::Missing)),
            "{key}"
        );
    }
    assert_eq!(
        download(&stack, &staff, &id).await.0,
        404,
        "its link is gone"
    );
}
