//! Sending notifications: email through SES v2 and SMS through SNS, behind two small
//! traits so the dispatcher does not know the SDKs.

mod ses;
mod sns;

use std::future::Future;

pub use ses::SesEmail;
pub use sns::SnsSms;

use crate::domain::notify::Email;

/// A provider refused or failed a send.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Throttled, a 5xx, a timeout or no connection: worth trying again later.
    #[error("temporary: {0}")]
    Retryable(String),
    /// The provider will never accept this one (bad address, unverified sender).
    #[error("permanent: {0}")]
    Permanent(String),
}

pub trait EmailSender: Send + Sync {
    /// Sends one email; the provider's message id.
    fn send_email(
        &self,
        from: &str,
        to: &str,
        email: &Email,
    ) -> impl Future<Output = Result<String, SendError>> + Send;
}

pub trait SmsSender: Send + Sync {
    /// Sends one transactional SMS to an E.164 number, from the tenant's own number when
    /// it has one (replies then come back to it); the provider's message id.
    fn send_sms(
        &self,
        from: Option<&str>,
        to: &str,
        text: &str,
    ) -> impl Future<Output = Result<String, SendError>> + Send;
}

/// Sorts an SDK failure: codes providers use for "slow down" and server faults retry.
pub(crate) fn classify<E, R>(
    err: &aws_smithy_runtime_api::client::result::SdkError<E, R>,
) -> SendError
where
    E: aws_sdk_sesv2::error::ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    use aws_smithy_runtime_api::client::result::SdkError;
    const RETRYABLE: &[&str] = &[
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "LimitExceededException",
        "InternalFailure",
        "InternalError",
        "ServiceUnavailable",
        "KMSThrottlingException",
    ];
    match err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            SendError::Retryable(format!("{err:?}"))
        }
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or_default();
            let detail = format!("{code}: {}", service.err().message().unwrap_or_default());
            if RETRYABLE.contains(&code) || code.is_empty() {
                SendError::Retryable(detail)
            } else {
                SendError::Permanent(detail)
            }
        }
        _ => SendError::Retryable(format!("{err:?}")),
    }
}
