//! The SNS path: AWS End User Messaging two-way SMS, delivered by an SNS topic.

use aws_lambda_events::sns::SnsEvent;
use serde::Deserialize;
use shared::domain::format_timestamp;
use shared::domain::sms::{InboundSms, Provider};
use shared::notify::SmsSender;
use shared::store::{InboundStore, MessageStore};
use shared::ApiError;

use crate::Inbound;

/// The JSON End User Messaging publishes for each inbound text.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TwoWaySms {
    origination_number: Option<String>,
    destination_number: Option<String>,
    message_body: Option<String>,
    inbound_message_id: Option<String>,
}

/// The SNS path: each record's text; replies go out by SMS from the tenant's number. A
/// malformed text, or one refused for what it is (a number no tenant holds, a text too
/// long), is logged and dropped: SNS would only deliver it again. Any other failure
/// (storage unavailable, throttled, denied, a request DynamoDB refuses) fails the
/// invocation, so that Lambda retries it and then puts it in the failure queue instead
/// of losing it; what was already stored is then a duplicate.
pub async fn handle_sns<S: InboundStore + MessageStore, M: SmsSender>(
    inbound: &Inbound<S>,
    replies: &M,
    event: SnsEvent,
) -> Result<(), lambda_runtime::Error> {
    for record in event.records {
        let parsed = serde_json::from_str::<TwoWaySms>(&record.sns.message)
            .map_err(|err| err.to_string())
            .and_then(|text| {
                InboundSms::new(
                    Provider::Aws,
                    text.inbound_message_id.as_deref(),
                    text.origination_number.as_deref(),
                    text.destination_number.as_deref(),
                    text.message_body.as_deref(),
                )
                .map_err(|err| err.to_string())
            })
            .map(|mut sms| {
                // SNS's time of publishing: the provider's order of the texts.
                if let Ok(at) =
                    jiff::Timestamp::from_millisecond(record.sns.timestamp.timestamp_millis())
                {
                    sms.received_at = format_timestamp(at);
                }
                sms
            });
        let sms = match parsed {
            Ok(sms) => sms,
            Err(error) => {
                tracing::warn!(%error, "inbound text dropped: not a two-way SMS message");
                continue;
            }
        };
        let received = match inbound.receive(&sms).await {
            Ok(received) => received,
            Err(err) if refused(&err) => {
                tracing::warn!(error = %err, code = err.code(), to = %sms.to, "inbound text refused");
                continue;
            }
            Err(err) => {
                let detail = match &err {
                    ApiError::Internal(detail) => detail.clone(),
                    other => other.to_string(),
                };
                tracing::error!(error = %detail, to = %sms.to, "inbound text not stored");
                return Err(format!("inbound text not stored: {detail}").into());
            }
        };
        tracing::info!(provider = "aws", handled = ?received.handled, "inbound text");
        if let Some(reply) = received.reply {
            if let Err(error) = replies.send_sms(Some(&sms.to), &sms.from, &reply).await {
                tracing::warn!(%error, "reply to an inbound text not sent");
            }
        }
    }
    Ok(())
}

/// A text refused for what it is, which no retry would store (the webhook's 4xx); a
/// 5xx or a throttle is the service's failure, never the text's.
fn refused(err: &ApiError) -> bool {
    let status = err.status();
    (400..500).contains(&status) && status != 429
}
