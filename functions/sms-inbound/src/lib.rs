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
use shared::domain::sms::{self, InboundSms, Keyword};
use shared::domain::text::clean_inbound_text;
use shared::domain::{ConversationId, MessagingMode, Settings, Subject};
use shared::http::{Request, Response};
use shared::notify::SmsSender;
use shared::settings_cache::{SettingsCache, TtlCache};
use shared::store::{
    AppendGuard, AppendOutcome, AutoReplyMark, InboundEffects, InboundOutcome, InboundStore,
    MessageStore, OptOutChange, StoreError, UnmatchedReason, UnmatchedSms,
};
use shared::ApiError;

mod deployed;
mod drafts;
mod sns;
mod webhook;

use drafts::{customer_message, opt_out_notice, unmatched};

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

impl<S: InboundStore + MessageStore> Inbound<S> {
    /// Takes one text, whichever way it came.
    pub async fn receive(&self, sms: &InboundSms) -> Result<Received, ApiError> {
        let tenant = self.tenant_of(&sms.to).await?.ok_or(ApiError::Unknown {
            code: "unknown_number",
            message: "no account has this SMS number".into(),
        })?;
        tracing::Span::current().record("tenant", tenant.as_str());
        let cached = self.settings.cached(&tenant);
        let state = self
            .store
            .sender_state(&tenant, &sms.from, cached.is_none())
            .await?;
        let settings = match cached {
            Some(settings) => settings,
            None => {
                let settings = state.settings.clone().unwrap_or_default();
                self.settings.put(&tenant, settings.clone());
                settings
            }
        };
        let keyword = sms::keyword(&sms.body);
        // Every STOP and START is written (in the order the provider received them); the
        // thread notes only those that change what the number was.
        let keyword_opt_out = match keyword {
            Some(Keyword::OptOut) => Some(true),
            Some(Keyword::OptIn) => Some(false),
            _ => None,
        };
        let opt_out = keyword_opt_out.filter(|&out| out != state.opted_out);
        let effects = InboundEffects {
            provider: sms.provider,
            provider_message_id: sms.provider_message_id.clone(),
            opt_out: keyword_opt_out.map(|opted_out| OptOutChange {
                phone: sms.from.clone(),
                opted_out,
                keyword_at: sms.received_at.clone(),
            }),
        };
        let help = (keyword == Some(Keyword::Help)).then(|| settings.help_text());
        let text = clean_inbound_text(&sms.body)
            .map_err(|_| ApiError::bad_request("message_too_long", "the text is too long"))?;

        let refused = match settings.mode {
            MessagingMode::Disabled => Some(UnmatchedReason::MessagingDisabled),
            MessagingMode::ReadOnly => Some(UnmatchedReason::MessagingReadOnly),
            MessagingMode::Full => None,
        };
        let owner = match (&state.owner, refused) {
            (Some(owner), None) => owner,
            (owner, refused) => {
                let reason = refused.unwrap_or(UnmatchedReason::UnknownSender);
                // Keywords get their own answer (or the provider's), not the auto-reply;
                // a number that opted out is never texted.
                let auto_reply = (refused.is_some() && keyword.is_none() && !state.opted_out)
                    .then(|| AutoReplyMark {
                        phone: sms.from.clone(),
                        day: local_day(&settings),
                    })
                    .filter(|mark| state.auto_replied_on.as_deref() != Some(mark.day.as_str()));
                let record = unmatched(sms, &text, reason, owner.as_ref());
                let outcome = self
                    .store
                    .record_inbound(&tenant, &effects, Some(&record), auto_reply.as_ref())
                    .await?;
                return Ok(match outcome {
                    InboundOutcome::Duplicate => duplicate(),
                    InboundOutcome::Stored { auto_reply } => Received {
                        handled: Handled::Unmatched(reason),
                        reply: help.or_else(|| auto_reply.then(|| settings.auto_reply())),
                    },
                });
            }
        };
        if keyword.is_some() && opt_out.is_none() {
            return self
                .keep(&tenant, &effects, None, Handled::Keyword, help)
                .await;
        }
        if opt_out.is_none() && text.is_empty() {
            return Ok(Received {
                handled: Handled::Empty,
                reply: None,
            });
        }
        let conversation = self
            .store
            .latest_open_conversation(&tenant, &owner.customer_id)
            .await?
            .unwrap_or_else(|| ConversationId::new(&owner.customer_id, Subject::General));
        let draft = match opt_out {
            Some(opted_out) => opt_out_notice(sms, owner, conversation, opted_out),
            None => customer_message(sms, owner, conversation, text.clone(), &settings),
        };
        let guard = AppendGuard::Inbound(effects.clone());
        match self
            .store
            .append_message(&tenant, &draft, Some(&guard))
            .await
        {
            Ok(AppendOutcome::Stored(_)) => Ok(Received {
                handled: match opt_out {
                    Some(_) => Handled::OptOutChanged,
                    None => Handled::Message,
                },
                reply: None,
            }),
            Ok(AppendOutcome::Duplicate) => Ok(duplicate()),
            // A later keyword decided the number's opt-out: this one is kept as a keyword.
            Ok(AppendOutcome::Superseded) => {
                let effects = InboundEffects {
                    opt_out: None,
                    ..effects
                };
                self.keep(&tenant, &effects, None, Handled::Keyword, None)
                    .await
            }
            Ok(
                AppendOutcome::KeyUsed(_) | AppendOutcome::OrderTaken | AppendOutcome::Unchanged,
            ) => Err(ApiError::Internal(
                "an inbound text met an idempotency record".into(),
            )),
            // Closed between finding it and writing: kept for admins instead.
            Err(StoreError::Closed | StoreError::NotFound) => {
                let reason = UnmatchedReason::ConversationClosed;
                let record = unmatched(sms, &text, reason, Some(owner));
                self.keep(
                    &tenant,
                    &effects,
                    Some(&record),
                    Handled::Unmatched(reason),
                    None,
                )
                .await
            }
            Err(err) => Err(err.into()),
        }
    }

    /// Records a text that makes no message (its provider id and effects, and the
    /// unmatched record if any): `handled` and `reply` unless it is a redelivery.
    async fn keep(
        &self,
        tenant: &str,
        effects: &InboundEffects,
        unmatched: Option<&UnmatchedSms>,
        handled: Handled,
        reply: Option<String>,
    ) -> Result<Received, ApiError> {
        Ok(
            match self
                .store
                .record_inbound(tenant, effects, unmatched, None)
                .await?
            {
                InboundOutcome::Duplicate => duplicate(),
                InboundOutcome::Stored { .. } => Received { handled, reply },
            },
        )
    }

    /// The tenant holding a number: from this container's cache, or one read.
    async fn tenant_of(&self, number: &str) -> Result<Option<String>, StoreError> {
        if let Some(tenant) = self.numbers.cached(number) {
            return Ok(tenant);
        }
        let tenant = self.store.sms_number_tenant(number).await?;
        self.numbers.put(number, tenant.clone());
        Ok(tenant)
    }
}

fn duplicate() -> Received {
    Received {
        handled: Handled::Duplicate,
        reply: None,
    }
}

/// Today in the tenant's time zone: the auto-reply goes out once per local day.
fn local_day(settings: &Settings) -> String {
    let zone = jiff::tz::TimeZone::get(&settings.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    jiff::Timestamp::now().to_zoned(zone).date().to_string()
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
