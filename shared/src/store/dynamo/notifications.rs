//! Who a pass notifies (an account's contacts and assignments, the staff directory, SMS
//! opt-outs), and delivery claims and records.

use crate::domain::ids::{CustomerId, TenantId};
use crate::domain::Named;
use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};

use super::expr::UpdateExpr;
use super::inbound::OptOut;
use super::item::{
    classify, failed_condition_item, from_item, get_n, get_s, is_conditional_failure, s,
};
use super::transaction::{Part, TransactFailure, Transaction};
use super::DynamoStore;
use crate::domain::directory::{Assignment, Contact, StaffProfile};
use crate::domain::ConversationId;
use crate::store::keys::{self, opt_out_pk, GSI2, OPT_OUT_SK, PK, SK};
use crate::store::{
    Claim, DeliveryKey, DeliveryOutcome, DeliveryRecord, DeliveryStatus, NotificationStore,
    OptOutChange, StoreError,
};

pub(super) fn delivery_pk(tenant: &str, conversation: &ConversationId) -> String {
    format!("T#{tenant}#NOTIF#{}", conversation.encode())
}

pub(super) fn delivery_sk(key: &DeliveryKey) -> String {
    format!("D#{}#{}#{}", key.round, key.channel.as_str(), key.recipient)
}

impl DynamoStore {
    async fn directory_partition(&self, pk: String) -> Result<Vec<StaffProfile>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI2)
            .key_condition_expression("gsi2pk = :pk")
            .expression_attribute_values(":pk", s(pk));
        self.query_all(query)
            .await?
            .iter()
            .map(from_item::<StaffProfile>)
            .collect()
    }
}

impl NotificationStore for DynamoStore {
    async fn account_directory(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
    ) -> Result<(Vec<Contact>, Vec<Assignment>), StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND sk < :patients")
            .expression_attribute_values(":pk", s(keys::customer_pk(tenant, customer)))
            .expression_attribute_values(":patients", s(keys::PATIENT_SK_PREFIX))
            .consistent_read(true);
        let mut contacts = Vec::new();
        let mut assignments = Vec::new();
        for item in self.query_all(query).await? {
            match get_s(&item, SK) {
                Some(sk) if sk.starts_with(keys::CONTACT_SK_PREFIX) => {
                    contacts.push(from_item::<Contact>(&item)?)
                }
                Some(sk) if sk.starts_with(keys::ASSIGNED_SK_PREFIX) => {
                    assignments.push(from_item::<Assignment>(&item)?)
                }
                _ => {}
            }
        }
        Ok((contacts, assignments))
    }

    async fn staff_directory(&self, tenant: &TenantId) -> Result<Vec<StaffProfile>, StoreError> {
        let (mut reaching, basic) = tokio::try_join!(
            self.directory_partition(keys::staff_directory_pk(tenant)),
            self.directory_partition(keys::basic_staff_directory_pk(tenant)),
        )?;
        reaching.extend(basic);
        Ok(reaching)
    }

    async fn reaching_staff(&self, tenant: &TenantId) -> Result<Vec<StaffProfile>, StoreError> {
        self.directory_partition(keys::staff_directory_pk(tenant))
            .await
    }

    async fn staff_profiles(
        &self,
        tenant: &TenantId,
        users: &[String],
    ) -> Result<Vec<StaffProfile>, StoreError> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let wanted = users
            .iter()
            .map(|user| super::key_item(keys::staff_pk(tenant, user), keys::PROFILE_SK))
            .collect();
        self.batch_get(wanted, false)
            .await?
            .iter()
            .map(from_item::<StaffProfile>)
            .collect()
    }

    async fn opted_out(
        &self,
        tenant: &TenantId,
        phones: &[String],
    ) -> Result<HashSet<String>, StoreError> {
        let keys = phones
            .iter()
            .map(|phone| {
                HashMap::from([
                    (PK.to_owned(), s(opt_out_pk(tenant, phone))),
                    (SK.to_owned(), s(OPT_OUT_SK)),
                ])
            })
            .collect();
        let mut found = HashSet::new();
        for item in self.batch_get(keys, true).await? {
            let opt_out: OptOut = from_item(&item)?;
            if opt_out.opted_out {
                found.insert(opt_out.phone);
            }
        }
        Ok(found)
    }

    async fn set_opted_out(
        &self,
        tenant: &TenantId,
        phone: &str,
        opted_out: bool,
    ) -> Result<(), StoreError> {
        let change = OptOutChange {
            phone: phone.to_owned(),
            opted_out,
            keyword_at: crate::domain::now_rfc3339(),
        };
        let write = self.opt_out_write(tenant, &change, false)?;
        match self
            .transact(Transaction::new().with(Part::OptOut, write))
            .await
        {
            Ok(()) => Ok(()),
            Err(TransactFailure::Store(err)) => Err(err),
            // Unconditional: cancelled only by contention or throttling.
            Err(TransactFailure::Cancelled(c)) => Err(c.internal()),
        }
    }

    async fn claim_delivery(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        key: &DeliveryKey,
        address: &str,
        now: &str,
        lease_until: &str,
    ) -> Result<Claim, StoreError> {
        let claim = UpdateExpr::new()
            .set("#status = :claimed")
            .set("lease_until = :lease")
            .set("address = :address")
            .set("conversation_id = :conversation")
            .set("round = :round")
            .set("channel = :channel")
            .set("recipient = :recipient")
            .set("updated_at = :now")
            .set("created_at = if_not_exists(created_at, :now)")
            .add("attempts :one")
            .condition(format!(
                "attribute_not_exists({PK}) OR (#status = :claimed AND lease_until < :now) \
                 OR (#status = :retry AND next_attempt_at <= :now)"
            ))
            .name("#status", "status")
            .value(":claimed", s(DeliveryStatus::Claimed.as_str()))
            .value(":retry", s(DeliveryStatus::Retry.as_str()))
            .value(":lease", s(lease_until))
            .value(":address", s(address))
            .value(":conversation", s(conversation.encode()))
            .value(":round", s(&key.round))
            .value(":channel", s(key.channel.as_str()))
            .value(":recipient", s(&key.recipient))
            .value(":now", s(now))
            .value(":one", AttributeValue::N("1".into()));
        let result = self
            .update_item(delivery_pk(tenant, conversation), delivery_sk(key), &claim)
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(output) => Ok(Claim::Taken {
                attempt: get_n(&output.attributes.unwrap_or_default(), "attempts"),
            }),
            Err(err) => {
                let current = failed_condition_item(err)?.unwrap_or_default();
                let later =
                    |name: &str| Claim::Later(get_s(&current, name).unwrap_or(now).to_owned());
                Ok(
                    match get_s(&current, "status").and_then(DeliveryStatus::parse) {
                        Some(DeliveryStatus::Claimed) => later("lease_until"),
                        Some(DeliveryStatus::Retry) => later("next_attempt_at"),
                        _ => Claim::Finished,
                    },
                )
            }
        }
    }

    async fn finish_delivery(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        key: &DeliveryKey,
        outcome: &DeliveryOutcome,
        now: &str,
    ) -> Result<(), StoreError> {
        let update = UpdateExpr::new()
            .name("#status", "status")
            .name("#error", "error")
            .value(":now", s(now));
        let update = match outcome {
            DeliveryOutcome::Sent {
                provider_message_id,
            } => update
                .set("#status = :status")
                .set("provider_message_id = :id")
                .set("updated_at = :now")
                .set("sent_at = :now")
                .remove("lease_until")
                .remove("next_attempt_at")
                .remove("#error")
                .value(":status", s(DeliveryStatus::Sent.as_str()))
                .value(":id", s(provider_message_id)),
            DeliveryOutcome::Retry {
                error,
                next_attempt_at,
            } => update
                .set("#status = :status")
                .set("#error = :error")
                .set("next_attempt_at = :next")
                .set("updated_at = :now")
                .remove("lease_until")
                .value(":status", s(DeliveryStatus::Retry.as_str()))
                .value(":error", s(error))
                .value(":next", s(next_attempt_at)),
            DeliveryOutcome::Failed { error } | DeliveryOutcome::Refused { error, .. } => update
                .set("#status = :status")
                .set("#error = :error")
                .set("updated_at = :now")
                .remove("lease_until")
                .remove("next_attempt_at")
                .value(":status", s(outcome.status().as_str()))
                .value(":error", s(error)),
        };
        self.update_item(delivery_pk(tenant, conversation), delivery_sk(key), &update)
            .send()
            .await
            .map_err(classify)?;
        if let DeliveryOutcome::Sent {
            provider_message_id,
        } = outcome
        {
            // After the record: a delivery event finding the id finds it sent.
            self.put_sent_message(tenant, conversation, key, provider_message_id)
                .await?;
        }
        Ok(())
    }

    async fn cancel_retries(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        round: &str,
        planned: &[DeliveryKey],
        now: &str,
    ) -> Result<u64, StoreError> {
        let pk = delivery_pk(tenant, conversation);
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :round)")
            .filter_expression("#status = :retry")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":pk", s(&pk))
            .expression_attribute_values(":round", s(format!("D#{round}#")))
            .expression_attribute_values(":retry", s(DeliveryStatus::Retry.as_str()))
            .consistent_read(true);
        let planned: HashSet<String> = planned.iter().map(delivery_sk).collect();
        let mut cancelled = 0;
        for item in self.query_all(query).await? {
            let Some(sk) = get_s(&item, SK).filter(|sk| !planned.contains(*sk)) else {
                continue;
            };
            let cancel = UpdateExpr::new()
                .set("#status = :cancelled")
                .set("updated_at = :now")
                .remove("next_attempt_at")
                .condition("#status = :retry")
                .name("#status", "status")
                .value(":cancelled", s(DeliveryStatus::Cancelled.as_str()))
                .value(":retry", s(DeliveryStatus::Retry.as_str()))
                .value(":now", s(now));
            let result = self.update_item(&pk, sk, &cancel).send().await;
            match result {
                Ok(_) => cancelled += 1,
                // Another run took it meanwhile.
                Err(err) if is_conditional_failure(&err) => {}
                Err(err) => return Err(classify(err)),
            }
        }
        Ok(cancelled)
    }

    async fn deliveries(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        before: Option<&str>,
        limit: u32,
    ) -> Result<(Vec<DeliveryRecord>, Option<String>), StoreError> {
        let pk = delivery_pk(tenant, conversation);
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :d)")
            .expression_attribute_values(":pk", s(&pk))
            .expression_attribute_values(":d", s("D#"))
            .scan_index_forward(false)
            .consistent_read(true)
            .limit(limit as i32);
        if let Some(before) = before {
            query = query
                .exclusive_start_key(PK, s(&pk))
                .exclusive_start_key(SK, s(before));
        }
        let output = query.send().await.map_err(classify)?;
        let records = output
            .items()
            .iter()
            .map(from_item::<DeliveryRecord>)
            .collect::<Result<_, _>>()?;
        let next = output
            .last_evaluated_key
            .as_ref()
            .and_then(|key| get_s(key, SK))
            .map(str::to_owned);
        Ok((records, next))
    }
}
