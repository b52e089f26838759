//! The events function's section: no secret, all from the environment.

use super::ConfigError;

#[derive(Debug, Clone)]
pub struct EventsConfig {
    pub table_name: String,
    /// The EventBridge bus events are published to (`EVENT_BUS_NAME`); none: webhooks
    /// only.
    pub event_bus_name: Option<String>,
    /// See [`super::allow_loopback_http`].
    pub allow_loopback_http: bool,
}

impl EventsConfig {
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<EventsConfig, ConfigError> {
        Ok(EventsConfig {
            table_name: super::table_name(&lookup)?,
            event_bus_name: lookup("EVENT_BUS_NAME").filter(|v| !v.is_empty()),
            allow_loopback_http: super::allow_loopback_http(&lookup),
        })
    }
}
