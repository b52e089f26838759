//! A reply's attachments, through the same allow-list and sniffing as an upload, into
//! the conversation's files.

use shared::domain::attachment::{check_content, SNIFF_BYTES};
use shared::domain::ids::TenantId;
use shared::domain::{Attachment, ConversationId, Settings};
use shared::files::{file_key, S3Files};
use shared::store::{Reader, Upload, UploadStore};
use shared::ApiError;

use crate::mime::MailAttachment;

/// What became of a reply's attachments: those kept, and the names of those refused.
#[derive(Debug, Default)]
pub(crate) struct Kept {
    pub attachments: Vec<Attachment>,
    pub refused: Vec<String>,
}

/// Keeps the files the tenant's settings and the allow-list accept (their bytes must be
/// what their type says), in order, up to the tenant's count. A file's id comes from the
/// reply's provider id and its place, so a reply delivered again writes the same keys.
pub(crate) async fn keep<S: UploadStore>(
    store: &S,
    files: &S3Files,
    to: (&TenantId, &ConversationId, &Reader),
    reply_id: &str,
    parts: &[MailAttachment],
    settings: &Settings,
) -> Result<Kept, ApiError> {
    let (tenant, conversation, sender) = to;
    let mut kept = Kept::default();
    for (place, part) in parts.iter().enumerate() {
        let content_type = part
            .content_type
            .as_deref()
            .unwrap_or("application/octet-stream")
            .to_ascii_lowercase();
        let sniffed = &part.data[..part.data.len().min(SNIFF_BYTES)];
        let accepted = kept.attachments.len() < settings.max_attachments as usize
            && (part.data.len() as u64) <= settings.max_attachment_bytes()
            && !part.data.is_empty()
            && check_content(&part.name, &content_type, sniffed).is_ok();
        if !accepted {
            kept.refused.push(part.name.clone());
            continue;
        }
        let id = format!("em{}-{place}", &reply_id[..reply_id.len().min(24)]);
        files
            .put(
                &file_key(tenant, conversation, &id),
                &content_type,
                part.data.clone(),
            )
            .await?;
        // The message takes the upload in its transaction, as a web message's files.
        let upload = Upload {
            id: id.clone(),
            conversation: conversation.clone(),
            uploader: sender.clone(),
            name: part.name.clone(),
            content_type: content_type.clone(),
            size: part.data.len() as u64,
            created_at: shared::domain::now_rfc3339(),
            message_id: None,
        };
        store.put_upload(tenant, &upload).await?;
        kept.attachments.push(Attachment {
            id,
            name: upload.name,
            content_type,
            size: upload.size,
        });
    }
    Ok(kept)
}

/// The note a message carries of files it could not take.
pub(crate) fn refused_note(refused: &[String]) -> Option<String> {
    (!refused.is_empty()).then(|| {
        format!(
            "[Not attached (type or size not accepted): {}]",
            refused.join(", ")
        )
    })
}
