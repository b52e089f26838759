use shared::domain::ids::TenantId;
use std::sync::Arc;

use serde_json::{json, Value};
use shared::domain::{ConversationId, MessagingMode, Settings, Subject};
use shared::store::MessageStore;
use testkit::app::{general, post_message};
use testkit::{read_response, ApiEvent, Claims, TestApp};

use super::handle;

const TENANT: &str = "clinic-a";

async fn stored_messages(stack: &TestApp, tenant: &str, conversation: &ConversationId) -> usize {
    stack
        .store
        .thread_page(&TenantId::from(tenant), conversation, None, 100, None)
        .await
        .unwrap()
        .messages
        .len()
}

#[tokio::test]
async fn staff_sends_into_a_customer_thread_which_starts_with_it() {
    let stack = TestApp::start(TENANT).await;
    let (status, body) = stack
        .call(
            handle,
            post_message(
                &Claims::staff(TENANT, "s1"),
                json!({"customer_id": "c1", "message": "<b>Bella</b> is ready"}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["message"], "Bella is ready", "HTML is stripped");
    assert_eq!(body["sender_type"], "staff");
    assert_eq!(body["sender_id"], "s1");
    assert_eq!(body["channel"], "web");
    assert_eq!(body["type"], "text");
    assert_eq!(body["conversation_id"], general("c1").encode());
    assert_eq!(body["is_read"], true);
    assert_eq!(body["read_by_recipient"], false);
    let header = stack
        .store
        .conversation(&TenantId::from(TENANT), &general("c1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(header.message_count, 1);
    assert_eq!(
        header.unread_for(shared::domain::Side::Customer, "anyone", None),
        1
    );
    assert_eq!(
        header.unread_for(shared::domain::Side::Staff, "s1", None),
        0
    );
}

#[tokio::test]
async fn patient_threads_are_separate_and_customers_write_their_own() {
    let stack = TestApp::start(TENANT).await;
    let staff = Claims::staff(TENANT, "s1");
    // Only a registered patient gets a thread, whoever writes first.
    let customer = Claims::customer(TENANT, "contact-1", "c1");
    for (claims, body) in [
        (
            &staff,
            json!({"customer_id": "c1", "patient_id": "p9", "message": "x"}),
        ),
        (&customer, json!({"patient_id": "p9", "message": "x"})),
        (&customer, json!({"patient_id": "anything", "message": "x"})),
    ] {
        let (status, body) = stack.call(handle, post_message(claims, body)).await;
        assert_eq!(
            (status, &body["error"]["code"]),
            (404, &json!("unknown_patient"))
        );
    }
    let patient = ConversationId::new("c1", Subject::Patient("p9".into()));
    assert_eq!(
        stored_messages(&stack, TENANT, &patient).await,
        0,
        "nothing stored"
    );
    testkit::seed::patient(&stack.store, TENANT, "c1", "p9").await;
    let (status, body) = stack
        .call(
            handle,
            post_message(
                &staff,
                json!({"customer_id": "c1", "patient_id": "p9", "message": "x"}),
            ),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(body["patient_id"], "p9");
    let (status, body) = stack
        .call(
            handle,
            post_message(&customer, json!({"patient_id": "p9", "message": "thanks"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["sender_type"], "customer");
    assert_eq!(stored_messages(&stack, TENANT, &patient).await, 2);
    assert_eq!(stored_messages(&stack, TENANT, &general("c1")).await, 0);
    // By id, into the same conversation.
    let (status, _) = stack
        .call(
            handle,
            post_message(
                &customer,
                json!({"conversation_id": patient.encode(), "message": "again"}),
            ),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(stored_messages(&stack, TENANT, &patient).await, 3);
}

mod changes;

mod events;

mod writes;

mod attachments;

mod limits;

mod text;

#[tokio::test]
async fn its_first_request_reads_the_cursor_secret() {
    let config = testkit::moto::cold_start_config("tidings").await;
    assert_eq!(config.cursor_secret, b"a-cursor-secret-of-32-characters");
}

mod refusals;
