//! What the function builds once per container, on the container's clients.

use std::sync::Arc;

use shared::aws::Clients;
use shared::config::{ConfigError, InboundConfig};
use shared::notify::SnsSms;
use shared::settings_cache::SettingsCache;
use shared::store::DynamoStore;

use crate::Inbound;

pub struct Deployed {
    pub inbound: Inbound<DynamoStore>,
    /// The SMS sender for replies on the SNS path.
    pub replies: SnsSms,
}

impl Deployed {
    pub fn from_clients(clients: &Clients, config: &InboundConfig) -> Self {
        let settings = Arc::new(SettingsCache::new(config.settings_ttl));
        Deployed {
            inbound: Inbound::new(clients.store(&config.table_name), config, settings),
            replies: clients.sms(),
        }
    }
}

impl shared::runtime::Container for Deployed {
    const OPERATION: &'static str = "sms_inbound";

    fn check_environment(lookup: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        InboundConfig::check_environment(lookup)
    }

    /// Reads the webhook's token (once per cold start).
    async fn first_use(clients: &Clients) -> Result<Self, ConfigError> {
        let config = shared::Config::load_inbound(&clients.ssm()).await?;
        Ok(Deployed::from_clients(clients, &config))
    }
}

/// The Lambda handler on the deployed function: an SNS event or a webhook request.
pub async fn handle(
    deployed: &Deployed,
    event: shared::runtime::LambdaEvent<serde_json::Value>,
) -> Result<serde_json::Value, shared::runtime::Error> {
    crate::handle_event(&deployed.inbound, &deployed.replies, event.payload).await
}
