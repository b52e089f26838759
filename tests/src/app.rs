//! The test API: a stack for one tenant, with one method per action a test takes and the
//! requests those actions send. The functions' handlers are passed in (this crate cannot
//! depend on the functions, whose tests depend on it); each call builds the `App` as a
//! container does.

use std::ops::Deref;

use serde_json::{json, Value};
use shared::domain::ids::TenantId;
use shared::domain::{ConversationId, Message, Subject};
use shared::store::{schema, ConversationHeader, DynamoStore, MessageStore};
use shared::App;

use crate::{read_response, ApiEvent, Claims, TestStack};

/// A function's handler, as every function but notify and sms-inbound exports it.
pub trait Handler:
    AsyncFn(&App<DynamoStore>, lambda_http::Request) -> lambda_http::Response<lambda_http::Body>
{
}

impl<H> Handler for H where
    H: AsyncFn(&App<DynamoStore>, lambda_http::Request) -> lambda_http::Response<lambda_http::Body>
{
}

/// The local stack and the tenant the test acts in.
pub struct TestApp {
    stack: TestStack,
    pub tenant: &'static str,
}

impl Deref for TestApp {
    type Target = TestStack;

    fn deref(&self) -> &TestStack {
        &self.stack
    }
}

impl TestApp {
    pub async fn start(tenant: &'static str) -> TestApp {
        TestApp {
            stack: TestStack::start().await,
            tenant,
        }
    }

    /// With the table's stream ([`TestStack::with_stream`]).
    pub async fn with_stream(tenant: &'static str) -> TestApp {
        TestApp {
            stack: TestStack::with_stream().await,
            tenant,
        }
    }

    /// With the table's stream, its clients meeting `faults`.
    pub async fn with_faults_and_stream(
        tenant: &'static str,
        faults: &crate::faults::Faults,
    ) -> TestApp {
        TestApp {
            stack: TestStack::start_with(Some(faults), schema::Stream::On).await,
            tenant,
        }
    }

    /// A stack whose DynamoDB client meets `faults` ([`TestStack::with_faults`]).
    pub async fn with_faults(tenant: &'static str, faults: &crate::faults::Faults) -> TestApp {
        TestApp {
            stack: TestStack::with_faults(faults).await,
            tenant,
        }
    }

    /// One request to `handler`: its status and JSON body.
    pub async fn call(&self, handler: impl Handler, event: ApiEvent) -> (u16, Value) {
        read_response(handler(&self.stack.app(), event.request()).await)
    }

    /// `POST /messages` through the send function's `handler`; the sent message.
    pub async fn send_as(&self, handler: impl Handler, claims: &Claims, body: Value) -> Value {
        let (status, body) = self.call(handler, post_message(claims, body)).await;
        assert_eq!(status, 201, "{body}");
        body
    }

    /// `POST /messages/read` through the mark-read function's `handler`, answered 200.
    pub async fn mark_read_as(&self, handler: impl Handler, claims: &Claims, body: Value) {
        let (status, body) = self.call(handler, mark_read(claims, body)).await;
        assert_eq!(status, 200, "{body}");
    }

    /// The tenant as the store takes it.
    pub fn tenant_id(&self) -> TenantId {
        TenantId::from(self.tenant)
    }

    /// A marketplace vendor of the tenant ([`crate::seed::vendor`]).
    pub async fn vendor(&self, user: &str) {
        crate::seed::vendor(&self.stack.store, self.tenant, user).await;
    }

    /// A conversation's newest `limit` messages as stored, oldest first.
    pub async fn messages(&self, conversation: &ConversationId, limit: u32) -> Vec<Message> {
        self.stack
            .store
            .thread_page(&self.tenant_id(), conversation, None, limit, None)
            .await
            .unwrap()
            .messages
    }

    /// A conversation's stored header; it must exist.
    pub async fn header(&self, conversation: &ConversationId) -> ConversationHeader {
        self.stack
            .store
            .conversation(&self.tenant_id(), conversation)
            .await
            .unwrap()
            .expect("the conversation exists")
    }
}

/// A customer account's general conversation.
pub fn general(customer: &str) -> ConversationId {
    ConversationId::new(customer, Subject::General)
}

/// A timestamp `hours` from now, as the API writes them.
pub fn hours_from_now(hours: i64) -> String {
    shared::domain::format_timestamp(
        jiff::Timestamp::now() + jiff::SignedDuration::from_hours(hours),
    )
}

/// `POST /messages` with `body`.
pub fn post_message(claims: &Claims, body: Value) -> ApiEvent {
    ApiEvent::new("POST", "/messages").claims(claims).json(body)
}

/// `POST /messages` of `text` into the conversation with id `conversation`.
pub fn message_in(claims: &Claims, conversation: &str, text: &str) -> ApiEvent {
    post_message(
        claims,
        json!({"conversation_id": conversation, "message": text}),
    )
}

/// `POST /messages/read` with `body`.
pub fn mark_read(claims: &Claims, body: Value) -> ApiEvent {
    ApiEvent::new("POST", "/messages/read")
        .claims(claims)
        .json(body)
}

/// `GET /conversations/{id}/messages`: a conversation's thread by its id.
pub fn conversation_thread(claims: &Claims, id: &str) -> ApiEvent {
    ApiEvent::new("GET", "/conversations/{id}/messages")
        .claims(claims)
        .path_param("id", id)
}

/// `GET /messages/customer/{customer_id}`: a customer account's thread.
pub fn customer_thread(claims: &Claims, customer: &str) -> ApiEvent {
    ApiEvent::new("GET", "/messages/customer/{customer_id}")
        .claims(claims)
        .path_param("customer_id", customer)
}

/// `GET /conversations?order_id=`: the conversation of an order.
pub fn find_conversation(claims: &Claims, order: &str) -> ApiEvent {
    ApiEvent::new("GET", "/conversations")
        .claims(claims)
        .query("order_id", order)
}

/// `PATCH /conversations/{id}/messages/{message_id}`: a new text for a sent message.
pub fn edit_message(claims: &Claims, conversation: &str, message: &str, text: &str) -> ApiEvent {
    ApiEvent::new("PATCH", "/conversations/{id}/messages/{message_id}")
        .claims(claims)
        .path_param("id", conversation)
        .path_param("message_id", message)
        .json(json!({ "message": text }))
}

/// `DELETE /conversations/{id}/messages/{message_id}`.
pub fn delete_message(claims: &Claims, conversation: &str, message: &str) -> ApiEvent {
    ApiEvent::new("DELETE", "/conversations/{id}/messages/{message_id}")
        .claims(claims)
        .path_param("id", conversation)
        .path_param("message_id", message)
}

/// `POST /conversations` with `body`.
pub fn open_conversation(claims: &Claims, body: Value) -> ApiEvent {
    ApiEvent::new("POST", "/conversations")
        .claims(claims)
        .json(body)
}

/// `POST /conversations/{id}/close`.
pub fn close_conversation(claims: &Claims, id: &str) -> ApiEvent {
    ApiEvent::new("POST", "/conversations/{id}/close")
        .claims(claims)
        .path_param("id", id)
}

/// The order conversation a host opens: order 1042 of buyer-1, with vendor-9 taking part.
pub fn order_1042() -> Value {
    json!({
        "customer_id": "buyer-1",
        "order_id": "1042",
        "title": "Order #1042",
        "participants": ["vendor-9"],
    })
}
