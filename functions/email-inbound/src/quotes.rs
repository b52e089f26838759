//! The part of an email reply worth storing as a chat message.
//!
//! Mail apps append the message being answered (and often a signature) below the
//! reply. Chat threads already hold that history, so keeping it would repeat the
//! notification inside every answer.

mod html;

pub use html::html_to_text;

/// The new part of a plain-text reply: quoted history and signature removed, trailing
/// whitespace trimmed. Never returns an empty string for a non-blank input: when stripping
/// would leave nothing (a reply that is only a quote, or only a signature), the whole input
/// (trimmed) is returned.
pub fn reply_text(plain: &str) -> String {
    let normalized = plain.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = normalized.split('\n').collect();
    let Some(kept) = lines_before_history(&lines) else {
        return normalized.trim().to_string();
    };
    let mut kept = drop_quoted(&kept);
    if let Some(sig) = kept.iter().position(|l| l.trim_end() == "--") {
        kept.truncate(sig);
    }
    while kept
        .last()
        .is_some_and(|l| l.trim().is_empty() || is_mobile_signature(l))
    {
        kept.pop();
    }
    let kept: Vec<&str> = kept
        .iter()
        .map(|l| l.trim_end())
        .skip_while(|l| l.is_empty())
        .collect();
    match kept.join("\n") {
        text if text.trim().is_empty() => normalized.trim().to_string(),
        text => text,
    }
}

/// The lines above the quoted history, or `None` when the mail is only a forward and
/// must be kept whole (its forwarded body is the content).
fn lines_before_history<'a>(lines: &[&'a str]) -> Option<Vec<&'a str>> {
    let mut kept: Vec<&str> = Vec::new();
    let mut i = 0;
    while let Some(&line) = lines.get(i) {
        if !is_quoted(line) {
            if is_forward_marker(line) {
                let text_above = kept.iter().any(|l| !l.trim().is_empty() && !is_quoted(l));
                return text_above.then_some(kept);
            }
            if is_outlook_history(lines, i) {
                return Some(kept);
            }
            if let Some(end) = attribution_end(lines, i) {
                // Bottom-posted and interleaved answers live below the attribution.
                if !answers_below(lines.get(end + 1..).unwrap_or_default()) {
                    return Some(kept);
                }
                i = end + 1;
                continue;
            }
        }
        kept.push(line);
        i += 1;
    }
    Some(kept)
}

fn is_quoted(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

/// Removes `>` lines, and the blank lines a removed block leaves doubled.
fn drop_quoted<'a>(lines: &[&'a str]) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    let mut after_quote = false;
    for &line in lines {
        if is_quoted(line) {
            after_quote = true;
            continue;
        }
        let blank = line.trim().is_empty();
        if blank && after_quote && out.last().is_none_or(|l| l.trim().is_empty()) {
            continue;
        }
        after_quote &= blank;
        out.push(line);
    }
    out
}

/// Whether the `>` quote right below an attribution is followed by the person's own
/// lines. A quote that does not start right away means the history is not `>`-quoted.
fn answers_below(rest: &[&str]) -> bool {
    let mut seen_quote = false;
    for line in rest {
        if line.trim_end() == "--" {
            break;
        }
        if is_quoted(line) {
            seen_quote = true;
        } else if !line.trim().is_empty() {
            return seen_quote && !is_mobile_signature(line);
        }
    }
    false
}

#[rustfmt::skip]
const FORWARD_MARKERS: &[&str] = &[
    "forwarded message", "begin forwarded message", "weitergeleitete nachricht",
    "message transféré", "mensaje reenviado", "mensagem encaminhada", "messaggio inoltrato",
    "doorgestuurd bericht", "vidarebefordrat meddelande", "videresendt melding",
];

fn is_forward_marker(line: &str) -> bool {
    let t = line.to_lowercase();
    let t = t.trim_matches(|c: char| c.is_whitespace() || c == '-' || c == ':');
    FORWARD_MARKERS.contains(&t)
}

#[rustfmt::skip]
const ORIGINAL_MESSAGE: &[&str] = &[
    "original message", "ursprüngliche nachricht", "message d'origine", "mensaje original",
    "mensagem original", "messaggio originale", "oorspronkelijk bericht", "originalmeddelande",
    "opprinnelig melding", "oprindelig meddelelse",
];
const FROM_LABELS: &[&str] = &["from", "de", "von", "van", "da", "från", "fra", "od"];
#[rustfmt::skip]
const DATE_LABELS: &[&str] = &[
    "sent", "date", "envoyé", "gesendet", "datum", "enviado", "enviada", "fecha", "data",
    "inviato", "verzonden", "skickat", "sendt",
];

/// Outlook's separators: an "Original Message" rule, a line of underscores above a
/// header block, or the header block itself ("From:" then "Sent:" within 4 lines).
fn is_outlook_history(lines: &[&str], i: usize) -> bool {
    let Some(line) = lines.get(i) else {
        return false;
    };
    let t = line.trim().to_lowercase();
    if t.starts_with("---") && ORIGINAL_MESSAGE.iter().any(|m| t.contains(m)) {
        return true;
    }
    let next = lines.get(i + 1..).unwrap_or_default();
    if t.len() >= 20 && t.chars().all(|c| c == '_') {
        return next
            .iter()
            .find(|l| !l.trim().is_empty())
            .is_some_and(|l| has_label(l, FROM_LABELS));
    }
    has_label(line, FROM_LABELS) && next.iter().take(4).any(|l| has_label(l, DATE_LABELS))
}

/// Whether the line starts with one of `labels` then a colon, as in "*Envoyé :* …".
fn has_label(line: &str, labels: &[&str]) -> bool {
    let t = line.trim_start().trim_start_matches('*');
    let Some((label, _)) = t.split_once(':') else {
        return false;
    };
    let label = label.trim().to_lowercase();
    labels.contains(&label.as_str())
}

/// (starts with, ends with, must contain): "On … wrote:" in the languages we see.
#[rustfmt::skip]
const ATTRIBUTIONS: &[(&str, &str, &str)] = &[
    ("on ", "wrote:", ""),
    ("le ", "a écrit:", ""),
    ("am ", ":", " schrieb"),
    ("el ", "escribió:", ""),
    ("em ", "escreveu:", ""),
    ("il ", "ha scritto:", ""),
    ("op ", ":", " schreef"),
];

/// The last line of an attribution starting at `i`; Gmail wraps long ones over lines.
fn attribution_end(lines: &[&str], i: usize) -> Option<usize> {
    let mut joined = String::new();
    for k in 0..3 {
        let t = lines.get(i + k)?.trim();
        if t.is_empty() || (k > 0 && (is_quoted(t) || starts_attribution(t))) {
            return None;
        }
        if k > 0 {
            joined.push(' ');
        }
        joined.push_str(t);
        if is_attribution(&joined, k == 0) {
            return Some(i + k);
        }
    }
    None
}

fn starts_attribution(line: &str) -> bool {
    let t = line.to_lowercase();
    ATTRIBUTIONS
        .iter()
        .any(|(start, _, _)| t.starts_with(start))
}

fn is_attribution(text: &str, single_line: bool) -> bool {
    let t = text
        .to_lowercase()
        .replace(['\u{a0}', '\u{202f}'], " ")
        .replace(" :", ":");
    if t.len() > 400 || !t.contains(|c: char| c.is_ascii_digit() || c == '@') {
        return false;
    }
    let anchored = ATTRIBUTIONS
        .iter()
        .any(|(start, end, has)| t.starts_with(start) && t.ends_with(end) && t.contains(has));
    // Unanchored forms only on one line, so a reply line is never glued to them.
    anchored
        || single_line
            && ((t.ends_with(':') && t.contains(" skrev "))
                || (t.ends_with("wrote:") && t.contains('@')))
}

#[rustfmt::skip]
const MOBILE_SIGNATURES: &[&str] = &[
    "sent from my ", "sent from outlook", "sent from mail for windows", "sent from yahoo mail",
    "get outlook for ", "envoyé de mon ", "envoyé depuis mon ", "von meinem ",
    "gesendet von meinem ", "enviado desde mi ", "enviado do meu ", "inviato da ",
    "verzonden met ", "verstuurd vanaf mijn ", "skickat från min ", "sendt fra min ",
];

fn is_mobile_signature(line: &str) -> bool {
    let t = line.trim();
    t.len() <= 100
        && MOBILE_SIGNATURES
            .iter()
            .any(|s| t.to_lowercase().starts_with(s))
}

#[cfg(test)]
mod tests;
