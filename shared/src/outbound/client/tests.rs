//! Deliveries against tiny servers on loopback (reachable only under the local policy),
//! and the refusals that must happen before anything connects.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::*;

const STRICT: Policy = Policy {
    allow_loopback_http: false,
};
const LOCAL: Policy = Policy {
    allow_loopback_http: true,
};
const TIMEOUT: Duration = Duration::from_secs(5);
const SHORT: Duration = Duration::from_millis(300);

/// A listener on a free loopback port, and the port.
async fn listen() -> (TcpListener, u16) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    (listener, port)
}

/// Reads one request (head and `content-length` body) and returns it as text.
async fn read_request<S: AsyncRead + Unpin>(socket: &mut S) -> String {
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let n = socket.read(&mut buffer).await.unwrap();
        seen.extend_from_slice(&buffer[..n]);
        let text = String::from_utf8_lossy(&seen).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|line| line.strip_prefix("content-length: "))
                .map_or(0, |length| length.trim().parse::<usize>().unwrap());
            if seen.len() >= end + 4 + length || n == 0 {
                return text;
            }
        } else if n == 0 {
            return text;
        }
    }
}

/// Answers one connection with `response` after reading its request, which it returns.
fn serve_once(listener: TcpListener, response: impl Into<String>) -> JoinHandle<String> {
    let response = response.into();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let request = read_request(&mut socket).await;
        socket.write_all(response.as_bytes()).await.unwrap();
        let _ = socket.shutdown().await;
        request
    })
}

/// Nothing has connected to `listener` (a connection made would be waiting already).
async fn assert_untouched(listener: &TcpListener) {
    let accepted = tokio::time::timeout(Duration::from_millis(100), listener.accept()).await;
    assert!(accepted.is_err(), "something connected");
}

#[tokio::test]
async fn a_200_is_returned_with_its_latency_and_the_request_is_as_sent() {
    let (listener, port) = listen().await;
    let server = serve_once(listener, "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
    let headers = [("webhook-id", "msg_1".to_string())];
    let url = format!("http://127.0.0.1:{port}/hooks/in?x=1");
    let reply = Outbound::new(LOCAL)
        .post(&url, &headers, r#"{"a":1}"#, TIMEOUT)
        .await
        .unwrap();
    assert_eq!(reply.status, 200);
    assert!(reply.latency_ms < 5000, "{reply:?}");
    assert_eq!(reply.location, None);
    let request = server.await.unwrap();
    assert!(
        request.starts_with("POST /hooks/in?x=1 HTTP/1.1\r\n"),
        "{request}"
    );
    for line in [
        format!("host: 127.0.0.1:{port}"),
        "content-type: application/json".into(),
        "user-agent: tidings-webhooks/1".into(),
        "webhook-id: msg_1".into(),
        "content-length: 7".into(),
    ] {
        assert!(
            request.contains(&format!("{line}\r\n")),
            "{line} in {request}"
        );
    }
    assert!(request.ends_with("\r\n\r\n{\"a\":1}"), "{request}");
}

#[tokio::test]
async fn a_redirect_is_returned_not_followed() {
    let (elsewhere, elsewhere_port) = listen().await;
    let (listener, port) = listen().await;
    let response = format!(
        "HTTP/1.1 302 Found\r\nlocation: http://127.0.0.1:{elsewhere_port}/\r\ncontent-length: 0\r\n\r\n"
    );
    let server = serve_once(listener, response);
    let reply = Outbound::new(LOCAL)
        .post(&format!("http://127.0.0.1:{port}/"), &[], "{}", TIMEOUT)
        .await
        .unwrap();
    assert_eq!(reply.status, 302);
    assert_eq!(
        reply.location.as_deref(),
        Some(format!("http://127.0.0.1:{elsewhere_port}/").as_str())
    );
    server.await.unwrap();
    assert_untouched(&elsewhere).await;
}

#[tokio::test]
async fn a_503_is_returned_as_a_status() {
    let (listener, port) = listen().await;
    let server = serve_once(
        listener,
        "HTTP/1.1 503 Service Unavailable\r\nretry-after: 30\r\ncontent-length: 4\r\n\r\nbusy",
    );
    let reply = Outbound::new(LOCAL)
        .post(&format!("http://localhost:{port}/"), &[], "{}", TIMEOUT)
        .await
        .unwrap();
    assert_eq!(reply.status, 503);
    server.await.unwrap();
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_within_the_timeout() {
    let (listener, port) = listen().await;
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        read_request(&mut socket).await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    });
    let started = Instant::now();
    let err = Outbound::new(LOCAL)
        .post(&format!("http://127.0.0.1:{port}/"), &[], "{}", SHORT)
        .await
        .unwrap_err();
    assert_eq!(err, OutboundError::Timeout);
    assert!(err.is_retryable());
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    server.abort();
}

#[tokio::test]
async fn a_body_that_never_ends_does_not_fail_the_delivery() {
    let (listener, port) = listen().await;
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        read_request(&mut socket).await;
        socket
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 1000000\r\n\r\nstill going")
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
    });
    let started = Instant::now();
    let reply = Outbound::new(LOCAL)
        .post(&format!("http://127.0.0.1:{port}/"), &[], "{}", SHORT)
        .await
        .unwrap();
    assert_eq!(reply.status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    server.abort();
}

#[tokio::test]
async fn plain_http_to_loopback_is_refused_without_the_local_policy() {
    let (listener, port) = listen().await;
    let err = Outbound::new(STRICT)
        .post(&format!("http://127.0.0.1:{port}/"), &[], "{}", TIMEOUT)
        .await
        .unwrap_err();
    assert!(matches!(err, OutboundError::InvalidUrl(_)), "{err:?}");
    assert!(!err.is_retryable());
    assert_untouched(&listener).await;
}

#[tokio::test]
async fn a_name_resolving_to_loopback_is_forbidden_at_resolution() {
    let (listener, port) = listen().await;
    let url = format!("https://localhost:{port}/");
    assert!(
        check_url(&url, &STRICT).is_ok(),
        "a name passes until it is resolved"
    );
    let err = Outbound::new(STRICT)
        .post(&url, &[], "{}", TIMEOUT)
        .await
        .unwrap_err();
    let OutboundError::ForbiddenAddress(message) = &err else {
        panic!("{err:?}");
    };
    assert!(message.starts_with("localhost resolves to "), "{message}");
    assert_untouched(&listener).await;
}

#[tokio::test]
async fn internal_and_credentialed_urls_are_refused() {
    let outbound = Outbound::new(STRICT);
    for url in [
        "https://169.254.169.254/latest/meta-data",
        "https://10.0.0.5/",
        "https://[::1]/",
        "https://[fd00:ec2::254]/",
        "https://[::ffff:127.0.0.1]/",
    ] {
        let err = outbound.post(url, &[], "{}", TIMEOUT).await.unwrap_err();
        assert!(
            matches!(err, OutboundError::ForbiddenAddress(_)),
            "{url}: {err:?}"
        );
    }
    let err = outbound
        .post("https://user:pw@example.com/", &[], "{}", TIMEOUT)
        .await
        .unwrap_err();
    assert!(matches!(err, OutboundError::InvalidUrl(_)), "{err:?}");
}

#[tokio::test]
async fn headers_that_frame_the_request_cannot_be_given() {
    for name in [
        "host",
        "Content-Length",
        "transfer-encoding",
        "connection",
        "bad name",
    ] {
        let headers = [(name, "x".to_string())];
        let err = Outbound::new(LOCAL)
            .post("http://127.0.0.1:9/", &headers, "{}", TIMEOUT)
            .await
            .unwrap_err();
        assert!(
            matches!(err, OutboundError::InvalidHeader(_)),
            "{name}: {err:?}"
        );
    }
}

#[tokio::test]
async fn a_refused_connection_is_a_retryable_connect_error() {
    let (listener, port) = listen().await;
    drop(listener);
    let err = Outbound::new(LOCAL)
        .post(&format!("http://127.0.0.1:{port}/"), &[], "{}", TIMEOUT)
        .await
        .unwrap_err();
    assert!(matches!(err, OutboundError::Connect(_)), "{err:?}");
    assert!(err.is_retryable());
}

/// An `Outbound` trusting only the test certificate (for `localhost`), and a server
/// presenting it that answers one request.
async fn tls_pair(response: &'static str) -> (Outbound, u16, JoinHandle<()>) {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    const CERT: &[u8] = include_bytes!("../../../testdata/tls-localhost.crt");
    const KEY: &[u8] = include_bytes!("../../../testdata/tls-localhost.key");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cert = CertificateDer::from_pem_slice(CERT).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.clone()).unwrap();
    let client = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], PrivateKeyDer::from_pem_slice(KEY).unwrap())
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
    let (listener, port) = listen().await;
    let server = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let Ok(mut tls) = acceptor.accept(socket).await else {
            return;
        };
        read_request(&mut tls).await;
        tls.write_all(response.as_bytes()).await.unwrap();
        let _ = tls.shutdown().await;
    });
    let outbound = Outbound {
        policy: LOCAL,
        tls: OnceLock::from(Ok(Arc::new(client))),
    };
    (outbound, port, server)
}

#[tokio::test]
async fn https_is_verified_against_the_name_in_the_url() {
    let (outbound, port, server) = tls_pair("HTTP/1.1 204 No Content\r\n\r\n").await;
    let reply = outbound
        .post(&format!("https://localhost:{port}/"), &[], "{}", TIMEOUT)
        .await
        .unwrap();
    assert_eq!(reply.status, 204);
    server.await.unwrap();

    // The certificate names localhost, not 127.0.0.1.
    let (outbound, port, server) = tls_pair("HTTP/1.1 204 No Content\r\n\r\n").await;
    let err = outbound
        .post(&format!("https://127.0.0.1:{port}/"), &[], "{}", TIMEOUT)
        .await
        .unwrap_err();
    assert!(matches!(err, OutboundError::Tls(_)), "{err:?}");
    server.await.unwrap();
}
