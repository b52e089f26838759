//! Every failure a route can answer with, and its HTTP status: the one place they meet.

use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("missing or invalid identity")]
    Unauthorized,
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    /// Unknown, or belonging to someone the caller may not know exists.
    #[error("not found")]
    NotFound,
    /// Something an admin's request names that does not exist, said plainly: admins may
    /// know what their own tenant holds.
    #[error("{message}")]
    Unknown { code: &'static str, message: String },
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// An answer that would be larger than a Lambda response may be.
    #[error("the export would be larger than {limit} bytes")]
    ExportTooLarge { limit: usize },
    #[error("too many requests")]
    Throttled { retry_after_secs: u32 },
    #[error("a service this request depends on is unavailable; retry later")]
    Unavailable { retry_after_secs: u32 },
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            code,
            message: message.into(),
        }
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::Forbidden {
            code,
            message: message.into(),
        }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::Conflict {
            code,
            message: message.into(),
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            ApiError::BadRequest { .. } => 400,
            ApiError::Unauthorized => 401,
            ApiError::Forbidden { .. } => 403,
            ApiError::NotFound | ApiError::Unknown { .. } => 404,
            ApiError::Conflict { .. } => 409,
            ApiError::PayloadTooLarge { .. } | ApiError::ExportTooLarge { .. } => 413,
            ApiError::Throttled { .. } => 429,
            ApiError::Unavailable { .. } => 503,
            ApiError::Internal(_) => 500,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest { code, .. }
            | ApiError::Forbidden { code, .. }
            | ApiError::Conflict { code, .. }
            | ApiError::Unknown { code, .. } => code,
            ApiError::Unauthorized => "unauthorized",
            ApiError::NotFound => "not_found",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::ExportTooLarge { .. } => "export_too_large",
            ApiError::Throttled { .. } => "throttled",
            ApiError::Unavailable { .. } => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    pub fn retry_after_secs(&self) -> Option<u32> {
        match self {
            ApiError::Throttled { retry_after_secs }
            | ApiError::Unavailable { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        }
    }

    /// The `{"error": {...}}` body. Internal details are logged, never returned.
    pub fn body(&self) -> serde_json::Value {
        json!({ "error": { "code": self.code(), "message": self.to_string() } })
    }
}

impl From<crate::domain::DomainError> for ApiError {
    fn from(err: crate::domain::DomainError) -> Self {
        use crate::domain::DomainError;
        match err {
            DomainError::Invalid { code, message } => ApiError::BadRequest { code, message },
            DomainError::Forbidden { code, message } => ApiError::Forbidden { code, message },
            DomainError::Conflict { code, message } => ApiError::Conflict { code, message },
            DomainError::NotFound => ApiError::NotFound,
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(err: crate::store::StoreError) -> Self {
        use crate::store::StoreError;
        match err {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Closed => {
                ApiError::conflict("conversation_closed", "this conversation is closed")
            }
            StoreError::BadReference(message) => {
                ApiError::bad_request("invalid_reference", message)
            }
            StoreError::Conflict { code, message } => ApiError::conflict(code, message),
            StoreError::Unknown { code, message } => ApiError::Unknown { code, message },
            StoreError::Unavailable(detail) => {
                tracing::warn!(%detail, "storage unavailable");
                ApiError::Unavailable {
                    retry_after_secs: 1,
                }
            }
            StoreError::Internal(detail) => ApiError::Internal(detail),
        }
    }
}

impl From<crate::config::ConfigError> for ApiError {
    /// A container that cannot read its configuration: 503 while the cause may pass, else
    /// a 500 (a missing grant or parameter is a deployment's fault, and logged as one).
    fn from(err: crate::config::ConfigError) -> Self {
        match err {
            crate::config::ConfigError::SecretUnavailable { .. } => ApiError::Unavailable {
                retry_after_secs: 5,
            },
            other => ApiError::Internal(other.to_string()),
        }
    }
}
