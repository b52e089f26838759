//! The secret read at a container's first request: a burst of cold starts after a deploy
//! can pass Parameter Store's 40 requests a second, and a throttled read must not fail
//! the request (nor keep failing that container's requests); a parameter that is not
//! there fails at once.

use super::*;
use testkit::faults::{self, Faults};

fn env(parameter: String) -> impl Fn(&str) -> Option<String> {
    move |name: &str| match name {
        "TABLE_NAME" => Some("t".into()),
        "CURSOR_SECRET_PARAMETER" => Some(parameter.clone()),
        _ => None,
    }
}

async fn secret() -> String {
    let name = format!("/tidings-test/{}", ulid::Ulid::new());
    testkit::moto::put_secret(&name, "a-cursor-secret-of-32-characters").await;
    name
}

#[tokio::test]
async fn a_throttled_secret_read_is_retried_with_backoff() {
    let faults = Faults::default();
    let ssm = faults.ssm().await;
    let name = secret().await;
    faults.inject(
        &["GetParameters"],
        4,
        faults::json_error(400, "ThrottlingException"),
    );
    let started = std::time::Instant::now();
    let config = shared::Config::load_with(env(name), &ssm).await.unwrap();
    assert_eq!(config.cursor_secret, b"a-cursor-secret-of-32-characters");
    assert_eq!(faults.injected(), 4, "read on the fifth attempt");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );

    // A 5xx as well.
    let name = secret().await;
    faults.inject(
        &["GetParameters"],
        2,
        faults::json_error(500, "InternalServerError"),
    );
    shared::Config::load_with(env(name), &ssm).await.unwrap();
    assert_eq!(faults.injected(), 6);
}

#[tokio::test]
async fn a_secret_read_gives_up_after_five_attempts() {
    let faults = Faults::default();
    let ssm = faults.ssm().await;
    faults.inject(
        &["GetParameters"],
        100,
        faults::json_error(400, "ThrottlingException"),
    );
    let started = std::time::Instant::now();
    let err = shared::Config::load_with(env(secret().await), &ssm)
        .await
        .unwrap_err();
    assert_eq!(faults.injected(), 5, "{err}");
    // Well inside the 10 s function timeout.
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_missing_or_denied_secret_is_not_retried() {
    let faults = Faults::default();
    let ssm = faults.ssm().await;
    let missing = shared::Config::load_with(env("/tidings-test/none".into()), &ssm)
        .await
        .unwrap_err();
    assert!(
        missing.to_string().contains("no such parameter"),
        "{missing}"
    );

    faults.inject(
        &["GetParameters"],
        100,
        faults::json_error(400, "AccessDeniedException"),
    );
    let denied = shared::Config::load_with(env(secret().await), &ssm)
        .await
        .unwrap_err();
    assert_eq!(faults.injected(), 1, "{denied}");
}
