//! The email replies section (the `email-inbound` function): no secret, all from the
//! environment.

use super::{Config, ConfigError};

#[derive(Debug, Clone)]
pub struct RepliesConfig {
    /// The API's section, for the gate and the store: this function signs no cursor, so
    /// its cursor secret is drawn at start and never read from Parameter Store.
    pub api: Config,
    /// The sender of automatic answers (`NOTIFY_FROM_EMAIL`).
    pub from_email: String,
    pub reply_domain: Option<String>,
}

impl RepliesConfig {
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<RepliesConfig, ConfigError> {
        let unused_secret = crate::outbound::signature::new_secret();
        let api = Config::from_lookup(|name| match name {
            "CURSOR_SECRET" => Some(unused_secret.clone()),
            _ => lookup(name),
        })?;
        if api.attachments_bucket.is_none() {
            return Err(ConfigError::Missing("ATTACHMENTS_BUCKET"));
        }
        let from_email = super::from_email(&lookup)?;
        Ok(RepliesConfig {
            api,
            from_email,
            reply_domain: super::reply_domain(&lookup)?,
        })
    }
}
