#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), shared::runtime::Error> {
    let policy = webhooks::url_policy(|name| std::env::var(name).ok());
    shared::runtime::run_http(shared::app::WithoutFiles, move |app, request| async move {
        webhooks::handle(&app, &policy, request).await
    })
    .await
}
