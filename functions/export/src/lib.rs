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
use shared::domain::{ConversationId, Message, Settings};
use shared::files::names::content_disposition;
use shared::http::{self, Request, Response};
use shared::store::readers::{audience, frontiers_of, ReadFrontier};
use shared::store::{ConversationHeader, DirectoryStore, MessageStore, NotificationStore, SettingsStore};
use shared::{ApiError, App};

pub mod csv;
pub mod pdf;
mod spool;

use spool::{Encoding, Spool, Spooled};

/// The most an answered export may be as Lambda's JSON response body: 6 MB
/// (6,291,556 bytes) less room for the headers and the envelope.
pub const MAX_EXPORT_BYTES: usize = 5_500_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Pdf,
}

impl Format {
    fn of(request: &Request) -> Result<Format, ApiError> {
        match http::query_param(request, "format").as_deref() {
            None | Some("csv") => Ok(Format::Csv),
            Some("pdf") => Ok(Format::Pdf),
            Some(_) => Err(ApiError::bad_request(
                "invalid_format",
                "format must be csv or pdf",
            )),
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Pdf => "pdf",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Csv => csv::CONTENT_TYPE,
            Format::Pdf => pdf::CONTENT_TYPE,
        }
    }

    fn encoding(self) -> Encoding {
        match self {
            Format::Csv => Encoding::Text,
            Format::Pdf => Encoding::Binary,
        }
    }
}

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
    let frontiers = frontiers_of(&app.store, tenant, &header, &audience).await?;

    let key = format!(
        "exports/{tenant}/{}/{}.{}",
        conversation.encode(),
        ulid::Ulid::new(),
        format.extension()
    );
    let content_type = format.content_type();
    let mut spool = Spool::new(
        limit,
        app.files.as_ref(),
        key,
        (content_type, format.encoding()),
    );
    let mut writer = match format {
        Format::Csv => Writer::Csv(frontiers),
        Format::Pdf => Writer::Pdf(Box::new(pdf_export(&header, &audience, &opened.settings))),
    };
    if let Err(err) = write_history(app, tenant, &conversation, &mut writer, &mut spool).await {
        spool.abort().await;
        return Err(err);
    }
    let parts = spool.parts();
    let name = file_name(&conversation, format);
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
                .header("content-disposition", content_disposition(&name))
                .body(body)
                .expect("a response from valid parts"))
        }
        Spooled::Stored(key) => {
            tracing::info!(%key, parts, "export handed over through the bucket");
            let link = app
                .files()?
                .download_link(&key, &name, content_type)
                .await?;
            Ok(http::redirect(&link))
        }
    }
}

/// What turns messages into the file's bytes.
enum Writer {
    /// Who has read how far, for each record's `read_by`.
    Csv(Vec<ReadFrontier>),
    Pdf(Box<pdf::PdfExport>),
}

impl Writer {
    fn start(&mut self) -> Vec<u8> {
        match self {
            Writer::Csv(_) => csv::head().into_bytes(),
            Writer::Pdf(pdf) => pdf.take(),
        }
    }

    fn message(&mut self, message: &Message) -> Vec<u8> {
        match self {
            Writer::Csv(frontiers) => csv::record(frontiers, message).into_bytes(),
            Writer::Pdf(pdf) => {
                pdf.message(message);
                pdf.take()
            }
        }
    }

    fn finish(self) -> Vec<u8> {
        match self {
            Writer::Csv(_) => Vec::new(),
            Writer::Pdf(pdf) => pdf.finish(),
        }
    }
}

fn pdf_export(header: &ConversationHeader, audience: &shared::store::readers::Audience, settings: &Settings) -> pdf::PdfExport {
    let id = &header.id;
    let (title, subtitle) = match id.subject.order_id() {
        Some(order) => (
            header.title.clone().unwrap_or_else(|| format!("Order {order}")),
            format!("Order {order} · account {}", id.customer_id),
        ),
        None => (
            header
                .title
                .clone()
                .unwrap_or_else(|| format!("Conversation {}", id.subject)),
            format!("Account {} · {}", id.customer_id, id.subject),
        ),
    };
    let cover = pdf::Cover {
        title: &title,
        subtitle: &subtitle,
        audience,
        messages: header.message_count,
    };
    pdf::PdfExport::new(&cover, &settings.timezone)
}

/// The file, a history page at a time (one Query each), into the spool.
async fn write_history<S: MessageStore>(
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
        for message in &page.messages {
            spool.push(&writer.message(message))?;
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
