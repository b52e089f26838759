//! Attachments: `POST /attachments` hands out an upload form for one file, and a message
//! (or a delivery event) takes uploads by id once their files are checked.
//!
//! An upload belongs to one tenant, conversation and person. Before a message takes it,
//! one ranged GET of the file's first bytes (S3, not DynamoDB) gives its size and type and
//! the bytes to recognise it by; then the file moves out of the uploads prefix (which the
//! bucket's lifecycle rule empties after a day) and the message's own transaction marks
//! the upload taken, only if no message took it before.

use futures_util::future::join_all;
use serde::{Deserialize, Serialize};
use shared::domain::attachment::{check_content, check_declared, AttachmentRefusal, SNIFF_BYTES};
use shared::domain::message::Attachment;
use shared::domain::permissions::{Access, ConversationTarget};
use shared::domain::settings::LIMIT_ATTACHMENTS;
use shared::domain::text::clean_text;
use shared::domain::{ids, now_rfc3339, ConversationId, ConversationStatus, Principal};
use shared::files::{file_key, upload_key, FileError, FileHead};
use shared::http::{self, Request, Response};
use shared::store::{
    DirectoryStore, MessageStore, PatientStore, Reader, SettingsStore, StoreError, Upload,
    UploadStore,
};
use shared::{ApiError, App};

/// An attachment of a send or an event: an upload, by id.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentRef {
    pub id: String,
}

/// The body of `POST /attachments`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadRequest {
    #[serde(flatten)]
    pub target: ConversationTarget,
    pub name: String,
    pub content_type: String,
    pub size: u64,
}

fn refused(refusal: AttachmentRefusal, name: &str, content_type: &str) -> ApiError {
    let message = match refusal {
        AttachmentRefusal::NotAllowed => {
            format!("{name} of type {content_type} is not an allowed attachment")
        }
        AttachmentRefusal::ExtensionMismatch => {
            format!("{name}'s extension does not agree with its type {content_type}")
        }
        AttachmentRefusal::ContentMismatch => {
            format!("{name} is not a file of type {content_type}")
        }
    };
    ApiError::bad_request(refusal.code(), message)
}

/// A file's name as plain text (shown in the thread, the feed and digests): cleaned as a
/// message's text, on one line, without slashes, and more than an extension.
fn clean_name(name: &str) -> Result<String, ApiError> {
    let cleaned = clean_text(name, 255).ok().filter(|name| {
        let stem = name
            .rsplit_once('.')
            .map_or(name.as_str(), |(stem, _)| stem);
        !stem.trim().is_empty() && !name.contains(['/', '\\', '\n', '\t'])
    });
    cleaned.ok_or_else(|| {
        ApiError::bad_request(
            "invalid_attachment",
            "attachment name must be 1-255 characters of plain text on one line, without \
             control or bidi-override characters or slashes",
        )
    })
}

/// Whether a send to this conversation would be taken, as far as its header says: one
/// named by id must exist, and none may be closed. A customer's general thread starts with
/// its first message, a patient thread too if the patient is registered (the send's
/// transaction checks the same).
async fn check_takes_messages<S: MessageStore + PatientStore>(
    app: &App<S>,
    tenant: &shared::domain::ids::TenantId,
    conversation: &ConversationId,
    body: &UploadRequest,
) -> Result<(), ApiError> {
    let header = app.store.conversation(tenant, conversation).await?;
    match header {
        Some(header) if header.status == ConversationStatus::Closed => {
            Err(StoreError::Closed.into())
        }
        Some(_) => Ok(()),
        None if body.target.conversation_id.is_some() => Err(ApiError::NotFound),
        None => match conversation.subject.patient_id() {
            None => Ok(()),
            Some(patient) => {
                let patients = app
                    .store
                    .patients(tenant, &conversation.customer_id)
                    .await?;
                if patients.iter().any(|p| p.patient_id == *patient) {
                    Ok(())
                } else {
                    Err(ApiError::Unknown {
                        code: "unknown_patient",
                        message: "no such patient is registered for this account".into(),
                    })
                }
            }
        },
    }
}

pub async fn create_upload<S>(app: &App<S>, request: &Request) -> Result<Response, ApiError>
where
    S: MessageStore + SettingsStore + DirectoryStore + UploadStore + PatientStore,
{
    let principal = app.caller(request)?;
    let body: UploadRequest = http::json_body(request)?;
    let conversation = body.target.resolve(&principal)?;
    let name = clean_name(&body.name)?;
    check_declared(&name, &body.content_type).map_err(|r| refused(r, &name, &body.content_type))?;
    let opened = app.open(&principal, conversation, Access::Write).await?;
    let (conversation, settings) = (opened.conversation, opened.settings);
    let max = settings.max_attachment_bytes();
    if body.size == 0 || body.size > max {
        return Err(ApiError::bad_request(
            "attachment_too_large",
            format!("a file is 1 to {max} bytes here"),
        ));
    }
    check_takes_messages(app, &principal.tenant_id, &conversation, &body).await?;
    let files = app.files()?;
    let upload = Upload {
        id: format!("up_{}", ulid::Ulid::new().to_string().to_lowercase()),
        conversation: conversation.clone(),
        uploader: Reader::of(&principal),
        name,
        content_type: body.content_type.clone(),
        size: body.size,
        created_at: now_rfc3339(),
        message_id: None,
    };
    app.store.put_upload(&principal.tenant_id, &upload).await?;
    let form = files
        .upload_form(
            &upload_key(&principal.tenant_id, &conversation, &upload.id),
            &upload.content_type,
            upload.size,
        )
        .await?;
    let fields: serde_json::Map<String, serde_json::Value> = form
        .fields
        .into_iter()
        .map(|(name, value)| (name, value.into()))
        .collect();
    Ok(http::json_response(
        201,
        &serde_json::json!({
            "upload_id": upload.id,
            "url": form.url,
            "fields": fields,
            "expires_at": form.expires_at,
        }),
    ))
}

/// That a message names each attachment once, and no more than any tenant allows.
pub fn check_refs(refs: &[AttachmentRef]) -> Result<Vec<String>, ApiError> {
    check_count(refs.len(), LIMIT_ATTACHMENTS)?;
    let mut ids = Vec::with_capacity(refs.len());
    for attachment in refs {
        let id = ids::parse_id("attachments[].id", &attachment.id)?;
        if ids.contains(&id) {
            return Err(ApiError::bad_request(
                "invalid_attachment",
                format!("{id} is attached twice"),
            ));
        }
        ids.push(id);
    }
    Ok(ids)
}

/// No more files than `max` on one message.
pub fn check_count(count: usize, max: u32) -> Result<(), ApiError> {
    if count > max as usize {
        return Err(ApiError::bad_request(
            "too_many_attachments",
            format!("at most {max} attachments per message here"),
        ));
    }
    Ok(())
}

/// The uploads named, each of this tenant, conversation and person, and not taken yet.
async fn untaken_uploads<S: UploadStore>(
    app: &App<S>,
    principal: &Principal,
    conversation: &ConversationId,
    ids: &[String],
) -> Result<Vec<Upload>, ApiError> {
    let found = app.store.uploads(&principal.tenant_id, ids).await?;
    let mut uploads = Vec::with_capacity(ids.len());
    for id in ids {
        let upload = found
            .iter()
            .find(|u| &u.id == id)
            .filter(|u| {
                &u.conversation == conversation
                    && u.uploader.side == principal.side()
                    && u.uploader.user_id == principal.user_id
            })
            .ok_or_else(|| {
                ApiError::bad_request(
                    "attachment_unknown",
                    format!("{id} is not an upload of yours for this conversation"),
                )
            })?;
        if upload.message_id.is_some() {
            return Err(ApiError::conflict(
                "attachment_already_used",
                format!("{id} was sent with another message"),
            ));
        }
        uploads.push(upload.clone());
    }
    Ok(uploads)
}

/// The file's first bytes, as S3 holds them, against what its upload declared.
fn checked(upload: &Upload, head: Result<FileHead, FileError>) -> Result<FileHead, ApiError> {
    let head = match head {
        Ok(head) => head,
        Err(FileError::Missing) => {
            return Err(ApiError::bad_request(
                "attachment_missing",
                format!("{} has not been uploaded", upload.name),
            ))
        }
        Err(err) => return Err(err.into()),
    };
    if head.size != upload.size {
        return Err(ApiError::bad_request(
            "attachment_size_mismatch",
            format!(
                "{} is {} bytes, not the {} declared",
                upload.name, head.size, upload.size
            ),
        ));
    }
    if head.content_type.as_deref() != Some(upload.content_type.as_str()) {
        return Err(refused(
            AttachmentRefusal::ContentMismatch,
            &upload.name,
            &upload.content_type,
        ));
    }
    check_content(&upload.name, &upload.content_type, &head.first_bytes)
        .map_err(|r| refused(r, &upload.name, &upload.content_type))?;
    Ok(head)
}

/// The message's attachments: each an upload of this tenant, conversation and person,
/// not taken yet, whose file is what it claims. Moves the files out of the uploads prefix.
pub async fn take<S: UploadStore>(
    app: &App<S>,
    principal: &Principal,
    conversation: &ConversationId,
    ids: &[String],
) -> Result<Vec<Attachment>, ApiError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let files = app.files()?;
    let tenant = &principal.tenant_id;
    let uploads = untaken_uploads(app, principal, conversation, ids).await?;
    let upload_keys: Vec<String> = uploads
        .iter()
        .map(|u| upload_key(tenant, conversation, &u.id))
        .collect();
    let file_keys: Vec<String> = uploads
        .iter()
        .map(|u| file_key(tenant, conversation, &u.id))
        .collect();
    let heads = join_all(upload_keys.iter().map(|key| files.head(key, SNIFF_BYTES))).await;
    // Each file is copied only while it is the one checked here.
    let mut etags = Vec::with_capacity(uploads.len());
    for (upload, head) in uploads.iter().zip(heads) {
        let head = checked(upload, head)?;
        etags.push(head.etag);
    }
    let moves = upload_keys
        .iter()
        .zip(&file_keys)
        .zip(&etags)
        .map(|((from, to), etag)| files.keep(from, to, etag));
    for kept in join_all(moves).await {
        kept?;
    }
    Ok(uploads
        .into_iter()
        .map(|u| Attachment {
            id: u.id,
            name: u.name,
            content_type: u.content_type,
            size: u.size,
        })
        .collect())
}
