//! Tenant settings (and what derives from them, such as which tenant holds an SMS
//! number), cached per container so that most requests cost no read for them. Entries
//! live at most the configured TTL (a minute at most), which bounds how long a settings
//! change takes to reach every container.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::Settings;
use crate::store::{SettingsStore, StoreError};

#[derive(Debug)]
pub struct TtlCache<V> {
    ttl: Duration,
    entries: Mutex<HashMap<String, (Instant, V)>>,
}

/// Settings by tenant.
pub type SettingsCache = TtlCache<Settings>;

impl<V: Clone> TtlCache<V> {
    pub fn new(ttl: Duration) -> Self {
        TtlCache {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub fn cached(&self, key: &str) -> Option<V> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, value)| value.clone())
    }

    /// Records what this container has just written or read.
    pub fn put(&self, key: &str, value: V) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.insert(key.to_owned(), (Instant::now(), value));
    }
}

impl SettingsCache {
    /// The tenant's settings, from the cache or (one GetItem) the table.
    pub async fn get<S: SettingsStore>(
        &self,
        store: &S,
        tenant: &crate::domain::ids::TenantId,
    ) -> Result<Settings, StoreError> {
        if let Some(settings) = self.cached(tenant) {
            return Ok(settings);
        }
        let settings = store.get_settings(tenant).await?.unwrap_or_default();
        self.put(tenant, settings.clone());
        Ok(settings)
    }
}
