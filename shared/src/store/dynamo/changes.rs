//! Edits and deletions of sent messages: each one TransactWriteItems, conditional on the
//! message being as it was read (its edit count, and not deleted).

use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem};

use super::conversations::excerpt_source;
use super::expr::UpdateExpr;
use super::item::{from_item, get_n, get_s, internal, keyed_item, n, s};
use super::messages::message_from_item;
use super::transaction::{Part, TransactFailure, Transaction};
use super::{key_item, DynamoStore};
use crate::domain::edits::MessageVersion;
use crate::domain::ids::{MessageId, TenantId};
use crate::domain::{text, ConversationId, ConversationStatus, Named};
use crate::store::keys::{self, HEADER_SK, PK, SK, UPLOAD_SK};
use crate::store::{
    ChangeOutcome, Deletion, LastState, MessageChangeStore, StoreError, StoredMessage,
};

/// The message item's count of its edits.
const EDIT_COUNT: &str = "edit_count";

impl MessageChangeStore for DynamoStore {
    async fn stored_message(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        message: &MessageId,
    ) -> Result<Option<StoredMessage>, StoreError> {
        let pk = keys::conversation_pk(tenant, conversation);
        let wanted = vec![
            key_item(pk.clone(), keys::message_sk(message)),
            key_item(pk, HEADER_SK),
        ];
        let items = self.batch_get(wanted, true).await?;
        let header = items.iter().find(|item| get_s(item, SK) == Some(HEADER_SK));
        let newest = header
            .and_then(|header| get_s(header, keys::GSI1_SK))
            .is_some_and(|last| last == message.as_str());
        let closed = header.and_then(|header| get_s(header, "status"))
            == Some(ConversationStatus::Closed.as_str());
        let Some(item) = items.iter().find(|item| get_s(item, SK) != Some(HEADER_SK)) else {
            return Ok(None);
        };
        Ok(Some(StoredMessage {
            message: message_from_item(item)?,
            newest,
            edits: u32::try_from(get_n(item, EDIT_COUNT)).unwrap_or(u32::MAX),
            closed,
        }))
    }

    async fn edit_message(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        stored: &StoredMessage,
        text: &str,
        at: &str,
    ) -> Result<ChangeOutcome, StoreError> {
        let pk = keys::conversation_pk(tenant, conversation);
        let message = &stored.message;
        let mut edited = message.clone();
        edited.content.message = text.to_owned();
        edited.changes.is_edited = true;
        edited.changes.edited_at = Some(at.to_owned());

        let update = as_read(stored, UpdateExpr::new())
            .set("#text = :text")
            .name("#text", "message")
            .set("is_edited = :true")
            .set("edited_at = :at")
            .add("edit_count :one")
            .value(":text", s(text))
            .value(":true", aws_sdk_dynamodb::types::AttributeValue::Bool(true))
            .value(":at", s(at))
            .value(":one", n(1));
        let version = MessageVersion {
            message_id: message.id.clone(),
            message: message.message.clone(),
            written_at: message
                .changes
                .edited_at
                .clone()
                .unwrap_or_else(|| message.created_at.clone()),
            replaced_at: at.to_owned(),
        };
        let version = Put::builder()
            .table_name(&self.table)
            .set_item(Some(keyed_item(
                &pk,
                keys::version_sk(&message.id, stored.edits + 1),
                &version,
            )?))
            .condition_expression(format!("attribute_not_exists({PK})"))
            .build()
            .map_err(internal)?;
        let transaction = Transaction::new()
            .with(
                Part::Message,
                self.message_update(&pk, &message.id, &update)?,
            )
            .with(
                Part::Version,
                TransactWriteItem::builder().put(version).build(),
            );
        let header = newest_state(LastState::Edited)
            .set("last_excerpt = :excerpt")
            .value(":excerpt", s(text::excerpt(&excerpt_source(&edited))));
        Ok(match self.change(transaction, &pk, stored, header).await? {
            true => ChangeOutcome::Changed(Box::new(edited)),
            false => ChangeOutcome::Stale,
        })
    }

    async fn delete_message(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        stored: &StoredMessage,
        deletion: &Deletion<'_>,
    ) -> Result<ChangeOutcome, StoreError> {
        let pk = keys::conversation_pk(tenant, conversation);
        let message = &stored.message;
        let mut placeholder = message.clone();
        placeholder.content.message = String::new();
        placeholder.content.attachments = Vec::new();
        placeholder.content.metadata = None;
        placeholder.changes.deleted = true;
        placeholder.changes.deleted_at = Some(deletion.at.to_owned());
        placeholder.changes.deleted_by = Some(deletion.by.to_owned());

        let mut update = as_read(stored, UpdateExpr::new())
            .remove("#text")
            .name("#text", "message")
            .remove("attachments")
            .remove("metadata")
            .set("deleted = :true")
            .set("deleted_at = :at")
            .set("deleted_by = :by")
            .value(":true", aws_sdk_dynamodb::types::AttributeValue::Bool(true))
            .value(":at", s(deletion.at))
            .value(":by", s(deletion.by));
        if let Some(name) = deletion.sender_name {
            placeholder.content.sender_name = name.to_owned();
            update = update.set("sender_name = :name").value(":name", s(name));
        }
        let mut transaction = Transaction::new().with(
            Part::Message,
            self.message_update(&pk, &message.id, &update)?,
        );
        if stored.edits > 0 {
            let versions = self.version_keys(&pk, Some(&message.id)).await?;
            transaction.extend(
                Part::Version,
                versions
                    .into_iter()
                    .map(|sk| self.delete_of(pk.clone(), sk))
                    .collect::<Result<Vec<_>, _>>()?,
            );
        }
        for attachment in &message.attachments {
            let upload = keys::upload_pk(tenant, &attachment.id);
            transaction.push(Part::Upload, self.delete_of(upload, UPLOAD_SK.to_owned())?);
        }
        let header = newest_state(LastState::Deleted).remove("last_excerpt");
        Ok(match self.change(transaction, &pk, stored, header).await? {
            true => ChangeOutcome::Changed(Box::new(placeholder)),
            false => ChangeOutcome::Stale,
        })
    }

    async fn message_versions(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        message: Option<&MessageId>,
    ) -> Result<Vec<MessageVersion>, StoreError> {
        let pk = keys::conversation_pk(tenant, conversation);
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :versions)")
            .expression_attribute_values(":pk", s(&pk))
            .expression_attribute_values(
                ":versions",
                s(keys::versions_prefix(message.map(|m| m.as_str()))),
            );
        self.query_all(query).await?.iter().map(from_item).collect()
    }
}

/// The message's update, conditional on it being as read: there, not deleted, edited as
/// often as it was then.
fn as_read(stored: &StoredMessage, update: UpdateExpr) -> UpdateExpr {
    let there = format!("attribute_exists({PK}) AND attribute_not_exists(deleted_at)");
    if stored.edits == 0 {
        update.condition(format!("{there} AND attribute_not_exists({EDIT_COUNT})"))
    } else {
        update
            .condition(format!("{there} AND {EDIT_COUNT} = :edits"))
            .value(":edits", n(u64::from(stored.edits)))
    }
}

/// The header's side of a change to its newest message, conditional on it still being
/// the newest.
fn newest_state(state: LastState) -> UpdateExpr {
    UpdateExpr::new()
        .set("last_state = :state")
        .condition("gsi1sk = :id")
        .value(":state", s(state.as_str()))
}

impl DynamoStore {
    fn message_update(
        &self,
        pk: &str,
        message_id: &str,
        update: &UpdateExpr,
    ) -> Result<TransactWriteItem, StoreError> {
        let update = self.update(pk, keys::message_sk(message_id), update)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    fn delete_of(&self, pk: String, sk: String) -> Result<TransactWriteItem, StoreError> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .build()
            .map_err(internal)?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    /// The sort keys of a message's earlier versions.
    async fn version_keys(
        &self,
        pk: &str,
        message: Option<&str>,
    ) -> Result<Vec<String>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :versions)")
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":versions", s(keys::versions_prefix(message)))
            .projection_expression("sk");
        Ok(self
            .query_all(query)
            .await?
            .iter()
            .filter_map(|item| get_s(item, SK).map(str::to_owned))
            .collect())
    }

    /// Sends a change: with the header's part when the message was the newest. A message
    /// sent meanwhile took that place, so the change goes again without it. False when the
    /// message is no longer as read.
    async fn change(
        &self,
        mut transaction: Transaction,
        pk: &str,
        stored: &StoredMessage,
        header: UpdateExpr,
    ) -> Result<bool, StoreError> {
        if stored.newest {
            let header = header.value(":id", s(&stored.message.id));
            let update = self.update(pk, HEADER_SK, &header)?;
            transaction.push(
                Part::Header,
                TransactWriteItem::builder().update(update).build(),
            );
        }
        loop {
            match self.transact_retrying(transaction.clone()).await {
                Ok(()) => return Ok(true),
                Err(TransactFailure::Cancelled(cancelled)) if cancelled.failed(Part::Message) => {
                    return Ok(false)
                }
                Err(TransactFailure::Cancelled(cancelled))
                    if cancelled.failed(Part::Header) && transaction.has(Part::Header) =>
                {
                    transaction.remove(Part::Header);
                }
                Err(TransactFailure::Cancelled(cancelled)) => return Err(cancelled.unavailable()),
                Err(TransactFailure::Store(err)) => return Err(err),
            }
        }
    }
}
