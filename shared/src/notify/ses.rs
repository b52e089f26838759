//! Email through SES v2 `SendEmail`, plain text and HTML.

use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message, MessageHeader};

use super::{classify, EmailSender, SendError};
use crate::domain::notify::Email;

#[derive(Clone, Debug)]
pub struct SesEmail {
    client: aws_sdk_sesv2::Client,
    /// The configuration set whose event destination reports deliveries, bounces and
    /// complaints back (none: no outcomes).
    configuration_set: Option<String>,
}

impl SesEmail {
    pub fn new(client: aws_sdk_sesv2::Client) -> Self {
        SesEmail {
            client,
            configuration_set: None,
        }
    }

    pub fn with_configuration_set(mut self, name: Option<String>) -> Self {
        self.configuration_set = name;
        self
    }
}

fn utf8(data: &str) -> Result<Content, SendError> {
    Content::builder()
        .data(data)
        .charset("UTF-8")
        .build()
        .map_err(|e| SendError::Permanent(e.to_string()))
}

/// The headers SES adds to a simple message: one-click unsubscribe (RFC 8058; SES
/// signs them with DKIM) and the mark of an automatic answer (RFC 3834).
fn headers(email: &Email) -> Result<Vec<MessageHeader>, SendError> {
    let header = |name: &str, value: &str| {
        MessageHeader::builder()
            .name(name)
            .value(value)
            .build()
            .map_err(|e| SendError::Permanent(e.to_string()))
    };
    let mut headers = Vec::new();
    if let Some(link) = &email.unsubscribe {
        headers.push(header("List-Unsubscribe", &format!("<{link}>"))?);
        headers.push(header(
            "List-Unsubscribe-Post",
            "List-Unsubscribe=One-Click",
        )?);
    }
    if email.auto_submitted {
        headers.push(header("Auto-Submitted", "auto-replied")?);
    }
    Ok(headers)
}

impl EmailSender for SesEmail {
    async fn send_email(&self, from: &str, to: &str, email: &Email) -> Result<String, SendError> {
        let message = Message::builder()
            .subject(utf8(&email.subject)?)
            .body(
                Body::builder()
                    .text(utf8(&email.text)?)
                    .html(utf8(&email.html)?)
                    .build(),
            )
            .set_headers(Some(headers(email)?))
            .build();
        let output = self
            .client
            .send_email()
            .from_email_address(from)
            .destination(Destination::builder().to_addresses(to).build())
            .set_reply_to_addresses(email.reply_to.clone().map(|to| vec![to]))
            .set_configuration_set_name(self.configuration_set.clone())
            .content(EmailContent::builder().simple(message).build())
            .send()
            .await
            .map_err(|err| classify(&err))?;
        output
            .message_id
            .ok_or_else(|| SendError::Retryable("SES answered without a message id".into()))
    }
}
