//! Where an upload form is handed out: exactly where a send would be taken. A
//! conversation named by id must exist in the caller's tenant and be open; a customer's
//! general thread, and a registered patient's, start with their first message.

use shared::domain::ids::TenantId;
use shared::domain::{MessageType, SenderType};
use shared::store::{AppendOutcome, Lifecycle, MessageDraft, OrderRecord};

use super::*;

const HOST: &str = "marketplace";

/// A status and, for a refusal, its error code.
type Answer = (u16, Option<&'static str>);

fn form_for(target: &Value) -> Value {
    let mut body = target.clone();
    body["name"] = json!("x.pdf");
    body["content_type"] = json!("application/pdf");
    body["size"] = json!(10);
    body
}

fn message_for(target: &Value) -> Value {
    let mut body = target.clone();
    body["message"] = json!("hello");
    body
}

/// An order conversation as the host opens it (or closes it), written as the admin
/// function writes it.
async fn order_message(stack: &TestApp, tenant: &str, order: &str, lifecycle: Lifecycle) {
    let conversation = ConversationId::new("c1", Subject::Order(order.into()));
    let opening = matches!(lifecycle, Lifecycle::Open { .. });
    let (sender, kind) = (SenderType::System, MessageType::System);
    let text = format!("Order {order}");
    let draft = MessageDraft::new(conversation.clone(), sender, HOST, "System", kind, text)
        .create_conversation(opening)
        .metadata(Some(json!({"order_id": order})))
        .lifecycle(lifecycle);
    let guard = opening.then(|| {
        shared::store::AppendGuard::Order(OrderRecord {
            order_id: order.into(),
            conversation,
            participants: Vec::new(),
            admin_can_write: true,
            request_hash: "h".into(),
            created_at: shared::domain::now_rfc3339(),
            created_by: HOST.into(),
            closed_at: None,
        })
    });
    let outcome = stack
        .store
        .append_message(&TenantId::from(tenant), &draft, guard.as_ref())
        .await
        .unwrap();
    assert!(matches!(outcome, AppendOutcome::Stored(_)), "{outcome:?}");
}

async fn open_order(stack: &TestApp, tenant: &str, order: &str) -> String {
    let title = format!("Order #{order}");
    order_message(stack, tenant, order, Lifecycle::Open { title }).await;
    ConversationId::new("c1", Subject::Order(order.into())).encode()
}

#[tokio::test]
async fn a_form_is_refused_exactly_where_a_send_would_be() {
    let stack = TestApp::start(TENANT).await;
    let staff = Claims::staff(TENANT, "s1");
    let customer = Claims::customer(TENANT, "p1", "c1");
    let host = Claims::service(TENANT, HOST);
    testkit::seed::patient(&stack.store, TENANT, "c1", "rex").await;
    let open = open_order(&stack, TENANT, "1042").await;
    let closed = open_order(&stack, TENANT, "1043").await;
    order_message(&stack, TENANT, "1043", Lifecycle::Close).await;
    let foreign = open_order(&stack, "clinic-b", "2001").await;
    let never_opened = ConversationId::new("c1", Subject::Order("1044".into())).encode();
    let unstarted_general = general("c7").encode();
    let unstarted_patient = ConversationId::new("c1", Subject::Patient("rex".into())).encode();

    let refused = |status: u16, code: &'static str| (status, Some(code));
    let cases: Vec<(&str, &Claims, Value, Answer)> = vec![
        (
            "an order never opened",
            &staff,
            json!({"conversation_id": never_opened}),
            refused(404, "not_found"),
        ),
        (
            "a general thread by id before its first message",
            &staff,
            json!({"conversation_id": unstarted_general}),
            refused(404, "not_found"),
        ),
        (
            "a patient thread by id before its first message",
            &customer,
            json!({"conversation_id": unstarted_patient}),
            refused(404, "not_found"),
        ),
        (
            "another tenant's order",
            &staff,
            json!({"conversation_id": foreign}),
            refused(404, "not_found"),
        ),
        (
            "another tenant's order, for its host",
            &host,
            json!({"conversation_id": foreign}),
            refused(404, "not_found"),
        ),
        (
            "a closed order",
            &staff,
            json!({"conversation_id": closed}),
            refused(409, "conversation_closed"),
        ),
        (
            "a closed order, for its host",
            &host,
            json!({"conversation_id": closed}),
            refused(409, "conversation_closed"),
        ),
        (
            "an unregistered patient",
            &staff,
            json!({"customer_id": "c1", "patient_id": "felix"}),
            refused(404, "unknown_patient"),
        ),
        (
            "an unregistered patient, for the customer",
            &customer,
            json!({"patient_id": "felix"}),
            refused(404, "unknown_patient"),
        ),
        (
            "an open order",
            &staff,
            json!({"conversation_id": open}),
            (201, None),
        ),
        (
            "an open order, for its host",
            &host,
            json!({"conversation_id": open}),
            (201, None),
        ),
        (
            "a general thread before its first message",
            &staff,
            json!({"customer_id": "c7"}),
            (201, None),
        ),
        (
            "a customer's own general thread before its first message",
            &customer,
            json!({}),
            (201, None),
        ),
        (
            "a registered patient's thread before its first message",
            &customer,
            json!({"patient_id": "rex"}),
            (201, None),
        ),
        (
            "a patient thread by id once started",
            &staff,
            json!({"conversation_id": unstarted_patient}),
            (201, None),
        ),
    ];
    for (case, claims, target, expected) in cases {
        stack.requests.reset();
        let (status, body) = stack
            .call(handle, upload_request(claims, form_for(&target)))
            .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            expected,
            "form: {case}: {body}"
        );
        if status != 201 {
            assert!(
                !stack.requests.operations().contains(&"PutItem".to_owned()),
                "{case}: no upload is recorded"
            );
        }
        // The send to the same conversation answers the same (and may start the thread,
        // which the later cases count on).
        let (status, body) = stack
            .call(handle, post_message(claims, message_for(&target)))
            .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            expected,
            "send: {case}: {body}"
        );
    }
}

#[tokio::test]
async fn a_form_for_a_conversation_that_closed_since_is_refused_and_its_upload_cannot_be_sent() {
    let stack = TestApp::start(TENANT).await;
    let staff = Claims::staff(TENANT, "s1");
    let id = open_order(&stack, TENANT, "1042").await;
    let form = json!({"conversation_id": id, "name": "a.pdf", "content_type": "application/pdf", "size": PDF.len()});
    let (status, answer) = stack
        .call(handle, upload_request(&staff, form.clone()))
        .await;
    assert_eq!(status, 201, "{answer}");
    moto::upload(&answer, PDF).await;
    let upload = answer["upload_id"].as_str().unwrap().to_owned();
    // The settings, the header (what a send's transaction checks), the upload's record.
    stack.requests.reset();
    assert_eq!(
        stack
            .call(handle, upload_request(&staff, form.clone()))
            .await
            .0,
        201
    );
    assert_eq!(
        stack.requests.operations(),
        ["GetItem", "GetItem", "PutItem"]
    );

    order_message(&stack, TENANT, "1042", Lifecycle::Close).await;
    let (status, refused) = stack.call(handle, upload_request(&staff, form)).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (409, Some("conversation_closed"))
    );
    let with_file = json!({"conversation_id": id, "attachments": [{"id": upload}]});
    let (status, refused) = stack.call(handle, post_message(&staff, with_file)).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (409, Some("conversation_closed"))
    );
    let page = stack
        .store
        .thread_page(
            &TenantId::from(TENANT),
            &ConversationId::decode(&id).unwrap(),
            None,
            10,
            None,
        )
        .await
        .unwrap();
    assert!(page.messages.iter().all(|m| m.attachments.is_empty()));
}
