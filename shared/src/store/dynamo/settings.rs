//! Tenant settings (and, in the same transaction, the release of notifications held by
//! quiet hours they no longer have).

use crate::domain::ids::TenantId;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};

use super::item::{
    failed_condition, get_n, get_s, internal, n, s, unavailable, Item, TransactFailure,
};
use super::DynamoStore;
use crate::domain::notify::notify_delay;
use crate::domain::{MessagingMode, Settings};
use crate::store::keys::{self, PK, SK};
use crate::store::{SettingsStore, StoreError};

impl SettingsStore for DynamoStore {
    async fn get_settings(&self, tenant: &TenantId) -> Result<Option<Settings>, StoreError> {
        Ok(self
            .get_item(keys::tenant_pk(tenant), keys::SETTINGS_SK)
            .await?
            .map(|item| settings_from_item(&item)))
    }

    async fn put_settings(
        &self,
        tenant: &TenantId,
        settings: &Settings,
        previous: Option<&Settings>,
    ) -> Result<(), StoreError> {
        let mut item = Item::from([
            (PK.to_owned(), s(keys::tenant_pk(tenant))),
            (SK.to_owned(), s(keys::SETTINGS_SK)),
            ("mode".to_owned(), s(settings.mode.as_str())),
            (
                "notify_delay_minutes".to_owned(),
                n(settings.notify_delay_minutes.into()),
            ),
            ("timezone".to_owned(), s(&settings.timezone)),
        ]);
        let optional = [
            ("business_name", &settings.business_name),
            (
                "admin_notification_email",
                &settings.admin_notification_email,
            ),
            ("from_email", &settings.from_email),
            ("portal_base_url", &settings.portal_base_url),
            ("sms_help_text", &settings.sms_help_text),
            ("sms_auto_reply", &settings.sms_auto_reply),
            ("updated_at", &settings.updated_at),
            ("updated_by", &settings.updated_by),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                item.insert(name.to_owned(), s(value));
            }
        }
        item.insert(
            "max_attachment_mb".into(),
            n(settings.max_attachment_mb.into()),
        );
        item.insert("max_attachments".into(), n(settings.max_attachments.into()));
        if let Some(minutes) = settings.sms_escalation_minutes {
            item.insert("sms_escalation_minutes".into(), n(minutes.into()));
        }
        if let Some(seconds) = settings.notify_delay_seconds {
            item.insert("notify_delay_seconds".into(), n(seconds.into()));
        }
        if let Some(quiet) = &settings.quiet_hours {
            item.insert("quiet_start".into(), s(&quiet.start));
            item.insert("quiet_end".into(), s(&quiet.end));
        }
        if !settings.sms_numbers.is_empty() {
            item.insert(
                "sms_numbers".into(),
                AttributeValue::L(settings.sms_numbers.iter().map(s).collect()),
            );
        }
        let version = previous.map_or(0, |p| p.version);
        item.insert("version".into(), n(version + 1));
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
        let mut writes = vec![TransactWriteItem::builder()
            .put(put.build().map_err(internal)?)
            .build()];
        if let Some(previous) = previous {
            let delay_was = notify_delay(previous);
            let shortened = (notify_delay(settings) < delay_was).then_some(delay_was);
            if shortened.is_some() || previous.quiet_hours != settings.quiet_hours {
                writes.push(self.release_now(tenant, shortened)?);
            }
        }
        match self.transact_retrying(writes).await {
            Ok(()) => Ok(()),
            Err(TransactFailure::Store(err)) => Err(err),
            Err(TransactFailure::Cancelled(reasons)) if failed_condition(&reasons, 0) => {
                Err(StoreError::Conflict {
                    code: "settings_changed",
                    message: "the settings were changed meanwhile".into(),
                })
            }
            Err(TransactFailure::Cancelled(reasons)) => Err(unavailable(&reasons)),
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
        let mut update = Update::builder()
            .table_name(&self.table)
            .key(PK, s(&pk))
            .key(SK, s(keys::RELEASE_SK))
            .expression_attribute_values(":shard", s(keys::due_shard(&pk)))
            .expression_attribute_values(":now", s(crate::domain::now_rfc3339()));
        update = match delay_was {
            Some(was) => update
                .update_expression(
                    "SET gsi3pk = :shard, gsi3sk = :now, delay_was = if_not_exists(delay_was, :was)",
                )
                .expression_attribute_values(":was", n(was.as_secs().max(0) as u64)),
            None => update.update_expression("SET gsi3pk = :shard, gsi3sk = :now"),
        };
        Ok(TransactWriteItem::builder()
            .update(update.build().map_err(internal)?)
            .build())
    }
}

pub(super) fn settings_from_item(item: &Item) -> Settings {
    let defaults = Settings::default();
    let text = |name: &str| get_s(item, name).map(str::to_owned);
    let number = |name: &str| {
        item.get(name)
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse::<u32>().ok())
    };
    Settings {
        mode: get_s(item, "mode")
            .and_then(MessagingMode::parse)
            .unwrap_or(defaults.mode),
        business_name: text("business_name"),
        notify_delay_minutes: number("notify_delay_minutes")
            .unwrap_or(defaults.notify_delay_minutes),
        sms_escalation_minutes: number("sms_escalation_minutes"),
        max_attachment_mb: number("max_attachment_mb").unwrap_or(defaults.max_attachment_mb),
        max_attachments: number("max_attachments").unwrap_or(defaults.max_attachments),
        notify_delay_seconds: number("notify_delay_seconds"),
        quiet_hours: match (text("quiet_start"), text("quiet_end")) {
            (Some(start), Some(end)) => Some(crate::domain::notify::QuietHours { start, end }),
            _ => None,
        },
        admin_notification_email: text("admin_notification_email"),
        from_email: text("from_email"),
        portal_base_url: text("portal_base_url"),
        timezone: text("timezone").unwrap_or(defaults.timezone),
        sms_numbers: item
            .get("sms_numbers")
            .and_then(|v| v.as_l().ok())
            .map(|list| list.iter().filter_map(|v| v.as_s().ok().cloned()).collect())
            .unwrap_or_default(),
        sms_help_text: text("sms_help_text"),
        sms_auto_reply: text("sms_auto_reply"),
        updated_at: text("updated_at"),
        updated_by: text("updated_by"),
        version: get_n(item, "version"),
    }
}
