//! Inbound SMS: numbers, senders, provider ids and unmatched texts.

use crate::domain::ids::{CustomerId, TenantId};
use crate::domain::Named;
use std::future::Future;

use super::StoreError;
use crate::domain::sms::Provider;
use crate::domain::{ConversationId, Settings};

/// Who holds a phone number in a tenant's contact directory (the phone's claim item).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PhoneOwner {
    #[serde(default)]
    pub customer_id: String,
    #[serde(default)]
    pub contact_id: String,
    /// The contact's name, which their texts are shown under.
    pub name: Option<String>,
}

/// What an inbound text needs to know of its sender, read in one request.
#[derive(Debug, Clone, Default)]
pub struct SenderState {
    /// Read only when asked for (the settings cache did not have them).
    pub settings: Option<Settings>,
    pub owner: Option<PhoneOwner>,
    pub opted_out: bool,
    /// The tenant-local day (`YYYY-MM-DD`) the number last got the auto-reply.
    pub auto_replied_on: Option<String>,
}

/// What an inbound text writes besides a message or an unmatched record, in the same
/// transaction: its provider id (so a redelivery writes nothing) and any opt-out change.
#[derive(Debug, Clone)]
pub struct InboundEffects {
    pub provider: Provider,
    pub provider_message_id: String,
    /// A STOP or START: the number's opt-out as of this text.
    pub opt_out: Option<OptOutChange>,
}

/// A keyword's effect on a number's SMS opt-out. It is written unless a keyword the
/// provider received later was written first (then it is superseded and dropped).
#[derive(Debug, Clone)]
pub struct OptOutChange {
    pub phone: String,
    pub opted_out: bool,
    /// When the provider received the keyword.
    pub keyword_at: String,
}

/// Why an inbound text is kept for admins instead of becoming a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnmatchedReason {
    UnknownSender,
    MessagingDisabled,
    MessagingReadOnly,
    ConversationClosed,
    /// An email reply to an address that was revoked.
    RevokedAddress,
    /// An email reply from someone the reply address was not sent to, or who may no
    /// longer write in the conversation.
    SenderNotAllowed,
}

impl Named for UnmatchedReason {}

/// An inbound text or email reply kept for admins, as it was when it arrived (a contact
/// added later does not change it). Email replies are kept apart from texts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UnmatchedSms {
    /// In the table, the item's sort key.
    #[serde(alias = "sk")]
    pub id: String,
    pub received_at: String,
    pub from: String,
    pub to: String,
    #[serde(default)]
    pub body: String,
    pub provider: String,
    pub provider_message_id: String,
    /// An email's subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub reason: UnmatchedReason,
    /// The contact holding the number at the time, if one did.
    pub customer_id: Option<String>,
    pub contact_id: Option<String>,
}

/// Marks that a sender (a number, or an email address) got the auto-reply on a
/// tenant-local day.
#[derive(Debug, Clone)]
pub struct AutoReplyMark {
    pub phone: String,
    pub day: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboundOutcome {
    /// Written; `auto_reply` says the mark was taken (the sender gets the auto-reply).
    Stored { auto_reply: bool },
    /// The provider's message id was seen before: nothing was written.
    Duplicate,
}

pub trait InboundStore: Send + Sync {
    /// One request: the tenant that holds an SMS number.
    fn sms_number_tenant(
        &self,
        number: &str,
    ) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;
    /// One request: the sender's contact, opt-out and auto-reply mark (and the settings).
    fn sender_state(
        &self,
        tenant: &TenantId,
        phone: &str,
        with_settings: bool,
    ) -> impl Future<Output = Result<SenderState, StoreError>> + Send;
    /// The customer's most recently active open conversation, if any: one Query of the
    /// newest, a second over the next 20 when that one is closed.
    fn latest_open_conversation(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
    ) -> impl Future<Output = Result<Option<ConversationId>, StoreError>> + Send;
    /// One transaction: the provider id, any opt-out change, the unmatched record and the
    /// auto-reply mark, whichever are given.
    fn record_inbound(
        &self,
        tenant: &TenantId,
        effects: &InboundEffects,
        unmatched: Option<&UnmatchedSms>,
        auto_reply: Option<&AutoReplyMark>,
    ) -> impl Future<Output = Result<InboundOutcome, StoreError>> + Send;
    /// The unmatched texts (or email replies), newest first; the id to go on after.
    fn unmatched(
        &self,
        tenant: &TenantId,
        emails: bool,
        before: Option<&str>,
        limit: u32,
    ) -> impl Future<Output = Result<(Vec<UnmatchedSms>, Option<String>), StoreError>> + Send;
}
