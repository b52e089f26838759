// The instrumented handler future nests deeper than the default layout limit.
#![recursion_limit = "256"]

use tracing::Instrument;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let config = sms_inbound::InboundConfig::from_env()?;
    let (inbound, replies) = sms_inbound::Inbound::from_environment(&config).await;
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
