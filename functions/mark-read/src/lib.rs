//! A person's own state in a conversation, kept on their read position item:
//! - `POST /messages/read` moves the caller's read position forward, never back, to
//!   `up_to` or the newest message, and returns the caller's unread count that follows.
//!   Admins monitor: their call changes nothing and reports the state as it is.
//! - `GET`/`PUT /conversations/{id}/preferences`: the caller's email and SMS
//!   notifications for the conversation, and a mute ([`preferences`]).
//! - `GET`/`POST /unsubscribe/{token}`: a digest's one-click unsubscribe (RFC 8058), with
//!   no login ([`unsubscribe`]).

use serde::Deserialize;
use shared::domain::permissions::{tracks_read_state, Access, ConversationTarget};
use shared::http::{self, Request, Response};
use shared::store::{DirectoryStore, MessageStore, Reader, ReplyStore, SettingsStore};
use shared::{ApiError, App};

mod preferences;
mod unsubscribe;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MarkReadRequest {
    #[serde(flatten)]
    target: ConversationTarget,
    /// A message id; absent means the newest message.
    up_to: Option<String>,
}

pub async fn handle<S: MessageStore + SettingsStore + DirectoryStore + ReplyStore>(
    app: &App<S>,
    request: Request,
) -> Response {
    http::respond(match http::route_key(&request).as_deref() {
        Some("GET /conversations/{id}/preferences") => preferences::get(app, &request).await,
        Some("PUT /conversations/{id}/preferences") => preferences::put(app, &request).await,
        Some("GET /unsubscribe/{token}") => unsubscribe::page(app, &request).await,
        Some("POST /unsubscribe/{token}") => unsubscribe::one_click(app, &request).await,
        _ => mark_read(app, &request).await,
    })
}

async fn mark_read<S: MessageStore + SettingsStore + DirectoryStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let principal = app.caller(request)?;
    let body: MarkReadRequest = http::json_body(request)?;
    let conversation = body.target.resolve(&principal)?;
    if let Some(up_to) = &body.up_to {
        if ulid::Ulid::from_string(up_to).is_err() {
            return Err(ApiError::bad_request(
                "invalid_up_to",
                "up_to must be a message id",
            ));
        }
    }
    let conversation = app
        .open(&principal, conversation, Access::Read)
        .await?
        .conversation;

    let side = principal.side();
    let reader = Reader::of(&principal);
    let (header, position) = if tracks_read_state(&principal) {
        app.store
            .mark_read(
                &principal.tenant_id,
                &conversation,
                &reader,
                body.up_to.as_deref(),
            )
            .await?
    } else {
        let header = app
            .store
            .conversation(&principal.tenant_id, &conversation)
            .await?
            .ok_or(ApiError::NotFound)?;
        (header, None)
    };
    Ok(http::json_response(
        200,
        &serde_json::json!({
            "conversation_id": conversation.encode(),
            "read_up_to": header
                .position_of(side, &principal.user_id, position.as_ref())
                .map(|p| p.up_to),
            "unread_count": header.unread_for(side, &principal.user_id, position.as_ref()),
        }),
    ))
}

#[cfg(test)]
mod tests;
