//! What a reply writes: the message it becomes, the record admins see of a reply that
//! became none, and the short automatic answer to a reply refused.

use shared::domain::notify::{notify_delay, Email};
use shared::domain::sms::Provider;
use shared::domain::Named;
use shared::domain::{
    format_timestamp, now_rfc3339, Attachment, Channel, ConversationId, MessageType, Principal,
    SenderType, Settings,
};
use shared::store::{
    InboundEffects, MessageDraft, PendingNotification, UnmatchedReason, UnmatchedSms,
};

use crate::mime::ParsedMail;

/// A reply as the function reads it: who sent it, what it says, which address it came to.
#[derive(Clone)]
pub(crate) struct Reply<'a> {
    pub mail: &'a ParsedMail,
    /// The sender, lower-cased.
    pub from: String,
    /// The reply address it was sent to.
    pub to: String,
    /// The text, cleaned as a message's would be.
    pub text: String,
    /// Its provider id record: the Message-ID's hash (SES's id when there is none).
    pub effects: InboundEffects,
}

impl Reply<'_> {
    /// The Message-ID, or the provider id record's when the mail had none.
    fn message_id(&self) -> String {
        self.mail
            .message_id
            .clone()
            .unwrap_or_else(|| self.effects.provider_message_id.clone())
    }

    pub(crate) fn effects(message_key: &str) -> InboundEffects {
        use sha2::Digest;
        InboundEffects {
            provider: Provider::Email,
            provider_message_id: shared::store::keys::hex(&sha2::Sha256::digest(message_key)),
            opt_out: None,
        }
    }
}

/// The reply as the sender's message, counted and notified like one sent on the web.
pub(crate) fn message(
    reply: &Reply<'_>,
    principal: &Principal,
    conversation: ConversationId,
    attachments: Vec<Attachment>,
    settings: &Settings,
) -> MessageDraft {
    let sender = SenderType::of_side(principal.side());
    let message_type = if reply.text.is_empty() {
        MessageType::Attachment
    } else {
        MessageType::Text
    };
    MessageDraft::new(
        conversation,
        sender,
        &principal.user_id,
        principal.display_name(),
        message_type,
        reply.text.clone(),
    )
    .create_conversation(true)
    .attachments(attachments)
    .channel(Channel::Email)
    .external_ref(reply.message_id())
    .notification(Some(PendingNotification {
        due_at: format_timestamp(jiff::Timestamp::now() + notify_delay(settings)),
        now: Vec::new(),
    }))
}

/// The record admins see of a reply that became no message.
pub(crate) fn unmatched(
    reply: &Reply<'_>,
    reason: UnmatchedReason,
    customer: Option<&str>,
    contact: Option<&str>,
) -> UnmatchedSms {
    UnmatchedSms {
        id: ulid::Ulid::new().to_string(),
        received_at: now_rfc3339(),
        from: reply.from.clone(),
        to: reply.to.clone(),
        body: reply.text.clone(),
        provider: Provider::Email.as_str().to_owned(),
        provider_message_id: reply.message_id(),
        subject: reply.mail.subject.clone(),
        reason,
        customer_id: customer.map(str::to_owned),
        contact_id: contact.map(str::to_owned),
    }
}

/// The one short answer a sender gets (at most once a day) when their reply was refused
/// by the conversation's state or the tenant's mode.
pub(crate) fn refusal_answer(
    reply: &Reply<'_>,
    reason: UnmatchedReason,
    settings: &Settings,
) -> Email {
    let why = match reason {
        UnmatchedReason::ConversationClosed => "this conversation is closed",
        _ => "replies by email are not being accepted right now",
    };
    let business = settings.business_name.as_deref().unwrap_or("The team");
    let subject = match &reply.mail.subject {
        Some(subject) if subject.to_ascii_lowercase().starts_with("re:") => subject.clone(),
        Some(subject) => format!("Re: {subject}"),
        None => "Your reply was not delivered".to_owned(),
    };
    let mut text = format!("Your reply could not be added: {why}.\n");
    if let Some(link) = &settings.portal_base_url {
        text.push_str(&format!("You can write to us at {link}.\n"));
    }
    text.push_str(&format!("\n— {business}\n"));
    let html = format!(
        "<p>{}</p>",
        shared::domain::notify::escape_html(&text).replace('\n', "<br>")
    );
    Email {
        subject: subject.chars().filter(|c| !c.is_control()).collect(),
        text,
        html,
        reply_to: None,
        unsubscribe: None,
        auto_submitted: true,
    }
}
