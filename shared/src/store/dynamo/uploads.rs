//! Upload records (`T#{tenant}#UPLOAD#{id}` / `UPLOAD`), and a message taking its uploads
//! in its own transaction: each only if no message took it before.

use crate::domain::ids::TenantId;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};

use super::item::{get_n, get_s, internal, required, s, Item};
use super::{key_item, DynamoStore};
use crate::domain::{ConversationId, Message, Side};
use crate::store::keys::{self, PK, SK};
use crate::store::{Reader, StoreError, Upload, UploadStore};

/// An upload no message takes is forgotten after two days (its file after one).
const UPLOAD_TTL_SECS: i64 = 2 * 24 * 60 * 60;

fn upload_from_item(item: &Item) -> Result<Upload, StoreError> {
    Ok(Upload {
        id: required(item, "upload_id")?.to_owned(),
        conversation: ConversationId::decode(required(item, "conversation_id")?)
            .ok_or_else(|| StoreError::Internal("upload with an invalid conversation".into()))?,
        uploader: Reader {
            side: match get_s(item, "side") {
                Some("c") => Side::Customer,
                _ => Side::Staff,
            },
            user_id: required(item, "user_id")?.to_owned(),
        },
        name: required(item, "name")?.to_owned(),
        content_type: required(item, "content_type")?.to_owned(),
        size: get_n(item, "size"),
        created_at: get_s(item, "created_at").unwrap_or_default().to_owned(),
        message_id: get_s(item, "message_id").map(str::to_owned),
    })
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
                let update = Update::builder()
                    .table_name(&self.table)
                    .key(PK, s(keys::upload_pk(tenant, &attachment.id)))
                    .key(SK, s(keys::UPLOAD_SK))
                    .update_expression("SET message_id = :message REMOVE #ttl")
                    .condition_expression(format!(
                        "attribute_exists({PK}) AND attribute_not_exists(message_id)"
                    ))
                    .expression_attribute_names("#ttl", keys::TTL_ATTRIBUTE)
                    .expression_attribute_values(":message", s(&message.id))
                    .build()
                    .map_err(internal)?;
                Ok(TransactWriteItem::builder().update(update).build())
            })
            .collect()
    }
}

impl UploadStore for DynamoStore {
    async fn put_upload(&self, tenant: &TenantId, upload: &Upload) -> Result<(), StoreError> {
        let expires = jiff::Timestamp::now().as_second() + UPLOAD_TTL_SECS;
        self.client
            .put_item()
            .table_name(&self.table)
            .item(PK, s(keys::upload_pk(tenant, &upload.id)))
            .item(SK, s(keys::UPLOAD_SK))
            .item("upload_id", s(&upload.id))
            .item("conversation_id", s(upload.conversation.encode()))
            .item("side", s(upload.uploader.side.letter().to_string()))
            .item("user_id", s(&upload.uploader.user_id))
            .item("name", s(&upload.name))
            .item("content_type", s(&upload.content_type))
            .item("size", AttributeValue::N(upload.size.to_string()))
            .item("created_at", s(&upload.created_at))
            .item(keys::TTL_ATTRIBUTE, AttributeValue::N(expires.to_string()))
            .condition_expression(format!("attribute_not_exists({PK})"))
            .send()
            .await
            .map_err(super::item::classify)?;
        Ok(())
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
            .map(upload_from_item)
            .collect()
    }
}
