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
use shared::domain::ids::{CustomerId, UserId};
use shared::domain::permissions::require_directory_manager;
use shared::domain::{now_rfc3339, Principal};
use shared::http::{self, Request, Response};
use shared::store::{DirectoryStore, OutcomeStore, SettingsStore};
use shared::{ApiError, App};

/// The caller, if they keep the directory.
fn manager<S: SettingsStore>(app: &App<S>, request: &Request) -> Result<Principal, ApiError> {
    let principal = app.caller(request)?;
    require_directory_manager(&principal)?;
    Ok(principal)
}

/// The caller, if they keep the directory, and the staff member the path names.
fn staff_route<S: SettingsStore>(
    app: &App<S>,
    request: &Request,
) -> Result<(Principal, UserId), ApiError> {
    let principal = manager(app, request)?;
    Ok((principal, http::path_id(request, "user_id")?))
}

/// The caller, if they keep the directory, and the person and account the path names.
fn assignment_route<S: SettingsStore>(
    app: &App<S>,
    request: &Request,
) -> Result<(Principal, UserId, CustomerId), ApiError> {
    let principal = manager(app, request)?;
    let user = http::path_id(request, "user_id")?;
    Ok((principal, user, http::path_id(request, "customer_id")?))
}

/// The caller, if they keep the directory, and the account and contact the path names.
fn contact_route<S: SettingsStore>(
    app: &App<S>,
    request: &Request,
) -> Result<(Principal, CustomerId, UserId), ApiError> {
    let principal = manager(app, request)?;
    let customer = http::path_id(request, "customer_id")?;
    Ok((principal, customer, http::path_id(request, "contact_id")?))
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
    let (principal, user) = staff_route(app, request)?;
    let input: StaffProfileInput = http::json_body(request)?;
    let profile = input.into_profile(&user, &now_rfc3339())?;
    let stored = app.store.put_staff(&principal.tenant_id, &profile).await?;
    Ok(http::json_response(200, &stored))
}

pub async fn get_staff<S: SettingsStore + DirectoryStore + OutcomeStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let (principal, user) = staff_route(app, request)?;
    let (profile, assignments) = app
        .store
        .staff(&principal.tenant_id, &user)
        .await?
        .ok_or(ApiError::NotFound)?;
    let now = jiff::Timestamp::now();
    let mut body = serde_json::to_value(&profile).map_err(|e| ApiError::Internal(e.to_string()))?;
    body["assignments"] = assignments
        .iter()
        .map(|a| assignment_view(a, now))
        .collect();
    let mut views = [body];
    crate::suppressions::annotated(app, &principal.tenant_id, &mut views).await?;
    Ok(http::json_response(200, &views[0]))
}

pub async fn delete_staff<S: SettingsStore + DirectoryStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let (principal, user) = staff_route(app, request)?;
    if app.store.delete_staff(&principal.tenant_id, &user).await? {
        Ok(http::no_content())
    } else {
        Err(ApiError::NotFound)
    }
}

pub async fn put_assignment<S: SettingsStore + DirectoryStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let (principal, user, customer) = assignment_route(app, request)?;
    let input: AssignmentInput = if http::body_is_empty(request) {
        AssignmentInput::default()
    } else {
        http::json_body(request)?
    };
    let now = jiff::Timestamp::now();
    let until = input.until(now)?;
    if !app
        .store
        .customer_known(&principal.tenant_id, &customer)
        .await?
    {
        return Err(ApiError::Unknown {
            code: "unknown_customer",
            message: format!("customer {customer} has no contact and no conversation"),
        });
    }
    let assignment = Assignment {
        user_id: user.to_string(),
        customer_id: customer.to_string(),
        until,
        assigned_at: now_rfc3339(),
        assigned_by: principal.user_id.to_string(),
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
    let (principal, user, customer) = assignment_route(app, request)?;
    if app
        .store
        .delete_assignment(&principal.tenant_id, &user, &customer)
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
    let (principal, customer, contact) = contact_route(app, request)?;
    let input: ContactInput = http::json_body(request)?;
    let contact = input.into_contact(&customer, &contact, &now_rfc3339())?;
    let stored = app
        .store
        .put_contact(&principal.tenant_id, &contact)
        .await?;
    Ok(http::json_response(200, &stored))
}

pub async fn get_contact<S: SettingsStore + DirectoryStore + OutcomeStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let (principal, customer, contact) = contact_route(app, request)?;
    let contact = app
        .store
        .contact(&principal.tenant_id, &customer, &contact)
        .await?
        .ok_or(ApiError::NotFound)?;
    let mut views =
        [serde_json::to_value(&contact).map_err(|e| ApiError::Internal(e.to_string()))?];
    crate::suppressions::annotated(app, &principal.tenant_id, &mut views).await?;
    Ok(http::json_response(200, &views[0]))
}

pub async fn delete_contact<S: SettingsStore + DirectoryStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let (principal, customer, contact) = contact_route(app, request)?;
    if app
        .store
        .delete_contact(&principal.tenant_id, &customer, &contact)
        .await?
    {
        Ok(http::no_content())
    } else {
        Err(ApiError::NotFound)
    }
}
