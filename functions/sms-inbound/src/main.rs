// The instrumented handler future nests deeper than the default layout limit.
#![recursion_limit = "256"]

use std::sync::Arc;

use tracing::Instrument;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init_json();
    // Everything but the webhook's token is checked now; init makes no network call.
    sms_inbound::InboundConfig::from_lookup(|name| match name {
        "SMS_WEBHOOK_AUTH_TOKEN" => std::env::var("SMS_WEBHOOK_AUTH_TOKEN_PARAMETER").ok(),
        _ => std::env::var(name).ok(),
    })?;
    let clients = shared::aws::Clients::from_environment().await;
    // Built at the first invocation, which reads the token (once per cold start).
    let container = Arc::new(tokio::sync::OnceCell::new());
    lambda_runtime::run(lambda_runtime::service_fn(
        |event: lambda_runtime::LambdaEvent<serde_json::Value>| {
            let span = tracing::info_span!(
                "invocation",
                request_id = %event.context.request_id,
                operation = "sms_inbound",
                tenant = tracing::field::Empty,
            );
            let (container, clients) = (container.clone(), clients.clone());
            async move {
                let (inbound, replies) = container
                    .get_or_try_init(|| async {
                        let config = sms_inbound::InboundConfig::load(&clients.ssm()).await?;
                        Ok::<_, shared::config::ConfigError>(sms_inbound::Inbound::from_clients(
                            &clients, &config,
                        ))
                    })
                    .await?;
                sms_inbound::handle_event(inbound, replies, event.payload).await
            }
            .instrument(span)
        },
    ))
    .await
}
