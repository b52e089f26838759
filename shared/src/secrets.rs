//! Secrets from SSM Parameter Store (SecureString), read once per cold start with one
//! `GetParameters` request, so that they are not in the function's environment where
//! `lambda:GetFunctionConfiguration` would show them. The environment names the
//! parameter (`CURSOR_SECRET_PARAMETER`); the configuration is then read as if the secret
//! itself were there (`CURSOR_SECRET`).
//!
//! Parameter Store answers 40 `GetParameters` a second per account and region by default,
//! so a burst of cold starts (a deploy, a surge) is throttled: the read is tried again
//! with full-jitter exponential backoff, a few times and briefly, on throttling and 5xx
//! only (a parameter that is not there, or not allowed, fails at once).

use std::collections::HashMap;
use std::time::Duration;

/// A secret that could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    /// Parameter Store refused the read, or the parameter is not there: no retry helps.
    #[error("the secret parameter {name} could not be read: {reason}")]
    Refused { name: String, reason: String },
    /// Throttled, a 5xx or the network, through every attempt: a later request may pass.
    #[error("the secret parameter {name} could not be read for now: {reason}")]
    Unavailable { name: String, reason: String },
}

/// A secret the configuration reads (`var`) and the variable naming its parameter.
#[derive(Debug, Clone, Copy)]
pub struct SecretVar {
    pub var: &'static str,
    pub parameter_var: &'static str,
}

pub const CURSOR_SECRET: SecretVar = SecretVar {
    var: "CURSOR_SECRET",
    parameter_var: "CURSOR_SECRET_PARAMETER",
};

pub const SMS_WEBHOOK_AUTH_TOKEN: SecretVar = SecretVar {
    var: "SMS_WEBHOOK_AUTH_TOKEN",
    parameter_var: "SMS_WEBHOOK_AUTH_TOKEN_PARAMETER",
};

/// Attempts of the secret's read, the first included. With [`READ_BACKOFF`] doubling
/// from one retry to the next, at most 0.2 + 0.4 + 0.8 + 1.6 = 3 s of waiting (half that
/// on average): a burst of a few hundred cold starts spreads over seconds, well inside a
/// function's 10 s timeout.
pub const READ_ATTEMPTS: u32 = 5;
/// The first retry's longest wait; each retry waits a random time up to its bound (full
/// jitter), so that throttled containers do not come back together.
pub const READ_BACKOFF: Duration = Duration::from_millis(200);

/// The SDK's own retries for the read: it classifies throttling, 5xx and connection
/// errors as retryable and nothing else, and draws each wait at random below
/// `READ_BACKOFF * 2^retry`.
fn read_retries() -> aws_sdk_ssm::config::retry::RetryConfig {
    aws_sdk_ssm::config::retry::RetryConfig::standard()
        .with_max_attempts(READ_ATTEMPTS)
        .with_initial_backoff(READ_BACKOFF)
        .with_max_backoff(READ_BACKOFF * 2u32.pow(READ_ATTEMPTS - 2))
}

/// A failed read: unavailable while a later attempt may pass (throttling, 5xx, the
/// network), refused otherwise (AccessDenied: the role lacks the grant).
fn read_error<E>(name: String, err: aws_sdk_ssm::error::SdkError<E>) -> SecretError
where
    E: aws_sdk_ssm::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    use aws_sdk_ssm::error::SdkError;
    let passing = match &err {
        SdkError::ServiceError(service) => {
            service.raw().status().as_u16() >= 500
                || service
                    .err()
                    .code()
                    .is_some_and(|code| code.contains("Throttl") || code == "TooManyUpdates")
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        _ => false,
    };
    let reason = aws_sdk_ssm::error::DisplayErrorContext(err).to_string();
    if passing {
        SecretError::Unavailable { name, reason }
    } else {
        SecretError::Refused { name, reason }
    }
}

/// `lookup` with the secrets whose parameter is named filled in from Parameter Store (a
/// secret whose parameter is not named stays absent). One request for all of them, tried
/// again while throttled ([`READ_ATTEMPTS`]).
pub async fn with_secrets(
    lookup: impl Fn(&str) -> Option<String>,
    ssm: &aws_sdk_ssm::Client,
    secrets: &[SecretVar],
) -> Result<impl Fn(&str) -> Option<String>, SecretError> {
    let named: Vec<(SecretVar, String)> = secrets
        .iter()
        .filter_map(|s| Some((*s, lookup(s.parameter_var).filter(|v| !v.is_empty())?)))
        .collect();
    let mut values = HashMap::new();
    if !named.is_empty() {
        let output = ssm
            .get_parameters()
            .set_names(Some(named.iter().map(|(_, name)| name.clone()).collect()))
            .with_decryption(true)
            .customize()
            .config_override(aws_sdk_ssm::config::Builder::default().retry_config(read_retries()))
            .send()
            .await
            .map_err(|err| read_error(named[0].1.clone(), err))?;
        if let Some(missing) = output.invalid_parameters().first() {
            return Err(SecretError::Refused {
                name: missing.clone(),
                reason: "no such parameter".into(),
            });
        }
        let by_name: HashMap<&str, &str> = output
            .parameters()
            .iter()
            .filter_map(|p| Some((p.name()?, p.value()?)))
            .collect();
        for (secret, name) in &named {
            let value = by_name
                .get(name.as_str())
                .ok_or_else(|| SecretError::Refused {
                    name: name.clone(),
                    reason: "not returned".into(),
                })?;
            values.insert(secret.var, (*value).to_owned());
        }
    }
    let secret_vars: Vec<&'static str> = secrets.iter().map(|s| s.var).collect();
    Ok(move |name: &str| {
        if secret_vars.contains(&name) {
            values.get(name).cloned()
        } else {
            lookup(name)
        }
    })
}
