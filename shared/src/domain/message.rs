//! Messages, and the read state that decides what is unread for whom.

use super::named::Named;
use serde::{Deserialize, Serialize};

use super::principal::Side;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SenderType {
    Staff,
    Customer,
    System,
}

impl Named for SenderType {}

impl SenderType {
    /// System messages belong to no side: they are never unread for anyone.
    pub fn side(self) -> Option<Side> {
        match self {
            SenderType::Staff => Some(Side::Staff),
            SenderType::Customer => Some(Side::Customer),
            SenderType::System => None,
        }
    }

    pub fn of_side(side: Side) -> SenderType {
        match side {
            Side::Staff => SenderType::Staff,
            Side::Customer => SenderType::Customer,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageType {
    Text,
    Attachment,
    Delivery,
    Revision,
    StatusChange,
    System,
}

impl Named for MessageType {}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Web,
    Email,
    Sms,
}

impl Named for Channel {}

/// A file a message refers to; the bytes live in S3 under the tenant's prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    pub id: String,
    pub name: String,
    pub content_type: String,
    pub size: u64,
}

/// What a sender supplies: a message but for where it goes, its id and its time. A new
/// field of a message goes here (and in `openapi.yaml`): the store and the API follow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageContent {
    pub sender_type: SenderType,
    pub sender_id: String,
    pub sender_name: String,
    #[serde(rename = "type")]
    pub message_type: MessageType,
    /// The text; a message of attachments alone has none.
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    pub metadata: Option<serde_json::Value>,
    pub channel: Channel,
    pub external_ref: Option<String>,
}

/// A stored message, as every viewer shares it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: String,
    pub conversation_id: String,
    pub customer_id: String,
    pub patient_id: Option<String>,
    #[serde(flatten)]
    pub content: MessageContent,
    pub created_at: String,
    #[serde(flatten)]
    pub changes: MessageChanges,
}

/// What happened to a message after it was sent. An edit keeps the message where it was
/// (its id, so read positions and counts stand); a deletion leaves a placeholder whose
/// content is gone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageChanges {
    #[serde(default)]
    pub is_edited: bool,
    #[serde(default)]
    pub edited_at: Option<String>,
    #[serde(default)]
    pub deleted: bool,
    #[serde(default)]
    pub deleted_at: Option<String>,
    /// The user id of whoever deleted it (the author, an admin, or an erasure).
    #[serde(default)]
    pub deleted_by: Option<String>,
}

impl std::ops::Deref for Message {
    type Target = MessageContent;

    fn deref(&self) -> &MessageContent {
        &self.content
    }
}

/// One person's read position in a conversation: everything up to and including
/// `up_to` (a message id; ids sort in commit order) is read, since `at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadPosition {
    pub up_to: String,
    /// Messages from the other side, excluding system messages, that `up_to` covers.
    pub seen: u64,
    pub at: String,
}

/// What a message looks like to one viewer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageView {
    #[serde(flatten)]
    pub message: Message,
    /// Read by the viewer. Messages the viewer's own side sent are read for them.
    pub is_read: bool,
    pub read_at: Option<String>,
    /// Read by at least one person on the other side from the sender (a receipt).
    pub read_by_recipient: bool,
    pub read_by_recipient_at: Option<String>,
}

/// The read positions that matter to one viewer: their own, and how far each side has
/// read (receipts). Small and fixed in size, so a thread cursor can carry it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewerReadState {
    /// The viewer's own position and when it was set.
    pub own: Option<(String, String)>,
    /// Per side: the furthest message anyone on it has read, and when it got there.
    pub customer_side: Option<(String, String)>,
    pub staff_side: Option<(String, String)>,
}

impl ViewerReadState {
    pub fn view(&self, message: Message, viewer_side: Side) -> MessageView {
        let sender_side = message.sender_type.side();
        let (is_read, read_at) = match sender_side {
            None => (true, None),
            Some(side) if side == viewer_side => (true, None),
            Some(_) => match &self.own {
                Some((up_to, at)) if message.id <= *up_to => (true, Some(at.clone())),
                _ => (false, None),
            },
        };
        let (read_by_recipient, read_by_recipient_at) = match sender_side {
            None => (false, None),
            Some(side) => {
                let frontier = match side.other() {
                    Side::Customer => &self.customer_side,
                    Side::Staff => &self.staff_side,
                };
                match frontier {
                    Some((up_to, at)) if message.id <= *up_to => (true, Some(at.clone())),
                    _ => (false, None),
                }
            }
        };
        MessageView {
            message,
            is_read,
            read_at,
            read_by_recipient,
            read_by_recipient_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(id: &str, sender: SenderType) -> Message {
        Message {
            id: id.into(),
            conversation_id: "c".into(),
            customer_id: "cu".into(),
            patient_id: None,
            content: MessageContent {
                sender_type: sender,
                sender_id: "x".into(),
                sender_name: "X".into(),
                message_type: MessageType::Text,
                message: "hi".into(),
                attachments: vec![],
                metadata: None,
                channel: Channel::Web,
                external_ref: None,
            },
            created_at: "t".into(),
            changes: MessageChanges::default(),
        }
    }

    fn state(
        own: Option<(&str, &str)>,
        customers: Option<(&str, &str)>,
        staff: Option<(&str, &str)>,
    ) -> ViewerReadState {
        let pair = |p: Option<(&str, &str)>| p.map(|(a, b)| (a.to_owned(), b.to_owned()));
        ViewerReadState {
            own: pair(own),
            customer_side: pair(customers),
            staff_side: pair(staff),
        }
    }

    #[test]
    fn unread_is_per_person_and_receipts_follow_the_other_side() {
        let s1 = state(Some(("02", "t5")), None, Some(("02", "t5")));
        let s2 = state(None, None, Some(("02", "t5")));
        let from_customer = msg("02", SenderType::Customer);
        assert!(s1.view(from_customer.clone(), Side::Staff).is_read);
        assert!(!s2.view(from_customer.clone(), Side::Staff).is_read);
        assert!(
            !s2.view(msg("03", SenderType::Customer), Side::Staff)
                .is_read
        );
        assert!(s2.view(msg("03", SenderType::Staff), Side::Staff).is_read);
        assert!(s2.view(msg("03", SenderType::System), Side::Staff).is_read);
        // The customer sees the receipt: someone on staff read it at t5.
        let c = state(None, None, Some(("02", "t5")));
        let seen = c.view(from_customer, Side::Customer);
        assert!(seen.read_by_recipient);
        assert_eq!(seen.read_by_recipient_at.as_deref(), Some("t5"));
        assert!(
            !c.view(msg("03", SenderType::Customer), Side::Customer)
                .read_by_recipient
        );
    }
}
