use std::sync::Arc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::run_events(|deployed: Arc<sms_inbound::Deployed>, event| async move {
        sms_inbound::handle(&deployed, event).await
    })
    .await
}
