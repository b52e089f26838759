//! `POST /sms/inbound`: the provider's webhook (form-encoded in Twilio's format, checked
//! by its signature), answered in TwiML.

use shared::domain::sms::{self, InboundSms, Provider};
use shared::http::{self, Request, Response};
use shared::store::{InboundStore, MessageStore};
use shared::ApiError;

use crate::Inbound;

/// Webhook bodies are a few hundred bytes; anything much larger is not the provider.
const MAX_WEBHOOK_BYTES: usize = 64 * 1024;

/// `POST /sms/inbound`: the provider's webhook. Answers TwiML, with the reply if any.
pub async fn handle_webhook<S: InboundStore + MessageStore>(
    inbound: &Inbound<S>,
    request: Request,
) -> Response {
    match webhook(inbound, &request).await {
        Ok(reply) => lambda_http::Response::builder()
            .status(200)
            .header("content-type", "text/xml; charset=utf-8")
            .body(lambda_http::Body::Text(sms::twiml(reply.as_deref())))
            .expect("a response from a valid status"),
        Err(err) => http::error_response(&err),
    }
}

async fn webhook<S: InboundStore + MessageStore>(
    inbound: &Inbound<S>,
    request: &Request,
) -> Result<Option<String>, ApiError> {
    let refused = || {
        ApiError::forbidden(
            "invalid_signature",
            "the request is not signed by the SMS provider",
        )
    };
    let config = inbound.webhook.as_ref().ok_or_else(refused)?;
    let signature = http::header(request, "x-twilio-signature").ok_or_else(refused)?;
    let body = http::body_bytes(request);
    if body.len() > MAX_WEBHOOK_BYTES {
        return Err(ApiError::PayloadTooLarge {
            limit: MAX_WEBHOOK_BYTES,
        });
    }
    let params = http::form_pairs(body)?;
    if !sms::verify_twilio_signature(&config.auth_token, &config.public_url, &params, &signature) {
        return Err(refused());
    }
    let param = |name: &str| {
        params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let sms = InboundSms::new(
        Provider::Twilio,
        param("MessageSid").or_else(|| param("SmsSid")),
        param("From"),
        param("To"),
        param("Body"),
    )
    .map_err(|err| ApiError::bad_request(err.code(), err.to_string()))?;
    let received = inbound.receive(&sms).await?;
    tracing::info!(provider = "twilio", handled = ?received.handled, "inbound text");
    Ok(received.reply)
}
