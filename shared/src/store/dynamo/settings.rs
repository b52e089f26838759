//! Tenant settings (and, in the same transaction, the release of notifications held by
//! quiet hours they no longer have).

use crate::domain::ids::TenantId;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};

use serde::{Deserialize, Serialize};

use super::expr::UpdateExpr;
use super::item::{from_item, internal, keyed_item, n, s, Item};
use super::transaction::{Part, TransactFailure, Transaction};
use super::DynamoStore;
use crate::domain::notify::{notify_delay, QuietHours};
use crate::domain::{MessagingMode, Settings};
use crate::store::keys;
use crate::store::{SettingsStore, StoreError};

impl SettingsStore for DynamoStore {
    async fn get_settings(&self, tenant: &TenantId) -> Result<Option<Settings>, StoreError> {
        self.get_item(keys::tenant_pk(tenant), keys::SETTINGS_SK)
            .await?
            .map(|item| settings_from_item(&item))
            .transpose()
    }

    async fn put_settings(
        &self,
        tenant: &TenantId,
        settings: &Settings,
        previous: Option<&Settings>,
    ) -> Result<(), StoreError> {
        let version = previous.map_or(0, |p| p.version);
        let item = keyed_item(
            keys::tenant_pk(tenant),
            keys::SETTINGS_SK,
            &SettingsItem::new(settings, version + 1),
        )?;
        let mut put = Put::builder().table_name(&self.table).set_item(Some(item));
        if previous.is_some() {
            // Saved over exactly the version that was read, or not at all.
            put = if version == 0 {
                put.condition_expression("attribute_not_exists(version)")
            } else {
                put.condition_expression("version = :version")
                    .expression_attribute_values(":version", n(version))
            };
        }
        let mut writes = Transaction::new().with(
            Part::Settings,
            TransactWriteItem::builder()
                .put(put.build().map_err(internal)?)
                .build(),
        );
        if let Some(previous) = previous {
            let delay_was = notify_delay(previous);
            let shortened = (notify_delay(settings) < delay_was).then_some(delay_was);
            if shortened.is_some() || previous.quiet_hours != settings.quiet_hours {
                writes.push(Part::Release, self.release_now(tenant, shortened)?);
            }
        }
        match self.transact_retrying(writes).await {
            Ok(()) => Ok(()),
            Err(TransactFailure::Store(err)) => Err(err),
            Err(TransactFailure::Cancelled(c)) if c.failed(Part::Settings) => {
                Err(StoreError::Conflict {
                    code: "settings_changed",
                    message: "the settings were changed meanwhile".into(),
                })
            }
            Err(TransactFailure::Cancelled(c)) => Err(c.unavailable()),
        }
    }
}

impl DynamoStore {
    /// Makes the tenant's release marker due now: the dispatcher's next run looks again at
    /// every pass quiet hours hold, with the settings as they now are, and brings forward
    /// what is pending under a delay that was longer (`delay_was`, the longest since the
    /// marker was last taken).
    fn release_now(
        &self,
        tenant: &str,
        delay_was: Option<jiff::SignedDuration>,
    ) -> Result<TransactWriteItem, StoreError> {
        let pk = keys::tenant_pk(tenant);
        let release = UpdateExpr::new()
            .set("gsi3pk = :shard")
            .set("gsi3sk = :now")
            .value(":shard", s(keys::due_shard(&pk)))
            .value(":now", s(crate::domain::now_rfc3339()));
        let release = match delay_was {
            Some(was) => release
                .set("delay_was = if_not_exists(delay_was, :was)")
                .value(":was", n(was.as_secs().max(0) as u64)),
            None => release,
        };
        Ok(TransactWriteItem::builder()
            .update(self.update(&pk, keys::RELEASE_SK, &release)?)
            .build())
    }
}

/// The settings item: quiet hours as two attributes, and what an item leaves out is
/// the default.
#[derive(Serialize, Deserialize)]
#[serde(default)]
struct SettingsItem {
    mode: MessagingMode,
    business_name: Option<String>,
    notify_delay_minutes: u32,
    sms_escalation_minutes: Option<u32>,
    max_attachment_mb: u32,
    max_attachments: u32,
    edit_window_minutes: u32,
    notify_delay_seconds: Option<u32>,
    quiet_start: Option<String>,
    quiet_end: Option<String>,
    admin_notification_email: Option<String>,
    from_email: Option<String>,
    portal_base_url: Option<String>,
    timezone: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    sms_numbers: Vec<String>,
    sms_help_text: Option<String>,
    sms_auto_reply: Option<String>,
    updated_at: Option<String>,
    updated_by: Option<String>,
    version: u64,
}

impl Default for SettingsItem {
    fn default() -> Self {
        SettingsItem::new(&Settings::default(), 0)
    }
}

impl SettingsItem {
    fn new(settings: &Settings, version: u64) -> Self {
        let settings = settings.clone();
        let (quiet_start, quiet_end) = match settings.quiet_hours {
            Some(quiet) => (Some(quiet.start), Some(quiet.end)),
            None => (None, None),
        };
        SettingsItem {
            mode: settings.mode,
            business_name: settings.business_name,
            notify_delay_minutes: settings.notify_delay_minutes,
            sms_escalation_minutes: settings.sms_escalation_minutes,
            max_attachment_mb: settings.max_attachment_mb,
            max_attachments: settings.max_attachments,
            edit_window_minutes: settings.edit_window_minutes,
            notify_delay_seconds: settings.notify_delay_seconds,
            quiet_start,
            quiet_end,
            admin_notification_email: settings.admin_notification_email,
            from_email: settings.from_email,
            portal_base_url: settings.portal_base_url,
            timezone: settings.timezone,
            sms_numbers: settings.sms_numbers,
            sms_help_text: settings.sms_help_text,
            sms_auto_reply: settings.sms_auto_reply,
            updated_at: settings.updated_at,
            updated_by: settings.updated_by,
            version,
        }
    }
}

impl From<SettingsItem> for Settings {
    fn from(item: SettingsItem) -> Self {
        Settings {
            mode: item.mode,
            business_name: item.business_name,
            notify_delay_minutes: item.notify_delay_minutes,
            sms_escalation_minutes: item.sms_escalation_minutes,
            max_attachment_mb: item.max_attachment_mb,
            max_attachments: item.max_attachments,
            edit_window_minutes: item.edit_window_minutes,
            notify_delay_seconds: item.notify_delay_seconds,
            quiet_hours: match (item.quiet_start, item.quiet_end) {
                (Some(start), Some(end)) => Some(QuietHours { start, end }),
                _ => None,
            },
            admin_notification_email: item.admin_notification_email,
            from_email: item.from_email,
            portal_base_url: item.portal_base_url,
            timezone: item.timezone,
            sms_numbers: item.sms_numbers,
            sms_help_text: item.sms_help_text,
            sms_auto_reply: item.sms_auto_reply,
            updated_at: item.updated_at,
            updated_by: item.updated_by,
            version: item.version,
        }
    }
}

pub(super) fn settings_from_item(item: &Item) -> Result<Settings, StoreError> {
    Ok(from_item::<SettingsItem>(item)?.into())
}
