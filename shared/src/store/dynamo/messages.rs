//! Messages: the store's message operations (appending is [`super::append`]'s), thread
//! pages, and the message item.

use crate::domain::ids::{OrderId, TenantId, UserId};
use std::collections::HashMap;

use super::conversations::header_from_item;
use super::item::{classify, corrupt, from_item, get_s, internal, keyed_item, s, Item};
use super::reading::position_from_item;
use super::DynamoStore;
use crate::domain::message::ReadPosition;
use crate::domain::{ConversationId, Message};
use crate::store::keys::{self, HEADER_SK, MESSAGE_SK_PREFIX, PK, SK};
use crate::store::{
    AppendGuard, AppendOutcome, ConversationHeader, HistoryPage, IdempotencyClaim,
    IdempotencyRecord, MessageDraft, MessageStore, OrderRecord, Reader, StoreError, ThreadPage,
    HISTORY_PAGE,
};

impl MessageStore for DynamoStore {
    async fn append_message(
        &self,
        tenant: &TenantId,
        draft: &MessageDraft,
        guard: Option<&AppendGuard>,
    ) -> Result<AppendOutcome, StoreError> {
        self.append(tenant, draft, guard).await
    }

    async fn history_page(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        after: Option<&str>,
    ) -> Result<HistoryPage, StoreError> {
        let pk = keys::conversation_pk(tenant, conversation);
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :messages)")
            .expression_attribute_values(":pk", s(&pk))
            .expression_attribute_values(":messages", s(MESSAGE_SK_PREFIX))
            .limit(HISTORY_PAGE);
        if let Some(after) = after {
            query = query
                .exclusive_start_key(PK, s(&pk))
                .exclusive_start_key(SK, s(keys::message_sk(after)));
        }
        let output = query.send().await.map_err(classify)?;
        let messages = output
            .items()
            .iter()
            .map(message_from_item)
            .collect::<Result<Vec<_>, _>>()?;
        // Stopped at the Limit or at 1 MB: the next page starts after the last message.
        let more = output.last_evaluated_key.is_some_and(|key| !key.is_empty());
        let next = messages.last().filter(|_| more).map(|m| m.id.clone());
        Ok(HistoryPage { messages, next })
    }

    async fn idempotency_record(
        &self,
        tenant: &TenantId,
        claim: &IdempotencyClaim,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        self.read_idempotency_record(keys::idempotency_pk(tenant, &claim.owner, &claim.key))
            .await
    }

    async fn order_conversation(
        &self,
        tenant: &TenantId,
        order_id: &OrderId,
    ) -> Result<Option<OrderRecord>, StoreError> {
        self.read_order(tenant, order_id).await
    }

    async fn order_with_profile(
        &self,
        tenant: &TenantId,
        order_id: &OrderId,
        user: &UserId,
    ) -> Result<(Option<OrderRecord>, Option<String>), StoreError> {
        self.read_order_with_profile(tenant, order_id, user).await
    }

    async fn thread_page(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        before: Option<&str>,
        limit: u32,
        viewer: Option<&Reader>,
    ) -> Result<ThreadPage, StoreError> {
        let pk = keys::conversation_pk(tenant, conversation);
        let limit = limit as usize;
        // One item more than shown tells whether there is another page; the first page
        // also holds the header.
        let probe = limit + 1 + usize::from(before.is_none());
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND sk BETWEEN :messages AND :header")
            .expression_attribute_values(":pk", s(&pk))
            .expression_attribute_values(":messages", s(MESSAGE_SK_PREFIX))
            .expression_attribute_values(":header", s(HEADER_SK))
            .scan_index_forward(false)
            .consistent_read(true);
        if let Some(before) = before {
            query = query
                .exclusive_start_key(PK, s(&pk))
                .exclusive_start_key(SK, s(keys::message_sk(before)));
        }
        let position = async {
            match viewer {
                Some(reader) => Ok(self
                    .get_item(
                        keys::reader_pk(tenant, reader.side, &reader.user_id),
                        &keys::reader_sk(conversation),
                    )
                    .await?
                    .map(|item| position_from_item(&item))
                    .transpose()?
                    .flatten()),
                None => Ok::<_, StoreError>(None),
            }
        };
        // Long messages fill DynamoDB's 1 MB page before the probe: then the next page.
        let (found, position) = tokio::join!(self.query_up_to(query, probe), position);
        let (items, _) = found?;
        let mut header = None;
        let mut messages = Vec::with_capacity(limit + 1);
        for item in &items {
            if get_s(item, SK) == Some(HEADER_SK) {
                header = Some(header_from_item(item)?);
            } else {
                messages.push(message_from_item(item)?);
            }
        }
        // The probe was read whole unless the conversation ended first.
        let has_more = messages.len() > limit;
        messages.truncate(limit);
        Ok(ThreadPage {
            header,
            messages,
            has_more,
            position: position?,
        })
    }

    async fn mark_read(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        reader: &Reader,
        up_to: Option<&str>,
    ) -> Result<(ConversationHeader, Option<ReadPosition>), StoreError> {
        self.move_read_position(tenant, conversation, reader, up_to)
            .await
    }

    async fn conversation(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
    ) -> Result<Option<ConversationHeader>, StoreError> {
        self.get_item(keys::conversation_pk(tenant, conversation), HEADER_SK)
            .await?
            .map(|item| header_from_item(&item))
            .transpose()
    }

    async fn read_positions(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        readers: &[Reader],
    ) -> Result<HashMap<Reader, ReadPosition>, StoreError> {
        self.stored_positions(tenant, conversation, readers).await
    }
}

/// Attachments and metadata are JSON text in a message item (items written before the
/// API's JSON shape was the item's); absent when empty.
const ATTACHMENTS: &str = "attachments";
const METADATA: &str = "metadata";

pub(super) fn message_item(pk: &str, message: &Message) -> Result<Item, StoreError> {
    let mut item = keyed_item(pk, keys::message_sk(&message.id), message)?;
    item.remove(ATTACHMENTS);
    item.remove(METADATA);
    if !message.attachments.is_empty() {
        let json = serde_json::to_string(&message.attachments).map_err(internal)?;
        item.insert(ATTACHMENTS.into(), s(json));
    }
    if let Some(metadata) = &message.metadata {
        item.insert(METADATA.into(), s(metadata.to_string()));
    }
    Ok(item)
}

pub(super) fn message_from_item(item: &Item) -> Result<Message, StoreError> {
    let mut fields = item.clone();
    let mut json =
        |name: &str| -> Option<String> { fields.remove(name).and_then(|v| v.as_s().ok().cloned()) };
    let (attachments, metadata) = (json(ATTACHMENTS), json(METADATA));
    let mut message: Message = from_item(&fields)?;
    if let Some(text) = attachments {
        message.content.attachments = serde_json::from_str(&text).map_err(|e| corrupt(item, e))?;
    }
    if let Some(text) = metadata {
        message.content.metadata = Some(serde_json::from_str(&text).map_err(|e| corrupt(item, e))?);
    }
    Ok(message)
}
