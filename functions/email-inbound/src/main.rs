use std::sync::Arc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::run_events(|deployed: Arc<email_inbound::Deployed>, event| async move {
        email_inbound::handle(&deployed, event).await
    })
    .await
}
