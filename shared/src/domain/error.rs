//! What the product's rules refuse, in the product's words. `crate::error` is the one
//! place these become HTTP statuses.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// The request breaks a rule of its shape or content.
    #[error("{message}")]
    Invalid { code: &'static str, message: String },
    /// The caller's role, or the tenant's messaging mode, does not allow it.
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    /// The thing is not in a state that allows it (closed, deleted, too late).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// Unknown, or belonging to someone the caller may not know exists.
    #[error("not found")]
    NotFound,
}

impl DomainError {
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        DomainError::Invalid {
            code,
            message: message.into(),
        }
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        DomainError::Forbidden {
            code,
            message: message.into(),
        }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        DomainError::Conflict {
            code,
            message: message.into(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            DomainError::Invalid { code, .. }
            | DomainError::Forbidden { code, .. }
            | DomainError::Conflict { code, .. } => code,
            DomainError::NotFound => "not_found",
        }
    }
}
