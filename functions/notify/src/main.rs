#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let config = notify::NotifyConfig::from_env()?;
    let dispatcher = notify::Dispatcher::from_environment(&config).await;
    lambda_runtime::run(lambda_runtime::service_fn(|event| {
        notify::handle(&dispatcher, event)
    }))
    .await
}
