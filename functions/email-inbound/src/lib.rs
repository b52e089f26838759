//! `email-inbound`: replies to notification emails.
//!
//! A notification email to a person says `Reply-To: reply+{token}@{reply domain}`. SES
//! receives mail for that domain: its receipt rule stores the raw message in the private
//! bucket under `inbound/` and then invokes this function with the receipt (verdicts,
//! envelope, headers; not the body). The function reads the message from S3 and:
//!
//! 1. drops mail whose spam, virus or authentication verdicts fail, mail to no reply
//!    address, automatic mail (auto-replies, bounces, a null return path), mail over the
//!    size limit, unknown tokens, and mail past the sender's rate: logged, never answered;
//! 2. keeps for admins (`GET /email/unmatched`) replies to a revoked address, from
//!    someone the address was not sent to or who may no longer write there, to a closed
//!    conversation or while messaging is read-only or disabled; the last two get one
//!    short automatic answer a day (never to automatic mail, which was dropped before);
//! 3. stores the rest as the person's message (`channel: email`, `external_ref` the
//!    Message-ID), with the attachments the allow-list takes, counted and notified as a
//!    message sent on the web. The Message-ID's record makes a redelivery write nothing.

pub mod attachments;
mod deployed;
mod drafts;
pub mod mime;
pub mod quotes;
pub mod receipt;
mod receive;

use serde_json::Value;
use shared::files::S3Files;
use shared::notify::EmailSender;
use shared::rate_limit::{Limit, Limits, RateLimiter};
use shared::store::{
    DirectoryStore, InboundStore, MessageStore, ReplyStore, SettingsStore, UnmatchedReason,
    UploadStore,
};
use shared::App;

pub use deployed::{handle, Deployed};
pub use mime::Automatic;

/// The raw message's prefix in the bucket, as the receipt rule's S3 action writes it.
pub const INBOUND_PREFIX: &str = "inbound/";
/// The largest message read: what SES's S3 action stores at most.
pub const MAX_MAIL_BYTES: usize = 30 * 1024 * 1024;
/// Replies one person may send a minute (from one container), before more are dropped.
pub const PER_SENDER: Limit = Limit {
    burst: 50,
    per_minute: 50,
};

/// The store an inbound reply needs.
pub trait ReplyStores:
    MessageStore + SettingsStore + DirectoryStore + InboundStore + ReplyStore + UploadStore
{
}

impl<T> ReplyStores for T where
    T: MessageStore + SettingsStore + DirectoryStore + InboundStore + ReplyStore + UploadStore
{
}

/// What the function builds once per container.
pub struct Replies<S, E> {
    /// The store, settings cache and the one gate on conversations, as the API's.
    pub app: App<S>,
    pub files: S3Files,
    /// Sends the automatic answer to a refused reply.
    pub email: E,
    /// The answer's sender when the tenant set none.
    pub from_email: String,
    /// Only mail to `reply+…@` this domain is read (none: any domain).
    pub reply_domain: Option<String>,
    /// Replies per sender, counted like API writes.
    pub senders: RateLimiter,
    /// The largest raw message read ([`MAX_MAIL_BYTES`]).
    pub max_mail_bytes: usize,
}

impl<S, E> Replies<S, E> {
    pub fn new(app: App<S>, files: S3Files, email: E, from_email: impl Into<String>) -> Self {
        Replies {
            app,
            files,
            email,
            from_email: from_email.into(),
            reply_domain: None,
            senders: RateLimiter::new(Limits {
                read: PER_SENDER,
                write: PER_SENDER,
            }),
            max_mail_bytes: MAX_MAIL_BYTES,
        }
    }

    pub fn with_reply_domain(mut self, domain: Option<String>) -> Self {
        self.reply_domain = domain;
        self
    }
}

/// Why mail was dropped without a trace in any tenant's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dropped {
    /// A spam, virus, SPF, DKIM or DMARC verdict failed (its name).
    Verdict(&'static str),
    /// Sent to no reply address of ours.
    NoReplyAddress,
    /// Auto-replies, bounces and the like: never stored, never answered.
    Automatic(Automatic),
    /// Larger than [`MAX_MAIL_BYTES`], or not a message at all.
    Unreadable,
    /// A token no notification carried.
    UnknownToken,
    /// The sender's rate was spent.
    RateLimited,
}

/// What became of one received message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    Message,
    /// The same Message-ID was stored before: nothing written.
    Duplicate,
    /// No text and no file.
    Empty,
    /// Kept for admins; `answered` when the sender got the automatic answer.
    Unmatched {
        reason: UnmatchedReason,
        answered: bool,
    },
    Dropped(Dropped),
}

/// The Lambda handler: an SES receipt event, one message per record.
pub async fn handle_event<S: ReplyStores, E: EmailSender>(
    replies: &Replies<S, E>,
    event: Value,
) -> Result<Vec<Handled>, lambda_runtime::Error> {
    let event: receipt::ReceiptEvent = serde_json::from_value(event)?;
    let mut handled = Vec::with_capacity(event.records.len());
    for record in &event.records {
        let outcome = replies.receive(&record.ses).await;
        match outcome {
            Ok(outcome) => {
                tracing::info!(ses_message_id = %record.ses.mail.message_id, ?outcome, "reply received");
                handled.push(outcome);
            }
            // SES invokes asynchronously: Lambda tries the event again, and what was
            // written before the failure makes the retry write nothing twice.
            Err(err) => return Err(err.to_string().into()),
        }
    }
    Ok(handled)
}

#[cfg(test)]
mod tests;
