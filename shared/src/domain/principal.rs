//! Who is calling: the identity API Gateway's JWT authorizer vouched for.

use super::ids::{CustomerId, TenantId, UserId};
use super::named::Named;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Staff,
    BasicStaff,
    Customer,
    Service,
}

impl Named for Role {}

/// The two sides of every conversation. Read state is per person, but "unread" only ever
/// counts messages from the other side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Customer,
    Staff,
}

impl Side {
    pub fn other(self) -> Side {
        match self {
            Side::Customer => Side::Staff,
            Side::Staff => Side::Customer,
        }
    }

    /// One letter, used inside attribute names of the conversation header.
    pub fn letter(self) -> char {
        match self {
            Side::Customer => 'c',
            Side::Staff => 's',
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub role: Role,
    /// Set for customers only: the account whose threads they see.
    pub customer_id: Option<CustomerId>,
    pub name: Option<String>,
}

impl Principal {
    pub fn side(&self) -> Side {
        match self.role {
            Role::Customer => Side::Customer,
            _ => Side::Staff,
        }
    }

    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.user_id)
    }
}
