//! `notify`: the scheduled dispatcher (EventBridge, every minute).
//!
//! A message makes its conversation's notification pending (the send's own header update
//! puts the header into the sparse due index `gsi3`). A run Queries each due-index shard
//! for what is due by now, and for each conversation:
//!
//! 1. reads the tenant's settings (once per run), holds the pass through quiet hours, and
//!    drops it when messaging is disabled;
//! 2. reads the conversation (one Query: header and newest messages), the account's
//!    contacts and assigned staff (one Query) and the staff directory (once per run);
//! 3. plans one delivery per recipient and channel for everyone who still has something
//!    unread ([`plan`]);
//! 4. for each delivery: claims it with a conditional write, sends, records the provider's
//!    message id (or the failure). A claim held by another run, or a retry not yet due,
//!    is left alone and the pass is looked at again then;
//! 5. settles the pass: done, postponed (retries, held claims, quiet hours), or followed
//!    by the SMS escalation; messages that arrived meanwhile get a pass of their own.
//!
//! Claims make overlapping runs and a run that died part-way deliver each notification
//! once per recipient: a delivery that is `sent` is never claimed again, and one a dead
//! run claimed becomes claimable when its lease ends.
//!
//! A run drains the due-index shards side by side (each makes progress in every run,
//! whatever backlog another holds), a few conversations per shard at a time, with a
//! bounded number of sends in flight for the whole run. It stops claiming when the
//! invocation's deadline is near, leaving time to record what it sent: what it did not
//! reach is looked at again by the next run, never cut off mid-send.

mod cache;
mod delivery;
mod deployed;
mod outcomes;
mod pass;
mod plan;
mod quota;

use futures_util::future::join_all;

use shared::domain::ids::TenantId;
use tokio::sync::Semaphore;

use crate::cache::TenantCache;
use crate::quota::QuotaLedger;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use shared::domain::format_timestamp;
use shared::domain::notify::notify_delay;
use shared::notify::{EmailSender, SmsSender};
use shared::store::keys::DUE_SHARDS;
use shared::store::{
    DirectoryStore, DueCursor, DueEntry, DueStore, GrantStore, MessageStore, NotificationStore,
    SettingsStore, StoreError,
};

pub use deployed::Deployed;
pub use outcomes::{handle_outcomes, status_of, OutcomeReport};
pub use plan::{plan, Outgoing, PlanInput, Planned};

/// Conversations one due-index Query returns; a shard is paged through while time allows.
pub const DUE_PAGE: u32 = 100;
/// Conversations of one shard in progress at once.
const CONVERSATIONS_PER_SHARD: usize = 4;
/// Sends in flight at once in a run, all shards together (SES and SNS rates are per
/// account), shared out evenly so that no shard's backlog holds up another's.
pub const DEFAULT_CONCURRENCY: usize = 16;
/// Time kept back from the invocation's deadline: a send and its record take well under
/// this (the SDK clients time out before), so nothing claimed is left unrecorded.
pub const DEADLINE_MARGIN: std::time::Duration = std::time::Duration::from_secs(10);
/// Messages a digest is built from (the newest).
const DIGEST_SOURCE_MESSAGES: u32 = 50;
/// How long a claim keeps other runs off a delivery; a run that dies frees it after this.
pub const CLAIM_LEASE: SignedDuration = SignedDuration::from_mins(2);
/// Attempts per delivery before it is marked failed.
pub const MAX_ATTEMPTS: u64 = 5;

/// What a run did, for its log line and its callers.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct RunReport {
    pub conversations: u64,
    /// Deliveries sent, per due-index shard.
    pub per_shard: [u64; DUE_SHARDS as usize],
    /// Deliveries left for the next run because the deadline was near.
    pub deferred: u64,
    pub sent: u64,
    pub retrying: u64,
    pub failed: u64,
    /// Not sent by the platform's rules: the tenant's quota spent, or a country it may
    /// not text.
    pub refused: u64,
    /// Retries given up because the recipient has read the thread since.
    pub cancelled: u64,
}

impl RunReport {
    fn add(&mut self, other: &RunReport) {
        self.conversations += other.conversations;
        for (mine, theirs) in self.per_shard.iter_mut().zip(other.per_shard) {
            *mine += theirs;
        }
        self.deferred += other.deferred;
        self.sent += other.sent;
        self.retrying += other.retrying;
        self.failed += other.failed;
        self.refused += other.refused;
        self.cancelled += other.cancelled;
    }
}

/// When a run stops claiming deliveries.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    stop_claiming_at: tokio::time::Instant,
}

impl Budget {
    /// Claims until `time` from now.
    pub fn lasting(time: std::time::Duration) -> Budget {
        Budget {
            stop_claiming_at: tokio::time::Instant::now() + time,
        }
    }

    /// For an invocation whose deadline is `deadline_ms` (milliseconds since the epoch,
    /// as Lambda gives it), keeping [`DEADLINE_MARGIN`] back.
    pub fn before_deadline(deadline_ms: u64) -> Budget {
        let now_ms = Timestamp::now().as_millisecond().max(0) as u64;
        let left = std::time::Duration::from_millis(deadline_ms.saturating_sub(now_ms));
        Budget::lasting(left.saturating_sub(DEADLINE_MARGIN))
    }

    fn spent(&self) -> bool {
        tokio::time::Instant::now() >= self.stop_claiming_at
    }
}

pub struct Dispatcher<S, E, M> {
    pub store: S,
    pub email: E,
    pub sms: M,
    pub from_email: String,
    /// The domain SES receives replies for: emails to people say
    /// `Reply-To: reply+{token}@{domain}` when there is one.
    pub reply_domain: Option<String>,
    /// The API's public URL: digests to people carry their one-click unsubscribe link
    /// there (`POST /unsubscribe/{token}`) when there is one.
    pub api_url: Option<String>,
    /// Sends in flight at once ([`DEFAULT_CONCURRENCY`]).
    pub concurrency: usize,
}

/// The Lambda handler: one run per scheduled event; delivery outcomes from SNS.
pub async fn handle<S, E, M>(
    dispatcher: &Dispatcher<S, E, M>,
    event: lambda_runtime::LambdaEvent<serde_json::Value>,
) -> Result<serde_json::Value, lambda_runtime::Error>
where
    S: NotificationStore + DueStore + MessageStore + SettingsStore + DirectoryStore + GrantStore,
    E: EmailSender,
    M: SmsSender,
{
    if event.payload.get("Records").is_some() {
        let outcomes = serde_json::from_value(event.payload)?;
        let report = handle_outcomes(&dispatcher.store, outcomes).await?;
        tracing::info!(?report, "delivery outcomes");
        return Ok(serde_json::to_value(report)?);
    }
    let budget = Budget::before_deadline(event.context.deadline);
    let report = dispatcher.run_within(Timestamp::now(), budget).await?;
    tracing::info!(?report, "notification run");
    Ok(serde_json::to_value(report)?)
}

/// What a run shares between its shards.
struct RunContext<'a> {
    now: Timestamp,
    budget: Budget,
    cache: &'a TenantCache,
    quotas: &'a QuotaLedger,
}

impl<S, E, M> Dispatcher<S, E, M>
where
    S: NotificationStore + DueStore + MessageStore + SettingsStore + DirectoryStore + GrantStore,
    E: EmailSender,
    M: SmsSender,
{
    /// Clients and settings as given, sending [`DEFAULT_CONCURRENCY`] at once.
    pub fn new(store: S, email: E, sms: M, from_email: impl Into<String>) -> Self {
        Dispatcher {
            store,
            email,
            sms,
            from_email: from_email.into(),
            reply_domain: None,
            api_url: None,
            concurrency: DEFAULT_CONCURRENCY,
        }
    }

    /// Emails to people carry a reply address at this domain.
    pub fn with_reply_domain(mut self, domain: Option<String>) -> Self {
        self.reply_domain = domain;
        self
    }

    /// Digests to people carry an unsubscribe link on this API.
    pub fn with_api_url(mut self, url: Option<String>) -> Self {
        self.api_url = url;
        self
    }

    /// Delivers everything due by `now`, with no deadline.
    pub async fn run(&self, now: Timestamp) -> Result<RunReport, StoreError> {
        self.run_within(now, Budget::lasting(std::time::Duration::from_secs(3600)))
            .await
    }

    /// Delivers what is due by `now` until the budget is spent.
    pub async fn run_within(
        &self,
        now: Timestamp,
        budget: Budget,
    ) -> Result<RunReport, StoreError> {
        let cache = TenantCache::default();
        let quotas = QuotaLedger::new(now.strftime("%Y-%m-%d").to_string());
        let context = RunContext {
            now,
            budget,
            cache: &cache,
            quotas: &quotas,
        };
        let shards = join_all((0..DUE_SHARDS).map(|shard| self.drain_shard(shard, &context))).await;
        quotas.settle(&self.store).await;
        let mut report = RunReport::default();
        let mut failure = None;
        for shard in shards {
            match shard {
                Ok(done) => report.add(&done),
                Err(err) => failure = Some(err),
            }
        }
        match failure {
            // Nothing got through (storage is down): the invocation fails and says so.
            Some(err) if report.conversations == 0 => Err(err),
            _ => Ok(report),
        }
    }

    async fn drain_shard(
        &self,
        shard: u32,
        context: &RunContext<'_>,
    ) -> Result<RunReport, StoreError> {
        let now_text = format_timestamp(context.now);
        let mut report = RunReport::default();
        let sends = Semaphore::new((self.concurrency / DUE_SHARDS as usize).max(1));
        let mut after: Option<DueCursor> = None;
        while !context.budget.spent() {
            let page = self
                .store
                .due(shard, &now_text, DUE_PAGE, after.as_ref())
                .await?;
            for (tenant, due_at) in &page.releases {
                let tenant = TenantId::from(tenant);
                report.add(&self.release(&tenant, due_at, context, &sends).await?);
            }
            let mut passes = Vec::with_capacity(page.passes.len());
            for batch in page.passes.chunks(CONVERSATIONS_PER_SHARD) {
                passes.extend(
                    join_all(
                        batch
                            .iter()
                            .map(|due| self.logged_pass(due, context, &sends)),
                    )
                    .await,
                );
            }
            for pass in &passes {
                report.add(pass);
            }
            report.conversations += page.passes.len() as u64;
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        report.per_shard[shard as usize] = report.sent;
        Ok(report)
    }
}

impl<S, E, M> Dispatcher<S, E, M>
where
    S: NotificationStore + DueStore + MessageStore + SettingsStore + DirectoryStore + GrantStore,
    E: EmailSender,
    M: SmsSender,
{
    /// The tenant's release marker is due: with quiet hours over (or changed), every pass
    /// they hold is looked at now; still quiet, the marker moves to their end.
    async fn release(
        &self,
        tenant: &TenantId,
        due_at: &str,
        context: &RunContext<'_>,
        sends: &Semaphore,
    ) -> Result<RunReport, StoreError> {
        let mut report = RunReport::default();
        let settings = self.settings(context, tenant).await?;
        if let Some(was) = self.store.release_delay_was(tenant).await? {
            let delay = notify_delay(&settings).as_secs().max(0) as u64;
            if was > delay {
                let now = context.now;
                let window_end = now + SignedDuration::from_secs(was as i64);
                self.store
                    .bring_forward(
                        tenant,
                        &format_timestamp(now),
                        &format_timestamp(window_end),
                        was - delay,
                    )
                    .await?;
            }
        }
        if let Some(until) = pass::quiet_until(&settings, context.now) {
            self.store
                .move_release(tenant, due_at, Some(&format_timestamp(until)))
                .await?;
            return Ok(report);
        }
        loop {
            if context.budget.spent() {
                // The marker stays due: the next run goes on.
                return Ok(report);
            }
            let (held, more) = self.store.held(tenant, DUE_PAGE).await?;
            for batch in held.chunks(CONVERSATIONS_PER_SHARD) {
                for pass in join_all(
                    batch
                        .iter()
                        .map(|due| self.logged_pass(due, context, sends)),
                )
                .await
                {
                    report.add(&pass);
                }
            }
            report.conversations += held.len() as u64;
            // A pass that failed stays held, and so does one an overlapping run held
            // meanwhile: the marker is due again (for the next run) while any remains.
            if !more || held.is_empty() {
                self.store
                    .end_release(tenant, due_at, &format_timestamp(context.now))
                    .await?;
                return Ok(report);
            }
        }
    }

    async fn logged_pass(
        &self,
        due: &DueEntry,
        context: &RunContext<'_>,
        sends: &Semaphore,
    ) -> RunReport {
        self.pass(due, context, sends).await.unwrap_or_else(|err| {
            // One conversation failing never stops the others; it stays due.
            tracing::warn!(tenant = %due.tenant, conversation = %due.conversation.encode(), %err, "notification pass failed");
            RunReport::default()
        })
    }
}

fn retry_delay(attempt: u64) -> SignedDuration {
    SignedDuration::from_mins(1 << attempt.clamp(1, 5).saturating_sub(1))
}

#[cfg(test)]
mod tests;
