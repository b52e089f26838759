#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::run_http(shared::app::WithFiles, |app, request| async move {
        admin::handle(&app, request).await
    })
    .await
}
