//! Upload records (`T#{tenant}#UPLOAD#{id}` / `UPLOAD`), and a message taking its uploads
//! in its own transaction: each only if no message took it before.

use crate::domain::ids::TenantId;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};

use serde::{Deserialize, Serialize};

use super::expr::UpdateExpr;
use super::item::{conversation_text, from_item, keyed_item, s};
use super::{key_item, DynamoStore};
use crate::domain::{ConversationId, Message, Side};
use crate::store::keys::{self, PK};
use crate::store::{Reader, StoreError, Upload, UploadStore};

/// An upload no message takes is forgotten after two days (its file after one).
const UPLOAD_TTL_SECS: i64 = 2 * 24 * 60 * 60;

/// An upload's item: the uploader's side is one letter.
#[derive(Serialize, Deserialize)]
struct UploadItem {
    upload_id: String,
    #[serde(rename = "conversation_id", with = "conversation_text")]
    conversation: ConversationId,
    side: char,
    user_id: String,
    name: String,
    content_type: String,
    #[serde(default)]
    size: u64,
    #[serde(default)]
    created_at: String,
    message_id: Option<String>,
}

impl From<UploadItem> for Upload {
    fn from(item: UploadItem) -> Self {
        Upload {
            id: item.upload_id,
            conversation: item.conversation,
            uploader: Reader {
                side: if item.side == Side::Customer.letter() {
                    Side::Customer
                } else {
                    Side::Staff
                },
                user_id: item.user_id,
            },
            name: item.name,
            content_type: item.content_type,
            size: item.size,
            created_at: item.created_at,
            message_id: item.message_id,
        }
    }
}

impl DynamoStore {
    /// The message takes each of its attachments' uploads (conditional: not taken yet).
    pub(super) fn upload_claims(
        &self,
        tenant: &str,
        message: &Message,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        message
            .attachments
            .iter()
            .map(|attachment| {
                let taken = UpdateExpr::new()
                    .set("message_id = :message")
                    .remove("#ttl")
                    .condition(format!(
                        "attribute_exists({PK}) AND attribute_not_exists(message_id)"
                    ))
                    .name("#ttl", keys::TTL_ATTRIBUTE)
                    .value(":message", s(&message.id));
                let update = self.update(
                    keys::upload_pk(tenant, &attachment.id),
                    keys::UPLOAD_SK,
                    &taken,
                )?;
                Ok(TransactWriteItem::builder().update(update).build())
            })
            .collect()
    }
}

impl UploadStore for DynamoStore {
    async fn put_upload(&self, tenant: &TenantId, upload: &Upload) -> Result<(), StoreError> {
        let expires = jiff::Timestamp::now().as_second() + UPLOAD_TTL_SECS;
        let record = UploadItem {
            upload_id: upload.id.clone(),
            conversation: upload.conversation.clone(),
            side: upload.uploader.side.letter(),
            user_id: upload.uploader.user_id.clone(),
            name: upload.name.clone(),
            content_type: upload.content_type.clone(),
            size: upload.size,
            created_at: upload.created_at.clone(),
            // Taken by a message later.
            message_id: None,
        };
        let mut item = keyed_item(
            keys::upload_pk(tenant, &upload.id),
            keys::UPLOAD_SK,
            &record,
        )?;
        item.insert(
            keys::TTL_ATTRIBUTE.into(),
            AttributeValue::N(expires.to_string()),
        );
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(format!("attribute_not_exists({PK})"))
            .send()
            .await;
        // Made already (an email reply delivered again names its files the same): kept
        // as it is, taken or not.
        super::item::put_written(put).map(|_| ())
    }

    async fn uploads(&self, tenant: &TenantId, ids: &[String]) -> Result<Vec<Upload>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let keys = ids
            .iter()
            .map(|id| key_item(keys::upload_pk(tenant, id), keys::UPLOAD_SK))
            .collect();
        self.batch_get(keys, true)
            .await?
            .iter()
            .map(|item| from_item::<UploadItem>(item).map(Upload::from))
            .collect()
    }
}
