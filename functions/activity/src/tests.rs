use shared::domain::ids::TenantId;
use std::collections::HashSet;

use serde_json::{json, Value};
use shared::domain::directory::{Assignment, StaffProfile};
use shared::domain::{
    now_rfc3339, ConversationId, MessageType, MessagingMode, Role, SenderType, Settings, Subject,
};
use shared::store::{DirectoryStore, DynamoStore, MessageDraft, MessageStore};
use shared::App;
use testkit::app::{general, hours_from_now};
use testkit::{read_response, seed, ApiEvent, Claims, TestApp};

use super::handle;
use testkit::app::conversation_thread;

const TENANT: &str = "clinic-a";

async fn feed_with(
    app: &App<DynamoStore>,
    claims: &Claims,
    query: &[(&str, &str)],
) -> (u16, Value) {
    let mut event = ApiEvent::new("GET", "/messages/activity").claims(claims);
    for (name, value) in query {
        event = event.query(name, value);
    }
    read_response(handle(app, event.request()).await)
}

async fn feed(stack: &TestApp, claims: &Claims, query: &[(&str, &str)]) -> Value {
    let (status, body) = feed_with(&stack.app(), claims, query).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn badge_with(app: &App<DynamoStore>, claims: &Claims) -> (u16, Value) {
    let event = ApiEvent::new("GET", "/messages/unread").claims(claims);
    read_response(handle(app, event.request()).await)
}

async fn badge(stack: &TestApp, claims: &Claims) -> Value {
    let (status, body) = badge_with(&stack.app(), claims).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Customer ids of a feed page, in order.
fn customers(page: &Value) -> Vec<String> {
    page["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["customer_id"].as_str().unwrap().to_owned())
        .collect()
}

/// Unread messages of one conversation as the thread shows them to the caller.
async fn thread_unread(stack: &TestApp, claims: &Claims, conversation: &str) -> u64 {
    let event = conversation_thread(claims, conversation).query("limit", "100");
    let (status, body) = read_response(thread::handle(&stack.app(), event.request()).await);
    assert_eq!(status, 200, "{body}");
    body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["is_read"] == false)
        .count() as u64
}

/// The badge, the feed and the thread tell the caller the same, and it is `expected`.
async fn assert_unread(stack: &TestApp, claims: &Claims, conversation: &str, expected: u64) {
    let badge = badge(stack, claims).await;
    let in_badge = badge["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["conversation_id"] == conversation)
        .map_or(0, |c| c["unread_count"].as_u64().unwrap());
    let page = feed(stack, claims, &[]).await;
    let in_feed = page["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == conversation)
        .map(|c| c["unread_count"].as_u64().unwrap());
    let in_thread = thread_unread(stack, claims, conversation).await;
    assert_eq!(
        (in_badge, in_feed, in_thread),
        (expected, Some(expected), expected),
        "badge, feed and thread for {claims:?}"
    );
}

async fn system_message(stack: &TestApp, customer: &str) {
    let conversation = ConversationId::new(customer, Subject::General);
    let (sender, text) = (SenderType::System, "Appointment confirmed for Tuesday");
    let draft = MessageDraft::new(
        conversation,
        sender,
        "system",
        "Oak Street Vets",
        MessageType::System,
        text,
    )
    .create_conversation(true);
    stack
        .store
        .append_message(&TenantId::from(TENANT), &draft, None)
        .await
        .unwrap();
}

async fn assign(stack: &TestApp, user: &str, customer: &str, until: Option<&str>) {
    let now = now_rfc3339();
    let profile = StaffProfile {
        user_id: user.into(),
        name: "Basic Bea".into(),
        email: None,
        email_notifications: false,
        role: Role::BasicStaff,
        created_at: now.clone(),
        updated_at: now.clone(),
    };
    stack
        .store
        .put_staff(&TenantId::from(TENANT), &profile)
        .await
        .unwrap();
    let assignment = Assignment {
        user_id: user.into(),
        customer_id: customer.into(),
        until: until.map(str::to_owned),
        assigned_at: now,
        assigned_by: "a1".into(),
    };
    stack
        .store
        .put_assignment(&TenantId::from(TENANT), &assignment)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_feed_puts_the_latest_message_on_top_with_its_excerpt_and_the_callers_unread() {
    let stack = TestApp::start(TENANT).await;
    let staff = Claims::staff(TENANT, "s1");
    let owner = Claims::customer(TENANT, "p1", "c1").with("name", "Sam Rivera");
    stack
        .send_as(
            send::handle,
            &owner,
            json!({"message": "Is Bella ok after her surgery?"}),
        )
        .await;
    testkit::seed::patient(&stack.store, TENANT, "c2", "rex").await;
    stack
        .send_as(
            send::handle,
            &staff,
            json!({"customer_id": "c2", "patient_id": "rex", "message": "Rex's results are in"}),
        )
        .await;
    stack
        .send_as(
            send::handle,
            &Claims::customer(TENANT, "p3", "c3"),
            json!({"message": "Can we move Tuesday's visit?"}),
        )
        .await;

    let page = feed(&stack, &staff, &[]).await;
    assert_eq!(customers(&page), ["c3", "c2", "c1"]);
    let rex = &page["conversations"][1];
    assert_eq!(
        (
            rex["kind"].as_str(),
            rex["patient_id"].as_str(),
            rex["unread_count"].as_u64()
        ),
        (Some("patient"), Some("rex"), Some(0)),
        "a staff member's own message is not unread for them"
    );
    let bella = &page["conversations"][2];
    assert_eq!(bella["unread_count"], 1);
    assert_eq!(bella["status"], "open");
    assert_eq!(
        bella["last_message"]["excerpt"],
        "Is Bella ok after her surgery?"
    );
    assert_eq!(bella["last_message"]["sender_type"], "customer");
    assert_eq!(bella["last_message"]["sender_name"], "Sam Rivera");
    assert_eq!(
        bella["last_message"]["sender_id"], "p1",
        "the feed names the author too (an inbox row's \"You:\")"
    );
    assert_eq!(page["next_cursor"], Value::Null);

    stack
        .send_as(
            send::handle,
            &staff,
            json!({"customer_id": "c1", "message": "She is doing well"}),
        )
        .await;
    let page = feed(&stack, &staff, &[]).await;
    assert_eq!(
        customers(&page),
        ["c1", "c3", "c2"],
        "a new message moves its thread up"
    );
    assert_eq!(
        page["conversations"][0]["unread_count"], 0,
        "replying covers what the reply answers"
    );

    let own = feed(&stack, &owner, &[]).await;
    assert_eq!(
        customers(&own),
        ["c1"],
        "a customer sees their own account only"
    );
    assert_eq!(own["conversations"][0]["unread_count"], 1);
    assert_eq!(
        own["conversations"][0]["last_message"]["excerpt"],
        "She is doing well"
    );
}

#[tokio::test]
async fn unread_is_per_person_and_the_badge_feed_and_thread_agree() {
    let stack = TestApp::start(TENANT).await;
    let (s1, s2) = (Claims::staff(TENANT, "s1"), Claims::staff(TENANT, "s2"));
    let (p1, p2) = (
        Claims::customer(TENANT, "p1", "c1"),
        Claims::customer(TENANT, "p2", "c1"),
    );
    let thread = general("c1").encode();
    stack
        .send_as(send::handle, &p1, json!({"message": "Bella is limping"}))
        .await;
    stack
        .send_as(send::handle, &p1, json!({"message": "Since this morning"}))
        .await;
    system_message(&stack, "c1").await;

    for (who, unread) in [(&s1, 2), (&s2, 2), (&p1, 0), (&p2, 0)] {
        assert_unread(&stack, who, &thread, unread).await;
    }
    stack
        .mark_read_as(mark_read::handle, &s1, json!({"conversation_id": thread}))
        .await;
    assert_unread(&stack, &s1, &thread, 0).await;
    assert_unread(&stack, &s2, &thread, 2).await;

    stack
        .send_as(
            send::handle,
            &s1,
            json!({"customer_id": "c1", "message": "Bring her in at 3"}),
        )
        .await;
    system_message(&stack, "c1").await;
    assert_unread(&stack, &s2, &thread, 2).await;
    assert_unread(&stack, &p1, &thread, 1).await;
    assert_unread(&stack, &p2, &thread, 1).await;

    stack.mark_read_as(mark_read::handle, &p2, json!({})).await;
    assert_unread(&stack, &p2, &thread, 0).await;
    assert_unread(&stack, &p1, &thread, 1).await;
    let badge = badge(&stack, &s2).await;
    assert_eq!(
        (badge["total_unread"].as_u64(), badge["capped"].as_bool()),
        (Some(2), Some(false))
    );
}

#[tokio::test]
async fn an_admin_looking_around_leaves_no_trace() {
    let stack = TestApp::start(TENANT).await;
    let admin = Claims::admin(TENANT, "a1");
    stack
        .send_as(
            send::handle,
            &Claims::customer(TENANT, "p1", "c1"),
            json!({"message": "Hello?"}),
        )
        .await;
    stack
        .mark_read_as(
            mark_read::handle,
            &Claims::staff(TENANT, "s1"),
            json!({"conversation_id": general("c1").encode()}),
        )
        .await;
    let conversation = ConversationId::new("c1", Subject::General);
    let before = stack
        .store
        .conversation(&TenantId::from(TENANT), &conversation)
        .await
        .unwrap();

    assert_eq!(
        thread_unread(&stack, &admin, &general("c1").encode()).await,
        1
    );
    stack
        .mark_read_as(
            mark_read::handle,
            &admin,
            json!({"conversation_id": general("c1").encode()}),
        )
        .await;
    let page = feed(&stack, &admin, &[]).await;
    assert_eq!(page["conversations"][0]["unread_count"], 1);
    assert_eq!(badge(&stack, &admin).await["total_unread"], 1);

    let after = stack
        .store
        .conversation(&TenantId::from(TENANT), &conversation)
        .await
        .unwrap();
    assert_eq!(before, after, "no read position moved");
}

mod costs;

mod access;
mod tags;

#[tokio::test]
async fn its_first_request_reads_the_cursor_secret() {
    let config = testkit::moto::cold_start_config("tidings").await;
    assert_eq!(config.cursor_secret, b"a-cursor-secret-of-32-characters");
}

mod pages;
