//! `sms-inbound`: texts from customers. One function takes both the provider webhook
//! (`POST /sms/inbound`, form-encoded in Twilio's format, checked by its signature) and
//! AWS End User Messaging two-way SMS delivered by an SNS topic.
//!
//! The number a text was sent to names the tenant; the sender's number names the
//! contact. A contact's text becomes a customer message (`channel: sms`) in their most
//! recently active open conversation, or their general thread. Keywords change the
//! number's SMS opt-out or answer with the tenant's help text. Texts from unknown
//! numbers, or refused by the tenant's mode, are kept for admins (`GET /sms/unmatched`).
//! Whatever a text writes goes in one transaction with its provider id, so a redelivery,
//! even a concurrent one, writes nothing.

use std::sync::Arc;

use serde_json::{json, Value};
use shared::http::{Request, Response};
use shared::notify::SmsSender;
use shared::settings_cache::{SettingsCache, TtlCache};
use shared::store::{InboundStore, MessageStore, UnmatchedReason};

mod deployed;
mod drafts;
mod receive;
mod sns;
mod webhook;

pub use deployed::{handle, Deployed};
pub use shared::config::{InboundConfig, Webhook};
pub use sns::handle_sns;
pub use webhook::handle_webhook;

/// What the function builds once per container.
pub struct Inbound<S> {
    pub store: S,
    pub settings: Arc<SettingsCache>,
    /// Which tenant holds an SMS number (or none); part of the tenants' settings, cached
    /// as long as they are.
    pub numbers: TtlCache<Option<String>>,
    pub webhook: Option<Webhook>,
}

impl<S> Inbound<S> {
    pub fn new(store: S, config: &InboundConfig, settings: Arc<SettingsCache>) -> Self {
        Inbound {
            store,
            settings,
            numbers: TtlCache::new(config.settings_ttl),
            webhook: config.webhook.clone(),
        }
    }
}

/// What became of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    /// A customer message in the contact's conversation.
    Message,
    /// An opt-out or opt-in, shown in the thread as a system message.
    OptOutChanged,
    /// A keyword that changed nothing in a thread (HELP, or STOP when already out).
    Keyword,
    Unmatched(UnmatchedReason),
    /// Nothing to keep (no text, no keyword).
    Empty,
    /// The provider delivered this id before.
    Duplicate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub handled: Handled,
    /// What to text back, if anything.
    pub reply: Option<String>,
}

/// The Lambda handler: an SNS event, or an API Gateway HTTP API request for the webhook
/// (answered in API Gateway's response format).
pub async fn handle_event<S: InboundStore + MessageStore, M: SmsSender>(
    inbound: &Inbound<S>,
    replies: &M,
    event: Value,
) -> Result<Value, lambda_runtime::Error> {
    if event.get("Records").is_some() {
        handle_sns(inbound, replies, serde_json::from_value(event)?).await?;
        return Ok(Value::Null);
    }
    let request: lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequest =
        serde_json::from_value(event)?;
    let request = Request::from(lambda_http::request::LambdaRequest::ApiGatewayV2(request));
    let response = handle_webhook(inbound, request).await;
    Ok(gateway_response(response))
}

/// A response as an HTTP API expects it from a Lambda (payload format 2.0).
fn gateway_response(response: Response) -> Value {
    let headers: serde_json::Map<String, Value> = response
        .headers()
        .iter()
        .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.into())))
        .collect();
    let body = match response.body() {
        lambda_http::Body::Text(text) => text.clone(),
        lambda_http::Body::Binary(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        _ => String::new(),
    };
    json!({
        "statusCode": response.status().as_u16(),
        "headers": headers,
        "body": body,
        "isBase64Encoded": false,
    })
}

#[cfg(test)]
mod tests;
