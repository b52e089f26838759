//! Delivery outcomes on DynamoDB: the provider message id's item, a record's outcome
//! (only ever forward), suppressed addresses and a tenant's email rates.

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use super::expr::UpdateExpr;
use super::item::{
    attribute, classify, expires_in, from_item, get_n, is_conditional_failure, keyed_item, s,
};
use super::notifications::{delivery_pk, delivery_sk};
use super::DynamoStore;
use crate::domain::feedback::{EmailPause, EmailRates, Suppression};
use crate::domain::ids::TenantId;
use crate::domain::notify::NotifyChannel;
use crate::domain::{ConversationId, Named};
use crate::store::keys::{self, PK, SK};
use crate::store::{
    DeliveryKey, DeliveryRecord, OutcomeStore, ReportedOutcome, SentMessage, StoreError,
};

/// A provider message id's item outlives the latest receipt (72 hours) with room.
const SENT_TTL_SECS: i64 = 7 * 24 * 60 * 60;

impl DynamoStore {
    /// Names the record a provider's message id is about (one PutItem).
    pub(super) async fn put_sent_message(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        key: &DeliveryKey,
        provider_message_id: &str,
    ) -> Result<(), StoreError> {
        let sent = SentMessage::new(tenant, conversation, key);
        let mut item = keyed_item(keys::sent_pk(provider_message_id), keys::SENT_SK, &sent)?;
        item.insert(keys::TTL_ATTRIBUTE.into(), expires_in(SENT_TTL_SECS));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(classify)?;
        Ok(())
    }
}

impl OutcomeStore for DynamoStore {
    async fn sent_message(
        &self,
        provider_message_id: &str,
    ) -> Result<Option<SentMessage>, StoreError> {
        // Eventually consistent (half a unit): written when the send returned, seconds
        // before any event about it.
        self.get_item_eventually(keys::sent_pk(provider_message_id), keys::SENT_SK)
            .await?
            .as_ref()
            .map(from_item)
            .transpose()
    }

    async fn apply_outcome(
        &self,
        sent: &SentMessage,
        outcome: &ReportedOutcome,
    ) -> Result<Option<DeliveryRecord>, StoreError> {
        let Some(conversation) = sent.conversation() else {
            return Ok(None);
        };
        let mut update = UpdateExpr::new()
            .set("#status = :status")
            .set("status_rank = :rank")
            .set("outcome_at = :at")
            .condition(format!(
                "attribute_exists({PK}) AND (attribute_not_exists(status_rank) OR status_rank < :rank)"
            ))
            .name("#status", "status")
            .value(":status", s(outcome.status.as_str()))
            .value(":rank", AttributeValue::N(outcome.rank.to_string()))
            .value(":at", s(&outcome.at));
        update = match &outcome.detail {
            Some(detail) => update
                .set("outcome_detail = :detail")
                .value(":detail", s(detail)),
            None => update.remove("outcome_detail"),
        };
        let tenant = sent.tenant_id.as_str();
        let result = self
            .update_item(
                delivery_pk(tenant, &conversation),
                delivery_sk(&sent.key()),
                &update,
            )
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(output) => output.attributes.as_ref().map(from_item).transpose(),
            Err(err) if is_conditional_failure(&err) => Ok(None),
            Err(err) => Err(classify(err)),
        }
    }

    async fn suppress(
        &self,
        tenant: &TenantId,
        suppression: &Suppression,
    ) -> Result<bool, StoreError> {
        let item = keyed_item(
            keys::suppressed_pk(tenant),
            keys::suppressed_sk(suppression.channel.as_str(), &suppression.address),
            suppression,
        )?;
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(format!("attribute_not_exists({PK})"))
            .send()
            .await;
        super::item::put_written(put)
    }

    async fn suppressions(&self, tenant: &TenantId) -> Result<Vec<Suppression>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(keys::suppressed_pk(tenant)))
            .consistent_read(true);
        self.query_all(query).await?.iter().map(from_item).collect()
    }

    async fn clear_suppression(
        &self,
        tenant: &TenantId,
        channel: NotifyChannel,
        address: &str,
    ) -> Result<bool, StoreError> {
        let output = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(PK, s(keys::suppressed_pk(tenant)))
            .key(SK, s(keys::suppressed_sk(channel.as_str(), address)))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(classify)?;
        Ok(output.attributes.is_some_and(|old| !old.is_empty()))
    }

    async fn count_feedback(
        &self,
        tenant: &TenantId,
        day: &str,
        complaint: bool,
    ) -> Result<(), StoreError> {
        let counter = if complaint { "complained" } else { "bounced" };
        let counted = UpdateExpr::new()
            .set("#ttl = if_not_exists(#ttl, :ttl)")
            .add("#counter :one")
            .name("#ttl", keys::TTL_ATTRIBUTE)
            .name("#counter", counter)
            .value(":ttl", expires_in(8 * 24 * 60 * 60))
            .value(":one", AttributeValue::N("1".into()));
        self.update_item(keys::tenant_pk(tenant), keys::quota_sk(day), &counted)
            .send()
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn email_rates(
        &self,
        tenant: &TenantId,
        first: &str,
        last: &str,
    ) -> Result<EmailRates, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND sk BETWEEN :first AND :last")
            .expression_attribute_values(":pk", s(keys::tenant_pk(tenant)))
            .expression_attribute_values(":first", s(keys::quota_sk(first)))
            .expression_attribute_values(":last", s(keys::quota_sk(last)));
        let mut rates = EmailRates::default();
        for day in self.query_all(query).await? {
            rates.sent += get_n(&day, "emails");
            rates.bounced += get_n(&day, "bounced");
            rates.complained += get_n(&day, "complained");
        }
        Ok(rates)
    }

    async fn pause_email(&self, tenant: &TenantId, pause: &EmailPause) -> Result<bool, StoreError> {
        let paused = UpdateExpr::new()
            .set("email_paused = :pause")
            .condition("attribute_not_exists(email_paused)")
            .value(":pause", attribute(pause)?);
        let result = self
            .update_item(keys::tenant_pk(tenant), keys::GRANT_SK, &paused)
            .send()
            .await;
        super::item::update_written(result)
    }
}
