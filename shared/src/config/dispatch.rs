//! The dispatcher's section (the `notify` function): no secret, all from the environment.

use super::ConfigError;

#[derive(Debug, Clone)]
pub struct DispatchConfig {
    pub table_name: String,
    /// Sender address when a tenant has not set `from_email` (an SES-verified identity):
    /// `NOTIFY_FROM_EMAIL`.
    pub from_email: String,
    /// The domain SES receives replies for (`REPLY_DOMAIN`); without it, notification
    /// emails carry no reply address.
    pub reply_domain: Option<String>,
    /// The API's public URL (`PUBLIC_API_URL`), for digests' unsubscribe links; none: no
    /// link.
    pub api_url: Option<String>,
    /// The SES configuration set emails are sent through (`SES_CONFIGURATION_SET`), whose
    /// events come back as delivery outcomes.
    pub configuration_set: Option<String>,
}

impl DispatchConfig {
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<DispatchConfig, ConfigError> {
        let table_name = super::table_name(&lookup)?;
        let from_email = super::from_email(&lookup)?;
        Ok(DispatchConfig {
            table_name,
            from_email,
            reply_domain: super::reply_domain(&lookup)?,
            api_url: super::public_api_url(&lookup)?,
            configuration_set: lookup("SES_CONFIGURATION_SET").filter(|v| !v.is_empty()),
        })
    }
}
