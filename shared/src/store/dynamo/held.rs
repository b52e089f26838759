//! Holding a pass for quiet hours: under `HELD#{tenant}`, with the tenant's release
//! marker due by the time the hold ends.

use aws_sdk_dynamodb::types::{ConditionCheck, TransactWriteItem};

use super::expr::UpdateExpr;
use super::item::{internal, s};
use super::transaction::{Part, TransactFailure, Transaction};
use super::DynamoStore;
use crate::store::keys::{self, PK, SK};
use crate::store::{DueEntry, StoreError};

impl DynamoStore {
    /// Moves a pass to the tenant's held passes until `until`, and makes the tenant's
    /// release marker due by then (the earliest hold wins), in one transaction: a held
    /// pass never goes without a marker due for it. The marker is set when it is absent
    /// or due later; when it is due sooner, the transaction checks that it still is
    /// instead (one more request, only then).
    pub(super) async fn hold(
        &self,
        tenant: &str,
        due: &DueEntry,
        pk: &str,
        until: &str,
    ) -> Result<(), StoreError> {
        /// Each failed marker condition flips between setting and checking it; a marker
        /// moving that often is another run's doing, and the pass stays due for the next.
        const ATTEMPTS: u32 = 4;
        let tenant_pk = keys::tenant_pk(tenant);
        let held = UpdateExpr::new()
            .set("due_round = if_not_exists(due_round, gsi3sk)")
            .set("gsi3pk = :held")
            .set("gsi3sk = :until")
            .condition("gsi3sk = :due")
            .value(":due", s(&due.due_at))
            .value(":held", s(keys::held_pk(tenant)))
            .value(":until", s(until));
        let header = self.update(pk, keys::HEADER_SK, &held)?;
        let header = TransactWriteItem::builder().update(header).build();
        let mut marker_is_sooner = false;
        for _ in 0..ATTEMPTS {
            let marker = if marker_is_sooner {
                let check = ConditionCheck::builder()
                    .table_name(&self.table)
                    .key(PK, s(&tenant_pk))
                    .key(SK, s(keys::RELEASE_SK))
                    .condition_expression("gsi3sk <= :until")
                    .expression_attribute_values(":until", s(until))
                    .build()
                    .map_err(internal)?;
                TransactWriteItem::builder().condition_check(check).build()
            } else {
                let due_by_then = UpdateExpr::new()
                    .set("gsi3pk = :shard")
                    .set("gsi3sk = :until")
                    .condition("attribute_not_exists(gsi3sk) OR gsi3sk >= :until")
                    .value(":shard", s(keys::due_shard(&tenant_pk)))
                    .value(":until", s(until));
                let set = self.update(&tenant_pk, keys::RELEASE_SK, &due_by_then)?;
                TransactWriteItem::builder().update(set).build()
            };
            let transaction = Transaction::new()
                .with(Part::DueHeader, header.clone())
                .with(Part::Release, marker);
            match self.transact_retrying(transaction).await {
                Ok(()) => return Ok(()),
                Err(TransactFailure::Store(err)) => return Err(err),
                // Moved meanwhile (a new message, another run): not this pass's to hold.
                Err(TransactFailure::Cancelled(c)) if c.failed(Part::DueHeader) => return Ok(()),
                Err(TransactFailure::Cancelled(c)) if c.failed(Part::Release) => {
                    marker_is_sooner = !marker_is_sooner;
                }
                Err(TransactFailure::Cancelled(c)) => return Err(c.unavailable()),
            }
        }
        Err(StoreError::Unavailable(
            "the release marker kept moving".into(),
        ))
    }
}
