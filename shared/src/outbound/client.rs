//! One webhook delivery: resolve the name here, check every address, connect to exactly
//! the address checked, TLS, one HTTP/1.1 POST on its own connection, no redirects.
//!
//! Not the pooled client of [`crate::https`]: pooling would hand a delivery a connection
//! made for another check, and one connection per delivery is simple to guard.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use hyper::body::{Body, Incoming};
use hyper::client::conn::http1;
use hyper::header::{self, HeaderName, HeaderValue};
use hyper::{Method, Request, Response};
use hyper_rustls::ConfigBuilderExt;
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

use super::{check_url, OutboundError, Policy, Target};

const USER_AGENT: &str = "tidings-webhooks/1";
/// How much of a response body is read before the connection is closed: enough for any
/// acknowledgement, not enough for a receiver to keep a delivery busy.
const MAX_BODY_READ: usize = 64 * 1024;
/// Headers the client sets itself: a caller's would contradict the request's framing.
const RESERVED: [HeaderName; 4] = [
    header::HOST,
    header::CONNECTION,
    header::CONTENT_LENGTH,
    header::TRANSFER_ENCODING,
];

/// Sends webhook deliveries; build one per container.
#[derive(Debug)]
pub struct Outbound {
    policy: Policy,
    /// Built at the first HTTPS delivery, so a cold start that sends none does not read
    /// the trust roots from disk.
    tls: OnceLock<Result<Arc<rustls::ClientConfig>, String>>,
}

/// The receiver's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    /// From the start of the delivery (resolution included) to the response head.
    pub latency_ms: u64,
    /// A redirect's target, reported, never followed.
    pub location: Option<String>,
}

impl Outbound {
    pub fn new(policy: Policy) -> Self {
        Self {
            policy,
            tls: OnceLock::new(),
        }
    }

    /// POSTs `body` as JSON to `url`, with `headers` besides the client's own. `timeout`
    /// bounds everything: resolution, connection, TLS, the request, the response head and
    /// the reading of the body (whose being cut off does not fail the delivery).
    pub async fn post(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: &str,
        timeout: Duration,
    ) -> Result<Reply, OutboundError> {
        let target = check_url(url, &self.policy)?;
        let request = build_request(&target, headers, body)?;
        let started = Instant::now();
        let deadline = tokio::time::Instant::now() + timeout;
        let (response, connection) =
            tokio::time::timeout_at(deadline, self.exchange(&target, request))
                .await
                .map_err(|_| OutboundError::Timeout)??;
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string);
        // Reading what the receiver sends spares it a reset while it is still writing; what
        // it says does not matter, so running out of time here is no failure.
        let _ = tokio::time::timeout_at(deadline, drain(response.into_body())).await;
        drop(connection);
        Ok(Reply {
            status,
            latency_ms,
            location,
        })
    }

    async fn exchange(
        &self,
        target: &Target,
        request: Request<String>,
    ) -> Result<(Response<Incoming>, Connection), OutboundError> {
        let addresses = self.resolve(target).await?;
        let tcp = connect(&addresses).await?;
        if !target.https {
            return send(tcp, request).await;
        }
        let name = ServerName::try_from(target.host.clone())
            .map_err(|err| OutboundError::Tls(format!("{}: {err}", target.host)))?;
        let tls = tokio_rustls::TlsConnector::from(self.tls_config()?)
            .connect(name, tcp)
            .await
            .map_err(|err| OutboundError::Tls(err.to_string()))?;
        send(tls, request).await
    }

    /// The addresses `target` may be reached at. A name with any non-public address is
    /// refused outright rather than reached at its public ones: it is either misconfigured
    /// or made to reach inside, and the answer should not depend on which address a
    /// resolver lists first.
    async fn resolve(&self, target: &Target) -> Result<Vec<SocketAddr>, OutboundError> {
        let host = target.host.as_str();
        let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host, target.port))
            .await
            .map_err(|err| OutboundError::Resolve(format!("{host}: {err}")))?
            .collect();
        if addresses.is_empty() {
            return Err(OutboundError::Resolve(format!("{host}: no addresses")));
        }
        for address in &addresses {
            target.check_address(address.ip(), &self.policy)?;
        }
        Ok(addresses)
    }

    fn tls_config(&self) -> Result<Arc<rustls::ClientConfig>, OutboundError> {
        self.tls
            .get_or_init(build_tls)
            .clone()
            .map_err(|reason| OutboundError::Tls(format!("no TLS client: {reason}")))
    }
}

/// rustls on ring with the system's roots, as [`crate::https`] uses, speaking HTTP/1.1.
fn build_tls() -> Result<Arc<rustls::ClientConfig>, String> {
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|err| err.to_string())?
    .with_native_roots()
    .map_err(|err| err.to_string())?
    .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The first of the checked addresses that accepts a connection.
async fn connect(addresses: &[SocketAddr]) -> Result<TcpStream, OutboundError> {
    let mut failures = Vec::new();
    for address in addresses {
        match TcpStream::connect(address).await {
            Ok(stream) => {
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(err) => failures.push(format!("{address}: {err}")),
        }
    }
    Err(OutboundError::Connect(failures.join("; ")))
}

/// The task driving a connection, stopped when the delivery is done or given up.
struct Connection(JoinHandle<()>);

impl Drop for Connection {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn send<S>(
    io: S,
    request: Request<String>,
) -> Result<(Response<Incoming>, Connection), OutboundError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let http = |err: hyper::Error| OutboundError::Http(err.to_string());
    let (mut sender, connection) = http1::handshake(TokioIo::new(io)).await.map_err(http)?;
    let connection = Connection(tokio::spawn(async move {
        let _ = connection.await;
    }));
    let response = sender.send_request(request).await.map_err(http)?;
    Ok((response, connection))
}

fn build_request(
    target: &Target,
    headers: &[(&str, String)],
    body: &str,
) -> Result<Request<String>, OutboundError> {
    let invalid = |what: String| OutboundError::InvalidHeader(what);
    let mut request = Request::new(body.to_string());
    *request.method_mut() = Method::POST;
    *request.uri_mut() = target
        .path_and_query
        .parse()
        .map_err(|_| OutboundError::InvalidUrl(target.path_and_query.clone()))?;
    let map = request.headers_mut();
    let host = HeaderValue::from_str(&target.host_header())
        .map_err(|_| OutboundError::InvalidUrl(target.host.clone()))?;
    map.insert(header::HOST, host);
    map.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    map.insert(header::USER_AGENT, HeaderValue::from_static(USER_AGENT));
    // Each delivery has its own connection: tell the receiver not to keep it.
    map.insert(header::CONNECTION, HeaderValue::from_static("close"));
    for (name, value) in headers {
        let name =
            HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid(name.to_string()))?;
        if RESERVED.contains(&name) {
            return Err(invalid(format!("{name} is set by the client")));
        }
        let value = HeaderValue::from_str(value).map_err(|_| invalid(format!("{name} value")))?;
        map.append(name, value);
    }
    Ok(request)
}

/// Reads and drops up to [`MAX_BODY_READ`] bytes of the body.
async fn drain(mut body: Incoming) {
    let mut read = 0;
    while read < MAX_BODY_READ {
        match std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
            Some(Ok(frame)) => read += frame.data_ref().map_or(0, |data| data.len()),
            _ => break,
        }
    }
}

#[cfg(test)]
mod tests;
