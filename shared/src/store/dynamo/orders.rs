//! Order conversations: the order's entry (its one conversation, participants, who may
//! write, the request that opened it) and each participant's part beside their
//! assignments, written in the transactions of the messages that open the conversation
//! and change who takes part.

use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem};

use serde::{Deserialize, Serialize};

use super::expr::UpdateExpr;
use super::item::{conversation_text, from_item, get_s, internal, keyed_item, s, Item};
use super::DynamoStore;
use crate::domain::order::MAX_PARTICIPANTS;
use crate::domain::ConversationId;
use crate::store::keys::{self, PK, SK};
use crate::store::{ClosedParts, OrderRecord, ParticipantChange, StoreError};

impl DynamoStore {
    fn order_put(&self, tenant: &str, order: &OrderRecord) -> Result<Put, StoreError> {
        let item = keyed_item(
            keys::order_pk(tenant, &order.order_id),
            keys::ORDER_SK,
            &OrderItem::from(order),
        )?;
        Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(format!("attribute_not_exists({PK})"))
            .build()
            .map_err(internal)
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
        let part = Participation {
            conversation: conversation.clone(),
            order_id: order_id.to_owned(),
        };
        let item = keyed_item(
            keys::staff_pk(tenant, user),
            keys::part_sk(conversation),
            &part,
        )?;
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
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
        let entry = UpdateExpr::new()
            .value(":user", AttributeValue::Ss(vec![change.user.clone()]))
            .value(":one", s(&change.user));
        let entry = if change.joins {
            entry
                .add("participants :user")
                .condition(format!(
                    "attribute_exists({PK}) AND (attribute_not_exists(participants) OR \
                     (NOT contains(participants, :one) AND size(participants) < :max))"
                ))
                .value(":max", AttributeValue::N(MAX_PARTICIPANTS.to_string()))
        } else {
            entry.delete("participants :user").condition(format!(
                "attribute_exists({PK}) AND contains(participants, :one)"
            ))
        };
        let entry = self.update(
            keys::order_pk(tenant, &change.order_id),
            keys::ORDER_SK,
            &entry,
        )?;
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
            TransactWriteItem::builder().update(entry).build(),
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
            let closed = UpdateExpr::new()
                .set("closed_at = :at")
                .condition(format!("attribute_exists({PK})"))
                .value(":at", s(closed_at));
            let entry = self.update(keys::order_pk(tenant, order_id), keys::ORDER_SK, &closed)?;
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
        let removal = UpdateExpr::new()
            .delete("participants :user")
            .condition(format!("attribute_exists({PK})"))
            .value(":user", AttributeValue::Ss(vec![user.to_owned()]));
        let entry = self.update(keys::order_pk(tenant, order_id), keys::ORDER_SK, &removal)?;
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
                Some(keys::ORDER_SK) => {
                    order = Some(OrderRecord::from(from_item::<OrderItem>(&item)?))
                }
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
            .map(|item| from_item::<OrderItem>(&item).map(OrderRecord::from))
            .transpose()
    }
}

/// A participant's part in an order conversation, beside their assignments.
#[derive(Serialize)]
struct Participation {
    #[serde(rename = "conversation_id", with = "conversation_text")]
    conversation: ConversationId,
    order_id: String,
}

/// An order's entry.
#[derive(Serialize, Deserialize)]
struct OrderItem {
    order_id: String,
    #[serde(rename = "conversation_id", with = "conversation_text")]
    conversation: ConversationId,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        with = "serde_dynamo::string_set"
    )]
    participants: Vec<String>,
    #[serde(default)]
    admin_can_write: bool,
    #[serde(default)]
    request_hash: String,
    #[serde(default)]
    created_at: String,
    #[serde(default)]
    created_by: String,
    closed_at: Option<String>,
}

impl From<&OrderRecord> for OrderItem {
    fn from(order: &OrderRecord) -> Self {
        let order = order.clone();
        OrderItem {
            order_id: order.order_id,
            conversation: order.conversation,
            participants: order.participants,
            admin_can_write: order.admin_can_write,
            request_hash: order.request_hash,
            created_at: order.created_at,
            created_by: order.created_by,
            closed_at: order.closed_at,
        }
    }
}

impl From<OrderItem> for OrderRecord {
    fn from(item: OrderItem) -> Self {
        let mut participants = item.participants;
        participants.sort();
        OrderRecord {
            order_id: item.order_id,
            conversation: item.conversation,
            participants,
            admin_can_write: item.admin_can_write,
            request_hash: item.request_hash,
            created_at: item.created_at,
            created_by: item.created_by,
            closed_at: item.closed_at,
        }
    }
}

pub(super) fn order_from_item(item: &Item) -> Result<OrderRecord, StoreError> {
    from_item::<OrderItem>(item).map(OrderRecord::from)
}
