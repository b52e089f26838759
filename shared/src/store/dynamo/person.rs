//! A person's data across the table: the walks an export and an erasure make over a
//! scope's conversations, and the few writes an erasure makes beside placeholders.

use aws_sdk_dynamodb::types::AttributeValue;

use super::expr::UpdateExpr;
use super::item::{classify, from_item, get_n, get_s, is_conditional_failure, s, Item};
use super::messages::message_from_item;
use super::notifications::delivery_pk;
use super::DynamoStore;
use crate::domain::ids::TenantId;
use crate::domain::{ConversationId, Named, SenderType};
use crate::store::keys::{self, GSI1, GSI4, MESSAGE_SK_PREFIX, PK, SK};
use crate::store::{
    ConversationEntry, ConversationScope, DeliveryEntry, NumberState, PersonStore, StoreError,
    StoredMessage, Walked,
};

fn entry_from(item: &Item) -> Option<ConversationEntry> {
    let (_, id) = keys::parse_conversation_pk(get_s(item, PK)?)?;
    let text = |name: &str| get_s(item, name).map(str::to_owned);
    Some(ConversationEntry {
        id,
        status: text("status"),
        title: text("title"),
        created_at: text("created_at"),
        last_message_at: text("last_message_at"),
        message_count: get_n(item, "message_count"),
    })
}

/// Where a page stopped: the sort key after the prefix, when more may follow.
fn stopped_at(key: Option<&Item>, prefix: &str) -> Option<String> {
    key.filter(|key| !key.is_empty())
        .and_then(|key| get_s(key, SK))
        .and_then(|sk| sk.strip_prefix(prefix))
        .map(str::to_owned)
}

impl PersonStore for DynamoStore {
    async fn conversations_in(
        &self,
        tenant: &TenantId,
        scope: &ConversationScope,
    ) -> Result<Vec<ConversationEntry>, StoreError> {
        let (index, condition, pk) = match scope {
            ConversationScope::Account(customer) => (
                GSI4,
                "gsi2pk = :pk",
                keys::customer_feed_pk(tenant, customer),
            ),
            ConversationScope::Tenant => (GSI1, "gsi1pk = :pk", keys::tenant_feed_pk(tenant)),
        };
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index)
            .key_condition_expression(condition)
            .expression_attribute_values(":pk", s(pk));
        // Page by page, keeping only what an entry needs: the projection is larger.
        let mut entries = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let output = query
                .clone()
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(classify)?;
            entries.extend(output.items().iter().filter_map(entry_from));
            match output.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(entries),
            }
        }
    }

    async fn messages_of(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        (sender_type, sender): (SenderType, &str),
        after: Option<&str>,
        page: u32,
    ) -> Result<Walked<StoredMessage>, StoreError> {
        let pk = keys::conversation_pk(tenant, conversation);
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :messages)")
            .filter_expression("sender_id = :sender AND sender_type = :type")
            .expression_attribute_values(":pk", s(&pk))
            .expression_attribute_values(":messages", s(MESSAGE_SK_PREFIX))
            .expression_attribute_values(":sender", s(sender))
            .expression_attribute_values(":type", s(sender_type.as_str()))
            .consistent_read(true)
            .limit(i32::try_from(page).unwrap_or(i32::MAX));
        if let Some(after) = after {
            query = query
                .exclusive_start_key(PK, s(&pk))
                .exclusive_start_key(SK, s(keys::message_sk(after)));
        }
        let output = query.send().await.map_err(classify)?;
        let items = output
            .items()
            .iter()
            .map(|item| {
                Ok(StoredMessage {
                    message: message_from_item(item)?,
                    newest: false,
                    // The edit count changes write (`dynamo/changes.rs`).
                    edits: u32::try_from(get_n(item, "edit_count")).unwrap_or(u32::MAX),
                    // An erasure empties messages of closed conversations too.
                    closed: false,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let next = stopped_at(output.last_evaluated_key.as_ref(), MESSAGE_SK_PREFIX);
        Ok(Walked { items, next })
    }

    async fn deliveries_to(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        recipient: &str,
        after: Option<&str>,
        page: u32,
    ) -> Result<Walked<DeliveryEntry>, StoreError> {
        let pk = delivery_pk(tenant, conversation);
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :d)")
            .filter_expression("recipient = :recipient")
            .expression_attribute_values(":pk", s(&pk))
            .expression_attribute_values(":d", s("D#"))
            .expression_attribute_values(":recipient", s(recipient))
            .consistent_read(true)
            .limit(i32::try_from(page).unwrap_or(i32::MAX));
        if let Some(after) = after {
            query = query
                .exclusive_start_key(PK, s(&pk))
                .exclusive_start_key(SK, s(after));
        }
        let output = query.send().await.map_err(classify)?;
        let items = output
            .items()
            .iter()
            .map(|item| {
                Ok(DeliveryEntry {
                    sk: get_s(item, SK).unwrap_or_default().to_owned(),
                    record: from_item(item)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let next = stopped_at(output.last_evaluated_key.as_ref(), "");
        Ok(Walked { items, next })
    }

    async fn redact_delivery(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        sk: &str,
    ) -> Result<bool, StoreError> {
        let update = UpdateExpr::new()
            .remove("address")
            .condition("attribute_exists(address)");
        super::item::update_written(
            self.update_item(delivery_pk(tenant, conversation), sk, &update)
                .send()
                .await,
        )
    }

    async fn rename_deleted_sender(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        message_id: &str,
        name: &str,
        by: &str,
    ) -> Result<bool, StoreError> {
        let update = UpdateExpr::new()
            .set("sender_name = :name")
            .set("deleted = :yes")
            .set("deleted_at = if_not_exists(deleted_at, :now)")
            .set("deleted_by = if_not_exists(deleted_by, :by)")
            .condition(format!(
                "attribute_exists({PK}) AND attribute_exists(deleted_at) AND sender_name <> :name"
            ))
            .value(":name", s(name))
            .value(":yes", AttributeValue::Bool(true))
            .value(":now", s(crate::domain::now_rfc3339()))
            .value(":by", s(by));
        let pk = keys::conversation_pk(tenant, conversation);
        super::item::update_written(
            self.update_item(pk, keys::message_sk(message_id), &update)
                .send()
                .await,
        )
    }

    async fn rename_last_sender(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        message_id: &str,
        name: &str,
    ) -> Result<(), StoreError> {
        let update = UpdateExpr::new()
            .set("last_sender_name = :name")
            .remove("last_excerpt")
            .condition("gsi1sk = :id")
            .value(":name", s(name))
            .value(":id", s(message_id));
        let pk = keys::conversation_pk(tenant, conversation);
        match self.update_item(pk, keys::HEADER_SK, &update).send().await {
            // A newer message is the feed's now.
            Err(err) if !is_conditional_failure(&err) => Err(classify(err)),
            _ => Ok(()),
        }
    }

    async fn number_state(
        &self,
        tenant: &TenantId,
        phone: &str,
    ) -> Result<NumberState, StoreError> {
        let wanted = vec![
            super::key_item(keys::opt_out_pk(tenant, phone), keys::OPT_OUT_SK),
            super::key_item(keys::auto_reply_pk(tenant, phone), keys::AUTO_REPLY_SK),
        ];
        let mut state = NumberState::default();
        for item in self.batch_get(wanted, true).await? {
            match get_s(&item, SK) {
                Some(keys::OPT_OUT_SK) => {
                    state.opted_out = Some(
                        item.get("opted_out")
                            .and_then(|v| v.as_bool().ok())
                            .copied()
                            .unwrap_or(true),
                    );
                    state.keyword_at = get_s(&item, "keyword_at").map(str::to_owned);
                }
                _ => state.auto_reply_day = get_s(&item, "day").map(str::to_owned),
            }
        }
        Ok(state)
    }

    async fn forget_number(&self, tenant: &TenantId, phone: &str) -> Result<u64, StoreError> {
        let mut removed = 0;
        for (pk, sk) in [
            (keys::opt_out_pk(tenant, phone), keys::OPT_OUT_SK),
            (keys::auto_reply_pk(tenant, phone), keys::AUTO_REPLY_SK),
        ] {
            let output = self
                .client
                .delete_item()
                .table_name(&self.table)
                .key(PK, s(pk))
                .key(SK, s(sk))
                .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
                .send()
                .await
                .map_err(classify)?;
            removed += u64::from(output.attributes.is_some_and(|a| !a.is_empty()));
        }
        Ok(removed)
    }
}
