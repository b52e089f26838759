//! `local` serves the API on 127.0.0.1:${PORT:-3000}; `local token ...` mints a token.

use std::process::ExitCode;

use local::tokens::{demo_identities, jwt_secret, Identity};
use local::web::WebApp;
use local::{LocalApi, LocalOptions};
use shared::Config;

const USAGE: &str = "usage:
  local                      serve the API on 127.0.0.1:${PORT:-3000}
  local token --role ROLE --tenant TENANT --sub USER [--customer ID] [--name NAME] [--hours N]";

const DEFAULT_SMS_WEBHOOK_TOKEN: &str = "tidings-dev-sms-token";
const DEFAULT_OPERATOR_KEY: &str = "tidings-dev-operator-key";
const DEMO_TENANT: &str = local::demo::DEMO_TENANT;
const LOCAL_EVENT_BUS: &str = "tidings-local";

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        None => serve().await,
        Some("token") => token(&args[1..]).map(|t| {
            // The token is the command's output, for scripts to capture.
            use std::io::Write;
            let _ = writeln!(std::io::stdout(), "{t}");
        }),
        Some(_) => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "{message}");
            ExitCode::FAILURE
        }
    }
}

/// The functions' configuration, with local defaults for what a deployment must set.
fn local_config() -> Result<Config, String> {
    Config::from_lookup(|name| {
        std::env::var(name).ok().or_else(|| match name {
            "TABLE_NAME" => Some("tidings".to_owned()),
            "CURSOR_SECRET" => Some("tidings-local-cursor-secret".to_owned()),
            "ATTACHMENTS_BUCKET" => Some("tidings-local-files".to_owned()),
            // Receivers on this machine (README, Events and webhooks).
            "WEBHOOKS_ALLOW_LOOPBACK_HTTP" => Some("true".to_owned()),
            _ => None,
        })
    })
    .map_err(|e| e.to_string())
}

async fn serve() -> Result<(), String> {
    shared::telemetry::init_terminal();
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".to_owned());
    let data_dir = std::env::var("TIDINGS_DATA_DIR").unwrap_or_else(|_| ".tidings".to_owned());
    std::fs::create_dir_all(&data_dir).map_err(|e| format!("creating {data_dir}: {e}"))?;
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}"))
        .await
        .map_err(|e| format!("binding 127.0.0.1:{port}: {e}"))?;
    let url = format!("http://127.0.0.1:{port}");
    let options = local_options(&url, &data_dir)?;
    let api = LocalApi::start(options.clone()).await?;
    local::demo::seed(&api, &url).await?;
    let every = std::env::var("TIDINGS_DISPATCH_SECONDS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(30);
    tokio::spawn(local::demo::dispatch_forever(
        api.store(),
        std::time::Duration::from_secs(every),
        url.clone(),
    ));
    if let Some(files) = api.files() {
        let jobs_every = std::env::var("TIDINGS_JOBS_SECONDS")
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(5);
        tokio::spawn(local::demo::jobs_forever(
            api.store(),
            files,
            std::time::Duration::from_secs(jobs_every),
        ));
    }
    let poll_ms = env_number("TIDINGS_STREAM_POLL_MS", 250);
    let retry_secs = env_number("TIDINGS_WEBHOOK_RETRY_SECONDS", 5);
    if let Some(endpoint) = api.dynamodb_endpoint() {
        let events = local_events(&api, &options).await;
        tokio::spawn(local::stream::events_forever(
            events,
            endpoint,
            options.config.table_name.clone(),
            std::time::Duration::from_millis(poll_ms),
            std::time::Duration::from_secs(retry_secs),
        ));
    }
    let smtp_port = env_number("SMTP_PORT", 2525);
    if let Some(files) = api.files() {
        let smtp = tokio::net::TcpListener::bind(format!("127.0.0.1:{smtp_port}"))
            .await
            .map_err(|e| format!("binding 127.0.0.1:{smtp_port} for SMTP: {e}"))?;
        let replies = local_replies(&api).await;
        tokio::spawn(local::mail::receive_forever(smtp, replies, files));
    }
    tracing::info!("\n{}", banner(&url, &options, every, smtp_port));
    api.serve(listener).await.map_err(|e| e.to_string())
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(default)
}

/// The events function on the local table, publishing to a bus on the local AWS stack
/// (`EVENT_BUS_NAME`, default `tidings-local`, made when missing).
async fn local_events(api: &LocalApi, options: &LocalOptions) -> events::Deployed {
    let config = shared::config::EventsConfig::from_lookup(|name| {
        std::env::var(name).ok().or_else(|| match name {
            "TABLE_NAME" => Some(options.config.table_name.clone()),
            "EVENT_BUS_NAME" => Some(LOCAL_EVENT_BUS.to_owned()),
            "WEBHOOKS_ALLOW_LOOPBACK_HTTP" => Some("true".to_owned()),
            _ => None,
        })
    })
    .unwrap_or_else(|_| unreachable!("the table name is given"));
    let clients = shared::aws::Clients::from_environment().await;
    if let Some(bus) = &config.event_bus_name {
        let client = aws_sdk_eventbridge::Client::new(clients.sdk_config());
        if let Err(err) = client.create_event_bus().name(bus).send().await {
            tracing::debug!(error = %aws_sdk_eventbridge::error::DisplayErrorContext(err), "event bus not created (it may exist)");
        }
    }
    events::Deployed::with_store(api.store(), &clients, &config)
}

/// The `email-inbound` function on this server's store, settings and files, answering
/// refused replies through SES from the environment (moto's under `make dev`).
async fn local_replies(api: &LocalApi) -> std::sync::Arc<local::mail::LocalReplies> {
    let clients = shared::aws::Clients::from_environment().await;
    let files = api
        .files()
        .unwrap_or_else(|| unreachable!("called with files configured"));
    let from = std::env::var("NOTIFY_FROM_EMAIL")
        .unwrap_or_else(|_| format!("notifications@{}", local::demo::DEMO_DOMAIN));
    std::sync::Arc::new(
        email_inbound::Replies::new(api.app(), files, clients.email(), from)
            .with_reply_domain(Some(local::mail::reply_domain())),
    )
}

/// The server's options from the environment, with local defaults.
fn local_options(url: &str, data_dir: &str) -> Result<LocalOptions, String> {
    let sms_webhook = sms_inbound::Webhook {
        public_url: std::env::var("SMS_WEBHOOK_URL")
            .unwrap_or_else(|_| format!("{url}/sms/inbound")),
        auth_token: std::env::var("SMS_WEBHOOK_AUTH_TOKEN")
            .unwrap_or_else(|_| DEFAULT_SMS_WEBHOOK_TOKEN.to_owned()),
    };
    Ok(LocalOptions {
        jwt_secret: jwt_secret().into_bytes(),
        operator_key: std::env::var("TIDINGS_DEV_OPERATOR_KEY")
            .unwrap_or_else(|_| DEFAULT_OPERATOR_KEY.to_owned()),
        data_file: Some(format!(
            "{data_dir}/dynamodb-v{}.sqlite",
            shared::store::schema::LAYOUT_VERSION
        )),
        config: local_config()?,
        sms_webhook: Some(sms_webhook),
        web: Some(WebApp {
            dir: std::env::var("TIDINGS_WEB_DIR")
                .unwrap_or_else(|_| "web/dist".to_owned())
                .into(),
            // Locally the app is served from the API's own origin; a portal elsewhere
            // (the host application's page) is listed here, as `WebOrigins` in the template.
            cors_origins: std::env::var("TIDINGS_WEB_ORIGINS")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(str::to_owned)
                .collect(),
        }),
    })
}

/// What the server logs when it is up: the demo's tokens, and how to reach the rest.
fn banner(url: &str, options: &LocalOptions, every: u64, smtp_port: u64) -> String {
    let mut banner = format!(
        "tidings local API on {url} (tenant \"{DEMO_TENANT}\", tokens valid 24 h)\n  web app: {url}/app/ (sign in as any demo identity)\n"
    );
    let secret = jwt_secret();
    let shell_names = [
        "ADMIN",
        "STAFF",
        "VENDOR",
        "CUSTOMER",
        "SECOND_CONTACT",
        "HOST",
    ];
    for (identity, shell) in demo_identities().iter().zip(shell_names) {
        banner.push_str(&format!(
            "  {:<14} export {shell}_TOKEN={}\n",
            identity.role,
            identity.token(&secret, 24)
        ));
    }
    banner.push_str(&format!(
        "  customer's account: {}\n",
        local::demo::DEMO_CUSTOMER
    ));
    banner.push_str(&format!(
        "  operator (IAM in AWS): curl -H 'Authorization: Operator {}' {url}/operator/tenants/{DEMO_TENANT}/grant\n",
        options.operator_key
    ));
    banner.push_str(&format!(
        "  notifications: dispatcher every {every} s; sent mail and SMS at $AWS_ENDPOINT_URL/moto-api/data.json\n"
    ));
    banner.push_str(&format!(
        "  events: the table's stream polled every 250 ms, published to the bus \"{LOCAL_EVENT_BUS}\" and to webhooks (POST {url}/webhooks; http://127.0.0.1 receivers allowed)\n"
    ));
    banner.push_str(&format!(
        "  replies by email: SMTP on 127.0.0.1:{smtp_port} for reply+TOKEN@{} (the Reply-To of a notification email; see README)\n",
        local::mail::reply_domain()
    ));
    if let Some(sms_webhook) = &options.sms_webhook {
        banner.push_str(&format!(
            "  SMS webhook: POST {} signed with auth token \"{}\"; texts to {} from {} are the demo customer's (see README)\n",
            sms_webhook.public_url,
            sms_webhook.auth_token,
            local::demo::DEMO_SMS_NUMBER,
            local::demo::DEMO_CONTACT_PHONE,
        ));
    }
    banner
}

fn token(args: &[String]) -> Result<String, String> {
    let mut values = std::collections::HashMap::new();
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let name = flag.strip_prefix("--").ok_or_else(|| USAGE.to_owned())?;
        let value = rest.next().ok_or_else(|| USAGE.to_owned())?;
        values.insert(name.to_owned(), value.clone());
    }
    let get = |name: &str| values.get(name).cloned();
    let (Some(role), Some(tenant), Some(sub)) = (get("role"), get("tenant"), get("sub")) else {
        return Err(USAGE.to_owned());
    };
    let hours = get("hours").map_or(Ok(24), |h| h.parse::<i64>().map_err(|_| USAGE.to_owned()))?;
    let identity = Identity {
        role: ["admin", "staff", "basic_staff", "customer", "service"]
            .into_iter()
            .find(|r| *r == role)
            .ok_or_else(|| format!("unknown role {role}\n{USAGE}"))?,
        tenant,
        name: get("name").unwrap_or_else(|| sub.clone()),
        sub,
        customer: get("customer"),
    };
    Ok(identity.token(&jwt_secret(), hours))
}
