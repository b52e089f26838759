//! The Lambda runtime every function runs on: the HTTP loop (API Gateway) and the event
//! loop (a schedule, SNS) alike. Init sets up JSON logs and checks the environment, with
//! no network call; the clients, the secrets and whatever the function builds from them
//! come at the first invocation, once per container; each invocation runs in a span
//! carrying its request id, operation and tenant.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tokio::sync::OnceCell;
use tracing::Instrument;

use crate::app::{App, FileAccess};
use crate::aws::Clients;
use crate::config::ConfigError;
use crate::store::DynamoStore;

pub use lambda_http::lambda_runtime::{Error, LambdaEvent};

/// What an event function builds once per container and hands to every invocation.
pub trait Container: Sized + Send + Sync + 'static {
    /// The operation its invocations log.
    const OPERATION: &'static str;

    /// Fails on what the environment lacks or has malformed, without reading a secret:
    /// for the container's init, which makes no network call.
    fn check_environment(lookup: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError>;

    /// The configuration (and its secrets, one request) and the clients: at the first
    /// invocation.
    fn first_use(clients: &Clients) -> impl Future<Output = Result<Self, ConfigError>> + Send;
}

/// Built at the first invocation, then shared by every later one; a failed build (the
/// secret's read) is tried again by the next invocation, on the same clients.
struct PerContainer<C> {
    clients: OnceCell<Clients>,
    built: OnceCell<Arc<C>>,
}

impl<C> PerContainer<C> {
    fn new() -> Arc<Self> {
        Arc::new(PerContainer {
            clients: OnceCell::new(),
            built: OnceCell::new(),
        })
    }

    async fn get<F, Fut>(&self, build: F) -> Result<Arc<C>, ConfigError>
    where
        F: FnOnce(Clients) -> Fut,
        Fut: Future<Output = Result<C, ConfigError>>,
    {
        self.built
            .get_or_try_init(|| async {
                // Building the clients makes no call, but takes time: not during init.
                let clients = self.clients.get_or_init(Clients::from_environment).await;
                Ok(Arc::new(build(clients.clone()).await?))
            })
            .await
            .cloned()
    }
}

fn environment(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Runs an HTTP handler as the Lambda function: one call of `handler` per request, with
/// the app built at the first.
pub async fn run_http<A, F, Fut>(_files: A, handler: F) -> Result<(), Error>
where
    A: FileAccess,
    F: Fn(Arc<App<DynamoStore>>, crate::http::Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = crate::http::Response> + Send,
{
    crate::telemetry::init_json();
    crate::Config::check_environment(environment)?;
    let app = PerContainer::new();
    let handler = Arc::new(handler);
    lambda_http::run(lambda_http::service_fn(
        move |request: crate::http::Request| {
            let span = http_span(&request);
            let (app, handler) = (app.clone(), handler.clone());
            let response = async move {
                let built = app
                    .get(|clients| async move { crate::app::first_use::<A>(&clients).await })
                    .await;
                match built {
                    Ok(app) => handler(app, request).await,
                    Err(err) => {
                        tracing::error!(%err, "the configuration could not be read");
                        crate::http::respond(Err(err.into()))
                    }
                }
            };
            async move { Ok::<_, std::convert::Infallible>(response.instrument(span).await) }
        },
    ))
    .await
}

fn http_span(request: &crate::http::Request) -> tracing::Span {
    use lambda_http::RequestExt;
    tracing::info_span!(
        "request",
        request_id = request
            .lambda_context_ref()
            .map(|context| context.request_id.as_str())
            .unwrap_or_default(),
        operation = crate::http::route_key(request).unwrap_or_default(),
        tenant = tracing::field::Empty,
    )
}

/// Runs an event handler as the Lambda function: one call of `handler` per event, with
/// the container built at the first.
pub async fn run_events<C, F, Fut, T>(handler: F) -> Result<(), Error>
where
    C: Container,
    F: Fn(Arc<C>, LambdaEvent<serde_json::Value>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, Error>> + Send + 'static,
    T: serde::Serialize + 'static,
{
    crate::telemetry::init_json();
    C::check_environment(environment)?;
    let container = PerContainer::<C>::new();
    let handler = Arc::new(handler);
    lambda_http::lambda_runtime::run(lambda_http::lambda_runtime::service_fn(
        move |event: LambdaEvent<serde_json::Value>| {
            let span = tracing::info_span!(
                "invocation",
                request_id = %event.context.request_id,
                operation = C::OPERATION,
                tenant = tracing::field::Empty,
            );
            let (container, handler) = (container.clone(), handler.clone());
            let invocation = async move {
                let built = container
                    .get(|clients| async move { C::first_use(&clients).await })
                    .await?;
                handler(built, event).await
            };
            // Boxed: an event handler's future nests too deep for the compiler to lay
            // out the runtime's future around it.
            let invocation: Pin<Box<dyn Future<Output = Result<T, Error>> + Send>> =
                Box::pin(invocation.instrument(span));
            invocation
        },
    ))
    .await
}
