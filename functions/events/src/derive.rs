//! Changes to the table, as the events they are to the host application. No I/O.

use serde_json::{json, Value};
use shared::domain::webhooks::{EndpointStatus, EventType};
use shared::domain::{ConversationId, ConversationStatus, Message};
use shared::store::{ConversationHeader, DeliveryStatus, ItemChange, OrderRecord, TenantChange};

use crate::event::{event_id, padded_sequence, Event};

/// What a change is known by besides its content: its stream record.
#[derive(Debug, Clone)]
pub struct Origin<'a> {
    /// The record's `eventID`: the same when the record is delivered again.
    pub record_id: &'a str,
    pub sequence: &'a str,
    /// When the stream says the change was made, for changes that carry no time.
    pub changed_at: &'a str,
}

/// The events one change makes (most make none or one).
pub fn events(origin: &Origin, change: &TenantChange) -> Vec<Event> {
    let made = |n: usize, event_type: EventType, at: &str, conversation: Option<String>, data| {
        let at = if at.is_empty() { origin.changed_at } else { at };
        Event {
            id: event_id(at, &format!("{}#{n}", origin.record_id)),
            event_type,
            tenant_id: change.tenant.clone(),
            occurred_at: at.to_owned(),
            sequence: padded_sequence(origin.sequence),
            conversation_id: conversation,
            data,
        }
    };
    match &change.change {
        ItemChange::Message {
            old,
            new: Some(new),
        } => message_event(old.as_ref(), new)
            .map(|(event_type, at)| {
                let data = json!({ "message": new });
                made(0, event_type, &at, Some(new.conversation_id.clone()), data)
            })
            .into_iter()
            .collect(),
        ItemChange::Header {
            old,
            new: Some(new),
        } => {
            let event_type = match old {
                None => EventType::ConversationCreated,
                Some(old)
                    if old.status != ConversationStatus::Closed
                        && new.status == ConversationStatus::Closed =>
                {
                    EventType::ConversationClosed
                }
                _ => return Vec::new(),
            };
            let at = match event_type {
                EventType::ConversationCreated => new.created_at.as_str(),
                _ => "",
            };
            let data = json!({ "conversation": conversation(new) });
            vec![made(0, event_type, at, Some(new.id.encode()), data)]
        }
        ItemChange::Position {
            reader,
            conversation,
            old,
            new: Some(new),
        } => {
            if old.as_ref().is_some_and(|old| old.up_to >= new.up_to) {
                return Vec::new();
            }
            let data = json!({
                "reader": { "user_id": reader.user_id, "side": reader.side },
                "up_to": new.up_to,
                "read_at": new.at,
            });
            let mut event = made(
                0,
                EventType::MessageRead,
                &new.at,
                Some(conversation.encode()),
                data,
            );
            // Read positions are batched per person and conversation: the id names the
            // position reached, however the records were batched.
            event.id = event_id(
                &new.at,
                &format!(
                    "read#{}#{}#{}#{}",
                    reader.side.letter(),
                    reader.user_id,
                    conversation.encode(),
                    new.up_to
                ),
            );
            vec![event]
        }
        ItemChange::Order {
            old,
            new: Some(new),
        } => participant_events(old.as_ref(), new)
            .into_iter()
            .enumerate()
            .map(|(n, (event_type, user))| {
                let data = json!({ "order_id": new.order_id, "user_id": user });
                made(n, event_type, "", Some(new.conversation.encode()), data)
            })
            .collect(),
        ItemChange::Notification {
            old,
            new: Some(new),
        } => {
            let event_type = match new.status {
                DeliveryStatus::Sent => EventType::NotificationSent,
                // Given up, not sent by the platform's rules (a spent quota, a country the
                // tenant may not text, its email paused), or sent and not delivered: nobody
                // was told.
                DeliveryStatus::Failed
                | DeliveryStatus::QuotaExceeded
                | DeliveryStatus::CountryNotAllowed
                | DeliveryStatus::EmailPaused
                | DeliveryStatus::Undelivered => EventType::NotificationFailed,
                DeliveryStatus::Bounced => EventType::NotificationBounced,
                DeliveryStatus::Complained => EventType::NotificationComplained,
                _ => return Vec::new(),
            };
            if old.as_ref().is_some_and(|old| old.status == new.status) {
                return Vec::new();
            }
            let data = json!({
                "status": new.status,
                "channel": new.channel,
                "recipient": new.recipient,
                "round": new.round,
                "attempts": new.attempts,
                "provider_message_id": new.provider_message_id,
                "error": new.error.clone().or_else(|| new.outcome_detail.clone()),
            });
            let conversation = ConversationId::decode(&new.conversation_id)
                .map(|c| c.encode())
                .or_else(|| Some(new.conversation_id.clone()));
            let at = new.outcome_at.as_deref().unwrap_or(&new.updated_at);
            vec![made(0, event_type, at, conversation, data)]
        }
        ItemChange::OptOut {
            phone,
            old,
            new: Some(new),
        } => {
            let was = old.as_ref().map(|o| o.opted_out);
            if was == Some(new.opted_out) || (was.is_none() && !new.opted_out) {
                return Vec::new();
            }
            let event_type = if new.opted_out {
                EventType::SmsOptedOut
            } else {
                EventType::SmsOptedIn
            };
            let at = new.keyword_at.clone().unwrap_or_default();
            let data = json!({ "phone": phone, "keyword_at": new.keyword_at });
            vec![made(0, event_type, &at, None, data)]
        }
        ItemChange::Unmatched { new } => {
            let data = json!({ "unmatched": new });
            vec![made(
                0,
                EventType::SmsUnmatched,
                &new.received_at,
                None,
                data,
            )]
        }
        ItemChange::Endpoint {
            old: Some(old),
            new: Some(new),
        } if old.status == EndpointStatus::Enabled
            && new.status == EndpointStatus::Disabled
            && new.disabled_reason.as_deref() == Some(crate::deliver::DISABLED_FAILING) =>
        {
            let data = json!({
                "endpoint_id": new.id,
                "url": new.url,
                "reason": new.disabled_reason,
                "failing_since": old.failing_since,
            });
            let at = new.disabled_at.clone().unwrap_or_default();
            vec![made(0, EventType::WebhookDisabled, &at, None, data)]
        }
        _ => Vec::new(),
    }
}

/// Which event a message's change is, and when it happened.
fn message_event(old: Option<&Message>, new: &Message) -> Option<(EventType, String)> {
    let Some(old) = old else {
        return Some((EventType::MessageCreated, new.created_at.clone()));
    };
    if new.changes.deleted && !old.changes.deleted {
        let at = new.changes.deleted_at.clone().unwrap_or_default();
        return Some((EventType::MessageDeleted, at));
    }
    if !new.changes.deleted && new.changes.edited_at != old.changes.edited_at {
        let at = new.changes.edited_at.clone().unwrap_or_default();
        return Some((EventType::MessageEdited, at));
    }
    None
}

/// Staff who joined or left an order's conversation (all of them when it opened).
fn participant_events(old: Option<&OrderRecord>, new: &OrderRecord) -> Vec<(EventType, String)> {
    let before: &[String] = old.map_or(&[], |o| &o.participants);
    let added = new
        .participants
        .iter()
        .filter(|user| !before.contains(user))
        .map(|user| (EventType::ParticipantAdded, user.clone()));
    let removed = before
        .iter()
        .filter(|user| !new.participants.contains(user))
        .map(|user| (EventType::ParticipantRemoved, user.clone()));
    added.chain(removed).collect()
}

/// A conversation as events show it: what is the same for everyone.
fn conversation(header: &ConversationHeader) -> Value {
    let id = &header.id;
    json!({
        "id": id.encode(),
        "customer_id": id.customer_id,
        "kind": id.subject.kind(),
        "patient_id": id.subject.patient_id(),
        "order_id": id.subject.order_id(),
        "title": header.title,
        "status": header.status,
        "created_at": header.created_at,
        "message_count": header.message_count,
    })
}
