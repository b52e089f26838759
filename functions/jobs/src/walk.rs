//! The walk both jobs make: the conversations listed at the start (stored in chunks with
//! the job), then conversation by conversation, a page of items at a time, the cursor
//! saying where the next step begins.

use shared::domain::ids::TenantId;
use shared::domain::jobs::{Job, JobCursor, Person, Phase};
use shared::domain::ConversationId;
use shared::store::keys::JOB_CHUNK;
use shared::store::{ConversationEntry, ConversationScope, DeliveryEntry, StoreError, Walked};

use crate::{JobData, Worker};

/// What a run keeps between steps of one job: the chunk of conversations it is in.
#[derive(Default)]
pub(crate) struct Walk {
    chunk: Option<(u32, Vec<ConversationId>)>,
}

/// The conversations a person's data may be in.
pub(crate) fn scope_of(person: &Person) -> ConversationScope {
    match person {
        Person::Contact { customer_id, .. } => {
            ConversationScope::Account(customer_id.as_str().into())
        }
        Person::Staff { .. } => ConversationScope::Tenant,
    }
}

impl<S: JobData> Worker<S> {
    /// Lists the conversations to walk and stores them in chunks with the job (written
    /// again, the same, when the start is run again); returns them.
    pub(crate) async fn list_conversations(
        &self,
        tenant: &TenantId,
        job: &mut Job,
    ) -> Result<Vec<ConversationEntry>, StoreError> {
        let mut entries = self
            .store
            .conversations_in(tenant, &scope_of(&job.person))
            .await?;
        // One entry per conversation, in a stable order (the index may show one twice
        // while it moves).
        entries.sort_by_key(|e| e.id.encode());
        entries.dedup_by(|a, b| a.id == b.id);
        let ids: Vec<ConversationId> = entries.iter().map(|e| e.id.clone()).collect();
        let mut chunks = 0;
        for chunk in ids.chunks(JOB_CHUNK) {
            self.store
                .put_job_chunk(tenant, &job.job_id, chunks, chunk)
                .await?;
            chunks += 1;
        }
        job.cursor = JobCursor {
            phase: Phase::Messages,
            chunks,
            ..job.cursor.clone()
        };
        job.cursor.chunk = 0;
        job.cursor.index = 0;
        job.cursor.after = None;
        job.progress.conversations = ids.len() as u64;
        Ok(entries)
    }

    /// The conversation the cursor is at, or none when the walk of this phase is over.
    pub(crate) async fn current(
        &self,
        tenant: &TenantId,
        job: &Job,
        walk: &mut Walk,
    ) -> Result<Option<ConversationId>, StoreError> {
        let cursor = &job.cursor;
        if cursor.chunk >= cursor.chunks {
            return Ok(None);
        }
        let cached = walk.chunk.as_ref().is_some_and(|(n, _)| *n == cursor.chunk);
        if !cached {
            let ids = self
                .store
                .job_chunk(tenant, &job.job_id, cursor.chunk)
                .await?;
            walk.chunk = Some((cursor.chunk, ids));
        }
        Ok(walk
            .chunk
            .as_ref()
            .and_then(|(_, ids)| ids.get(cursor.index as usize))
            .cloned())
    }

    /// The next page of the person's delivery records in the conversation the cursor is
    /// at; none once every conversation is done (the phase has moved on). Both jobs walk
    /// the deliveries this way: the export to copy them, the erasure to redact them.
    pub(crate) async fn deliveries_page(
        &self,
        tenant: &TenantId,
        job: &mut Job,
        walk: &mut Walk,
    ) -> Result<Option<(ConversationId, Walked<DeliveryEntry>)>, StoreError> {
        let Some(conversation) = self.current(tenant, job, walk).await? else {
            next_phase(&mut job.cursor);
            return Ok(None);
        };
        let page = self
            .store
            .deliveries_to(
                tenant,
                &conversation,
                &job.person.recipient(),
                job.cursor.after.as_deref(),
                self.page,
            )
            .await?;
        Ok(Some((conversation, page)))
    }
}

/// A page of the current conversation is done: the next page of it when there is one,
/// else the next conversation.
pub(crate) fn page_done(cursor: &mut JobCursor, next: Option<String>) {
    match next {
        Some(after) => cursor.after = Some(after),
        None => next_conversation(cursor),
    }
}

/// The walk moves to the next conversation; past the last, to the next phase.
pub(crate) fn next_conversation(cursor: &mut JobCursor) {
    cursor.after = None;
    cursor.newest_own = None;
    cursor.index += 1;
    if cursor.index as usize >= JOB_CHUNK {
        cursor.index = 0;
        cursor.chunk += 1;
    }
}

/// The walk of this phase is over: the next begins at the first conversation.
pub(crate) fn next_phase(cursor: &mut JobCursor) {
    cursor.phase = match cursor.phase {
        Phase::Start => Phase::Messages,
        Phase::Messages => Phase::Deliveries,
        Phase::Deliveries => Phase::Finish,
        Phase::Finish | Phase::Done => Phase::Done,
    };
    cursor.chunk = 0;
    cursor.index = 0;
    cursor.after = None;
    cursor.newest_own = None;
}
