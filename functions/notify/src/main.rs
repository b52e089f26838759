use std::sync::Arc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::run_events(|dispatcher: Arc<notify::Deployed>, event| async move {
        notify::handle(&dispatcher, event).await
    })
    .await
}
