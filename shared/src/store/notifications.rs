//! Who a pass notifies, and delivery claims and records.

use crate::domain::ids::{CustomerId, TenantId};
use crate::domain::Named;
use std::future::Future;

use super::StoreError;
use crate::domain::directory::{Assignment, Contact, StaffProfile};
use crate::domain::notify::NotifyChannel;
use crate::domain::ConversationId;

/// One notification to one recipient on one channel, in one pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryKey {
    pub round: String,
    pub channel: NotifyChannel,
    /// `contact:{id}`, `staff:{id}` or `admin`.
    pub recipient: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// A run is sending it (until `lease_until`).
    Claimed,
    Sent,
    /// Failed for now; a later run tries again from `next_attempt_at`.
    Retry,
    Failed,
    /// Was to be retried, but the recipient has read the thread since.
    Cancelled,
    /// Not sent: the tenant's daily quota for the channel was spent.
    QuotaExceeded,
    /// Not sent: the number is in a country the tenant may not text.
    CountryNotAllowed,
    /// Not sent: email to the tenant is paused for its bounce or complaint rate.
    EmailPaused,
    /// What the provider told of it after it was sent (delivery events): a status only
    /// ever moves to a later one ([`crate::domain::outcome::OutcomeKind::rank`]).
    Delayed,
    Delivered,
    /// A hard bounce: the address is suppressed.
    Bounced,
    /// Marked as spam by the recipient: the address is suppressed.
    Complained,
    /// Not delivered (a soft bounce, a rejection, a text the carrier did not take).
    Undelivered,
}

impl Named for DeliveryStatus {}

/// What admins see of a delivery.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeliveryRecord {
    pub conversation_id: String,
    pub round: String,
    pub channel: NotifyChannel,
    pub recipient: String,
    #[serde(default)]
    pub address: String,
    pub status: DeliveryStatus,
    #[serde(default)]
    pub attempts: u64,
    pub provider_message_id: Option<String>,
    pub error: Option<String>,
    #[serde(default)]
    pub updated_at: String,
    /// When the provider's latest delivery event happened, and what it said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome_detail: Option<String>,
}

/// The outcome of trying to take a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This run sends it; `attempt` counts from 1.
    Taken { attempt: u64 },
    /// Sent, or failed for good: nothing to do.
    Finished,
    /// Another run holds it, or its next attempt is later: look again at this time.
    Later(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    Sent {
        provider_message_id: String,
    },
    Retry {
        error: String,
        next_attempt_at: String,
    },
    Failed {
        error: String,
    },
    /// Not sent, by the platform's rules: `QuotaExceeded` or `CountryNotAllowed`.
    Refused {
        status: DeliveryStatus,
        error: String,
    },
}

impl DeliveryOutcome {
    pub fn status(&self) -> DeliveryStatus {
        match self {
            DeliveryOutcome::Sent { .. } => DeliveryStatus::Sent,
            DeliveryOutcome::Retry { .. } => DeliveryStatus::Retry,
            DeliveryOutcome::Failed { .. } => DeliveryStatus::Failed,
            DeliveryOutcome::Refused { status, .. } => *status,
        }
    }
}

/// The dispatcher's store: its recipients' positions, preferences and reply tokens too.
pub trait NotificationStore: super::ReplyStore + super::OutcomeStore + Send + Sync {
    /// One request: an account's contacts and the staff assigned to it.
    fn account_directory(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
    ) -> impl Future<Output = Result<(Vec<Contact>, Vec<Assignment>), StoreError>> + Send;
    /// The tenant's staff profiles (two Queries, a page each).
    fn staff_directory(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<Vec<StaffProfile>, StoreError>> + Send;
    /// The profiles of those who reach every conversation, basic staff left out: one Query
    /// however many vendors the tenant has.
    fn reaching_staff(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<Vec<StaffProfile>, StoreError>> + Send;
    /// These people's profiles, by key (one BatchGetItem per 100).
    fn staff_profiles(
        &self,
        tenant: &TenantId,
        users: &[String],
    ) -> impl Future<Output = Result<Vec<StaffProfile>, StoreError>> + Send;
    /// Which of these numbers opted out of SMS (one request).
    fn opted_out(
        &self,
        tenant: &TenantId,
        phones: &[String],
    ) -> impl Future<Output = Result<std::collections::HashSet<String>, StoreError>> + Send;
    fn set_opted_out(
        &self,
        tenant: &TenantId,
        phone: &str,
        opted_out: bool,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Takes a delivery for this run (a conditional write), unless it is finished or held.
    fn claim_delivery(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        key: &DeliveryKey,
        address: &str,
        now: &str,
        lease_until: &str,
    ) -> impl Future<Output = Result<Claim, StoreError>> + Send;
    fn finish_delivery(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        key: &DeliveryKey,
        outcome: &DeliveryOutcome,
        now: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Marks cancelled the deliveries of a pass still waiting for a retry that the pass no
    /// longer plans (their recipient has read the thread since). One Query, and a write
    /// per cancelled delivery.
    fn cancel_retries(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        round: &str,
        planned: &[DeliveryKey],
        now: &str,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
    /// A conversation's delivery records, newest pass first.
    fn deliveries(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        before: Option<&str>,
        limit: u32,
    ) -> impl Future<Output = Result<(Vec<DeliveryRecord>, Option<String>), StoreError>> + Send;
}
