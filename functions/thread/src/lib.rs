//! `GET /messages/customer/{customer_id}` (`patient_id` for a patient thread) and
//! `GET /conversations/{id}/messages`: a thread, newest first, with its header.
//!
//! The first page is one Query that returns the header with the newest messages, beside
//! one GetItem of the caller's read position. Later pages carry what the first
//! established (the caller's position and both sides' receipt frontiers, a few hundred
//! bytes) in a signed cursor, so they are one Query. Viewing never marks anything read.
//!
//! Admins and the host application may ask for `read_by=true`: each message then names
//! who on the other side has read it (a few more requests a page, however many people:
//! see [`shared::store::readers`]).
//!
//! Also `GET /attachments/{id}`: a download link, and `GET /jobs/{job_id}` ([`jobs`]).

use serde::{Deserialize, Serialize};
use shared::domain::message::{ReadPosition, ViewerReadState};
use shared::domain::permissions::{Access, ConversationTarget};
use shared::domain::Named;
use shared::domain::{ConversationId, Message, Principal, Role, Side};
use shared::http::{self, Request, Response};
use shared::store::readers::{contact_frontiers, read_by, read_frontiers, ReadFrontier};
use shared::store::{
    ConversationHeader, DirectoryStore, JobStore, MessageStore, NotificationStore, Reader,
    SettingsStore, UploadStore,
};

mod attachments;
mod jobs;

use shared::{ApiError, App};

#[derive(Serialize, Deserialize)]
struct ThreadCursor {
    /// The oldest message already shown.
    before: String,
    read: ViewerReadState,
}

pub async fn handle<S>(app: &App<S>, request: Request) -> Response
where
    S: MessageStore + SettingsStore + DirectoryStore + NotificationStore + UploadStore + JobStore,
{
    let result = match http::route_key(&request).as_deref() {
        Some("GET /attachments/{id}") => attachments::download(app, &request).await,
        Some("GET /jobs/{job_id}") => jobs::get(app, &request).await,
        _ => thread(app, &request).await,
    };
    http::respond(result)
}

/// Whose reading `read_by` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Readers {
    /// Admins and the host: everyone on the other side from each message's sender.
    Everyone,
    /// Staff: the account's contacts, on staff messages (their receipts, by name).
    Contacts,
}

/// Whether the caller asked for each message's readers, and whose they may see.
fn wants_read_by(request: &Request, principal: &Principal) -> Result<Option<Readers>, ApiError> {
    match http::query_param(request, "read_by").as_deref() {
        None | Some("false") => Ok(None),
        Some("true") => match principal.role {
            Role::Admin | Role::Service => Ok(Some(Readers::Everyone)),
            Role::Staff | Role::BasicStaff => Ok(Some(Readers::Contacts)),
            Role::Customer => Err(ApiError::forbidden(
                "forbidden",
                "read_by is for staff, admins and the host application",
            )),
        },
        Some(_) => Err(ApiError::bad_request(
            "invalid_filter",
            "read_by must be true or false",
        )),
    }
}

async fn thread<S: MessageStore + SettingsStore + DirectoryStore + NotificationStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let principal = app.caller(request)?;
    let target = target_of(request)?;
    let conversation = target.resolve(&principal)?;
    let limit = http::limit(request)?;
    let with_read_by = wants_read_by(request, &principal)?;
    let scope = cursor_scope(&principal, &conversation);
    let cursor = http::query_param(request, "cursor")
        .map(|c| app.cursors.open::<ThreadCursor>(&scope, &c))
        .transpose()?;
    let opened = app.open(&principal, conversation, Access::Read).await?;
    let (conversation, settings) = (opened.conversation, opened.settings);

    let side = principal.side();
    let viewer = Reader {
        side,
        user_id: principal.user_id.to_string(),
    };
    // Later pages take the read state from the cursor, so they read no position.
    let page = app
        .store
        .thread_page(
            &principal.tenant_id,
            &conversation,
            cursor.as_ref().map(|c| c.before.as_str()),
            limit,
            cursor.is_none().then_some(&viewer),
        )
        .await?;
    let read = match (&cursor, &page.header) {
        (Some(cursor), _) => cursor.read.clone(),
        (None, Some(header)) => read_state(header, &viewer, page.position.as_ref()),
        // A thread that has not started: empty when named by customer, unknown by id.
        (None, None) if target.conversation_id.is_some() => return Err(ApiError::NotFound),
        (None, None) => ViewerReadState::default(),
    };
    let frontiers = match with_read_by {
        Some(readers) => Some(
            frontiers_of(
                app,
                &principal.tenant_id,
                (&conversation, page.header.as_ref()),
                readers,
            )
            .await?,
        ),
        None => None,
    };
    let messages = message_views(page.messages, &read, side, frontiers.as_deref());
    let next_cursor = match (
        page.has_more,
        messages.last().and_then(|m| m["id"].as_str()),
    ) {
        (true, Some(oldest)) => Some(app.cursors.seal(
            &scope,
            &ThreadCursor {
                before: oldest.to_owned(),
                read,
            },
        )),
        _ => None,
    };
    Ok(http::json_response(
        200,
        &serde_json::json!({
            "conversation": page
                .header
                .map(|h| h.view(side, &principal.user_id, page.position.as_ref())),
            "messages": messages,
            "next_cursor": next_cursor,
            "mode": settings.mode,
            "limits": {
                "edit_window_minutes": settings.edit_window_minutes,
                "max_attachment_mb": settings.max_attachment_mb,
                "max_attachments": settings.max_attachments,
            },
            "readers": frontiers.as_deref().map(reader_names),
        }),
    ))
}

/// The conversation the path names: by id, or a customer's general or patient thread.
fn target_of(request: &Request) -> Result<ConversationTarget, ApiError> {
    Ok(match http::path_param(request, "id") {
        Some(id) => ConversationTarget::by_id(id),
        None => ConversationTarget {
            customer_id: Some(http::path_param(request, "customer_id").ok_or(ApiError::NotFound)?),
            patient_id: http::query_param(request, "patient_id"),
            conversation_id: None,
        },
    })
}

/// How far each person has read, for `read_by` (the header a later page did not read,
/// read now).
async fn frontiers_of<S: MessageStore + NotificationStore>(
    app: &App<S>,
    tenant: &shared::domain::ids::TenantId,
    (conversation, header): (&ConversationId, Option<&ConversationHeader>),
    readers: Readers,
) -> Result<Vec<ReadFrontier>, ApiError> {
    let header = match header {
        Some(header) => header.clone(),
        None => app
            .store
            .conversation(tenant, conversation)
            .await?
            .ok_or(ApiError::NotFound)?,
    };
    // Boxed: the directory reads are large futures, and most pages ask for none.
    let read = match readers {
        Readers::Everyone => Box::pin(read_frontiers(&app.store, tenant, &header)).await?,
        Readers::Contacts => Box::pin(contact_frontiers(&app.store, tenant, &header)).await?,
    };
    Ok(read)
}

/// The name of each person `read_by` may name, so that a receipt reads "Read by Casey"
/// for callers who may not read the directory (vendors in an order).
fn reader_names(frontiers: &[ReadFrontier]) -> serde_json::Map<String, serde_json::Value> {
    frontiers
        .iter()
        .map(|f| (f.user_id.clone(), f.name.clone().into()))
        .collect()
}

/// Each message as the viewer sees it, with who has read it when that was asked for.
fn message_views(
    messages: Vec<Message>,
    read: &ViewerReadState,
    side: Side,
    frontiers: Option<&[ReadFrontier]>,
) -> Vec<serde_json::Value> {
    messages
        .into_iter()
        .map(|m| {
            let readers = frontiers.map(|frontiers| read_by(frontiers, &m));
            let mut view = serde_json::to_value(read.view(m, side)).unwrap_or_default();
            if let Some(readers) = readers {
                view["read_by"] = serde_json::json!(readers);
            }
            view
        })
        .collect()
}

/// The viewer's own position (stored or implied by their last message) and both sides'
/// receipt frontiers.
fn read_state(
    header: &ConversationHeader,
    viewer: &Reader,
    stored: Option<&ReadPosition>,
) -> ViewerReadState {
    let frontier = |side: Side| {
        let state = header.side(side);
        state.read_up_to.clone().zip(state.read_at.clone())
    };
    ViewerReadState {
        own: header
            .position_of(viewer.side, &viewer.user_id, stored)
            .map(|p| (p.up_to, p.at)),
        customer_side: frontier(Side::Customer),
        staff_side: frontier(Side::Staff),
    }
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
