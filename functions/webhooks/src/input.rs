//! What an admin may send: a new endpoint, or a change to one, checked before anything
//! is read or written.

use serde::{Deserialize, Deserializer};
use shared::domain::validate::clean_label;
use shared::domain::webhooks::EventType;
use shared::domain::Named;
use shared::outbound::{check_url, OutboundError, Policy};
use shared::ApiError;

const MAX_DESCRIPTION_CHARS: usize = 200;

/// `POST /webhooks`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewEndpoint {
    pub url: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Names, parsed by [`event_types`] so an unknown one gets its own code.
    #[serde(default)]
    pub event_types: Option<Vec<String>>,
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// `PATCH /webhooks/{id}`: the fields named change, the rest stay. `Some(None)` is a
/// field given as `null`, which only `description` takes (it clears it).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointChange {
    #[serde(default, deserialize_with = "present")]
    pub url: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub event_types: Option<Option<Vec<String>>>,
    #[serde(default, deserialize_with = "present")]
    pub enabled: Option<Option<bool>>,
}

/// A change, checked: what to set.
#[derive(Debug, Default)]
pub struct CheckedChange {
    pub url: Option<String>,
    pub description: Option<Option<String>>,
    pub event_types: Option<Vec<EventType>>,
    pub enabled: Option<bool>,
}

/// Tells a field given as `null` (`Some(None)`) from one left out (`None`).
fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

impl EndpointChange {
    pub fn check(self, policy: &Policy) -> Result<CheckedChange, ApiError> {
        if self.url.is_none()
            && self.description.is_none()
            && self.event_types.is_none()
            && self.enabled.is_none()
        {
            return Err(ApiError::bad_request(
                "missing_field",
                "name at least one of url, description, event_types, enabled",
            ));
        }
        Ok(CheckedChange {
            url: self
                .url
                .map(|url| url.ok_or_else(|| not_null("url")))
                .transpose()?
                .map(|url| endpoint_url(&url, policy))
                .transpose()?,
            description: self
                .description
                .map(|d| d.as_deref().map(description).transpose())
                .transpose()?,
            event_types: self
                .event_types
                .map(|names| names.ok_or_else(|| not_null("event_types")))
                .transpose()?
                .map(|names| event_types(&names))
                .transpose()?,
            enabled: self
                .enabled
                .map(|enabled| enabled.ok_or_else(|| not_null("enabled")))
                .transpose()?,
        })
    }
}

fn not_null(field: &str) -> ApiError {
    ApiError::bad_request("invalid_field", format!("{field} cannot be null"))
}

/// An endpoint's URL, as the deployment's policy allows (see [`check_url`]): the admin's
/// mistakes (`invalid_url`) told apart from addresses we never call (`forbidden_address`).
pub fn endpoint_url(url: &str, policy: &Policy) -> Result<String, ApiError> {
    match check_url(url, policy) {
        Ok(_) => Ok(url.to_owned()),
        Err(OutboundError::ForbiddenAddress(why)) => Err(ApiError::bad_request(
            "forbidden_address",
            format!("url: {why}; webhooks go to public addresses only"),
        )),
        Err(err) => Err(ApiError::bad_request(
            "invalid_url",
            format!("url must be an absolute https URL without credentials: {err}"),
        )),
    }
}

pub fn description(text: &str) -> Result<String, ApiError> {
    clean_label(text, MAX_DESCRIPTION_CHARS).ok_or_else(|| {
        ApiError::bad_request(
            "invalid_field",
            format!(
                "description must be 1-{MAX_DESCRIPTION_CHARS} characters on one line, or null"
            ),
        )
    })
}

/// Event type names to types, each once, in the catalogue's order; none means every type.
pub fn event_types(names: &[String]) -> Result<Vec<EventType>, ApiError> {
    let mut types = names
        .iter()
        .map(|name| {
            <EventType as Named>::parse(name).ok_or_else(|| {
                let known: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
                ApiError::bad_request(
                    "invalid_event_type",
                    format!("unknown event type {name:?}; known: {}", known.join(", ")),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    types.sort();
    types.dedup();
    Ok(types)
}
