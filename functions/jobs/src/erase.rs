//! A person's erasure: every message they wrote left as a placeholder (no text, files or
//! metadata; the sender renamed) with its files deleted from the bucket, the address
//! taken out of every delivery record to them (the status stays) and their reply
//! address in each conversation deleted (its item names their email), then their directory
//! items: a contact's profile with its phone claim, the number's opt-out and auto-reply
//! mark, and their directory-search entries; a staff member's profile and assignments.
//! Other people's messages stay as they are. The job keeps the record: who asked, when,
//! and how many items, without content.
//!
//! Every step is safe to run again: a message already erased is left alone, a record
//! without an address is skipped, directory items already gone are not there to remove.
//! Counts are of the person's messages and records the walk passed (each once: the
//! stored counts cover what is before the stored cursor); files are counted as deleted,
//! so the files of a step whose run stopped before storing it are not counted.

use futures_util::stream::{self, StreamExt, TryStreamExt};
use shared::domain::ids::{CustomerId, MessageId, TenantId, UserId};
use shared::domain::jobs::{Job, JobStatus, Person, Phase};
use shared::domain::ConversationId;
use shared::files::file_key;
use shared::store::{ChangeOutcome, Deletion, Reader, StoreError, StoredMessage};

use crate::walk::{next_conversation, next_phase, page_done, Walk};
use crate::{JobData, StepError, Worker};

/// Messages of a page erased at once.
const IN_FLIGHT: usize = 8;

/// A message that changes while it is erased is read again this many times.
const CHANGE_ATTEMPTS: usize = 3;

/// What `deleted_by` says on a placeholder an erasure left.
pub const ERASED_BY: &str = "erasure";

impl<S: JobData> Worker<S> {
    pub(crate) async fn erase_step(
        &self,
        tenant: &TenantId,
        job: &mut Job,
        walk: &mut Walk,
    ) -> Result<(), StepError> {
        match job.cursor.phase {
            Phase::Start => {
                self.list_conversations(tenant, job).await?;
                Ok(())
            }
            Phase::Messages => self.erase_messages(tenant, job, walk).await,
            Phase::Deliveries => self.erase_addresses(tenant, job, walk).await,
            Phase::Finish | Phase::Done => self.erase_directory(tenant, job).await,
        }
    }

    /// One message: its files, then its placeholder (text, attachments, metadata and
    /// earlier versions gone, the sender renamed). Whether it changed, and files deleted.
    async fn erase_message(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        mut stored: StoredMessage,
        person: &Person,
    ) -> Result<(bool, u64), StepError> {
        let name = person.erased_name();
        for _ in 0..CHANGE_ATTEMPTS {
            if stored.message.changes.deleted {
                let renamed = self
                    .store
                    .rename_deleted_sender(
                        tenant,
                        conversation,
                        &stored.message.id,
                        name,
                        ERASED_BY,
                    )
                    .await?;
                return Ok((renamed, 0));
            }
            let files: Vec<String> = stored
                .message
                .attachments
                .iter()
                .map(|a| file_key(tenant, conversation, &a.id))
                .collect();
            self.files.delete(&files).await?;
            let now = shared::domain::now_rfc3339();
            let deletion = Deletion {
                by: ERASED_BY,
                at: &now,
                sender_name: Some(name),
            };
            match self
                .store
                .delete_message(tenant, conversation, &stored, &deletion)
                .await?
            {
                ChangeOutcome::Changed(_) => return Ok((true, files.len() as u64)),
                // Edited or deleted meanwhile: read it again and erase what it is now.
                ChangeOutcome::Stale => {
                    let id = MessageId::from(&stored.message.id);
                    match self.store.stored_message(tenant, conversation, &id).await? {
                        Some(again) => stored = again,
                        None => return Ok((false, 0)),
                    }
                }
            }
        }
        Err(StepError::Store(StoreError::Unavailable(format!(
            "message {} kept changing",
            stored.message.id
        ))))
    }

    async fn erase_messages(
        &self,
        tenant: &TenantId,
        job: &mut Job,
        walk: &mut Walk,
    ) -> Result<(), StepError> {
        let Some(conversation) = self.current(tenant, job, walk).await? else {
            next_phase(&mut job.cursor);
            return Ok(());
        };
        let person = job.person.clone();
        let page = self
            .store
            .messages_of(
                tenant,
                &conversation,
                (person.sender_type(), person.user_id()),
                job.cursor.after.as_deref(),
                self.page,
            )
            .await?;
        // Which message the header shows: its excerpt goes with it.
        let newest = self
            .store
            .conversation(tenant, &conversation)
            .await?
            .and_then(|header| header.last_message_id);
        let items = page.items.iter().cloned().map(|mut stored| {
            stored.newest = newest.as_deref() == Some(stored.message.id.as_str());
            stored
        });
        let last = page.items.last().map(|m| m.message.id.clone());
        let done: Vec<(bool, u64)> = stream::iter(items)
            .map(|stored| self.erase_message(tenant, &conversation, stored, &person))
            .buffer_unordered(IN_FLIGHT)
            .try_collect()
            .await?;
        // Every message of the page is counted, changed now or by a run that stopped
        // before storing this step: the stored counts cover the pages before the cursor.
        job.progress.messages += done.len() as u64;
        job.progress.files += done.iter().map(|(_, files)| files).sum::<u64>();
        if last.is_some() {
            job.cursor.newest_own = last;
        }
        match page.next {
            Some(after) => job.cursor.after = Some(after),
            None => {
                // Their message may be the one the feed shows: its name and excerpt go.
                if let Some(newest) = job.cursor.newest_own.clone() {
                    self.store
                        .rename_last_sender(tenant, &conversation, &newest, person.erased_name())
                        .await?;
                }
                next_conversation(&mut job.cursor);
            }
        }
        Ok(())
    }

    async fn erase_addresses(
        &self,
        tenant: &TenantId,
        job: &mut Job,
        walk: &mut Walk,
    ) -> Result<(), StepError> {
        let Some((conversation, page)) = self.deliveries_page(tenant, job, walk).await? else {
            return Ok(());
        };
        for entry in page.items.iter().filter(|e| !e.record.address.is_empty()) {
            self.store
                .redact_delivery(tenant, &conversation, &entry.sk)
                .await?;
        }
        if page.next.is_none() {
            let reader = Reader {
                side: job.person.side(),
                user_id: job.person.user_id().to_owned(),
            };
            self.store
                .forget_reply_address(tenant, &conversation, &reader)
                .await?;
        }
        job.progress.deliveries += page.items.len() as u64;
        page_done(&mut job.cursor, page.next);
        Ok(())
    }

    /// The directory items naming the person, last: until then the profile says whose
    /// number to forget.
    async fn erase_directory(&self, tenant: &TenantId, job: &mut Job) -> Result<(), StepError> {
        match job.person.clone() {
            Person::Contact {
                customer_id,
                contact_id,
            } => {
                let (customer, contact) =
                    (CustomerId::from(&customer_id), UserId::from(&contact_id));
                if let Some(stored) = self.store.contact(tenant, &customer, &contact).await? {
                    if let Some(phone) = &stored.phone {
                        job.progress.directory_items +=
                            self.store.forget_number(tenant, phone).await?;
                        // The phone claim goes with the contact (one transaction).
                        job.progress.directory_items += 1;
                    }
                    job.progress.directory_items +=
                        remove_search_entries(&self.store, tenant, &customer, &contact).await?;
                    if self
                        .store
                        .delete_contact(tenant, &customer, &contact)
                        .await?
                    {
                        job.progress.directory_items += 1;
                    }
                }
            }
            Person::Staff { user_id } => {
                let user = UserId::from(&user_id);
                if let Some((_, assignments)) = self.store.staff(tenant, &user).await? {
                    if self.store.delete_staff(tenant, &user).await? {
                        job.progress.directory_items += 1 + assignments.len() as u64;
                    }
                }
            }
        }
        job.cursor.phase = Phase::Done;
        job.status = JobStatus::Done;
        Ok(())
    }
}

/// Every directory-search entry naming the contact; how many there were.
async fn remove_search_entries<S: JobData>(
    store: &S,
    tenant: &TenantId,
    customer: &CustomerId,
    contact: &UserId,
) -> Result<u64, StepError> {
    Ok(store.unindex_contact(tenant, customer, contact).await? as u64)
}
