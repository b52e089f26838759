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
        .http_client(shared::aws::http_client())
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

/// Posts a file with an upload form as a browser would (`POST /attachments`'s `url` and
/// `fields`, then the file last); the status S3 answered.
pub async fn upload(form: &Value, bytes: &[u8]) -> u16 {
    let mut multipart = reqwest::multipart::Form::new();
    if let Some(fields) = form["fields"].as_object() {
        for (name, value) in fields {
            multipart = multipart.text(name.clone(), value.as_str().unwrap_or_default().to_owned());
        }
    }
    multipart = multipart.part("file", reqwest::multipart::Part::bytes(bytes.to_vec()));
    reqwest::Client::new()
        .post(form["url"].as_str().expect("an upload URL"))
        .multipart(multipart)
        .send()
        .await
        .expect("S3 answers")
        .status()
        .as_u16()
}

/// What a link serves: status, content type and disposition, and the bytes.
pub async fn fetch(url: &str) -> (u16, String, String, Vec<u8>) {
    let response = reqwest::get(url).await.expect("S3 answers");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (status, content_type, disposition) = (
        response.status().as_u16(),
        header("content-type"),
        header("content-disposition"),
    );
    let bytes = response.bytes().await.expect("a body").to_vec();
    (status, content_type, disposition, bytes)
}

/// Keeps `value` in moto's SSM as the SecureString `name` (replacing one already there).
pub async fn put_secret(name: &str, value: &str) {
    aws_sdk_ssm::Client::new(&sdk_config().await)
        .put_parameter()
        .name(name)
        .value(value)
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .overwrite(true)
        .send()
        .await
        .expect("moto keeps the parameter");
}
