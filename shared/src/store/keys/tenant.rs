//! Keys of the tenant's own items: settings, the operator's grant, quota counters.

pub const SETTINGS_SK: &str = "SETTINGS";

/// The operator's grant to the tenant.
pub const GRANT_SK: &str = "GRANT";

pub fn tenant_pk(tenant: &str) -> String {
    format!("T#{tenant}")
}

/// The tenant's quota counters of one UTC day (`YYYY-MM-DD`).
pub fn quota_sk(day: &str) -> String {
    format!("QUOTA#{day}")
}
