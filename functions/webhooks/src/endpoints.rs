//! `/webhooks` and `/webhooks/{id}`: endpoints created, listed, read, changed, deleted,
//! and their secrets rotated.

use shared::domain::webhooks::{Endpoint, EndpointStatus, MAX_ENDPOINTS};
use shared::domain::{format_timestamp, now_rfc3339};
use shared::http::{self, Request, Response};
use shared::outbound::{new_secret, Policy};
use shared::store::{SettingsStore, WebhookStore};
use shared::{ApiError, App};

use crate::input::{self, CheckedChange, EndpointChange, NewEndpoint};
use crate::view::{Created, EndpointView};
use crate::{endpoint_route, manager, stored_endpoint};

pub const ID_PREFIX: &str = "wh_";

/// How long a rotated-out secret keeps signing beside the new one.
const PREVIOUS_SECRET_HOURS: i64 = 24;

/// What `disabled_reason` says when an admin (or the host) turned an endpoint off.
const DISABLED_BY_ADMIN: &str = "admin";

pub async fn create<S: SettingsStore + WebhookStore>(
    app: &App<S>,
    policy: &Policy,
    request: &Request,
) -> Result<Response, ApiError> {
    let principal = manager(app, request)?;
    let new: NewEndpoint = http::json_body(request)?;
    let url = input::endpoint_url(&new.url, policy)?;
    let description = new
        .description
        .as_deref()
        .map(input::description)
        .transpose()?;
    let event_types = input::event_types(new.event_types.as_deref().unwrap_or_default())?;
    let now = now_rfc3339();
    let mut endpoint = Endpoint {
        id: format!("{ID_PREFIX}{}", ulid::Ulid::new()),
        url,
        description,
        event_types,
        status: EndpointStatus::Enabled,
        disabled_reason: None,
        disabled_at: None,
        failing_since: None,
        secret: new_secret(),
        previous_secret: None,
        previous_secret_expires_at: None,
        created_at: now.clone(),
        updated_at: now.clone(),
    };
    if new.enabled == Some(false) {
        disable(&mut endpoint, &now);
    }
    // Checked before the put, so two admins adding the last endpoint at the same moment
    // may make it eleven: the bound is on the work per event, not a quota to the unit.
    let existing = app.store.endpoints(&principal.tenant_id).await?;
    if existing.len() >= MAX_ENDPOINTS {
        return Err(ApiError::conflict(
            "too_many_endpoints",
            format!("a tenant has at most {MAX_ENDPOINTS} webhook endpoints; delete one first"),
        ));
    }
    app.store
        .create_endpoint(&principal.tenant_id, &endpoint)
        .await?;
    tracing::info!(endpoint = %endpoint.id, by = %principal.user_id, "webhook endpoint created");
    Ok(http::json_response(201, &Created::from(&endpoint)))
}

pub async fn list<S: SettingsStore + WebhookStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let principal = manager(app, request)?;
    let endpoints = app.store.endpoints(&principal.tenant_id).await?;
    let views: Vec<EndpointView> = endpoints.iter().map(EndpointView::from).collect();
    Ok(http::json_response(
        200,
        &serde_json::json!({ "webhooks": views }),
    ))
}

pub async fn get<S: SettingsStore + WebhookStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let (principal, id) = endpoint_route(app, request)?;
    let endpoint = stored_endpoint(app, &principal, &id).await?;
    Ok(http::json_response(200, &EndpointView::from(&endpoint)))
}

pub async fn update<S: SettingsStore + WebhookStore>(
    app: &App<S>,
    policy: &Policy,
    request: &Request,
) -> Result<Response, ApiError> {
    let (principal, id) = endpoint_route(app, request)?;
    let change = http::json_body::<EndpointChange>(request)?.check(policy)?;
    let mut endpoint = stored_endpoint(app, &principal, &id).await?;
    let read_updated_at = endpoint.updated_at.clone();
    apply(&mut endpoint, change, &updated_after(&read_updated_at));
    // Conditional on what was read: a change made meanwhile (another admin, or the
    // events function disabling it) is 409 `endpoint_changed`, never overwritten.
    app.store
        .save_endpoint(&principal.tenant_id, &endpoint, &read_updated_at)
        .await?;
    tracing::info!(endpoint = %endpoint.id, by = %principal.user_id, status = ?endpoint.status, "webhook endpoint changed");
    Ok(http::json_response(200, &EndpointView::from(&endpoint)))
}

fn apply(endpoint: &mut Endpoint, change: CheckedChange, now: &str) {
    if let Some(url) = change.url {
        if url != endpoint.url {
            // Another receiver: the old one's failures say nothing about it, and must not
            // bring it closer to being disabled.
            endpoint.failing_since = None;
        }
        endpoint.url = url;
    }
    if let Some(description) = change.description {
        endpoint.description = description;
    }
    if let Some(event_types) = change.event_types {
        endpoint.event_types = event_types;
    }
    match (change.enabled, endpoint.status) {
        (Some(true), EndpointStatus::Disabled) => {
            endpoint.status = EndpointStatus::Enabled;
            endpoint.disabled_reason = None;
            endpoint.disabled_at = None;
            // A fresh start: failing for days before is why it was off, not a reason
            // to turn it off again at its next failure.
            endpoint.failing_since = None;
        }
        (Some(false), EndpointStatus::Enabled) => disable(endpoint, now),
        _ => {}
    }
    endpoint.updated_at = now.to_owned();
}

/// Now, or a millisecond after `read` when the clock has not passed it: saves are
/// conditional on `updated_at`, so each must leave a value no other save read.
fn updated_after(read: &str) -> String {
    let now = jiff::Timestamp::now();
    match read.parse::<jiff::Timestamp>() {
        Ok(read) if read >= now => format_timestamp(read + jiff::SignedDuration::from_millis(1)),
        _ => format_timestamp(now),
    }
}

fn disable(endpoint: &mut Endpoint, now: &str) {
    endpoint.status = EndpointStatus::Disabled;
    endpoint.disabled_reason = Some(DISABLED_BY_ADMIN.to_owned());
    endpoint.disabled_at = Some(now.to_owned());
}

pub async fn delete<S: SettingsStore + WebhookStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let (principal, id) = endpoint_route(app, request)?;
    if !app.store.delete_endpoint(&principal.tenant_id, &id).await? {
        return Err(ApiError::NotFound);
    }
    tracing::info!(endpoint = %id, by = %principal.user_id, "webhook endpoint deleted");
    Ok(http::no_content())
}

/// A new secret; the current one becomes the previous, signing beside it for 24 hours. A
/// second rotation within them drops the first previous secret: the receiver has had
/// the one current until now, the newest it can know.
pub async fn rotate<S: SettingsStore + WebhookStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let (principal, id) = endpoint_route(app, request)?;
    let mut endpoint = stored_endpoint(app, &principal, &id).await?;
    let read_updated_at = endpoint.updated_at.clone();
    let expires = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(PREVIOUS_SECRET_HOURS))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let secret = new_secret();
    endpoint.previous_secret = Some(std::mem::replace(&mut endpoint.secret, secret));
    endpoint.previous_secret_expires_at = Some(format_timestamp(expires));
    endpoint.updated_at = updated_after(&read_updated_at);
    app.store
        .save_endpoint(&principal.tenant_id, &endpoint, &read_updated_at)
        .await?;
    tracing::info!(endpoint = %endpoint.id, by = %principal.user_id, "webhook secret rotated");
    Ok(http::json_response(
        200,
        &serde_json::json!({
            "secret": endpoint.secret,
            "previous_secret_expires_at": endpoint.previous_secret_expires_at,
        }),
    ))
}
