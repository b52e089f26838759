//! Changing a message after it was sent: an edit keeps the earlier text as a version, a
//! deletion leaves a placeholder. Neither moves a counter or a read position.

use std::collections::HashMap;
use std::future::Future;

use super::StoreError;
use crate::domain::edits::MessageVersion;
use crate::domain::ids::{MessageId, TenantId};
use crate::domain::{ConversationId, Message};

/// A message as its change reads it: whether it is its conversation's newest (then the
/// header's excerpt changes with it) and how often it was edited (the change is
/// conditional on that, so two changes never interleave).
#[derive(Debug, Clone)]
pub struct StoredMessage {
    pub message: Message,
    pub newest: bool,
    pub edits: u32,
    /// The conversation is closed: it takes no more changes from its authors.
    pub closed: bool,
}

/// Who deletes a message and when.
#[derive(Debug, Clone)]
pub struct Deletion<'a> {
    pub by: &'a str,
    pub at: &'a str,
    /// Replaces the sender's name (an erasure: a name is personal data too).
    pub sender_name: Option<&'a str>,
}

#[derive(Debug)]
pub enum ChangeOutcome {
    Changed(Box<Message>),
    /// The message changed since it was read (another edit or a deletion): nothing was
    /// written; read it again and decide again.
    Stale,
}

pub trait MessageChangeStore: Send + Sync {
    /// The message and the conversation header beside it: one strongly consistent
    /// BatchGetItem of two keys.
    fn stored_message(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        message: &MessageId,
    ) -> impl Future<Output = Result<Option<StoredMessage>, StoreError>> + Send;

    /// Replaces the text and keeps the one it replaces as a version: one
    /// TransactWriteItems of the message, the version and, when it is the newest, the
    /// header's excerpt.
    fn edit_message(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        stored: &StoredMessage,
        text: &str,
        at: &str,
    ) -> impl Future<Output = Result<ChangeOutcome, StoreError>> + Send;

    /// Leaves a placeholder: text, attachments and metadata go, with the earlier versions
    /// and the attachments' upload records, in one TransactWriteItems (a Query of the
    /// versions first when it was edited). The files themselves are the caller's to
    /// delete, before this.
    fn delete_message(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        stored: &StoredMessage,
        deletion: &Deletion<'_>,
    ) -> impl Future<Output = Result<ChangeOutcome, StoreError>> + Send;

    /// Earlier versions, oldest first: of one message, or of the whole conversation. One
    /// Query per 1 MB.
    fn message_versions(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        message: Option<&MessageId>,
    ) -> impl Future<Output = Result<Vec<MessageVersion>, StoreError>> + Send;

    /// Earlier versions of the messages from `first` to `last` (ids), by message and
    /// oldest first: an export's page of history, one Query per 1 MB.
    fn versions_between(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        first: &str,
        last: &str,
    ) -> impl Future<Output = Result<Vec<MessageVersion>, StoreError>> + Send;
}

/// The earlier versions of a page of messages, by message id: one Query from its first
/// edited message to its last (none when nothing on the page was edited).
pub async fn versions_by_message<S: MessageChangeStore>(
    store: &S,
    tenant: &TenantId,
    conversation: &ConversationId,
    page: &[&Message],
) -> Result<HashMap<String, Vec<MessageVersion>>, StoreError> {
    let mut edited = page.iter().filter(|m| m.changes.is_edited);
    let mut by_message: HashMap<String, Vec<MessageVersion>> = HashMap::new();
    let Some(first) = edited.next() else {
        return Ok(by_message);
    };
    let last = edited.next_back().unwrap_or(first);
    for version in store
        .versions_between(tenant, conversation, &first.id, &last.id)
        .await?
    {
        by_message
            .entry(version.message_id.clone())
            .or_default()
            .push(version);
    }
    Ok(by_message)
}
