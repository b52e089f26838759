//! Idempotency records: what makes a retried send return its first message. The record
//! is written in the send's own transaction and names the message, so it stays small.

use aws_sdk_dynamodb::types::{AttributeValue, Put};

use serde::{Deserialize, Serialize};

use super::item::{from_item, keyed_item};
use super::messages::message_from_item;
use super::DynamoStore;
use crate::domain::Message;
use crate::store::keys::{self, IDEMPOTENCY_SK, PK};
use crate::store::{IdempotencyClaim, IdempotencyRecord, StoreError};

const IDEMPOTENCY_TTL_SECS: i64 = 24 * 60 * 60;

/// An idempotency record: the request it was made for and where its message is.
#[derive(Serialize, Deserialize)]
struct IdempotencyItem {
    #[serde(default)]
    request_hash: String,
    message_pk: String,
    message_id: String,
}

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
        let record: IdempotencyItem = from_item(&item)?;
        let message = self
            .get_item(record.message_pk, &keys::message_sk(&record.message_id))
            .await?
            .map(|item| message_from_item(&item))
            .transpose()?
            .ok_or_else(|| StoreError::Internal("idempotency record without its message".into()))?;
        Ok(Some(IdempotencyRecord {
            request_hash: record.request_hash,
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
        let record = IdempotencyItem {
            request_hash: claim.request_hash.clone(),
            message_pk: message_pk.to_owned(),
            message_id: message.id.clone(),
        };
        let mut item = keyed_item(pk, IDEMPOTENCY_SK, &record)?;
        item.insert(
            keys::TTL_ATTRIBUTE.into(),
            AttributeValue::N((now + IDEMPOTENCY_TTL_SECS).to_string()),
        );
        Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
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
