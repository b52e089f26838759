//! SMS through SNS `Publish` to a phone number, as a transactional message.

use aws_sdk_sns::types::MessageAttributeValue;

use super::{classify, SendError, SmsSender};

#[derive(Clone, Debug)]
pub struct SnsSms {
    client: aws_sdk_sns::Client,
}

impl SnsSms {
    pub fn new(client: aws_sdk_sns::Client) -> Self {
        SnsSms { client }
    }
}

impl SmsSender for SnsSms {
    async fn send_sms(
        &self,
        from: Option<&str>,
        to: &str,
        text: &str,
    ) -> Result<String, SendError> {
        let string = |value: &str| {
            MessageAttributeValue::builder()
                .data_type("String")
                .string_value(value)
                .build()
                .map_err(|e| SendError::Permanent(e.to_string()))
        };
        let mut publish = self
            .client
            .publish()
            .phone_number(to)
            .message(text)
            .message_attributes("AWS.SNS.SMS.SMSType", string("Transactional")?);
        if let Some(from) = from {
            publish = publish.message_attributes("AWS.MM.SMS.OriginationNumber", string(from)?);
        }
        let output = publish.send().await.map_err(|err| classify(&err))?;
        output
            .message_id
            .ok_or_else(|| SendError::Retryable("SNS answered without a message id".into()))
    }
}
