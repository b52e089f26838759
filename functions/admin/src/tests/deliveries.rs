//! `GET /notifications`: a conversation's deliveries, for admins.

use super::*;
use shared::domain::ids::TenantId;

#[tokio::test]
async fn admins_list_a_conversations_deliveries() {
    use shared::domain::notify::NotifyChannel;
    use shared::domain::{ConversationId, Subject};
    use shared::store::{DeliveryKey, DeliveryOutcome, NotificationStore};

    let stack = TestApp::start(TENANT).await;
    let event = ApiEvent::new("POST", "/messages")
        .claims(&Claims::staff(TENANT, "s1"))
        .json(json!({"customer_id": "c1", "message": "hi"}));
    assert_eq!(
        read_response(send::handle(&stack.app(), event.request()).await).0,
        201
    );
    let conversation = ConversationId::new("c1", Subject::General);
    let key = DeliveryKey {
        round: "2026-05-01T10:00:00.000Z".into(),
        channel: NotifyChannel::Email,
        recipient: "contact:p1".into(),
    };
    let now = "2026-05-01T10:00:01.000Z";
    stack
        .store
        .claim_delivery(
            &TenantId::from(TENANT),
            &conversation,
            &key,
            "sam@example.com",
            now,
            "2026-05-01T10:02:01.000Z",
        )
        .await
        .unwrap();
    let sent = DeliveryOutcome::Sent {
        provider_message_id: "ses-0001".into(),
    };
    stack
        .store
        .finish_delivery(&TenantId::from(TENANT), &conversation, &key, &sent, now)
        .await
        .unwrap();

    let list = |claims: &Claims, id: Option<&str>| {
        let mut event = ApiEvent::new("GET", "/notifications").claims(claims);
        if let Some(id) = id {
            event = event.query("conversation_id", id);
        }
        event
    };
    let admin = Claims::admin(TENANT, "a1");
    let id = conversation.encode();
    let (status, body) = stack.call(handle, list(&admin, Some(&id))).await;
    assert_eq!(status, 200, "{body}");
    let record = &body["deliveries"][0];
    assert_eq!(
        (
            record["recipient"].as_str(),
            record["status"].as_str(),
            record["provider_message_id"].as_str()
        ),
        (Some("contact:p1"), Some("sent"), Some("ses-0001"))
    );
    assert_eq!(record["address"], "sam@example.com");

    for claims in [Claims::staff(TENANT, "s1"), Claims::service(TENANT, "svc")] {
        assert_eq!(stack.call(handle, list(&claims, Some(&id))).await.0, 403);
    }
    assert_eq!(
        stack
            .call(handle, list(&Claims::admin("clinic-b", "a1"), Some(&id)))
            .await
            .0,
        404
    );
    let other = ConversationId::new("c9", Subject::General).encode();
    assert_eq!(stack.call(handle, list(&admin, Some(&other))).await.0, 404);
    assert_eq!(stack.call(handle, list(&admin, None)).await.0, 400);
    assert_eq!(
        stack
            .call(handle, list(&admin, Some(&id)).query("limit", "0"))
            .await
            .0,
        400
    );
}
