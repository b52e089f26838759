use tracing::Instrument;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let config = notify::NotifyConfig::from_env()?;
    let dispatcher = notify::Dispatcher::from_environment(&config).await;
    lambda_runtime::run(lambda_runtime::service_fn(
        |event: lambda_runtime::LambdaEvent<serde_json::Value>| {
            let span = tracing::info_span!(
                "invocation",
                request_id = %event.context.request_id,
                operation = "notify",
            );
            notify::handle(&dispatcher, event).instrument(span)
        },
    ))
    .await
}
