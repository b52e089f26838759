//! An endpoint's delivery log (`GET /webhooks/{id}/deliveries`) and replays
//! (`POST /webhooks/{id}/deliveries/{event_id}/replay`).

use serde::{Deserialize, Serialize};
use shared::domain::now_rfc3339;
use shared::domain::webhooks::{DeliveryStatus, EndpointStatus};
use shared::http::{self, Request, Response};
use shared::store::{SettingsStore, WebhookStore};
use shared::{ApiError, App};

use crate::view::DeliveryView;
use crate::{delivery_route, endpoint_route, stored_endpoint};

#[derive(Serialize, Deserialize)]
struct DeliveriesCursor {
    after: String,
}

pub async fn list<S: SettingsStore + WebhookStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let (principal, id) = endpoint_route(app, request)?;
    let limit = http::limit(request)?;
    // Bound to the tenant and the endpoint: a cursor of another log is refused.
    let scope = format!("webhook-deliveries/{}/{id}", principal.tenant_id);
    let cursor = http::query_param(request, "cursor")
        .map(|c| app.cursors.open::<DeliveriesCursor>(&scope, &c))
        .transpose()?;
    // Deliveries outlive a deleted endpoint (until their TTL); its log goes with it.
    stored_endpoint(app, &principal, &id).await?;
    let page = app
        .store
        .deliveries(
            &principal.tenant_id,
            &id,
            cursor.as_ref().map(|c| c.after.as_str()),
            limit as usize,
        )
        .await?;
    let deliveries: Vec<DeliveryView> = page.deliveries.iter().map(DeliveryView::from).collect();
    let next_cursor = page
        .next_after
        .map(|after| app.cursors.seal(&scope, &DeliveriesCursor { after }));
    Ok(http::json_response(
        200,
        &serde_json::json!({ "deliveries": deliveries, "next_cursor": next_cursor }),
    ))
}

/// Makes a delivery pending and due now: the `events` function's next retry run (within
/// a minute) sends the stored body again under the same `webhook-id`, so a receiver that
/// had it already can tell. Asking again while it is pending changes nothing.
pub async fn replay<S: SettingsStore + WebhookStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let (principal, endpoint_id, event_id) = delivery_route(app, request)?;
    let tenant = &principal.tenant_id;
    let endpoint = stored_endpoint(app, &principal, &endpoint_id).await?;
    if endpoint.status == EndpointStatus::Disabled {
        return Err(ApiError::conflict(
            "endpoint_disabled",
            "the endpoint is disabled: enable it (PATCH enabled: true) to replay to it",
        ));
    }
    let mut delivery = app
        .store
        .delivery(tenant, &endpoint_id, &event_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if delivery.status != DeliveryStatus::Pending {
        let read_attempts = delivery.attempts;
        delivery.status = DeliveryStatus::Pending;
        delivery.next_attempt_at = Some(now_rfc3339());
        // Conditional on the attempts read: a retry run that attempted it meanwhile
        // wins, and the answer is the delivery as that run left it.
        let saved = app
            .store
            .save_delivery(tenant, &delivery, read_attempts)
            .await?;
        if saved {
            tracing::info!(endpoint = %endpoint_id, event = %event_id, by = %principal.user_id, "webhook delivery replay asked");
        } else {
            delivery = app
                .store
                .delivery(tenant, &endpoint_id, &event_id)
                .await?
                .ok_or(ApiError::NotFound)?;
        }
    }
    Ok(http::json_response(202, &DeliveryView::from(&delivery)))
}
