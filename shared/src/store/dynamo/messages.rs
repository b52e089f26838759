//! Messages: appending one (with its header update and what guards a retry), thread
//! pages, and the message item.

use crate::domain::ids::{OrderId, TenantId, UserId};
use std::collections::HashMap;

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use ulid::Ulid;

use super::conversations::{header_from_item, Learnt, Replaced};
use super::item::{backoff, classify, get_s, required, s, Item};
use super::reading::position_from_item;
use super::DynamoStore;
use crate::domain::message::ReadPosition;
use crate::domain::{
    now_rfc3339, Channel, ConversationId, ConversationStatus, Message, MessageType, SenderType,
};
use crate::store::keys::{self, HEADER_SK, MESSAGE_SK_PREFIX, PK, SK};
use crate::store::{
    AppendGuard, AppendOutcome, ConversationHeader, DueStage, HistoryPage, IdempotencyClaim,
    IdempotencyRecord, MessageDraft, MessageStore, OrderRecord, Reader, StoreError, ThreadPage,
    HISTORY_PAGE,
};

/// Sends into one busy conversation retry until their id is the newest; each retry
/// follows a commit by someone else, so this bounds only pathological contention.
const MAX_APPEND_ATTEMPTS: u32 = 100;

impl DynamoStore {
    fn message_put(&self, pk: &str, message: &Message) -> Result<Put, StoreError> {
        Put::builder()
            .table_name(&self.table)
            .set_item(Some(message_item(pk, message)))
            .condition_expression(format!("attribute_not_exists({PK})"))
            .build()
            .map_err(|e| StoreError::Internal(e.to_string()))
    }
}

impl MessageStore for DynamoStore {
    async fn append_message(
        &self,
        tenant: &TenantId,
        draft: &MessageDraft,
        guard: Option<&AppendGuard>,
    ) -> Result<AppendOutcome, StoreError> {
        let pk = keys::conversation_pk(tenant, &draft.conversation);
        let idempotency_pk = match guard {
            Some(AppendGuard::Idempotency(claim)) => {
                Some(keys::idempotency_pk(tenant, &claim.owner, &claim.key))
            }
            _ => None,
        };
        let mut newer_than: Option<Ulid> = None;
        let mut learnt = Learnt::default();
        for attempt in 0..MAX_APPEND_ATTEMPTS {
            let message = new_message(draft, next_message_id(newer_than));
            let mut items = vec![
                TransactWriteItem::builder()
                    .update(self.header_update(&pk, draft, &message, tenant, &learnt)?)
                    .build(),
                TransactWriteItem::builder()
                    .put(self.message_put(&pk, &message)?)
                    .build(),
            ];
            match guard {
                Some(AppendGuard::Idempotency(claim)) => items.push(
                    TransactWriteItem::builder()
                        .put(self.idempotency_put(
                            idempotency_pk.clone().unwrap_or_default(),
                            claim,
                            &pk,
                            &message,
                        )?)
                        .build(),
                ),
                Some(AppendGuard::Inbound(effects)) => {
                    items.extend(self.inbound_effect_writes(tenant, effects)?)
                }
                Some(AppendGuard::Order(order)) => items.extend(self.order_writes(tenant, order)?),
                Some(AppendGuard::Participant(change)) => {
                    items.extend(self.participant_writes(tenant, change)?)
                }
                Some(AppendGuard::Close(parts)) => {
                    items.extend(self.closed_parts(tenant, parts, &message.created_at)?)
                }
                None => {}
            }
            let patient_check_at = items.len();
            if learnt.creating_patient_thread {
                items.push(self.patient_registered(tenant, &draft.conversation)?);
            }
            let uploads_from = items.len();
            items.extend(self.upload_claims(tenant, &message)?);
            let uploads_end = items.len();
            if let Some(replaced) = &learnt.replaced {
                items.push(self.replaced_position(tenant, draft, replaced)?);
            }
            let err = match self
                .client
                .transact_write_items()
                .set_transact_items(Some(items))
                .send()
                .await
            {
                Ok(_) => return Ok(AppendOutcome::Stored(message)),
                Err(err) => err,
            };
            let reasons = match err.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(e)) => {
                    e.cancellation_reasons().to_vec()
                }
                _ => return Err(classify(err)),
            };
            let code = |i: usize| reasons.get(i).and_then(|r| r.code()).unwrap_or("None");
            if learnt.creating_patient_thread && code(patient_check_at) == "ConditionalCheckFailed"
            {
                return Err(StoreError::Unknown {
                    code: "unknown_patient",
                    message: "no such patient is registered for this account".into(),
                });
            }
            // The guard (items 2 up to the patient check) first: a retry also fails on the
            // uploads its first attempt took, and must get the first result.
            if patient_check_at > 2 && code(2) == "ConditionalCheckFailed" {
                match guard {
                    Some(AppendGuard::Order(_)) => return Ok(AppendOutcome::OrderTaken),
                    Some(AppendGuard::Participant(_)) => return Ok(AppendOutcome::Unchanged),
                    _ => {}
                }
                let Some(record_pk) = idempotency_pk.clone() else {
                    return Ok(AppendOutcome::Duplicate);
                };
                return match self.read_idempotency_record(record_pk).await? {
                    Some(record) => Ok(AppendOutcome::KeyUsed(record)),
                    // Expired and deleted between the two requests: try again as new.
                    None => continue,
                };
            }
            if (uploads_from..uploads_end).any(|i| code(i) == "ConditionalCheckFailed") {
                return Err(StoreError::Conflict {
                    code: "attachment_already_used",
                    message: "an attachment was sent with another message".into(),
                });
            }
            if matches!(guard, Some(AppendGuard::Inbound(e)) if e.opt_out.is_some())
                && code(3) == "ConditionalCheckFailed"
            {
                return Ok(AppendOutcome::Superseded);
            }
            if reasons.iter().any(|r| {
                matches!(
                    r.code(),
                    Some("ThrottlingError" | "ProvisionedThroughputExceeded")
                )
            }) {
                return Err(StoreError::Unavailable("transaction throttled".into()));
            }
            if reasons
                .iter()
                .any(|r| r.code() == Some("TransactionConflict"))
            {
                backoff(attempt).await;
                continue;
            }
            if code(0) == "ConditionalCheckFailed" {
                let Some(current) = reasons[0].item() else {
                    if draft.create_conversation
                        && draft.conversation.subject.patient_id().is_some()
                        && !learnt.creating_patient_thread
                    {
                        learnt.creating_patient_thread = true;
                        continue;
                    }
                    return Err(StoreError::NotFound);
                };
                if get_s(current, "status") == Some(ConversationStatus::Closed.as_str()) {
                    return Err(StoreError::Closed);
                }
                let stage_now = get_s(current, keys::GSI3_SK).is_some()
                    && get_s(current, "due_stage") == Some(DueStage::Escalation.as_str());
                let last = get_s(current, keys::GSI1_SK).and_then(|id| Ulid::from_string(id).ok());
                let behind = last.is_some_and(|last| last.to_string() >= message.id);
                let replacing = Replaced::from_header(current, draft)?;
                if !behind && stage_now == learnt.escalation_pending && replacing == learnt.replaced
                {
                    return Err(StoreError::Internal(
                        "conversation header refused a send".into(),
                    ));
                }
                learnt.escalation_pending = stage_now;
                learnt.replaced = replacing;
                if behind {
                    // Someone committed a newer message first: go after it.
                    newer_than = last;
                    if attempt > 2 {
                        backoff(attempt).await;
                    }
                }
                continue;
            }
            return Err(StoreError::Internal(format!(
                "transaction cancelled: {reasons:?}"
            )));
        }
        Err(StoreError::Unavailable("conversation too busy".into()))
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
                    .and_then(|item| position_from_item(&item))),
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

/// A ULID newer than `newer_than`, so that commit order stays id order.
/// After `newer_than` (the conversation's last message, when a condition said so), and
/// after the id this container last took from its clock: back-to-back messages in one
/// millisecond get increasing ids, so they do not pay an ordering retry each. An id
/// pushed ahead by another container's clock stays with its conversation.
fn next_message_id(newer_than: Option<Ulid>) -> Ulid {
    static LAST_FROM_CLOCK: std::sync::Mutex<Option<Ulid>> = std::sync::Mutex::new(None);
    let mut last_from_clock = LAST_FROM_CLOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut fresh = Ulid::new();
    if let Some(next) = last_from_clock
        .filter(|last| *last >= fresh)
        .and_then(|last| last.increment())
    {
        fresh = next;
    }
    *last_from_clock = Some(fresh);
    match newer_than.and_then(|last| last.increment()) {
        Some(after_last) if after_last > fresh => after_last,
        _ => fresh,
    }
}

fn new_message(draft: &MessageDraft, id: Ulid) -> Message {
    Message {
        id: id.to_string(),
        conversation_id: draft.conversation.encode(),
        customer_id: draft.conversation.customer_id.to_string(),
        patient_id: draft.conversation.subject.patient_id().map(String::from),
        sender_type: draft.sender_type,
        sender_id: draft.sender_id.clone(),
        sender_name: draft.sender_name.clone(),
        message_type: draft.message_type,
        message: draft.text.clone(),
        attachments: draft.attachments.clone(),
        metadata: draft.metadata.clone(),
        channel: draft.channel,
        external_ref: draft.external_ref.clone(),
        created_at: now_rfc3339(),
    }
}

fn message_item(pk: &str, message: &Message) -> Item {
    let mut item = Item::from([
        (PK.to_owned(), s(pk)),
        (SK.to_owned(), s(keys::message_sk(&message.id))),
        ("id".to_owned(), s(&message.id)),
        ("conversation_id".to_owned(), s(&message.conversation_id)),
        ("customer_id".to_owned(), s(&message.customer_id)),
        ("sender_type".to_owned(), s(message.sender_type.as_str())),
        ("sender_id".to_owned(), s(&message.sender_id)),
        ("sender_name".to_owned(), s(&message.sender_name)),
        ("type".to_owned(), s(message.message_type.as_str())),
        ("message".to_owned(), s(&message.message)),
        ("channel".to_owned(), s(message.channel.as_str())),
        ("created_at".to_owned(), s(&message.created_at)),
    ]);
    if let Some(patient) = &message.patient_id {
        item.insert("patient_id".into(), s(patient));
    }
    if let Some(external_ref) = &message.external_ref {
        item.insert("external_ref".into(), s(external_ref));
    }
    if !message.attachments.is_empty() {
        let json = serde_json::to_string(&message.attachments).unwrap_or_default();
        item.insert("attachments".into(), s(json));
    }
    if let Some(metadata) = &message.metadata {
        item.insert("metadata".into(), s(metadata.to_string()));
    }
    item
}

pub(super) fn message_from_item(item: &Item) -> Result<Message, StoreError> {
    let corrupt = |field: &str| StoreError::Internal(format!("message with invalid {field}"));
    Ok(Message {
        id: required(item, "id")?.to_owned(),
        conversation_id: required(item, "conversation_id")?.to_owned(),
        customer_id: required(item, "customer_id")?.to_owned(),
        patient_id: get_s(item, "patient_id").map(str::to_owned),
        sender_type: SenderType::parse(required(item, "sender_type")?)
            .ok_or_else(|| corrupt("sender_type"))?,
        sender_id: required(item, "sender_id")?.to_owned(),
        sender_name: required(item, "sender_name")?.to_owned(),
        message_type: MessageType::parse(required(item, "type")?).ok_or_else(|| corrupt("type"))?,
        message: get_s(item, "message").unwrap_or_default().to_owned(),
        attachments: match get_s(item, "attachments") {
            Some(json) => serde_json::from_str(json).map_err(|_| corrupt("attachments"))?,
            None => Vec::new(),
        },
        metadata: match get_s(item, "metadata") {
            Some(json) => Some(serde_json::from_str(json).map_err(|_| corrupt("metadata"))?),
            None => None,
        },
        channel: Channel::parse(required(item, "channel")?).ok_or_else(|| corrupt("channel"))?,
        external_ref: get_s(item, "external_ref").map(str::to_owned),
        created_at: required(item, "created_at")?.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_one_container_increase_within_a_millisecond() {
        let ids: Vec<Ulid> = (0..1_000).map(|_| next_message_id(None)).collect();
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn an_id_follows_its_conversations_last_and_leaves_others_on_the_clock() {
        let ahead = Ulid::from_parts(Ulid::new().timestamp_ms() + 60_000, 0);
        assert!(next_message_id(Some(ahead)) > ahead);
        assert!(next_message_id(None) < ahead);
    }
}
