//! The event an SES receipt rule's Lambda action sends: the message's headers and the
//! verdicts of SES's scans, but not its body. The rule's S3 action, which runs first,
//! stores the body under `<objectKeyPrefix><messageId>`. The local SMTP listener builds
//! the same event ([`local_event`]) so one handler serves both.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ReceiptEvent {
    #[serde(rename = "Records", default)]
    pub records: Vec<ReceiptRecord>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptRecord {
    #[serde(default)]
    pub event_source: String,
    #[serde(default)]
    pub event_version: String,
    pub ses: SesReceipt,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct SesReceipt {
    pub mail: ReceivedMail,
    pub receipt: Receipt,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceivedMail {
    #[serde(default)]
    pub timestamp: String,
    /// The envelope MAIL FROM.
    #[serde(default)]
    pub source: String,
    /// SES's id of the message, and the end of its S3 key.
    pub message_id: String,
    #[serde(default)]
    pub destination: Vec<String>,
    #[serde(default)]
    pub headers_truncated: bool,
    #[serde(default)]
    pub headers: Vec<Header>,
    #[serde(default)]
    pub common_headers: CommonHeaders,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Header {
    pub name: String,
    #[serde(default)]
    pub value: String,
}

/// The headers SES picks out; each is absent when the message has none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CommonHeaders {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_path: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub from: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cc: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reply_to: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Receipt {
    pub timestamp: String,
    pub processing_time_millis: u64,
    /// The envelope recipients the rule matched.
    pub recipients: Vec<String>,
    pub spam_verdict: Verdict,
    pub virus_verdict: Verdict,
    pub spf_verdict: Verdict,
    pub dkim_verdict: Verdict,
    pub dmarc_verdict: Verdict,
    /// The sender domain's DMARC policy (`none`, `quarantine`, `reject`), present only
    /// when DMARC failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dmarc_policy: Option<String>,
    pub action: ReceiptAction,
}

/// `PASS`, `FAIL`, `GRAY`, `PROCESSING_FAILED`, or (spam and virus scans) `DISABLED`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default)]
pub struct Verdict {
    pub status: String,
}

impl Verdict {
    fn pass() -> Self {
        Verdict {
            status: "PASS".to_owned(),
        }
    }

    fn is(&self, status: &str) -> bool {
        self.status.eq_ignore_ascii_case(status)
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ReceiptAction {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invocation_type: Option<String>,
}

impl Receipt {
    /// The first verdict that keeps the message out, checked in the order spam, virus,
    /// dmarc, spf, dkim:
    ///
    /// - spam and virus fail on anything but `PASS`. An unscanned message (`GRAY`,
    ///   `PROCESSING_FAILED`) is not trusted with a conversation, and `DISABLED` means the
    ///   receipt rule lost its `ScanEnabled`, which fails closed rather than silently.
    /// - dmarc `FAIL` always fails: the From domain says mail like this is forged.
    /// - dmarc `PASS` settles authentication: an aligned SPF or DKIM passed, and a lone
    ///   SPF failure beside it is what forwarding does.
    /// - otherwise (`GRAY`: the domain publishes no DMARC policy; `PROCESSING_FAILED`)
    ///   SPF and DKIM must not `FAIL`, and one of them must `PASS`: mail nothing
    ///   authenticates is not posted as a customer's reply.
    pub fn failed_verdict(&self) -> Option<&'static str> {
        if !self.spam_verdict.is("PASS") {
            return Some("spam");
        }
        if !self.virus_verdict.is("PASS") {
            return Some("virus");
        }
        if self.dmarc_verdict.is("FAIL") {
            return Some("dmarc");
        }
        if self.dmarc_verdict.is("PASS") {
            return None;
        }
        let (spf, dkim) = (&self.spf_verdict, &self.dkim_verdict);
        if spf.is("FAIL") {
            Some("spf")
        } else if dkim.is("FAIL") {
            Some("dkim")
        } else if spf.is("PASS") || dkim.is("PASS") {
            None
        } else {
            Some("spf")
        }
    }
}

impl ReceivedMail {
    /// Where the receipt rule's S3 action stored the message: the action's object key
    /// prefix (ours: `inbound/`) and SES's message id.
    pub fn object_key(&self, prefix: &str) -> String {
        format!("{prefix}{}", self.message_id)
    }
}

/// The event SES would send for a message received locally, as if every check passed:
/// headers come from the raw message's header block, unfolded but not decoded.
pub fn local_event(
    mail_from: &str,
    recipients: &[String],
    raw: &[u8],
    message_id: &str,
    timestamp: &str,
) -> serde_json::Value {
    let headers = header_block(raw);
    let mail = ReceivedMail {
        timestamp: timestamp.to_owned(),
        source: mail_from.to_owned(),
        message_id: message_id.to_owned(),
        destination: recipients.to_vec(),
        headers_truncated: false,
        common_headers: common_headers(&headers, mail_from),
        headers,
    };
    let receipt = Receipt {
        timestamp: timestamp.to_owned(),
        processing_time_millis: 0,
        recipients: recipients.to_vec(),
        spam_verdict: Verdict::pass(),
        virus_verdict: Verdict::pass(),
        spf_verdict: Verdict::pass(),
        dkim_verdict: Verdict::pass(),
        dmarc_verdict: Verdict::pass(),
        dmarc_policy: None,
        action: ReceiptAction {
            kind: "Lambda".to_owned(),
            function_arn: Some(LOCAL_FUNCTION_ARN.to_owned()),
            invocation_type: Some("Event".to_owned()),
        },
    };
    let event = ReceiptEvent {
        records: vec![ReceiptRecord {
            event_source: "aws:ses".to_owned(),
            event_version: "1.0".to_owned(),
            ses: SesReceipt { mail, receipt },
        }],
    };
    // Strings, numbers and string-keyed maps only: serializing cannot fail.
    serde_json::to_value(event).unwrap_or_default()
}

const LOCAL_FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:000000000000:function:email-inbound";

/// The headers before the first blank line, folded lines joined back (RFC 5322 §2.2.3:
/// unfolding removes only the line break). Lines that are no header are skipped.
fn header_block(raw: &[u8]) -> Vec<Header> {
    let mut headers: Vec<Header> = Vec::new();
    for line in raw.split(|&byte| byte == b'\n') {
        let line = String::from_utf8_lossy(line.strip_suffix(b"\r").unwrap_or(line));
        let line = line.as_ref();
        if line.trim().is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some(last) = headers.last_mut() {
                last.value.push_str(line);
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            if !name.is_empty() && !name.contains(char::is_whitespace) {
                headers.push(Header {
                    name: name.to_owned(),
                    value: value.to_owned(),
                });
            }
        }
    }
    for header in &mut headers {
        header.value = header.value.trim().to_owned();
    }
    headers
}

fn common_headers(headers: &[Header], mail_from: &str) -> CommonHeaders {
    let first = |name: &str| {
        headers
            .iter()
            .find(|header| header.name.eq_ignore_ascii_case(name))
            .map(|header| header.value.clone())
    };
    let addresses = |name: &str| first(name).map_or_else(Vec::new, |list| address_list(&list));
    // SES gives the bare address, as a delivering MTA writes it from the MAIL FROM.
    let return_path = first("Return-Path").unwrap_or_else(|| mail_from.to_owned());
    let return_path = return_path
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>');
    CommonHeaders {
        return_path: Some(return_path.to_owned()),
        from: addresses("From"),
        date: first("Date"),
        to: addresses("To"),
        cc: addresses("Cc"),
        reply_to: addresses("Reply-To"),
        message_id: first("Message-ID"),
        subject: first("Subject"),
    }
}

/// Splits an address list at the commas outside quoted strings, comments and angle
/// brackets: `"Doe, John" <j@example.com>, k@example.com` is two addresses.
fn address_list(list: &str) -> Vec<String> {
    let mut addresses = Vec::new();
    let (mut current, mut quoted, mut escaped) = (String::new(), false, false);
    let (mut comment, mut angle) = (0usize, 0usize);
    for c in list.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted || comment > 0 => escaped = true,
            '"' if comment == 0 => quoted = !quoted,
            '(' if !quoted => comment += 1,
            ')' if !quoted => comment = comment.saturating_sub(1),
            '<' if !quoted && comment == 0 => angle += 1,
            '>' if !quoted && comment == 0 => angle = angle.saturating_sub(1),
            ',' if !quoted && comment == 0 && angle == 0 => {
                addresses.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    addresses.push(current);
    addresses
        .into_iter()
        .map(|address| address.trim().to_owned())
        .filter(|address| !address.is_empty())
        .collect()
}

#[cfg(test)]
mod tests;
