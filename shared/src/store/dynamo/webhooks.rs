//! Webhook endpoints and deliveries on DynamoDB.

use std::collections::HashSet;

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::AttributeValue;

use super::item::{
    classify, corrupt, from_item, get_s, is_conditional_failure, is_put_conditional_failure,
    keyed_item, s, Item,
};
use super::{key_item, DynamoStore};
use crate::domain::ids::TenantId;
use crate::domain::webhooks::{Delivery, DeliveryStatus, Endpoint};
use crate::store::keys::{self, GSI3, GSI3_PK, GSI3_SK, PK, SK, TTL_ATTRIBUTE};
use crate::store::{DeliveryPage, StoreError, TenantDelivery, WebhookStore};

/// How long a delivery stays in its endpoint's log.
const DELIVERY_TTL_SECS: i64 = 30 * 24 * 3600;

/// The payload's attribute: deflated, since a message's event is most of a record, and
/// under 1 KB the record's every write is one unit instead of two.
const PAYLOAD: &str = "payload";
const PAYLOAD_DEFLATED: &str = "payload_z";
const DEFLATE_LEVEL: u8 = 9;

fn delivery_item(tenant: &TenantId, delivery: &Delivery) -> Result<Item, StoreError> {
    let pk = keys::deliveries_pk(tenant, &delivery.endpoint_id);
    let mut item = keyed_item(pk.clone(), delivery.event_id.as_str(), delivery)?;
    item.remove(PAYLOAD);
    let deflated =
        miniz_oxide::deflate::compress_to_vec(delivery.payload.as_bytes(), DEFLATE_LEVEL);
    item.insert(
        PAYLOAD_DEFLATED.into(),
        AttributeValue::B(aws_sdk_dynamodb::primitives::Blob::new(deflated)),
    );
    let due = matches!(
        delivery.status,
        DeliveryStatus::Pending | DeliveryStatus::Retrying
    );
    if let (true, Some(at)) = (due, &delivery.next_attempt_at) {
        item.insert(GSI3_PK.into(), s(keys::webhook_due_pk(&pk)));
        item.insert(GSI3_SK.into(), s(at));
    }
    let created = delivery
        .created_at
        .parse::<jiff::Timestamp>()
        .map_or_else(|_| jiff::Timestamp::now().as_second(), |t| t.as_second());
    item.insert(
        TTL_ATTRIBUTE.into(),
        AttributeValue::N((created + DELIVERY_TTL_SECS).to_string()),
    );
    Ok(item)
}

fn delivery_from_item(item: &Item) -> Result<Delivery, StoreError> {
    let mut fields = item.clone();
    let payload = match fields.remove(PAYLOAD_DEFLATED) {
        Some(AttributeValue::B(bytes)) => {
            let inflated = miniz_oxide::inflate::decompress_to_vec(bytes.as_ref())
                .map_err(|e| corrupt(item, format!("{e:?}")))?;
            String::from_utf8(inflated).map_err(|e| corrupt(item, e))?
        }
        _ => return Err(corrupt(item, "a delivery without its payload")),
    };
    fields.insert(PAYLOAD.into(), s(payload));
    from_item(&fields)
}

impl WebhookStore for DynamoStore {
    async fn endpoints(&self, tenant: &TenantId) -> Result<Vec<Endpoint>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", s(keys::endpoints_pk(tenant)))
            .expression_attribute_values(":prefix", s(keys::ENDPOINT_SK_PREFIX))
            .consistent_read(true);
        self.query_all(query).await?.iter().map(from_item).collect()
    }

    async fn endpoint(&self, tenant: &TenantId, id: &str) -> Result<Option<Endpoint>, StoreError> {
        self.get_item(keys::endpoints_pk(tenant), &keys::endpoint_sk(id))
            .await?
            .as_ref()
            .map(from_item)
            .transpose()
    }

    async fn create_endpoint(
        &self,
        tenant: &TenantId,
        endpoint: &Endpoint,
    ) -> Result<(), StoreError> {
        let put = self
            .endpoint_put(tenant, endpoint)?
            .condition_expression(format!("attribute_not_exists({PK})"));
        match put.send().await {
            Ok(_) => Ok(()),
            Err(err) if is_put_conditional_failure(&err) => Err(StoreError::Conflict {
                code: "endpoint_exists",
                message: "an endpoint with this id exists".into(),
            }),
            Err(err) => Err(classify(err)),
        }
    }

    async fn save_endpoint(
        &self,
        tenant: &TenantId,
        endpoint: &Endpoint,
        read_updated_at: &str,
    ) -> Result<(), StoreError> {
        let result = self
            .endpoint_put(tenant, endpoint)?
            .condition_expression(format!("attribute_exists({PK}) AND updated_at = :read"))
            .expression_attribute_values(":read", s(read_updated_at))
            .return_values_on_condition_check_failure(
                aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld,
            )
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if is_put_conditional_failure(&err) => {
                let existed = err
                    .as_service_error()
                    .and_then(|e| match e {
                        PutItemError::ConditionalCheckFailedException(e) => e.item(),
                        _ => None,
                    })
                    .is_some_and(|item| !item.is_empty());
                Err(if existed {
                    StoreError::Conflict {
                        code: "endpoint_changed",
                        message: "the endpoint was changed meanwhile; read it again".into(),
                    }
                } else {
                    StoreError::NotFound
                })
            }
            Err(err) => Err(classify(err)),
        }
    }

    async fn delete_endpoint(&self, tenant: &TenantId, id: &str) -> Result<bool, StoreError> {
        let output = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_item(
                keys::endpoints_pk(tenant),
                keys::endpoint_sk(id),
            )))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await
            .map_err(classify)?;
        Ok(output.attributes.is_some_and(|a| !a.is_empty()))
    }

    async fn set_endpoint_failing(
        &self,
        tenant: &TenantId,
        id: &str,
        since: Option<&str>,
    ) -> Result<(), StoreError> {
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_item(
                keys::endpoints_pk(tenant),
                keys::endpoint_sk(id),
            )));
        let update = match since {
            Some(since) => update
                .update_expression("SET failing_since = :since")
                .condition_expression(format!(
                    "attribute_exists({PK}) AND attribute_not_exists(failing_since)"
                ))
                .expression_attribute_values(":since", s(since)),
            None => update
                .update_expression("REMOVE failing_since")
                .condition_expression("attribute_exists(failing_since)"),
        };
        match update.send().await {
            Ok(_) => Ok(()),
            // Already so, or deleted meanwhile: nothing to record.
            Err(err) if is_conditional_failure(&err) => Ok(()),
            Err(err) => Err(classify(err)),
        }
    }

    async fn disable_endpoint(
        &self,
        tenant: &TenantId,
        id: &str,
        reason: &str,
        at: &str,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_item(
                keys::endpoints_pk(tenant),
                keys::endpoint_sk(id),
            )))
            .update_expression(
                "SET #status = :disabled, disabled_reason = :reason, disabled_at = :at, updated_at = :at",
            )
            .condition_expression("#status = :enabled")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":disabled", s("disabled"))
            .expression_attribute_values(":enabled", s("enabled"))
            .expression_attribute_values(":reason", s(reason))
            .expression_attribute_values(":at", s(at))
            .send()
            .await;
        super::item::update_written(result)
    }

    async fn recorded_deliveries(
        &self,
        tenant: &TenantId,
        wanted: &[(String, String)],
    ) -> Result<HashSet<(String, String)>, StoreError> {
        if wanted.is_empty() {
            return Ok(HashSet::new());
        }
        let keys = wanted
            .iter()
            .map(|(endpoint, event)| key_item(keys::deliveries_pk(tenant, endpoint), event))
            .collect();
        // Eventually consistent: a batch is processed again seconds after it failed at
        // the earliest, and a record twice is refused by its conditional write anyway.
        Ok(self
            .batch_get(keys, false)
            .await?
            .iter()
            .filter_map(|item| {
                let (_, endpoint) = keys::parse_deliveries_pk(get_s(item, PK)?)?;
                Some((endpoint, get_s(item, SK)?.to_owned()))
            })
            .collect())
    }

    async fn record_delivery(
        &self,
        tenant: &TenantId,
        delivery: &Delivery,
    ) -> Result<bool, StoreError> {
        self.put_delivery(tenant, delivery, None).await
    }

    async fn save_delivery(
        &self,
        tenant: &TenantId,
        delivery: &Delivery,
        read_attempts: u32,
    ) -> Result<bool, StoreError> {
        self.put_delivery(tenant, delivery, Some(read_attempts))
            .await
    }

    async fn delivery(
        &self,
        tenant: &TenantId,
        endpoint: &str,
        event_id: &str,
    ) -> Result<Option<Delivery>, StoreError> {
        self.get_item(keys::deliveries_pk(tenant, endpoint), event_id)
            .await?
            .as_ref()
            .map(delivery_from_item)
            .transpose()
    }

    async fn deliveries(
        &self,
        tenant: &TenantId,
        endpoint: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<DeliveryPage, StoreError> {
        let pk = keys::deliveries_pk(tenant, endpoint);
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(&pk))
            .scan_index_forward(false);
        if let Some(after) = after {
            query = query.set_exclusive_start_key(Some(key_item(pk, after)));
        }
        let (items, stopped) = self.query_up_to(query, limit).await?;
        let deliveries = items
            .iter()
            .map(delivery_from_item)
            .collect::<Result<Vec<Delivery>, _>>()?;
        let next_after = stopped.and_then(|_| deliveries.last().map(|d| d.event_id.clone()));
        Ok(DeliveryPage {
            deliveries,
            next_after,
        })
    }

    async fn due_deliveries(
        &self,
        now: &str,
        limit: usize,
    ) -> Result<Vec<TenantDelivery>, StoreError> {
        let mut wanted = Vec::new();
        for shard in keys::webhook_due_shards() {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(GSI3)
                .key_condition_expression("gsi3pk = :shard AND gsi3sk <= :now")
                .expression_attribute_values(":shard", s(shard))
                .expression_attribute_values(":now", s(now))
                .limit(i32::try_from(limit).unwrap_or(i32::MAX))
                .send()
                .await
                .map_err(classify)?;
            for item in output.items() {
                if let (Some(pk), Some(sk)) = (get_s(item, PK), get_s(item, SK)) {
                    wanted.push(key_item(pk.to_owned(), sk));
                }
            }
        }
        let mut due = Vec::new();
        for item in self.batch_get(wanted, true).await? {
            let Some((tenant, _)) = get_s(&item, PK).and_then(keys::parse_deliveries_pk) else {
                continue;
            };
            due.push((TenantId::from(tenant), delivery_from_item(&item)?));
        }
        due.sort_by(|a, b| a.1.next_attempt_at.cmp(&b.1.next_attempt_at));
        Ok(due)
    }
}

impl DynamoStore {
    /// A delivery's record: new (`read_attempts` none: only if absent) or after the
    /// attempts read; false when the condition failed.
    async fn put_delivery(
        &self,
        tenant: &TenantId,
        delivery: &Delivery,
        read_attempts: Option<u32>,
    ) -> Result<bool, StoreError> {
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(delivery_item(tenant, delivery)?));
        let put = match read_attempts {
            None => put.condition_expression(format!("attribute_not_exists({PK})")),
            Some(read) => put
                .condition_expression(format!("attribute_exists({PK}) AND attempts = :read"))
                .expression_attribute_values(":read", AttributeValue::N(read.to_string())),
        };
        super::item::put_written(put.send().await)
    }

    /// The Put of an endpoint's item, its condition left to the caller.
    fn endpoint_put(
        &self,
        tenant: &TenantId,
        endpoint: &Endpoint,
    ) -> Result<aws_sdk_dynamodb::operation::put_item::builders::PutItemFluentBuilder, StoreError>
    {
        let item = keyed_item(
            keys::endpoints_pk(tenant),
            keys::endpoint_sk(&endpoint.id),
            endpoint,
        )?;
        Ok(self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item)))
    }
}
