//! What the function builds once per container, on the container's clients.

use shared::aws::Clients;
use shared::config::{ConfigError, RepliesConfig};
use shared::notify::SesEmail;
use shared::store::DynamoStore;
use shared::App;

use crate::Replies;

pub type Deployed = Replies<DynamoStore, SesEmail>;

impl Deployed {
    pub fn from_clients(clients: &Clients, config: &RepliesConfig) -> Result<Self, ConfigError> {
        let bucket = config
            .api
            .attachments_bucket
            .as_deref()
            .ok_or(ConfigError::Missing("ATTACHMENTS_BUCKET"))?;
        let files = clients
            .files(bucket)
            .ok_or(ConfigError::Missing("AWS_REGION"))?;
        let app = App::new(clients.store(&config.api.table_name), &config.api);
        Ok(
            Replies::new(app, files, clients.email(), &config.from_email)
                .with_reply_domain(config.reply_domain.clone()),
        )
    }
}

impl shared::runtime::Container for Deployed {
    const OPERATION: &'static str = "email_inbound";

    fn check_environment(lookup: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        RepliesConfig::from_lookup(lookup).map(|_| ())
    }

    /// No secret: the environment, read again, and the clients.
    async fn first_use(clients: &Clients) -> Result<Self, ConfigError> {
        Deployed::from_clients(clients, &shared::Config::load_replies()?)
    }
}

/// The Lambda handler on the deployed function: an SES receipt event.
pub async fn handle(
    deployed: &Deployed,
    event: shared::runtime::LambdaEvent<serde_json::Value>,
) -> Result<Vec<String>, shared::runtime::Error> {
    let handled = crate::handle_event(deployed, event.payload).await?;
    Ok(handled.iter().map(|h| format!("{h:?}")).collect())
}
