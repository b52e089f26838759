//! The product's types and rules. Nothing here performs I/O.

pub mod attachment;
pub mod conversation;
pub mod country;
pub mod csv;
pub mod directory;
pub mod edits;
pub mod error;
pub mod feed;
pub mod feedback;
mod file_kinds;
pub mod fold;
pub mod grant;
pub mod ids;
pub mod jobs;
pub mod message;
mod named;
pub mod notify;
pub mod order;
pub mod outcome;
pub mod permissions;
pub mod principal;
pub mod quiet_hours;
pub mod search;
pub mod settings;
pub mod sms;
pub mod text;
mod twilio;
pub mod validate;
pub mod webhooks;

pub use conversation::{ConversationId, ConversationKind, ConversationStatus, Subject};
pub use error::DomainError;
pub use message::{
    Attachment, Channel, Message, MessageChanges, MessageContent, MessageType, MessageView,
    SenderType,
};
pub use named::Named;
pub use principal::{Principal, Role, Side};
pub use settings::{MessagingMode, Settings};

/// The current time as an RFC 3339 UTC timestamp with millisecond precision, the one
/// timestamp format stored and returned everywhere.
pub fn now_rfc3339() -> String {
    format_timestamp(jiff::Timestamp::now())
}

pub fn format_timestamp(ts: jiff::Timestamp) -> String {
    format!("{ts:.3}")
}
