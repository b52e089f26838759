//! Logging for every binary: JSON lines in Lambda (CloudWatch parses them), level from
//! `RUST_LOG` (default `info`).

use tracing_subscriber::EnvFilter;

/// The SDK, and the embedded DynamoDB of the local API, log every error response at WARN,
/// expected ones (a failed condition: an ordering retry, an idempotent replay, a provider
/// redelivery) included; the store classifies them and logs what an operator should see.
const DEFAULT_FILTER: &str =
    "info,aws_smithy_runtime=error,aws_smithy_runtime_api=error,dynoxide=error";

/// `RUST_LOG`, or the default.
pub fn filter() -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER))
}

pub fn init() {
    let filter = filter();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .without_time();
    // Lambda adds its own timestamps; a terminal gets readable lines instead of JSON.
    if std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some() {
        // Each line carries its invocation's span: request id, operation and tenant.
        let _ = builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init();
    } else {
        let _ = builder.try_init();
    }
}
