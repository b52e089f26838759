//! Addresses and numbers the tenant no longer sends to (after a hard bounce, a complaint
//! or a number that cannot take texts): `GET /suppressions`, and
//! `DELETE /suppressions/{channel}/{address}` once an admin knows the address works again
//! (the person fixed their mailbox, the number changed hands). Contacts and staff
//! profiles show their address's suppression as `email_suppressed` / `sms_suppressed`.

use shared::domain::feedback::Suppression;
use shared::domain::ids::TenantId;
use shared::domain::notify::NotifyChannel;
use shared::domain::permissions::require_admin;
use shared::domain::Named;
use shared::http::{self, Request, Response};
use shared::store::{OutcomeStore, SettingsStore};
use shared::{ApiError, App};

pub async fn list<S: SettingsStore + OutcomeStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let principal = app.caller(request)?;
    require_admin(&principal)?;
    let mut suppressions = app.store.suppressions(&principal.tenant_id).await?;
    suppressions.sort_by(|a, b| b.at.cmp(&a.at));
    Ok(http::json_response(
        200,
        &serde_json::json!({ "suppressions": suppressions }),
    ))
}

pub async fn clear<S: SettingsStore + OutcomeStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let principal = app.caller(request)?;
    require_admin(&principal)?;
    let channel = http::path_param(request, "channel")
        .and_then(|c| NotifyChannel::parse(&c))
        .ok_or(ApiError::NotFound)?;
    let address = http::path_param(request, "address")
        .map(|a| a.trim().to_ascii_lowercase())
        .filter(|a| !a.is_empty())
        .ok_or(ApiError::NotFound)?;
    if app
        .store
        .clear_suppression(&principal.tenant_id, channel, &address)
        .await?
    {
        tracing::info!(tenant = %principal.tenant_id, ?channel, "suppression cleared");
        Ok(http::no_content())
    } else {
        Err(ApiError::NotFound)
    }
}

/// A contact's or profile's view with the suppressions of its email address and phone.
pub async fn annotated<S: OutcomeStore>(
    app: &App<S>,
    tenant: &TenantId,
    views: &mut [serde_json::Value],
) -> Result<(), ApiError> {
    let suppressions = app.store.suppressions(tenant).await?;
    for view in views {
        annotate(view, &suppressions);
    }
    Ok(())
}

fn annotate(view: &mut serde_json::Value, suppressions: &[Suppression]) {
    for (channel, field, out) in [
        (NotifyChannel::Email, "email", "email_suppressed"),
        (NotifyChannel::Sms, "phone", "sms_suppressed"),
    ] {
        let address = view[field].as_str().map(str::to_ascii_lowercase);
        let found = suppressions
            .iter()
            .find(|s| s.channel == channel && Some(&s.address) == address.as_ref())
            .map(|s| serde_json::json!({ "reason": s.reason, "at": s.at, "detail": s.detail }));
        view[out] = found.unwrap_or(serde_json::Value::Null);
    }
}
