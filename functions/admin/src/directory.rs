//! The directory, kept by admins and the host application (`service`):
//!
//! - `PUT`/`GET`/`DELETE /staff/{user_id}`: name, email, email notifications, directory
//!   role; `GET` includes the person's assignments.
//! - `PUT`/`DELETE /staff/{user_id}/assignments/{customer_id}`: a customer assigned to a
//!   (basic) staff member, optionally `until` a time.
//! - `PUT`/`GET`/`DELETE /customers/{customer_id}/contacts/{contact_id}`: name, email,
//!   phone (E.164, one contact per number in a tenant), email and SMS opt-in.
//!
//! A `PUT` replaces the entry (fields left out take their defaults) and answers with it.

use shared::domain::directory::{Assignment, AssignmentInput, ContactInput, StaffProfileInput};
use shared::domain::permissions::require_directory_manager;
use shared::domain::{now_rfc3339, Principal};
use shared::http::{self, Request, Response};
use shared::store::{DirectoryStore, SettingsStore};
use shared::{ApiError, App};

/// The caller, if they keep the directory, and the ids the path names.
fn manager<S: SettingsStore>(
    app: &App<S>,
    request: &Request,
    params: &[&str],
) -> Result<(Principal, Vec<String>), ApiError> {
    let principal = app.caller(request)?;
    require_directory_manager(&principal)?;
    let ids = params
        .iter()
        .map(|name| http::path_id(request, name))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((principal, ids))
}

fn assignment_view(assignment: &Assignment, now: jiff::Timestamp) -> serde_json::Value {
    serde_json::json!({
        "customer_id": assignment.customer_id,
        "until": assignment.until,
        "active": assignment.is_active_at(now),
        "assigned_at": assignment.assigned_at,
        "assigned_by": assignment.assigned_by,
    })
}

pub async fn put_staff<S: SettingsStore + DirectoryStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let (principal, ids) = manager(app, request, &["user_id"])?;
    let input: StaffProfileInput = http::json_body(request)?;
    let profile = input.into_profile(&ids[0], &now_rfc3339())?;
    let stored = app.store.put_staff(&principal.tenant_id, &profile).await?;
    Ok(http::json_response(200, &stored))
}

pub async fn get_staff<S: SettingsStore + DirectoryStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let (principal, ids) = manager(app, request, &["user_id"])?;
    let (profile, assignments) = app
        .store
        .staff(&principal.tenant_id, &ids[0])
        .await?
        .ok_or(ApiError::NotFound)?;
    let now = jiff::Timestamp::now();
    let mut body = serde_json::to_value(&profile).map_err(|e| ApiError::Internal(e.to_string()))?;
    body["assignments"] = assignments
        .iter()
        .map(|a| assignment_view(a, now))
        .collect();
    Ok(http::json_response(200, &body))
}

pub async fn delete_staff<S: SettingsStore + DirectoryStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let (principal, ids) = manager(app, request, &["user_id"])?;
    if app
        .store
        .delete_staff(&principal.tenant_id, &ids[0])
        .await?
    {
        Ok(http::no_content())
    } else {
        Err(ApiError::NotFound)
    }
}

pub async fn put_assignment<S: SettingsStore + DirectoryStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let (principal, ids) = manager(app, request, &["user_id", "customer_id"])?;
    let input: AssignmentInput = if http::body_is_empty(request) {
        AssignmentInput::default()
    } else {
        http::json_body(request)?
    };
    let now = jiff::Timestamp::now();
    let until = input.until(now)?;
    let (user, customer) = (&ids[0], &ids[1]);
    if !app
        .store
        .customer_known(&principal.tenant_id, customer)
        .await?
    {
        return Err(ApiError::Unknown {
            code: "unknown_customer",
            message: format!("customer {customer} has no contact and no conversation"),
        });
    }
    let assignment = Assignment {
        user_id: user.clone(),
        customer_id: customer.clone(),
        until,
        assigned_at: now_rfc3339(),
        assigned_by: principal.user_id.clone(),
    };
    match app
        .store
        .put_assignment(&principal.tenant_id, &assignment)
        .await
    {
        Ok(()) => Ok(http::json_response(200, &assignment_view(&assignment, now))),
        Err(shared::store::StoreError::NotFound) => Err(ApiError::Unknown {
            code: "unknown_staff",
            message: format!("staff member {user} has no profile: PUT /staff/{user} first"),
        }),
        Err(err) => Err(err.into()),
    }
}

pub async fn delete_assignment<S: SettingsStore + DirectoryStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let (principal, ids) = manager(app, request, &["user_id", "customer_id"])?;
    if app
        .store
        .delete_assignment(&principal.tenant_id, &ids[0], &ids[1])
        .await?
    {
        Ok(http::no_content())
    } else {
        Err(ApiError::NotFound)
    }
}

pub async fn put_contact<S: SettingsStore + DirectoryStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let (principal, ids) = manager(app, request, &["customer_id", "contact_id"])?;
    let input: ContactInput = http::json_body(request)?;
    let contact = input.into_contact(&ids[0], &ids[1], &now_rfc3339())?;
    let stored = app
        .store
        .put_contact(&principal.tenant_id, &contact)
        .await?;
    Ok(http::json_response(200, &stored))
}

pub async fn get_contact<S: SettingsStore + DirectoryStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let (principal, ids) = manager(app, request, &["customer_id", "contact_id"])?;
    let contact = app
        .store
        .contact(&principal.tenant_id, &ids[0], &ids[1])
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(http::json_response(200, &contact))
}

pub async fn delete_contact<S: SettingsStore + DirectoryStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let (principal, ids) = manager(app, request, &["customer_id", "contact_id"])?;
    if app
        .store
        .delete_contact(&principal.tenant_id, &ids[0], &ids[1])
        .await?
    {
        Ok(http::no_content())
    } else {
        Err(ApiError::NotFound)
    }
}
