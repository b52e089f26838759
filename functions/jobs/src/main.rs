use std::sync::Arc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::run_events(|worker: Arc<jobs::Deployed>, event| async move {
        jobs::handle(&worker, event).await
    })
    .await
}
