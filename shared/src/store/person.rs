//! A person's data across the table, as an export reads it and an erasure removes it:
//! the conversations they may be in, their messages, delivery records addressed to them,
//! and the SMS items of their number.

use std::future::Future;

use super::{DeliveryRecord, StoreError, StoredMessage};
use crate::domain::ids::{CustomerId, TenantId};
use crate::domain::{ConversationId, SenderType};

/// Which conversations a walk covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConversationScope {
    /// One customer account's (a contact is in every conversation of their account).
    Account(CustomerId),
    /// The whole tenant's (a staff member may have written in any).
    Tenant,
}

/// A conversation as the feed index shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationEntry {
    pub id: ConversationId,
    pub status: Option<String>,
    pub title: Option<String>,
    pub created_at: Option<String>,
    pub last_message_at: Option<String>,
    pub message_count: u64,
}

/// A page of a walk over one conversation's items, and where the next begins.
#[derive(Debug, Clone)]
pub struct Walked<T> {
    pub items: Vec<T>,
    /// The last item read (returned or not), when more may follow.
    pub next: Option<String>,
}

/// A delivery record with its sort key (to change it by).
#[derive(Debug, Clone)]
pub struct DeliveryEntry {
    pub sk: String,
    pub record: DeliveryRecord,
}

/// What the person's phone number is tied to.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct NumberState {
    pub opted_out: Option<bool>,
    pub keyword_at: Option<String>,
    pub auto_reply_day: Option<String>,
}

pub trait PersonStore: Send + Sync {
    /// Every conversation of the scope: Queries of the feed index (`gsi4` for an account,
    /// `gsi1` for the tenant), a page of 1 MB each.
    fn conversations_in(
        &self,
        tenant: &TenantId,
        scope: &ConversationScope,
    ) -> impl Future<Output = Result<Vec<ConversationEntry>, StoreError>> + Send;
    /// Messages of `sender` in the conversation after the message `after`, oldest first,
    /// with their edit counts (`newest` is left false: the header says which is): one
    /// Query reading at most `page` messages (everyone's: the filter returns theirs).
    fn messages_of(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        sender: (SenderType, &str),
        after: Option<&str>,
        page: u32,
    ) -> impl Future<Output = Result<Walked<StoredMessage>, StoreError>> + Send;
    /// Delivery records of the conversation addressed to `recipient`, after the key
    /// `after`: one Query reading at most `page` records.
    fn deliveries_to(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        recipient: &str,
        after: Option<&str>,
        page: u32,
    ) -> impl Future<Output = Result<Walked<DeliveryEntry>, StoreError>> + Send;
    /// Removes a delivery record's address; its status stays (one UpdateItem). False
    /// when it had none.
    fn redact_delivery(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        sk: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Renames the sender of a message already deleted (its content is gone), marking
    /// it deleted by `by` if nothing did: one UpdateItem; false when it already was.
    fn rename_deleted_sender(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        message_id: &str,
        name: &str,
        by: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Renames the header's last sender and clears its excerpt, only while the newest
    /// message is `message_id` (one conditional UpdateItem).
    fn rename_last_sender(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        message_id: &str,
        name: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The number's opt-out and auto-reply mark (one BatchGetItem).
    fn number_state(
        &self,
        tenant: &TenantId,
        phone: &str,
    ) -> impl Future<Output = Result<NumberState, StoreError>> + Send;
    /// Deletes the number's opt-out and auto-reply mark (two DeleteItems); how many there
    /// were.
    fn forget_number(
        &self,
        tenant: &TenantId,
        phone: &str,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
}
