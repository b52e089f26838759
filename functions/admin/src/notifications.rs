//! `GET /notifications?conversation_id=`: a conversation's delivery records (recipient,
//! channel, address, status, attempts, the provider's message id), newest pass first.
//! Admins only.

use serde::{Deserialize, Serialize};
use shared::domain::permissions::require_admin;
use shared::domain::ConversationId;
use shared::http::{self, Request, Response};
use shared::store::{MessageStore, NotificationStore, SettingsStore};
use shared::{ApiError, App};

#[derive(Serialize, Deserialize)]
struct DeliveriesCursor {
    after: String,
}

pub async fn list<S: SettingsStore + MessageStore + NotificationStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let principal = app.caller(request)?;
    require_admin(&principal)?;
    let id = http::query_param(request, "conversation_id")
        .ok_or_else(|| ApiError::bad_request("missing_field", "conversation_id is required"))?;
    let conversation = ConversationId::decode(&id).ok_or(ApiError::NotFound)?;
    let limit = http::limit(request)?;
    let scope = format!("notifications/{}/{id}", principal.tenant_id);
    let cursor = http::query_param(request, "cursor")
        .map(|c| app.cursors.open::<DeliveriesCursor>(&scope, &c))
        .transpose()?;
    if app
        .store
        .conversation(&principal.tenant_id, &conversation)
        .await?
        .is_none()
    {
        return Err(ApiError::NotFound);
    }
    let (records, next) = app
        .store
        .deliveries(
            &principal.tenant_id,
            &conversation,
            cursor.as_ref().map(|c| c.after.as_str()),
            limit,
        )
        .await?;
    let next_cursor = next.map(|after| app.cursors.seal(&scope, &DeliveriesCursor { after }));
    Ok(http::json_response(
        200,
        &serde_json::json!({ "deliveries": records, "next_cursor": next_cursor }),
    ))
}
