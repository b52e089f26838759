//! What jobs on a person's data do with files: read back the pieces an export was written
//! in, and link a person's files for the length of a hand-over.

use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;

use super::{names, sdk_error, unavailable, FileError, S3Files};

/// How long the links to a person's files in their export work.
pub const EXPORT_LINK_EXPIRY: Duration = Duration::from_secs(60 * 60);

/// Where a person's export is written: pieces while it runs, then the one document.
pub fn export_key(tenant: &str, job: &str) -> String {
    format!("exports/{tenant}/jobs/{job}.json")
}

pub fn export_piece_key(tenant: &str, job: &str, piece: u32) -> String {
    format!("exports/{tenant}/jobs/{job}/pieces/{piece:06}")
}

impl S3Files {
    /// A whole object (one GetObject): the pieces of an export, a few MB at most.
    pub async fn read(&self, key: &str) -> Result<Vec<u8>, FileError> {
        let output = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(output) => output,
            Err(err) if err.as_service_error().is_some_and(|e| e.is_no_such_key()) => {
                return Err(FileError::Missing)
            }
            Err(err) => return Err(sdk_error(err)),
        };
        Ok(output.body.collect().await.map_err(unavailable)?.to_vec())
    }

    /// A download link valid for `expiry`, as an attachment under `name`.
    pub async fn link_for(
        &self,
        key: &str,
        name: &str,
        content_type: &str,
        expiry: Duration,
    ) -> Result<String, FileError> {
        let presigned = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .response_content_disposition(names::content_disposition(name))
            .response_content_type(content_type)
            .presigned(PresigningConfig::expires_in(expiry).map_err(unavailable)?)
            .await
            .map_err(unavailable)?;
        Ok(presigned.uri().to_owned())
    }
}
