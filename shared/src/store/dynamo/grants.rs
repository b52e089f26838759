//! The operator's grant to a tenant, with the routing of its SMS numbers, and the
//! tenant's daily quota counters.

use crate::domain::ids::TenantId;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, ReturnValue, TransactWriteItem};

use serde::{Deserialize, Serialize};

use super::expr::UpdateExpr;
use super::item::{classify, from_item, internal, keyed_item, s, Item};
use super::transaction::{Part, TransactFailure, Transaction};
use super::DynamoStore;
use crate::domain::grant::Grant;
use crate::domain::notify::NotifyChannel;
use crate::store::keys::{self, PK, SK};
use crate::store::{GrantStore, StoreError};

/// Counters outlive their day by a week, for the operator to look back.
const QUOTA_TTL_SECS: i64 = 8 * 24 * 60 * 60;

/// Where texts to an SMS number go.
#[derive(Serialize, Deserialize)]
pub(super) struct SmsRoute {
    pub tenant: String,
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
        self.get_item(keys::tenant_pk(tenant), keys::GRANT_SK)
            .await?
            .map(|item| from_item::<Grant>(&item))
            .transpose()
    }

    async fn put_grant(
        &self,
        tenant: &TenantId,
        grant: &Grant,
        previous: Option<&Grant>,
    ) -> Result<(), StoreError> {
        let item = keyed_item(keys::tenant_pk(tenant), keys::GRANT_SK, grant)?;
        let mut writes = Transaction::new().with(
            Part::Grant,
            TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name(&self.table)
                        .set_item(Some(item))
                        .build()
                        .map_err(internal)?,
                )
                .build(),
        );
        let held_by_tenant = format!("attribute_not_exists({PK}) OR tenant = :tenant");
        for number in &grant.sms_numbers {
            let route = Put::builder()
                .table_name(&self.table)
                .set_item(Some(keyed_item(
                    keys::sms_number_pk(number),
                    keys::SMS_NUMBER_SK,
                    &SmsRoute {
                        tenant: tenant.to_string(),
                    },
                )?))
                .condition_expression(&held_by_tenant)
                .expression_attribute_values(":tenant", s(tenant))
                .build()
                .map_err(internal)?;
            writes.push(
                Part::SmsRoute,
                TransactWriteItem::builder().put(route).build(),
            );
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
            writes.push(
                Part::SmsRelease,
                TransactWriteItem::builder().delete(release).build(),
            );
        }
        match self.transact_retrying(writes).await {
            Ok(()) => Ok(()),
            Err(TransactFailure::Store(err)) => Err(err),
            Err(TransactFailure::Cancelled(c)) => {
                let message = match c.failed_at(Part::SmsRoute) {
                    Some(i) => format!("{} is granted to another tenant", grant.sms_numbers[i]),
                    None if c.failed(Part::SmsRelease) => {
                        "a number given up is routed to another tenant".into()
                    }
                    None => return Err(c.unavailable()),
                };
                Err(StoreError::Conflict {
                    code: "sms_number_granted_elsewhere",
                    message,
                })
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
        let counted = UpdateExpr::new()
            .set("#ttl = if_not_exists(#ttl, :ttl)")
            .add("#counter :delta")
            .name("#ttl", keys::TTL_ATTRIBUTE)
            .name("#counter", counter_name(channel))
            .value(":ttl", AttributeValue::N(expires.to_string()))
            .value(":delta", AttributeValue::N(delta.to_string()));
        let output = self
            .update_item(keys::tenant_pk(tenant), keys::quota_sk(day), &counted)
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
