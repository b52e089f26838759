#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::app::run_http(shared::app::WithFiles, |app, request| async move {
        export::handle(&app, request).await
    })
    .await
}
