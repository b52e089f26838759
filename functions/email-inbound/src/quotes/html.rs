//! HTML bodies turned into readable plain text, with the quoted history left out.

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
