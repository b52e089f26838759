//! A file the service writes in parts it does not hold at once (an export): S3's
//! multipart upload. Every part but the last is at least [`MIN_PART_BYTES`]; S3 joins
//! them when the upload completes. An upload neither completed nor aborted is removed by
//! the bucket's lifecycle rule.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};

use super::{sdk_error, unavailable, FileError, S3Files};

/// S3's smallest part but the last.
pub const MIN_PART_BYTES: usize = 5 * 1024 * 1024;

/// An upload started and not yet completed: [`MultipartUpload::complete`] or
/// [`MultipartUpload::abort`] it.
#[derive(Debug)]
pub struct MultipartUpload<'a> {
    files: &'a S3Files,
    key: String,
    upload_id: String,
    parts: Vec<CompletedPart>,
}

impl S3Files {
    /// Starts a multipart upload of `key` (one CreateMultipartUpload).
    pub async fn start_multipart(
        &self,
        key: &str,
        content_type: &str,
    ) -> Result<MultipartUpload<'_>, FileError> {
        let output = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .send()
            .await
            .map_err(sdk_error)?;
        let upload_id = output
            .upload_id()
            .ok_or_else(|| FileError::Unavailable("no upload id".into()))?;
        Ok(MultipartUpload {
            files: self,
            key: key.to_owned(),
            upload_id: upload_id.to_owned(),
            parts: Vec::new(),
        })
    }
}

impl MultipartUpload<'_> {
    pub fn key(&self) -> &str {
        &self.key
    }

    /// How many parts are uploaded.
    pub fn parts(&self) -> usize {
        self.parts.len()
    }

    /// Uploads the next part (one UploadPart): at least [`MIN_PART_BYTES`] unless it is
    /// the last.
    pub async fn put_part(&mut self, body: Vec<u8>) -> Result<(), FileError> {
        let number = i32::try_from(self.parts.len() + 1).map_err(unavailable)?;
        let output = self
            .files
            .client
            .upload_part()
            .bucket(&self.files.bucket)
            .key(&self.key)
            .upload_id(&self.upload_id)
            .part_number(number)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(sdk_error)?;
        self.parts.push(
            CompletedPart::builder()
                .part_number(number)
                .set_e_tag(output.e_tag)
                .build(),
        );
        Ok(())
    }

    /// Joins the parts into the file (one CompleteMultipartUpload).
    pub async fn complete(self) -> Result<(), FileError> {
        self.files
            .client
            .complete_multipart_upload()
            .bucket(&self.files.bucket)
            .key(&self.key)
            .upload_id(&self.upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(self.parts))
                    .build(),
            )
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    /// Drops the parts uploaded so far (one AbortMultipartUpload). A failure is logged,
    /// not returned: the lifecycle rule removes what is left.
    pub async fn abort(self) {
        let aborted = self
            .files
            .client
            .abort_multipart_upload()
            .bucket(&self.files.bucket)
            .key(&self.key)
            .upload_id(&self.upload_id)
            .send()
            .await;
        if let Err(err) = aborted {
            tracing::warn!(
                key = %self.key,
                error = %aws_sdk_s3::error::DisplayErrorContext(err),
                "an unfinished upload is left to the lifecycle rule"
            );
        }
    }
}
