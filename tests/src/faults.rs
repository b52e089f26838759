//! Faults the emulators cannot produce (throttling, transaction conflicts, unprocessed
//! keys, provider errors and timeouts), injected as the service's own HTTP answers: a
//! client built with [`Faults::http_client`] sends every request to the real endpoint
//! unless a fault matches it, and then the request never leaves (nothing is written) and
//! the SDK sees the canned answer, retries included.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::body::SdkBody;
use serde_json::{json, Value};

/// What a matching request gets instead of the service's answer.
#[derive(Clone)]
pub enum Answer {
    /// A status, headers and body.
    Http {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: String,
    },
    /// Built from the request's body (e.g. every key of a BatchGetItem unprocessed).
    FromRequest(Arc<dyn Fn(&Value) -> Value + Send + Sync>),
    /// No answer within this time (the client's timeout decides).
    Hang(Duration),
    /// The service's own answer, sent this much later (to interleave concurrent requests).
    Delay(Duration),
}

struct Fault {
    /// Every one of these must appear in the request's target header, path or body.
    matches: Vec<String>,
    times: usize,
    answer: Answer,
}

#[derive(Clone, Default)]
pub struct Faults {
    faults: Arc<Mutex<Vec<Fault>>>,
    injected: Arc<Mutex<usize>>,
}

impl std::fmt::Debug for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Faults")
    }
}

impl Faults {
    /// The next `times` requests containing every string of `matches` get `answer`.
    pub fn inject(&self, matches: &[&str], times: usize, answer: Answer) {
        self.faults.lock().unwrap().push(Fault {
            matches: matches.iter().map(|m| (*m).to_owned()).collect(),
            times,
            answer,
        });
    }

    /// Parameter Store the way a function reaches it (its clients' configuration),
    /// through these faults.
    pub async fn ssm(&self) -> aws_sdk_ssm::Client {
        let clients = shared::aws::Clients::from_environment().await;
        let config = aws_sdk_ssm::config::Builder::from(clients.sdk_config())
            .http_client(self.http_client())
            .build();
        aws_sdk_ssm::Client::from_conf(config)
    }

    /// How many requests got a fault instead of the service.
    pub fn injected(&self) -> usize {
        *self.injected.lock().unwrap()
    }

    /// An HTTP client for SDK configs: plain HTTP to the local endpoints, with faults.
    pub fn http_client(&self) -> SharedHttpClient {
        SharedHttpClient::new(FaultyClient {
            inner: shared::aws::http_client(),
            faults: self.clone(),
        })
    }

    fn answer_for(&self, request: &HttpRequest) -> Option<(Answer, Value)> {
        let target = request
            .headers()
            .get("x-amz-target")
            .unwrap_or_default()
            .to_owned();
        let body = request
            .body()
            .bytes()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default();
        let haystack = format!("{target} {} {body}", request.uri());
        let mut faults = self.faults.lock().unwrap();
        let fault = faults
            .iter_mut()
            .find(|f| f.times > 0 && f.matches.iter().all(|m| haystack.contains(m.as_str())))?;
        fault.times -= 1;
        *self.injected.lock().unwrap() += 1;
        Some((
            fault.answer.clone(),
            serde_json::from_str(&body).unwrap_or(Value::Null),
        ))
    }
}

/// DynamoDB's error answer (JSON 1.0 protocol) of this type.
pub fn dynamodb_error(error_type: &str, extra: Value) -> Answer {
    let mut body = json!({
        "__type": format!("com.amazonaws.dynamodb.v20120810#{error_type}"),
        "message": format!("injected {error_type}"),
    });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    Answer::Http {
        status: 400,
        headers: vec![("content-type", "application/x-amz-json-1.0".into())],
        body: body.to_string(),
    }
}

/// DynamoDB throttling a request.
pub fn throttled() -> Answer {
    dynamodb_error("ThrottlingException", json!({}))
}

/// A transaction cancelled with these reasons (`"None"`, `"TransactionConflict"`, ...).
pub fn cancelled(reasons: &[&str]) -> Answer {
    let reasons: Vec<Value> = reasons.iter().map(|code| json!({"Code": code})).collect();
    dynamodb_error(
        "TransactionCanceledException",
        json!({"CancellationReasons": reasons}),
    )
}

/// A BatchGetItem that read nothing and left every key unprocessed.
pub fn all_unprocessed() -> Answer {
    Answer::FromRequest(Arc::new(|request| {
        let items = request["RequestItems"].clone();
        let responses: serde_json::Map<String, Value> = items
            .as_object()
            .map(|tables| tables.keys().map(|t| (t.clone(), json!([]))).collect())
            .unwrap_or_default();
        json!({"Responses": responses, "UnprocessedKeys": items})
    }))
}

/// A REST-JSON service error (SES v2), e.g. `TooManyRequestsException` with 429.
pub fn rest_error(status: u16, error_type: &str) -> Answer {
    Answer::Http {
        status,
        headers: vec![
            ("content-type", "application/json".into()),
            ("x-amzn-errortype", error_type.into()),
        ],
        body: json!({"message": format!("injected {error_type}")}).to_string(),
    }
}

#[derive(Debug)]
struct FaultyClient {
    inner: SharedHttpClient,
    faults: Faults,
}

impl HttpClient for FaultyClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(FaultyConnector {
            inner: self.inner.http_connector(settings, components),
            faults: self.faults.clone(),
        })
    }
}

#[derive(Debug)]
struct FaultyConnector {
    inner: SharedHttpConnector,
    faults: Faults,
}

impl HttpConnector for FaultyConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let Some((answer, request_body)) = self.faults.answer_for(&request) else {
            return self.inner.call(request);
        };
        let respond = |status: u16, headers: Vec<(&'static str, String)>, body: String| {
            let mut response = Response::new(
                StatusCode::try_from(status).expect("a valid status"),
                SdkBody::from(body),
            );
            for (name, value) in headers {
                response.headers_mut().insert(name, value);
            }
            Ok(response)
        };
        match answer {
            Answer::Http {
                status,
                headers,
                body,
            } => HttpConnectorFuture::ready(respond(status, headers, body)),
            Answer::FromRequest(build) => HttpConnectorFuture::ready(respond(
                200,
                vec![("content-type", "application/x-amz-json-1.0".into())],
                build(&request_body).to_string(),
            )),
            Answer::Hang(time) => HttpConnectorFuture::new(async move {
                tokio::time::sleep(time).await;
                respond(500, Vec::new(), String::new())
            }),
            Answer::Delay(time) => {
                let inner = self.inner.clone();
                HttpConnectorFuture::new(async move {
                    tokio::time::sleep(time).await;
                    inner.call(request).await
                })
            }
        }
    }
}

/// An error answer of a JSON 1.1 service (SSM), e.g. `ThrottlingException` with 400.
pub fn json_error(status: u16, error_type: &str) -> Answer {
    Answer::Http {
        status,
        headers: vec![("content-type", "application/x-amz-json-1.1".into())],
        body: json!({"__type": error_type, "message": format!("injected {error_type}")})
            .to_string(),
    }
}

/// S3's error answer (REST-XML), e.g. `AccessDenied` with 403.
pub fn s3_error(status: u16, code: &str) -> Answer {
    Answer::Http {
        status,
        headers: vec![("content-type", "application/xml".into())],
        body: format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>injected {code}</Message></Error>"),
    }
}
