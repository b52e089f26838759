//! `POST /messages`: a message into a customer's general or patient thread, or into any
//! conversation by id. With an `Idempotency-Key`, a retry returns the first result.
//! Also order events ([`events`]), upload forms ([`attachments`]) and changes to a sent
//! message ([`changes`]).

mod attachments;
mod changes;
mod events;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use shared::domain::message::MessageView;
use shared::domain::notify::{notify_delay, NotifyChannel};
use shared::domain::permissions::{Access, ConversationTarget};
use shared::domain::text::message_text;
use shared::domain::Named;
use shared::domain::{format_timestamp, Message, MessageType, Principal, Role, SenderType};
use shared::http::{self, Request, Response};
use shared::store::{
    keys, AppendGuard, AppendOutcome, DirectoryStore, IdempotencyClaim, IdempotencyRecord,
    MessageChangeStore, MessageDraft, MessageStore, PatientStore, PendingNotification,
    SettingsStore, UploadStore,
};
use shared::{ApiError, App};

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SendRequest {
    #[serde(flatten)]
    pub target: ConversationTarget,
    #[serde(default)]
    pub message: String,
    /// Uploads to attach, by id (`POST /attachments`).
    #[serde(default)]
    pub attachments: Vec<attachments::AttachmentRef>,
    /// Channels to notify the customer on at once (staff sends only).
    #[serde(default)]
    pub notify: Vec<String>,
}

pub async fn handle<S>(app: &App<S>, request: Request) -> Response
where
    S: MessageStore
        + SettingsStore
        + DirectoryStore
        + UploadStore
        + PatientStore
        + MessageChangeStore,
{
    let result = match http::route_key(&request).as_deref() {
        Some("POST /conversations/{id}/events") => events::post(app, &request).await,
        Some("PATCH /conversations/{id}/messages/{message_id}") => {
            changes::edit(app, &request).await
        }
        Some("DELETE /conversations/{id}/messages/{message_id}") => {
            changes::delete(app, &request).await
        }
        Some("GET /conversations/{id}/messages/{message_id}/versions") => {
            changes::versions(app, &request).await
        }
        Some("POST /attachments") => attachments::create_upload(app, &request).await,
        _ => send(app, &request).await,
    };
    http::respond(result)
}

async fn send<S: MessageStore + SettingsStore + DirectoryStore + UploadStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let principal = app.caller(request)?;
    let body: SendRequest = http::json_body(request)?;
    let idempotency_key = idempotency_key(request)?;
    let conversation = body.target.resolve(&principal)?;
    let (text, attachment_ids) = validate_content(&body)?;
    let notify_now = validate_notify(&principal, &body.notify)?;
    let opened = app.open(&principal, conversation, Access::Write).await?;
    let (conversation, settings) = (opened.conversation, opened.settings);
    attachments::check_count(attachment_ids.len(), settings.max_attachments)?;
    let claim = idempotency_key.map(|key| IdempotencyClaim {
        owner: principal.user_id.to_string(),
        key,
        request_hash: request_hash(&body),
    });
    let attachments = match attachments::take(app, &principal, &conversation, &attachment_ids).await
    {
        Ok(attachments) => attachments,
        Err(refusal) => return replay_or(app, &principal.tenant_id, claim, refusal).await,
    };

    let message_type = if attachments.is_empty() {
        MessageType::Text
    } else {
        MessageType::Attachment
    };
    let sender = SenderType::of_side(principal.side());
    let (user, name) = (&principal.user_id, principal.display_name());
    let draft = MessageDraft::new(conversation, sender, user, name, message_type, text)
        .create_conversation(body.target.conversation_id.is_none())
        .attachments(attachments)
        .notification(Some(PendingNotification {
            due_at: format_timestamp(jiff::Timestamp::now() + notify_delay(&settings)),
            now: notify_now,
        }));
    append(app, &principal.tenant_id, &draft, claim).await
}

/// Stores a message, once per Idempotency-Key: a retry of the same request gets the
/// first message, a different request under the same key a 409.
async fn append<S: MessageStore>(
    app: &App<S>,
    tenant: &shared::domain::ids::TenantId,
    draft: &MessageDraft,
    claim: Option<IdempotencyClaim>,
) -> Result<Response, ApiError> {
    let request_hash = claim.as_ref().map(|c| c.request_hash.clone());
    let guard = claim.map(AppendGuard::Idempotency);
    match app
        .store
        .append_message(tenant, draft, guard.as_ref())
        .await?
    {
        AppendOutcome::Stored(message) => Ok(created(message)),
        AppendOutcome::KeyUsed(record) => replayed(record, request_hash.as_deref()),
        AppendOutcome::Duplicate
        | AppendOutcome::Superseded
        | AppendOutcome::OrderTaken
        | AppendOutcome::Unchanged => Err(ApiError::Internal(
            "a send was taken for an inbound text".into(),
        )),
    }
}

/// The first answer under a key, for the same request; a different one is refused.
fn replayed(record: IdempotencyRecord, request_hash: Option<&str>) -> Result<Response, ApiError> {
    if Some(record.request_hash.as_str()) == request_hash {
        return Ok(created(record.message));
    }
    Err(ApiError::conflict(
        "idempotency_key_reused",
        "this Idempotency-Key was used for a different request",
    ))
}

/// A request refused because its files were taken: when its first attempt under the same
/// Idempotency-Key took them, that attempt's answer (one record read, only then).
async fn replay_or<S: MessageStore>(
    app: &App<S>,
    tenant: &shared::domain::ids::TenantId,
    claim: Option<IdempotencyClaim>,
    refusal: ApiError,
) -> Result<Response, ApiError> {
    let taken = matches!(
        refusal,
        ApiError::Conflict {
            code: "attachment_already_used",
            ..
        }
    );
    let Some(claim) = claim.filter(|_| taken) else {
        return Err(refusal);
    };
    match app.store.idempotency_record(tenant, &claim).await? {
        Some(record) => replayed(record, Some(&claim.request_hash)),
        None => Err(refusal),
    }
}

/// The sender's view of their own message: read by them, not yet by anyone else.
fn created(message: Message) -> Response {
    let view = MessageView {
        message,
        is_read: true,
        read_at: None,
        read_by_recipient: false,
        read_by_recipient_at: None,
    };
    http::json_response(201, &view)
}

/// Read as raw bytes: a key that is not visible ASCII must be refused, not taken for no
/// key at all (a retry would then send twice).
fn idempotency_key(request: &Request) -> Result<Option<String>, ApiError> {
    match request
        .headers()
        .get("idempotency-key")
        .map(|v| v.as_bytes())
    {
        None => Ok(None),
        Some(key)
            if !key.is_empty() && key.len() <= 255 && key.iter().all(u8::is_ascii_graphic) =>
        {
            Ok(Some(String::from_utf8_lossy(key).into_owned()))
        }
        Some(_) => Err(ApiError::bad_request(
            "invalid_idempotency_key",
            "Idempotency-Key must be 1-255 visible ASCII characters",
        )),
    }
}

/// Same key, same request: the parsed body re-serialized, so formatting does not matter.
fn request_hash<T: Serialize>(body: &T) -> String {
    let canonical = serde_json::to_vec(body).expect("a parsed request serializes");
    keys::hex(&Sha256::digest(canonical))
}

fn validate_content(body: &SendRequest) -> Result<(String, Vec<String>), ApiError> {
    let text = message_text(&body.message)?;
    let attachment_ids = attachments::check_refs(&body.attachments)?;
    if text.is_empty() && attachment_ids.is_empty() {
        return Err(ApiError::bad_request(
            "empty_message",
            "a message needs text or at least one attachment",
        ));
    }
    Ok((text, attachment_ids))
}

/// The channels a staff sender asked to notify on at once.
fn validate_notify(
    principal: &Principal,
    channels: &[String],
) -> Result<Vec<NotifyChannel>, ApiError> {
    if channels.is_empty() {
        return Ok(Vec::new());
    }
    if principal.role == Role::Customer {
        return Err(ApiError::bad_request(
            "invalid_notify",
            "notify is for staff messages to a customer",
        ));
    }
    let mut parsed: Vec<NotifyChannel> = channels
        .iter()
        .map(|c| {
            NotifyChannel::parse(c).ok_or_else(|| {
                ApiError::bad_request("invalid_notify", "notify takes \"email\" and \"sms\"")
            })
        })
        .collect::<Result<_, _>>()?;
    parsed.sort();
    parsed.dedup();
    Ok(parsed)
}

#[cfg(test)]
mod tests;
