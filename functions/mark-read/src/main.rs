#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::run_http(shared::app::WithoutFiles, |app, request| async move {
        mark_read::handle(&app, request).await
    })
    .await
}
