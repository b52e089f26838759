//! A person's export: a JSON document of everything held about a contact, written to the
//! bucket in pieces (one a step, so a stopped run loses nothing written), then joined
//! into `exports/{tenant}/jobs/{job}.json` in parts of 5 MiB: the document is never held
//! whole, however long the history.
//!
//! ```json
//! {"format": "tidings.person-export/1", "job_id", "tenant_id", "generated_at", "person",
//!  "profile": {contact}, "preferences": {"email_opt_in", "sms_opt_in", "sms_number"},
//!  "conversations": [...], "messages": [... with files as links ...], "deliveries": [...]}
//! ```

use serde_json::{json, Value};
use shared::domain::ids::{CustomerId, TenantId, UserId};
use shared::domain::jobs::{Job, JobStatus, Person, Phase, Section};
use shared::domain::{ConversationId, Message};
use shared::files::{export_key, export_piece_key, file_key, EXPORT_LINK_EXPIRY, MIN_PART_BYTES};
use shared::store::{versions_by_message, ConversationEntry};

use crate::walk::{next_phase, page_done, Walk};
use crate::{JobData, StepError, Worker};

pub const CONTENT_TYPE: &str = "application/json";
const FORMAT: &str = "tidings.person-export/1";

fn conversation_view(entry: &ConversationEntry) -> Value {
    json!({
        "id": entry.id.encode(),
        "customer_id": entry.id.customer_id,
        "subject": entry.id.subject.to_string(),
        "title": entry.title,
        "status": entry.status,
        "created_at": entry.created_at,
        "last_message_at": entry.last_message_at,
        "message_count": entry.message_count,
    })
}

/// Appends `items` to the document's open array `section`, opening it (and closing the
/// one before) when needed; `written` is how many the section has so far.
fn append(text: &mut String, job: &mut Job, section: Section, written: u64, items: &[Value]) {
    if job.cursor.open != section {
        if job.cursor.open != Section::None {
            text.push(']');
        }
        text.push_str(match section {
            Section::Messages => ",\"messages\":[",
            Section::Deliveries => ",\"deliveries\":[",
            Section::None => "",
        });
        job.cursor.open = section;
    }
    for (i, item) in items.iter().enumerate() {
        if written + i as u64 > 0 {
            text.push(',');
        }
        text.push_str(&item.to_string());
    }
}

impl<S: JobData> Worker<S> {
    pub(crate) async fn export_step(
        &self,
        tenant: &TenantId,
        job: &mut Job,
        walk: &mut Walk,
    ) -> Result<(), StepError> {
        match job.cursor.phase {
            Phase::Start => self.export_start(tenant, job).await,
            Phase::Messages => self.export_messages(tenant, job, walk).await,
            Phase::Deliveries => self.export_deliveries(tenant, job, walk).await,
            Phase::Finish | Phase::Done => self.export_finish(tenant, job).await,
        }
    }

    /// Writes the next piece of the document (under the cursor's number: a step run
    /// again writes the same piece again).
    async fn put_piece(
        &self,
        tenant: &TenantId,
        job: &mut Job,
        text: String,
    ) -> Result<(), StepError> {
        if text.is_empty() {
            return Ok(());
        }
        let key = export_piece_key(tenant, &job.job_id, job.cursor.pieces);
        self.files
            .put(&key, CONTENT_TYPE, text.into_bytes())
            .await?;
        job.cursor.pieces += 1;
        Ok(())
    }

    /// A page's items as the next piece of their section, counted in the job's progress.
    async fn write_section(
        &self,
        tenant: &TenantId,
        job: &mut Job,
        section: Section,
        items: &[Value],
    ) -> Result<(), StepError> {
        if items.is_empty() {
            return Ok(());
        }
        let written = match section {
            Section::Messages => job.progress.messages,
            Section::Deliveries => job.progress.deliveries,
            Section::None => 0,
        };
        let mut text = String::new();
        append(&mut text, job, section, written, items);
        self.put_piece(tenant, job, text).await?;
        let count = items.len() as u64;
        match section {
            Section::Messages => job.progress.messages += count,
            Section::Deliveries => job.progress.deliveries += count,
            Section::None => {}
        }
        Ok(())
    }

    /// The profile, preferences and conversations: the first piece.
    async fn export_start(&self, tenant: &TenantId, job: &mut Job) -> Result<(), StepError> {
        let Person::Contact {
            customer_id,
            contact_id,
        } = job.person.clone()
        else {
            return Err(StepError::Gone("only a contact's data is exported".into()));
        };
        let contact = self
            .store
            .contact(
                tenant,
                &CustomerId::from(&customer_id),
                &UserId::from(&contact_id),
            )
            .await?
            .ok_or_else(|| StepError::Gone(format!("contact {contact_id} no longer exists")))?;
        let number = match &contact.phone {
            Some(phone) => Some(self.store.number_state(tenant, phone).await?),
            None => None,
        };
        job.cursor.pieces = 0;
        job.cursor.open = Section::None;
        let entries = self.list_conversations(tenant, job).await?;
        let conversations: Vec<Value> = entries.iter().map(conversation_view).collect();
        let head = json!({
            "format": FORMAT,
            "job_id": job.job_id,
            "tenant_id": tenant,
            "generated_at": shared::domain::now_rfc3339(),
            "person": job.person,
            "profile": contact,
            "preferences": {
                "email_opt_in": contact.email_opt_in,
                "sms_opt_in": contact.sms_opt_in,
                "sms_number": number,
            },
            "conversations": conversations,
        });
        let mut text = head.to_string();
        text.pop(); // the closing brace: the arrays follow
        job.progress.messages = 0;
        job.progress.deliveries = 0;
        job.progress.files = 0;
        append(&mut text, job, Section::Messages, 0, &[]);
        self.put_piece(tenant, job, text).await
    }

    async fn message_view(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        message: &Message,
    ) -> Result<Value, StepError> {
        let mut view = serde_json::to_value(message).map_err(|e| StepError::Gone(e.to_string()))?;
        let mut files = Vec::with_capacity(message.attachments.len());
        for attachment in &message.attachments {
            let key = file_key(tenant, conversation, &attachment.id);
            let link = self
                .files
                .link_for(
                    &key,
                    &attachment.name,
                    &attachment.content_type,
                    EXPORT_LINK_EXPIRY,
                )
                .await?;
            let mut file = serde_json::to_value(attachment).unwrap_or_default();
            file["download_url"] = Value::String(link);
            files.push(file);
        }
        view["attachments"] = Value::Array(files);
        Ok(view)
    }

    async fn export_messages(
        &self,
        tenant: &TenantId,
        job: &mut Job,
        walk: &mut Walk,
    ) -> Result<(), StepError> {
        let Some(conversation) = self.current(tenant, job, walk).await? else {
            next_phase(&mut job.cursor);
            return Ok(());
        };
        let sender = (job.person.sender_type(), job.person.user_id());
        let page = self
            .store
            .messages_of(
                tenant,
                &conversation,
                sender,
                job.cursor.after.as_deref(),
                self.page,
            )
            .await?;
        // What they wrote before an edit is theirs too.
        let written: Vec<&Message> = page.items.iter().map(|m| &m.message).collect();
        let mut versions =
            versions_by_message(&self.store, tenant, &conversation, &written).await?;
        let mut views = Vec::with_capacity(page.items.len());
        for stored in &page.items {
            let mut view = self
                .message_view(tenant, &conversation, &stored.message)
                .await?;
            if let Some(earlier) = versions.remove(&stored.message.id) {
                view["versions"] = serde_json::to_value(earlier).unwrap_or_default();
            }
            views.push(view);
            job.progress.files += stored.message.attachments.len() as u64;
        }
        self.write_section(tenant, job, Section::Messages, &views)
            .await?;
        page_done(&mut job.cursor, page.next);
        Ok(())
    }

    async fn export_deliveries(
        &self,
        tenant: &TenantId,
        job: &mut Job,
        walk: &mut Walk,
    ) -> Result<(), StepError> {
        let Some((_, page)) = self.deliveries_page(tenant, job, walk).await? else {
            return Ok(());
        };
        let views: Vec<Value> = page
            .items
            .iter()
            .map(|d| serde_json::to_value(&d.record).unwrap_or_default())
            .collect();
        self.write_section(tenant, job, Section::Deliveries, &views)
            .await?;
        page_done(&mut job.cursor, page.next);
        Ok(())
    }

    /// Closes the document and joins the pieces into the one file: a single PutObject
    /// when it is smaller than a part, else a multipart upload of 5 MiB parts.
    async fn export_finish(&self, tenant: &TenantId, job: &mut Job) -> Result<(), StepError> {
        let mut closing = String::new();
        let written = job.progress.deliveries;
        append(&mut closing, job, Section::Deliveries, written, &[]);
        closing.push_str("]}");
        // The closing piece is not counted in the cursor: a finish run again writes it again.
        let pieces = job.cursor.pieces;
        let last = export_piece_key(tenant, &job.job_id, pieces);
        self.files
            .put(&last, CONTENT_TYPE, closing.into_bytes())
            .await?;
        let key = export_key(tenant, &job.job_id);
        self.join_pieces(tenant, &job.job_id, pieces + 1, &key)
            .await?;
        job.export_key = Some(key);
        job.cursor.phase = Phase::Done;
        job.status = JobStatus::Done;
        Ok(())
    }

    async fn join_pieces(
        &self,
        tenant: &TenantId,
        job_id: &str,
        pieces: u32,
        key: &str,
    ) -> Result<(), StepError> {
        let mut buffer: Vec<u8> = Vec::new();
        let mut upload = None;
        for piece in 0..pieces {
            buffer.extend(
                self.files
                    .read(&export_piece_key(tenant, job_id, piece))
                    .await?,
            );
            if buffer.len() >= MIN_PART_BYTES {
                if upload.is_none() {
                    upload = Some(self.files.start_multipart(key, CONTENT_TYPE).await?);
                }
                if let Some(upload) = upload.as_mut() {
                    upload.put_part(std::mem::take(&mut buffer)).await?;
                }
            }
        }
        match upload {
            None => self.files.put(key, CONTENT_TYPE, buffer).await?,
            // A failed part leaves the upload to the bucket's lifecycle rule (a day), and
            // the next run of the step joins the pieces again from the start.
            Some(mut upload) => {
                if !buffer.is_empty() {
                    upload.put_part(buffer).await?;
                }
                upload.complete().await?;
            }
        }
        Ok(())
    }
}
