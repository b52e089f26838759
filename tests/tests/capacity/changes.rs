//! Editing and deleting a message: the same few requests and units in a thread of two
//! messages as in one of five hundred, newest or not.

use super::*;

fn change(method: &str, conversation: &str, message: &str) -> ApiEvent {
    let event = ApiEvent::new(method, "/conversations/{id}/messages/{message_id}")
        .claims(&staff())
        .path_param("id", conversation)
        .path_param("message_id", message);
    match method {
        "PATCH" => event.json(json!({ "message": format!("{} (corrected)", &text()[..100]) })),
        _ => event,
    }
}

async fn costs(messages: usize) -> [Cost; 4] {
    let stack = TestStack::start().await;
    let app = stack.app();
    let mut ids = Vec::new();
    for _ in 0..messages {
        let body = json!({"customer_id": CUSTOMER, "message": text()});
        let event = ApiEvent::new("POST", "/messages")
            .claims(&staff())
            .json(body);
        let (status, sent) = read_response(send::handle(&app, event.request()).await);
        assert_eq!(status, 201, "{sent}");
        ids.push(sent["id"].as_str().unwrap().to_owned());
    }
    let conversation = general(CUSTOMER).encode();
    let (older, newest) = (&ids[0], &ids[messages - 1]);
    let label = format!("messages={messages}");
    let mut measured = Vec::new();
    for (operation, method, id) in [
        ("message_edit", "PATCH", older),
        ("message_edit_newest", "PATCH", newest),
        ("message_delete_edited", "DELETE", older),
        ("message_delete_newest_edited", "DELETE", newest),
    ] {
        let (cost, (status, body)) = measure_as(&stack, operation, &label, true, async {
            read_response(send::handle(&app, change(method, &conversation, id).request()).await)
        })
        .await;
        assert_eq!(status, 200, "{operation}: {body}");
        measured.push(cost);
    }
    measured.try_into().unwrap()
}

#[tokio::test]
async fn edits_and_deletions_cost_the_same_in_a_short_and_a_long_thread() {
    let few = costs(2).await;
    let many = costs(500).await;
    assert_eq!(few, many);
    let [edit, edit_newest, delete, delete_newest] = few;
    // The message and its header (one strongly consistent BatchGetItem), one transaction:
    // the message and its earlier version, and for the newest the header with its two
    // feed entries.
    assert!(
        edit.requests == 2 && edit.rru <= 2.0 && edit.wru <= 4.0,
        "{edit:?}"
    );
    assert!(
        edit_newest.requests == 2 && edit_newest.rru <= 2.0 && edit_newest.wru <= 8.0,
        "{edit_newest:?}"
    );
    // A deletion of an edited message also lists its versions (one Query) and deletes
    // them in its transaction.
    assert!(
        delete.requests == 3 && delete.rru <= 2.5 && delete.wru <= 4.0,
        "{delete:?}"
    );
    assert!(
        delete_newest.requests == 3 && delete_newest.rru <= 2.5 && delete_newest.wru <= 8.0,
        "{delete_newest:?}"
    );
}
