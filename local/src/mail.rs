//! SES's part for replies by email: an SMTP listener that receives mail as SES would for
//! the reply domain, stores the raw message in the bucket under `inbound/` (moto's S3)
//! and invokes the `email-inbound` function with the receipt event SES sends, exactly as
//! the receipt rule's S3 and Lambda actions do.

use std::sync::Arc;

use shared::files::S3Files;
use shared::notify::SesEmail;
use shared::store::DynamoStore;
use tokio::net::TcpListener;

use crate::smtp::{Envelope, Verdict};

/// The reply domain of the local stack (`REPLY_DOMAIN` overrides it).
pub const LOCAL_REPLY_DOMAIN: &str = "reply.demo.example";

pub type LocalReplies = email_inbound::Replies<DynamoStore, SesEmail>;

pub fn reply_domain() -> String {
    std::env::var("REPLY_DOMAIN")
        .ok()
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| LOCAL_REPLY_DOMAIN.to_owned())
}

/// Receives mail on `listener` until the process ends.
pub async fn receive_forever(listener: TcpListener, replies: Arc<LocalReplies>, files: S3Files) {
    let hostname = reply_domain();
    crate::smtp::serve(listener, hostname, move |envelope| {
        let (replies, files) = (replies.clone(), files.clone());
        async move { deliver(&replies, &files, envelope).await }
    })
    .await;
}

/// One message: stored, then handed to the function. SES accepts mail before its
/// actions run, so the client is told 250 whatever the function makes of it, unless the
/// message could not be stored at all.
pub async fn deliver(replies: &LocalReplies, files: &S3Files, envelope: Envelope) -> Verdict {
    let message_id = ulid::Ulid::new().to_string().to_ascii_lowercase();
    let key = format!("{}{message_id}", email_inbound::INBOUND_PREFIX);
    if let Err(err) = files
        .put(&key, "message/rfc822", envelope.data.clone())
        .await
    {
        tracing::warn!(%err, "a received message could not be stored");
        return Verdict::Refused {
            code: 451,
            text: "4.3.0 the message could not be stored; try again".into(),
        };
    }
    let now = shared::domain::now_rfc3339();
    let event = email_inbound::receipt::local_event(
        &envelope.mail_from,
        &envelope.rcpt_to,
        &envelope.data,
        &message_id,
        &now,
    );
    match email_inbound::handle_event(replies, event).await {
        Ok(handled) => tracing::info!(?handled, "reply received"),
        Err(err) => tracing::warn!(%err, "a received reply failed (Lambda would try it again)"),
    }
    Verdict::Accepted
}
