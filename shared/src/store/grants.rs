//! What the operator grants a tenant, and the tenant's daily use of its quotas.

use crate::domain::ids::TenantId;
use std::future::Future;

use super::StoreError;
use crate::domain::grant::Grant;
use crate::domain::notify::NotifyChannel;

pub trait GrantStore: Send + Sync {
    fn get_grant(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<Option<Grant>, StoreError>> + Send;
    /// Saves the grant and, in the same transaction, routes its SMS numbers to the tenant
    /// and stops routing those `previous` had and this one has not. A number granted to
    /// another tenant is a `Conflict` (`sms_number_granted_elsewhere`): nothing is written.
    fn put_grant(
        &self,
        tenant: &TenantId,
        grant: &Grant,
        previous: Option<&Grant>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Adds `delta` to what the tenant used of a channel on `day` (UTC, `YYYY-MM-DD`) and
    /// returns the new total: one atomic UpdateItem, so concurrent callers each get a
    /// range of their own.
    fn add_quota_use(
        &self,
        tenant: &TenantId,
        day: &str,
        channel: NotifyChannel,
        delta: i64,
    ) -> impl Future<Output = Result<i64, StoreError>> + Send;
    /// What the tenant used on `day`: emails, texts.
    fn quota_use(
        &self,
        tenant: &TenantId,
        day: &str,
    ) -> impl Future<Output = Result<(i64, i64), StoreError>> + Send;
}
