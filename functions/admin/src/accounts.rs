//! Customer accounts' patients and the lists of who is in the directory:
//!
//! - `PUT`/`DELETE /customers/{customer_id}/patients/{patient_id}` (admins, the host
//!   application): registers a patient with its name. Only registered patients get a
//!   patient thread; removing one keeps its thread and stops new ones.
//! - `GET /customers/{customer_id}/patients` and `GET /customers/{customer_id}/contacts`:
//!   for admins, the host application, staff, basic staff assigned the account, and the
//!   account's own contacts (anyone else: 404).
//! - `GET /staff`: the staff directory, for admins, the host application and staff.

use serde::Deserialize;
use shared::domain::directory::Patient;
use shared::domain::ids::{CustomerId, PatientId};
use shared::domain::permissions::{require_directory_manager, require_host_or_admin};
use shared::domain::validate::clean_label;
use shared::domain::{now_rfc3339, Principal, Role};
use shared::http::{self, Request, Response};
use shared::store::{DirectoryStore, NotificationStore, PatientStore, SettingsStore};
use shared::{ApiError, App};

const MAX_PATIENT_NAME: usize = 120;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PatientInput {
    name: String,
}

/// The caller, if they keep the directory, and the account and patient the path names.
fn patient_route<S: SettingsStore>(
    app: &App<S>,
    request: &Request,
) -> Result<(Principal, CustomerId, PatientId), ApiError> {
    let principal = app.caller(request)?;
    require_directory_manager(&principal)?;
    Ok((
        principal,
        http::path_id(request, "customer_id")?,
        http::path_id(request, "patient_id")?,
    ))
}

pub async fn put_patient<S: SettingsStore + PatientStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let (principal, customer, patient) = patient_route(app, request)?;
    let input: PatientInput = http::json_body(request)?;
    let name = clean_label(&input.name, MAX_PATIENT_NAME).ok_or_else(|| {
        ApiError::bad_request(
            "invalid_field",
            format!("name must be 1-{MAX_PATIENT_NAME} characters without control characters"),
        )
    })?;
    let now = now_rfc3339();
    let stored = app
        .store
        .put_patient(
            &principal.tenant_id,
            &Patient {
                customer_id: customer.into_string(),
                patient_id: patient.into_string(),
                name,
                created_at: now.clone(),
                updated_at: now,
            },
        )
        .await?;
    Ok(http::json_response(200, &stored))
}

pub async fn delete_patient<S: SettingsStore + PatientStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let (principal, customer, patient) = patient_route(app, request)?;
    if app
        .store
        .delete_patient(&principal.tenant_id, &customer, &patient)
        .await?
    {
        Ok(http::no_content())
    } else {
        Err(ApiError::NotFound)
    }
}

/// The account the path names, if the caller may see who is in it.
async fn visible_account<S: SettingsStore + DirectoryStore>(
    app: &App<S>,
    principal: &Principal,
    request: &Request,
) -> Result<CustomerId, ApiError> {
    let customer: CustomerId = http::path_id(request, "customer_id")?;
    let visible = match principal.role {
        Role::Admin | Role::Service | Role::Staff => true,
        Role::Customer => principal.customer_id.as_ref() == Some(&customer),
        Role::BasicStaff => app
            .store
            .assignment(&principal.tenant_id, &principal.user_id, &customer)
            .await?
            .is_some_and(|a| a.is_active_at(jiff::Timestamp::now())),
    };
    if visible {
        Ok(customer)
    } else {
        Err(ApiError::NotFound)
    }
}

pub async fn list_patients<S: SettingsStore + DirectoryStore + PatientStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let principal = app.caller(request)?;
    let customer = visible_account(app, &principal, request).await?;
    let patients = app.store.patients(&principal.tenant_id, &customer).await?;
    Ok(http::json_response(
        200,
        &serde_json::json!({ "customer_id": customer, "patients": patients }),
    ))
}

pub async fn list_contacts<S: SettingsStore + DirectoryStore + NotificationStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let principal = app.caller(request)?;
    let customer = visible_account(app, &principal, request).await?;
    let (contacts, _) = app
        .store
        .account_directory(&principal.tenant_id, &customer)
        .await?;
    let mut views = serde_json::to_value(&contacts)
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .as_array()
        .cloned()
        .unwrap_or_default();
    // The tenant's people see why an address gets no email; the account's customers do not.
    if principal.role != Role::Customer {
        crate::suppressions::annotated(app, &principal.tenant_id, &mut views).await?;
    }
    Ok(http::json_response(
        200,
        &serde_json::json!({ "customer_id": customer, "contacts": views }),
    ))
}

pub async fn list_staff<S: SettingsStore + NotificationStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let principal = app.caller(request)?;
    if principal.role != Role::Staff {
        require_host_or_admin(&principal, "list the staff directory")?;
    }
    let mut staff = app.store.staff_directory(&principal.tenant_id).await?;
    staff.sort_by(|a, b| a.user_id.cmp(&b.user_id));
    Ok(http::json_response(
        200,
        &serde_json::json!({ "staff": staff }),
    ))
}
