//! Idempotency records: what makes a retried send return its first message. The record
//! is written in the send's own transaction and names the message, so it stays small.

use aws_sdk_dynamodb::types::{AttributeValue, Put};

use super::item::{get_s, required, s};
use super::messages::message_from_item;
use super::DynamoStore;
use crate::domain::Message;
use crate::store::keys::{self, IDEMPOTENCY_SK, PK, SK};
use crate::store::{IdempotencyClaim, IdempotencyRecord, StoreError};

const IDEMPOTENCY_TTL_SECS: i64 = 24 * 60 * 60;

impl DynamoStore {
    pub(super) async fn read_idempotency_record(
        &self,
        pk: String,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        let Some(item) = self.get_item(pk, IDEMPOTENCY_SK).await? else {
            return Ok(None);
        };
        // The record names the message (it stays small, so the send's write stays
        // cheap); a replay reads the message itself.
        let message_pk = required(&item, "message_pk")?.to_owned();
        let message_sk = keys::message_sk(required(&item, "message_id")?);
        let message = self
            .get_item(message_pk, &message_sk)
            .await?
            .map(|item| message_from_item(&item))
            .transpose()?
            .ok_or_else(|| StoreError::Internal("idempotency record without its message".into()))?;
        Ok(Some(IdempotencyRecord {
            request_hash: get_s(&item, "request_hash").unwrap_or_default().to_owned(),
            message,
        }))
    }

    pub(super) fn idempotency_put(
        &self,
        pk: String,
        claim: &IdempotencyClaim,
        message_pk: &str,
        message: &Message,
    ) -> Result<Put, StoreError> {
        let now = jiff::Timestamp::now().as_second();
        Put::builder()
            .table_name(&self.table)
            .item(PK, s(pk))
            .item(SK, s(IDEMPOTENCY_SK))
            .item("request_hash", s(&claim.request_hash))
            .item("message_pk", s(message_pk))
            .item("message_id", s(&message.id))
            .item(
                keys::TTL_ATTRIBUTE,
                AttributeValue::N((now + IDEMPOTENCY_TTL_SECS).to_string()),
            )
            // TTL deletes late; an expired record must not block a new use of its key.
            .condition_expression(format!(
                "attribute_not_exists({PK}) OR {} < :now",
                keys::TTL_ATTRIBUTE
            ))
            .expression_attribute_values(":now", AttributeValue::N(now.to_string()))
            .build()
            .map_err(|e| StoreError::Internal(e.to_string()))
    }
}
