use std::sync::Arc;

use tracing::Instrument;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init_json();
    let config = notify::NotifyConfig::from_env()?;
    // The clients are built at the first run, not during init: building three SDK
    // clients would triple the function's init time.
    let dispatcher = Arc::new(tokio::sync::OnceCell::new());
    lambda_runtime::run(lambda_runtime::service_fn(
        |event: lambda_runtime::LambdaEvent<serde_json::Value>| {
            let span = tracing::info_span!(
                "invocation",
                request_id = %event.context.request_id,
                operation = "notify",
            );
            let (dispatcher, config) = (dispatcher.clone(), config.clone());
            async move {
                let dispatcher = dispatcher
                    .get_or_init(|| notify::Dispatcher::from_environment(&config))
                    .await;
                notify::handle(dispatcher, event).await
            }
            .instrument(span)
        },
    ))
    .await
}
