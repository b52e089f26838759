//! Order conversations: the order's entry (its one conversation, participants, who may
//! write, the request that opened it) and each participant's part beside their
//! assignments, written in the transactions of the messages that open the conversation
//! and change who takes part.

use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem, Update};

use super::item::{get_s, internal, required, s};
use super::DynamoStore;
use crate::domain::order::MAX_PARTICIPANTS;
use crate::domain::ConversationId;
use crate::store::keys::{self, PK, SK};
use crate::store::{ClosedParts, OrderRecord, ParticipantChange, StoreError};

impl DynamoStore {
    fn order_put(&self, tenant: &str, order: &OrderRecord) -> Result<Put, StoreError> {
        let mut put = Put::builder()
            .table_name(&self.table)
            .item(PK, s(keys::order_pk(tenant, &order.order_id)))
            .item(SK, s(keys::ORDER_SK))
            .item("order_id", s(&order.order_id))
            .item("conversation_id", s(order.conversation.encode()))
            .item(
                "admin_can_write",
                AttributeValue::Bool(order.admin_can_write),
            )
            .item("request_hash", s(&order.request_hash))
            .item("created_at", s(&order.created_at))
            .item("created_by", s(&order.created_by))
            .condition_expression(format!("attribute_not_exists({PK})"));
        if !order.participants.is_empty() {
            put = put.item(
                "participants",
                AttributeValue::Ss(order.participants.clone()),
            );
        }
        put.build().map_err(|e| StoreError::Internal(e.to_string()))
    }

    /// Opening: the order's entry (only if absent) and each participant's part.
    pub(super) fn order_writes(
        &self,
        tenant: &str,
        order: &OrderRecord,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let mut writes = vec![TransactWriteItem::builder()
            .put(self.order_put(tenant, order)?)
            .build()];
        for user in &order.participants {
            writes.push(self.part_put(tenant, &order.conversation, &order.order_id, user)?);
        }
        Ok(writes)
    }

    fn part_put(
        &self,
        tenant: &str,
        conversation: &ConversationId,
        order_id: &str,
        user: &str,
    ) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .item(PK, s(keys::staff_pk(tenant, user)))
            .item(SK, s(keys::part_sk(conversation)))
            .item("conversation_id", s(conversation.encode()))
            .item("order_id", s(order_id))
            .build()
            .map_err(internal)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// A participant joining or leaving: the order's entry (conditional: not yet / still a
    /// participant, and room for one more) and their part.
    pub(super) fn participant_writes(
        &self,
        tenant: &str,
        change: &ParticipantChange,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let entry = Update::builder()
            .table_name(&self.table)
            .key(PK, s(keys::order_pk(tenant, &change.order_id)))
            .key(SK, s(keys::ORDER_SK))
            .expression_attribute_values(":user", AttributeValue::Ss(vec![change.user.clone()]))
            .expression_attribute_values(":one", s(&change.user));
        let entry = if change.joins {
            entry
                .update_expression("ADD participants :user")
                .condition_expression(format!(
                    "attribute_exists({PK}) AND (attribute_not_exists(participants) OR \
                     (NOT contains(participants, :one) AND size(participants) < :max))"
                ))
                .expression_attribute_values(
                    ":max",
                    AttributeValue::N(MAX_PARTICIPANTS.to_string()),
                )
        } else {
            entry
                .update_expression("DELETE participants :user")
                .condition_expression(format!(
                    "attribute_exists({PK}) AND contains(participants, :one)"
                ))
        };
        let part = if change.joins {
            self.part_put(tenant, &change.conversation, &change.order_id, &change.user)?
        } else {
            let delete = Delete::builder()
                .table_name(&self.table)
                .key(PK, s(keys::staff_pk(tenant, &change.user)))
                .key(SK, s(keys::part_sk(&change.conversation)))
                .build()
                .map_err(internal)?;
            TransactWriteItem::builder().delete(delete).build()
        };
        Ok(vec![
            TransactWriteItem::builder()
                .update(entry.build().map_err(internal)?)
                .build(),
            part,
        ])
    }

    /// Closing: the order's entry records when, and each participant's part is deleted
    /// (unconditionally: one that is gone already is what closing wants).
    pub(super) fn closed_parts(
        &self,
        tenant: &str,
        parts: &ClosedParts,
        closed_at: &str,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let mut writes = Vec::with_capacity(parts.participants.len() + 1);
        if let Some(order_id) = parts.conversation.subject.order_id() {
            let entry = Update::builder()
                .table_name(&self.table)
                .key(PK, s(keys::order_pk(tenant, order_id)))
                .key(SK, s(keys::ORDER_SK))
                .update_expression("SET closed_at = :at")
                .condition_expression(format!("attribute_exists({PK})"))
                .expression_attribute_values(":at", s(closed_at))
                .build()
                .map_err(internal)?;
            writes.push(TransactWriteItem::builder().update(entry).build());
        }
        for user in &parts.participants {
            let delete = Delete::builder()
                .table_name(&self.table)
                .key(PK, s(keys::staff_pk(tenant, user)))
                .key(SK, s(keys::part_sk(&parts.conversation)))
                .build()
                .map_err(internal)?;
            writes.push(TransactWriteItem::builder().delete(delete).build());
        }
        Ok(writes)
    }

    /// A removed staff member leaves an open order: its entry no longer names them (if
    /// it did) and their part goes.
    pub(super) fn participant_removal(
        &self,
        tenant: &str,
        conversation: &ConversationId,
        user: &str,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let Some(order_id) = conversation.subject.order_id() else {
            return Ok(Vec::new());
        };
        let entry = Update::builder()
            .table_name(&self.table)
            .key(PK, s(keys::order_pk(tenant, order_id)))
            .key(SK, s(keys::ORDER_SK))
            .update_expression("DELETE participants :user")
            .condition_expression(format!("attribute_exists({PK})"))
            .expression_attribute_values(":user", AttributeValue::Ss(vec![user.to_owned()]))
            .build()
            .map_err(internal)?;
        let part = Delete::builder()
            .table_name(&self.table)
            .key(PK, s(keys::staff_pk(tenant, user)))
            .key(SK, s(keys::part_sk(conversation)))
            .build()
            .map_err(internal)?;
        Ok(vec![
            TransactWriteItem::builder().update(entry).build(),
            TransactWriteItem::builder().delete(part).build(),
        ])
    }

    pub(super) async fn read_order_with_profile(
        &self,
        tenant: &str,
        order_id: &str,
        user: &str,
    ) -> Result<(Option<OrderRecord>, Option<String>), StoreError> {
        let wanted = vec![
            super::key_item(keys::order_pk(tenant, order_id), keys::ORDER_SK),
            super::key_item(keys::staff_pk(tenant, user), keys::PROFILE_SK),
        ];
        let mut order = None;
        let mut since = None;
        for item in self.batch_get(wanted, true).await? {
            match get_s(&item, SK) {
                Some(keys::ORDER_SK) => order = Some(order_from_item(&item)?),
                Some(keys::PROFILE_SK) => {
                    since = Some(get_s(&item, "created_at").unwrap_or_default().to_owned())
                }
                _ => {}
            }
        }
        Ok((order, since))
    }

    pub(super) async fn read_order(
        &self,
        tenant: &str,
        order_id: &str,
    ) -> Result<Option<OrderRecord>, StoreError> {
        self.get_item(keys::order_pk(tenant, order_id), keys::ORDER_SK)
            .await?
            .map(|item| order_from_item(&item))
            .transpose()
    }
}

fn order_from_item(item: &super::item::Item) -> Result<OrderRecord, StoreError> {
    let mut participants: Vec<String> = item
        .get("participants")
        .and_then(|v| v.as_ss().ok())
        .cloned()
        .unwrap_or_default();
    participants.sort();
    Ok(OrderRecord {
        order_id: required(item, "order_id")?.to_owned(),
        conversation: ConversationId::decode(required(item, "conversation_id")?)
            .ok_or_else(|| StoreError::Internal("order with an invalid conversation".into()))?,
        participants,
        admin_can_write: item
            .get("admin_can_write")
            .and_then(|v| v.as_bool().ok())
            .copied()
            .unwrap_or(false),
        request_hash: get_s(item, "request_hash").unwrap_or_default().to_owned(),
        created_at: get_s(item, "created_at").unwrap_or_default().to_owned(),
        created_by: get_s(item, "created_by").unwrap_or_default().to_owned(),
        closed_at: get_s(item, "closed_at").map(str::to_owned),
    })
}
