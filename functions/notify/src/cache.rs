//! What one run reads once per tenant.

use std::collections::HashMap;
use std::sync::Arc;

use shared::domain::directory::StaffProfile;
use shared::domain::grant::Grant;
use shared::domain::ids::TenantId;
use shared::domain::Settings;
use shared::store::StoreError;
use tokio::sync::OnceCell;

/// What one run reads once per tenant, shared by the shards' tasks: the first to need a
/// tenant's entry reads it, the others wait for that read.
#[derive(Default)]
pub(crate) struct TenantCache {
    pub(crate) settings: OncePerTenant<Settings>,
    pub(crate) grants: OncePerTenant<Grant>,
    pub(crate) staff: OncePerTenant<Vec<StaffProfile>>,
}

pub(crate) struct OncePerTenant<V>(std::sync::Mutex<HashMap<TenantId, Arc<OnceCell<V>>>>);

impl<V> Default for OncePerTenant<V> {
    fn default() -> Self {
        OncePerTenant(Default::default())
    }
}

impl<V: Clone> OncePerTenant<V> {
    pub(crate) async fn get<F, Fut>(&self, tenant: &TenantId, read: F) -> Result<V, StoreError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<V, StoreError>>,
    {
        let cell = {
            let mut cells = self.0.lock().unwrap_or_else(|e| e.into_inner());
            cells.entry(tenant.to_owned()).or_default().clone()
        };
        cell.get_or_try_init(read).await.cloned()
    }
}
