//! `GET`/`PUT /settings/messaging`. A `PUT` changes the fields it names (`null` clears an
//! optional one) and leaves the rest; the new settings reach every function within a
//! minute, this container at once.

use serde::{Deserialize, Deserializer};
use shared::domain::notify::QuietHours;
use shared::domain::permissions::require_admin;
use shared::domain::settings::{LIMIT_ATTACHMENTS, LIMIT_ATTACHMENT_MB, LIMIT_EDIT_WINDOW_MINUTES};
use shared::domain::sms::{MAX_SMS_NUMBERS, MAX_SMS_REPLY_CHARS};
use shared::domain::validate::{clean_label, is_valid_base_url, is_valid_e164, is_valid_email};
use shared::domain::Named;
use shared::domain::{now_rfc3339, MessagingMode, Settings};
use shared::http::{self, Request, Response};
use shared::store::{GrantStore, SettingsStore, StoreError};
use shared::{ApiError, App};

const MAX_NOTIFY_DELAY_MINUTES: u32 = 24 * 60;
const MAX_SMS_ESCALATION_MINUTES: u32 = 7 * 24 * 60;

/// Saves tried before answering 503: each retry follows another admin's save.
const SAVE_ATTEMPTS: u32 = 5;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsChange {
    mode: Option<String>,
    #[serde(default, deserialize_with = "present")]
    business_name: Option<Option<String>>,
    notify_delay_minutes: Option<u32>,
    #[serde(default, deserialize_with = "present")]
    notify_delay_seconds: Option<Option<u32>>,
    #[serde(default, deserialize_with = "present")]
    quiet_hours: Option<Option<QuietHours>>,
    #[serde(default, deserialize_with = "present")]
    sms_escalation_minutes: Option<Option<u32>>,
    max_attachment_mb: Option<u32>,
    max_attachments: Option<u32>,
    edit_window_minutes: Option<u32>,
    #[serde(default, deserialize_with = "present")]
    admin_notification_email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    from_email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    portal_base_url: Option<Option<String>>,
    timezone: Option<String>,
    sms_numbers: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    sms_help_text: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    sms_auto_reply: Option<Option<String>>,
}

/// Tells a field given as `null` (Some(None)) from one left out (None).
fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

pub async fn get<S: SettingsStore>(app: &App<S>, request: &Request) -> Result<Response, ApiError> {
    let principal = app.caller(request)?;
    require_admin(&principal)?;
    let settings = app
        .store
        .get_settings(&principal.tenant_id)
        .await?
        .unwrap_or_default();
    app.settings.put(&principal.tenant_id, settings.clone());
    Ok(http::json_response(200, &settings))
}

pub async fn put<S: SettingsStore + GrantStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let principal = app.caller(request)?;
    require_admin(&principal)?;
    let change: SettingsChange = http::json_body(request)?;
    let mut attempt = 0;
    let settings = loop {
        attempt += 1;
        let current = app
            .store
            .get_settings(&principal.tenant_id)
            .await?
            .unwrap_or_default();
        let mut settings = apply(current.clone(), change.clone())?;
        if attempt == 1 {
            check_granted(app, &principal.tenant_id, &change).await?;
        }
        settings.updated_at = Some(now_rfc3339());
        settings.updated_by = Some(principal.user_id.to_string());
        match app
            .store
            .put_settings(&principal.tenant_id, &settings, Some(&current))
            .await
        {
            Ok(()) => break settings,
            // Another admin saved first: this change goes on top of theirs.
            Err(StoreError::Conflict {
                code: "settings_changed",
                ..
            }) if attempt < SAVE_ATTEMPTS => {
                tracing::debug!(attempt, "settings changed meanwhile: applying again");
            }
            Err(StoreError::Conflict {
                code: "settings_changed",
                ..
            }) => {
                return Err(ApiError::Unavailable {
                    retry_after_secs: 1,
                })
            }
            Err(err) => return Err(err.into()),
        }
    };
    app.settings.put(&principal.tenant_id, settings.clone());
    tracing::info!(tenant = %principal.tenant_id, mode = settings.mode.as_str(), "messaging settings changed");
    Ok(http::json_response(200, &settings))
}

/// The numbers and sender a change names must be among what the operator granted the
/// tenant. One answer for every number not granted, held by another tenant or by none:
/// nothing tells a tenant what others hold.
async fn check_granted<S: GrantStore>(
    app: &App<S>,
    tenant: &shared::domain::ids::TenantId,
    change: &SettingsChange,
) -> Result<(), ApiError> {
    let from_email = change.from_email.as_ref().and_then(Option::as_deref);
    if change.sms_numbers.is_none() && from_email.is_none() {
        return Ok(());
    }
    let grant = app.store.get_grant(tenant).await?.unwrap_or_default();
    let numbers = change.sms_numbers.as_deref().unwrap_or_default();
    if let Some(number) = numbers.iter().find(|n| !grant.allows_number(n)) {
        return Err(ApiError::forbidden(
            "not_granted",
            format!("{number} is not an SMS number granted to this account"),
        ));
    }
    if let Some(address) = from_email.filter(|a| !grant.allows_sender(a)) {
        return Err(ApiError::forbidden(
            "not_granted",
            format!("{address} is not a sender identity granted to this account"),
        ));
    }
    Ok(())
}

fn invalid(message: &str) -> ApiError {
    ApiError::bad_request("invalid_field", message.to_owned())
}

fn apply(mut settings: Settings, change: SettingsChange) -> Result<Settings, ApiError> {
    if let Some(mode) = &change.mode {
        settings.mode = MessagingMode::parse(mode)
            .ok_or_else(|| invalid("mode must be disabled, read_only or full"))?;
    }
    if let Some(name) = &change.business_name {
        settings.business_name = name
            .as_ref()
            .map(|n| {
                clean_label(n, 200).ok_or_else(|| invalid("business_name must be 1-200 characters"))
            })
            .transpose()?;
    }
    apply_timing(&mut settings, &change)?;
    apply_limits(&mut settings, &change)?;
    apply_addresses(&mut settings, &change)?;
    apply_sms(&mut settings, change)?;
    Ok(settings)
}

/// When notifications go out: delays, quiet hours, escalation to SMS.
fn apply_timing(settings: &mut Settings, change: &SettingsChange) -> Result<(), ApiError> {
    if let Some(minutes) = change.notify_delay_minutes {
        if minutes > MAX_NOTIFY_DELAY_MINUTES {
            return Err(invalid("notify_delay_minutes must be 0 to 1440"));
        }
        settings.notify_delay_minutes = minutes;
    }
    if let Some(seconds) = change.notify_delay_seconds {
        if seconds.is_some_and(|s| s > MAX_NOTIFY_DELAY_MINUTES * 60) {
            return Err(invalid("notify_delay_seconds must be 0 to 86400, or null"));
        }
        settings.notify_delay_seconds = seconds;
    }
    if let Some(quiet) = &change.quiet_hours {
        if quiet.as_ref().is_some_and(|q| !q.is_valid()) {
            return Err(invalid(
                "quiet_hours must be {\"start\": \"HH:MM\", \"end\": \"HH:MM\"} with different times, or null",
            ));
        }
        settings.quiet_hours = quiet.clone();
    }
    if let Some(minutes) = change.sms_escalation_minutes {
        if minutes.is_some_and(|m| m == 0 || m > MAX_SMS_ESCALATION_MINUTES) {
            return Err(invalid(
                "sms_escalation_minutes must be 1 to 10080, or null for never",
            ));
        }
        settings.sms_escalation_minutes = minutes;
    }
    Ok(())
}

fn apply_limits(settings: &mut Settings, change: &SettingsChange) -> Result<(), ApiError> {
    if let Some(mb) = change.max_attachment_mb {
        if mb == 0 || mb > LIMIT_ATTACHMENT_MB {
            return Err(invalid("max_attachment_mb must be 1 to 100"));
        }
        settings.max_attachment_mb = mb;
    }
    if let Some(count) = change.max_attachments {
        if count == 0 || count > LIMIT_ATTACHMENTS {
            return Err(invalid("max_attachments must be 1 to 20"));
        }
        settings.max_attachments = count;
    }
    if let Some(minutes) = change.edit_window_minutes {
        if minutes > LIMIT_EDIT_WINDOW_MINUTES {
            return Err(invalid("edit_window_minutes must be 0 to 10080"));
        }
        settings.edit_window_minutes = minutes;
    }
    Ok(())
}

/// Email addresses, the portal's address and the time zone digests are written in.
fn apply_addresses(settings: &mut Settings, change: &SettingsChange) -> Result<(), ApiError> {
    for (field, value, target) in [
        (
            "admin_notification_email",
            &change.admin_notification_email,
            &mut settings.admin_notification_email,
        ),
        ("from_email", &change.from_email, &mut settings.from_email),
    ] {
        if let Some(value) = value {
            if value.as_deref().is_some_and(|v| !is_valid_email(v)) {
                return Err(invalid(&format!("{field} must be an email address")));
            }
            *target = value.clone();
        }
    }
    if let Some(url) = &change.portal_base_url {
        if url.as_deref().is_some_and(|u| !is_valid_base_url(u)) {
            return Err(invalid(
                "portal_base_url must be an https URL without query or credentials",
            ));
        }
        settings.portal_base_url = url.clone();
    }
    if let Some(zone) = &change.timezone {
        if jiff::tz::TimeZone::get(zone).is_err() {
            return Err(invalid(
                "timezone must be an IANA time zone such as Europe/Berlin",
            ));
        }
        settings.timezone = zone.clone();
    }
    Ok(())
}

fn apply_sms(settings: &mut Settings, change: SettingsChange) -> Result<(), ApiError> {
    if let Some(numbers) = change.sms_numbers {
        let mut unique = numbers.clone();
        unique.sort();
        unique.dedup();
        if numbers.len() > MAX_SMS_NUMBERS
            || unique.len() != numbers.len()
            || !numbers.iter().all(|n| is_valid_e164(n))
        {
            return Err(invalid(&format!(
                "sms_numbers must be at most {MAX_SMS_NUMBERS} different E.164 numbers such as +15551230000"
            )));
        }
        settings.sms_numbers = numbers;
    }
    for (field, value, target) in [
        (
            "sms_help_text",
            change.sms_help_text,
            &mut settings.sms_help_text,
        ),
        (
            "sms_auto_reply",
            change.sms_auto_reply,
            &mut settings.sms_auto_reply,
        ),
    ] {
        if let Some(value) = value {
            *target = value
                .map(|text| {
                    clean_label(&text, MAX_SMS_REPLY_CHARS).ok_or_else(|| {
                        invalid(&format!(
                            "{field} must be 1-{MAX_SMS_REPLY_CHARS} characters without control characters, or null"
                        ))
                    })
                })
                .transpose()?;
        }
    }
    Ok(())
}
