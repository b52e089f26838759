//! Why a call out failed, split so a delivery knows whether another attempt can help.

/// A refused or failed call out.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OutboundError {
    /// The URL itself is unacceptable (not `https`, malformed, userinfo, too long): an
    /// admin's mistake, refused when the endpoint is saved.
    #[error("invalid URL: {0}")]
    InvalidUrl(String),
    /// The URL, or what its name resolved to, is not a public address.
    #[error("forbidden address: {0}")]
    ForbiddenAddress(String),
    /// A header the caller gave cannot be sent (a bug or bad data on our side, not the
    /// receiver's): retrying would send the same header again.
    #[error("invalid header: {0}")]
    InvalidHeader(String),
    #[error("could not resolve: {0}")]
    Resolve(String),
    #[error("could not connect: {0}")]
    Connect(String),
    #[error("TLS failed: {0}")]
    Tls(String),
    #[error("timed out")]
    Timeout,
    #[error("HTTP failed: {0}")]
    Http(String),
}

impl OutboundError {
    /// Whether a later attempt may succeed: failures of the network or of the receiver
    /// are, a URL or address we refuse is refused again until an admin changes it.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::InvalidUrl(_) | Self::ForbiddenAddress(_) | Self::InvalidHeader(_) => false,
            Self::Resolve(_) | Self::Connect(_) | Self::Tls(_) | Self::Timeout | Self::Http(_) => {
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_final_and_network_failures_are_retried() {
        for err in [
            OutboundError::InvalidUrl("x".into()),
            OutboundError::ForbiddenAddress("x".into()),
            OutboundError::InvalidHeader("x".into()),
        ] {
            assert!(!err.is_retryable(), "{err}");
        }
        for err in [
            OutboundError::Resolve("x".into()),
            OutboundError::Connect("x".into()),
            OutboundError::Tls("x".into()),
            OutboundError::Timeout,
            OutboundError::Http("x".into()),
        ] {
            assert!(err.is_retryable(), "{err}");
        }
    }
}
