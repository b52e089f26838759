//! A minimal SMTP receiver (the RFC 5321 subset a mail app or `curl smtp://` uses), so mail
//! reaches the local stack the way it reaches SES's inbound endpoint. It only collects the
//! envelope and the raw message; parsing the message is someone else's job.
//!
//! Socket I/O uses `readable`/`try_read` and `writable`/`try_write`, which need only
//! tokio's `net` feature: the workspace does not declare `io-util` for tokio.

mod session;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinSet;

use session::Session;

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// MAIL FROM's address without angle brackets; "" for the null reverse path `<>`.
    pub mail_from: String,
    /// RCPT TO addresses without angle brackets, in order.
    pub rcpt_to: Vec<String>,
    /// The DATA as sent, dot-unstuffed, with CRLF line endings, without the final ".".
    pub data: Vec<u8>,
}

/// What the receiver made of a message: accepted, or refused with a reason sent back to the
/// client as a 5xx/4xx reply (a code outside 400..=599 is sent as 554). `text` may hold
/// several lines, sent as a multiline reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    Refused { code: u16, text: String },
}

/// Largest message accepted, the function's own (SES's receipt S3 action limit).
/// Advertised as `SIZE` in EHLO; larger DATA is read to the end and refused with 552.
pub const MAX_MESSAGE_BYTES: usize = email_inbound::MAX_MAIL_BYTES;

/// RFC 5321's limit for a text line, CRLF included; commands are held to it too.
const MAX_LINE: usize = 1000;
/// RFC 5321 asks servers to take at least 100; SES takes 50, and the local stack plays SES.
const MAX_RECIPIENTS: usize = 50;
const IDLE_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// Serves SMTP on `listener` until the task is dropped; each message is handed to
/// `deliver`, and the client gets 250 when it returns `Verdict::Accepted`, else the
/// refusal's code and text. Connections are served concurrently, each on its own task;
/// dropping this future also ends the sessions still open.
pub async fn serve<F, Fut>(listener: TcpListener, hostname: String, deliver: F)
where
    F: Fn(Envelope) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Verdict> + Send + 'static,
{
    serve_with_limit(listener, hostname, MAX_MESSAGE_BYTES, deliver).await
}

async fn serve_with_limit<F, Fut>(listener: TcpListener, hostname: String, limit: usize, deliver: F)
where
    F: Fn(Envelope) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Verdict> + Send + 'static,
{
    let hostname: Arc<str> = hostname.into();
    // A JoinSet rather than bare spawns, so that dropping the server ends its sessions.
    let mut sessions = JoinSet::new();
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                let (hostname, deliver) = (hostname.clone(), deliver.clone());
                // Replies are small and the client waits on each: don't let Nagle hold them.
                let _ = stream.set_nodelay(true);
                let session = Session::new(stream, peer, hostname, limit, deliver);
                sessions.spawn(session.run());
            }
            Err(error) => {
                // Usually out of file descriptors: pause rather than spin on the error.
                tracing::warn!(%error, "SMTP accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        while let Some(done) = sessions.try_join_next() {
            if let Err(error) = done {
                tracing::error!(%error, "SMTP session task failed");
            }
        }
    }
}

#[cfg(test)]
mod tests;
