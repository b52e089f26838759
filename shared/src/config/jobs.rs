//! The jobs worker's section (the `jobs` function): no secret, all from the environment.

use super::ConfigError;

#[derive(Debug, Clone)]
pub struct JobsConfig {
    pub table_name: String,
    /// The files bucket: exports are written there, erased messages' files deleted.
    pub attachments_bucket: String,
}

impl JobsConfig {
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<JobsConfig, ConfigError> {
        let table_name = super::table_name(&lookup)?;
        let attachments_bucket = lookup("ATTACHMENTS_BUCKET")
            .filter(|v| !v.is_empty())
            .ok_or(ConfigError::Missing("ATTACHMENTS_BUCKET"))?;
        Ok(JobsConfig {
            table_name,
            attachments_bucket,
        })
    }
}
