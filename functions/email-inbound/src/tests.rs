//! Replies through the whole path, as SES hands them over: the raw message in moto's S3
//! under `inbound/`, the receipt event, the store and the gate (`make test` runs moto).

use serde_json::{json, Value};
use shared::domain::ids::TenantId;
use shared::domain::{Channel, Message, Role, SenderType, Side};
use shared::notify::SesEmail;
use shared::store::{reply_address, DirectoryStore, DynamoStore, InboundStore, Reader, ReplyStore};
use testkit::app::general;
use testkit::{moto, seed, Claims, TestApp};

use crate::{handle_event, receipt, Handled, Replies};

mod paths;
mod refusals;

const TENANT: &str = "clinic-a";
const DOMAIN: &str = "reply.oakvets.example";
const FROM: &str = "notify@oakvets.example";

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/email/",
            $name,
            ".eml"
        ))
        .as_slice()
    };
}
pub(crate) use fixture;

/// A tag that keeps one test's addresses apart from another's in moto's shared record.
fn tag() -> String {
    ulid::Ulid::new().to_string().to_lowercase()
}

/// The function as a container builds it, answering through moto's SES.
async fn replies(stack: &TestApp) -> Replies<DynamoStore, SesEmail> {
    let ses = aws_sdk_sesv2::Client::new(&moto::sdk_config().await);
    let _ = ses
        .create_email_identity()
        .email_identity("oakvets.example")
        .send()
        .await;
    let files = stack
        .files
        .clone()
        .expect("moto's S3: run through make test");
    Replies::new(stack.app(), files, moto::email().await, FROM)
        .with_reply_domain(Some(DOMAIN.into()))
}

/// A clinic with one contact (customer c1, contact p1) at `address`, a staff member s1
/// and a basic staff member b1 (assigned nothing), and a first message in c1's thread.
async fn clinic(stack: &TestApp, address: &str) {
    stack
        .set_settings(
            TENANT,
            &shared::domain::Settings {
                business_name: Some("Oak Vets".into()),
                portal_base_url: Some("https://portal.oakvets.example".into()),
                ..Default::default()
            },
        )
        .await;
    seed::contact(&stack.store, TENANT, "c1", "p1", address, None).await;
    staff(stack, "s1", Role::Staff).await;
    staff(stack, "b1", Role::BasicStaff).await;
    stack
        .send_as(
            send::handle,
            &Claims::staff(TENANT, "s1"),
            json!({"customer_id": "c1", "message": "Rex's results are in"}),
        )
        .await;
}

/// A staff profile at `{id}@oakvets.example`.
async fn staff(stack: &TestApp, id: &str, role: Role) {
    let (name, email) = (format!("Staff {id}"), format!("{id}@oakvets.example"));
    seed::staff(&stack.store, TENANT, id, &name, role, Some(&email)).await;
}

/// The reply address a notification to this person in c1's thread carried.
async fn token_for(stack: &TestApp, side: Side, user: &str, address: &str) -> String {
    token_in(stack, &general("c1"), side, user, address).await
}

/// The reply address a notification to this person in a conversation carried.
async fn token_in(
    stack: &TestApp,
    conversation: &shared::domain::ConversationId,
    side: Side,
    user: &str,
    address: &str,
) -> String {
    let reader = Reader {
        side,
        user_id: user.into(),
    };
    stack
        .store
        .issue_reply_token(
            &TenantId::from(TENANT),
            conversation,
            &reader,
            address,
            &shared::domain::now_rfc3339(),
        )
        .await
        .unwrap()
}

/// `raw` with its From header replaced: the same client's mail from another address.
fn from(raw: &[u8], address: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(raw);
    let mut done = false;
    let lines: Vec<String> = text
        .split("\r\n")
        .flat_map(|l| l.split('\n'))
        .map(|line| {
            if !done && line.to_ascii_lowercase().starts_with("from:") {
                done = true;
                format!("From: Someone <{address}>")
            } else {
                line.to_owned()
            }
        })
        .collect();
    lines.join("\r\n").into_bytes()
}

/// The message as SES receives it for `token`: stored under `inbound/`, then the
/// receipt event (verdicts PASS) changed by `edit`, handed to the function.
async fn receive_with(
    replies: &Replies<DynamoStore, SesEmail>,
    raw: &[u8],
    envelope_from: &str,
    token: &str,
    edit: impl FnOnce(&mut Value),
) -> Handled {
    let id = tag();
    replies
        .files
        .put(
            &format!("{}{id}", crate::INBOUND_PREFIX),
            "message/rfc822",
            raw.to_vec(),
        )
        .await
        .unwrap();
    let mut event = receipt::local_event(
        envelope_from,
        &[reply_address(token, DOMAIN)],
        raw,
        &id,
        &shared::domain::now_rfc3339(),
    );
    edit(&mut event);
    let mut handled = handle_event(replies, event).await.unwrap();
    assert_eq!(handled.len(), 1);
    handled.remove(0)
}

async fn receive(
    replies: &Replies<DynamoStore, SesEmail>,
    raw: &[u8],
    envelope_from: &str,
    token: &str,
) -> Handled {
    receive_with(replies, raw, envelope_from, token, |_| {}).await
}

/// c1's thread, oldest first.
async fn thread(stack: &TestApp) -> Vec<Message> {
    let mut messages = stack.messages(&general("c1"), 50).await;
    messages.reverse();
    messages
}

/// What moto recorded as sent to `address`.
async fn emails_to(address: &str) -> Vec<Value> {
    moto::data().await["ses"]["Message"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|m| {
            m["destinations"]["ToAddresses"]
                .as_array()
                .is_some_and(|to| to.iter().any(|a| a == address))
        })
        .collect()
}

async fn unmatched(stack: &TestApp) -> Vec<shared::store::UnmatchedSms> {
    stack
        .store
        .unmatched(&TenantId::from(TENANT), true, None, 50)
        .await
        .unwrap()
        .0
}

fn is_email_reply(message: &Message, sender: SenderType, id: &str) -> bool {
    message.sender_type == sender
        && message.sender_id == id
        && message.channel == Channel::Email
        && message.external_ref.is_some()
}
