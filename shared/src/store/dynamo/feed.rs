//! Feeds: conversation headers on `gsi1` (the tenant) and `gsi2` (one customer account),
//! newest last message first. A read names the one reader whose position it needs, so
//! every other reader's attributes stay on the table.

use std::collections::HashMap;

use super::item::{classify, s};
use super::{header_from_item, DynamoStore};
use crate::store::keys::{self, GSI1, GSI1_PK, GSI1_SK, GSI2, GSI2_PK, GSI2_SK};
use crate::store::{Feed, FeedFields, FeedScan, FeedStore, Reader, StoreError};

const COUNT_ATTRIBUTES: &[&str] = &[
    "conversation_id",
    "customer_id",
    "last_message_id",
    "n_customer",
    "n_staff",
];

const SUMMARY_ATTRIBUTES: &[&str] = &[
    "subject",
    "patient_id",
    "status",
    "title",
    "created_at",
    "last_message_at",
    "last_excerpt",
    "last_sender_type",
    "last_sender_name",
    "message_count",
];

impl FeedStore for DynamoStore {
    async fn feed_scan(
        &self,
        tenant: &str,
        feed: &Feed,
        before: Option<&str>,
        max: u32,
        reader: &Reader,
        fields: FeedFields,
    ) -> Result<FeedScan, StoreError> {
        let (index, pk_name, sk_name, pk) = match feed {
            Feed::Tenant => (GSI1, GSI1_PK, GSI1_SK, keys::tenant_feed_pk(tenant)),
            Feed::Customer(customer) => (
                GSI2,
                GSI2_PK,
                GSI2_SK,
                keys::customer_feed_pk(tenant, customer),
            ),
        };
        let mut names: HashMap<String, String> = HashMap::new();
        let mut projection = Vec::new();
        let extra: &[&str] = match fields {
            FeedFields::Summary => SUMMARY_ATTRIBUTES,
            FeedFields::Counts => &[],
        };
        let attributes = COUNT_ATTRIBUTES.iter().chain(extra).copied();
        let reader_attributes = keys::reader_attributes(reader.side, &reader.user_id);
        for (i, name) in attributes
            .map(str::to_owned)
            .chain(reader_attributes)
            .enumerate()
        {
            let placeholder = format!("#a{i}");
            projection.push(placeholder.clone());
            names.insert(placeholder, name);
        }
        names.insert("#pk".into(), pk_name.into());
        let condition = if before.is_some() {
            names.insert("#sk".into(), sk_name.into());
            "#pk = :pk AND #sk < :before"
        } else {
            "#pk = :pk"
        };
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index)
            .key_condition_expression(condition)
            .expression_attribute_values(":pk", s(pk))
            .set_expression_attribute_names(Some(names))
            .projection_expression(projection.join(", "))
            .scan_index_forward(false)
            .limit(max.max(1) as i32);
        if let Some(before) = before {
            query = query.expression_attribute_values(":before", s(before));
        }
        let output = query.send().await.map_err(classify)?;
        let headers = output
            .items()
            .iter()
            .map(header_from_item)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(FeedScan {
            headers,
            more: output.last_evaluated_key.is_some_and(|key| !key.is_empty()),
        })
    }
}
