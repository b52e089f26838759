//! `GET /conversations/{id}/export?format=csv` (admins, the host application): a
//! conversation's whole history, oldest first, as a spreadsheet opens it: time, sender
//! type, id and name, type, text, attachment names, metadata, and who on the other side
//! had read each message. UTF-8 with a byte order mark; cells quoted per RFC 4180 and
//! neutralised against formulas.
//!
//! Lambda answers at most 6 MB: a history whose CSV is larger than [`MAX_EXPORT_BYTES`]
//! is written to the attachments bucket (under `exports/`, deleted after a day) and the
//! route answers 302 to a link valid minutes; never a file cut short. Without a bucket it
//! is refused with 413 `export_too_large`.

use shared::domain::csv::{self, BOM};
use shared::domain::permissions::{require_host_or_admin, Access};
use shared::domain::ConversationId;
use shared::http::{self, Request, Response};
use shared::store::readers::{read_by, read_frontiers};
use shared::store::{MessageStore, NotificationStore, SettingsStore};
use shared::{ApiError, App};

/// The CSV's limit: Lambda's 6 MB response less room for the headers and the envelope.
pub const MAX_EXPORT_BYTES: usize = 5_500_000;

const COLUMNS: [&str; 9] = [
    "time",
    "sender_type",
    "sender_id",
    "sender_name",
    "type",
    "text",
    "attachments",
    "metadata",
    "read_by",
];

pub async fn export<S>(app: &App<S>, request: &Request) -> Result<Response, ApiError>
where
    S: MessageStore + NotificationStore + SettingsStore,
{
    export_within(app, request, MAX_EXPORT_BYTES).await
}

/// The export, answered in the response up to `limit` bytes.
pub(crate) async fn export_within<S>(
    app: &App<S>,
    request: &Request,
    limit: usize,
) -> Result<Response, ApiError>
where
    S: MessageStore + NotificationStore + SettingsStore,
{
    let principal = app.caller(request)?;
    require_host_or_admin(&principal, "export a conversation")?;
    match http::query_param(request, "format").as_deref() {
        None | Some("csv") => {}
        Some(_) => return Err(ApiError::bad_request("invalid_field", "format must be csv")),
    }
    let conversation = http::path_param(request, "id")
        .and_then(|id| ConversationId::decode(&id))
        .ok_or(ApiError::NotFound)?;
    let tenant = &principal.tenant_id;
    app.check_mode(tenant, Access::Read).await?;
    let header = app
        .store
        .conversation(tenant, &conversation)
        .await?
        .ok_or(ApiError::NotFound)?;
    let messages = app.store.history(tenant, &conversation).await?;

    let frontiers = read_frontiers(&app.store, tenant, &header).await?;

    let mut out = String::from(BOM);
    out.push_str(&csv::row(&COLUMNS));
    for message in &messages {
        let read_by = read_by(&frontiers, message).join("; ");
        let attachments: Vec<&str> = message
            .attachments
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        let metadata = message
            .metadata
            .as_ref()
            .map(|m| m.to_string())
            .unwrap_or_default();
        out.push_str(&csv::row(&[
            &message.created_at,
            message.sender_type.as_str(),
            &message.sender_id,
            &message.sender_name,
            message.message_type.as_str(),
            &message.message,
            &attachments.join("; "),
            &metadata,
            &read_by,
        ]));
    }
    let name = match conversation.subject.order_id() {
        Some(order) => format!("order-{order}"),
        None => format!("{}-{}", conversation.customer_id, conversation.subject),
    };
    let name = format!("{}.csv", name.replace(['"', '\\', ':'], "_"));
    if out.len() > limit {
        let files = app
            .files
            .as_ref()
            .ok_or(ApiError::ExportTooLarge { limit })?;
        let key = format!(
            "exports/{tenant}/{}/{}.csv",
            conversation.encode(),
            ulid::Ulid::new()
        );
        let link = files
            .put_and_link(&key, &name, "text/csv; charset=utf-8", out.into_bytes())
            .await?;
        return Ok(http::redirect(&link));
    }
    Ok(lambda_http::Response::builder()
        .status(200)
        .header("content-type", "text/csv; charset=utf-8")
        .header(
            "content-disposition",
            format!("attachment; filename=\"{name}\""),
        )
        .body(lambda_http::Body::Text(out))
        .expect("a response from valid parts"))
}
