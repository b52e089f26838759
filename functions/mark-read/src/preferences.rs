//! `GET`/`PUT /conversations/{id}/preferences`: the caller's notifications for one
//! conversation: email and SMS on or off, and `muted_until` (nothing on any channel
//! before then). The dispatcher reads them with the read positions it reads anyway; the
//! read position itself is left as it is.

use serde::Deserialize;
use shared::domain::permissions::Access;
use shared::domain::{Principal, Role};
use shared::gate::path_conversation;
use shared::http::{self, Request, Response};
use shared::store::{
    DirectoryStore, MessageStore, Reader, RecipientPrefs, ReplyStore, SettingsStore,
};
use shared::{ApiError, App};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PreferencesRequest {
    #[serde(default = "on")]
    email: bool,
    #[serde(default = "on")]
    sms: bool,
    muted_until: Option<String>,
}

fn on() -> bool {
    true
}

pub async fn get<S>(app: &App<S>, request: &Request) -> Result<Response, ApiError>
where
    S: MessageStore + SettingsStore + DirectoryStore + ReplyStore,
{
    let (principal, reader, conversation) = opened(app, request).await?;
    let prefs = app
        .store
        .recipients(
            &principal.tenant_id,
            &conversation,
            std::slice::from_ref(&reader),
        )
        .await?
        .remove(&reader)
        .map(|r| r.prefs)
        .unwrap_or_default();
    Ok(view(&conversation, &prefs))
}

pub async fn put<S>(app: &App<S>, request: &Request) -> Result<Response, ApiError>
where
    S: MessageStore + SettingsStore + DirectoryStore + ReplyStore,
{
    let (principal, reader, conversation) = opened(app, request).await?;
    let body: PreferencesRequest = http::json_body(request)?;
    let muted_until = body.muted_until.as_deref().map(timestamp).transpose()?;
    let prefs = RecipientPrefs {
        reply_token: None,
        email_off: !body.email,
        sms_off: !body.sms,
        muted_until,
    };
    app.store
        .set_prefs(&principal.tenant_id, &conversation, &reader, &prefs)
        .await?;
    Ok(view(&conversation, &prefs))
}

/// The caller as a person of the conversation: anyone who may read it but the host
/// application, which is told nothing itself.
async fn opened<S>(
    app: &App<S>,
    request: &Request,
) -> Result<(Principal, Reader, shared::domain::ConversationId), ApiError>
where
    S: MessageStore + SettingsStore + DirectoryStore,
{
    let principal = app.caller(request)?;
    let conversation = path_conversation(request)?;
    if principal.role == Role::Service {
        return Err(ApiError::forbidden(
            "not_a_person",
            "preferences are a person's; the host application gets no notifications",
        ));
    }
    let conversation = app
        .open(&principal, conversation, Access::Read)
        .await?
        .conversation;
    let reader = Reader::of(&principal);
    Ok((principal, reader, conversation))
}

/// An RFC 3339 time, stored as the API writes times (UTC, milliseconds).
fn timestamp(value: &str) -> Result<String, ApiError> {
    value
        .parse::<jiff::Timestamp>()
        .map(shared::domain::format_timestamp)
        .map_err(|_| {
            ApiError::bad_request(
                "invalid_muted_until",
                "muted_until must be an RFC 3339 time, e.g. 2026-12-24T09:00:00Z",
            )
        })
}

fn view(conversation: &shared::domain::ConversationId, prefs: &RecipientPrefs) -> Response {
    http::json_response(
        200,
        &serde_json::json!({
            "conversation_id": conversation.encode(),
            "email": !prefs.email_off,
            "sms": !prefs.sms_off,
            "muted_until": prefs.muted_until,
        }),
    )
}
