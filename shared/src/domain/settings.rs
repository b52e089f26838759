//! Per-tenant messaging settings.

use serde::{Deserialize, Serialize};

use super::notify::QuietHours;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MessagingMode {
    Disabled,
    ReadOnly,
    #[default]
    Full,
}

impl MessagingMode {
    pub fn parse(value: &str) -> Option<MessagingMode> {
        match value {
            "disabled" => Some(MessagingMode::Disabled),
            "read_only" => Some(MessagingMode::ReadOnly),
            "full" => Some(MessagingMode::Full),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MessagingMode::Disabled => "disabled",
            MessagingMode::ReadOnly => "read_only",
            MessagingMode::Full => "full",
        }
    }
}

pub const DEFAULT_NOTIFY_DELAY_MINUTES: u32 = 3;

/// What a tenant has configured. A tenant that never saved settings gets the defaults:
/// messaging on, email after three minutes unread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub mode: MessagingMode,
    pub business_name: Option<String>,
    pub notify_delay_minutes: u32,
    /// Overrides `notify_delay_minutes` with a delay in seconds (for trying things out).
    pub notify_delay_seconds: Option<u32>,
    /// Notifications due inside these hours wait until they end.
    pub quiet_hours: Option<QuietHours>,
    /// Minutes after the email until still-unread messages are also sent by SMS; none: never.
    pub sms_escalation_minutes: Option<u32>,
    /// Address that gets a copy of every customer message, if set.
    pub admin_notification_email: Option<String>,
    pub from_email: Option<String>,
    pub portal_base_url: Option<String>,
    pub timezone: String,
    pub updated_at: Option<String>,
    pub updated_by: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            mode: MessagingMode::Full,
            business_name: None,
            notify_delay_minutes: DEFAULT_NOTIFY_DELAY_MINUTES,
            notify_delay_seconds: None,
            quiet_hours: None,
            sms_escalation_minutes: None,
            admin_notification_email: None,
            from_email: None,
            portal_base_url: None,
            timezone: "UTC".to_owned(),
            updated_at: None,
            updated_by: None,
        }
    }
}
