//! One SMTP connection: the command loop, the transaction it builds, and the buffered
//! socket reads (lines, DATA) and writes (replies) it runs on.

use std::future::Future;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpStream;

use super::{Envelope, Verdict, IDLE_TIMEOUT, MAX_LINE, MAX_RECIPIENTS};

const READ_CHUNK: usize = 16 * 1024;
const TOO_BIG: &str = "Message size exceeds fixed maximum message size";

/// One connection: its socket, its settings and the transaction under way.
pub(super) struct Session<F> {
    conn: Conn,
    peer: SocketAddr,
    hostname: Arc<str>,
    limit: usize,
    deliver: F,
    state: State,
}

impl<F, Fut> Session<F>
where
    F: Fn(Envelope) -> Fut,
    Fut: Future<Output = Verdict>,
{
    pub(super) fn new(
        stream: TcpStream,
        peer: SocketAddr,
        hostname: Arc<str>,
        limit: usize,
        deliver: F,
    ) -> Self {
        Session {
            conn: Conn::new(stream),
            peer,
            hostname,
            limit,
            deliver,
            state: State::default(),
        }
    }

    pub(super) async fn run(mut self) {
        let peer = self.peer;
        tracing::debug!(%peer, "SMTP connection opened");
        match self.commands().await {
            Ok(()) => tracing::debug!(%peer, "SMTP connection closed"),
            Err(error) if error.kind() == io::ErrorKind::TimedOut => {
                tracing::debug!(%peer, "SMTP connection idle, closing");
                let text = format!("{} Idle timeout, closing connection", self.hostname);
                self.conn.reply(421, &text);
                let _ = tokio::time::timeout(Duration::from_secs(5), self.conn.flush()).await;
            }
            Err(error) => tracing::debug!(%peer, %error, "SMTP connection ended"),
        }
    }

    async fn commands(&mut self) -> io::Result<()> {
        let hostname = self.hostname.clone();
        let greeting = format!("{hostname} ESMTP tidings local");
        self.conn.reply(220, &greeting);
        loop {
            let line = match self.conn.read_line(MAX_LINE).await? {
                None => return Ok(()),
                Some(Line::TooLong) => {
                    self.conn.reply(500, "Line too long");
                    continue;
                }
                Some(Line::Text(line)) => line,
            };
            let Ok(line) = String::from_utf8(line) else {
                self.conn.reply(500, "Syntax error, command unrecognized");
                continue;
            };
            match command(&mut self.state, &line, &self.hostname, self.limit) {
                Step::Reply(code, text) => self.conn.reply(code, &text),
                Step::Quit => {
                    self.conn.reply(221, &format!("{hostname} closing"));
                    return timed(self.conn.flush()).await;
                }
                Step::Data => {
                    let (code, text) = self.message().await?;
                    self.conn.reply(code, &text);
                }
            }
        }
    }

    /// Receives the DATA of the transaction under way; returns the reply to it.
    async fn message(&mut self) -> io::Result<(u16, String)> {
        let peer = self.peer;
        self.conn.reply(354, "End data with <CR><LF>.<CR><LF>");
        let data = self.conn.read_data(self.limit).await?;
        let transaction = std::mem::take(&mut self.state.transaction);
        let Some(data) = data else {
            tracing::info!(%peer, limit = self.limit, "SMTP message refused: too large");
            return Ok((552, TOO_BIG.into()));
        };
        let envelope = Envelope {
            mail_from: transaction.mail_from.unwrap_or_default(),
            rcpt_to: transaction.recipients,
            data,
        };
        let (from, rcpt) = (&envelope.mail_from, &envelope.rcpt_to);
        tracing::info!(%peer, %from, ?rcpt, bytes = envelope.data.len(), "SMTP message received");
        Ok(match (self.deliver)(envelope).await {
            Verdict::Accepted => {
                tracing::info!(%peer, "SMTP message accepted");
                (250, "OK: message accepted".into())
            }
            Verdict::Refused { code, text } => {
                tracing::info!(%peer, code, %text, "SMTP message refused");
                // Anything but a failure code would tell the client its message went through.
                let code = Some(code).filter(|c| (400..=599).contains(c));
                (code.unwrap_or(554), text)
            }
        })
    }
}

#[derive(Default)]
struct State {
    greeted: bool,
    transaction: Transaction,
}

#[derive(Default)]
struct Transaction {
    mail_from: Option<String>,
    recipients: Vec<String>,
}

enum Step {
    Reply(u16, String),
    Data,
    Quit,
}

fn reply(code: u16, text: &str) -> Step {
    Step::Reply(code, text.to_owned())
}

fn command(state: &mut State, line: &str, hostname: &str, limit: usize) -> Step {
    let (verb, arg) = match line.split_once([' ', '\t']) {
        Some((verb, arg)) => (verb, arg.trim()),
        None => (line, ""),
    };
    let transaction = &mut state.transaction;
    match verb.to_ascii_uppercase().as_str() {
        "EHLO" | "HELO" if arg.is_empty() => reply(501, "Syntax: EHLO hostname"),
        "EHLO" | "HELO" => {
            // A new greeting starts over, as RSET does (RFC 5321 4.1.4).
            state.greeted = true;
            *transaction = Transaction::default();
            if verb.eq_ignore_ascii_case("HELO") {
                return reply(250, hostname);
            }
            let extensions = format!("{hostname}\nSIZE {limit}\n8BITMIME\nPIPELINING");
            Step::Reply(250, extensions)
        }
        "MAIL" if !state.greeted => reply(503, "Send HELO/EHLO first"),
        "MAIL" if transaction.mail_from.is_some() => reply(503, "Sender already specified"),
        "MAIL" => mail(transaction, arg, limit),
        "RCPT" if transaction.mail_from.is_none() => reply(503, "Need MAIL before RCPT"),
        "RCPT" => rcpt(transaction, arg),
        "DATA" if !arg.is_empty() => reply(501, "Syntax: DATA"),
        "DATA" if transaction.mail_from.is_none() => reply(503, "Need MAIL command"),
        "DATA" if transaction.recipients.is_empty() => reply(503, "Need RCPT (recipient)"),
        "DATA" => Step::Data,
        "RSET" => {
            *transaction = Transaction::default();
            reply(250, "OK")
        }
        "NOOP" => reply(250, "OK"),
        "VRFY" => reply(252, "Cannot VRFY user, but will accept message"),
        "QUIT" => Step::Quit,
        _ => reply(500, "Syntax error, command unrecognized"),
    }
}

fn mail(transaction: &mut Transaction, arg: &str, limit: usize) -> Step {
    let Some((path, params)) = parse_path(arg, "FROM:") else {
        return reply(501, "Syntax: MAIL FROM:<address>");
    };
    for param in params.split_ascii_whitespace() {
        let (key, value) = param.split_once('=').unwrap_or((param, ""));
        match key.to_ascii_uppercase().as_str() {
            "SIZE" => match value.parse::<u64>() {
                Ok(size) if size > limit as u64 => return reply(552, TOO_BIG),
                Ok(_) => {}
                Err(_) => return reply(501, "Syntax: SIZE=<bytes>"),
            },
            "BODY" if matches!(value.to_ascii_uppercase().as_str(), "7BIT" | "8BITMIME") => {}
            _ => return reply(555, "MAIL parameters not recognized or not implemented"),
        }
    }
    transaction.mail_from = Some(path);
    reply(250, "OK")
}

fn rcpt(transaction: &mut Transaction, arg: &str) -> Step {
    let Some((path, params)) = parse_path(arg, "TO:").filter(|(path, _)| !path.is_empty()) else {
        return reply(501, "Syntax: RCPT TO:<address>");
    };
    if !params.trim().is_empty() {
        return reply(555, "RCPT TO parameters not recognized or not implemented");
    }
    if transaction.recipients.len() >= MAX_RECIPIENTS {
        return reply(452, "Too many recipients");
    }
    transaction.recipients.push(path);
    reply(250, "OK")
}

/// Splits `FROM:<path> params` (or `TO:`) into the address and what follows it. Tolerates a
/// space after the colon and a missing pair of brackets, as real-world servers do, and drops
/// an obsolete source route (`<@relay:user@host>`), which RFC 5321 says to ignore.
fn parse_path<'a>(arg: &'a str, keyword: &str) -> Option<(String, &'a str)> {
    let head = arg.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = arg[keyword.len()..].trim_start();
    let (path, params) = match rest.strip_prefix('<') {
        Some(inner) => inner.split_once('>')?,
        None if rest.is_empty() => return None,
        None => rest.split_once(' ').unwrap_or((rest, "")),
    };
    let path = match path.strip_prefix('@') {
        Some(routed) => routed.split_once(':')?.1,
        None => path,
    };
    if path.chars().any(char::is_control) {
        return None;
    }
    Some((path.to_owned(), params))
}

enum Line {
    /// The line without its line ending (CRLF, or a bare LF from a lax client).
    Text(Vec<u8>),
    /// The line, ending included, was longer than asked for; it has been skipped.
    TooLong,
}

/// A connection with its own buffering: reads keep what arrived beyond the current line
/// (pipelined commands), and replies wait in `out` until the server next needs input, so
/// the answers to a pipelined batch go out together (RFC 2920).
struct Conn {
    stream: TcpStream,
    input: Vec<u8>,
    /// Where the unread part of `input` starts.
    pos: usize,
    out: Vec<u8>,
}

impl Conn {
    fn new(stream: TcpStream) -> Self {
        Conn {
            stream,
            input: Vec::new(),
            pos: 0,
            out: Vec::new(),
        }
    }

    fn reply(&mut self, code: u16, text: &str) {
        let mut lines = text
            .split('\n')
            .map(|l| l.trim_end_matches('\r'))
            .peekable();
        while let Some(line) = lines.next() {
            let sep = match (lines.peek(), line) {
                (Some(_), _) => "-",
                (None, "") => "",
                (None, _) => " ",
            };
            // Writing to a Vec cannot fail.
            let _ = write!(self.out, "{code}{sep}{line}\r\n");
        }
    }

    /// The next line, or `None` at the end of input. A line longer than `limit` bytes
    /// (ending included) is read to its end but not kept, so memory stays bounded.
    async fn read_line(&mut self, limit: usize) -> io::Result<Option<Line>> {
        let mut too_long = false;
        // Bytes after `pos` already searched: a long line must not be rescanned per chunk.
        let mut scanned = 0;
        loop {
            let unread = &self.input[self.pos..];
            if let Some(i) = unread[scanned..].iter().position(|&b| b == b'\n') {
                let len = scanned + i + 1;
                let line = &unread[..len - 1];
                let kept = !too_long && len <= limit;
                let line = kept.then(|| line.strip_suffix(b"\r").unwrap_or(line).to_vec());
                self.pos += len;
                return Ok(Some(line.map_or(Line::TooLong, Line::Text)));
            }
            self.input.drain(..self.pos);
            self.pos = 0;
            scanned = self.input.len();
            if scanned > limit {
                too_long = true;
                self.input.clear();
                scanned = 0;
            }
            if !timed(self.fill()).await? {
                return Ok(None);
            }
        }
    }

    /// Reads DATA up to the lone ".". `None` when the message exceeded `limit`: it is still
    /// read to its end, so that the session stays in step with the client, but not kept.
    async fn read_data(&mut self, limit: usize) -> io::Result<Option<Vec<u8>>> {
        let (mut data, mut too_big) = (Vec::new(), false);
        loop {
            // Room for what's left, a stuffed dot and CRLF (`data` is emptied once too big).
            let kept = match self.read_line(limit - data.len() + 3).await? {
                None => return Err(io::ErrorKind::UnexpectedEof.into()),
                Some(Line::Text(line)) if line == b"." => return Ok((!too_big).then_some(data)),
                Some(Line::Text(line)) => Some(line),
                Some(Line::TooLong) => None,
            };
            match kept.as_deref().map(|l| l.strip_prefix(b".").unwrap_or(l)) {
                Some(line) if !too_big && data.len() + line.len() + 2 <= limit => {
                    data.extend_from_slice(line);
                    data.extend_from_slice(b"\r\n");
                }
                _ => (too_big, data) = (true, Vec::new()),
            }
        }
    }

    /// Sends pending replies, then waits for more input; `false` at the end of input.
    async fn fill(&mut self) -> io::Result<bool> {
        self.flush().await?;
        loop {
            self.stream.readable().await?;
            let len = self.input.len();
            self.input.resize(len + READ_CHUNK, 0);
            let read = self.stream.try_read(&mut self.input[len..]);
            self.input.truncate(len + *read.as_ref().unwrap_or(&0));
            match read {
                Ok(n) => return Ok(n > 0),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Err(e),
            }
        }
    }

    async fn flush(&mut self) -> io::Result<()> {
        let mut sent = 0;
        while sent < self.out.len() {
            self.stream.writable().await?;
            match self.stream.try_write(&self.out[sent..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => sent += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Err(e),
            }
        }
        self.out.clear();
        Ok(())
    }
}

/// Bounds a socket wait by the idle timeout, which then shows as `ErrorKind::TimedOut`.
async fn timed<T>(io: impl Future<Output = io::Result<T>>) -> io::Result<T> {
    tokio::time::timeout(IDLE_TIMEOUT, io)
        .await
        .unwrap_or_else(|_| Err(io::ErrorKind::TimedOut.into()))
}
