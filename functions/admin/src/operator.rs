//! `GET`/`PUT /operator/tenants/{tenant_id}/grant`: the platform operator grants a tenant
//! its SMS numbers and sender identities, and sets its daily quotas and SMS countries;
//! sees its email's bounce and complaint rates over 7 days, and resumes email paused for
//! them (`resume_email`).
//! API Gateway authorizes these routes with IAM (SigV4), apart from tenants' tokens; the
//! handler refuses any request that did not come that way.

use serde::Deserialize;
use shared::domain::feedback::RATE_DAYS;
use shared::domain::ids::{is_valid_id, TenantId};
use shared::domain::now_rfc3339;
use shared::http::{self, Request, Response};
use shared::store::{GrantStore, OutcomeStore};
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
    /// `true` resumes email paused for the tenant's bounce or complaint rate.
    resume_email: Option<bool>,
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

pub async fn get<S: GrantStore + OutcomeStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    http::operator(request)?;
    let tenant = tenant(request)?;
    let grant = app.store.get_grant(&tenant).await?.unwrap_or_default();
    let now = jiff::Timestamp::now();
    let day = quota_day(now);
    let (emails, texts) = app.store.quota_use(&tenant, &day).await?;
    let first = quota_day(now - jiff::SignedDuration::from_hours(24 * (RATE_DAYS - 1)));
    let rates = app.store.email_rates(&tenant, &first, &day).await?;
    Ok(http::json_response(
        200,
        &serde_json::json!({
            "tenant_id": tenant,
            "grant": grant,
            "used": { "day": day, "emails": emails, "sms": texts },
            "email_rates": {
                "days": RATE_DAYS,
                "sent": rates.sent,
                "bounced": rates.bounced,
                "complained": rates.complained,
                "bounce_rate": rates.bounce_rate(),
                "complaint_rate": rates.complaint_rate(),
            },
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
    if change.resume_email == Some(true) {
        grant.email_paused = None;
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
