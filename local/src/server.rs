//! The HTTP server of the local API.

use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, Response, StatusCode, Uri};
use serde_json::{json, Map, Value};
use shared::settings_cache::SettingsCache;
use shared::store::{schema, DynamoStore};
use shared::{App, Config};
use testkit::{ApiEvent, Claims, EmbeddedDynamo};
use tokio::net::TcpListener;
use tracing::Instrument;

use crate::routes::{match_route, path_exists, Auth, Function};
use crate::web::{WebApp, PREFIX};

/// API Gateway's own payload limit.
const MAX_REQUEST_BYTES: usize = 10 * 1024 * 1024;

#[derive(Clone, Debug)]
pub struct LocalOptions {
    pub jwt_secret: Vec<u8>,
    /// Stands for the operator's IAM credentials on the operator's routes.
    pub operator_key: String,
    /// Where the embedded DynamoDB keeps its data; `None` keeps it in memory.
    pub data_file: Option<String>,
    pub config: Config,
    /// The SMS provider webhook's public URL and auth token (`None`: it refuses all).
    pub sms_webhook: Option<sms_inbound::Webhook>,
    /// The web app at `/app/` and the origins allowed to call the API from a browser.
    pub web: Option<WebApp>,
}

/// Everything the server holds: one app per function sharing one settings cache, as one
/// container would see its own writes.
pub struct LocalApi {
    send: App<DynamoStore>,
    thread: App<DynamoStore>,
    export: App<DynamoStore>,
    mark_read: App<DynamoStore>,
    activity: App<DynamoStore>,
    admin: App<DynamoStore>,
    sms_inbound: sms_inbound::Inbound<DynamoStore>,
    webhooks: App<DynamoStore>,
    /// Which endpoint URLs the webhooks function accepts (loopback HTTP when the
    /// configuration allows it, as `make dev` does for a receiver on this machine).
    webhook_urls: shared::outbound::Policy,
    jwt_secret: Vec<u8>,
    operator_key: String,
    web: Option<WebApp>,
    dynamodb: Option<EmbeddedDynamo>,
    /// The settings cache every function here shares, as one container would.
    settings: Arc<SettingsCache>,
    config: shared::Config,
}

impl LocalApi {
    /// Connects to `AWS_ENDPOINT_URL_DYNAMODB` if set, or starts DynamoDB in-process, and
    /// creates the table if it is missing.
    pub async fn start(options: LocalOptions) -> Result<Arc<LocalApi>, String> {
        let (client, embedded) = match std::env::var("AWS_ENDPOINT_URL_DYNAMODB") {
            Ok(endpoint) if !endpoint.is_empty() => {
                let clients = shared::aws::Clients::from_environment().await;
                (clients.dynamodb(), None)
            }
            _ => {
                let database = match &options.data_file {
                    Some(path) => {
                        dynoxide::Database::new(path).map_err(|e| format!("opening {path}: {e}"))?
                    }
                    None => dynoxide::Database::memory().map_err(|e| e.to_string())?,
                };
                let server = EmbeddedDynamo::start(database, "127.0.0.1:0")
                    .await
                    .map_err(|e| format!("starting DynamoDB: {e}"))?;
                let client = testkit::dynamodb::client(&server.endpoint, None);
                (client, Some(server))
            }
        };
        let table = &options.config.table_name;
        schema::ensure_table(&client, table).await?;
        let store = DynamoStore::new(client, table);
        let settings = Arc::new(SettingsCache::new(options.config.settings_ttl));
        let files = match &options.config.attachments_bucket {
            Some(bucket) => local_files(bucket).await,
            None => None,
        };
        let app = || {
            let app = App::with_settings_cache(store.clone(), &options.config, settings.clone());
            match &files {
                Some(files) => app.with_files(files.clone()),
                None => app,
            }
        };
        Ok(Arc::new(LocalApi {
            send: app(),
            thread: app(),
            export: app(),
            mark_read: app(),
            activity: app(),
            admin: app(),
            sms_inbound: sms_inbound::Inbound::new(
                store.clone(),
                &sms_inbound::InboundConfig {
                    table_name: table.to_owned(),
                    settings_ttl: options.config.settings_ttl,
                    webhook: options.sms_webhook.clone(),
                },
                settings.clone(),
            ),
            webhooks: app(),
            webhook_urls: shared::outbound::Policy {
                allow_loopback_http: options.config.webhooks_allow_loopback_http,
            },
            jwt_secret: options.jwt_secret,
            operator_key: options.operator_key,
            web: options.web,
            dynamodb: embedded,
            settings,
            config: options.config,
        }))
    }

    /// The table every function of this server uses.
    pub fn store(&self) -> DynamoStore {
        self.admin.store.clone()
    }

    /// Where DynamoDB answers (its stream too): the embedded server's, or the one
    /// `AWS_ENDPOINT_URL_DYNAMODB` names.
    pub fn dynamodb_endpoint(&self) -> Option<String> {
        match &self.dynamodb {
            Some(embedded) => Some(embedded.endpoint.clone()),
            None => std::env::var("AWS_ENDPOINT_URL_DYNAMODB").ok(),
        }
    }

    /// An app of this server's (its store, settings cache and files), for a function
    /// that is not served on a route.
    pub fn app(&self) -> App<DynamoStore> {
        let app = App::with_settings_cache(self.store(), &self.config, self.settings.clone());
        match self.files() {
            Some(files) => app.with_files(files),
            None => app,
        }
    }

    /// The files bucket, when one is configured.
    pub fn files(&self) -> Option<shared::files::S3Files> {
        self.admin.files.clone()
    }

    pub fn router(self: &Arc<Self>) -> axum::Router {
        axum::Router::new()
            .fallback(handle)
            .with_state(self.clone())
    }

    pub async fn serve(self: Arc<Self>, listener: TcpListener) -> std::io::Result<()> {
        axum::serve(listener, self.router()).await
    }

    /// One request straight to a function, as the gateway would pass it: its status and
    /// JSON body.
    pub async fn request(&self, function: Function, event: ApiEvent) -> (u16, Value) {
        testkit::read_response(self.call(function, event.request()).await)
    }

    async fn call(
        &self,
        function: Function,
        request: lambda_http::Request,
    ) -> lambda_http::Response<lambda_http::Body> {
        match function {
            Function::Send => send::handle(&self.send, request).await,
            Function::Thread => thread::handle(&self.thread, request).await,
            Function::Export => export::handle(&self.export, request).await,
            Function::MarkRead => mark_read::handle(&self.mark_read, request).await,
            Function::Activity => activity::handle(&self.activity, request).await,
            Function::Admin => admin::handle(&self.admin, request).await,
            Function::SmsInbound => sms_inbound::handle_webhook(&self.sms_inbound, request).await,
            Function::Webhooks => {
                webhooks::handle(&self.webhooks, &self.webhook_urls, request).await
            }
        }
    }
}

async fn handle(
    State(api): State<Arc<LocalApi>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response<Body> {
    let Some(web) = &api.web else {
        return handle_api(&api, method, uri, headers, body).await;
    };
    let path = uri.path();
    if (path == PREFIX || path.starts_with("/app/")) && method == Method::GET {
        return web.serve(path);
    }
    let cors = web.cors_headers(&headers);
    // API Gateway answers a CORS preflight itself, before any route or authorizer.
    if method == Method::OPTIONS && cors.is_some() {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::NO_CONTENT;
        add_headers(&mut response, cors);
        return response;
    }
    let mut response = handle_api(&api, method, uri, headers, body).await;
    add_headers(&mut response, cors);
    response
}

fn add_headers(response: &mut Response<Body>, headers: Option<Vec<(&'static str, String)>>) {
    for (name, value) in headers.into_iter().flatten() {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(name, value);
        }
    }
}

async fn handle_api(
    api: &LocalApi,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response<Body> {
    let path = uri.path();
    let Some((route, params)) = match_route(method.as_str(), path) else {
        let status = if path_exists(path) {
            StatusCode::METHOD_NOT_ALLOWED
        } else {
            StatusCode::NOT_FOUND
        };
        return gateway_error(
            status,
            if status == StatusCode::NOT_FOUND {
                "Not Found"
            } else {
                "Method Not Allowed"
            },
        );
    };
    let Ok(body) = to_bytes(body, MAX_REQUEST_BYTES).await else {
        return gateway_error(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large");
    };
    let mut event = ApiEvent::new(route.method, route.path);
    event = match route.auth {
        Auth::Jwt => match verified_claims(&headers, &api.jwt_secret) {
            Some(claims) => event.claims(&Claims(claims)),
            None => return gateway_error(StatusCode::UNAUTHORIZED, "Unauthorized"),
        },
        // Locally the operator's key stands for a SigV4 signature by the operator's role.
        Auth::Iam if is_operator(&headers, &api.operator_key) => event.operator(),
        Auth::Iam => return gateway_error(StatusCode::FORBIDDEN, "Forbidden"),
        Auth::Open => event.anonymous(),
    };
    for (name, value) in params {
        event = event.path_param(&name, &value);
    }
    if let Some(query) = uri.query() {
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            event = event.query(&form_decode(name), &form_decode(value));
        }
    }
    for (name, value) in &headers {
        // Bytes that are not ASCII reach the function as API Gateway passes them, for
        // the function to refuse.
        event = event.header(name.as_str(), &String::from_utf8_lossy(value.as_bytes()));
    }
    if !headers.contains_key("content-type") {
        event = event.without_header("content-type");
    }
    if !body.is_empty() {
        event = event.raw_body(&body);
    }
    let span = tracing::info_span!(
        "request",
        request_id = %ulid::Ulid::new(),
        operation = format!("{} {}", route.method, route.path),
        tenant = tracing::field::Empty,
    );
    let response = api
        .call(route.function, event.request())
        .instrument(span)
        .await;
    to_axum(response)
}

/// `Authorization: Operator <key>`, compared in constant time.
fn is_operator(headers: &HeaderMap, key: &str) -> bool {
    use subtle::ConstantTimeEq;
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Operator "))
        .is_some_and(|given| bool::from(given.trim().as_bytes().ct_eq(key.as_bytes())))
}

/// Checks `Authorization: Bearer <jwt>` as API Gateway's JWT authorizer would.
fn verified_claims(headers: &HeaderMap, secret: &[u8]) -> Option<Map<String, Value>> {
    let header = headers.get("authorization")?.to_str().ok()?;
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))?;
    let claims =
        shared::jwt::verify_hs256(token.trim(), secret, jiff::Timestamp::now().as_second()).ok()?;
    Some(shared::jwt::claims_as_strings(&claims))
}

fn form_decode(value: &str) -> String {
    shared::http::form_decode(value.as_bytes())
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// API Gateway answers for itself (no route, no valid token) with `{"message": ...}`.
fn gateway_error(status: StatusCode, message: &str) -> Response<Body> {
    let mut response = Response::new(Body::from(json!({ "message": message }).to_string()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    response
}

fn to_axum(response: lambda_http::Response<lambda_http::Body>) -> Response<Body> {
    let (parts, body) = response.into_parts();
    let body = match body {
        lambda_http::Body::Text(text) => Body::from(text),
        lambda_http::Body::Binary(bytes) => Body::from(bytes),
        _ => Body::empty(),
    };
    Response::from_parts(parts, body)
}

/// The attachments bucket on the local S3 (moto), created when missing.
async fn local_files(bucket: &str) -> Option<shared::files::S3Files> {
    let clients = shared::aws::Clients::from_environment().await;
    let s3 = aws_sdk_s3::Client::new(clients.sdk_config());
    if let Err(err) = s3.create_bucket().bucket(bucket).send().await {
        tracing::debug!(error = %aws_sdk_s3::error::DisplayErrorContext(err), "attachments bucket not created (it may exist)");
    }
    clients.files(bucket)
}
