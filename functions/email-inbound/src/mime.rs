//! A raw reply (RFC 5322 bytes, as SES stores it) turned into what a chat message needs:
//! who wrote, the new text, the files, and whether it is automatic mail.

use std::fmt;

use mail_parser::{Message, MessageParser, MessagePart, MimeHeaders, PartType};

use crate::quotes;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedMail {
    /// Message-ID without angle brackets, trimmed; None when absent.
    pub message_id: Option<String>,
    /// The From address, lower-cased ("a@b.example"); None when absent or unparseable.
    pub from: Option<String>,
    /// The From display name, if any.
    pub from_name: Option<String>,
    pub subject: Option<String>,
    /// Why this is automatic mail that must never be answered or stored, if it is.
    pub automatic: Option<Automatic>,
    /// The reply's text: text/plain preferred, else the HTML part converted to text; then
    /// quoted history and signature stripped by `quotes::reply_text`. May be empty only when
    /// the message really had no text at all.
    pub text: String,
    /// Attachments (and inline parts with a filename, except those of multipart/alternative
    /// bodies), in order.
    pub attachments: Vec<MailAttachment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailAttachment {
    pub name: String,
    /// "type/subtype", lower-cased; text parts are decoded, so they say `charset=utf-8`.
    pub content_type: Option<String>,
    pub data: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Automatic {
    /// `Auto-Submitted:` any value other than `no` (RFC 3834).
    AutoSubmitted,
    /// `Precedence: bulk | junk | list | auto_reply`.
    Precedence,
    /// Other auto-reply markers: `X-Autoreply`, `X-Autorespond`, `X-Auto-Response-Suppress`
    /// containing All/OOF/AutoReply, `X-Precedence: auto_reply`.
    AutoReplyHeader,
    /// A delivery status notification: `Content-Type: multipart/report` (report-type
    /// delivery-status) or From a MAILER-DAEMON / postmaster local part.
    Bounce,
    /// The envelope's return path is null (`<>`), passed in by the caller.
    NullReturnPath,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailError {
    /// Not an RFC 5322 message: no header could be read.
    Unparseable,
}

impl fmt::Display for MailError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MailError::Unparseable => f.write_str("not a readable email message"),
        }
    }
}

impl std::error::Error for MailError {}

/// `return_path`: the SMTP envelope sender as the receiving server saw it (SES gives it as
/// `mail.source`; an empty string or "<>" means null).
pub fn parse(raw: &[u8], return_path: Option<&str>) -> Result<ParsedMail, MailError> {
    let message = MessageParser::default()
        .parse(raw)
        .filter(|m| !m.parts.is_empty())
        .ok_or(MailError::Unparseable)?;
    let sender = message.from().and_then(|a| a.first());
    let from_raw = sender.and_then(|a| a.address()).map(str::trim);
    let automatic = automatic(&message, from_raw, return_path);
    Ok(ParsedMail {
        message_id: message
            .message_id()
            .map(|id| id.trim().trim_matches(['<', '>']).trim().to_string())
            .filter(|id| !id.is_empty()),
        from: from_raw.filter(|a| is_address(a)).map(str::to_lowercase),
        from_name: non_empty(sender.and_then(|a| a.name())),
        subject: non_empty(message.subject()),
        automatic,
        text: body_text(&message),
        attachments: attachments(&message),
    })
}

fn non_empty(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(String::from)
}

fn is_address(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    !local.is_empty() && domain.contains('.') && !address.contains(char::is_whitespace)
}

const BULK_PRECEDENCE: &[&str] = &["bulk", "junk", "list", "auto_reply", "auto-reply"];
const SUPPRESSED_BY_AUTO_REPLIES: &[&str] = &["all", "oof", "autoreply"];

/// Bounces first: they often carry `Auto-Submitted` too, and are the more precise reason.
/// The envelope comes last, as the contract's fallback when no header tells.
fn automatic(
    message: &Message,
    from: Option<&str>,
    return_path: Option<&str>,
) -> Option<Automatic> {
    let headers: Vec<(&str, String)> = message
        .headers_raw()
        .map(|(name, value)| (name, unfold(value)))
        .collect();
    let values = |name: &'static str| {
        headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let first_words = |name: &'static str| values(name).map(first_word);
    let is_null = |path: &str| matches!(path.trim(), "" | "<>");
    let suppresses_auto_replies = |value: &str| {
        value.split([',', ' ']).any(|token| {
            let token = token.to_ascii_lowercase();
            SUPPRESSED_BY_AUTO_REPLIES.contains(&token.as_str())
        })
    };

    if is_report(message) || from.is_some_and(is_daemon) {
        Some(Automatic::Bounce)
    } else if first_words("auto-submitted").any(|w| w != "no") {
        Some(Automatic::AutoSubmitted)
    } else if first_words("precedence").any(|w| BULK_PRECEDENCE.contains(&w.as_str())) {
        Some(Automatic::Precedence)
    } else if first_words("x-autoreply")
        .chain(first_words("x-autorespond"))
        .any(|w| !matches!(w.as_str(), "no" | "false" | "0"))
        || values("x-auto-response-suppress").any(suppresses_auto_replies)
        || first_words("x-precedence").any(|w| w == "auto_reply")
    {
        Some(Automatic::AutoReplyHeader)
    } else if return_path.is_some_and(is_null) || values("return-path").any(is_null) {
        Some(Automatic::NullReturnPath)
    } else {
        None
    }
}

/// `auto-replied (vacation)` → `auto-replied`: the keyword, without parameters or comments.
fn first_word(value: &str) -> String {
    let word = value.split(|c: char| c.is_whitespace() || c == ';' || c == '(');
    word.take(1).collect::<String>().to_ascii_lowercase()
}

/// Folded header lines joined back into one, as RFC 5322 unfolding says.
fn unfold(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Any `multipart/report` is machine-made: delivery reports and read receipts alike.
fn is_report(message: &Message) -> bool {
    message.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
    })
}

fn is_daemon(address: &str) -> bool {
    let local = address.rsplit_once('@').map_or(address, |(local, _)| local);
    local.eq_ignore_ascii_case("mailer-daemon") || local.eq_ignore_ascii_case("postmaster")
}

/// mail-parser's own `body_text` would turn HTML into text with the quote still in it,
/// so the parts are picked here and the HTML goes through `quotes::html_to_text`.
fn body_text(message: &Message) -> String {
    let parts = |ids: &[u32]| -> Vec<&MessagePart> {
        ids.iter()
            .filter_map(|&id| message.parts.get(id as usize))
            .collect()
    };
    let plain: Vec<String> = parts(&message.text_body)
        .into_iter()
        .filter_map(|part| match &part.body {
            PartType::Text(text) => Some(unflow(text, part)),
            _ => None,
        })
        .collect();
    let plain = plain.join("\n");
    if !plain.trim().is_empty() {
        return quotes::reply_text(&plain);
    }
    let html: Vec<String> = parts(&message.html_body)
        .into_iter()
        .filter_map(|part| match &part.body {
            PartType::Html(html) => Some(quotes::html_to_text(html)),
            _ => None,
        })
        .collect();
    let html = html.join("\n");
    if html.trim().is_empty() {
        String::new()
    } else {
        quotes::reply_text(&html)
    }
}

/// Undoes `format=flowed` (RFC 3676), which Apple Mail and Thunderbird send: soft line
/// breaks (a trailing space) would otherwise cut every paragraph into 72-column lines.
fn unflow(text: &str, part: &MessagePart) -> String {
    let ct = part.content_type();
    let attribute = |name: &str| ct.and_then(|ct| ct.attribute(name)).unwrap_or_default();
    if !attribute("format").eq_ignore_ascii_case("flowed") {
        return text.to_string();
    }
    let delsp = attribute("delsp").eq_ignore_ascii_case("yes");
    let mut out = String::with_capacity(text.len());
    let mut open: Option<usize> = None;
    for line in text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)) {
        let depth = line.chars().take_while(|&c| c == '>').count();
        let content = &line[depth..];
        let content = content.strip_prefix(' ').unwrap_or(content);
        if open != Some(depth) {
            if open.is_some() {
                out.push('\n');
            }
            if depth > 0 {
                out.push_str(&">".repeat(depth));
                out.push(' ');
            }
        }
        let soft = content.ends_with(' ') && content != "-- ";
        out.push_str(if soft && delsp {
            &content[..content.len() - 1]
        } else {
            content
        });
        if soft {
            open = Some(depth);
        } else {
            out.push('\n');
            open = None;
        }
    }
    out
}

/// Parts inside a multipart/alternative body (the images an HTML body shows, as Apple
/// Mail nests them) belong to that body's rendering, not to the person's files.
fn in_alternative(message: &Message) -> Vec<bool> {
    let mut inside = vec![false; message.parts.len()];
    let mut stack = vec![(0usize, false)];
    while let Some((id, alt)) = stack.pop() {
        let Some(part) = message.parts.get(id) else {
            continue;
        };
        if let Some(flag) = inside.get_mut(id) {
            *flag = alt;
        }
        if let PartType::Multipart(children) = &part.body {
            let alt = alt || is_type(part, "multipart", "alternative");
            // Children always come after their parent; anything else is ignored, not looped on.
            stack.extend(
                children
                    .iter()
                    .map(|&c| c as usize)
                    .filter(|&c| c > id)
                    .map(|c| (c, alt)),
            );
        }
    }
    inside
}

fn is_type(part: &MessagePart, ctype: &str, subtype: &str) -> bool {
    part.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case(ctype)
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case(subtype))
    })
}

fn attachments(message: &Message) -> Vec<MailAttachment> {
    let inside = in_alternative(message);
    message
        .attachments
        .iter()
        .filter_map(|&id| {
            let part = message.parts.get(id as usize)?;
            let explicit = part
                .content_disposition()
                .is_some_and(|d| d.is_attachment());
            let name = part.attachment_name().and_then(file_name);
            let alternative = inside.get(id as usize).copied().unwrap_or(false);
            if !explicit && (name.is_none() || alternative) {
                return None;
            }
            let content_type = part.content_type().map(|ct| {
                let mut value = ct.ctype().to_ascii_lowercase();
                if let Some(subtype) = ct.subtype() {
                    value = format!("{value}/{}", subtype.to_ascii_lowercase());
                }
                if matches!(part.body, PartType::Text(_) | PartType::Html(_)) {
                    value.push_str("; charset=utf-8");
                }
                value
            });
            Some(MailAttachment {
                name: name.unwrap_or_else(|| default_name(content_type.as_deref())),
                content_type,
                data: part.contents().to_vec(),
            })
        })
        .collect()
}

/// The last path segment, without control characters: a name some client sent as
/// `C:\Users\…\paw.png` must not reach storage keys as a path.
fn file_name(name: &str) -> Option<String> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = last.chars().filter(|c| !c.is_control()).collect();
    let clean = clean.trim();
    (!clean.is_empty() && clean != "." && clean != "..").then(|| clean.to_string())
}

fn default_name(content_type: Option<&str>) -> String {
    let subtype = content_type
        .and_then(|ct| ct.split(';').next())
        .and_then(|ct| ct.split_once('/'))
        .map(|(_, sub)| sub);
    match subtype {
        Some("rfc822") => "message.eml".to_string(),
        Some("plain") => "attachment.txt".to_string(),
        Some(sub)
            if !sub.is_empty()
                && sub.len() <= 8
                && sub.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            format!("attachment.{sub}")
        }
        _ => "attachment".to_string(),
    }
}

#[cfg(test)]
mod tests;
