//! `GET /conversations/{id}/export?format=csv|pdf` (admins, the host application), a
//! function of its own: sized for the CPU a long history takes to write (see the
//! template), which the thread function's frequent small reads should not pay for. A
//! conversation's whole history, oldest first: as a spreadsheet opens it ([`csv`]), or as
//! a document to read, print or archive ([`pdf`]). `format` is `csv` when absent; any
//! other value is refused with 400 `invalid_format`.
//!
//! Lambda answers at most 6 MB of JSON, in which a CSV is a string whose every `"` and
//! line break is escaped again, and a PDF is base64: an export whose response would pass
//! [`MAX_EXPORT_BYTES`] is written to the attachments bucket (under `exports/`, deleted
//! after a day) and the route answers 302 to a link valid minutes; never a file cut short.
//! Without a bucket it is refused with 413 `export_too_large`. The history is read a page
//! at a time and written in parts as it is read ([`spool`]), so memory stays bounded
//! however long it is.

use shared::domain::permissions::{require_host_or_admin, Access};
use shared::domain::{ConversationId, Message};
use shared::files::names::content_disposition;
use shared::http::{self, Request, Response};
use shared::store::readers::{audience, frontiers_of};
use shared::store::{
    versions_by_message, DirectoryStore, MessageChangeStore, MessageStore, NotificationStore,
    SettingsStore,
};
use shared::{ApiError, App};

pub mod csv;
mod format;
pub mod pdf;
mod spool;

pub use format::Format;
use format::Writer;
use spool::{Spool, Spooled};

/// The most an answered export may be as Lambda's JSON response body: 6 MB
/// (6,291,556 bytes) less room for the headers and the envelope.
pub const MAX_EXPORT_BYTES: usize = 5_500_000;

pub async fn handle<S>(app: &App<S>, request: Request) -> Response
where
    S: MessageStore + NotificationStore + SettingsStore + DirectoryStore + MessageChangeStore,
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
    S: MessageStore + NotificationStore + SettingsStore + DirectoryStore + MessageChangeStore,
{
    let principal = app.caller(request)?;
    require_host_or_admin(&principal, "export a conversation")?;
    let format = Format::of(request)?;
    let conversation = shared::gate::path_conversation(request)?;
    let tenant = &principal.tenant_id;
    let opened = app.open(&principal, conversation, Access::Read).await?;
    let conversation = opened.conversation;
    let header = app
        .store
        .conversation(tenant, &conversation)
        .await?
        .ok_or(ApiError::NotFound)?;
    let audience = audience(&app.store, tenant, &header).await?;
    let mut writer = match format {
        Format::Csv => Writer::Csv(frontiers_of(&app.store, tenant, &header, &audience).await?),
        Format::Pdf => Writer::Pdf(Box::new(pdf::PdfExport::of(
            &header,
            &audience,
            &opened.settings,
        ))),
    };
    let key = format!(
        "exports/{tenant}/{}/{}.{}",
        conversation.encode(),
        ulid::Ulid::new(),
        format.extension()
    );
    let mut spool = Spool::new(
        limit,
        app.files.as_ref(),
        key,
        (format.content_type(), format.encoding()),
    );
    if let Err(err) = write_history(app, tenant, &conversation, &mut writer, &mut spool).await {
        spool.abort().await;
        return Err(err);
    }
    answer(app, spool, format, &file_name(&conversation, format)).await
}

/// The file in the response, or a link to it in the bucket.
async fn answer<S>(
    app: &App<S>,
    spool: Spool<'_>,
    format: Format,
    name: &str,
) -> Result<Response, ApiError> {
    let parts = spool.parts();
    let content_type = format.content_type();
    match spool.finish().await? {
        Spooled::Inline(bytes) => {
            let body = match format {
                Format::Csv => lambda_http::Body::Text(
                    String::from_utf8(bytes).map_err(|e| ApiError::Internal(e.to_string()))?,
                ),
                Format::Pdf => lambda_http::Body::Binary(bytes),
            };
            Ok(lambda_http::Response::builder()
                .status(200)
                .header("content-type", content_type)
                .header("content-disposition", content_disposition(name))
                .body(body)
                .expect("a response from valid parts"))
        }
        Spooled::Stored(key) => {
            tracing::info!(%key, parts, "export handed over through the bucket");
            let link = app.files()?.download_link(&key, name, content_type).await?;
            Ok(http::redirect(&link))
        }
    }
}

/// The file, a history page at a time (one Query each, and one more for the earlier
/// versions of a page with edited messages), into the spool.
async fn write_history<S: MessageStore + MessageChangeStore>(
    app: &App<S>,
    tenant: &shared::domain::ids::TenantId,
    conversation: &ConversationId,
    writer: &mut Writer,
    spool: &mut Spool<'_>,
) -> Result<(), ApiError> {
    spool.push(&writer.start())?;
    let mut after: Option<String> = None;
    loop {
        let page = app
            .store
            .history_page(tenant, conversation, after.as_deref())
            .await?;
        let shown: Vec<&Message> = page.messages.iter().collect();
        let mut versions = versions_by_message(&app.store, tenant, conversation, &shown).await?;
        for message in &page.messages {
            let mine = versions.remove(&message.id).unwrap_or_default();
            spool.push(&writer.message(message, &mine))?;
        }
        spool.page_done().await?;
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let rest = std::mem::replace(writer, Writer::Csv(Vec::new())).finish();
    spool.push(&rest)
}

fn file_name(conversation: &ConversationId, format: Format) -> String {
    let name = match conversation.subject.order_id() {
        Some(order) => format!("order-{order}"),
        None => format!("{}-{}", conversation.customer_id, conversation.subject),
    };
    format!(
        "{}.{}",
        name.replace(['"', '\\', ':'], "_"),
        format.extension()
    )
}

#[cfg(test)]
mod tests;
