//! The webhook's auth token comes from SSM Parameter Store (moto's, under `make test`),
//! in one request at the first invocation, and never from the environment.

use super::*;
use shared::config::ConfigError;
use testkit::environment as env;

#[tokio::test]
async fn the_webhook_token_is_read_from_its_parameter_when_the_webhook_is_used() {
    let ssm = testkit::moto::ssm().await;
    let name = testkit::moto::new_secret("twilio-auth-token").await;
    let config = InboundConfig::load_with(
        env(vec![
            ("TABLE_NAME", "t".into()),
            (
                "SMS_WEBHOOK_URL",
                "https://api.example.com/sms/inbound".into(),
            ),
            ("SMS_WEBHOOK_AUTH_TOKEN_PARAMETER", name),
        ]),
        &ssm,
    )
    .await
    .unwrap();
    assert_eq!(config.webhook.unwrap().auth_token, "twilio-auth-token");
    // The SNS path alone needs no secret, and reads none.
    let sns_only = InboundConfig::load_with(env(vec![("TABLE_NAME", "t".into())]), &ssm)
        .await
        .unwrap();
    assert!(sns_only.webhook.is_none());
    let half = InboundConfig::load_with(
        env(vec![
            ("TABLE_NAME", "t".into()),
            (
                "SMS_WEBHOOK_URL",
                "https://api.example.com/sms/inbound".into(),
            ),
            ("SMS_WEBHOOK_AUTH_TOKEN", "in-the-environment".into()),
        ]),
        &ssm,
    )
    .await
    .unwrap_err();
    assert_eq!(
        half,
        ConfigError::Missing("SMS_WEBHOOK_AUTH_TOKEN_PARAMETER")
    );
}
