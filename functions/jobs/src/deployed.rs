//! The worker on the container's clients.

use shared::aws::Clients;
use shared::config::{ConfigError, JobsConfig};
use shared::store::DynamoStore;

use crate::Worker;

/// The worker as the function runs it: DynamoDB and the files bucket.
pub type Deployed = Worker<DynamoStore>;

impl shared::runtime::Container for Deployed {
    const OPERATION: &'static str = "jobs";

    fn check_environment(lookup: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        JobsConfig::from_lookup(lookup).map(|_| ())
    }

    /// No secret: the environment, read again, and the clients.
    async fn first_use(clients: &Clients) -> Result<Self, ConfigError> {
        let config = shared::Config::load_jobs()?;
        let files = clients
            .files(&config.attachments_bucket)
            .ok_or(ConfigError::Missing("AWS_REGION"))?;
        Ok(Worker::new(clients.store(&config.table_name), files))
    }
}
