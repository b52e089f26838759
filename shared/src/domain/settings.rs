//! Per-tenant messaging settings.

use super::named::Named;
use serde::{Deserialize, Serialize};

use super::quiet_hours::QuietHours;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MessagingMode {
    Disabled,
    ReadOnly,
    #[default]
    Full,
}

impl Named for MessagingMode {}

pub const DEFAULT_NOTIFY_DELAY_MINUTES: u32 = 3;
pub const DEFAULT_MAX_ATTACHMENT_MB: u32 = 25;
pub const DEFAULT_MAX_ATTACHMENTS: u32 = 10;
/// What a tenant may raise the attachment limits to.
pub const LIMIT_ATTACHMENT_MB: u32 = 100;
pub const LIMIT_ATTACHMENTS: u32 = 20;
/// Minutes an author may edit or unsend a message (0: never).
pub const DEFAULT_EDIT_WINDOW_MINUTES: u32 = 15;
/// A week: longer than that, an edit rewrites what people have long since acted on.
pub const LIMIT_EDIT_WINDOW_MINUTES: u32 = 7 * 24 * 60;

impl Settings {
    pub fn max_attachment_bytes(&self) -> u64 {
        u64::from(self.max_attachment_mb) * 1024 * 1024
    }
}

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
    /// The largest file a person may attach, in MB (default 25).
    pub max_attachment_mb: u32,
    /// Files a message may carry (default 10).
    pub max_attachments: u32,
    /// Minutes after sending that an author may edit or delete their message (0: never).
    pub edit_window_minutes: u32,
    /// Address that gets a copy of every customer message, if set.
    pub admin_notification_email: Option<String>,
    pub from_email: Option<String>,
    pub portal_base_url: Option<String>,
    pub timezone: String,
    /// The tenant's SMS numbers (E.164): texts sent to them are this tenant's, and
    /// notifications by SMS go out from the first.
    pub sms_numbers: Vec<String>,
    /// The answer to HELP; a default naming the business when unset.
    pub sms_help_text: Option<String>,
    /// What a sender gets, once a day, while messaging is not `full`.
    pub sms_auto_reply: Option<String>,
    pub updated_at: Option<String>,
    pub updated_by: Option<String>,
    /// Counts saves: a save names the version it changed, so two admins never undo
    /// each other.
    #[serde(skip)]
    pub version: u64,
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
            max_attachment_mb: DEFAULT_MAX_ATTACHMENT_MB,
            max_attachments: DEFAULT_MAX_ATTACHMENTS,
            edit_window_minutes: DEFAULT_EDIT_WINDOW_MINUTES,
            admin_notification_email: None,
            from_email: None,
            portal_base_url: None,
            timezone: "UTC".to_owned(),
            sms_numbers: Vec::new(),
            sms_help_text: None,
            sms_auto_reply: None,
            updated_at: None,
            updated_by: None,
            version: 0,
        }
    }
}

impl Settings {
    /// Today in the tenant's time zone: automatic answers go out once per local day.
    pub fn local_day(&self, now: jiff::Timestamp) -> String {
        let zone = jiff::tz::TimeZone::get(&self.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
        now.to_zoned(zone).date().to_string()
    }

    pub fn help_text(&self) -> String {
        self.sms_help_text
            .clone()
            .unwrap_or_else(|| super::sms::default_help_text(self.business_name.as_deref()))
    }

    pub fn auto_reply(&self) -> String {
        self.sms_auto_reply
            .clone()
            .unwrap_or_else(|| super::sms::default_auto_reply(self.business_name.as_deref()))
    }

    /// The number SMS notifications go out from, so that replies come back to the tenant.
    pub fn sms_origination_number(&self) -> Option<&str> {
        self.sms_numbers.first().map(String::as_str)
    }
}
