//! Secrets come from SSM Parameter Store (moto's, under `make test`), in one request per
//! cold start, and never from the environment in a deployment.

use shared::config::ConfigError;
use shared::Config;
use testkit::environment as env;

async fn ssm() -> aws_sdk_ssm::Client {
    aws_sdk_ssm::Client::new(&testkit::moto::sdk_config().await)
}

async fn secure_string(value: &str) -> String {
    let name = format!("/tidings-test/{}", ulid::Ulid::new());
    testkit::moto::put_secret(&name, value).await;
    name
}

#[tokio::test]
async fn the_cursor_secret_is_read_from_its_parameter() {
    let ssm = ssm().await;
    let name = secure_string("a-cursor-secret-of-32-characters").await;
    let config = Config::load_with(
        env(vec![
            ("TABLE_NAME", "t".into()),
            ("CURSOR_SECRET_PARAMETER", name),
            // A plain variable is not a way around the parameter.
            ("CURSOR_SECRET", "from-the-environment-0123456789".into()),
        ]),
        &ssm,
    )
    .await
    .unwrap();
    assert_eq!(config.cursor_secret, b"a-cursor-secret-of-32-characters");

    let missing = Config::load_with(env(vec![("TABLE_NAME", "t".into())]), &ssm).await;
    assert_eq!(
        missing.unwrap_err(),
        ConfigError::Missing("CURSOR_SECRET_PARAMETER")
    );
    let unknown = Config::load_with(
        env(vec![
            ("TABLE_NAME", "t".into()),
            ("CURSOR_SECRET_PARAMETER", "/tidings-test/none".into()),
        ]),
        &ssm,
    )
    .await
    .unwrap_err();
    assert!(
        unknown.to_string().contains("/tidings-test/none"),
        "{unknown}"
    );
}
