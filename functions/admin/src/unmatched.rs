//! `GET /sms/unmatched` and `GET /email/unmatched`: inbound texts and email replies that
//! did not become messages (unknown numbers, revoked reply addresses, senders who may not
//! write there, refused by the mode, conversation closed), newest first. Admins only.

use serde::{Deserialize, Serialize};
use shared::domain::permissions::require_admin;
use shared::http::{self, Request, Response};
use shared::store::{InboundStore, SettingsStore};
use shared::{ApiError, App};

#[derive(Serialize, Deserialize)]
struct UnmatchedCursor {
    after: String,
}

pub async fn list<S: SettingsStore + InboundStore>(
    app: &App<S>,
    request: &Request,
    emails: bool,
) -> Result<Response, ApiError> {
    let principal = app.caller(request)?;
    require_admin(&principal)?;
    let limit = http::limit(request)?;
    let (kind, field) = if emails {
        ("email", "emails")
    } else {
        ("sms", "texts")
    };
    let scope = format!("{kind}-unmatched/{}", principal.tenant_id);
    let cursor = http::query_param(request, "cursor")
        .map(|c| app.cursors.open::<UnmatchedCursor>(&scope, &c))
        .transpose()?;
    let (texts, next) = app
        .store
        .unmatched(
            &principal.tenant_id,
            emails,
            cursor.as_ref().map(|c| c.after.as_str()),
            limit,
        )
        .await?;
    let next_cursor = next.map(|after| app.cursors.seal(&scope, &UnmatchedCursor { after }));
    Ok(http::json_response(
        200,
        &serde_json::json!({ field: texts, "next_cursor": next_cursor }),
    ))
}
