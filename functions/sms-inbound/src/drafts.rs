//! What a text writes: the customer message it becomes, the thread's note of an opt-out
//! change, or the record admins see of a text that became no message.

use serde_json::json;
use shared::domain::notify::notify_delay;
use shared::domain::sms::InboundSms;
use shared::domain::Named;
use shared::domain::{
    format_timestamp, now_rfc3339, Channel, ConversationId, MessageType, SenderType, Settings,
};
use shared::store::{MessageDraft, PendingNotification, PhoneOwner, UnmatchedReason, UnmatchedSms};

/// `text` is the body cleaned as a message's would be: admins read it in the same
/// screens as messages.
pub(crate) fn unmatched(
    sms: &InboundSms,
    text: &str,
    reason: UnmatchedReason,
    owner: Option<&PhoneOwner>,
) -> UnmatchedSms {
    UnmatchedSms {
        id: ulid::Ulid::new().to_string(),
        received_at: now_rfc3339(),
        from: sms.from.clone(),
        to: sms.to.clone(),
        body: text.to_owned(),
        provider: sms.provider.as_str().to_owned(),
        provider_message_id: sms.provider_message_id.clone(),
        subject: None,
        reason,
        customer_id: owner.map(|o| o.customer_id.clone()),
        contact_id: owner.map(|o| o.contact_id.clone()),
    }
}

fn sender_name(sms: &InboundSms, owner: &PhoneOwner) -> String {
    owner.name.clone().unwrap_or_else(|| sms.from.clone())
}

pub(crate) fn customer_message(
    sms: &InboundSms,
    owner: &PhoneOwner,
    conversation: ConversationId,
    text: String,
    settings: &Settings,
) -> MessageDraft {
    let (sender, name) = (SenderType::Customer, sender_name(sms, owner));
    MessageDraft::new(
        conversation,
        sender,
        &owner.contact_id,
        name,
        MessageType::Text,
        text,
    )
    .create_conversation(true)
    .channel(Channel::Sms)
    .external_ref(&sms.provider_message_id)
    .notification(Some(PendingNotification {
        due_at: format_timestamp(jiff::Timestamp::now() + notify_delay(settings)),
        now: Vec::new(),
    }))
}

/// The thread's record of a keyword that changed the number's opt-out: a system
/// message, so it is neither unread nor notified.
pub(crate) fn opt_out_notice(
    sms: &InboundSms,
    owner: &PhoneOwner,
    conversation: ConversationId,
    opted_out: bool,
) -> MessageDraft {
    let name = sender_name(sms, owner);
    let (event, text) = if opted_out {
        (
            "sms_opt_out",
            format!("{name} ({}) opted out of text messages.", sms.from),
        )
    } else {
        (
            "sms_opt_in",
            format!("{name} ({}) opted back in to text messages.", sms.from),
        )
    };
    MessageDraft::new(
        conversation,
        SenderType::System,
        "sms",
        "SMS",
        MessageType::System,
        text,
    )
    .create_conversation(true)
    .metadata(Some(json!({
        "event": event,
        "phone": sms.from,
        "keyword": sms.body.trim().to_ascii_uppercase(),
        "contact_id": owner.contact_id,
    })))
    .channel(Channel::Sms)
    .external_ref(&sms.provider_message_id)
}
