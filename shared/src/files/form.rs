//! The browser's upload form: a presigned POST (SigV4 POST policy) that pins the key, the
//! type and the exact size, posted to the bucket's URL.

use aws_credential_types::provider::ProvideCredentials;
use aws_sdk_s3::presigning::PresigningConfig;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{unavailable, FileError, S3Files, UploadForm, UPLOAD_EXPIRY};

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key");
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

impl S3Files {
    /// The URL a form posts to: the bucket's, as the client addresses it (virtual host or
    /// path). Taken from a presigned GET of a fixed one-letter key, signed here without a
    /// request, so nothing of the real key (which S3 would see percent-encoded) is in it.
    async fn bucket_url(&self) -> Result<String, FileError> {
        const PROBE: &str = "k";
        let presigned = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(PROBE)
            .presigned(PresigningConfig::expires_in(UPLOAD_EXPIRY).map_err(unavailable)?)
            .await
            .map_err(unavailable)?;
        let uri = presigned.uri();
        let without_query = uri.split('?').next().unwrap_or(uri);
        let url = without_query
            .strip_suffix(PROBE)
            .and_then(|url| url.strip_suffix('/'))
            .ok_or_else(|| FileError::Unavailable(format!("unexpected presigned URL {uri}")))?;
        Ok(url.to_owned())
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
            url: self.bucket_url().await?,
            fields,
            expires_at: crate::domain::format_timestamp(expires),
        })
    }
}
