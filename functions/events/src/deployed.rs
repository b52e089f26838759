//! The events function on the container's clients.

use shared::aws::Clients;
use shared::config::{ConfigError, EventsConfig};
use shared::outbound::{Outbound, Policy};
use shared::store::DynamoStore;

use crate::{EventBridge, Events};

/// As the function runs: DynamoDB, EventBridge and the guarded HTTPS client.
pub type Deployed = Events<DynamoStore, EventBridge>;

impl Deployed {
    pub fn from_clients(clients: &Clients, config: &EventsConfig) -> Self {
        Deployed::with_store(clients.store(&config.table_name), clients, config)
    }

    /// On a table reached otherwise (the local API's embedded DynamoDB).
    pub fn with_store(store: DynamoStore, clients: &Clients, config: &EventsConfig) -> Self {
        Events {
            store,
            bus: config.event_bus_name.as_ref().map(|bus| {
                EventBridge::new(aws_sdk_eventbridge::Client::new(clients.sdk_config()), bus)
            }),
            outbound: Outbound::new(Policy {
                allow_loopback_http: config.allow_loopback_http,
            }),
        }
    }
}

impl shared::runtime::Container for Deployed {
    const OPERATION: &'static str = "events";

    fn check_environment(lookup: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        EventsConfig::from_lookup(lookup).map(|_| ())
    }

    async fn first_use(clients: &Clients) -> Result<Self, ConfigError> {
        let config = EventsConfig::from_lookup(|name| std::env::var(name).ok())?;
        Ok(Deployed::from_clients(clients, &config))
    }
}
