//! Logging for every binary: JSON lines in Lambda (CloudWatch parses them), level from
//! `RUST_LOG` (default `info`).

use tracing_subscriber::EnvFilter;

/// The SDK logs every error response at WARN, expected ones (a failed condition) included;
/// the store classifies and logs what matters.
const DEFAULT_FILTER: &str = "info,aws_smithy_runtime=error,aws_smithy_runtime_api=error";

pub fn init() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .without_time();
    // Lambda adds its own timestamps; a terminal gets readable lines instead of JSON.
    if std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some() {
        let _ = builder.json().with_current_span(false).try_init();
    } else {
        let _ = builder.try_init();
    }
}
