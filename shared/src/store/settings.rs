//! Tenant settings.

use crate::domain::ids::TenantId;
use std::future::Future;

use super::StoreError;
use crate::domain::Settings;

pub trait SettingsStore: Send + Sync {
    fn get_settings(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<Option<Settings>, StoreError>> + Send;
    /// Saves the settings over `previous` (the version read): a save in between is a
    /// `Conflict` (`settings_changed`) and nothing is written. The SMS numbers and sender
    /// identity are the caller's to check against the tenant's grant.
    fn put_settings(
        &self,
        tenant: &TenantId,
        settings: &Settings,
        previous: Option<&Settings>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}
