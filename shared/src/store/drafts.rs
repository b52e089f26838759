//! A message to append, as a sender's handler builds it: what it says, and what it does
//! to its conversation.

use crate::domain::message::{Attachment, MessageContent};
use crate::domain::{Channel, ConversationId, MessageType, SenderType};

/// A message to append; the store assigns its id and time.
#[derive(Debug, Clone)]
pub struct MessageDraft {
    pub conversation: ConversationId,
    /// Start the conversation if it does not exist (general and patient threads named by
    /// customer); a conversation named by id must exist.
    pub create_conversation: bool,
    pub content: MessageContent,
    /// Makes the conversation's notification pending (not for system messages).
    pub notification: Option<PendingNotification>,
    /// What the message does to its conversation besides adding itself.
    pub lifecycle: Lifecycle,
}

impl MessageDraft {
    /// An ordinary web message to an existing conversation, notifying nobody; the setters
    /// change the rest.
    pub fn new(
        conversation: ConversationId,
        sender_type: SenderType,
        sender_id: impl Into<String>,
        sender_name: impl Into<String>,
        message_type: MessageType,
        text: impl Into<String>,
    ) -> Self {
        MessageDraft {
            conversation,
            create_conversation: false,
            content: MessageContent {
                sender_type,
                sender_id: sender_id.into(),
                sender_name: sender_name.into(),
                message_type,
                message: text.into(),
                attachments: Vec::new(),
                metadata: None,
                channel: Channel::Web,
                external_ref: None,
            },
            notification: None,
            lifecycle: Lifecycle::Continue,
        }
    }

    pub fn create_conversation(mut self, create: bool) -> Self {
        self.create_conversation = create;
        self
    }

    pub fn attachments(mut self, attachments: Vec<Attachment>) -> Self {
        self.content.attachments = attachments;
        self
    }

    pub fn metadata(mut self, metadata: Option<serde_json::Value>) -> Self {
        self.content.metadata = metadata;
        self
    }

    pub fn channel(mut self, channel: Channel) -> Self {
        self.content.channel = channel;
        self
    }

    pub fn external_ref(mut self, external_ref: impl Into<String>) -> Self {
        self.content.external_ref = Some(external_ref.into());
        self
    }

    pub fn notification(mut self, notification: Option<PendingNotification>) -> Self {
        self.notification = notification;
        self
    }

    pub fn lifecycle(mut self, lifecycle: Lifecycle) -> Self {
        self.lifecycle = lifecycle;
        self
    }
}

impl std::ops::Deref for MessageDraft {
    type Target = MessageContent;

    fn deref(&self) -> &MessageContent {
        &self.content
    }
}

/// A conversation's start and end, written with the message that marks them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Lifecycle {
    /// An ordinary message.
    #[default]
    Continue,
    /// Opens an order conversation with its title: it must not exist yet.
    Open { title: String },
    /// Closes the conversation: it stays readable and takes no more messages.
    Close,
}

/// What a message does to its conversation's pending notification.
#[derive(Debug, Clone)]
pub struct PendingNotification {
    /// When it is due unless one is pending already (a later message joins it).
    pub due_at: String,
    /// Channels the sender asked for at once: the notification is due now.
    pub now: Vec<crate::domain::notify::NotifyChannel>,
}
