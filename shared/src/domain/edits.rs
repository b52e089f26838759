//! Who may change a message after it was sent, and until when.
//!
//! An author edits or unsends their own text or attachment message within the tenant's
//! edit window; an admin (or the host application) deletes any message at any time (moderation). A deleted message
//! stays in the thread as a placeholder and keeps its place in unread counts: counts are
//! the other side's counter minus what a person has seen, so taking a message out of the
//! counter would move everyone's count, read or not. A deleted message someone has not
//! read stays unread until they open the thread, where it shows as deleted; digests leave
//! deleted messages out and are not sent when nothing else is unread.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::error::DomainError;
use super::message::{Message, MessageType};
use super::principal::{Principal, Role};
use super::settings::Settings;

/// Edits one message may have: each keeps its earlier text, and a deletion removes them
/// all in its one transaction.
pub const MAX_EDITS: u32 = 25;

/// A message's earlier text, kept when it was edited: for admins and the export, never
/// shown to the other side. Deleted with the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageVersion {
    pub message_id: String,
    /// The text as it was.
    pub message: String,
    /// When that text was written: the message's sending or its previous edit.
    pub written_at: String,
    /// When the edit replaced it.
    pub replaced_at: String,
}

/// Why a person changes a message: the rules differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Edit,
    Delete,
}

/// Whether `principal` may make `change` to `message` at `now`. An admin's deletion is
/// moderation: any message, any time. Everything else is the author's, within the window.
pub fn check_change(
    change: Change,
    message: &Message,
    principal: &Principal,
    settings: &Settings,
    now: Timestamp,
) -> Result<(), DomainError> {
    if change == Change::Delete && matches!(principal.role, Role::Admin | Role::Service) {
        return Ok(());
    }
    if message.changes.deleted {
        return Err(DomainError::conflict(
            "message_deleted",
            "the message was deleted",
        ));
    }
    let own = message.sender_type.side() == Some(principal.side())
        && message.sender_id == principal.user_id.as_str();
    if !own {
        return Err(DomainError::forbidden(
            "not_author",
            "only its author may change a message (admins may delete any)",
        ));
    }
    if !matches!(
        message.message_type,
        MessageType::Text | MessageType::Attachment
    ) {
        return Err(DomainError::conflict(
            "not_editable",
            "only text and attachment messages can be changed",
        ));
    }
    if settings.edit_window_minutes == 0 {
        return Err(DomainError::forbidden(
            "editing_disabled",
            "this business does not allow changing messages after sending",
        ));
    }
    let sent: Timestamp = message
        .created_at
        .parse()
        .map_err(|_| DomainError::conflict("not_editable", "the message has no sending time"))?;
    let window = jiff::SignedDuration::from_mins(i64::from(settings.edit_window_minutes));
    if now.duration_since(sent) > window {
        return Err(DomainError::conflict(
            "edit_window_passed",
            format!(
                "messages can be changed for {} minutes after sending",
                settings.edit_window_minutes
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::message::{Channel, MessageChanges, MessageContent, SenderType};
    use crate::domain::Principal;

    fn message(sender: SenderType, kind: MessageType, sent: &str) -> Message {
        Message {
            id: "01".into(),
            conversation_id: "c".into(),
            customer_id: "cu".into(),
            patient_id: None,
            content: MessageContent {
                sender_type: sender,
                sender_id: "u1".into(),
                sender_name: "U".into(),
                message_type: kind,
                message: "hi".into(),
                attachments: vec![],
                metadata: None,
                channel: Channel::Web,
                external_ref: None,
            },
            created_at: sent.into(),
            changes: MessageChanges::default(),
        }
    }

    fn person(role: Role, user: &str) -> Principal {
        Principal {
            tenant_id: "t1".into(),
            user_id: user.into(),
            role,
            customer_id: (role == Role::Customer).then(|| "cu".into()),
            name: None,
        }
    }

    fn at(minutes: i64) -> Timestamp {
        "2026-01-01T10:00:00Z".parse::<Timestamp>().unwrap()
            + jiff::SignedDuration::from_mins(minutes)
    }

    #[test]
    fn the_author_changes_within_the_window_and_admins_delete_any_time() {
        let sent = message(SenderType::Staff, MessageType::Text, "2026-01-01T10:00:00Z");
        let settings = Settings::default();
        let author = person(Role::Staff, "u1");
        assert!(check_change(Change::Edit, &sent, &author, &settings, at(15)).is_ok());
        let late = check_change(Change::Edit, &sent, &author, &settings, at(16));
        assert_eq!(late.unwrap_err().code(), "edit_window_passed");
        let other = person(Role::Staff, "u2");
        let refused = check_change(Change::Delete, &sent, &other, &settings, at(1));
        assert_eq!(refused.unwrap_err().code(), "not_author");
        let admin = person(Role::Admin, "a1");
        assert!(check_change(Change::Delete, &sent, &admin, &settings, at(5000)).is_ok());
        assert!(check_change(Change::Edit, &sent, &admin, &settings, at(1)).is_err());
    }

    #[test]
    fn system_messages_and_a_closed_window_refuse() {
        let settings = Settings {
            edit_window_minutes: 0,
            ..Settings::default()
        };
        let sent = message(
            SenderType::Customer,
            MessageType::Text,
            "2026-01-01T10:00:00Z",
        );
        let customer = person(Role::Customer, "u1");
        let off = check_change(Change::Edit, &sent, &customer, &settings, at(0));
        assert_eq!(off.unwrap_err().code(), "editing_disabled");
        let status = message(
            SenderType::Staff,
            MessageType::StatusChange,
            "2026-01-01T10:00:00Z",
        );
        let staff = person(Role::Staff, "u1");
        let refused = check_change(Change::Edit, &status, &staff, &Settings::default(), at(0));
        assert_eq!(refused.unwrap_err().code(), "not_editable");
        // The same user id on the other side is someone else.
        let refused = check_change(Change::Edit, &sent, &staff, &Settings::default(), at(0));
        assert_eq!(refused.unwrap_err().code(), "not_author");
    }
}
