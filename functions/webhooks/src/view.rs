//! What the API shows of endpoints and deliveries. An endpoint's secrets are never part
//! of its view: the secret is shown once, when it is made ([`Created`], a rotation).

use serde::Serialize;
use shared::domain::webhooks::{Delivery, DeliveryStatus, Endpoint, EndpointStatus, EventType};

#[derive(Debug, Serialize)]
pub struct EndpointView<'a> {
    id: &'a str,
    url: &'a str,
    description: Option<&'a str>,
    event_types: &'a [EventType],
    status: EndpointStatus,
    disabled_reason: Option<&'a str>,
    disabled_at: Option<&'a str>,
    failing_since: Option<&'a str>,
    previous_secret_expires_at: Option<&'a str>,
    created_at: &'a str,
    updated_at: &'a str,
}

impl<'a> From<&'a Endpoint> for EndpointView<'a> {
    fn from(endpoint: &'a Endpoint) -> Self {
        EndpointView {
            id: &endpoint.id,
            url: &endpoint.url,
            description: endpoint.description.as_deref(),
            event_types: &endpoint.event_types,
            status: endpoint.status,
            disabled_reason: endpoint.disabled_reason.as_deref(),
            disabled_at: endpoint.disabled_at.as_deref(),
            failing_since: endpoint.failing_since.as_deref(),
            previous_secret_expires_at: endpoint.previous_secret_expires_at.as_deref(),
            created_at: &endpoint.created_at,
            updated_at: &endpoint.updated_at,
        }
    }
}

/// A new endpoint: its view and, this once, its secret.
#[derive(Debug, Serialize)]
pub struct Created<'a> {
    #[serde(flatten)]
    endpoint: EndpointView<'a>,
    secret: &'a str,
}

impl<'a> From<&'a Endpoint> for Created<'a> {
    fn from(endpoint: &'a Endpoint) -> Self {
        Created {
            endpoint: endpoint.into(),
            secret: &endpoint.secret,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct DeliveryView<'a> {
    event_id: &'a str,
    event_type: EventType,
    conversation_id: Option<&'a str>,
    status: DeliveryStatus,
    attempts: u32,
    last_attempt_at: Option<&'a str>,
    response_status: Option<u16>,
    latency_ms: Option<u64>,
    error: Option<&'a str>,
    next_attempt_at: Option<&'a str>,
    created_at: &'a str,
    /// The event as sent, as JSON rather than a string of it.
    payload: serde_json::Value,
}

impl<'a> From<&'a Delivery> for DeliveryView<'a> {
    fn from(delivery: &'a Delivery) -> Self {
        DeliveryView {
            event_id: &delivery.event_id,
            event_type: delivery.event_type,
            conversation_id: delivery.conversation_id.as_deref(),
            status: delivery.status,
            attempts: delivery.attempts,
            last_attempt_at: delivery.last_attempt_at.as_deref(),
            response_status: delivery.response_status,
            latency_ms: delivery.latency_ms,
            error: delivery.error.as_deref(),
            next_attempt_at: delivery.next_attempt_at.as_deref(),
            created_at: &delivery.created_at,
            // The events function stores what it serialized; were it ever not JSON, the
            // log still shows it, as the text it is.
            payload: serde_json::from_str(&delivery.payload)
                .unwrap_or_else(|_| serde_json::Value::String(delivery.payload.clone())),
        }
    }
}
