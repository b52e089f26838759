// The instrumented handler future nests deeper than the default layout limit.
#![recursion_limit = "256"]

use tracing::Instrument;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let clients = shared::aws::Clients::from_environment().await;
    let started = std::time::Instant::now();
    let config = sms_inbound::InboundConfig::load(&clients.ssm()).await?;
    tracing::info!(
        secrets_ms = started.elapsed().as_millis() as u64,
        "configuration read"
    );
    let (inbound, replies) = sms_inbound::Inbound::from_clients(&clients, &config);
    lambda_runtime::run(lambda_runtime::service_fn(
        |event: lambda_runtime::LambdaEvent<serde_json::Value>| {
            let span = tracing::info_span!(
                "invocation",
                request_id = %event.context.request_id,
                operation = "sms_inbound",
                tenant = tracing::field::Empty,
            );
            sms_inbound::handle_event(&inbound, &replies, event.payload).instrument(span)
        },
    ))
    .await
}
