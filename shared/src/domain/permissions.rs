//! Who may do what. Refusals that would reveal that something exists are 404s.

use super::conversation::{ConversationId, Subject};
use super::error::DomainError;
use super::ids::{parse_id, CustomerId};
use super::principal::{Principal, Role};
use super::settings::MessagingMode;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    /// Posting into the conversation.
    Write,
    /// Changing the conversation itself (closing it, its participants): the host
    /// application's and admins' routes, which an observed order does not refuse.
    Manage,
}

/// Which conversation a request names: either `conversation_id`, or a customer
/// (customers may leave out their own) and optionally a patient. Flattened into every
/// request body that names one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct ConversationTarget {
    pub conversation_id: Option<String>,
    pub customer_id: Option<String>,
    pub patient_id: Option<String>,
}

/// The tenant's messaging mode, applied to a messaging route.
pub fn check_mode(mode: MessagingMode, access: Access) -> Result<(), DomainError> {
    match (mode, access) {
        (MessagingMode::Disabled, _) => Err(DomainError::forbidden(
            "messaging_disabled",
            "messaging is disabled for this business",
        )),
        (MessagingMode::ReadOnly, Access::Write | Access::Manage) => Err(DomainError::forbidden(
            "messaging_read_only",
            "messaging is read-only for this business",
        )),
        _ => Ok(()),
    }
}

/// Whether the caller may see (and, for writes, post in) a customer's conversation.
/// Basic staff pass here and are checked against their assignments by the gate
/// (`crate::gate`).
pub fn check_conversation_access(
    principal: &Principal,
    conversation: &ConversationId,
) -> Result<(), DomainError> {
    match principal.role {
        Role::Admin | Role::Staff | Role::Service | Role::BasicStaff => Ok(()),
        Role::Customer
            if principal.customer_id.as_deref() == Some(conversation.customer_id.as_str()) =>
        {
            Ok(())
        }
        Role::Customer => Err(DomainError::NotFound),
    }
}

impl ConversationTarget {
    pub fn by_id(conversation_id: impl Into<String>) -> Self {
        ConversationTarget {
            conversation_id: Some(conversation_id.into()),
            ..ConversationTarget::default()
        }
    }

    /// The conversation named, if the caller may reach it at all (the gate applies the
    /// rest).
    pub fn resolve(&self, principal: &Principal) -> Result<ConversationId, DomainError> {
        let conversation = match (
            self.conversation_id.as_deref(),
            self.customer_id.as_deref(),
            self.patient_id.as_deref(),
        ) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                return Err(DomainError::invalid(
                    "invalid_target",
                    "give either conversation_id, or customer_id with an optional patient_id",
                ))
            }
            (Some(id), None, None) => ConversationId::decode(id).ok_or(DomainError::NotFound)?,
            (None, customer, patient) => {
                let customer: CustomerId =
                    match (customer, principal.role, principal.customer_id.as_ref()) {
                        (Some(customer), _, _) => parse_id("customer_id", customer)?,
                        (None, Role::Customer, Some(own)) => own.clone(),
                        (None, _, _) => {
                            return Err(DomainError::invalid(
                                "missing_field",
                                "customer_id or conversation_id is required",
                            ))
                        }
                    };
                let subject = match patient {
                    Some(patient) => Subject::Patient(parse_id("patient_id", patient)?),
                    None => Subject::General,
                };
                ConversationId::new(customer, subject)
            }
        };
        check_conversation_access(principal, &conversation)?;
        Ok(conversation)
    }
}

/// Whose read position a viewing moves. Admins monitor without leaving a trace.
pub fn tracks_read_state(principal: &Principal) -> bool {
    principal.role != Role::Admin
}

pub fn require_admin(principal: &Principal) -> Result<(), DomainError> {
    if principal.role == Role::Admin {
        Ok(())
    } else {
        Err(DomainError::forbidden(
            "forbidden",
            "only an admin may do this",
        ))
    }
}

/// The directory (staff, assignments, contacts) is kept by admins and the host
/// application.
pub fn require_directory_manager(principal: &Principal) -> Result<(), DomainError> {
    require_host_or_admin(principal, "change the directory")
}

/// Admins and the host application (the `service` role) only; `action` says what.
pub fn require_host_or_admin(principal: &Principal, action: &str) -> Result<(), DomainError> {
    match principal.role {
        Role::Admin | Role::Service => Ok(()),
        _ => Err(DomainError::forbidden(
            "forbidden",
            format!("only an admin or the host application may {action}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::conversation::Subject;

    fn principal(role: Role, customer: Option<&str>) -> Principal {
        Principal {
            tenant_id: "t".into(),
            user_id: "u".into(),
            role,
            customer_id: customer.map(Into::into),
            name: None,
        }
    }

    #[test]
    fn customers_reach_only_their_own_account() {
        let conv = ConversationId::new("c1", Subject::General);
        assert!(check_conversation_access(&principal(Role::Customer, Some("c1")), &conv).is_ok());
        let other = check_conversation_access(&principal(Role::Customer, Some("c2")), &conv);
        assert!(matches!(other, Err(DomainError::NotFound)));
        for role in [Role::Admin, Role::Staff, Role::Service, Role::BasicStaff] {
            assert!(check_conversation_access(&principal(role, None), &conv).is_ok());
        }
    }

    #[test]
    fn modes_gate_reads_and_writes() {
        assert!(check_mode(MessagingMode::Full, Access::Write).is_ok());
        assert!(check_mode(MessagingMode::ReadOnly, Access::Read).is_ok());
        assert_eq!(
            check_mode(MessagingMode::ReadOnly, Access::Write)
                .unwrap_err()
                .code(),
            "messaging_read_only"
        );
        assert_eq!(
            check_mode(MessagingMode::Disabled, Access::Read)
                .unwrap_err()
                .code(),
            "messaging_disabled"
        );
    }
}
