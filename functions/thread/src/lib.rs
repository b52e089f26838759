//! `GET /messages/customer/{customer_id}` (`patient_id` for a patient thread) and
//! `GET /conversations/{id}/messages`: a thread, newest first, with its header.
//!
//! The first page is one Query that returns the header with the newest messages. Later
//! pages carry what the first established (the caller's and the other side's read
//! positions) in a signed cursor, so they too are one Query. Viewing never marks
//! anything read.

use serde::{Deserialize, Serialize};
use shared::domain::message::{MessageView, ViewerReadState};
use shared::domain::permissions::{resolve_conversation, Access};
use shared::domain::{ConversationId, Principal};
use shared::http::{self, Request, Response};
use shared::store::{DirectoryStore, MessageStore, SettingsStore};
use shared::{ApiError, App};

#[derive(Serialize, Deserialize)]
struct ThreadCursor {
    /// The oldest message already shown.
    before: String,
    read: ViewerReadState,
}

pub async fn handle<S: MessageStore + SettingsStore + DirectoryStore>(
    app: &App<S>,
    request: Request,
) -> Response {
    http::respond(thread(app, &request).await)
}

async fn thread<S: MessageStore + SettingsStore + DirectoryStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let principal = app.caller(request)?;
    let by_id = http::path_param(request, "id");
    let conversation = match &by_id {
        Some(id) => resolve_conversation(&principal, Some(id), None, None)?,
        None => {
            let customer = http::path_param(request, "customer_id").ok_or(ApiError::NotFound)?;
            let patient = http::query_param(request, "patient_id");
            resolve_conversation(&principal, None, Some(&customer), patient.as_deref())?
        }
    };
    let limit = http::limit(request)?;
    let scope = cursor_scope(&principal, &conversation);
    let cursor = http::query_param(request, "cursor")
        .map(|c| app.cursors.open::<ThreadCursor>(&scope, &c))
        .transpose()?;
    app.open_conversation(&principal, &conversation, Access::Read)
        .await?;

    let page = app
        .store
        .thread_page(
            &principal.tenant_id,
            &conversation,
            cursor.as_ref().map(|c| c.before.as_str()),
            limit,
        )
        .await?;
    let side = principal.side();
    let read = match (&cursor, &page.header) {
        (Some(cursor), _) => cursor.read.clone(),
        (None, Some(header)) => {
            ViewerReadState::from_marks(&header.readers, &principal.user_id, side)
        }
        // A thread that has not started: empty when named by customer, unknown by id.
        (None, None) if by_id.is_some() => return Err(ApiError::NotFound),
        (None, None) => ViewerReadState::default(),
    };
    let messages: Vec<MessageView> = page
        .messages
        .into_iter()
        .map(|m| read.view(m, side))
        .collect();
    let next_cursor = match (page.has_more, messages.last()) {
        (true, Some(oldest)) => Some(app.cursors.seal(
            &scope,
            &ThreadCursor {
                before: oldest.message.id.clone(),
                read,
            },
        )),
        _ => None,
    };
    Ok(http::json_response(
        200,
        &serde_json::json!({
            "conversation": page.header.map(|h| h.view(side, &principal.user_id)),
            "messages": messages,
            "next_cursor": next_cursor,
        }),
    ))
}

/// A cursor belongs to one caller's view of one conversation in one tenant.
fn cursor_scope(principal: &Principal, conversation: &ConversationId) -> String {
    format!(
        "thread/{}/{}/{}/{}",
        principal.tenant_id,
        conversation.encode(),
        principal.role.as_str(),
        principal.user_id
    )
}

#[cfg(test)]
mod tests;
