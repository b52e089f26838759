//! The inbound SMS section (the `sms-inbound` function): the provider webhook's URL and
//! the token it signs with, read from the SSM parameter
//! `SMS_WEBHOOK_AUTH_TOKEN_PARAMETER` names.

use std::time::Duration;

use super::ConfigError;
use crate::secrets::SMS_WEBHOOK_AUTH_TOKEN;

/// The provider webhook's settings: the URL the provider calls (API Gateway's own host
/// differs from it behind a custom domain) and the secret it signs with.
#[derive(Debug, Clone)]
pub struct Webhook {
    pub public_url: String,
    pub auth_token: String,
}

#[derive(Debug, Clone)]
pub struct InboundConfig {
    pub table_name: String,
    pub settings_ttl: Duration,
    /// None: the webhook refuses everything (only the SNS path is in use).
    pub webhook: Option<Webhook>,
}

impl InboundConfig {
    /// As [`super::Config::load_inbound_with`].
    pub async fn load_with(
        lookup: impl Fn(&str) -> Option<String>,
        ssm: &aws_sdk_ssm::Client,
    ) -> Result<InboundConfig, ConfigError> {
        super::Config::load_inbound_with(lookup, ssm).await
    }

    /// Fails on what is missing or malformed, as `load` would, without reading the token:
    /// for the start of a container, which makes no network call.
    pub fn check_environment(lookup: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        InboundConfig::from_lookup(|name| match name {
            "SMS_WEBHOOK_AUTH_TOKEN" => lookup(SMS_WEBHOOK_AUTH_TOKEN.parameter_var),
            _ => lookup(name),
        })
        .map(|_| ())
    }

    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<InboundConfig, ConfigError> {
        let set = |name: &str| lookup(name).filter(|v| !v.is_empty());
        let webhook = match (set("SMS_WEBHOOK_URL"), set("SMS_WEBHOOK_AUTH_TOKEN")) {
            (None, None) => None,
            (Some(public_url), Some(auth_token)) => {
                if !public_url.starts_with("https://") && !public_url.starts_with("http://") {
                    return Err(ConfigError::Invalid {
                        name: "SMS_WEBHOOK_URL",
                        reason: "must be the absolute URL the provider calls".into(),
                    });
                }
                Some(Webhook {
                    public_url,
                    auth_token,
                })
            }
            (None, Some(_)) => return Err(ConfigError::Missing("SMS_WEBHOOK_URL")),
            (Some(_), None) => {
                return Err(ConfigError::Missing(SMS_WEBHOOK_AUTH_TOKEN.parameter_var))
            }
        };
        Ok(InboundConfig {
            table_name: super::table_name(&lookup)?,
            settings_ttl: super::settings_ttl(&lookup)?,
            webhook,
        })
    }
}
