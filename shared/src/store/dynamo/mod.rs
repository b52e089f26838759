//! The traits of [`super`] on DynamoDB, through the AWS SDK. Keys come from [`super::keys`].

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, KeysAndAttributes, Put, PutRequest, ReturnValue,
    ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update, WriteRequest,
};
use aws_sdk_dynamodb::Client;
use ulid::Ulid;

mod directory;
mod feed;
mod inbound;
mod item;
mod notifications;

use super::keys::{self, HEADER_SK, IDEMPOTENCY_SK, MESSAGE_SK_PREFIX, PK, SK};
use super::{
    AppendGuard, AppendOutcome, ConversationHeader, DueStage, DueState, IdempotencyClaim,
    IdempotencyRecord, MessageDraft, MessageStore, Reader, SettingsStore, SideState, StoreError,
    ThreadPage,
};
use crate::domain::message::ReadPosition;
use crate::domain::notify::NotifyChannel;
use crate::domain::{
    now_rfc3339, text, Channel, ConversationId, ConversationStatus, Message, MessageType,
    MessagingMode, SenderType, Settings, Side,
};
use item::{
    backoff, classify, failed_condition_item, get_n, get_s, internal, is_conditional_failure, n,
    required, s, Item, TransactFailure,
};

/// Sends into one busy conversation retry until their id is the newest; each retry
/// follows a commit by someone else, so this bounds only pathological contention.
const MAX_APPEND_ATTEMPTS: u32 = 100;
const IDEMPOTENCY_TTL_SECS: i64 = 24 * 60 * 60;

#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoStore {
            client,
            table: table.into(),
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Every page of a Query.
    async fn query_all(
        &self,
        query: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let output = query
                .clone()
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(classify)?;
            items.extend(output.items.unwrap_or_default());
            match output.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(items),
            }
        }
    }

    /// One TransactWriteItems; a cancellation comes back with its reasons.
    async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<(), TransactFailure> {
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(err) => match err.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(e)) => Err(
                    TransactFailure::Cancelled(e.cancellation_reasons().to_vec()),
                ),
                _ => Err(TransactFailure::Store(classify(err))),
            },
        }
    }

    /// [`Self::transact`], tried again after a backoff while it is cancelled only by
    /// contention with other transactions (a failed condition comes back at once).
    async fn transact_retrying(
        &self,
        items: Vec<TransactWriteItem>,
    ) -> Result<(), TransactFailure> {
        const ATTEMPTS: u32 = 5;
        let mut attempt = 0;
        loop {
            match self.transact(items.clone()).await {
                Err(TransactFailure::Cancelled(reasons))
                    if attempt + 1 < ATTEMPTS
                        && item::conflicted(&reasons)
                        && !reasons
                            .iter()
                            .any(|r| r.code() == Some("ConditionalCheckFailed")) =>
                {
                    backoff(attempt).await;
                    attempt += 1;
                }
                outcome => return outcome,
            }
        }
    }

    /// Reads of these keys: one BatchGetItem per 100 keys, plus one per round of keys
    /// DynamoDB left unprocessed (after a backoff).
    async fn batch_get(&self, keys: Vec<Item>, consistent: bool) -> Result<Vec<Item>, StoreError> {
        /// BatchGetItem takes at most 100 keys.
        const MAX_BATCH_KEYS: usize = 100;
        let mut found = Vec::new();
        for chunk in keys.chunks(MAX_BATCH_KEYS) {
            let wanted = KeysAndAttributes::builder()
                .set_keys(Some(chunk.to_vec()))
                .consistent_read(consistent)
                .build()
                .map_err(internal)?;
            let mut request = Some(HashMap::from([(self.table.clone(), wanted)]));
            let mut round = 0;
            while let Some(items) = request.take().filter(|r| !r.is_empty()) {
                if round > 0 {
                    backoff(round).await;
                }
                round += 1;
                let output = self
                    .client
                    .batch_get_item()
                    .set_request_items(Some(items))
                    .send()
                    .await
                    .map_err(classify)?;
                found.extend(
                    output
                        .responses
                        .and_then(|mut r| r.remove(&self.table))
                        .unwrap_or_default(),
                );
                request = output.unprocessed_keys;
            }
        }
        Ok(found)
    }

    async fn get_item(&self, pk: String, sk: &str) -> Result<Option<Item>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(classify)?;
        Ok(output.item)
    }

    async fn idempotency_record(
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

    fn header_update(
        &self,
        pk: &str,
        draft: &MessageDraft,
        message: &Message,
        tenant: &str,
    ) -> Result<Update, StoreError> {
        let conversation = &draft.conversation;
        let mut set = vec![
            "#status = if_not_exists(#status, :open)",
            "created_at = if_not_exists(created_at, :now)",
            "last_message_at = :now",
            "last_excerpt = :excerpt",
            "last_sender_type = :sender_type",
            "last_sender_name = :sender_name",
            "gsi1pk = :feed",
            "gsi1sk = :id",
            "gsi2pk = :customer_feed",
            "gsi2sk = :subject",
        ];
        let mut add = vec!["message_count :one"];
        let mut remove: Vec<&str> = Vec::new();
        let mut names = HashMap::from([("#status".to_owned(), "status".to_owned())]);
        let sender_side = draft.sender_type.side();
        if let Some(side) = sender_side {
            // The sender has read everything up to their own message: they become their
            // side's last sender, and the side's receipt frontier moves to the message.
            let letter = side.letter();
            names.insert("#ls".into(), format!("ls_{letter}"));
            names.insert("#ls_seen".into(), format!("ls_{letter}_seen"));
            names.insert("#ls_id".into(), format!("ls_{letter}_id"));
            names.insert("#rf".into(), format!("rf_{letter}"));
            names.insert("#rf_at".into(), format!("rf_{letter}_at"));
            names.insert("#own_side".into(), keys::side_counter(side).into());
            names.insert(
                "#other_side".into(),
                keys::side_counter(side.other()).into(),
            );
            set.extend([
                "#ls = :sender_id",
                "#ls_seen = if_not_exists(#other_side, :zero)",
                "#ls_id = :id",
                "#rf = :id",
                "#rf_at = :now",
            ]);
            add.push("#own_side :one");
        }
        let newer_than_last = "#status = :open AND (attribute_not_exists(gsi1sk) OR gsi1sk < :id)";
        let condition =
            if draft.create_conversation && conversation.subject.created_on_first_message() {
                format!("attribute_not_exists({PK}) OR ({newer_than_last})")
            } else {
                format!("attribute_exists({PK}) AND {newer_than_last}")
            };
        let mut values = HashMap::from([
            (":subject".to_owned(), s(conversation.subject.to_string())),
            (":open".into(), s(ConversationStatus::Open.as_str())),
            (":now".into(), s(&message.created_at)),
            (":id".into(), s(&message.id)),
            (
                ":excerpt".into(),
                s(text::excerpt(&excerpt_source(message))),
            ),
            (":sender_type".into(), s(message.sender_type.as_str())),
            (":sender_name".into(), s(&message.sender_name)),
            (":feed".into(), s(keys::tenant_feed_pk(tenant))),
            (
                ":customer_feed".into(),
                s(keys::customer_feed_pk(tenant, &conversation.customer_id)),
            ),
            (":one".into(), n(1)),
        ]);
        if sender_side.is_some() {
            values.insert(":zero".into(), n(0));
            values.insert(":sender_id".into(), s(&draft.sender_id));
        }
        if let Some(pending) = &draft.notification {
            values.insert(":due_shard".into(), s(keys::due_shard(pk)));
            if pending.now.is_empty() {
                // A pending notification stays due when it was: later messages join it.
                set.extend([
                    "gsi3pk = if_not_exists(gsi3pk, :due_shard)",
                    "gsi3sk = if_not_exists(gsi3sk, :due)",
                ]);
                values.insert(":due".into(), s(&pending.due_at));
            } else {
                // A pass due now names itself by its due time: no round of its own.
                remove.push("due_round");
                set.extend([
                    "gsi3pk = :due_shard",
                    "gsi3sk = :now",
                    "due_stage = :digest",
                ]);
                add.push("notify_now :channels");
                values.insert(":digest".into(), s("digest"));
                values.insert(
                    ":channels".into(),
                    AttributeValue::Ss(pending.now.iter().map(|c| c.as_str().to_owned()).collect()),
                );
            }
        }
        let mut expression = format!("SET {} ADD {}", set.join(", "), add.join(", "));
        if !remove.is_empty() {
            expression.push_str(&format!(" REMOVE {}", remove.join(", ")));
        }
        Update::builder()
            .table_name(&self.table)
            .key(PK, s(pk))
            .key(SK, s(HEADER_SK))
            .update_expression(expression)
            .condition_expression(condition)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(|e| StoreError::Internal(e.to_string()))
    }

    fn message_put(&self, pk: &str, message: &Message) -> Result<Put, StoreError> {
        Put::builder()
            .table_name(&self.table)
            .set_item(Some(message_item(pk, message)))
            .condition_expression(format!("attribute_not_exists({PK})"))
            .build()
            .map_err(|e| StoreError::Internal(e.to_string()))
    }

    fn idempotency_put(
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

impl SettingsStore for DynamoStore {
    async fn get_settings(&self, tenant: &str) -> Result<Option<Settings>, StoreError> {
        Ok(self
            .get_item(keys::tenant_pk(tenant), keys::SETTINGS_SK)
            .await?
            .map(|item| settings_from_item(&item)))
    }

    async fn put_settings(
        &self,
        tenant: &str,
        settings: &Settings,
        previous: Option<&Settings>,
    ) -> Result<(), StoreError> {
        let mut item = Item::from([
            (PK.to_owned(), s(keys::tenant_pk(tenant))),
            (SK.to_owned(), s(keys::SETTINGS_SK)),
            ("mode".to_owned(), s(settings.mode.as_str())),
            (
                "notify_delay_minutes".to_owned(),
                n(settings.notify_delay_minutes.into()),
            ),
            ("timezone".to_owned(), s(&settings.timezone)),
        ]);
        let optional = [
            ("business_name", &settings.business_name),
            (
                "admin_notification_email",
                &settings.admin_notification_email,
            ),
            ("from_email", &settings.from_email),
            ("portal_base_url", &settings.portal_base_url),
            ("sms_help_text", &settings.sms_help_text),
            ("sms_auto_reply", &settings.sms_auto_reply),
            ("updated_at", &settings.updated_at),
            ("updated_by", &settings.updated_by),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                item.insert(name.to_owned(), s(value));
            }
        }
        if let Some(minutes) = settings.sms_escalation_minutes {
            item.insert("sms_escalation_minutes".into(), n(minutes.into()));
        }
        if let Some(seconds) = settings.notify_delay_seconds {
            item.insert("notify_delay_seconds".into(), n(seconds.into()));
        }
        if let Some(quiet) = &settings.quiet_hours {
            item.insert("quiet_start".into(), s(&quiet.start));
            item.insert("quiet_end".into(), s(&quiet.end));
        }
        if !settings.sms_numbers.is_empty() {
            item.insert(
                "sms_numbers".into(),
                AttributeValue::L(settings.sms_numbers.iter().map(s).collect()),
            );
        }
        let released: Vec<&String> = previous
            .map(|p| &p.sms_numbers)
            .into_iter()
            .flatten()
            .filter(|number| !settings.sms_numbers.contains(number))
            .collect();
        if settings.sms_numbers.is_empty() && released.is_empty() {
            self.client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item))
                .send()
                .await
                .map_err(classify)?;
            return Ok(());
        }
        self.put_settings_with_numbers(tenant, item, &settings.sms_numbers, &released)
            .await
    }
}

impl MessageStore for DynamoStore {
    async fn append_message(
        &self,
        tenant: &str,
        draft: &MessageDraft,
        guard: Option<&AppendGuard>,
    ) -> Result<AppendOutcome, StoreError> {
        let pk = keys::conversation_pk(tenant, &draft.conversation);
        let idempotency_pk = match guard {
            Some(AppendGuard::Idempotency(claim)) => {
                Some(keys::idempotency_pk(tenant, &draft.sender_id, &claim.key))
            }
            _ => None,
        };
        let mut newer_than: Option<Ulid> = None;
        for attempt in 0..MAX_APPEND_ATTEMPTS {
            let message = new_message(draft, next_message_id(newer_than));
            let mut items = vec![
                TransactWriteItem::builder()
                    .update(self.header_update(&pk, draft, &message, tenant)?)
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
                None => {}
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
            if code(2) == "ConditionalCheckFailed" {
                let Some(record_pk) = idempotency_pk.clone() else {
                    return Ok(AppendOutcome::Duplicate);
                };
                return match self.idempotency_record(record_pk).await? {
                    Some(record) => Ok(AppendOutcome::KeyUsed(record)),
                    // Expired and deleted between the two requests: try again as new.
                    None => continue,
                };
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
                    return Err(StoreError::NotFound);
                };
                if get_s(current, "status") == Some(ConversationStatus::Closed.as_str()) {
                    return Err(StoreError::Closed);
                }
                match get_s(current, keys::GSI1_SK).and_then(|id| Ulid::from_string(id).ok()) {
                    // Someone committed a newer message first: go after it.
                    Some(last) => {
                        newer_than = Some(last);
                        if attempt > 2 {
                            backoff(attempt).await;
                        }
                        continue;
                    }
                    None => {
                        return Err(StoreError::Internal(
                            "conversation header refused a send".into(),
                        ))
                    }
                }
            }
            return Err(StoreError::Internal(format!(
                "transaction cancelled: {reasons:?}"
            )));
        }
        Err(StoreError::Unavailable("conversation too busy".into()))
    }

    async fn thread_page(
        &self,
        tenant: &str,
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
            .consistent_read(true)
            .limit(probe as i32);
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
        let (output, position) = tokio::join!(query.send(), position);
        let output = output.map_err(classify)?;
        let mut header = None;
        let mut messages = Vec::with_capacity(limit + 1);
        for item in output.items() {
            if get_s(item, SK) == Some(HEADER_SK) {
                header = Some(header_from_item(item)?);
            } else {
                messages.push(message_from_item(item)?);
            }
        }
        // A Query also stops at 1 MB: whenever DynamoDB says it stopped, there is more.
        let stopped_early = output.last_evaluated_key.is_some_and(|key| !key.is_empty());
        let has_more = messages.len() > limit || (stopped_early && !messages.is_empty());
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
        tenant: &str,
        conversation: &ConversationId,
        reader: &Reader,
        up_to: Option<&str>,
    ) -> Result<(ConversationHeader, Option<ReadPosition>), StoreError> {
        let pk = keys::conversation_pk(tenant, conversation);
        let letter = reader.side.letter();
        let now = now_rfc3339();
        // The side's receipt frontier moves to the newest message unless someone on the
        // side got there first; either way the header comes back.
        let mut condition = "attribute_exists(gsi1sk) AND \
             (attribute_not_exists(#rf) OR #rf < gsi1sk)"
            .to_owned();
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(&pk))
            .key(SK, s(HEADER_SK))
            .update_expression("SET #rf = gsi1sk, #rf_at = :now")
            .expression_attribute_names("#rf", format!("rf_{letter}"))
            .expression_attribute_names("#rf_at", format!("rf_{letter}_at"))
            .expression_attribute_values(":now", s(&now))
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        if let Some(id) = up_to {
            condition.push_str(" AND gsi1sk = :up_to");
            request = request.expression_attribute_values(":up_to", s(id));
        }
        let header = match request.condition_expression(condition).send().await {
            Ok(output) => header_from_item(&output.attributes.unwrap_or_default())?,
            Err(err) => match failed_condition_item(err)? {
                Some(item) => header_from_item(&item)?,
                None => return Err(StoreError::NotFound),
            },
        };
        let Some(last) = header.last_message_id.clone() else {
            return Err(StoreError::NotFound);
        };
        if let Some(id) = up_to.filter(|id| *id != last) {
            if id > last.as_str() {
                return Err(not_in_conversation());
            }
            return self
                .mark_read_to_older(tenant, conversation, reader, id, header, &now)
                .await;
        }
        let position = ReadPosition {
            up_to: last,
            seen: header.sent_by(reader.side.other()),
            at: now,
        };
        self.write_position(tenant, conversation, reader, &position)
            .await?;
        Ok((header, Some(position)))
    }

    async fn conversation(
        &self,
        tenant: &str,
        conversation: &ConversationId,
    ) -> Result<Option<ConversationHeader>, StoreError> {
        self.get_item(keys::conversation_pk(tenant, conversation), HEADER_SK)
            .await?
            .map(|item| header_from_item(&item))
            .transpose()
    }

    async fn read_positions(
        &self,
        tenant: &str,
        conversation: &ConversationId,
        readers: &[Reader],
    ) -> Result<HashMap<Reader, ReadPosition>, StoreError> {
        let sk = keys::reader_sk(conversation);
        let by_pk: HashMap<String, &Reader> = readers
            .iter()
            .map(|r| (keys::reader_pk(tenant, r.side, &r.user_id), r))
            .collect();
        let wanted = by_pk.keys().map(|pk| key_item(pk.clone(), &sk)).collect();
        let mut positions = HashMap::new();
        for item in self.batch_get(wanted, true).await? {
            let reader = get_s(&item, PK).and_then(|pk| by_pk.get(pk));
            if let (Some(reader), Some(position)) = (reader, position_from_item(&item)) {
                positions.insert((*reader).clone(), position);
            }
        }
        Ok(positions)
    }
}

fn not_in_conversation() -> StoreError {
    StoreError::BadReference("up_to is not a message of this conversation".into())
}

/// How far behind the newest message an explicit `up_to` may be: what follows it is
/// counted, so the count is bounded.
pub const OLDER_READ_WINDOW: usize = 100;

impl DynamoStore {
    /// Moves a reader to a message older than the newest (`header`, as the first request
    /// of [`MessageStore::mark_read`] found it): one Query from that message to the newest
    /// counts the other side's messages after it (at most [`OLDER_READ_WINDOW`]), beside
    /// one GetItem of the reader's position.
    async fn mark_read_to_older(
        &self,
        tenant: &str,
        conversation: &ConversationId,
        reader: &Reader,
        up_to: &str,
        header: ConversationHeader,
        now: &str,
    ) -> Result<(ConversationHeader, Option<ReadPosition>), StoreError> {
        let pk = keys::conversation_pk(tenant, conversation);
        let last = keys::message_sk(header.last_message_id.as_deref().unwrap_or_default());
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND sk BETWEEN :from AND :last")
            .expression_attribute_values(":pk", s(&pk))
            .expression_attribute_values(":from", s(keys::message_sk(up_to)))
            .expression_attribute_values(":last", s(&last))
            .projection_expression("sk, sender_type")
            .consistent_read(true)
            .limit((OLDER_READ_WINDOW + 2) as i32)
            .send();
        let reader_sk = keys::reader_sk(conversation);
        let own = self.get_item(
            keys::reader_pk(tenant, reader.side, &reader.user_id),
            &reader_sk,
        );
        let (output, own) = tokio::join!(query, own);
        let output = output.map_err(classify)?;
        let items = output.items();
        let sk_of = |item: Option<&Item>| item.and_then(|item| get_s(item, SK)).map(str::to_owned);
        if sk_of(items.first()) != Some(keys::message_sk(up_to)) {
            return Err(not_in_conversation());
        }
        let own = own?.and_then(|item| position_from_item(&item));
        if own.as_ref().is_some_and(|p| p.up_to.as_str() >= up_to) {
            // Already read that far: positions never move back.
            return Ok((header, own));
        }
        if sk_of(items.last()) != Some(last) {
            return Err(StoreError::BadReference(format!(
                "up_to must be one of the {OLDER_READ_WINDOW} newest messages; leave it out to read everything"
            )));
        }
        let other_sender = SenderType::of_side(reader.side.other()).as_str();
        let after = items[1..]
            .iter()
            .filter(|item| get_s(item, "sender_type") == Some(other_sender))
            .count() as u64;
        let position = ReadPosition {
            up_to: up_to.to_owned(),
            seen: header.sent_by(reader.side.other()).saturating_sub(after),
            at: now.to_owned(),
        };
        self.write_position(tenant, conversation, reader, &position)
            .await?;
        let frontier = header.side(reader.side).read_up_to.as_deref();
        if frontier.is_none_or(|f| f < up_to) {
            let letter = reader.side.letter();
            let result = self
                .client
                .update_item()
                .table_name(&self.table)
                .key(PK, s(&pk))
                .key(SK, s(HEADER_SK))
                .update_expression("SET #rf = :up_to, #rf_at = :now")
                .condition_expression("attribute_not_exists(#rf) OR #rf < :up_to")
                .expression_attribute_names("#rf", format!("rf_{letter}"))
                .expression_attribute_names("#rf_at", format!("rf_{letter}_at"))
                .expression_attribute_values(":up_to", s(up_to))
                .expression_attribute_values(":now", s(now))
                .send()
                .await;
            match result {
                Ok(_) => {}
                Err(err) if is_conditional_failure(&err) => {}
                Err(err) => return Err(classify(err)),
            }
        }
        Ok((header, Some(position)))
    }

    /// The reader's position and their read clock, in one BatchWriteItem (two small puts,
    /// no transaction: the clock only has to change, and positions only move forward
    /// because they are computed from what the header says now).
    async fn write_position(
        &self,
        tenant: &str,
        conversation: &ConversationId,
        reader: &Reader,
        position: &ReadPosition,
    ) -> Result<(), StoreError> {
        let pk = keys::reader_pk(tenant, reader.side, &reader.user_id);
        let mut clock = key_item(pk.clone(), keys::READ_CLOCK_SK);
        clock.insert("at".into(), s(Ulid::new().to_string()));
        let puts = [
            position_item(pk, keys::reader_sk(conversation), position),
            clock,
        ]
        .into_iter()
        .map(|item| {
            PutRequest::builder()
                .set_item(Some(item))
                .build()
                .map(|put| WriteRequest::builder().put_request(put).build())
                .map_err(internal)
        })
        .collect::<Result<Vec<_>, _>>()?;
        let mut pending = Some(HashMap::from([(self.table.clone(), puts)]));
        for round in 0..5 {
            let Some(requests) = pending.take().filter(|r| !r.is_empty()) else {
                return Ok(());
            };
            if round > 0 {
                backoff(round).await;
            }
            let output = self
                .client
                .batch_write_item()
                .set_request_items(Some(requests))
                .send()
                .await
                .map_err(classify)?;
            pending = output.unprocessed_items;
        }
        match pending.filter(|r| !r.is_empty()) {
            None => Ok(()),
            Some(_) => Err(StoreError::Unavailable("read position not written".into())),
        }
    }
}

/// A ULID newer than `newer_than`, so that commit order stays id order.
fn next_message_id(newer_than: Option<Ulid>) -> Ulid {
    let fresh = Ulid::new();
    match newer_than.and_then(|last| last.increment()) {
        Some(after_last) if after_last > fresh => after_last,
        _ => fresh,
    }
}

fn new_message(draft: &MessageDraft, id: Ulid) -> Message {
    Message {
        id: id.to_string(),
        conversation_id: draft.conversation.encode(),
        customer_id: draft.conversation.customer_id.clone(),
        patient_id: draft.conversation.subject.patient_id().map(str::to_owned),
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

/// The feed shows the text, or the file names of a message without text.
fn excerpt_source(message: &Message) -> String {
    if message.message.is_empty() {
        let names: Vec<&str> = message
            .attachments
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        names.join(", ")
    } else {
        message.message.clone()
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

fn message_from_item(item: &Item) -> Result<Message, StoreError> {
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

fn header_from_item(item: &Item) -> Result<ConversationHeader, StoreError> {
    let (_, id) = get_s(item, PK)
        .and_then(keys::parse_conversation_pk)
        .ok_or_else(|| StoreError::Internal("header with an invalid key".into()))?;
    let text = |name: &str| get_s(item, name).map(str::to_owned);
    let side = |letter: char| SideState {
        last_sender: text(&format!("ls_{letter}")),
        last_sender_seen: get_n(item, &format!("ls_{letter}_seen")),
        last_sender_message: text(&format!("ls_{letter}_id")),
        last_sender_at: text(&format!("ls_{letter}_id")).and_then(|id| id_time(&id)),
        read_up_to: text(&format!("rf_{letter}")),
        read_at: text(&format!("rf_{letter}_at")),
    };
    let due = match (text(keys::GSI3_SK), text("due_round")) {
        (Some(due_at), round) => Some(DueState {
            round: round.unwrap_or_else(|| due_at.clone()),
            due_at,
            stage: match get_s(item, "due_stage") {
                Some("escalation") => DueStage::Escalation,
                _ => DueStage::Digest,
            },
            notify_now: item
                .get("notify_now")
                .and_then(|v| v.as_ss().ok())
                .map(|set| set.iter().filter_map(|c| NotifyChannel::parse(c)).collect())
                .unwrap_or_default(),
        }),
        (None, _) => None,
    };
    Ok(ConversationHeader {
        id,
        status: match get_s(item, "status") {
            Some("closed") => ConversationStatus::Closed,
            _ => ConversationStatus::Open,
        },
        title: text("title"),
        created_at: text("created_at").unwrap_or_default(),
        // The feed's sort key is the last message id: the header keeps it once.
        last_message_id: text(keys::GSI1_SK),
        last_message_at: text("last_message_at"),
        last_excerpt: text("last_excerpt"),
        last_sender_type: get_s(item, "last_sender_type").and_then(SenderType::parse),
        last_sender_name: text("last_sender_name"),
        message_count: get_n(item, "message_count"),
        customer_messages: get_n(item, keys::side_counter(Side::Customer)),
        staff_messages: get_n(item, keys::side_counter(Side::Staff)),
        customer: side(Side::Customer.letter()),
        staff: side(Side::Staff.letter()),
        due,
        notified_up_to: text("notified_up_to"),
    })
}

/// When a message was sent, from its id (ULIDs carry their time).
fn id_time(id: &str) -> Option<String> {
    let millis = Ulid::from_string(id).ok()?.timestamp_ms();
    let at = jiff::Timestamp::from_millisecond(i64::try_from(millis).ok()?).ok()?;
    Some(crate::domain::format_timestamp(at))
}

fn position_from_item(item: &Item) -> Option<ReadPosition> {
    Some(ReadPosition {
        up_to: get_s(item, "up_to")?.to_owned(),
        seen: get_n(item, "seen"),
        at: get_s(item, "at").unwrap_or_default().to_owned(),
    })
}

fn position_item(pk: String, sk: String, position: &ReadPosition) -> Item {
    Item::from([
        (PK.to_owned(), s(pk)),
        (SK.to_owned(), s(sk)),
        ("up_to".to_owned(), s(&position.up_to)),
        ("seen".to_owned(), n(position.seen)),
        ("at".to_owned(), s(&position.at)),
    ])
}

fn key_item(pk: String, sk: impl Into<String>) -> Item {
    Item::from([(PK.to_owned(), s(pk)), (SK.to_owned(), s(sk))])
}

fn settings_from_item(item: &Item) -> Settings {
    let defaults = Settings::default();
    let text = |name: &str| get_s(item, name).map(str::to_owned);
    let number = |name: &str| {
        item.get(name)
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse::<u32>().ok())
    };
    Settings {
        mode: get_s(item, "mode")
            .and_then(MessagingMode::parse)
            .unwrap_or(defaults.mode),
        business_name: text("business_name"),
        notify_delay_minutes: number("notify_delay_minutes")
            .unwrap_or(defaults.notify_delay_minutes),
        sms_escalation_minutes: number("sms_escalation_minutes"),
        notify_delay_seconds: number("notify_delay_seconds"),
        quiet_hours: match (text("quiet_start"), text("quiet_end")) {
            (Some(start), Some(end)) => Some(crate::domain::notify::QuietHours { start, end }),
            _ => None,
        },
        admin_notification_email: text("admin_notification_email"),
        from_email: text("from_email"),
        portal_base_url: text("portal_base_url"),
        timezone: text("timezone").unwrap_or(defaults.timezone),
        sms_numbers: item
            .get("sms_numbers")
            .and_then(|v| v.as_l().ok())
            .map(|list| list.iter().filter_map(|v| v.as_s().ok().cloned()).collect())
            .unwrap_or_default(),
        sms_help_text: text("sms_help_text"),
        sms_auto_reply: text("sms_auto_reply"),
        updated_at: text("updated_at"),
        updated_by: text("updated_by"),
    }
}
