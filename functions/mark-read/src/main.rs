#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::app::run_http(shared::app::WithoutFiles, |app, request| async move {
        mark_read::handle(&app, request).await
    })
    .await
}
