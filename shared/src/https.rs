//! The HTTP client every SDK client sends through: hyper's pooled HTTP/1.1 client over
//! rustls on ring, trusting the system's roots, and plain HTTP for local endpoints.
//!
//! Why not the SDK's own client: it always carries HTTP/2 (the `h2` crate and hyper's
//! HTTP/2 half), which none of the services these functions call (DynamoDB, S3, SES, SNS,
//! SSM) needs; that alone weighed about 200 KB of code in every function. What it does
//! that matters is kept here: connection reuse with an idle timeout, a connect timeout
//! from the SDK's settings, and the classification of failures the SDK retries on.
//!
//! The pool, and the trust roots it reads from disk, are built at the first request, so
//! a cold start pays for them only when it sends something.

use std::error::Error as StdError;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use hyper_util::client::legacy::connect::HttpConnector as TcpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};

/// How long an idle connection stays in the pool; services close theirs after about a
/// minute or more, and a connection found closed is retried by the SDK on a new one.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// When the SDK's settings give none.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_millis(3100);

type Pool = Client<hyper_rustls::HttpsConnector<TcpConnector>, SdkBody>;

/// One pool per SDK configuration, shared by every client built from it.
#[derive(Clone, Debug, Default)]
pub struct Https {
    pool: Arc<OnceLock<Result<Pool, String>>>,
}

impl Https {
    /// The pool, built once with the first caller's connect timeout (every client of one
    /// configuration has the same).
    fn pool(&self, connect_timeout: Duration) -> Result<Pool, ConnectorError> {
        self.pool
            .get_or_init(|| build_pool(connect_timeout).map_err(|err| err.to_string()))
            .clone()
            .map_err(|reason| {
                ConnectorError::other(format!("no HTTPS client: {reason}").into(), None)
            })
    }
}

fn build_pool(connect_timeout: Duration) -> std::io::Result<Pool> {
    let mut tcp = TcpConnector::new();
    tcp.enforce_http(false);
    tcp.set_nodelay(true);
    tcp.set_connect_timeout(Some(connect_timeout));
    let tls = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(Arc::new(rustls::crypto::ring::default_provider()))?
        .https_or_http()
        .enable_http1()
        .wrap_connector(tcp);
    Ok(Client::builder(TokioExecutor::new())
        .pool_timer(TokioTimer::new())
        .pool_idle_timeout(POOL_IDLE_TIMEOUT)
        .build(tls))
}

impl HttpClient for Https {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(Connector {
            https: self.clone(),
            connect_timeout: settings
                .connect_timeout()
                .unwrap_or(DEFAULT_CONNECT_TIMEOUT),
        })
    }
}

#[derive(Debug)]
struct Connector {
    https: Https,
    connect_timeout: Duration,
}

impl HttpConnector for Connector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let pool = match self.https.pool(self.connect_timeout) {
            Ok(pool) => pool,
            Err(err) => return HttpConnectorFuture::ready(Err(err)),
        };
        let request = match request.try_into_http1x() {
            Ok(request) => request,
            Err(err) => return HttpConnectorFuture::ready(Err(ConnectorError::user(err.into()))),
        };
        HttpConnectorFuture::new(async move {
            let response = pool.request(request).await.map_err(classify)?;
            HttpResponse::try_from(response.map(SdkBody::from_body_1_x))
                .map_err(|err| ConnectorError::other(err.into(), None))
        })
    }
}

/// What the SDK may retry: a connection that could not be made, was closed or reset, or
/// timed out (io and timeout errors are transient to its retry classifier).
fn classify(err: hyper_util::client::legacy::Error) -> ConnectorError {
    let hyper_error = find_source::<hyper::Error>(&err);
    if hyper_error.is_some_and(|e| e.is_timeout()) {
        return ConnectorError::timeout(err.into());
    }
    if hyper_error.is_some_and(|e| e.is_user()) {
        return ConnectorError::user(err.into());
    }
    if err.is_connect()
        || find_source::<std::io::Error>(&err).is_some()
        || hyper_error
            .is_some_and(|e| e.is_closed() || e.is_canceled() || e.is_incomplete_message())
    {
        return ConnectorError::io(err.into());
    }
    ConnectorError::other(err.into(), None)
}

fn find_source<'a, E: StdError + 'static>(err: &'a (dyn StdError + 'static)) -> Option<&'a E> {
    std::iter::successors(Some(err), |&err| err.source()).find_map(|err| err.downcast_ref::<E>())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(uri: &str) -> HttpRequest {
        let mut request = HttpRequest::new(SdkBody::empty());
        request.set_uri(uri).unwrap();
        request
    }

    fn connector() -> Connector {
        Connector {
            https: Https::default(),
            connect_timeout: Duration::from_secs(1),
        }
    }

    /// A listener on a free loopback port, and the port.
    async fn listen() -> (tokio::net::TcpListener, u16) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        (listener, port)
    }

    async fn body(response: HttpResponse) -> Vec<u8> {
        let stream = aws_smithy_types::byte_stream::ByteStream::new(response.into_body());
        stream.collect().await.unwrap().into_bytes().to_vec()
    }

    #[tokio::test]
    async fn a_refused_connection_is_an_error_the_sdk_retries() {
        let (listener, port) = listen().await;
        drop(listener);
        let err = connector()
            .call(request(&format!("http://127.0.0.1:{port}/")))
            .await
            .unwrap_err();
        assert!(err.is_io(), "{err:?}");
    }

    #[tokio::test]
    async fn https_to_a_server_that_does_not_speak_tls_fails_cleanly() {
        // A server that answers in plain HTTP: the TLS handshake cannot complete.
        let (listener, port) = listen().await;
        let server = tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            let (mut socket, _) = listener.accept().await.unwrap();
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                .await;
        });
        let err = connector()
            .call(request(&format!("https://127.0.0.1:{port}/")))
            .await
            .unwrap_err();
        assert!(!err.is_user(), "{err:?}");
        server.await.unwrap();
    }

    #[tokio::test]
    async fn plain_http_round_trips_and_reuses_the_connection() {
        let (listener, port) = listen().await;
        let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = accepted.clone();
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            loop {
                let (mut socket, _) = listener.accept().await.unwrap();
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut buffer = [0u8; 4096];
                    while let Ok(n) = socket.read(&mut buffer).await {
                        if n == 0 {
                            break;
                        }
                        let _ = socket
                            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                            .await;
                    }
                });
            }
        });
        let connector = connector();
        for _ in 0..3 {
            let response = connector
                .call(request(&format!("http://127.0.0.1:{port}/")))
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 200);
            assert_eq!(body(response).await, b"ok");
        }
        assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    /// The TLS path end to end: a server whose certificate the trust roots hold (here
    /// `SSL_CERT_FILE`, which the system-roots loader honours as it does in Lambda's
    /// image) answers over HTTPS, and the name it is reached by is checked.
    #[tokio::test]
    async fn https_reaches_a_server_the_trust_roots_vouch_for() {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        const CERT: &[u8] = include_bytes!("../testdata/tls-localhost.crt");
        const KEY: &[u8] = include_bytes!("../testdata/tls-localhost.key");
        let dir = std::env::temp_dir().join(format!("tidings-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("roots.pem"), CERT).unwrap();
        std::env::set_var("SSL_CERT_FILE", dir.join("roots.pem"));

        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from_pem_slice(CERT).unwrap()],
            PrivateKeyDer::from_pem_slice(KEY).unwrap(),
        )
        .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let (listener, port) = listen().await;
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let (socket, _) = listener.accept().await.unwrap();
            let mut tls = acceptor.accept(socket).await.unwrap();
            let mut buffer = [0u8; 4096];
            let _ = tls.read(&mut buffer).await.unwrap();
            tls.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nsecure")
                .await
                .unwrap();
            tls.flush().await.unwrap();
        });

        let response = connector()
            .call(request(&format!("https://localhost:{port}/")))
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(body(response).await, b"secure");
        let _ = std::fs::remove_dir_all(dir);
    }
}
