#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::run_http(shared::app::WithoutFiles, |app, request| async move {
        admin::handle(&app, request).await
    })
    .await
}
