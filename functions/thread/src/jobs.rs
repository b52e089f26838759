//! `GET /jobs/{job_id}` (admins, the host application): a job on a person's data (see
//! `functions/admin`'s `person` and `functions/jobs`), its status and counts, and for a
//! finished export a link valid five minutes. Here because this function hands out files.

use serde_json::{json, Value};
use shared::domain::jobs::JobStatus;
use shared::domain::permissions::require_host_or_admin;
use shared::http::{self, Request, Response};
use shared::store::{JobStore, SettingsStore};
use shared::{ApiError, App};

pub async fn get<S: SettingsStore + JobStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let principal = app.caller(request)?;
    require_host_or_admin(&principal, "export or erase a person's data")?;
    let job_id: String = http::path_id(request, "job_id")?;
    let job = app
        .store
        .job(&principal.tenant_id, &job_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let mut view = job.view();
    if let (JobStatus::Done, Some(key)) = (job.status, &job.export_key) {
        let name = format!("person-data-{}.json", job.job_id);
        let link = app
            .files()?
            .download_link(key, &name, "application/json")
            .await?;
        view["download_url"] = Value::String(link);
        view["download_expires_in"] = json!(shared::files::DOWNLOAD_EXPIRY.as_secs());
    }
    Ok(http::json_response(200, &view))
}
