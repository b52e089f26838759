//! `jobs`: the scheduled worker (EventBridge, every minute) of jobs on a person's data.
//!
//! An admin starts an export or an erasure (`functions/admin`, `person.rs`): the job is
//! stored queued and due on `gsi3` (`JOBS`). A run Queries what is due, takes each job
//! with a conditional lease, and steps through it ([`walk`]): the start (the profile, and
//! the list of conversations to walk), the person's messages and the delivery records
//! addressed to them conversation by conversation a page at a time, then the finish (the
//! export joined into one file in the bucket; the erasure's directory items removed).
//! After every step the cursor and counts are stored under the lease; a run that stops,
//! however it stops, leaves the job to the next, which goes on from the stored cursor.
//! Each step holds one page in memory, whatever the person's history.

mod deployed;
mod erase;
mod export;
mod walk;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use shared::domain::format_timestamp;
use shared::domain::jobs::{Job, JobKind, JobStatus};
use shared::files::S3Files;
use shared::store::{
    DirectoryStore, DueJob, JobStore, Lease, MessageChangeStore, MessageStore, PersonStore,
    ReplyStore, SearchStore, StoreError,
};

pub use deployed::Deployed;

/// How long a worker holds a job between two stored steps; a worker that stops frees it
/// after this.
pub const LEASE: SignedDuration = SignedDuration::from_mins(2);
/// Messages (or delivery records) a step reads: its page.
pub const DEFAULT_PAGE: u32 = 200;
/// Jobs a run looks at.
const DUE_LIMIT: u32 = 10;
/// Failed steps before a job is given up (failed); each waits longer for the next.
pub const MAX_ATTEMPTS: u64 = 5;
/// Time kept back from the invocation's deadline: a step takes well under this.
pub const DEADLINE_MARGIN: std::time::Duration = std::time::Duration::from_secs(15);

/// The store a worker needs.
pub trait JobData:
    JobStore
    + PersonStore
    + DirectoryStore
    + MessageStore
    + MessageChangeStore
    + SearchStore
    + ReplyStore
{
}

impl<S> JobData for S where
    S: JobStore
        + PersonStore
        + DirectoryStore
        + MessageStore
        + MessageChangeStore
        + SearchStore
        + ReplyStore
{
}

/// What a run did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct RunReport {
    pub jobs: u64,
    pub steps: u64,
    pub finished: u64,
    pub failed_steps: u64,
}

pub struct Worker<S> {
    pub store: S,
    pub files: S3Files,
    /// Messages or delivery records a step reads ([`DEFAULT_PAGE`]).
    pub page: u32,
    /// For tests: a run stops (as if the function died) after this many steps' work,
    /// before storing the last one.
    pub stop_after: Option<u64>,
}

/// When a run stops starting steps.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    until: tokio::time::Instant,
}

impl Budget {
    pub fn lasting(time: std::time::Duration) -> Budget {
        Budget {
            until: tokio::time::Instant::now() + time,
        }
    }

    /// For an invocation whose deadline is `deadline_ms` (milliseconds since the epoch).
    pub fn before_deadline(deadline_ms: u64) -> Budget {
        let now_ms = Timestamp::now().as_millisecond().max(0) as u64;
        let left = std::time::Duration::from_millis(deadline_ms.saturating_sub(now_ms));
        Budget::lasting(left.saturating_sub(DEADLINE_MARGIN))
    }

    fn spent(&self) -> bool {
        tokio::time::Instant::now() >= self.until
    }
}

/// The Lambda handler: one run per scheduled event.
pub async fn handle<S: JobData>(
    worker: &Worker<S>,
    event: lambda_runtime::LambdaEvent<serde_json::Value>,
) -> Result<RunReport, lambda_runtime::Error> {
    let budget = Budget::before_deadline(event.context.deadline);
    let report = worker.run_within(Timestamp::now(), budget).await?;
    tracing::info!(?report, "jobs run");
    Ok(report)
}

fn lease_from(now: Timestamp) -> Lease {
    Lease {
        owner: ulid::Ulid::new().to_string(),
        until: format_timestamp(now + LEASE),
    }
}

impl<S: JobData> Worker<S> {
    pub fn new(store: S, files: S3Files) -> Self {
        Worker {
            store,
            files,
            page: DEFAULT_PAGE,
            stop_after: None,
        }
    }

    /// Every job due by `now`, to the end.
    pub async fn run(&self, now: Timestamp) -> Result<RunReport, StoreError> {
        self.run_within(now, Budget::lasting(std::time::Duration::from_secs(3600)))
            .await
    }

    pub async fn run_within(
        &self,
        now: Timestamp,
        budget: Budget,
    ) -> Result<RunReport, StoreError> {
        let mut report = RunReport::default();
        let due = self
            .store
            .due_jobs(&format_timestamp(now), DUE_LIMIT)
            .await?;
        for job in &due {
            if budget.spent() {
                break;
            }
            let stopped = self.run_job(job, now, budget, &mut report).await?;
            if stopped {
                break;
            }
        }
        Ok(report)
    }

    /// Takes the job and steps through it while the budget lasts; true when the run is
    /// to stop as if it died ([`Worker::stop_after`]).
    async fn run_job(
        &self,
        due: &DueJob,
        now: Timestamp,
        budget: Budget,
        report: &mut RunReport,
    ) -> Result<bool, StoreError> {
        let mut lease = lease_from(now);
        let Some(mut job) = self
            .store
            .claim_job(due, &lease, &format_timestamp(now))
            .await?
        else {
            return Ok(false);
        };
        report.jobs += 1;
        let tenant = &due.tenant;
        let mut walk = walk::Walk::default();
        while !job.status.finished() {
            if budget.spent() {
                // Given back at once: the next run goes on without waiting for the lease.
                lease.until = format_timestamp(Timestamp::now());
                self.store.save_job(tenant, &job, &lease).await?;
                return Ok(false);
            }
            let before = job.clone();
            match self.step(tenant, &mut job, &mut walk).await {
                Ok(()) => {
                    report.steps += 1;
                    if self.stop_after.is_some_and(|n| report.steps >= n) {
                        return Ok(true);
                    }
                    job.progress.steps += 1;
                    job.updated_at = shared::domain::now_rfc3339();
                    lease.until = format_timestamp(Timestamp::now() + LEASE);
                    if !self.store.save_job(tenant, &job, &lease).await? {
                        tracing::warn!(job = %job.job_id, "another worker took the job over");
                        return Ok(false);
                    }
                    report.finished += u64::from(job.status.finished());
                }
                Err(err) => {
                    report.failed_steps += 1;
                    self.failed(tenant, before, &lease, &err).await?;
                    return Ok(false);
                }
            }
        }
        Ok(false)
    }

    /// A step failed: the job is due again later from its last stored cursor, or failed
    /// for good after [`MAX_ATTEMPTS`].
    async fn failed(
        &self,
        tenant: &shared::domain::ids::TenantId,
        mut job: Job,
        lease: &Lease,
        err: &StepError,
    ) -> Result<(), StoreError> {
        tracing::warn!(job = %job.job_id, error = %err, "job step failed");
        job.attempts += 1;
        job.error = Some(err.to_string());
        job.updated_at = shared::domain::now_rfc3339();
        if job.attempts >= MAX_ATTEMPTS || matches!(err, StepError::Gone(_)) {
            job.status = JobStatus::Failed;
            self.store.save_job(tenant, &job, lease).await?;
        } else {
            let wait = SignedDuration::from_mins(1 << job.attempts.min(5));
            let retry_at = format_timestamp(Timestamp::now() + wait);
            self.store
                .release_job(tenant, &job, lease, &retry_at)
                .await?;
        }
        Ok(())
    }

    async fn step(
        &self,
        tenant: &shared::domain::ids::TenantId,
        job: &mut Job,
        walk: &mut walk::Walk,
    ) -> Result<(), StepError> {
        match job.kind {
            JobKind::Export => self.export_step(tenant, job, walk).await,
            JobKind::Erase => self.erase_step(tenant, job, walk).await,
        }
    }
}

/// Why a step did not complete.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Files(#[from] shared::files::FileError),
    /// What the job is about no longer exists: no retry helps.
    #[error("{0}")]
    Gone(String),
}

#[cfg(test)]
mod tests;
