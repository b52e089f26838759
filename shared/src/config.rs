//! Configuration from the environment, read once per container. Anything missing or
//! malformed stops the function at start-up with a message naming the variable.

use std::time::Duration;

mod dispatch;
mod events;
mod inbound;
mod jobs;
mod replies;

pub use dispatch::DispatchConfig;
pub use events::EventsConfig;
pub use inbound::{InboundConfig, Webhook};
pub use jobs::JobsConfig;
pub use replies::RepliesConfig;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("environment variable {0} is required")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
    /// Parameter Store refused the read, or the parameter is not there: no retry helps.
    #[error("the secret parameter {name} could not be read: {reason}")]
    Secret { name: String, reason: String },
    /// Throttled, a 5xx or the network, through every attempt: a later request may pass.
    #[error("the secret parameter {name} could not be read for now: {reason}")]
    SecretUnavailable { name: String, reason: String },
}

impl From<crate::secrets::SecretError> for ConfigError {
    fn from(err: crate::secrets::SecretError) -> Self {
        use crate::secrets::SecretError;
        match err {
            SecretError::Refused { name, reason } => ConfigError::Secret { name, reason },
            SecretError::Unavailable { name, reason } => {
                ConfigError::SecretUnavailable { name, reason }
            }
        }
    }
}

/// Which JWT claims carry the identity, e.g. Cognito's `custom:tenant_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimNames {
    pub user_id: String,
    pub tenant_id: String,
    pub role: String,
    pub customer_id: String,
    pub name: String,
}

impl Default for ClaimNames {
    fn default() -> Self {
        ClaimNames {
            user_id: "sub".into(),
            tenant_id: "tenant_id".into(),
            role: "role".into(),
            customer_id: "customer_id".into(),
            name: "name".into(),
        }
    }
}

/// Every function's configuration, in one place. The fields are the API functions' (the
/// six behind API Gateway, loaded by [`Config::load`]); the dispatcher's section
/// ([`DispatchConfig`], [`Config::load_dispatch`]) and the inbound SMS section
/// ([`InboundConfig`], [`Config::load_inbound`]) are loaded by the function that needs
/// them, which reads no cursor secret. Every section shares `TABLE_NAME` and
/// `SETTINGS_CACHE_SECONDS` ([`table_name`], [`settings_ttl`]).
#[derive(Debug, Clone)]
pub struct Config {
    pub table_name: String,
    pub claims: ClaimNames,
    /// Signs list cursors so that a later page can trust what the first page checked.
    pub cursor_secret: Vec<u8>,
    /// How long tenant settings are cached per container; at most a minute, so that a
    /// mode change takes effect everywhere within one.
    pub settings_ttl: Duration,
    /// The private bucket of attachment files (`ATTACHMENTS_BUCKET`), for the functions
    /// that upload, check and hand out files; none elsewhere.
    pub attachments_bucket: Option<String>,
    /// Per-caller limits in each container (`RATE_LIMIT_READS`, `RATE_LIMIT_WRITES`, as
    /// `BURST/PER_MINUTE`).
    pub rate_limits: crate::rate_limit::Limits,
    /// Webhook endpoints may be `http://127.0.0.1` or `http://localhost`
    /// (`WEBHOOKS_ALLOW_LOOPBACK_HTTP=true`): the local stack's receivers only.
    pub webhooks_allow_loopback_http: bool,
}

impl Config {
    /// The environment, with the cursor secret read from the SSM parameter
    /// `CURSOR_SECRET_PARAMETER` names (one request).
    pub async fn load(ssm: &aws_sdk_ssm::Client) -> Result<Config, ConfigError> {
        Config::load_with(|name| std::env::var(name).ok(), ssm).await
    }

    /// Fails on what is missing or malformed, as `load` would, without reading the
    /// secret: for the start of a container, which makes no network call.
    pub fn check_environment(lookup: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        cursor_secret_parameter(&lookup)?;
        Config::from_lookup(|name| match name {
            "CURSOR_SECRET" => Some("a placeholder as long as a secret".to_owned()),
            _ => lookup(name),
        })
        .map(|_| ())
    }

    pub async fn load_with(
        lookup: impl Fn(&str) -> Option<String>,
        ssm: &aws_sdk_ssm::Client,
    ) -> Result<Config, ConfigError> {
        let secret = cursor_secret_parameter(&lookup)?;
        Config::from_lookup(crate::secrets::with_secrets(lookup, ssm, &[secret]).await?)
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let table_name = table_name(&lookup)?;
        let cursor_secret = lookup("CURSOR_SECRET").ok_or(ConfigError::Missing("CURSOR_SECRET"))?;
        if cursor_secret.len() < 16 {
            return Err(ConfigError::Invalid {
                name: "CURSOR_SECRET",
                reason: "must be at least 16 characters".into(),
            });
        }
        let settings_ttl = settings_ttl(&lookup)?;
        let limit = |name: &'static str, default| match lookup(name).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(value) => crate::rate_limit::Limit::parse(&value).ok_or(ConfigError::Invalid {
                name,
                reason: "must be BURST/PER_MINUTE, e.g. 30/120".into(),
            }),
        };
        let default_limits = crate::rate_limit::Limits::default();
        let rate_limits = crate::rate_limit::Limits {
            read: limit("RATE_LIMIT_READS", default_limits.read)?,
            write: limit("RATE_LIMIT_WRITES", default_limits.write)?,
        };
        let defaults = ClaimNames::default();
        let claim =
            |name: &str, default: String| lookup(name).filter(|v| !v.is_empty()).unwrap_or(default);
        Ok(Config {
            table_name,
            claims: ClaimNames {
                user_id: claim("CLAIM_USER_ID", defaults.user_id),
                tenant_id: claim("CLAIM_TENANT_ID", defaults.tenant_id),
                role: claim("CLAIM_ROLE", defaults.role),
                customer_id: claim("CLAIM_CUSTOMER_ID", defaults.customer_id),
                name: claim("CLAIM_NAME", defaults.name),
            },
            cursor_secret: cursor_secret.into_bytes(),
            settings_ttl,
            attachments_bucket: lookup("ATTACHMENTS_BUCKET").filter(|v| !v.is_empty()),
            rate_limits,
            webhooks_allow_loopback_http: allow_loopback_http(&lookup),
        })
    }
}

/// The sections of the functions that are not the API's, each loaded by the function
/// that needs it (the SSM read stays in `Config`'s own loaders: one place reads secrets).
impl Config {
    /// The jobs worker's section, from the environment.
    pub fn load_jobs() -> Result<JobsConfig, ConfigError> {
        JobsConfig::from_lookup(|name| std::env::var(name).ok())
    }

    /// The dispatcher's section, from the environment.
    pub fn load_dispatch() -> Result<DispatchConfig, ConfigError> {
        DispatchConfig::from_lookup(|name| std::env::var(name).ok())
    }

    /// The email replies section, from the environment.
    pub fn load_replies() -> Result<RepliesConfig, ConfigError> {
        RepliesConfig::from_lookup(|name| std::env::var(name).ok())
    }

    /// The inbound SMS section: the environment, with the webhook's auth token read from
    /// Parameter Store (one request, when the environment names a parameter).
    pub async fn load_inbound(ssm: &aws_sdk_ssm::Client) -> Result<InboundConfig, ConfigError> {
        Config::load_inbound_with(|name| std::env::var(name).ok(), ssm).await
    }

    pub async fn load_inbound_with(
        lookup: impl Fn(&str) -> Option<String>,
        ssm: &aws_sdk_ssm::Client,
    ) -> Result<InboundConfig, ConfigError> {
        let secrets = [crate::secrets::SMS_WEBHOOK_AUTH_TOKEN];
        InboundConfig::from_lookup(crate::secrets::with_secrets(lookup, ssm, &secrets).await?)
    }
}

/// The cursor secret, whose parameter the environment must name.
fn cursor_secret_parameter(
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<crate::secrets::SecretVar, ConfigError> {
    let secret = crate::secrets::CURSOR_SECRET;
    match lookup(secret.parameter_var) {
        Some(name) if !name.is_empty() => Ok(secret),
        _ => Err(ConfigError::Missing(secret.parameter_var)),
    }
}

/// `WEBHOOKS_ALLOW_LOOPBACK_HTTP`: set only by the local stack, never in the template.
pub fn allow_loopback_http(lookup: impl Fn(&str) -> Option<String>) -> bool {
    lookup("WEBHOOKS_ALLOW_LOOPBACK_HTTP").is_some_and(|v| v == "true" || v == "1")
}

/// `TABLE_NAME`, which every function needs.
pub fn table_name(lookup: impl Fn(&str) -> Option<String>) -> Result<String, ConfigError> {
    lookup("TABLE_NAME")
        .filter(|v| !v.is_empty())
        .ok_or(ConfigError::Missing("TABLE_NAME"))
}

/// `NOTIFY_FROM_EMAIL`: the platform's sender (an SES-verified identity).
pub fn from_email(lookup: impl Fn(&str) -> Option<String>) -> Result<String, ConfigError> {
    let from_email =
        lookup("NOTIFY_FROM_EMAIL").ok_or(ConfigError::Missing("NOTIFY_FROM_EMAIL"))?;
    if !crate::domain::validate::is_valid_email(&from_email) {
        return Err(ConfigError::Invalid {
            name: "NOTIFY_FROM_EMAIL",
            reason: "must be an email address".into(),
        });
    }
    Ok(from_email)
}

/// `REPLY_DOMAIN`: the domain SES receives replies for (empty or absent: none).
pub fn reply_domain(
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Option<String>, ConfigError> {
    match lookup("REPLY_DOMAIN").filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(domain) if crate::domain::validate::is_valid_email(&format!("reply@{domain}")) => {
            Ok(Some(domain.to_ascii_lowercase()))
        }
        Some(_) => Err(ConfigError::Invalid {
            name: "REPLY_DOMAIN",
            reason: "must be a domain name".into(),
        }),
    }
}

/// `PUBLIC_API_URL`: the API's own URL as people's browsers reach it (`https://…`, or
/// `http://` on the local stack), without a trailing slash.
pub fn public_api_url(
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Option<String>, ConfigError> {
    match lookup("PUBLIC_API_URL").filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(url) if url.starts_with("https://") || url.starts_with("http://") => {
            Ok(Some(url.trim_end_matches('/').to_owned()))
        }
        Some(_) => Err(ConfigError::Invalid {
            name: "PUBLIC_API_URL",
            reason: "must be an absolute http(s) URL".into(),
        }),
    }
}

/// `SETTINGS_CACHE_SECONDS` (default 30, at most 60): how long a container trusts the
/// settings it read.
pub fn settings_ttl(lookup: impl Fn(&str) -> Option<String>) -> Result<Duration, ConfigError> {
    match lookup("SETTINGS_CACHE_SECONDS") {
        None => Ok(Duration::from_secs(30)),
        Some(v) => match v.parse::<u64>() {
            Ok(secs) if secs <= 60 => Ok(Duration::from_secs(secs)),
            _ => Err(ConfigError::Invalid {
                name: "SETTINGS_CACHE_SECONDS",
                reason: "must be a whole number of seconds from 0 to 60".into(),
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn fails_fast_naming_the_variable() {
        assert_eq!(config(&[]).unwrap_err(), ConfigError::Missing("TABLE_NAME"));
        assert_eq!(
            config(&[("TABLE_NAME", "t")]).unwrap_err(),
            ConfigError::Missing("CURSOR_SECRET")
        );
        let short = config(&[("TABLE_NAME", "t"), ("CURSOR_SECRET", "x")]).unwrap_err();
        assert!(short.to_string().contains("CURSOR_SECRET"));
        let ttl = config(&[
            ("TABLE_NAME", "t"),
            ("CURSOR_SECRET", "0123456789abcdef"),
            ("SETTINGS_CACHE_SECONDS", "600"),
        ]);
        assert!(ttl
            .unwrap_err()
            .to_string()
            .contains("SETTINGS_CACHE_SECONDS"));
    }

    #[test]
    fn claim_names_are_configurable() {
        let c = config(&[
            ("TABLE_NAME", "t"),
            ("CURSOR_SECRET", "0123456789abcdef"),
            ("CLAIM_TENANT_ID", "custom:tenant_id"),
        ])
        .unwrap();
        assert_eq!(c.claims.tenant_id, "custom:tenant_id");
        assert_eq!(c.claims.role, "role");
        assert_eq!(c.settings_ttl, Duration::from_secs(30));
    }
}
