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

/// SES v2 on moto, as a function sends with it (its calls recorded, see
/// [`crate::aws_calls`]).
pub async fn email() -> shared::notify::SesEmail {
    let config = aws_sdk_sesv2::config::Builder::from(&sdk_config().await)
        .interceptor(crate::aws_calls::AwsCalls)
        .build();
    shared::notify::SesEmail::new(aws_sdk_sesv2::Client::from_conf(config))
}

/// SNS on moto, as a function texts with it (its calls recorded).
pub async fn sms() -> shared::notify::SnsSms {
    let config = aws_sdk_sns::config::Builder::from(&sdk_config().await)
        .interceptor(crate::aws_calls::AwsCalls)
        .build();
    shared::notify::SnsSms::new(aws_sdk_sns::Client::from_conf(config))
}

/// EventBridge on moto, as the events function publishes with it (its calls recorded).
pub async fn event_bridge() -> aws_sdk_eventbridge::Client {
    let config = aws_sdk_eventbridge::config::Builder::from(&sdk_config().await)
        .interceptor(crate::aws_calls::AwsCalls)
        .build();
    aws_sdk_eventbridge::Client::from_conf(config)
}

/// SSM on moto, as a function reads its secret at a cold start (its calls recorded).
pub async fn ssm() -> aws_sdk_ssm::Client {
    let config = aws_sdk_ssm::config::Builder::from(&sdk_config().await)
        .interceptor(crate::aws_calls::AwsCalls)
        .build();
    aws_sdk_ssm::Client::from_conf(config)
}

/// Everything moto recorded (`GET /moto-api/data.json`). moto fails the dump once for
/// each part of a multipart upload (an export) it has not dumped before (its state
/// machine looks the part's bucket up, and a part has none), so a 500 is asked again
/// (each dump gets further).
pub async fn data() -> Value {
    let url = format!("{}/moto-api/data.json", endpoint());
    for _ in 0..100 {
        let response = reqwest::get(&url).await.expect("moto answers");
        if response.status().is_success() {
            return response.json().await.expect("moto's record is JSON");
        }
    }
    panic!("moto's record could not be read from {url}")
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
    if let Some(key) = form["fields"]["key"].as_str() {
        crate::aws_calls::record_upload_form(key);
    }
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

/// A new SecureString holding `value`; its name.
pub async fn new_secret(value: &str) -> String {
    let name = format!("/tidings-test/{}", ulid::Ulid::new());
    put_secret(&name, value).await;
    name
}

/// What an HTTP function does at its first request: the configuration, with the cursor
/// secret read from its parameter (the call recorded for the crate whose tests run it).
pub async fn cold_start_config(table: &str) -> shared::Config {
    let parameter = new_secret("a-cursor-secret-of-32-characters").await;
    let lookup = |name: &str| match name {
        "TABLE_NAME" => Some(table.to_owned()),
        "CURSOR_SECRET_PARAMETER" => Some(parameter.clone()),
        _ => None,
    };
    shared::Config::load_with(lookup, &ssm().await)
        .await
        .expect("the configuration loads with its secret")
}
