//! What providers report after a notification left: the delivery record found by the
//! provider's message id, suppressed addresses, and a tenant's email rates.

use std::future::Future;

use super::{DeliveryKey, DeliveryRecord, DeliveryStatus, Reader, StoreError};
use crate::domain::feedback::{EmailPause, EmailRates, Suppression};
use crate::domain::ids::TenantId;
use crate::domain::notify::NotifyChannel;
use crate::domain::{ConversationId, Side};

/// Where a sent notification's record is, by the provider's message id (delivery events
/// name nothing else).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SentMessage {
    pub tenant_id: String,
    /// Encoded as the API names it.
    pub conversation_id: String,
    pub round: String,
    pub channel: NotifyChannel,
    pub recipient: String,
}

impl SentMessage {
    pub fn new(tenant: &TenantId, conversation: &ConversationId, key: &DeliveryKey) -> Self {
        SentMessage {
            tenant_id: tenant.to_string(),
            conversation_id: conversation.encode(),
            round: key.round.clone(),
            channel: key.channel,
            recipient: key.recipient.clone(),
        }
    }

    pub fn conversation(&self) -> Option<ConversationId> {
        ConversationId::decode(&self.conversation_id)
    }

    pub fn key(&self) -> DeliveryKey {
        DeliveryKey {
            round: self.round.clone(),
            channel: self.channel,
            recipient: self.recipient.clone(),
        }
    }

    /// The person told (none for the tenant's admin address).
    pub fn reader(&self) -> Option<Reader> {
        let (kind, user) = self.recipient.split_once(':')?;
        let side = match kind {
            "contact" => Side::Customer,
            "staff" => Side::Staff,
            _ => return None,
        };
        Some(Reader {
            side,
            user_id: user.to_owned(),
        })
    }
}

/// A provider's report about one sent message, as its record takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedOutcome {
    pub status: DeliveryStatus,
    /// [`crate::domain::outcome::OutcomeKind::rank`]: the record moves only to a higher one.
    pub rank: u8,
    pub at: String,
    pub detail: Option<String>,
}

pub trait OutcomeStore: Send + Sync {
    /// One GetItem: the record a provider's message id names.
    fn sent_message(
        &self,
        provider_message_id: &str,
    ) -> impl Future<Output = Result<Option<SentMessage>, StoreError>> + Send;
    /// One conditional UpdateItem: the record as it now stands, or none when the outcome
    /// is no later than what it holds (a repeat, or an event overtaken) or there is no
    /// record.
    fn apply_outcome(
        &self,
        sent: &SentMessage,
        outcome: &ReportedOutcome,
    ) -> impl Future<Output = Result<Option<DeliveryRecord>, StoreError>> + Send;
    /// One conditional PutItem: false when the address was suppressed already (the
    /// first reason is kept).
    fn suppress(
        &self,
        tenant: &TenantId,
        suppression: &Suppression,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// One Query: the tenant's suppressed addresses and numbers.
    fn suppressions(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<Vec<Suppression>, StoreError>> + Send;
    /// One DeleteItem; false when there was none.
    fn clear_suppression(
        &self,
        tenant: &TenantId,
        channel: NotifyChannel,
        address: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// One UpdateItem: a hard bounce or a complaint counted on the day's counters.
    fn count_feedback(
        &self,
        tenant: &TenantId,
        day: &str,
        complaint: bool,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// One Query: emails sent, bounced and complained of on the days from `first` to
    /// `last` (`YYYY-MM-DD`, UTC).
    fn email_rates(
        &self,
        tenant: &TenantId,
        first: &str,
        last: &str,
    ) -> impl Future<Output = Result<EmailRates, StoreError>> + Send;
    /// One UpdateItem of the grant: false when email was paused already.
    fn pause_email(
        &self,
        tenant: &TenantId,
        pause: &EmailPause,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}
