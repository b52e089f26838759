//! moto's server, which `make test` starts and names in `AWS_ENDPOINT_URL`: SDK
//! configuration for it and what it recorded as sent.

use serde_json::Value;

pub fn endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL")
        .expect("AWS_ENDPOINT_URL must point at moto: run these tests through `make test`")
}

/// SDK configuration for moto (endpoint and credentials from the environment).
pub async fn sdk_config() -> aws_config::SdkConfig {
    endpoint();
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .load()
        .await
}

/// Everything moto recorded (`GET /moto-api/data.json`).
pub async fn data() -> Value {
    reqwest::get(format!("{}/moto-api/data.json", endpoint()))
        .await
        .expect("moto answers")
        .json()
        .await
        .expect("moto's record is JSON")
}

/// The SMS moto recorded as published to one number.
pub async fn texts_to(number: &str) -> Vec<Value> {
    data().await["sns"]["SMS"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m["phone_number"] == number)
        .collect()
}
