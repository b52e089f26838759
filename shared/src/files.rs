//! Attachment files in the private S3 bucket. Browsers upload straight to S3 with a
//! presigned POST whose policy pins the key, the type and the exact size; the functions
//! never pass file bytes through. Keys are scoped by tenant and conversation:
//! `uploads/{tenant}/{conversation}/{upload id}` until a message takes the file, then
//! `files/{tenant}/{conversation}/{upload id}` (the bucket's lifecycle rule deletes what
//! is still under `uploads/` after a day). Downloads are presigned GETs valid minutes,
//! always as attachments.

use std::time::Duration;

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::ConversationId;

/// How long an upload form and a download link live.
pub const UPLOAD_EXPIRY: Duration = Duration::from_secs(10 * 60);
pub const DOWNLOAD_EXPIRY: Duration = Duration::from_secs(5 * 60);

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("no such file")]
    Missing,
    #[error("file storage unavailable: {0}")]
    Unavailable(String),
}

impl From<FileError> for crate::ApiError {
    fn from(err: FileError) -> Self {
        match err {
            FileError::Missing => crate::ApiError::bad_request(
                "attachment_missing",
                "the upload has no file: upload it with the form first",
            ),
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

/// What S3 holds of a file: its size and type, and its first bytes to recognise it by.
#[derive(Debug, Clone)]
pub struct FileHead {
    pub size: u64,
    pub content_type: Option<String>,
    pub first_bytes: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct S3Files {
    client: aws_sdk_s3::Client,
    bucket: String,
    /// The client's own credentials and region, to sign upload forms with.
    credentials: SharedCredentialsProvider,
    region: String,
}

pub fn upload_key(tenant: &str, conversation: &ConversationId, upload: &str) -> String {
    format!("uploads/{tenant}/{}/{upload}", conversation.encode())
}

pub fn file_key(tenant: &str, conversation: &ConversationId, upload: &str) -> String {
    format!("files/{tenant}/{}/{upload}", conversation.encode())
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key");
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
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

    /// The URL a form posts to: the bucket's, as the client addresses it (the presigned
    /// GET of the key without its query and its key).
    async fn bucket_url(&self, key: &str) -> Result<String, FileError> {
        let presigned = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(PresigningConfig::expires_in(UPLOAD_EXPIRY).map_err(unavailable)?)
            .await
            .map_err(unavailable)?;
        let uri = presigned.uri();
        let without_query = uri.split('?').next().unwrap_or(uri);
        Ok(without_query
            .strip_suffix(key)
            .unwrap_or(without_query)
            .trim_end_matches('/')
            .to_owned())
    }

    /// A presigned POST for exactly this key, type and size (SigV4 POST policy).
    pub async fn upload_form(
        &self,
        key: &str,
        content_type: &str,
        size: u64,
    ) -> Result<UploadForm, FileError> {
        let credentials = self
            .credentials
            .provide_credentials()
            .await
            .map_err(unavailable)?;
        let region = &self.region;
        let now = jiff::Timestamp::now();
        let utc = now.to_zoned(jiff::tz::TimeZone::UTC);
        let date = utc.strftime("%Y%m%d").to_string();
        let amz_date = utc.strftime("%Y%m%dT%H%M%SZ").to_string();
        let expires = now + jiff::SignedDuration::try_from(UPLOAD_EXPIRY).map_err(unavailable)?;
        let credential = format!(
            "{}/{date}/{region}/s3/aws4_request",
            credentials.access_key_id()
        );
        let mut conditions = vec![
            serde_json::json!({"bucket": self.bucket}),
            serde_json::json!({"key": key}),
            serde_json::json!({"Content-Type": content_type}),
            serde_json::json!(["content-length-range", size, size]),
            serde_json::json!({"x-amz-algorithm": "AWS4-HMAC-SHA256"}),
            serde_json::json!({"x-amz-credential": credential}),
            serde_json::json!({"x-amz-date": amz_date}),
        ];
        let mut fields = vec![
            ("key".to_owned(), key.to_owned()),
            ("Content-Type".to_owned(), content_type.to_owned()),
            ("x-amz-algorithm".to_owned(), "AWS4-HMAC-SHA256".to_owned()),
            ("x-amz-credential".to_owned(), credential),
            ("x-amz-date".to_owned(), amz_date),
        ];
        if let Some(token) = credentials.session_token() {
            conditions.push(serde_json::json!({"x-amz-security-token": token}));
            fields.push(("x-amz-security-token".to_owned(), token.to_owned()));
        }
        let policy = serde_json::json!({
            "expiration": format!("{:.3}", expires),
            "conditions": conditions,
        });
        let policy = base64::engine::general_purpose::STANDARD.encode(policy.to_string());
        let signing_key = ["s3", "aws4_request"].iter().fold(
            hmac(
                &hmac(
                    format!("AWS4{}", credentials.secret_access_key()).as_bytes(),
                    &date,
                ),
                region,
            ),
            |key, part| hmac(&key, part),
        );
        let signature: String = hmac(&signing_key, &policy)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        fields.push(("policy".to_owned(), policy));
        fields.push(("x-amz-signature".to_owned(), signature));
        Ok(UploadForm {
            url: self.bucket_url(key).await?,
            fields,
            expires_at: crate::domain::format_timestamp(expires),
        })
    }

    /// The file's size and type and its first `bytes` bytes: one ranged GET.
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
                })
            }
            Err(err) => return Err(unavailable(aws_sdk_s3::error::DisplayErrorContext(err))),
        };
        let size = output
            .content_range()
            .and_then(|range| range.rsplit('/').next())
            .and_then(|total| total.parse().ok())
            .or_else(|| output.content_length().and_then(|n| u64::try_from(n).ok()))
            .unwrap_or(0);
        let content_type = output.content_type().map(str::to_owned);
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
        })
    }

    /// Moves an upload to where a message keeps it (out of the lifecycle rule's reach).
    pub async fn keep(&self, from: &str, to: &str) -> Result<(), FileError> {
        self.client
            .copy_object()
            .bucket(&self.bucket)
            .copy_source(format!("{}/{from}", self.bucket))
            .key(to)
            .send()
            .await
            .map_err(|err| unavailable(aws_sdk_s3::error::DisplayErrorContext(err)))?;
        Ok(())
    }

    /// A link that downloads the file as an attachment (never shown inline), for minutes.
    pub async fn download_link(
        &self,
        key: &str,
        name: &str,
        content_type: &str,
    ) -> Result<String, FileError> {
        let safe_name: String = name
            .chars()
            .map(|c| {
                if c == '"' || c == '\\' || c.is_control() {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        let presigned = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .response_content_disposition(format!("attachment; filename=\"{safe_name}\""))
            .response_content_type(content_type)
            .presigned(PresigningConfig::expires_in(DOWNLOAD_EXPIRY).map_err(unavailable)?)
            .await
            .map_err(unavailable)?;
        Ok(presigned.uri().to_owned())
    }

    /// Stores a file the service made (an export) and links to it for minutes.
    pub async fn put_and_link(
        &self,
        key: &str,
        name: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<String, FileError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|err| unavailable(aws_sdk_s3::error::DisplayErrorContext(err)))?;
        self.download_link(key, name, content_type).await
    }
}
