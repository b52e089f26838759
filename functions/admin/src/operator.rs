//! `GET`/`PUT /operator/tenants/{tenant_id}/grant`: the platform operator grants a tenant
//! its SMS numbers and sender identities, and sets its daily quotas and SMS countries.
//! API Gateway authorizes these routes with IAM (SigV4), apart from tenants' tokens; the
//! handler refuses any request that did not come that way.

use serde::Deserialize;
use shared::domain::ids::{is_valid_id, TenantId};
use shared::domain::now_rfc3339;
use shared::http::{self, Request, Response};
use shared::store::GrantStore;
use shared::{ApiError, App};

/// A change to a grant: the fields it names replace the grant's, the rest stay.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GrantChange {
    sms_numbers: Option<Vec<String>>,
    sender_identities: Option<Vec<String>>,
    emails_per_day: Option<u32>,
    sms_per_day: Option<u32>,
    sms_countries: Option<Vec<String>>,
}

fn tenant(request: &Request) -> Result<TenantId, ApiError> {
    http::path_param(request, "tenant_id")
        .filter(|t| is_valid_id(t))
        .map(TenantId::from)
        .ok_or_else(|| ApiError::bad_request("invalid_field", "tenant_id is not a valid id"))
}

/// The UTC day quotas count in.
pub fn quota_day(now: jiff::Timestamp) -> String {
    now.strftime("%Y-%m-%d").to_string()
}

pub async fn get<S: GrantStore>(app: &App<S>, request: &Request) -> Result<Response, ApiError> {
    http::operator(request)?;
    let tenant = tenant(request)?;
    let grant = app.store.get_grant(&tenant).await?.unwrap_or_default();
    let day = quota_day(jiff::Timestamp::now());
    let (emails, texts) = app.store.quota_use(&tenant, &day).await?;
    Ok(http::json_response(
        200,
        &serde_json::json!({
            "tenant_id": tenant,
            "grant": grant,
            "used": { "day": day, "emails": emails, "sms": texts },
        }),
    ))
}

pub async fn put<S: GrantStore>(app: &App<S>, request: &Request) -> Result<Response, ApiError> {
    let operator = http::operator(request)?;
    let tenant = tenant(request)?;
    let change: GrantChange = http::json_body(request)?;
    let previous = app.store.get_grant(&tenant).await?;
    let mut grant = previous.clone().unwrap_or_default();
    if let Some(numbers) = change.sms_numbers {
        grant.sms_numbers = numbers;
    }
    if let Some(identities) = change.sender_identities {
        grant.sender_identities = identities;
    }
    if let Some(per_day) = change.emails_per_day {
        grant.emails_per_day = per_day;
    }
    if let Some(per_day) = change.sms_per_day {
        grant.sms_per_day = per_day;
    }
    if let Some(countries) = change.sms_countries {
        grant.sms_countries = countries;
    }
    grant
        .validate()
        .map_err(|message| ApiError::bad_request("invalid_field", message))?;
    grant.updated_at = Some(now_rfc3339());
    grant.updated_by = Some(operator.clone());
    app.store
        .put_grant(&tenant, &grant, previous.as_ref())
        .await?;
    tracing::info!(%tenant, %operator, numbers = grant.sms_numbers.len(), "grant changed");
    Ok(http::json_response(
        200,
        &serde_json::json!({ "tenant_id": tenant, "grant": grant }),
    ))
}
