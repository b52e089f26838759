//! Jobs on a person's data: started by an admin, taken and stepped through by the jobs
//! worker under a lease (see [`super::keys`], `jobs.rs`).

use std::future::Future;

use super::StoreError;
use crate::domain::ids::TenantId;
use crate::domain::jobs::{Job, Person};
use crate::domain::ConversationId;

/// What starting a job found.
#[derive(Debug, Clone, PartialEq)]
pub enum JobStart {
    Created(Job),
    /// The person's erasure was asked for before: its job.
    Existing(Job),
}

/// A job the worker may take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueJob {
    pub tenant: TenantId,
    pub job_id: String,
}

/// The worker holding a job: who, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub owner: String,
    pub until: String,
}

pub trait JobStore: Send + Sync {
    /// Stores a new job (queued, due now). An erasure also claims the person's marker:
    /// if it names another job (but `replaces`), nothing is written and that job is
    /// returned. One TransactWriteItems (and on a taken marker, two GetItems).
    fn start_job(
        &self,
        tenant: &TenantId,
        job: &Job,
        replaces: Option<&str>,
    ) -> impl Future<Output = Result<JobStart, StoreError>> + Send;
    /// One GetItem.
    fn job(
        &self,
        tenant: &TenantId,
        job_id: &str,
    ) -> impl Future<Output = Result<Option<Job>, StoreError>> + Send;
    /// The person's erasure job, if one was started: the marker's GetItem, then the job's.
    fn erasure_of(
        &self,
        tenant: &TenantId,
        person: &Person,
    ) -> impl Future<Output = Result<Option<Job>, StoreError>> + Send;
    /// Jobs due by `now`, oldest first: one Query of `gsi3`.
    fn due_jobs(
        &self,
        now: &str,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<DueJob>, StoreError>> + Send;
    /// Takes the job for `lease` (a conditional UpdateItem): `None` when it is finished
    /// or another worker holds it.
    fn claim_job(
        &self,
        job: &DueJob,
        lease: &Lease,
        now: &str,
    ) -> impl Future<Output = Result<Option<Job>, StoreError>> + Send;
    /// Stores the job's cursor and counts and extends the lease, while the lease is
    /// still this worker's (false when it is not: another worker took over). A finished
    /// status also takes the job off the index and ends the lease.
    fn save_job(
        &self,
        tenant: &TenantId,
        job: &Job,
        lease: &Lease,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Gives the job back after a failed step: due again at `retry_at`, the failure
    /// counted and kept as `error`.
    fn release_job(
        &self,
        tenant: &TenantId,
        job: &Job,
        lease: &Lease,
        retry_at: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Stores one chunk of the conversations the job walks (one PutItem).
    fn put_job_chunk(
        &self,
        tenant: &TenantId,
        job_id: &str,
        chunk: u32,
        conversations: &[ConversationId],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// One GetItem.
    fn job_chunk(
        &self,
        tenant: &TenantId,
        job_id: &str,
        chunk: u32,
    ) -> impl Future<Output = Result<Vec<ConversationId>, StoreError>> + Send;
}
