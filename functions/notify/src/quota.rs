//! The tenants' daily quotas, as one run spends them. A run reserves a block of a
//! tenant's quota with one atomic `ADD` on the day's counter and hands it out delivery by
//! delivery; what it reserved and did not use goes back when the run ends. Concurrent runs
//! each get a range of their own, so a tenant never sends more than its quota; a run that
//! dies keeps its block until the day ends (the safe side).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use shared::domain::ids::TenantId;
use shared::domain::notify::NotifyChannel;
use shared::store::{GrantStore, StoreError};

/// Deliveries reserved with one counter update.
pub const QUOTA_BLOCK: i64 = 25;

#[derive(Default)]
struct Account {
    /// Reserved and not handed out yet.
    left: i64,
    /// Reserved beyond the quota (the counter went past it): given back at the end.
    beyond: i64,
    /// The quota is spent: nothing more to reserve today.
    spent: bool,
}

type AccountKey = (TenantId, NotifyChannel);

pub(crate) struct QuotaLedger {
    day: String,
    accounts: Mutex<HashMap<AccountKey, Arc<tokio::sync::Mutex<Account>>>>,
}

impl QuotaLedger {
    pub fn new(day: String) -> Self {
        QuotaLedger {
            day,
            accounts: Mutex::default(),
        }
    }

    /// One delivery's share of the tenant's quota for the channel: false when it is spent.
    pub async fn take<S: GrantStore>(
        &self,
        store: &S,
        tenant: &TenantId,
        channel: NotifyChannel,
        per_day: u32,
    ) -> Result<bool, StoreError> {
        let account = {
            let mut accounts = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
            accounts
                .entry((tenant.to_owned(), channel))
                .or_default()
                .clone()
        };
        let mut account = account.lock().await;
        if account.left == 0 && !account.spent {
            let total = store
                .add_quota_use(tenant, &self.day, channel, QUOTA_BLOCK)
                .await?;
            let granted = (i64::from(per_day) - (total - QUOTA_BLOCK)).clamp(0, QUOTA_BLOCK);
            account.left = granted;
            account.beyond += QUOTA_BLOCK - granted;
            account.spent = granted < QUOTA_BLOCK;
        }
        if account.left == 0 {
            return Ok(false);
        }
        account.left -= 1;
        Ok(true)
    }

    /// Gives back what the run reserved and did not use.
    pub async fn settle<S: GrantStore>(&self, store: &S) {
        let accounts: Vec<_> = {
            let mut accounts = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
            accounts.drain().collect()
        };
        for ((tenant, channel), account) in accounts {
            let account = account.lock().await;
            let unused = account.left + account.beyond;
            if unused == 0 {
                continue;
            }
            if let Err(err) = store
                .add_quota_use(&tenant, &self.day, channel, -unused)
                .await
            {
                // Kept as used: the tenant loses a block at worst, never gains one.
                tracing::warn!(%tenant, %err, unused, "quota not given back");
            }
        }
    }
}
