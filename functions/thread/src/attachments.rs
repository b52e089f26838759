//! `GET /attachments/{id}`: whoever may read the conversation (admins included) is sent
//! to a presigned GET of the file valid a few minutes, always downloaded as an attachment
//! with its stored type (a browser never renders an upload inline). Unknown ids, files no
//! message took, and other tenants' or conversations' files are 404.

use shared::domain::ids::is_valid_id;
use shared::domain::permissions::Access;
use shared::files::file_key;
use shared::http::{self, Request, Response};
use shared::store::{DirectoryStore, MessageStore, SettingsStore, UploadStore};
use shared::{ApiError, App};

pub async fn download<S>(app: &App<S>, request: &Request) -> Result<Response, ApiError>
where
    S: MessageStore + SettingsStore + DirectoryStore + UploadStore,
{
    let principal = app.caller(request)?;
    let id = http::path_param(request, "id")
        .filter(|id| is_valid_id(id))
        .ok_or(ApiError::NotFound)?;
    let tenant = &principal.tenant_id;
    let upload = app
        .store
        .uploads(tenant, std::slice::from_ref(&id))
        .await?
        .pop()
        .filter(|upload| upload.message_id.is_some())
        .ok_or(ApiError::NotFound)?;
    app.open(&principal, upload.conversation.clone(), Access::Read)
        .await?;
    let link = app
        .files()?
        .download_link(
            &file_key(tenant, &upload.conversation, &upload.id),
            &upload.name,
            &upload.content_type,
        )
        .await?;
    Ok(http::redirect(&link))
}
