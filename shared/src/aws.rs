//! The one way every function (and the local API) builds its AWS clients: one SDK
//! configuration per container, read from the environment the way every AWS SDK reads it
//! (region, credentials, `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_DYNAMODB`), with timeouts
//! that keep a slow dependency from holding an invocation to its deadline. Building a
//! client makes no network call.

use std::time::Duration;

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::region::Region;
use aws_types::sdk_config::SdkConfig;

use crate::notify::{SesEmail, SnsSms};
use crate::store::DynamoStore;

/// One attempt of one request (the SDK retries throttling and 5xx within the operation).
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(3);
/// A whole operation, retries included: well inside a function's timeout and the
/// dispatcher's deadline margin.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(8);

#[derive(Clone, Debug)]
pub struct Clients {
    config: SdkConfig,
    /// `AWS_ENDPOINT_URL_DYNAMODB`, over `AWS_ENDPOINT_URL` for DynamoDB.
    dynamodb_endpoint: Option<String>,
}

/// HTTPS (and plain HTTP, for local endpoints), shared by every client built from one
/// configuration (see [`crate::https`]).
pub fn http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    aws_smithy_runtime_api::client::http::SharedHttpClient::new(crate::https::Https::default())
}

impl Clients {
    /// From the environment Lambda gives a function, and `make dev` and `make test` set:
    /// the region (`AWS_REGION`), credentials (`AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`) and endpoints (`AWS_ENDPOINT_URL`,
    /// `AWS_ENDPOINT_URL_<SERVICE>`). Not the SDK's whole provider chain (profiles, SSO,
    /// STS, instance metadata): a function never uses it, and it weighed a fifth of every
    /// package.
    pub async fn from_environment() -> Clients {
        Clients::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Clients {
        let timeouts = TimeoutConfig::builder()
            .operation_attempt_timeout(ATTEMPT_TIMEOUT)
            .operation_timeout(OPERATION_TIMEOUT)
            .build();
        let mut config = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .http_client(http_client())
            .timeout_config(timeouts);
        if let Some(region) = lookup("AWS_REGION").or_else(|| lookup("AWS_DEFAULT_REGION")) {
            config = config.region(Region::new(region));
        }
        if let (Some(key), Some(secret)) =
            (lookup("AWS_ACCESS_KEY_ID"), lookup("AWS_SECRET_ACCESS_KEY"))
        {
            let credentials = Credentials::new(
                key,
                secret,
                lookup("AWS_SESSION_TOKEN"),
                None,
                "environment",
            );
            config = config.credentials_provider(SharedCredentialsProvider::new(credentials));
        }
        if let Some(endpoint) = lookup("AWS_ENDPOINT_URL") {
            config = config.endpoint_url(endpoint);
        }
        Clients {
            config: config.build(),
            dynamodb_endpoint: lookup("AWS_ENDPOINT_URL_DYNAMODB"),
        }
    }

    /// The configuration the clients are built from.
    pub fn sdk_config(&self) -> &SdkConfig {
        &self.config
    }

    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        let mut config = aws_sdk_dynamodb::config::Builder::from(&self.config);
        if let Some(endpoint) = &self.dynamodb_endpoint {
            config = config.endpoint_url(endpoint);
        }
        aws_sdk_dynamodb::Client::from_conf(config.build())
    }

    pub fn store(&self, table: &str) -> DynamoStore {
        DynamoStore::new(self.dynamodb(), table)
    }

    pub fn ssm(&self) -> aws_sdk_ssm::Client {
        aws_sdk_ssm::Client::new(&self.config)
    }

    pub fn sesv2(&self) -> aws_sdk_sesv2::Client {
        aws_sdk_sesv2::Client::new(&self.config)
    }

    pub fn email(&self) -> SesEmail {
        SesEmail::new(self.sesv2())
    }

    /// The attachment files in `bucket`.
    pub fn files(&self, bucket: &str) -> Option<crate::files::S3Files> {
        Some(crate::files::S3Files::new(
            aws_sdk_s3::Client::new(&self.config),
            bucket,
            self.config.credentials_provider()?,
            self.config.region()?.as_ref(),
        ))
    }

    pub fn sms(&self) -> SnsSms {
        SnsSms::new(aws_sdk_sns::Client::new(&self.config))
    }
}
