//! Pending notifications: the due index (`gsi3`) the dispatcher walks, passes held by
//! quiet hours and the tenant's release marker, and settling a pass.

use crate::domain::ids::TenantId;
use crate::domain::Named;
use std::future::Future;

use super::StoreError;
use crate::domain::notify::NotifyChannel;
use crate::domain::ConversationId;

/// Which pass of a pending notification is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueStage {
    /// Email (and any SMS the sender asked for) to everyone with something unread.
    Digest,
    /// SMS to contacts who still have something unread after the tenant's second delay.
    Escalation,
}

impl Named for DueStage {}

/// What the due index holds of a conversation whose notification is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueEntry {
    pub tenant: String,
    pub conversation: ConversationId,
    pub due_at: String,
}

/// Where a walk through a due-index shard stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueCursor {
    pub pk: String,
    pub sk: String,
    pub due_at: String,
}

/// One page of a due-index shard: conversations whose pass is due, and tenants whose
/// passes held by quiet hours are to be looked at again (their release marker is due).
#[derive(Debug, Clone, Default)]
pub struct DuePage {
    pub passes: Vec<DueEntry>,
    /// `(tenant, due_at)` of each release marker.
    pub releases: Vec<(String, String)>,
    pub next: Option<DueCursor>,
}

/// A due pass: the index's entry with what the header holds of the pass.
#[derive(Debug, Clone)]
pub struct DueConversation {
    pub tenant: String,
    pub conversation: ConversationId,
    pub due_at: String,
    /// Names this pass in delivery records; stays the same when the pass is postponed.
    pub round: String,
    pub stage: DueStage,
    pub notify_now: Vec<NotifyChannel>,
    /// When the digest this pass, due now at the sender's request, went ahead of is due.
    pub digest_due: Option<String>,
    /// The last message contacts were notified of at once (later passes tell them of
    /// what follows).
    pub notified_now_up_to: Option<String>,
    /// The last message an earlier pass covered (the admin copy lists what follows).
    pub notified_up_to: Option<String>,
}

/// What becomes of a pending notification after a pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    /// Nothing more to send: the conversation leaves the due index.
    Done,
    /// Look again at `due_at` (retries, a held claim), same pass.
    Postpone { due_at: String },
    /// Held by quiet hours until `until`, same pass; the tenant's release marker is due
    /// by then (written in the same transaction), and a settings change makes it due at
    /// once.
    Hold { until: String },
    /// The next pass, e.g. the SMS escalation.
    Next { due_at: String, stage: DueStage },
    /// What the sender asked for at once was sent; the digest it went ahead of stays due
    /// at `due_at`, same stage, and contacts are not told again of what they were told.
    Deferred { due_at: String },
}

pub trait DueStore: Send + Sync {
    /// One request: up to `limit` entries of one due-index shard due by `now`, from where
    /// the page before stopped.
    fn due(
        &self,
        shard: u32,
        now: &str,
        limit: u32,
        after: Option<&DueCursor>,
    ) -> impl Future<Output = Result<DuePage, StoreError>> + Send;
    /// One request: up to `limit` of the tenant's passes held by quiet hours, and
    /// whether more may follow.
    fn held(
        &self,
        tenant: &TenantId,
        limit: u32,
    ) -> impl Future<Output = Result<(Vec<DueEntry>, bool), StoreError>> + Send;
    /// The delay in seconds pending passes were scheduled with before a settings change
    /// shortened it (one GetItem of the tenant's release marker).
    fn release_delay_was(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<Option<u64>, StoreError>> + Send;
    /// Brings the tenant's pending digest passes due between `now` and `window_end`
    /// forward by `by_seconds` (not before `now`). Reads every shard's entries in that
    /// window (keys only), so it is for rare settings changes; one write per pass moved.
    fn bring_forward(
        &self,
        tenant: &TenantId,
        now: &str,
        window_end: &str,
        by_seconds: u64,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
    /// Moves the tenant's release marker from `due_at` to `to`, or removes it (`None`),
    /// unless it was moved meanwhile; either way its `delay_was` is taken.
    fn move_release(
        &self,
        tenant: &TenantId,
        due_at: &str,
        to: Option<&str>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Ends a release that found nothing more to release: removes the tenant's marker
    /// unless it was moved meanwhile, then makes it due at `rearm_at` again if any held
    /// pass remains (one whose pass failed, or one an overlapping run held meanwhile).
    /// True when a held pass remains. A delete and a one-item Query, and one write when
    /// re-armed.
    fn end_release(
        &self,
        tenant: &TenantId,
        due_at: &str,
        rearm_at: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Ends or moves a pass, if the conversation is still as the pass found it. When
    /// messages arrived during the pass they get a pass of their own at `if_new_messages`.
    fn settle(
        &self,
        tenant: &TenantId,
        due: &DueEntry,
        seen_last_message: &str,
        settlement: &Settlement,
        if_new_messages: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}
