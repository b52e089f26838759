//! A send with files replayed, or racing its own retry.

use super::*;
use shared::domain::ids::TenantId;

#[tokio::test]
async fn a_replayed_send_with_files_returns_the_first_message() {
    let stack = TestApp::start(TENANT).await;
    let staff = Claims::staff(TENANT, "s1");
    let id = uploaded(
        &stack,
        &staff,
        "c1",
        "scan.pdf",
        "application/pdf",
        PDF.len(),
        PDF,
    )
    .await;
    let keyed = |key: &str| with_attachments(&staff, "c1", &[&id]).header("Idempotency-Key", key);
    let (status, first) = stack.call(handle, keyed("files-1")).await;
    assert_eq!(status, 201, "{first}");
    let (status, again) = stack.call(handle, keyed("files-1")).await;
    assert_eq!(
        (status, &again),
        (201, &first),
        "a retry gets the first message"
    );
    let (status, body) = stack.call(handle, keyed("files-2")).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("attachment_already_used")),
        "another request may not take the file"
    );
    let changed = post_message(
        &staff,
        json!({"customer_id": "c1", "message": "and this", "attachments": [{"id": id}]}),
    )
    .header("Idempotency-Key", "files-1");
    let (status, body) = stack.call(handle, changed).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("idempotency_key_reused"))
    );
    assert_eq!(stored_messages(&stack, TENANT, &general("c1")).await, 1);
}

/// Two requests under one key that both passed the uploads' check: the transaction of
/// the second fails on the idempotency record and on the upload alike; the record wins.
#[tokio::test]
async fn a_send_racing_its_own_retry_for_the_same_files_is_a_replay() {
    use shared::domain::message::Attachment;
    use shared::domain::{MessageType, SenderType, Side};
    use shared::store::{
        AppendGuard, AppendOutcome, IdempotencyClaim, MessageDraft, Reader, Upload, UploadStore,
    };
    let stack = TestApp::start(TENANT).await;
    let upload = Upload {
        id: "up_race".into(),
        conversation: general("c1"),
        uploader: Reader {
            side: Side::Staff,
            user_id: "s1".into(),
        },
        name: "scan.pdf".into(),
        content_type: "application/pdf".into(),
        size: 10,
        created_at: shared::domain::now_rfc3339(),
        message_id: None,
    };
    stack
        .store
        .put_upload(&TenantId::from(TENANT), &upload)
        .await
        .unwrap();
    let (sender, kind) = (SenderType::Staff, MessageType::Attachment);
    let draft = MessageDraft::new(general("c1"), sender, "s1", "s1", kind, "")
        .create_conversation(true)
        .attachments(vec![Attachment {
            id: upload.id.clone(),
            name: upload.name.clone(),
            content_type: upload.content_type.clone(),
            size: upload.size,
        }]);
    let guard = AppendGuard::Idempotency(IdempotencyClaim {
        owner: "s1".into(),
        key: "race".into(),
        request_hash: "h".into(),
    });
    let first = match stack
        .store
        .append_message(&TenantId::from(TENANT), &draft, Some(&guard))
        .await
    {
        Ok(AppendOutcome::Stored(message)) => message,
        other => panic!("{other:?}"),
    };
    match stack
        .store
        .append_message(&TenantId::from(TENANT), &draft, Some(&guard))
        .await
    {
        Ok(AppendOutcome::KeyUsed(record)) => assert_eq!(record.message.id, first.id),
        other => panic!("the first result, not {other:?}"),
    }
}
