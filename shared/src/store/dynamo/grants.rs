//! The operator's grant to a tenant, with the routing of its SMS numbers, and the
//! tenant's daily quota counters.

use crate::domain::ids::TenantId;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, ReturnValue, TransactWriteItem};

use super::item::{classify, failed_condition, get_s, internal, n, s, Item, TransactFailure};
use super::DynamoStore;
use crate::domain::grant::Grant;
use crate::domain::notify::NotifyChannel;
use crate::store::keys::{self, PK, SK};
use crate::store::{GrantStore, StoreError};

/// Counters outlive their day by a week, for the operator to look back.
const QUOTA_TTL_SECS: i64 = 8 * 24 * 60 * 60;

fn strings(values: &[String]) -> AttributeValue {
    AttributeValue::L(values.iter().map(s).collect())
}

fn string_list(item: &Item, name: &str) -> Vec<String> {
    item.get(name)
        .and_then(|v| v.as_l().ok())
        .map(|list| list.iter().filter_map(|v| v.as_s().ok().cloned()).collect())
        .unwrap_or_default()
}

fn number(item: &Item, name: &str) -> Option<i64> {
    item.get(name)?.as_n().ok()?.parse().ok()
}

fn counter_name(channel: NotifyChannel) -> &'static str {
    match channel {
        NotifyChannel::Email => "emails",
        NotifyChannel::Sms => "texts",
    }
}

impl GrantStore for DynamoStore {
    async fn get_grant(&self, tenant: &TenantId) -> Result<Option<Grant>, StoreError> {
        Ok(self
            .get_item(keys::tenant_pk(tenant), keys::GRANT_SK)
            .await?
            .map(|item| grant_from_item(&item)))
    }

    async fn put_grant(
        &self,
        tenant: &TenantId,
        grant: &Grant,
        previous: Option<&Grant>,
    ) -> Result<(), StoreError> {
        let mut item = Item::from([
            (PK.to_owned(), s(keys::tenant_pk(tenant))),
            (SK.to_owned(), s(keys::GRANT_SK)),
            ("sms_numbers".to_owned(), strings(&grant.sms_numbers)),
            (
                "sender_identities".to_owned(),
                strings(&grant.sender_identities),
            ),
            ("emails_per_day".to_owned(), n(grant.emails_per_day.into())),
            ("sms_per_day".to_owned(), n(grant.sms_per_day.into())),
            ("sms_countries".to_owned(), strings(&grant.sms_countries)),
        ]);
        for (name, value) in [
            ("updated_at", &grant.updated_at),
            ("updated_by", &grant.updated_by),
        ] {
            if let Some(value) = value {
                item.insert(name.to_owned(), s(value));
            }
        }
        let mut writes = vec![TransactWriteItem::builder()
            .put(
                Put::builder()
                    .table_name(&self.table)
                    .set_item(Some(item))
                    .build()
                    .map_err(internal)?,
            )
            .build()];
        let held_by_tenant = format!("attribute_not_exists({PK}) OR tenant = :tenant");
        for number in &grant.sms_numbers {
            let route = Put::builder()
                .table_name(&self.table)
                .item(PK, s(keys::sms_number_pk(number)))
                .item(SK, s(keys::SMS_NUMBER_SK))
                .item("tenant", s(tenant))
                .condition_expression(&held_by_tenant)
                .expression_attribute_values(":tenant", s(tenant))
                .build()
                .map_err(internal)?;
            writes.push(TransactWriteItem::builder().put(route).build());
        }
        let released = previous
            .map(|p| p.sms_numbers.as_slice())
            .unwrap_or_default()
            .iter()
            .filter(|number| !grant.allows_number(number));
        for number in released {
            let release = Delete::builder()
                .table_name(&self.table)
                .key(PK, s(keys::sms_number_pk(number)))
                .key(SK, s(keys::SMS_NUMBER_SK))
                .condition_expression(&held_by_tenant)
                .expression_attribute_values(":tenant", s(tenant))
                .build()
                .map_err(internal)?;
            writes.push(TransactWriteItem::builder().delete(release).build());
        }
        match self.transact_retrying(writes).await {
            Ok(()) => Ok(()),
            Err(TransactFailure::Store(err)) => Err(err),
            Err(TransactFailure::Cancelled(reasons)) => {
                match (1..reasons.len()).find(|&i| failed_condition(&reasons, i)) {
                    Some(i) => Err(StoreError::Conflict {
                        code: "sms_number_granted_elsewhere",
                        message: match grant.sms_numbers.get(i - 1) {
                            Some(number) => format!("{number} is granted to another tenant"),
                            None => "a number given up is routed to another tenant".into(),
                        },
                    }),
                    None => Err(super::item::unavailable(&reasons)),
                }
            }
        }
    }

    async fn add_quota_use(
        &self,
        tenant: &TenantId,
        day: &str,
        channel: NotifyChannel,
        delta: i64,
    ) -> Result<i64, StoreError> {
        let expires = jiff::Timestamp::now().as_second() + QUOTA_TTL_SECS;
        let output = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(keys::tenant_pk(tenant)))
            .key(SK, s(keys::quota_sk(day)))
            .update_expression("SET #ttl = if_not_exists(#ttl, :ttl) ADD #counter :delta")
            .expression_attribute_names("#ttl", keys::TTL_ATTRIBUTE)
            .expression_attribute_names("#counter", counter_name(channel))
            .expression_attribute_values(":ttl", AttributeValue::N(expires.to_string()))
            .expression_attribute_values(":delta", AttributeValue::N(delta.to_string()))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(classify)?;
        Ok(output
            .attributes
            .as_ref()
            .and_then(|item| number(item, counter_name(channel)))
            .unwrap_or(delta))
    }

    async fn quota_use(&self, tenant: &TenantId, day: &str) -> Result<(i64, i64), StoreError> {
        let item = self
            .get_item(keys::tenant_pk(tenant), &keys::quota_sk(day))
            .await?
            .unwrap_or_default();
        let used = |channel| number(&item, counter_name(channel)).unwrap_or(0).max(0);
        Ok((used(NotifyChannel::Email), used(NotifyChannel::Sms)))
    }
}

fn grant_from_item(item: &Item) -> Grant {
    let defaults = Grant::default();
    let quota = |name: &str, default: u32| {
        number(item, name)
            .and_then(|v| u32::try_from(v).ok())
            .unwrap_or(default)
    };
    Grant {
        sms_numbers: string_list(item, "sms_numbers"),
        sender_identities: string_list(item, "sender_identities"),
        emails_per_day: quota("emails_per_day", defaults.emails_per_day),
        sms_per_day: quota("sms_per_day", defaults.sms_per_day),
        sms_countries: if item.contains_key("sms_countries") {
            string_list(item, "sms_countries")
        } else {
            defaults.sms_countries
        },
        updated_at: get_s(item, "updated_at").map(str::to_owned),
        updated_by: get_s(item, "updated_by").map(str::to_owned),
    }
}
