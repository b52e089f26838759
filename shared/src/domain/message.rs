//! Messages, and the read state that decides what is unread for whom.

use serde::{Deserialize, Serialize};

use super::principal::Side;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SenderType {
    Staff,
    Customer,
    System,
}

impl SenderType {
    pub fn as_str(self) -> &'static str {
        match self {
            SenderType::Staff => "staff",
            SenderType::Customer => "customer",
            SenderType::System => "system",
        }
    }

    pub fn parse(value: &str) -> Option<SenderType> {
        match value {
            "staff" => Some(SenderType::Staff),
            "customer" => Some(SenderType::Customer),
            "system" => Some(SenderType::System),
            _ => None,
        }
    }

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

impl MessageType {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageType::Text => "text",
            MessageType::Attachment => "attachment",
            MessageType::Delivery => "delivery",
            MessageType::Revision => "revision",
            MessageType::StatusChange => "status_change",
            MessageType::System => "system",
        }
    }

    pub fn parse(value: &str) -> Option<MessageType> {
        [
            MessageType::Text,
            MessageType::Attachment,
            MessageType::Delivery,
            MessageType::Revision,
            MessageType::StatusChange,
            MessageType::System,
        ]
        .into_iter()
        .find(|t| t.as_str() == value)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Web,
    Email,
    Sms,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }

    pub fn parse(value: &str) -> Option<Channel> {
        match value {
            "web" => Some(Channel::Web),
            "email" => Some(Channel::Email),
            "sms" => Some(Channel::Sms),
            _ => None,
        }
    }
}

/// A file a message refers to; the bytes live in S3 under the tenant's prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    pub id: String,
    pub name: String,
    pub content_type: String,
    pub size: u64,
}

pub const MAX_ATTACHMENTS: usize = 10;
pub const MAX_ATTACHMENT_BYTES: u64 = 25 * 1024 * 1024;

/// Types a message may carry. Script-capable formats (SVG, HTML, CSS, JavaScript) are
/// absent on purpose: a file served back to a browser must not run.
pub const ALLOWED_CONTENT_TYPES: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "text/plain",
    "text/csv",
    "application/zip",
    "application/vnd.rar",
    "application/x-7z-compressed",
    "audio/mpeg",
    "audio/wav",
    "video/mp4",
    "video/quicktime",
    "video/x-msvideo",
    "video/webm",
    "application/json",
    "application/xml",
];

/// A stored message, as every viewer shares it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: String,
    pub conversation_id: String,
    pub customer_id: String,
    pub patient_id: Option<String>,
    pub sender_type: SenderType,
    pub sender_id: String,
    pub sender_name: String,
    #[serde(rename = "type")]
    pub message_type: MessageType,
    pub message: String,
    pub attachments: Vec<Attachment>,
    pub metadata: Option<serde_json::Value>,
    pub channel: Channel,
    pub external_ref: Option<String>,
    pub created_at: String,
}

/// One person's read position in a conversation: everything up to and including
/// `up_to` (a message id; ids sort in commit order) is read, since `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadMark {
    pub side: Side,
    pub user_id: String,
    pub up_to: String,
    pub at: String,
    /// Messages from the other side, excluding system messages, that `up_to` covers.
    pub seen: u64,
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

/// The read positions that matter to one viewer: their own, and the other people's,
/// reduced to what receipts need.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewerReadState {
    /// The viewer's own position and when it was set.
    pub own: Option<(String, String)>,
    /// Per side: positions of that side's readers as (up_to, at), keeping only those that
    /// can be the earliest reader of some message (newest position first, earlier times).
    pub customer_side: Vec<(String, String)>,
    pub staff_side: Vec<(String, String)>,
}

impl ViewerReadState {
    pub fn from_marks(marks: &[ReadMark], viewer: &str, viewer_side: Side) -> Self {
        let own = marks
            .iter()
            .find(|m| m.side == viewer_side && m.user_id == viewer)
            .map(|m| (m.up_to.clone(), m.at.clone()));
        ViewerReadState {
            own,
            customer_side: receipt_frontier(marks, Side::Customer),
            staff_side: receipt_frontier(marks, Side::Staff),
        }
    }

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
                let readers = match side.other() {
                    Side::Customer => &self.customer_side,
                    Side::Staff => &self.staff_side,
                };
                earliest_reader(readers, &message.id)
                    .map_or((false, None), |at| (true, Some(at.to_owned())))
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

/// Positions sorted newest first, keeping one only when it was set earlier than every
/// position further ahead: the earliest reader of a message is always among these.
fn receipt_frontier(marks: &[ReadMark], side: Side) -> Vec<(String, String)> {
    let mut on_side: Vec<(String, String)> = marks
        .iter()
        .filter(|m| m.side == side)
        .map(|m| (m.up_to.clone(), m.at.clone()))
        .collect();
    on_side.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut frontier: Vec<(String, String)> = Vec::new();
    for mark in on_side {
        if frontier.last().is_none_or(|last| mark.1 < last.1) {
            frontier.push(mark);
        }
    }
    frontier
}

fn earliest_reader<'a>(frontier: &'a [(String, String)], message_id: &str) -> Option<&'a str> {
    frontier
        .iter()
        .filter(|(up_to, _)| up_to.as_str() >= message_id)
        .map(|(_, at)| at.as_str())
        .min()
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
            sender_type: sender,
            sender_id: "x".into(),
            sender_name: "X".into(),
            message_type: MessageType::Text,
            message: "hi".into(),
            attachments: vec![],
            metadata: None,
            channel: Channel::Web,
            external_ref: None,
            created_at: "t".into(),
        }
    }

    fn mark(side: Side, user: &str, up_to: &str, at: &str) -> ReadMark {
        ReadMark {
            side,
            user_id: user.into(),
            up_to: up_to.into(),
            at: at.into(),
            seen: 0,
        }
    }

    #[test]
    fn unread_is_per_person_and_only_for_the_other_side() {
        let marks = [mark(Side::Staff, "s1", "02", "t5")];
        let s1 = ViewerReadState::from_marks(&marks, "s1", Side::Staff);
        let s2 = ViewerReadState::from_marks(&marks, "s2", Side::Staff);
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
        let c = ViewerReadState::from_marks(&marks, "c1", Side::Customer);
        let seen = c.view(from_customer, Side::Customer);
        assert!(seen.read_by_recipient);
        assert_eq!(seen.read_by_recipient_at.as_deref(), Some("t5"));
    }

    #[test]
    fn receipts_take_the_earliest_reader_who_covered_the_message() {
        let marks = [
            mark(Side::Customer, "a", "05", "t9"),
            mark(Side::Customer, "b", "03", "t2"),
            mark(Side::Customer, "c", "04", "t7"),
            mark(Side::Customer, "d", "02", "t8"),
        ];
        let staff = ViewerReadState::from_marks(&marks, "s", Side::Staff);
        assert_eq!(staff.customer_side.len(), 3, "d is dominated by b");
        let at = |id: &str| {
            staff
                .view(msg(id, SenderType::Staff), Side::Staff)
                .read_by_recipient_at
        };
        assert_eq!(at("02").as_deref(), Some("t2"));
        assert_eq!(at("04").as_deref(), Some("t7"));
        assert_eq!(at("05").as_deref(), Some("t9"));
        assert_eq!(at("06"), None);
    }
}
