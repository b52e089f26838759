//! Digests tell messages as they are when the pass runs: edited text marked, deleted
//! messages left out, and no digest at all when only deleted ones are unread.

use super::*;

fn change(method: &str, claims: &Claims, message: &Value, text: Option<&str>) -> ApiEvent {
    let event = ApiEvent::new(method, "/conversations/{id}/messages/{message_id}")
        .claims(claims)
        .path_param("id", message["conversation_id"].as_str().unwrap())
        .path_param("message_id", message["id"].as_str().unwrap());
    match text {
        Some(text) => event.json(json!({ "message": text })),
        None => event,
    }
}

#[tokio::test]
async fn digests_show_edits_and_leave_deleted_messages_out() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    settings(&stack, |_| {}).await;
    staff(&stack, &people, "s1", Role::Staff).await;
    let owner = Claims::customer(TENANT, "p1", "c1").with("name", "Sam");
    let first = stack
        .send_as(send::handle, &owner, json!({"message": "Is Bella eating?"}))
        .await;
    let second = stack
        .send_as(
            send::handle,
            &owner,
            json!({"message": "my card number is 4111"}),
        )
        .await;
    let (status, _) = stack
        .call(
            send::handle,
            change("PATCH", &owner, &first, Some("Is Bella eating today?")),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = stack
        .call(send::handle, change("DELETE", &owner, &second, None))
        .await;
    assert_eq!(status, 200);
    // Another family's only message, deleted before its digest.
    let other = Claims::customer(TENANT, "p2", "c2");
    let gone = stack
        .send_as(send::handle, &other, json!({"message": "wrong clinic"}))
        .await;
    let (status, _) = stack
        .call(send::handle, change("DELETE", &other, &gone, None))
        .await;
    assert_eq!(status, 200);

    let report = dispatcher(&stack).await.run(later(4)).await.unwrap();
    assert_eq!(report.sent, 1, "{report:?}");
    let mail = emails_to(&people.email("s1")).await;
    assert_eq!(
        mail.len(),
        1,
        "nothing about the family whose only message was deleted"
    );
    assert_eq!(mail[0]["subject"], "New message on Oak & Elm Vets from Sam");
    let body = mail[0]["body"].as_str().unwrap();
    assert!(body.contains("Is Bella eating today? (edited)"), "{body}");
    assert!(!body.contains("4111"), "{body}");
    assert!(!body.contains("more"), "{body}");
}
