//! Conversations (threads): one per tenant, customer and subject.

use super::named::Named;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::ids::{is_valid_id, CustomerId, OrderId, PatientId};

/// What a conversation is about. Its text form is embedded in keys and ids.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    /// The customer-level thread.
    General,
    /// One patient (pet) of the customer.
    Patient(PatientId),
    /// One order of the customer.
    Order(OrderId),
}

impl Subject {
    pub fn parse(value: &str) -> Option<Subject> {
        if value == "general" {
            return Some(Subject::General);
        }
        let (kind, id) = value.split_once(':')?;
        if !is_valid_id(id) {
            return None;
        }
        match kind {
            "patient" => Some(Subject::Patient(PatientId::new(id))),
            "order" => Some(Subject::Order(OrderId::new(id))),
            _ => None,
        }
    }

    pub fn kind(&self) -> ConversationKind {
        match self {
            Subject::General => ConversationKind::General,
            Subject::Patient(_) => ConversationKind::Patient,
            Subject::Order(_) => ConversationKind::Order,
        }
    }

    /// General and patient threads start with their first message; orders are created
    /// explicitly by the host application.
    pub fn created_on_first_message(&self) -> bool {
        !matches!(self, Subject::Order(_))
    }

    pub fn patient_id(&self) -> Option<&PatientId> {
        match self {
            Subject::Patient(id) => Some(id),
            _ => None,
        }
    }

    pub fn order_id(&self) -> Option<&OrderId> {
        match self {
            Subject::Order(id) => Some(id),
            _ => None,
        }
    }
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Subject::General => f.write_str("general"),
            Subject::Patient(id) => write!(f, "patient:{id}"),
            Subject::Order(id) => write!(f, "order:{id}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationKind {
    General,
    Patient,
    Order,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    Open,
    Closed,
}

impl Named for ConversationStatus {}

/// The public conversation id: an opaque, URL-safe encoding of customer and subject.
///
/// Because it is derived rather than stored, a send or read by `customer_id` and
/// `patient_id` needs no lookup, and a customer's access can be checked from the id alone.
/// The tenant is deliberately not part of it: every key is built from the caller's own
/// tenant, so an id from another tenant simply finds nothing.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConversationId {
    pub customer_id: CustomerId,
    pub subject: Subject,
}

impl ConversationId {
    pub fn new(customer_id: impl Into<CustomerId>, subject: Subject) -> Self {
        ConversationId {
            customer_id: customer_id.into(),
            subject,
        }
    }

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}/{}", self.customer_id, self.subject))
    }

    pub fn decode(value: &str) -> Option<ConversationId> {
        if value.is_empty() || value.len() > 512 {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(value).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let (customer_id, subject) = text.split_once('/')?;
        if !is_valid_id(customer_id) {
            return None;
        }
        Some(ConversationId::new(customer_id, Subject::parse(subject)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_reject_garbage() {
        for subject in [
            Subject::General,
            Subject::Patient("p-7".into()),
            Subject::Order("1042".into()),
        ] {
            let id = ConversationId::new("cust:1", subject);
            assert_eq!(ConversationId::decode(&id.encode()), Some(id.clone()));
        }
        for bad in ["", "!!!", "Zm9v", "Y3VzdC9ub3BlOng", &"A".repeat(600)] {
            assert_eq!(ConversationId::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn subjects_parse_strictly() {
        assert_eq!(Subject::parse("general"), Some(Subject::General));
        assert_eq!(
            Subject::parse("patient:p1"),
            Some(Subject::Patient("p1".into()))
        );
        assert_eq!(Subject::parse("patient:"), None);
        assert_eq!(Subject::parse("order:a#b"), None);
        assert_eq!(Subject::parse("pet:p1"), None);
    }
}
