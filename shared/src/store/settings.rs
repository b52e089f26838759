//! Tenant settings.

use std::future::Future;

use super::StoreError;
use crate::domain::Settings;

pub trait SettingsStore: Send + Sync {
    fn get_settings(
        &self,
        tenant: &str,
    ) -> impl Future<Output = Result<Option<Settings>, StoreError>> + Send;
    /// Saves the settings and, in the same transaction, claims their SMS numbers for the
    /// tenant and releases those `previous` had and these do not. A number another tenant
    /// holds is a `Conflict` and nothing is written.
    fn put_settings(
        &self,
        tenant: &str,
        settings: &Settings,
        previous: Option<&Settings>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}
