//! `GET /conversations/{id}/export?format=csv` (admins, the host application), a function
//! of its own: sized for the CPU a long history takes to write (see the template), which
//! the thread function's frequent small reads should not pay for. A
//! conversation's whole history, oldest first, as a spreadsheet opens it: time, sender
//! type, id and name, type, text, attachment names, metadata, and who on the other side
//! had read each message. UTF-8 with a byte order mark; cells quoted per RFC 4180 and
//! neutralised against formulas.
//!
//! Lambda answers at most 6 MB of JSON, in which the CSV is a string whose every `"` and
//! line break is escaped again: an export whose response would pass [`MAX_EXPORT_BYTES`]
//! is written to the attachments bucket (under `exports/`, deleted after a day) and the
//! route answers 302 to a link valid minutes; never a file cut short. Without a bucket it
//! is refused with 413 `export_too_large`. The history is read a page at a time and
//! written in parts as it is read ([`spool`]), so memory stays bounded however long it is.

use shared::domain::csv::{self, BOM};
use shared::domain::permissions::{require_host_or_admin, Access};
use shared::domain::Named;
use shared::domain::{ConversationId, Message};
use shared::files::names::content_disposition;
use shared::http::{self, Request, Response};
use shared::store::readers::{read_by, read_frontiers, ReadFrontier};
use shared::store::{DirectoryStore, MessageStore, NotificationStore, SettingsStore};
use shared::{ApiError, App};

mod spool;

use spool::{Spool, Spooled, CONTENT_TYPE};

/// The most an answered export may be as Lambda's JSON response body: 6 MB
/// (6,291,556 bytes) less room for the headers and the envelope.
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

pub async fn handle<S>(app: &App<S>, request: Request) -> Response
where
    S: MessageStore + NotificationStore + SettingsStore + DirectoryStore,
{
    http::respond(export_within(app, &request, MAX_EXPORT_BYTES).await)
}

/// The export, answered in the response while that is at most `limit` bytes.
pub(crate) async fn export_within<S>(
    app: &App<S>,
    request: &Request,
    limit: usize,
) -> Result<Response, ApiError>
where
    S: MessageStore + NotificationStore + SettingsStore + DirectoryStore,
{
    let principal = app.caller(request)?;
    require_host_or_admin(&principal, "export a conversation")?;
    match http::query_param(request, "format").as_deref() {
        None | Some("csv") => {}
        Some(_) => return Err(ApiError::bad_request("invalid_field", "format must be csv")),
    }
    let conversation = shared::gate::path_conversation(request)?;
    let tenant = &principal.tenant_id;
    let conversation = app
        .open(&principal, conversation, Access::Read)
        .await?
        .conversation;
    let header = app
        .store
        .conversation(tenant, &conversation)
        .await?
        .ok_or(ApiError::NotFound)?;
    let frontiers = read_frontiers(&app.store, tenant, &header).await?;

    let key = format!(
        "exports/{tenant}/{}/{}.csv",
        conversation.encode(),
        ulid::Ulid::new()
    );
    let mut spool = Spool::new(limit, app.files.as_ref(), key);
    if let Err(err) = write_history(app, tenant, &conversation, &frontiers, &mut spool).await {
        spool.abort().await;
        return Err(err);
    }
    let parts = spool.parts();
    let name = file_name(&conversation);
    match spool.finish().await? {
        Spooled::Inline(csv) => Ok(lambda_http::Response::builder()
            .status(200)
            .header("content-type", CONTENT_TYPE)
            .header("content-disposition", content_disposition(&name))
            .body(lambda_http::Body::Text(csv))
            .expect("a response from valid parts")),
        Spooled::Stored(key) => {
            tracing::info!(%key, parts, "export handed over through the bucket");
            let link = app
                .files()?
                .download_link(&key, &name, CONTENT_TYPE)
                .await?;
            Ok(http::redirect(&link))
        }
    }
}

/// The CSV, a history page at a time (one Query each), into the spool.
async fn write_history<S: MessageStore>(
    app: &App<S>,
    tenant: &shared::domain::ids::TenantId,
    conversation: &ConversationId,
    frontiers: &[ReadFrontier],
    spool: &mut Spool<'_>,
) -> Result<(), ApiError> {
    spool.push(&format!("{BOM}{}", csv::row(&COLUMNS)))?;
    let mut after: Option<String> = None;
    loop {
        let page = app
            .store
            .history_page(tenant, conversation, after.as_deref())
            .await?;
        for message in &page.messages {
            spool.push(&record(frontiers, message))?;
        }
        spool.page_done().await?;
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(()),
        }
    }
}

fn record(frontiers: &[ReadFrontier], message: &Message) -> String {
    let read_by = read_by(frontiers, message).join("; ");
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
    csv::row(&[
        &message.created_at,
        message.sender_type.as_str(),
        &message.sender_id,
        &message.sender_name,
        message.message_type.as_str(),
        &message.message,
        &attachments.join("; "),
        &metadata,
        &read_by,
    ])
}

fn file_name(conversation: &ConversationId) -> String {
    let name = match conversation.subject.order_id() {
        Some(order) => format!("order-{order}"),
        None => format!("{}-{}", conversation.customer_id, conversation.subject),
    };
    format!("{}.csv", name.replace(['"', '\\', ':'], "_"))
}

#[cfg(test)]
mod tests;
