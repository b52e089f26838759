//! The dispatcher on the container's clients.

use shared::aws::Clients;
use shared::config::{ConfigError, DispatchConfig};
use shared::notify::{SesEmail, SnsSms};
use shared::store::DynamoStore;

use crate::Dispatcher;

/// The dispatcher as the function runs it: DynamoDB, SES and SNS.
pub type Deployed = Dispatcher<DynamoStore, SesEmail, SnsSms>;

impl Deployed {
    pub fn from_clients(clients: &Clients, config: &DispatchConfig) -> Self {
        Dispatcher::new(
            clients.store(&config.table_name),
            clients
                .email()
                .with_configuration_set(config.configuration_set.clone()),
            clients.sms(),
            &config.from_email,
        )
        .with_reply_domain(config.reply_domain.clone())
        .with_api_url(config.api_url.clone())
    }
}

impl shared::runtime::Container for Deployed {
    const OPERATION: &'static str = "notify";

    fn check_environment(lookup: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        DispatchConfig::from_lookup(lookup).map(|_| ())
    }

    /// No secret: the environment, read again, and the clients.
    async fn first_use(clients: &Clients) -> Result<Self, ConfigError> {
        Ok(Deployed::from_clients(
            clients,
            &shared::Config::load_dispatch()?,
        ))
    }
}
