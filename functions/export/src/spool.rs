//! Where an export's file goes while its history is read: kept for the response while the
//! response would fit, else written to the bucket in parts of [`MIN_PART_BYTES`], so no
//! more than a part and a page is ever held, however long the history.

use shared::files::{MultipartUpload, S3Files, MIN_PART_BYTES};
use shared::ApiError;

/// How Lambda's JSON response carries the file, which decides how much room it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Text: a JSON string.
    Text,
    /// Anything else: base64, four bytes for three.
    Binary,
}

/// What a part holds at most: a part, and the last page's rows that took it past it
/// (reserved at once, so the buffer is never copied to grow).
const PART_CAPACITY: usize = MIN_PART_BYTES + 3 * 1024 * 1024;

/// Bytes of `text` once written as a JSON string, quotes aside: Lambda's response is JSON,
/// where `"`, `\` and control characters take two bytes (six for the rare ones).
pub fn escaped_len(text: &[u8]) -> usize {
    text.iter()
        .map(|b| match b {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 2,
            0..=0x1f => 6,
            _ => 1,
        })
        .sum()
}

/// How an export ended.
pub enum Spooled {
    /// Small enough to answer with.
    Inline(Vec<u8>),
    /// Stored in the bucket under this key.
    Stored(String),
}

pub struct Spool<'a> {
    /// What is not yet uploaded.
    body: Vec<u8>,
    /// The file's bytes so far.
    bytes: usize,
    /// The response's size so far, for text: the file as a JSON string.
    escaped: usize,
    encoding: Encoding,
    content_type: &'static str,
    /// The most a response may be.
    limit: usize,
    files: Option<&'a S3Files>,
    key: String,
    upload: Option<MultipartUpload<'a>>,
}

impl<'a> Spool<'a> {
    /// A spool for an answer of at most `limit` bytes, else for `key` in `files`.
    pub fn new(
        limit: usize,
        files: Option<&'a S3Files>,
        key: String,
        (content_type, encoding): (&'static str, Encoding),
    ) -> Self {
        Spool {
            body: Vec::new(),
            bytes: 0,
            escaped: 2,
            encoding,
            content_type,
            limit,
            files,
            key,
            upload: None,
        }
    }

    fn too_large(&self) -> bool {
        let answered = match self.encoding {
            Encoding::Text => self.escaped,
            Encoding::Binary => 2 + 4 * self.bytes.div_ceil(3),
        };
        answered > self.limit
    }

    /// Appends a record. Past the limit without a bucket there is no answer to give.
    pub fn push(&mut self, record: &[u8]) -> Result<(), ApiError> {
        if self.encoding == Encoding::Text {
            self.escaped += escaped_len(record);
        }
        self.bytes += record.len();
        self.body.extend_from_slice(record);
        if self.too_large() && self.files.is_none() {
            return Err(ApiError::ExportTooLarge { limit: self.limit });
        }
        Ok(())
    }

    /// Called after each page: once the export is the bucket's and a part is full, the
    /// part is uploaded (the first starts the upload).
    pub async fn page_done(&mut self) -> Result<(), ApiError> {
        if !self.too_large() || self.body.len() < MIN_PART_BYTES {
            return Ok(());
        }
        let files = self
            .files
            .ok_or(ApiError::ExportTooLarge { limit: self.limit })?;
        if self.upload.is_none() {
            self.upload = Some(files.start_multipart(&self.key, self.content_type).await?);
        }
        let part = std::mem::replace(&mut self.body, Vec::with_capacity(PART_CAPACITY));
        if let Some(upload) = self.upload.as_mut() {
            upload.put_part(part).await?;
        }
        Ok(())
    }

    /// The parts uploaded so far.
    pub fn parts(&self) -> usize {
        self.upload.as_ref().map_or(0, MultipartUpload::parts)
    }

    /// The answer, or the stored file: the rest as the last part (or, when nothing was
    /// uploaded yet, as the one object).
    pub async fn finish(mut self) -> Result<Spooled, ApiError> {
        if !self.too_large() {
            return Ok(Spooled::Inline(self.body));
        }
        let files = self
            .files
            .ok_or(ApiError::ExportTooLarge { limit: self.limit })?;
        let rest = std::mem::take(&mut self.body);
        match self.upload.take() {
            None => {
                files.put(&self.key, self.content_type, rest).await?;
            }
            Some(mut upload) => {
                let last = match rest.is_empty() {
                    true => Ok(()),
                    false => upload.put_part(rest).await,
                };
                let done = match last {
                    Ok(()) => upload.complete().await,
                    Err(err) => {
                        upload.abort().await;
                        Err(err)
                    }
                };
                done?;
            }
        }
        Ok(Spooled::Stored(self.key))
    }

    /// Drops what was uploaded, when the export fails part way.
    pub async fn abort(mut self) {
        if let Some(upload) = self.upload.take() {
            upload.abort().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_escaped_length_is_serde_json_s() {
        for text in [
            "plain",
            "\"quoted\"\r\n",
            "back\\slash\ttab\u{8}\u{c}",
            "\u{1}\u{1f}\u{7f}",
            "Отчёт – 写真 \u{FEFF}",
        ] {
            assert_eq!(
                escaped_len(text.as_bytes()) + 2,
                serde_json::to_string(text).unwrap().len(),
                "{text:?}"
            );
        }
    }
}
