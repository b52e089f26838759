//! Logging for every binary: JSON lines in Lambda (CloudWatch parses them), level from
//! `RUST_LOG` (default `info`).

use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, Registry};

/// The SDK, and the embedded DynamoDB of the local API, log every error response at WARN,
/// expected ones (a failed condition: an ordering retry, an idempotent replay, a provider
/// redelivery) included; the store classifies them and logs what an operator should see.
const QUIET_TARGETS: &str = "aws_smithy_runtime=error,aws_smithy_runtime_api=error,dynoxide=error";

/// `RUST_LOG` (a level, or `target=level` pairs; default `info`), with the targets above
/// kept quiet unless it names them. A filter by target only: no regular expressions to
/// carry in every function.
pub fn filter() -> Targets {
    let given = std::env::var("RUST_LOG").unwrap_or_default();
    let level = if given.trim().is_empty() {
        "info"
    } else {
        given.trim()
    };
    format!("{QUIET_TARGETS},{level}")
        .parse()
        .unwrap_or_else(|_| format!("{QUIET_TARGETS},info").parse().unwrap_or_default())
}

/// JSON lines for CloudWatch: what every function binary logs. Lambda adds its own
/// timestamps; each line carries its invocation's span (request id, operation, tenant).
/// Function binaries run nowhere else, so they carry no terminal formatter.
pub fn init_json() {
    install(lines().json().with_current_span(true).with_span_list(false));
}

/// Readable lines for a terminal: the local API.
pub fn init_terminal() {
    install(lines());
}

/// One line per event, without target or time.
fn lines() -> tracing_subscriber::fmt::Layer<
    Registry,
    tracing_subscriber::fmt::format::DefaultFields,
    tracing_subscriber::fmt::format::Format<tracing_subscriber::fmt::format::Full, ()>,
> {
    tracing_subscriber::fmt::layer()
        .with_target(false)
        .without_time()
}

/// The process's logger: `layer` behind [`filter`]; a second call changes nothing.
fn install(layer: impl Layer<Registry> + Send + Sync) {
    let _ = tracing_subscriber::registry()
        .with(layer.with_filter(filter()))
        .try_init();
}
