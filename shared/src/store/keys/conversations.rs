//! Keys of a conversation's partition (its header and messages), of the feeds it is on,
//! of people's read positions in it, and of what a send writes beside it: idempotency
//! records, order entries, uploads.
//!
//! # The conversation header
//!
//! The conversation, its customer and subject come from `pk`. Besides `status`, `title`
//! and `created_at` it holds:
//! - the last message: its id once, as the feed's sort key `gsi1sk`, and `last_message_at`,
//!   `last_excerpt`, `last_sender_type`, `last_sender_name`, `message_count`, and
//!   `last_state` (`edited` or `deleted`) when the last message changed since (an edit
//!   or deletion of the newest message rewrites the excerpt; the next send removes it);
//! - per side, the counters `n_customer` and `n_staff` (system messages excluded);
//! - per side (`c`, `s`), the last sender `ls_{side}`, the other side's counter when they
//!   sent (`ls_{side}_seen`) and their message (`ls_{side}_id`): sending reads what came
//!   before, so the last sender of a side needs no position write. A send by someone else
//!   of the side is conditional on whom it replaces (`#ls`): the common send (nobody, or
//!   the sender) expects none; when the condition fails, the header it returns names the
//!   replaced sender, and the retried transaction writes their implied position into
//!   their position item (`sent_up_to`, `sent_seen`, `sent_at`, beside what they marked
//!   read; unconditional, so it cannot cancel the send, and read as the further of the
//!   two), conditional on that sender still being the last;
//! - per side, the receipt frontier `rf_{side}` (the furthest message anyone on the side
//!   has read, or sent) and `rf_{side}_at`: "read by the recipient" for the other side;
//! - a pending notification (below) and `notified_up_to`.
//!
//! A person's unread count is the other side's counter minus the larger of their
//! position's `seen` and, when they are their side's last sender, `ls_{side}_seen`: no
//! message is read to count.
//!
//! Sends are ordered: the header update in a send's transaction is conditional on
//! `gsi1sk < :id`, so messages commit in id order. That is what makes "read up to id X"
//! and "unread = counter − seen" agree, and what keeps cursors stable.
//!
//! An assignment with an end carries it as `until` and as the TTL `expires_at`; TTL
//! deletes late, so every check compares `until` with the time.
//!

use sha2::{Digest, Sha256};

use super::hex;
use crate::domain::{ConversationId, Side, Subject};

pub const HEADER_SK: &str = "~HDR";

pub const MESSAGE_SK_PREFIX: &str = "M#";

/// Earlier versions of edited messages: below `M#`, so thread pages and histories never
/// read them.
pub const VERSION_SK_PREFIX: &str = "E#";

pub const IDEMPOTENCY_SK: &str = "IDEM";

pub const ORDER_SK: &str = "ORDER";

pub const UPLOAD_SK: &str = "UPLOAD";

pub fn conversation_pk(tenant: &str, conversation: &ConversationId) -> String {
    format!(
        "T#{tenant}#C#{}#{}",
        conversation.customer_id, conversation.subject
    )
}

/// The tenant and conversation of a conversation partition key.
pub fn parse_conversation_pk(pk: &str) -> Option<(String, ConversationId)> {
    let (tenant, rest) = pk.strip_prefix("T#")?.split_once("#C#")?;
    let (customer, subject) = rest.split_once('#')?;
    Some((
        tenant.to_owned(),
        ConversationId::new(customer, Subject::parse(subject)?),
    ))
}

pub fn message_sk(message_id: &str) -> String {
    format!("{MESSAGE_SK_PREFIX}{message_id}")
}

/// The `n`th earlier version of a message (the text its `n`th edit replaced).
pub fn version_sk(message_id: &str, n: u32) -> String {
    format!("{VERSION_SK_PREFIX}{message_id}#{n:03}")
}

/// Every earlier version of a message, or (with no message) of the conversation.
pub fn versions_prefix(message_id: Option<&str>) -> String {
    match message_id {
        Some(id) => format!("{VERSION_SK_PREFIX}{id}#"),
        None => VERSION_SK_PREFIX.to_owned(),
    }
}

pub fn tenant_feed_pk(tenant: &str) -> String {
    format!("T#{tenant}#FEED")
}

pub fn customer_feed_pk(tenant: &str, customer: &str) -> String {
    format!("T#{tenant}#CF#{customer}")
}

/// The side counter: messages sent by that side, system messages excluded.
pub fn side_counter(side: Side) -> &'static str {
    match side {
        Side::Customer => "n_customer",
        Side::Staff => "n_staff",
    }
}

/// The key is hashed: clients choose it, and it may hold any character.
pub fn idempotency_pk(tenant: &str, user: &str, key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    format!("T#{tenant}#IDEM#{user}#{}", hex(&digest))
}

/// Whose an order event's key is: the caller's, within the conversation it targets.
pub fn event_key_owner(caller: &str, conversation: &ConversationId) -> String {
    format!("{caller}#{}", conversation.encode())
}

/// An order's index entry: the one conversation it opened.
pub fn order_pk(tenant: &str, order_id: &str) -> String {
    format!("T#{tenant}#ORDER#{order_id}")
}

/// An upload: a file one person may attach in one conversation.
pub fn upload_pk(tenant: &str, upload: &str) -> String {
    format!("T#{tenant}#UPLOAD#{upload}")
}

/// A person's read position in one conversation: `T#{tenant}#R#{side}#{user}`, one
/// partition per person, so the badge reads all of a person's positions with one Query.
pub fn reader_pk(tenant: &str, side: Side, user: &str) -> String {
    format!("T#{tenant}#R#{}#{user}", side.letter())
}

/// The conversation's part of a reader key: `{customer}#{subject}`.
pub fn reader_sk(conversation: &ConversationId) -> String {
    format!("{}#{}", conversation.customer_id, conversation.subject)
}

/// The conversation a reader item's sort key names.
pub fn conversation_of_reader_sk(sk: &str) -> Option<ConversationId> {
    let (customer, subject) = sk.split_once('#')?;
    Some(ConversationId::new(customer, Subject::parse(subject)?))
}

/// The person's read clock, in their reader partition: `~` sorts after every conversation
/// and is outside the id alphabet.
pub const READ_CLOCK_SK: &str = "~CLOCK";
