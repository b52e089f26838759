//! The due index (`gsi3`): pending passes by shard, passes held by quiet hours under
//! `HELD#{tenant}` with the tenant's release marker, and settling a pass.

use crate::domain::ids::TenantId;
use crate::domain::Named;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;

use super::expr::UpdateExpr;
use super::item::{
    classify, failed_condition_item, get_n, get_s, internal, is_conditional_failure, s, Item,
};
use super::DynamoStore;
use crate::store::keys::{self, GSI3, PK, SK};
use crate::store::{DueCursor, DueEntry, DuePage, DueStage, DueStore, Settlement, StoreError};

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

impl DueStore for DynamoStore {
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

    async fn held(
        &self,
        tenant: &TenantId,
        limit: u32,
    ) -> Result<(Vec<DueEntry>, bool), StoreError> {
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

    async fn release_delay_was(&self, tenant: &TenantId) -> Result<Option<u64>, StoreError> {
        Ok(self
            .get_item(keys::tenant_pk(tenant), keys::RELEASE_SK)
            .await?
            .filter(|item| item.contains_key("delay_was"))
            .map(|item| get_n(&item, "delay_was")))
    }

    async fn bring_forward(
        &self,
        tenant: &TenantId,
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
                let sooner = UpdateExpr::new()
                    .set("gsi3sk = :earlier")
                    // Only a digest the delay set: not a retry's or a held claim's time,
                    // not an escalation.
                    .condition(
                        "gsi3sk = :due AND attribute_not_exists(due_round) \
                         AND (attribute_not_exists(due_stage) OR due_stage = :digest)",
                    )
                    .value(":due", s(&entry.due_at))
                    .value(":earlier", s(earlier))
                    .value(":digest", s(DueStage::Digest.as_str()));
                let result = self
                    .update_item(
                        keys::conversation_pk(tenant, &entry.conversation),
                        keys::HEADER_SK,
                        &sooner,
                    )
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
        tenant: &TenantId,
        due_at: &str,
        to: Option<&str>,
    ) -> Result<(), StoreError> {
        let result = match to {
            Some(to) => self
                .update_item(
                    keys::tenant_pk(tenant),
                    keys::RELEASE_SK,
                    &UpdateExpr::new()
                        .set("gsi3sk = :to")
                        .remove("delay_was")
                        .condition("gsi3sk = :from")
                        .value(":from", s(due_at))
                        .value(":to", s(to)),
                )
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

    async fn end_release(
        &self,
        tenant: &TenantId,
        due_at: &str,
        rearm_at: &str,
    ) -> Result<bool, StoreError> {
        self.move_release(tenant, due_at, None).await?;
        // Looked for after the marker is gone: a pass held before then is found here, one
        // held after sets the marker itself.
        let (left, _) = self.held(tenant, 1).await?;
        if left.is_empty() {
            return Ok(false);
        }
        let tenant_pk = keys::tenant_pk(tenant);
        let rearm = UpdateExpr::new()
            .set("gsi3pk = :shard")
            .set("gsi3sk = :at")
            .condition("attribute_not_exists(gsi3sk) OR gsi3sk > :at")
            .value(":shard", s(keys::due_shard(&tenant_pk)))
            .value(":at", s(rearm_at));
        let rearmed = self
            .update_item(&tenant_pk, keys::RELEASE_SK, &rearm)
            .send()
            .await;
        match rearmed {
            // Or already due sooner.
            Ok(_) => Ok(true),
            Err(err) if is_conditional_failure(&err) => Ok(true),
            Err(err) => Err(classify(err)),
        }
    }

    async fn settle(
        &self,
        tenant: &TenantId,
        due: &DueEntry,
        seen_last_message: &str,
        settlement: &Settlement,
        if_new_messages: &str,
    ) -> Result<(), StoreError> {
        let pk = keys::conversation_pk(tenant, &due.conversation);
        if let Settlement::Hold { until } = settlement {
            return self.hold(tenant, due, &pk, until).await;
        }
        let update = settlement_update(&pk, settlement)
            .condition("gsi3sk = :due AND gsi1sk = :seen")
            .value(":due", s(&due.due_at))
            .value(":seen", s(seen_last_message));
        let sent = self
            .update_item(&pk, keys::HEADER_SK, &update)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let err = match sent {
            Ok(_) => return Ok(()),
            Err(err) => err,
        };
        let current = failed_condition_item(err)?.unwrap_or_default();
        if get_s(&current, keys::GSI3_SK) != Some(due.due_at.as_str()) {
            // Another run settled or moved this pass.
            return Ok(());
        }
        self.pass_for_new_messages(&pk, due, seen_last_message, if_new_messages)
            .await
    }
}

impl DynamoStore {
    /// Messages arrived while the pass ran: they get a pass of their own, after their delay.
    async fn pass_for_new_messages(
        &self,
        pk: &str,
        due: &DueEntry,
        seen_last_message: &str,
        next: &str,
    ) -> Result<(), StoreError> {
        let update = UpdateExpr::new()
            .set("gsi3pk = :shard")
            .set("gsi3sk = :next")
            .set("due_stage = :digest")
            .set("notified_up_to = :seen")
            .remove("notify_now")
            .remove("due_round")
            .remove("digest_due")
            .condition("gsi3sk = :due")
            .value(":shard", s(keys::due_shard(pk)))
            .value(":due", s(&due.due_at))
            .value(":next", s(next))
            .value(":digest", s(DueStage::Digest.as_str()))
            .value(":seen", s(seen_last_message));
        let result = self.update_item(pk, keys::HEADER_SK, &update).send().await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if is_conditional_failure(&err) => Ok(()),
            Err(err) => Err(classify(err)),
        }
    }
}

/// What settling writes to the header, by outcome (a held pass is written elsewhere).
fn settlement_update(pk: &str, settlement: &Settlement) -> UpdateExpr {
    let update = UpdateExpr::new();
    match settlement {
        Settlement::Done => update
            .set("notified_up_to = :seen")
            .remove("due_round")
            .remove("due_stage")
            .remove("notify_now")
            .remove("digest_due")
            .remove("notified_now_up_to")
            .remove("gsi3pk")
            .remove("gsi3sk"),
        Settlement::Postpone { due_at } => update
            // The pass keeps its name (its first due time) when it moves.
            .set("due_round = if_not_exists(due_round, gsi3sk)")
            .set("gsi3pk = :shard")
            .set("gsi3sk = :next")
            .value(":shard", s(keys::due_shard(pk)))
            .value(":next", s(due_at)),
        Settlement::Next { due_at, stage } => update
            .set("gsi3pk = :shard")
            .set("gsi3sk = :next")
            .set("due_stage = :stage")
            .set("notified_up_to = :seen")
            .remove("notify_now")
            .remove("due_round")
            .remove("digest_due")
            .value(":shard", s(keys::due_shard(pk)))
            .value(":next", s(due_at))
            .value(":stage", s(stage.as_str())),
        // The admin copy and staff digests are still to come: `notified_up_to` stays.
        Settlement::Deferred { due_at } => update
            .set("gsi3pk = :shard")
            .set("gsi3sk = :next")
            .set("notified_now_up_to = :seen")
            .remove("notify_now")
            .remove("due_round")
            .remove("digest_due")
            .value(":shard", s(keys::due_shard(pk)))
            .value(":next", s(due_at)),
        Settlement::Hold { .. } => unreachable!("held before"),
    }
}
