//! Webhook endpoints, kept by admins and the host application (`service`):
//!
//! - `POST`/`GET /webhooks`, `GET`/`PATCH`/`DELETE /webhooks/{id}`: a tenant's endpoints
//!   (at most [`MAX_ENDPOINTS`]), each a URL, the event types it wants (none: all) and
//!   whether it is enabled. The signing secret is shown once, when it is made.
//! - `POST /webhooks/{id}/secret/rotate`: a new secret; the old one keeps signing beside
//!   it for 24 hours so receivers can switch without a gap.
//! - `GET /webhooks/{id}/deliveries` and `POST …/deliveries/{event_id}/replay`: the
//!   delivery log, newest first, and a delivery sent again by the `events` function's
//!   next retry run.
//!
//! Every other role is refused (403), and another tenant's endpoint is unknown (404): the
//! endpoints are kept under the caller's tenant, so they cannot be reached at all.
//!
//! [`MAX_ENDPOINTS`]: shared::domain::webhooks::MAX_ENDPOINTS

mod deliveries;
mod endpoints;
mod input;
mod view;

use shared::domain::ids::is_valid_id;
use shared::domain::permissions::require_host_or_admin;
use shared::domain::Principal;
use shared::http::{self, Request, Response};
use shared::outbound::Policy;
use shared::store::{SettingsStore, WebhookStore};
use shared::{ApiError, App};

/// Which endpoint URLs this deployment accepts, from the variable [`shared::Config`]
/// reads into `webhooks_allow_loopback_http` (the local stack's alone). Read when the
/// container starts: it is no secret, so it needs no wait for the first request.
pub fn url_policy(lookup: impl Fn(&str) -> Option<String>) -> Policy {
    Policy {
        allow_loopback_http: shared::config::allow_loopback_http(lookup),
    }
}

/// One request; `policy` says which endpoint URLs may be saved.
pub async fn handle<S>(app: &App<S>, policy: &Policy, request: Request) -> Response
where
    S: SettingsStore + WebhookStore,
{
    let result = match http::route_key(&request).as_deref() {
        Some("POST /webhooks") => endpoints::create(app, policy, &request).await,
        Some("GET /webhooks") => endpoints::list(app, &request).await,
        Some("GET /webhooks/{id}") => endpoints::get(app, &request).await,
        Some("PATCH /webhooks/{id}") => endpoints::update(app, policy, &request).await,
        Some("DELETE /webhooks/{id}") => endpoints::delete(app, &request).await,
        Some("POST /webhooks/{id}/secret/rotate") => endpoints::rotate(app, &request).await,
        Some("GET /webhooks/{id}/deliveries") => deliveries::list(app, &request).await,
        Some("POST /webhooks/{id}/deliveries/{event_id}/replay") => {
            deliveries::replay(app, &request).await
        }
        _ => Err(ApiError::NotFound),
    };
    http::respond(result)
}

/// The caller, if they keep the tenant's webhooks.
fn manager<S: SettingsStore>(app: &App<S>, request: &Request) -> Result<Principal, ApiError> {
    let principal = app.caller(request)?;
    require_host_or_admin(&principal, "manage webhooks")?;
    Ok(principal)
}

/// The caller, if they keep the webhooks, and the endpoint id the path names. Ids are
/// ours (`wh_` and a ULID): anything else names no endpoint (404).
fn endpoint_route<S: SettingsStore>(
    app: &App<S>,
    request: &Request,
) -> Result<(Principal, String), ApiError> {
    let principal = manager(app, request)?;
    let id = http::path_param(request, "id")
        .filter(|id| {
            id.strip_prefix(endpoints::ID_PREFIX)
                .is_some_and(|ulid| ulid::Ulid::from_string(ulid).is_ok())
        })
        .ok_or(ApiError::NotFound)?;
    Ok((principal, id))
}

/// The endpoint `id` of the caller's tenant, as stored: 404 when there is none.
async fn stored_endpoint<S: WebhookStore>(
    app: &App<S>,
    principal: &Principal,
    id: &str,
) -> Result<shared::domain::webhooks::Endpoint, ApiError> {
    app.store
        .endpoint(&principal.tenant_id, id)
        .await?
        .ok_or(ApiError::NotFound)
}

/// As [`endpoint_route`], with the event id of one of its deliveries.
fn delivery_route<S: SettingsStore>(
    app: &App<S>,
    request: &Request,
) -> Result<(Principal, String, String), ApiError> {
    let (principal, endpoint) = endpoint_route(app, request)?;
    let event = http::path_param(request, "event_id")
        .filter(|id| is_valid_id(id))
        .ok_or(ApiError::NotFound)?;
    Ok((principal, endpoint, event))
}

#[cfg(test)]
mod tests;
