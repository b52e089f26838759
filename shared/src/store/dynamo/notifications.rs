//! Pending notifications (the sparse `gsi3` over conversation headers), delivery records
//! and SMS opt-outs.

use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};

use super::directory::{assignment_from_item, contact_from_item, profile_from_item};
use super::inbound::is_opted_out;
use super::item::{
    classify, failed_condition_item, get_n, get_s, internal, is_conditional_failure, s, Item,
};
use super::DynamoStore;
use crate::domain::directory::{Assignment, Contact, StaffProfile};
use crate::domain::notify::NotifyChannel;
use crate::domain::ConversationId;
use crate::store::keys::{self, opt_out_pk, GSI2, GSI3, OPT_OUT_SK, PK, SK};
use crate::store::{
    Claim, DeliveryKey, DeliveryOutcome, DeliveryRecord, DeliveryStatus, DueCursor, DueEntry,
    DuePage, DueStage, NotificationStore, OptOutChange, Settlement, StoreError,
};

fn delivery_pk(tenant: &str, conversation: &ConversationId) -> String {
    format!("T#{tenant}#NOTIF#{}", conversation.encode())
}

fn delivery_sk(key: &DeliveryKey) -> String {
    format!("D#{}#{}#{}", key.round, key.channel.as_str(), key.recipient)
}

/// The due index holds keys only: the pass reads the rest of the pending notification
/// from the header, which it reads anyway.
fn due_from_item(item: &Item) -> Option<DueEntry> {
    let (tenant, conversation) = keys::parse_conversation_pk(get_s(item, PK)?)?;
    Some(DueEntry {
        tenant,
        conversation,
        due_at: get_s(item, keys::GSI3_SK)?.to_owned(),
    })
}

fn record_from_item(item: &Item) -> Option<DeliveryRecord> {
    Some(DeliveryRecord {
        conversation_id: get_s(item, "conversation_id")?.to_owned(),
        round: get_s(item, "round")?.to_owned(),
        channel: NotifyChannel::parse(get_s(item, "channel")?)?,
        recipient: get_s(item, "recipient")?.to_owned(),
        address: get_s(item, "address").unwrap_or_default().to_owned(),
        status: DeliveryStatus::parse(get_s(item, "status")?)?,
        attempts: get_n(item, "attempts"),
        provider_message_id: get_s(item, "provider_message_id").map(str::to_owned),
        error: get_s(item, "error").map(str::to_owned),
        updated_at: get_s(item, "updated_at").unwrap_or_default().to_owned(),
    })
}

impl NotificationStore for DynamoStore {
    async fn due(
        &self,
        shard: u32,
        now: &str,
        limit: u32,
        after: Option<&DueCursor>,
    ) -> Result<DuePage, StoreError> {
        let shard_key = format!("DUE#{shard}");
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI3)
            .key_condition_expression("gsi3pk = :shard AND gsi3sk <= :now")
            .expression_attribute_values(":shard", s(&shard_key))
            .expression_attribute_values(":now", s(now))
            .limit(limit as i32);
        if let Some(last) = after {
            // The start key may have left the index (settled) since: DynamoDB goes on
            // from where it would be.
            query = query
                .exclusive_start_key(PK, s(&last.pk))
                .exclusive_start_key(SK, s(&last.sk))
                .exclusive_start_key(keys::GSI3_PK, s(&shard_key))
                .exclusive_start_key(keys::GSI3_SK, s(&last.due_at));
        }
        let output = query.send().await.map_err(classify)?;
        let mut page = DuePage {
            next: output.last_evaluated_key.as_ref().and_then(|key| {
                Some(DueCursor {
                    pk: get_s(key, PK)?.to_owned(),
                    sk: get_s(key, SK)?.to_owned(),
                    due_at: get_s(key, keys::GSI3_SK)?.to_owned(),
                })
            }),
            ..DuePage::default()
        };
        for item in output.items() {
            if get_s(item, SK) == Some(keys::RELEASE_SK) {
                let tenant = get_s(item, PK).and_then(|pk| pk.strip_prefix("T#"));
                if let (Some(tenant), Some(due_at)) = (tenant, get_s(item, keys::GSI3_SK)) {
                    page.releases.push((tenant.to_owned(), due_at.to_owned()));
                }
            } else if let Some(entry) = due_from_item(item) {
                page.passes.push(entry);
            }
        }
        Ok(page)
    }

    async fn held(&self, tenant: &str, limit: u32) -> Result<(Vec<DueEntry>, bool), StoreError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI3)
            .key_condition_expression("gsi3pk = :held")
            .expression_attribute_values(":held", s(keys::held_pk(tenant)))
            .limit(limit as i32)
            .send()
            .await
            .map_err(classify)?;
        let more = output.last_evaluated_key.is_some();
        Ok((
            output.items().iter().filter_map(due_from_item).collect(),
            more,
        ))
    }

    async fn release_delay_was(&self, tenant: &str) -> Result<Option<u64>, StoreError> {
        Ok(self
            .get_item(keys::tenant_pk(tenant), keys::RELEASE_SK)
            .await?
            .filter(|item| item.contains_key("delay_was"))
            .map(|item| get_n(&item, "delay_was")))
    }

    async fn bring_forward(
        &self,
        tenant: &str,
        now: &str,
        window_end: &str,
        by_seconds: u64,
    ) -> Result<u64, StoreError> {
        let prefix = format!("{}#C#", keys::tenant_pk(tenant));
        let by = jiff::SignedDuration::from_secs(by_seconds as i64);
        let now_at: jiff::Timestamp = now.parse().map_err(internal)?;
        let mut moved = 0;
        for shard in 0..keys::DUE_SHARDS {
            let query = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(GSI3)
                .key_condition_expression("gsi3pk = :shard AND gsi3sk BETWEEN :now AND :end")
                .filter_expression("begins_with(pk, :prefix)")
                .expression_attribute_values(":shard", s(format!("DUE#{shard}")))
                .expression_attribute_values(":now", s(now))
                .expression_attribute_values(":end", s(window_end))
                .expression_attribute_values(":prefix", s(&prefix));
            for entry in self
                .query_all(query)
                .await?
                .iter()
                .filter_map(due_from_item)
            {
                let Ok(due_at) = entry.due_at.parse::<jiff::Timestamp>() else {
                    continue;
                };
                let earlier = crate::domain::format_timestamp((due_at - by).max(now_at));
                let result = self
                    .client
                    .update_item()
                    .table_name(&self.table)
                    .key(PK, s(keys::conversation_pk(tenant, &entry.conversation)))
                    .key(SK, s(keys::HEADER_SK))
                    .update_expression("SET gsi3sk = :earlier")
                    // Only a digest the delay set: not a retry's or a held claim's time,
                    // not an escalation.
                    .condition_expression(
                        "gsi3sk = :due AND attribute_not_exists(due_round) \
                         AND (attribute_not_exists(due_stage) OR due_stage = :digest)",
                    )
                    .expression_attribute_values(":due", s(&entry.due_at))
                    .expression_attribute_values(":earlier", s(earlier))
                    .expression_attribute_values(":digest", s(DueStage::Digest.as_str()))
                    .send()
                    .await;
                match result {
                    Ok(_) => moved += 1,
                    Err(err) if is_conditional_failure(&err) => {}
                    Err(err) => return Err(classify(err)),
                }
            }
        }
        Ok(moved)
    }

    async fn move_release(
        &self,
        tenant: &str,
        due_at: &str,
        to: Option<&str>,
    ) -> Result<(), StoreError> {
        let result = match to {
            Some(to) => self
                .client
                .update_item()
                .table_name(&self.table)
                .key(PK, s(keys::tenant_pk(tenant)))
                .key(SK, s(keys::RELEASE_SK))
                .update_expression("SET gsi3sk = :to REMOVE delay_was")
                .condition_expression("gsi3sk = :from")
                .expression_attribute_values(":from", s(due_at))
                .expression_attribute_values(":to", s(to))
                .send()
                .await
                .map(|_| ()),
            None => {
                let deleted = self
                    .client
                    .delete_item()
                    .table_name(&self.table)
                    .key(PK, s(keys::tenant_pk(tenant)))
                    .key(SK, s(keys::RELEASE_SK))
                    .condition_expression("gsi3sk = :from")
                    .expression_attribute_values(":from", s(due_at))
                    .send()
                    .await;
                return match deleted {
                    Ok(_) => Ok(()),
                    Err(err)
                        if matches!(
                            err.as_service_error(),
                            Some(DeleteItemError::ConditionalCheckFailedException(_))
                        ) =>
                    {
                        Ok(())
                    }
                    Err(err) => Err(classify(err)),
                };
            }
        };
        match result {
            Ok(()) => Ok(()),
            // Moved by a settings change or another hold meanwhile: that time stands.
            Err(err) if is_conditional_failure(&err) => Ok(()),
            Err(err) => Err(classify(err)),
        }
    }

    async fn account_directory(
        &self,
        tenant: &str,
        customer: &str,
    ) -> Result<(Vec<Contact>, Vec<Assignment>), StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(keys::customer_pk(tenant, customer)))
            .consistent_read(true);
        let mut contacts = Vec::new();
        let mut assignments = Vec::new();
        for item in self.query_all(query).await? {
            match get_s(&item, SK) {
                Some(sk) if sk.starts_with(keys::CONTACT_SK_PREFIX) => {
                    contacts.push(contact_from_item(&item)?)
                }
                Some(sk) if sk.starts_with(keys::ASSIGNED_SK_PREFIX) => {
                    assignments.push(assignment_from_item(&item)?)
                }
                _ => {}
            }
        }
        Ok((contacts, assignments))
    }

    async fn staff_directory(&self, tenant: &str) -> Result<Vec<StaffProfile>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI2)
            .key_condition_expression("gsi2pk = :pk")
            .expression_attribute_values(":pk", s(keys::staff_directory_pk(tenant)));
        self.query_all(query)
            .await?
            .iter()
            .map(profile_from_item)
            .collect()
    }

    async fn opted_out(
        &self,
        tenant: &str,
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
        let found = self
            .batch_get(keys, true)
            .await?
            .iter()
            .filter(|item| is_opted_out(item))
            .filter_map(|item| get_s(item, "phone").map(str::to_owned))
            .collect();
        Ok(found)
    }

    async fn set_opted_out(
        &self,
        tenant: &str,
        phone: &str,
        opted_out: bool,
    ) -> Result<(), StoreError> {
        self.client
            .transact_write_items()
            .transact_items(self.opt_out_write(
                tenant,
                &OptOutChange {
                    phone: phone.to_owned(),
                    opted_out,
                    keyword_at: crate::domain::now_rfc3339(),
                },
                false,
            )?)
            .send()
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn claim_delivery(
        &self,
        tenant: &str,
        conversation: &ConversationId,
        key: &DeliveryKey,
        address: &str,
        now: &str,
        lease_until: &str,
    ) -> Result<Claim, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(delivery_pk(tenant, conversation)))
            .key(SK, s(delivery_sk(key)))
            .update_expression(
                "SET #status = :claimed, lease_until = :lease, address = :address, \
                 conversation_id = :conversation, round = :round, channel = :channel, \
                 recipient = :recipient, updated_at = :now, \
                 created_at = if_not_exists(created_at, :now) ADD attempts :one",
            )
            .condition_expression(format!(
                "attribute_not_exists({PK}) OR (#status = :claimed AND lease_until < :now) \
                 OR (#status = :retry AND next_attempt_at <= :now)"
            ))
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":claimed", s(DeliveryStatus::Claimed.as_str()))
            .expression_attribute_values(":retry", s(DeliveryStatus::Retry.as_str()))
            .expression_attribute_values(":lease", s(lease_until))
            .expression_attribute_values(":address", s(address))
            .expression_attribute_values(":conversation", s(conversation.encode()))
            .expression_attribute_values(":round", s(&key.round))
            .expression_attribute_values(":channel", s(key.channel.as_str()))
            .expression_attribute_values(":recipient", s(&key.recipient))
            .expression_attribute_values(":now", s(now))
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
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
        tenant: &str,
        conversation: &ConversationId,
        key: &DeliveryKey,
        outcome: &DeliveryOutcome,
        now: &str,
    ) -> Result<(), StoreError> {
        let request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(delivery_pk(tenant, conversation)))
            .key(SK, s(delivery_sk(key)))
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":now", s(now));
        let request = match outcome {
            DeliveryOutcome::Sent {
                provider_message_id,
            } => request
                .update_expression(
                    "SET #status = :status, provider_message_id = :id, updated_at = :now, \
                     sent_at = :now REMOVE lease_until, next_attempt_at, #error",
                )
                .expression_attribute_names("#error", "error")
                .expression_attribute_values(":status", s(DeliveryStatus::Sent.as_str()))
                .expression_attribute_values(":id", s(provider_message_id)),
            DeliveryOutcome::Retry {
                error,
                next_attempt_at,
            } => request
                .update_expression(
                    "SET #status = :status, #error = :error, next_attempt_at = :next, \
                     updated_at = :now REMOVE lease_until",
                )
                .expression_attribute_names("#error", "error")
                .expression_attribute_values(":status", s(DeliveryStatus::Retry.as_str()))
                .expression_attribute_values(":error", s(error))
                .expression_attribute_values(":next", s(next_attempt_at)),
            DeliveryOutcome::Failed { error } => request
                .update_expression(
                    "SET #status = :status, #error = :error, updated_at = :now \
                     REMOVE lease_until, next_attempt_at",
                )
                .expression_attribute_names("#error", "error")
                .expression_attribute_values(":status", s(DeliveryStatus::Failed.as_str()))
                .expression_attribute_values(":error", s(error)),
        };
        request.send().await.map_err(classify)?;
        Ok(())
    }

    async fn cancel_retries(
        &self,
        tenant: &str,
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
            let result = self
                .client
                .update_item()
                .table_name(&self.table)
                .key(PK, s(&pk))
                .key(SK, s(sk))
                .update_expression(
                    "SET #status = :cancelled, updated_at = :now REMOVE next_attempt_at",
                )
                .condition_expression("#status = :retry")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":cancelled", s(DeliveryStatus::Cancelled.as_str()))
                .expression_attribute_values(":retry", s(DeliveryStatus::Retry.as_str()))
                .expression_attribute_values(":now", s(now))
                .send()
                .await;
            match result {
                Ok(_) => cancelled += 1,
                // Another run took it meanwhile.
                Err(err) if is_conditional_failure(&err) => {}
                Err(err) => return Err(classify(err)),
            }
        }
        Ok(cancelled)
    }

    async fn settle(
        &self,
        tenant: &str,
        due: &DueEntry,
        seen_last_message: &str,
        settlement: &Settlement,
        if_new_messages: &str,
    ) -> Result<(), StoreError> {
        let pk = keys::conversation_pk(tenant, &due.conversation);
        if let Settlement::Hold { until } = settlement {
            return self.hold(tenant, due, &pk, until).await;
        }
        let request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(&pk))
            .key(SK, s(keys::HEADER_SK))
            .condition_expression("gsi3sk = :due AND gsi1sk = :seen")
            .expression_attribute_values(":due", s(&due.due_at))
            .expression_attribute_values(":seen", s(seen_last_message))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        let request = match settlement {
            Settlement::Done => request.update_expression(
                "SET notified_up_to = :seen \
                 REMOVE due_round, due_stage, notify_now, gsi3pk, gsi3sk",
            ),
            Settlement::Postpone { due_at } => request
                // The pass keeps its name (its first due time) when it moves.
                .update_expression(
                    "SET due_round = if_not_exists(due_round, gsi3sk), gsi3pk = :shard, \
                     gsi3sk = :next",
                )
                .expression_attribute_values(":shard", s(keys::due_shard(&pk)))
                .expression_attribute_values(":next", s(due_at)),
            Settlement::Next { due_at, stage } => request
                .update_expression(
                    "SET gsi3pk = :shard, gsi3sk = :next, due_stage = :stage, \
                     notified_up_to = :seen REMOVE notify_now, due_round",
                )
                .expression_attribute_values(":shard", s(keys::due_shard(&pk)))
                .expression_attribute_values(":next", s(due_at))
                .expression_attribute_values(":stage", s(stage.as_str())),
            Settlement::Hold { .. } => unreachable!("held above"),
        };
        let err = match request.send().await {
            Ok(_) => return Ok(()),
            Err(err) => err,
        };
        let current = failed_condition_item(err)?.unwrap_or_default();
        if get_s(&current, keys::GSI3_SK) != Some(due.due_at.as_str()) {
            // Another run settled or moved this pass.
            return Ok(());
        }
        // Messages arrived while the pass ran: they get a pass of their own, after their delay.
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(&pk))
            .key(SK, s(keys::HEADER_SK))
            .update_expression(
                "SET gsi3pk = :shard, gsi3sk = :next, due_stage = :digest, \
                 notified_up_to = :seen REMOVE notify_now, due_round",
            )
            .condition_expression("gsi3sk = :due")
            .expression_attribute_values(":shard", s(keys::due_shard(&pk)))
            .expression_attribute_values(":due", s(&due.due_at))
            .expression_attribute_values(":next", s(if_new_messages))
            .expression_attribute_values(":digest", s(DueStage::Digest.as_str()))
            .expression_attribute_values(":seen", s(seen_last_message))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if is_conditional_failure(&err) => Ok(()),
            Err(err) => Err(classify(err)),
        }
    }

    async fn deliveries(
        &self,
        tenant: &str,
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
        let records = output.items().iter().filter_map(record_from_item).collect();
        let next = output
            .last_evaluated_key
            .as_ref()
            .and_then(|key| get_s(key, SK))
            .map(str::to_owned);
        Ok((records, next))
    }
}

impl DynamoStore {
    /// Moves a pass to the tenant's held passes until `until`, and makes the tenant's
    /// release marker due by then (the earliest hold wins).
    async fn hold(
        &self,
        tenant: &str,
        due: &DueEntry,
        pk: &str,
        until: &str,
    ) -> Result<(), StoreError> {
        let held = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(pk))
            .key(SK, s(keys::HEADER_SK))
            .update_expression(
                "SET due_round = if_not_exists(due_round, gsi3sk), gsi3pk = :held, \
                 gsi3sk = :until",
            )
            .condition_expression("gsi3sk = :due")
            .expression_attribute_values(":due", s(&due.due_at))
            .expression_attribute_values(":held", s(keys::held_pk(tenant)))
            .expression_attribute_values(":until", s(until))
            .send()
            .await;
        match held {
            Ok(_) => {}
            // Moved meanwhile (a new message, another run): not this pass's to hold.
            Err(err) if is_conditional_failure(&err) => return Ok(()),
            Err(err) => return Err(classify(err)),
        }
        let tenant_pk = keys::tenant_pk(tenant);
        let marker = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(&tenant_pk))
            .key(SK, s(keys::RELEASE_SK))
            .update_expression("SET gsi3pk = :shard, gsi3sk = :until")
            .condition_expression("attribute_not_exists(gsi3sk) OR gsi3sk > :until")
            .expression_attribute_values(":shard", s(keys::due_shard(&tenant_pk)))
            .expression_attribute_values(":until", s(until))
            .send()
            .await;
        match marker {
            Ok(_) => Ok(()),
            Err(err) if is_conditional_failure(&err) => Ok(()),
            Err(err) => Err(classify(err)),
        }
    }
}
