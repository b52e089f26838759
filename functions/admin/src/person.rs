//! A person's data, for admins and the host application (who keep the directory):
//!
//! - `POST /customers/{customer_id}/contacts/{contact_id}/export`: starts a job that
//!   writes everything held about the contact as one JSON document to the files bucket
//!   (202 with the job).
//! - `POST /customers/{customer_id}/contacts/{contact_id}/erase` and
//!   `POST /staff/{user_id}/erase`: starts the person's erasure (202), or answers the one
//!   already started (200, running or finished): a person is erased once. Someone
//!   erased and written into the directory again since is a new person to erase.
//!
//! `GET /jobs/{job_id}` (a job's status, and a finished export's link) is the thread
//! function's, which hands out files: this function links no S3 client.
//!
//! The jobs run on the scheduled `jobs` function (`functions/jobs`), a step at a time.

use shared::domain::ids::{CustomerId, UserId};
use shared::domain::jobs::{Job, JobKind, JobStatus, Person};
use shared::domain::permissions::require_host_or_admin;
use shared::domain::{now_rfc3339, Principal};
use shared::http::{self, Request, Response};
use shared::store::{DirectoryStore, JobStart, JobStore, SettingsStore};
use shared::{ApiError, App};

/// The caller, if they may handle people's data.
fn keeper<S: SettingsStore>(app: &App<S>, request: &Request) -> Result<Principal, ApiError> {
    let principal = app.caller(request)?;
    require_host_or_admin(&principal, "export or erase a person's data")?;
    Ok(principal)
}

fn contact_person(request: &Request) -> Result<(CustomerId, UserId, Person), ApiError> {
    let customer: CustomerId = http::path_id(request, "customer_id")?;
    let contact: UserId = http::path_id(request, "contact_id")?;
    let person = Person::Contact {
        customer_id: customer.to_string(),
        contact_id: contact.to_string(),
    };
    Ok((customer, contact, person))
}

fn new_job(kind: JobKind, person: Person, principal: &Principal) -> Job {
    Job::new(
        ulid::Ulid::new().to_string(),
        kind,
        person,
        &principal.user_id,
        &now_rfc3339(),
    )
}

pub async fn export_contact<S: SettingsStore + DirectoryStore + JobStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let principal = keeper(app, request)?;
    let (customer, contact, person) = contact_person(request)?;
    let tenant = &principal.tenant_id;
    if app
        .store
        .contact(tenant, &customer, &contact)
        .await?
        .is_none()
    {
        return Err(ApiError::NotFound);
    }
    let job = new_job(JobKind::Export, person, &principal);
    match app.store.start_job(tenant, &job, None).await? {
        JobStart::Created(job) | JobStart::Existing(job) => {
            Ok(http::json_response(202, &job.view()))
        }
    }
}

/// Starts the person's erasure, or answers the one already asked for. `created_at` is
/// when the person's current directory entry was first written (none: no entry).
async fn erase<S: SettingsStore + JobStore>(
    app: &App<S>,
    principal: &Principal,
    person: Person,
    created_at: Option<String>,
) -> Result<Response, ApiError> {
    let tenant = &principal.tenant_id;
    let existing = app.store.erasure_of(tenant, &person).await?;
    let replaces = match (&existing, &created_at) {
        (None, None) => return Err(ApiError::NotFound),
        // Written into the directory again after their erasure: a new erasure.
        (Some(done), Some(created))
            if done.status == JobStatus::Done
                && done
                    .finished_at
                    .as_deref()
                    .is_some_and(|f| f < created.as_str()) =>
        {
            Some(done.job_id.clone())
        }
        (Some(job), _) => return Ok(http::json_response(200, &job.view())),
        (None, Some(_)) => None,
    };
    let job = new_job(JobKind::Erase, person, principal);
    match app
        .store
        .start_job(tenant, &job, replaces.as_deref())
        .await?
    {
        JobStart::Created(job) => Ok(http::json_response(202, &job.view())),
        JobStart::Existing(job) => Ok(http::json_response(200, &job.view())),
    }
}

pub async fn erase_contact<S: SettingsStore + DirectoryStore + JobStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let principal = keeper(app, request)?;
    let (customer, contact, person) = contact_person(request)?;
    let stored = app
        .store
        .contact(&principal.tenant_id, &customer, &contact)
        .await?;
    erase(app, &principal, person, stored.map(|c| c.created_at)).await
}

pub async fn erase_staff<S: SettingsStore + DirectoryStore + JobStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let principal = keeper(app, request)?;
    let user: UserId = http::path_id(request, "user_id")?;
    let stored = app.store.staff(&principal.tenant_id, &user).await?;
    let person = Person::Staff {
        user_id: user.to_string(),
    };
    erase(app, &principal, person, stored.map(|(p, _)| p.created_at)).await
}
