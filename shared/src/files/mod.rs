//! Attachment files in the private S3 bucket. Browsers upload straight to S3 with a
//! presigned POST whose policy pins the key, the type and the exact size; the functions
//! never pass file bytes through. Keys are scoped by tenant and conversation:
//! `uploads/{tenant}/{conversation}/{upload id}` until a message takes the file, then
//! `files/{tenant}/{conversation}/{upload id}` (the bucket's lifecycle rule deletes what
//! is still under `uploads/` after a day). Downloads are presigned GETs valid minutes,
//! always as attachments. Exports are written here too, under `exports/`.
//!
//! Ids may hold `+ | @ :`, and file names any character: both are encoded where S3 reads
//! them from a header ([`names`]), and the form's URL is the bucket's alone.

use std::time::Duration;

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;

use crate::domain::ConversationId;

mod form;
mod multipart;
pub mod names;
mod person;

pub use multipart::{MultipartUpload, MIN_PART_BYTES};
pub use person::{export_key, export_piece_key, EXPORT_LINK_EXPIRY};

/// How long an upload form and a download link live.
pub const UPLOAD_EXPIRY: Duration = Duration::from_secs(10 * 60);
pub const DOWNLOAD_EXPIRY: Duration = Duration::from_secs(5 * 60);

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("no such file")]
    Missing,
    /// The file is no longer the one that was checked (uploaded again in between).
    #[error("the file changed after it was checked")]
    Changed,
    #[error("file storage unavailable: {0}")]
    Unavailable(String),
    /// S3 refused the request, and would again.
    #[error("file storage refused the request: {0}")]
    Refused(String),
}

impl From<FileError> for crate::ApiError {
    fn from(err: FileError) -> Self {
        match err {
            FileError::Missing => crate::ApiError::bad_request(
                "attachment_missing",
                "the upload has no file: upload it with the form first",
            ),
            FileError::Changed => crate::ApiError::conflict(
                "attachment_changed",
                "an attachment was uploaded again while the message was sent: send it again",
            ),
            FileError::Refused(detail) => crate::ApiError::Internal(detail),
            FileError::Unavailable(detail) => {
                tracing::warn!(%detail, "file storage unavailable");
                crate::ApiError::Unavailable {
                    retry_after_secs: 2,
                }
            }
        }
    }
}

fn unavailable(err: impl std::fmt::Display) -> FileError {
    FileError::Unavailable(err.to_string())
}

/// A browser form that uploads one file to S3.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UploadForm {
    pub url: String,
    /// The form's fields, in order, before the `file` field.
    pub fields: Vec<(String, String)>,
    pub expires_at: String,
}

/// What S3 holds of a file: its size and type, its first bytes to recognise it by, and
/// its ETag, so that only these bytes are copied ([`S3Files::keep`]).
#[derive(Debug, Clone)]
pub struct FileHead {
    pub size: u64,
    pub content_type: Option<String>,
    pub first_bytes: Vec<u8>,
    /// Empty for an empty file (S3 answers its ranged GET without one).
    pub etag: String,
}

#[derive(Debug, Clone)]
pub struct S3Files {
    client: aws_sdk_s3::Client,
    bucket: String,
    /// The client's own credentials and region, to sign upload forms with.
    credentials: SharedCredentialsProvider,
    region: String,
}

pub fn upload_key(
    tenant: &crate::domain::ids::TenantId,
    conversation: &ConversationId,
    upload: &str,
) -> String {
    format!("uploads/{tenant}/{}/{upload}", conversation.encode())
}

pub fn file_key(
    tenant: &crate::domain::ids::TenantId,
    conversation: &ConversationId,
    upload: &str,
) -> String {
    format!("files/{tenant}/{}/{upload}", conversation.encode())
}

/// S3's answer as an error: a refusal that no retry changes (AccessDenied: a grant
/// missing; a malformed request: a bug) apart from what may pass (throttling, 5xx, the
/// network).
fn sdk_error<E>(err: aws_sdk_s3::error::SdkError<E>) -> FileError
where
    E: aws_sdk_s3::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    const RETRYABLE: &[&str] = &["SlowDown", "RequestTimeout", "RequestTimeTooSkewed"];
    let refused = match &err {
        aws_sdk_s3::error::SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or_default();
            service.raw().status().as_u16() < 500 && !RETRYABLE.contains(&code)
        }
        _ => false,
    };
    let detail = aws_sdk_s3::error::DisplayErrorContext(err).to_string();
    if refused {
        FileError::Refused(detail)
    } else {
        FileError::Unavailable(detail)
    }
}

impl S3Files {
    pub fn new(
        client: aws_sdk_s3::Client,
        bucket: impl Into<String>,
        credentials: SharedCredentialsProvider,
        region: impl Into<String>,
    ) -> Self {
        S3Files {
            client,
            bucket: bucket.into(),
            credentials,
            region: region.into(),
        }
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The file's size, type and ETag and its first `bytes` bytes: one ranged GET.
    pub async fn head(&self, key: &str, bytes: usize) -> Result<FileHead, FileError> {
        let result = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .range(format!("bytes=0-{}", bytes.saturating_sub(1)))
            .send()
            .await;
        let output = match result {
            Ok(output) => output,
            Err(err) if err.as_service_error().is_some_and(|e| e.is_no_such_key()) => {
                return Err(FileError::Missing)
            }
            // An empty file has no first byte to range over.
            Err(err)
                if err
                    .raw_response()
                    .is_some_and(|r| r.status().as_u16() == 416) =>
            {
                return Ok(FileHead {
                    size: 0,
                    content_type: None,
                    first_bytes: Vec::new(),
                    etag: String::new(),
                })
            }
            Err(err) => return Err(sdk_error(err)),
        };
        let size = output
            .content_range()
            .and_then(|range| range.rsplit('/').next())
            .and_then(|total| total.parse().ok())
            .or_else(|| output.content_length().and_then(|n| u64::try_from(n).ok()))
            .unwrap_or(0);
        let content_type = output.content_type().map(str::to_owned);
        let etag = output.e_tag().unwrap_or_default().to_owned();
        let first_bytes = output
            .body
            .collect()
            .await
            .map_err(unavailable)?
            .into_bytes()
            .to_vec();
        Ok(FileHead {
            size,
            content_type,
            first_bytes,
            etag,
        })
    }

    /// Moves an upload to where a message keeps it (out of the lifecycle rule's reach),
    /// only while it is still the file whose [`FileHead::etag`] is `etag`: bytes uploaded
    /// again after the check are never copied ([`FileError::Changed`]).
    pub async fn keep(&self, from: &str, to: &str, etag: &str) -> Result<(), FileError> {
        let copied = self
            .client
            .copy_object()
            .bucket(&self.bucket)
            .copy_source(names::copy_source(&self.bucket, from))
            .copy_source_if_match(etag)
            .key(to)
            .send()
            .await;
        match copied {
            Ok(_) => Ok(()),
            Err(err)
                if err
                    .raw_response()
                    .is_some_and(|r| r.status().as_u16() == 412) =>
            {
                Err(FileError::Changed)
            }
            Err(err)
                if err
                    .raw_response()
                    .is_some_and(|r| r.status().as_u16() == 404) =>
            {
                Err(FileError::Missing)
            }
            Err(err) => Err(sdk_error(err)),
        }
    }

    /// A link that downloads the file as an attachment (never shown inline), for minutes,
    /// under its name ([`names::content_disposition`]).
    pub async fn download_link(
        &self,
        key: &str,
        name: &str,
        content_type: &str,
    ) -> Result<String, FileError> {
        let presigned = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .response_content_disposition(names::content_disposition(name))
            .response_content_type(content_type)
            .presigned(PresigningConfig::expires_in(DOWNLOAD_EXPIRY).map_err(unavailable)?)
            .await
            .map_err(unavailable)?;
        Ok(presigned.uri().to_owned())
    }

    /// Stores a file the service made (an export): one PutObject.
    pub async fn put(&self, key: &str, content_type: &str, body: Vec<u8>) -> Result<(), FileError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    /// Deletes the files a deleted message (or an erased person) had: one DeleteObject
    /// each, which S3 answers alike whether or not the object is there, so a retried
    /// deletion is harmless.
    pub async fn delete(&self, keys: &[String]) -> Result<(), FileError> {
        for key in keys {
            self.client
                .delete_object()
                .bucket(&self.bucket)
                .key(key)
                .send()
                .await
                .map_err(sdk_error)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
