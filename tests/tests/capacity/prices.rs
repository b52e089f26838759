//! What every `CAPACITY` line is priced with: the us-east-1 list prices the operations
//! share, the functions' memory sizes as infra/template.yaml sets them, and the
//! measurement that prints a line priced with them. Prices of one kind of operation (SES,
//! S3, SNS, EventBridge) stay beside its measurement.

use std::future::Future;
use std::time::{Duration, Instant};

use testkit::TestStack;

/// us-east-1 list prices, per million.
pub(super) const HTTP_API_PER_MILLION: f64 = 1.00;
pub(super) const LAMBDA_REQUESTS_PER_MILLION: f64 = 0.20;
pub(super) const LAMBDA_ARM_PER_GB_SECOND: f64 = 0.000_013_333_4;
pub(super) const RRU_PER_MILLION: f64 = 0.125;
pub(super) const WRU_PER_MILLION: f64 = 0.625;

/// infra/template.yaml, parsed.
fn template() -> serde_yaml::Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../infra/template.yaml");
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The functions' memory size, as the template gives it (read once).
pub(super) fn memory_gb() -> f64 {
    static MEMORY_GB: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *MEMORY_GB.get_or_init(|| {
        template()["Globals"]["Function"]["MemorySize"]
            .as_f64()
            .expect("the template sets a memory size")
            / 1024.0
    })
}

/// EmailInboundFunction's memory size in the template, in GB.
pub(super) fn inbound_memory_gb() -> f64 {
    template()["Resources"]["EmailInboundFunction"]["Properties"]["MemorySize"]
        .as_f64()
        .expect("the template sets EmailInboundFunction's memory size")
        / 1024.0
}

/// NotifyFunction's memory size in the template, in GB (the global size when it sets
/// none).
pub(super) fn notify_memory_gb() -> f64 {
    let template = template();
    let own = &template["Resources"]["NotifyFunction"]["Properties"]["MemorySize"];
    own.as_f64()
        .or_else(|| template["Globals"]["Function"]["MemorySize"].as_f64())
        .expect("the template sets NotifyFunction's memory size")
        / 1024.0
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Cost {
    pub(super) requests: usize,
    pub(super) rru: f64,
    pub(super) wru: f64,
}

/// Runs one operation and prints what it cost; `via_http` adds the HTTP API's price.
pub(super) async fn measure<T>(
    stack: &TestStack,
    operation: &str,
    readers: usize,
    via_http: bool,
    run: impl Future<Output = T>,
) -> (Cost, T) {
    let label = format!("readers={readers}");
    measure_as(stack, operation, &label, via_http, run).await
}

/// [`measure`], with what the size measured is (`readers=2`, `scale=500`).
pub(super) async fn measure_as<T>(
    stack: &TestStack,
    operation: &str,
    label: &str,
    via_http: bool,
    run: impl Future<Output = T>,
) -> (Cost, T) {
    stack.requests.reset();
    let started = Instant::now();
    let output = run.await;
    let handler: Duration = started.elapsed();
    let cost = Cost {
        requests: stack.requests.total(),
        rru: stack.requests.read_units(),
        wru: stack.requests.write_units(),
    };
    let usd_per_million = if via_http { HTTP_API_PER_MILLION } else { 0.0 }
        + LAMBDA_REQUESTS_PER_MILLION
        + memory_gb() * handler.as_secs_f64() * LAMBDA_ARM_PER_GB_SECOND * 1e6
        + cost.rru * RRU_PER_MILLION
        + cost.wru * WRU_PER_MILLION;
    println!(
        "CAPACITY {operation} {label} requests={} rru={} wru={} handler_ms={:.1} usd_per_million={usd_per_million:.3}",
        cost.requests,
        cost.rru,
        cost.wru,
        handler.as_secs_f64() * 1e3,
    );
    (cost, output)
}
