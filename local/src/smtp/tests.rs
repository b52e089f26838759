//! Sessions over a real loopback socket. The clients are blocking std sockets on the
//! blocking pool, so the tests need nothing from tokio beyond what the server uses.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;

const HOST: &str = "mx.test";

type Received = Arc<Mutex<Vec<Envelope>>>;

/// Starts a server answering with `verdict`; `limit` None uses the public `serve`.
async fn start(limit: Option<usize>, verdict: fn(&Envelope) -> Verdict) -> (SocketAddr, Received) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let received = Received::default();
    let log = received.clone();
    let deliver = move |envelope: Envelope| {
        let verdict = verdict(&envelope);
        log.lock().unwrap().push(envelope);
        async move { verdict }
    };
    let host = HOST.to_owned();
    match limit {
        None => tokio::spawn(serve(listener, host, deliver)),
        Some(limit) => tokio::spawn(serve_with_limit(listener, host, limit, deliver)),
    };
    (addr, received)
}

fn accept_all(_: &Envelope) -> Verdict {
    Verdict::Accepted
}

/// Runs a blocking client on the blocking pool while the runtime serves it.
async fn client<T: Send + 'static>(
    addr: SocketAddr,
    f: impl FnOnce(&mut Client) -> T + Send + 'static,
) -> T {
    tokio::task::spawn_blocking(move || {
        let mut client = Client::connect(addr);
        f(&mut client)
    })
    .await
    .unwrap()
}

struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    fn connect(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut client = Client {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        };
        assert_eq!(
            client.reply(),
            (220, vec![format!("{HOST} ESMTP tidings local")])
        );
        client
    }

    fn send(&mut self, text: &str) {
        self.writer.write_all(text.as_bytes()).unwrap();
    }

    /// One reply: its code and the text of each of its lines.
    fn reply(&mut self) -> (u16, Vec<String>) {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            assert!(
                self.reader.read_line(&mut line).unwrap() > 0,
                "connection closed"
            );
            let line = line.strip_suffix("\r\n").expect("reply line ends in CRLF");
            let code = line[..3].parse().unwrap();
            lines.push(line.get(4..).unwrap_or("").to_owned());
            if line.as_bytes().get(3) != Some(&b'-') {
                return (code, lines);
            }
        }
    }

    /// Sends a command line and returns the reply's code and last line.
    fn cmd(&mut self, line: &str) -> (u16, String) {
        self.send(&format!("{line}\r\n"));
        let (code, mut lines) = self.reply();
        (code, lines.pop().unwrap())
    }

    fn code(&mut self, line: &str) -> u16 {
        self.cmd(line).0
    }
}

fn received_one(received: &Received) -> Envelope {
    let received = received.lock().unwrap();
    assert_eq!(received.len(), 1, "messages delivered");
    received[0].clone()
}

#[tokio::test]
async fn full_session_delivers_the_envelope() {
    let (addr, received) = start(None, accept_all).await;
    client(addr, |c| {
        c.send("EHLO client.test\r\n");
        let ehlo = [HOST, "SIZE 31457280", "8BITMIME", "PIPELINING"]
            .map(String::from)
            .to_vec();
        assert_eq!(c.reply(), (250, ehlo));
        assert_eq!(
            c.code("MAIL FROM:<owner@example.com> SIZE=60 BODY=8BITMIME"),
            250
        );
        assert_eq!(c.code("RCPT TO:<reply+TOKEN@reply.demo.example>"), 250);
        assert_eq!(c.code("rcpt to: <second@example.com>"), 250);
        assert_eq!(c.code("DATA"), 354);
        c.send("Subject: hi\r\n\r\n..starts with a dot\r\n...\r\nbody\r\n");
        assert_eq!(c.code("."), 250);
        assert_eq!(c.cmd("QUIT"), (221, format!("{HOST} closing")));
    })
    .await;
    let envelope = received_one(&received);
    assert_eq!(envelope.mail_from, "owner@example.com");
    assert_eq!(
        envelope.rcpt_to,
        ["reply+TOKEN@reply.demo.example", "second@example.com"]
    );
    assert_eq!(
        envelope.data,
        b"Subject: hi\r\n\r\n.starts with a dot\r\n..\r\nbody\r\n"
    );
}

#[tokio::test]
async fn pipelined_commands_in_one_write() {
    let (addr, received) = start(None, accept_all).await;
    let codes = client(addr, |c| {
        c.send(concat!(
            "EHLO client.test\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n",
            "DATA\r\nSubject: piped\r\n\r\nbody\r\n.\r\nQUIT\r\n"
        ));
        (0..6).map(|_| c.reply().0).collect::<Vec<_>>()
    })
    .await;
    assert_eq!(codes, [250, 250, 250, 354, 250, 221]);
    let envelope = received_one(&received);
    assert_eq!(envelope.rcpt_to, ["b@example.com"]);
    assert_eq!(envelope.data, b"Subject: piped\r\n\r\nbody\r\n");
}

#[tokio::test]
async fn bare_lf_line_endings_are_normalised() {
    let (addr, received) = start(None, accept_all).await;
    client(addr, |c| {
        c.send("HELO client.test\nMAIL FROM:<a@example.com>\nRCPT TO:<b@example.com>\nDATA\n");
        assert_eq!(
            [c.reply().0, c.reply().0, c.reply().0, c.reply().0],
            [250, 250, 250, 354]
        );
        c.send("Subject: lf\n\n..dot\nbody\n.\n");
        assert_eq!(c.reply().0, 250);
    })
    .await;
    assert_eq!(
        received_one(&received).data,
        b"Subject: lf\r\n\r\n.dot\r\nbody\r\n"
    );
}

fn refuse_marked(envelope: &Envelope) -> Verdict {
    match envelope.rcpt_to[0].starts_with("refuse") {
        true => Verdict::Refused {
            code: 550,
            text: "No such thread\nTry another".into(),
        },
        false => Verdict::Accepted,
    }
}

#[tokio::test]
async fn refusal_is_relayed_and_session_continues() {
    let (addr, received) = start(None, refuse_marked).await;
    client(addr, |c| {
        assert_eq!(c.code("EHLO client.test"), 250);
        for (rcpt, expected) in [("refuse@example.com", 550), ("ok@example.com", 250)] {
            assert_eq!(c.code("MAIL FROM:<a@example.com>"), 250);
            assert_eq!(c.code(&format!("RCPT TO:<{rcpt}>")), 250);
            assert_eq!(c.code("DATA"), 354);
            c.send("Subject: x\r\n\r\nbody\r\n.\r\n");
            let (code, lines) = c.reply();
            assert_eq!(code, expected);
            if code == 550 {
                assert_eq!(lines, ["No such thread", "Try another"]);
                assert_eq!(c.code("RSET"), 250);
            }
        }
    })
    .await;
    let received = received.lock().unwrap();
    assert_eq!(received.len(), 2);
    assert_eq!(received[1].rcpt_to, ["ok@example.com"]);
}

#[tokio::test]
async fn commands_out_of_order_and_unknown() {
    let (addr, received) = start(None, accept_all).await;
    client(addr, |c| {
        assert_eq!(c.code("MAIL FROM:<a@example.com>"), 503, "MAIL before EHLO");
        assert_eq!(c.code("ehlo client.test"), 250);
        assert_eq!(c.code("RCPT TO:<b@example.com>"), 503, "RCPT before MAIL");
        assert_eq!(c.code("DATA"), 503, "DATA before MAIL");
        assert_eq!(c.code("FROB"), 500);
        assert_eq!(
            c.code(&format!("NOOP {}", "x".repeat(1000))),
            500,
            "line too long"
        );
        assert_eq!(c.code("NOOP"), 250);
        assert_eq!(c.code("VRFY someone"), 252);
        assert_eq!(c.code("MAIL FROM:<a@example.com> FROB=1"), 555);
        assert_eq!(c.code("MAIL FROM:a@example.com"), 250, "brackets tolerated");
        assert_eq!(c.code("MAIL FROM:<a@example.com>"), 503, "nested MAIL");
        assert_eq!(c.code("DATA"), 503, "DATA before RCPT");
        assert_eq!(c.code("RCPT TO:<>"), 501);
        assert_eq!(c.code("QUIT"), 221);
    })
    .await;
    assert!(received.lock().unwrap().is_empty());
}

#[tokio::test]
async fn null_reverse_path_and_recipient_limit() {
    let (addr, received) = start(None, accept_all).await;
    client(addr, |c| {
        assert_eq!(c.code("EHLO client.test"), 250);
        assert_eq!(c.code("MAIL FROM:<>"), 250);
        for n in 0..MAX_RECIPIENTS {
            assert_eq!(c.code(&format!("RCPT TO:<r{n}@example.com>")), 250);
        }
        assert_eq!(c.code("RCPT TO:<one-too-many@example.com>"), 452);
        assert_eq!(c.code("DATA"), 354);
        assert_eq!(c.code("\r\n."), 250, "empty body");
    })
    .await;
    let envelope = received_one(&received);
    assert_eq!(envelope.mail_from, "");
    assert_eq!(envelope.rcpt_to.len(), MAX_RECIPIENTS);
    assert_eq!(envelope.data, b"\r\n");
}

#[tokio::test]
async fn oversized_message_is_refused_without_delivery() {
    let (addr, received) = start(Some(100), accept_all).await;
    client(addr, |c| {
        c.send("EHLO client.test\r\n");
        assert!(c.reply().1.contains(&"SIZE 100".to_owned()));
        assert_eq!(c.code("MAIL FROM:<a@example.com> SIZE=101"), 552);
        assert_eq!(c.code("MAIL FROM:<a@example.com> SIZE=50"), 250);
        assert_eq!(c.code("RCPT TO:<b@example.com>"), 250);
        assert_eq!(c.code("DATA"), 354);
        // One long line and many short ones: both must be read through to the ".".
        c.send(&format!(
            "{}\r\n{}",
            "y".repeat(5000),
            "short line\r\n".repeat(50)
        ));
        assert_eq!(c.code("."), 552);
        // The session is still in step: a message within the limit goes through.
        assert_eq!(c.code("MAIL FROM:<a@example.com>"), 250);
        assert_eq!(c.code("RCPT TO:<b@example.com>"), 250);
        assert_eq!(c.code("DATA"), 354);
        c.send(&"z".repeat(98));
        assert_eq!(c.code("\r\n."), 250, "exactly the limit");
    })
    .await;
    let envelope = received_one(&received);
    assert_eq!(envelope.data.len(), 100);
}

/// Runs an external client against a server; `None` when the program isn't there.
async fn run_external(program: &'static str, args: Vec<String>) -> Option<std::process::Output> {
    tokio::task::spawn_blocking(move || Command::new(program).args(args).output().ok())
        .await
        .unwrap()
}

const MESSAGE: &str =
    "From: a@b.example\r\nSubject: via client\r\n\r\nline one\r\n.a dot line\r\nend\r\n";

#[tokio::test]
async fn curl_delivers_a_file() {
    let version = run_external("curl", vec!["--version".into()]).await;
    if !version.is_some_and(|v| String::from_utf8_lossy(&v.stdout).contains(" smtp")) {
        tracing::warn!("curl with smtp support not found; skipping");
        return;
    }
    let (addr, received) = start(None, accept_all).await;
    let file = std::env::temp_dir().join(format!("tidings-smtp-test-{}.eml", addr.port()));
    std::fs::write(&file, MESSAGE).unwrap();
    let args = [
        &format!("smtp://{addr}"),
        "--silent",
        "--show-error",
        "--max-time",
        "20",
        "--mail-from",
        "a@b.example",
        "--mail-rcpt",
        "reply+x@reply.demo.example",
        "-T",
        file.to_str().unwrap(),
    ];
    let output = run_external("curl", args.map(String::from).to_vec())
        .await
        .unwrap();
    let _ = std::fs::remove_file(&file);
    assert!(
        output.status.success(),
        "curl: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let envelope = received_one(&received);
    assert_eq!(envelope.mail_from, "a@b.example");
    assert_eq!(envelope.rcpt_to, ["reply+x@reply.demo.example"]);
    assert_eq!(String::from_utf8(envelope.data).unwrap(), MESSAGE);
}

#[tokio::test]
async fn python_smtplib_delivers_a_message() {
    let (addr, received) = start(None, accept_all).await;
    let script = format!(
        "import smtplib\nwith smtplib.SMTP('127.0.0.1', {}, timeout=20) as s:\n    \
         s.sendmail('a@b.example', ['r1@x.example', 'r2@x.example'], {:?})\n",
        addr.port(),
        MESSAGE.replace("\r\n", "\n"),
    );
    let Some(output) = run_external("python3", vec!["-c".into(), script]).await else {
        tracing::warn!("python3 not found; skipping");
        return;
    };
    assert!(
        output.status.success(),
        "python: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let envelope = received_one(&received);
    assert_eq!(envelope.rcpt_to, ["r1@x.example", "r2@x.example"]);
    assert_eq!(String::from_utf8(envelope.data).unwrap(), MESSAGE);
}
