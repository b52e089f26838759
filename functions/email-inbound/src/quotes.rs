//! The part of an email reply worth storing as a chat message.
//!
//! Mail apps append the message being answered (and often a signature) below the
//! reply. Chat threads already hold that history, so keeping it would repeat the
//! notification inside every answer.

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

/// HTML to readable plain text: drops <head>, <style>, <script>; block elements (p, div, br,
/// li, tr, h1-h6, blockquote) become line breaks; entities decoded (&amp; &lt; &gt; &quot;
/// &#39; &nbsp; numeric &#NNN; &#xHH;); Gmail's `<div class="gmail_quote">`, Outlook's
/// `<div id="divRplyFwdMsg">`/`<div id="appendonsend">`, Apple Mail's `<blockquote
/// type="cite">` and Yahoo's `yahoo_quoted` are dropped as quoted history BEFORE conversion
/// (they are the quote); runs of blank lines collapse into one blank line.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::new();
    let mut dropping: Option<(String, usize)> = None;
    let mut in_head = false;
    for token in (Tokens { html, pos: 0 }) {
        if let Some((name, depth)) = &mut dropping {
            match token {
                Token::Open(n, _, false) if n == *name => *depth += 1,
                Token::Close(n) if n == *name => *depth -= 1,
                _ => {}
            }
            if *depth == 0 {
                dropping = None;
            }
            continue;
        }
        match token {
            Token::Text(_) if in_head => {}
            Token::Text(text) => push_text(&mut out, &decode_entities(text)),
            Token::Open(name, attrs, closed) => match quote_kind(&name, attrs) {
                Some(Quote::RestOfMail) => break,
                Some(Quote::Element) if !closed => dropping = Some((name, 1)),
                _ => {
                    in_head = (in_head || name == "head") && name != "body";
                    block_break(&mut out, &name, true);
                }
            },
            Token::Close(name) => {
                in_head &= name != "head";
                block_break(&mut out, &name, false);
            }
        }
    }
    tidy_lines(&out)
}

enum Quote {
    /// The element is the quote.
    Element,
    /// Outlook puts the quote after its marker, as siblings, up to the end of the mail.
    RestOfMail,
}

#[rustfmt::skip]
const REST_OF_MAIL_IDS: &[&str] = &[
    "divrplyfwdmsg", "appendonsend", "mail-editor-reference-message-container",
];
const QUOTE_CLASSES: &[&str] = &["gmail_quote", "yahoo_quoted", "moz-cite-prefix"];

fn quote_kind(name: &str, attrs: &str) -> Option<Quote> {
    let id = attr(attrs, "id").unwrap_or_default().to_lowercase();
    if REST_OF_MAIL_IDS.contains(&id.as_str()) {
        return Some(Quote::RestOfMail);
    }
    let class = attr(attrs, "class").unwrap_or_default();
    let quote_class = class
        .split_ascii_whitespace()
        .any(|c| QUOTE_CLASSES.iter().any(|q| c.starts_with(q)));
    let cite =
        name == "blockquote" && attr(attrs, "type").is_some_and(|t| t.eq_ignore_ascii_case("cite"));
    (quote_class || cite).then_some(Quote::Element)
}

/// The value of attribute `wanted` in a tag's attribute text.
fn attr<'a>(attrs: &'a str, wanted: &str) -> Option<&'a str> {
    let mut rest = attrs;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
        let name_end = rest.find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '/')?;
        let (name, after) = rest.split_at(name_end);
        let after = after.trim_start();
        let Some(value) = after.strip_prefix('=').map(str::trim_start) else {
            rest = after;
            continue;
        };
        let (val, next) = match value.strip_prefix(['"', '\'']) {
            Some(quoted) => quoted.split_once(&value[..1]).unwrap_or((quoted, "")),
            None => value.split_once(char::is_whitespace).unwrap_or((value, "")),
        };
        if name.eq_ignore_ascii_case(wanted) {
            return Some(val);
        }
        rest = next;
    }
}

fn push_text(out: &mut String, text: &str) {
    for c in text.chars() {
        if c.is_ascii_whitespace() {
            if !(out.is_empty() || out.ends_with([' ', '\n'])) {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
}

#[rustfmt::skip]
const LINE_BLOCKS: &[&str] = &[
    "div", "li", "tr", "blockquote", "ul", "ol", "table", "hr", "pre", "dl", "dt", "dd",
    "section", "article", "header", "footer", "center", "address",
];

fn block_break(out: &mut String, name: &str, open: bool) {
    let paragraph = matches!(name, "p" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6");
    let line = LINE_BLOCKS.contains(&name);
    if name == "br" && open {
        out.truncate(out.trim_end_matches(' ').len());
        out.push('\n');
    } else if name == "td" || name == "th" {
        push_text(out, " ");
    } else if paragraph || line {
        out.truncate(out.trim_end_matches(' ').len());
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        if paragraph && !out.is_empty() && !out.ends_with("\n\n") {
            out.push('\n');
        }
    }
}

/// Trims every line and keeps at most one blank line in a row.
fn tidy_lines(text: &str) -> String {
    let mut lines: Vec<&str> = Vec::new();
    for line in text.split('\n').map(str::trim) {
        if !line.is_empty() || lines.last().is_some_and(|l| !l.is_empty()) {
            lines.push(line);
        }
    }
    lines.join("\n").trim_end().replace('\u{a0}', " ")
}

enum Token<'a> {
    Text(&'a str),
    /// Name, attribute text, and whether it closes itself (`<br/>`).
    Open(String, &'a str, bool),
    Close(String),
}

/// A forgiving HTML tokenizer: comments, doctypes and the bodies of elements that
/// never hold readable text (style, script, title) are skipped.
struct Tokens<'a> {
    html: &'a str,
    pos: usize,
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        loop {
            let rest = self.html.get(self.pos..).filter(|r| !r.is_empty())?;
            if !rest.starts_with('<') {
                let end = rest.find('<').unwrap_or(rest.len());
                self.pos += end;
                return Some(Token::Text(&rest[..end]));
            }
            if let Some(comment) = rest.strip_prefix("<!--") {
                self.pos += comment.find("-->").map_or(rest.len(), |e| e + 7);
                continue;
            }
            let closing = rest.starts_with("</");
            let body = &rest[if closing { 2 } else { 1 }..];
            let name_len = body
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, ':' | '-' | '_')))
                .unwrap_or(body.len());
            if name_len == 0 && !rest.starts_with("<!") && !rest.starts_with("<?") {
                self.pos += 1;
                return Some(Token::Text("<"));
            }
            let end = tag_end(body);
            self.pos += rest.len() - body.len() + (end + 1).min(body.len());
            let name = body[..name_len].to_ascii_lowercase();
            if name.is_empty() {
                continue;
            }
            if closing {
                return Some(Token::Close(name));
            }
            let attrs = &body[name_len..end];
            if matches!(name.as_str(), "style" | "script" | "title") {
                self.skip_raw_text(&name);
                continue;
            }
            let closed = attrs.trim_end().ends_with('/');
            return Some(Token::Open(name, attrs, closed));
        }
    }
}

impl Tokens<'_> {
    fn skip_raw_text(&mut self, name: &str) {
        let rest = self.html.get(self.pos..).unwrap_or_default();
        let closes = |at: usize| {
            let tag = rest.get(at + 2..at + 2 + name.len());
            tag.is_some_and(|tag| tag.eq_ignore_ascii_case(name))
        };
        let end = (rest.match_indices("</").map(|(at, _)| at))
            .find(|&at| closes(at))
            .and_then(|at| Some(at + rest[at..].find('>')? + 1));
        self.pos += end.unwrap_or(rest.len());
    }
}

/// Where the tag ends (its `>`), skipping `>` inside quoted attribute values.
fn tag_end(body: &str) -> usize {
    let mut quote = None;
    for (i, c) in body.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '>') => return i,
            _ => {}
        }
    }
    body.len()
}

#[rustfmt::skip]
const ENTITIES: &[(&str, char)] = &[
    ("amp", '&'), ("lt", '<'), ("gt", '>'), ("quot", '"'), ("apos", '\''),
    ("nbsp", '\u{a0}'), ("copy", '©'), ("reg", '®'), ("trade", '™'), ("hellip", '…'),
    ("mdash", '—'), ("ndash", '–'), ("lsquo", '‘'), ("rsquo", '’'), ("ldquo", '“'),
    ("rdquo", '”'), ("laquo", '«'), ("raquo", '»'), ("bull", '•'), ("middot", '·'),
    ("euro", '€'), ("pound", '£'), ("deg", '°'), ("times", '×'), ("shy", '\u{ad}'),
    ("zwnj", '\u{200c}'), ("auml", 'ä'), ("ouml", 'ö'), ("uuml", 'ü'), ("Auml", 'Ä'),
    ("Ouml", 'Ö'), ("Uuml", 'Ü'), ("szlig", 'ß'), ("eacute", 'é'), ("egrave", 'è'),
    ("ecirc", 'ê'), ("agrave", 'à'), ("aacute", 'á'), ("ccedil", 'ç'), ("iacute", 'í'),
    ("oacute", 'ó'), ("uacute", 'ú'), ("ntilde", 'ñ'), ("Eacute", 'É'), ("aring", 'å'),
    ("oslash", 'ø'), ("aelig", 'æ'),
];

fn decode_entities(text: &str) -> String {
    let mut parts = text.split('&');
    let mut out = parts.next().unwrap_or_default().to_string();
    for part in parts {
        let decoded = part
            .split_once(';')
            .filter(|(name, _)| name.len() <= 10)
            .and_then(|(name, rest)| Some((entity(name)?, rest)));
        match decoded {
            Some((c, rest)) => {
                out.push(c);
                out.push_str(rest);
            }
            None => {
                out.push('&');
                out.push_str(part);
            }
        }
    }
    out
}

fn entity(name: &str) -> Option<char> {
    let Some(number) = name.strip_prefix('#') else {
        return ENTITIES.iter().find(|(n, _)| *n == name).map(|&(_, c)| c);
    };
    let code = match number.strip_prefix(['x', 'X']) {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => number.parse().ok()?,
    };
    let c = char::from_u32(code).filter(|&c| c != '\0');
    Some(c.unwrap_or(char::REPLACEMENT_CHARACTER))
}

#[cfg(test)]
mod tests;
