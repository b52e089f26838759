//! Uploads: a file a person may attach to a message in one conversation, from the moment
//! the upload form is handed out until a message takes it (then for good).

use crate::domain::ids::TenantId;
use std::future::Future;

use super::{Reader, StoreError};
use crate::domain::ConversationId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub id: String,
    pub conversation: ConversationId,
    /// Who may attach it: the person the form was made for.
    pub uploader: Reader,
    pub name: String,
    pub content_type: String,
    pub size: u64,
    pub created_at: String,
    /// The message that took it; none while it waits.
    pub message_id: Option<String>,
}

pub trait UploadStore: Send + Sync {
    /// Records an upload about to be made (one PutItem, only if no upload has its id);
    /// it expires unless a message takes it.
    fn put_upload(
        &self,
        tenant: &TenantId,
        upload: &Upload,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// These uploads of the tenant, those that exist (one BatchGetItem).
    fn uploads(
        &self,
        tenant: &TenantId,
        ids: &[String],
    ) -> impl Future<Output = Result<Vec<Upload>, StoreError>> + Send;
}
