#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let config = sms_inbound::InboundConfig::from_env()?;
    let (inbound, replies) = sms_inbound::Inbound::from_environment(&config).await;
    lambda_runtime::run(lambda_runtime::service_fn(
        |event: lambda_runtime::LambdaEvent<serde_json::Value>| {
            sms_inbound::handle_event(&inbound, &replies, event.payload)
        },
    ))
    .await
}
