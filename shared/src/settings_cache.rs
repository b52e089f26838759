//! Tenant settings, cached per container so that most requests cost no read for them.
//! Entries live at most the configured TTL (a minute at most), which bounds how long a
//! mode change takes to reach every container.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::Settings;
use crate::store::{SettingsStore, StoreError};

#[derive(Debug)]
pub struct SettingsCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, (Instant, Settings)>>,
}

impl SettingsCache {
    pub fn new(ttl: Duration) -> Self {
        SettingsCache {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The tenant's settings, from the cache or (one GetItem) the table.
    pub async fn get<S: SettingsStore>(
        &self,
        store: &S,
        tenant: &str,
    ) -> Result<Settings, StoreError> {
        if let Some(settings) = self.cached(tenant) {
            return Ok(settings);
        }
        let settings = store.get_settings(tenant).await?.unwrap_or_default();
        self.put(tenant, settings.clone());
        Ok(settings)
    }

    pub fn cached(&self, tenant: &str) -> Option<Settings> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(tenant)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, settings)| settings.clone())
    }

    /// Records settings this container has just written or read.
    pub fn put(&self, tenant: &str, settings: Settings) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.insert(tenant.to_owned(), (Instant::now(), settings));
    }
}
