//! `POST /conversations/{id}/events`: what happens to an order, in its thread.
//! - `status_change` (metadata `old_status`, `new_status`) and `system` (extensions,
//!   deadlines, timeouts): silent system messages, never unread, never notified.
//! - `delivery` (metadata such as `version`, `files`), posted on behalf of a staff-side
//!   participant, and `revision` (metadata such as `revision_count`), on behalf of one of
//!   the buyer's contacts: they count and notify like a message from that person.
//!
//! The host application posts them; an admin too where the host let admins write.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::domain::ids::{self, UserId};
use shared::domain::notify::notify_delay;
use shared::domain::order::clean_metadata;
use shared::domain::permissions::{require_host_or_admin, Access};
use shared::domain::text::{clean_message_text, message_text};
use shared::domain::{format_timestamp, MessageType, Principal, SenderType};
use shared::http::{self, Request, Response};
use shared::store::{
    keys, DirectoryStore, IdempotencyClaim, MessageDraft, MessageStore, OrderRecord,
    PendingNotification, SettingsStore, UploadStore,
};
use shared::{ApiError, App};

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EventRequest {
    #[serde(rename = "type")]
    pub event_type: String,
    #[serde(default)]
    pub text: String,
    pub metadata: Option<Value>,
    pub on_behalf_of: Option<String>,
    /// Uploads (by the poster) a delivery carries.
    #[serde(default)]
    pub attachments: Vec<crate::attachments::AttachmentRef>,
}

/// Who an event speaks for.
enum Voice {
    /// A silent system message.
    System,
    /// A staff-side participant.
    Participant,
    /// One of the buyer's contacts.
    Buyer,
}

fn voice_of(event_type: &str) -> Result<(MessageType, Voice), ApiError> {
    match event_type {
        "status_change" => Ok((MessageType::StatusChange, Voice::System)),
        "system" => Ok((MessageType::System, Voice::System)),
        "delivery" => Ok((MessageType::Delivery, Voice::Participant)),
        "revision" => Ok((MessageType::Revision, Voice::Buyer)),
        _ => Err(ApiError::bad_request(
            "invalid_field",
            "type must be status_change, system, delivery or revision",
        )),
    }
}

fn text_of(body: &EventRequest) -> Result<String, ApiError> {
    Ok(message_text(&body.text)?)
}

/// The text a status change shows when the host gives none (from cleaned metadata, and
/// cleaned itself as any text is).
fn status_text(metadata: Option<&Value>) -> Result<String, ApiError> {
    let status = |name: &str| {
        metadata
            .and_then(|m| m.get(name))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_metadata",
                    "a status_change needs metadata old_status and new_status",
                )
            })
    };
    let (old, new) = (status("old_status")?, status("new_status")?);
    clean_message_text(&format!("Status changed from {old} to {new}.")).map_err(|_| {
        ApiError::bad_request(
            "invalid_metadata",
            "old_status and new_status must be plain text",
        )
    })
}

/// An event's content, checked before anything is read.
struct Checked {
    message_type: MessageType,
    voice: Voice,
    text: String,
    metadata: Option<Value>,
    attachment_ids: Vec<String>,
    on_behalf_of: Option<UserId>,
}

fn check(body: &EventRequest) -> Result<Checked, ApiError> {
    let (message_type, voice) = voice_of(&body.event_type)?;
    let metadata = body.metadata.as_ref().map(clean_metadata).transpose()?;
    let mut text = text_of(body)?;
    if text.is_empty() && message_type == MessageType::StatusChange {
        text = status_text(metadata.as_ref())?;
    }
    let attachment_ids = crate::attachments::check_refs(&body.attachments)?;
    if !attachment_ids.is_empty() && message_type != MessageType::Delivery {
        return Err(ApiError::bad_request(
            "invalid_attachment",
            "only delivery events carry attachments",
        ));
    }
    if text.is_empty() && metadata.is_none() && attachment_ids.is_empty() {
        return Err(ApiError::bad_request(
            "empty_message",
            "an event needs text or metadata",
        ));
    }
    let on_behalf_of = match (&voice, &body.on_behalf_of) {
        (Voice::System, None) => None,
        (Voice::System, Some(_)) => {
            return Err(ApiError::bad_request(
                "invalid_field",
                "on_behalf_of is for delivery and revision events",
            ))
        }
        (_, None) => {
            return Err(ApiError::bad_request(
                "missing_field",
                "on_behalf_of is required for delivery and revision events",
            ))
        }
        (_, Some(user)) => Some(ids::parse_id("on_behalf_of", user)?),
    };
    Ok(Checked {
        message_type,
        voice,
        text,
        metadata,
        attachment_ids,
        on_behalf_of,
    })
}

/// Who the event speaks as: a participant or one of the buyer's contacts, by name, or
/// the system.
async fn speaker<S: DirectoryStore>(
    app: &App<S>,
    principal: &Principal,
    order: &OrderRecord,
    voice: Voice,
    on_behalf_of: Option<UserId>,
) -> Result<(SenderType, String, String), ApiError> {
    let tenant = &principal.tenant_id;
    Ok(match (voice, on_behalf_of) {
        (Voice::Participant, Some(user)) => {
            if !order.participants.iter().any(|p| *p == user) {
                return Err(not_a_participant(&user));
            }
            let name = app
                .store
                .staff(tenant, &user)
                .await?
                .map(|(profile, _)| profile.name)
                .unwrap_or_else(|| user.to_string());
            (SenderType::Staff, user.into_string(), name)
        }
        (Voice::Buyer, Some(contact)) => {
            let found = app
                .store
                .contact(tenant, &order.conversation.customer_id, &contact)
                .await?
                .ok_or_else(|| not_a_participant(&contact))?;
            (SenderType::Customer, contact.into_string(), found.name)
        }
        _ => (
            SenderType::System,
            principal.user_id.to_string(),
            "System".into(),
        ),
    })
}

pub async fn post<S: MessageStore + SettingsStore + DirectoryStore + UploadStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let principal = app.caller(request)?;
    require_host_or_admin(&principal, "post order events")?;
    let body: EventRequest = http::json_body(request)?;
    let idempotency_key = crate::idempotency_key(request)?;
    let conversation = shared::gate::path_conversation(request)?;
    let checked = check(&body)?;
    let tenant = &principal.tenant_id;
    let (opened, order) = app
        .open_order(&principal, conversation, Access::Write)
        .await?;
    let (conversation, settings) = (opened.conversation, opened.settings);
    let (sender_type, sender_id, sender_name) =
        speaker(app, &principal, &order, checked.voice, checked.on_behalf_of).await?;
    crate::attachments::check_count(checked.attachment_ids.len(), settings.max_attachments)?;
    // The caller's key, for this conversation: the path is part of the request.
    let claim = idempotency_key.map(|key| IdempotencyClaim {
        owner: keys::event_key_owner(&principal.user_id, &conversation),
        key,
        request_hash: crate::request_hash(&(conversation.encode(), &body)),
    });
    let attachments =
        match crate::attachments::take(app, &principal, &conversation, &checked.attachment_ids)
            .await
        {
            Ok(attachments) => attachments,
            Err(refusal) => return crate::replay_or(app, tenant, claim, refusal).await,
        };
    let speaks = sender_type != SenderType::System;
    let draft = MessageDraft::new(
        conversation,
        sender_type,
        sender_id,
        sender_name,
        checked.message_type,
        checked.text,
    )
    .attachments(attachments)
    .metadata(checked.metadata)
    .notification(speaks.then(|| PendingNotification {
        due_at: format_timestamp(jiff::Timestamp::now() + notify_delay(&settings)),
        now: Vec::new(),
    }));
    crate::append(app, tenant, &draft, claim).await
}

fn not_a_participant(user: &str) -> ApiError {
    ApiError::bad_request(
        "invalid_on_behalf_of",
        format!("{user} does not take part in this order on that side"),
    )
}
