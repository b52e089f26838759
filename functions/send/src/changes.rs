//! `PATCH` and `DELETE /conversations/{id}/messages/{message_id}`: an author edits or
//! unsends their own message within the tenant's edit window; an admin (or the host)
//! deletes any message. `GET …/versions`: the earlier texts, for admins. Nothing here
//! moves a read position or a count, and nobody is notified.

use serde::Deserialize;
use shared::domain::edits::{check_change, Change, MAX_EDITS};
use shared::domain::ids::{MessageId, TenantId};
use shared::domain::permissions::{require_host_or_admin, Access};
use shared::domain::text::message_text;
use shared::domain::{format_timestamp, MessageType, Principal, Role};
use shared::files::{file_key, upload_key};
use shared::gate::{path_conversation, Opened};
use shared::http::{self, Request, Response};
use shared::store::{
    ChangeOutcome, Deletion, DirectoryStore, MessageChangeStore, MessageStore, SettingsStore,
    StoreError, StoredMessage,
};
use shared::{ApiError, App};

/// Reads and tries again after another change came first; more means a storm of edits.
const ATTEMPTS: u32 = 3;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EditRequest {
    message: String,
}

pub async fn edit<S>(app: &App<S>, request: &Request) -> Result<Response, ApiError>
where
    S: MessageStore + SettingsStore + DirectoryStore + MessageChangeStore,
{
    let principal = app.caller(request)?;
    let conversation = path_conversation(request)?;
    let message_id: MessageId = http::path_id(request, "message_id")?;
    let body: EditRequest = http::json_body(request)?;
    let text = message_text(&body.message)?;
    let opened = app.open(&principal, conversation, Access::Write).await?;
    let tenant = &principal.tenant_id;
    for _ in 0..ATTEMPTS {
        let stored = read(app, tenant, &opened, &message_id).await?;
        let message = &stored.message;
        if stored.closed {
            return Err(StoreError::Closed.into());
        }
        check_change(
            Change::Edit,
            message,
            &principal,
            &opened.settings,
            jiff::Timestamp::now(),
        )?;
        if text.is_empty() && message.message_type == MessageType::Text {
            return Err(ApiError::bad_request(
                "empty_message",
                "a text message needs text (delete it instead)",
            ));
        }
        if text == message.message {
            return Ok(http::json_response(200, message));
        }
        if stored.edits >= MAX_EDITS {
            return Err(ApiError::conflict(
                "too_many_edits",
                format!("a message can be edited {MAX_EDITS} times"),
            ));
        }
        let at = format_timestamp(jiff::Timestamp::now());
        let outcome = app
            .store
            .edit_message(tenant, &opened.conversation, &stored, &text, &at)
            .await?;
        if let ChangeOutcome::Changed(edited) = outcome {
            tracing::info!(message = %edited.id, "message edited");
            return Ok(http::json_response(200, &edited));
        }
    }
    Err(changed_meanwhile())
}

pub async fn delete<S>(app: &App<S>, request: &Request) -> Result<Response, ApiError>
where
    S: MessageStore + SettingsStore + DirectoryStore + MessageChangeStore,
{
    let principal = app.caller(request)?;
    let conversation = path_conversation(request)?;
    let message_id: MessageId = http::path_id(request, "message_id")?;
    // Moderation reads what it deletes, whatever the mode, a closing or observing allow.
    let moderating = matches!(principal.role, Role::Admin | Role::Service);
    let access = if moderating {
        Access::Read
    } else {
        Access::Write
    };
    let opened = app.open(&principal, conversation, access).await?;
    let tenant = &principal.tenant_id;
    for _ in 0..ATTEMPTS {
        let stored = read(app, tenant, &opened, &message_id).await?;
        if stored.message.changes.deleted {
            return Ok(http::json_response(200, &stored.message));
        }
        if stored.closed && !moderating {
            return Err(StoreError::Closed.into());
        }
        check_change(
            Change::Delete,
            &stored.message,
            &principal,
            &opened.settings,
            jiff::Timestamp::now(),
        )?;
        if let Some(deleted) = delete_stored(app, &principal, &opened, &stored).await? {
            return Ok(http::json_response(200, &deleted));
        }
    }
    Err(changed_meanwhile())
}

/// The files go first: a deletion that fails after them is retried and finds the
/// message as it was, while one that stored the placeholder first would lose where its
/// files are.
async fn delete_stored<S: MessageChangeStore>(
    app: &App<S>,
    principal: &Principal,
    opened: &Opened,
    stored: &StoredMessage,
) -> Result<Option<shared::domain::Message>, ApiError> {
    let (tenant, conversation) = (&principal.tenant_id, &opened.conversation);
    let files: Vec<String> = stored
        .message
        .attachments
        .iter()
        .flat_map(|a| {
            [
                file_key(tenant, conversation, &a.id),
                upload_key(tenant, conversation, &a.id),
            ]
        })
        .collect();
    if !files.is_empty() {
        app.files()?.delete(&files).await?;
    }
    let at = format_timestamp(jiff::Timestamp::now());
    let deletion = Deletion {
        by: &principal.user_id,
        at: &at,
        sender_name: None,
    };
    match app
        .store
        .delete_message(tenant, conversation, stored, &deletion)
        .await?
    {
        ChangeOutcome::Changed(deleted) => {
            tracing::info!(message = %deleted.id, files = files.len(), "message deleted");
            Ok(Some(*deleted))
        }
        ChangeOutcome::Stale => Ok(None),
    }
}

pub async fn versions<S>(app: &App<S>, request: &Request) -> Result<Response, ApiError>
where
    S: MessageStore + SettingsStore + DirectoryStore + MessageChangeStore,
{
    let principal = app.caller(request)?;
    let conversation = path_conversation(request)?;
    let message_id: MessageId = http::path_id(request, "message_id")?;
    require_host_or_admin(&principal, "read a message's earlier versions")?;
    let opened = app.open(&principal, conversation, Access::Read).await?;
    let tenant = &principal.tenant_id;
    let stored = read(app, tenant, &opened, &message_id).await?;
    let versions = app
        .store
        .message_versions(
            &principal.tenant_id,
            &opened.conversation,
            Some(&message_id),
        )
        .await?;
    Ok(http::json_response(
        200,
        &serde_json::json!({ "message": stored.message, "versions": versions }),
    ))
}

async fn read<S: MessageChangeStore>(
    app: &App<S>,
    tenant: &TenantId,
    opened: &Opened,
    message_id: &MessageId,
) -> Result<StoredMessage, ApiError> {
    app.store
        .stored_message(tenant, &opened.conversation, message_id)
        .await?
        .ok_or(ApiError::NotFound)
}

fn changed_meanwhile() -> ApiError {
    ApiError::conflict(
        "message_changed",
        "the message kept changing while this request ran; try again",
    )
}
