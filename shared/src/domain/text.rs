//! Message text: stored as plain text, whatever a client sends.

use super::DomainError;

pub const MAX_TEXT_CHARS: usize = 4_000;
pub const EXCERPT_CHARS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextError {
    TooLong,
    ControlCharacter,
}

/// A message's text: [`clean_text`] of at most [`MAX_TEXT_CHARS`] characters.
pub fn clean_message_text(raw: &str) -> Result<String, TextError> {
    clean_text(raw, MAX_TEXT_CHARS)
}

/// [`clean_message_text`], refused in the API's words: what a send, an event and an edit
/// answer alike.
pub fn message_text(raw: &str) -> Result<String, DomainError> {
    clean_message_text(raw).map_err(|err| match err {
        TextError::TooLong => DomainError::invalid(
            "message_too_long",
            format!("the text is longer than {MAX_TEXT_CHARS} characters"),
        ),
        TextError::ControlCharacter => {
            DomainError::invalid("invalid_characters", "the text contains control characters")
        }
    })
}

/// Plain text, as everything people or a host write is stored (messages, the text of
/// events and what is generated from them, metadata strings, file names): refuses control
/// and bidi-override characters (they break rendering and hide content), strips HTML tags
/// (stored text is plain and is escaped by whoever renders it), drops byte-order marks,
/// normalises line endings and trims.
pub fn clean_text(raw: &str, max_chars: usize) -> Result<String, TextError> {
    if raw.chars().count() > max_chars {
        return Err(TextError::TooLong);
    }
    if raw.chars().any(is_refused_char) {
        return Err(TextError::ControlCharacter);
    }
    // A byte-order mark (pasted from another app) shows nothing and joins nothing.
    let normalised = raw
        .replace('\u{FEFF}', "")
        .replace("\r\n", "\n")
        .replace('\r', "\n");
    Ok(trim_padding(&strip_html(&normalised)).to_owned())
}

/// A label (a person's or business's name, a short reply): refused and dropped as
/// [`clean_text`] does, and trimmed, but kept as given otherwise: "Sam <Rivera>" is a
/// name, escaped by whoever shows it.
pub fn clean_label_text(raw: &str) -> Result<String, TextError> {
    if raw.chars().any(is_refused_char) {
        return Err(TextError::ControlCharacter);
    }
    Ok(trim_padding(&raw.replace('\u{FEFF}', "")).to_owned())
}

fn trim_padding(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || is_invisible(c))
}

/// Zero-width characters: they show nothing, so text made only of them is empty, and
/// at either end they are padding (inside, a joiner may build an emoji).
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}')
}

/// Text that arrived by SMS: the sender cannot be asked to fix it, so refused characters
/// are dropped instead of refusing the text.
pub fn clean_inbound_text(raw: &str) -> Result<String, TextError> {
    clean_message_text(
        &raw.chars()
            .filter(|&c| !is_refused_char(c))
            .collect::<String>(),
    )
}

fn is_refused_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t' && c != '\r')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Removes tags, comments and the content of `script` and `style` elements. A `<` that
/// does not start a tag (`a < b`, `<3`) is text and stays.
pub fn strip_html(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    while let Some(pos) = rest.find('<') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let starts_tag = after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!' || c == '?');
        if !starts_tag {
            out.push('<');
            rest = after;
            continue;
        }
        if let Some(comment) = after.strip_prefix("!--") {
            rest = comment.find("-->").map_or("", |end| &comment[end + 3..]);
            continue;
        }
        let Some(end) = tag_end(after) else {
            // An unterminated tag swallows the rest, as browsers would.
            rest = "";
            break;
        };
        let tag = &after[..end];
        rest = &after[end + 1..];
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if name == "script" || name == "style" {
            let closing = format!("</{name}");
            let lower = rest.to_ascii_lowercase();
            rest = match lower.find(&closing) {
                Some(i) => {
                    let tail = &rest[i..];
                    tail.find('>').map_or("", |e| &tail[e + 1..])
                }
                None => "",
            };
        }
    }
    out.push_str(rest);
    out
}

/// Index of the `>` closing a tag, skipping quoted attribute values.
fn tag_end(tag: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in tag.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// The first [`EXCERPT_CHARS`] characters, with an ellipsis when cut.
pub fn excerpt(text: &str) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(EXCERPT_CHARS).collect();
    if chars.next().is_some() {
        format!("{}…", head.trim_end())
    } else {
        head
    }
}

/// Text made safe inside HTML (an email's body, a TwiML reply).
pub fn escape_html(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_tags_and_keeps_text() {
        assert_eq!(strip_html("<b>Hi</b> <i>there</i>"), "Hi there");
        assert_eq!(strip_html("a < b and <3"), "a < b and <3");
        assert_eq!(strip_html("x<script>alert(1)</script>y"), "xy");
        assert_eq!(strip_html("x<STYLE>p{}</style >y"), "xy");
        assert_eq!(strip_html("a<!-- hidden -->b"), "ab");
        assert_eq!(strip_html("<a href=\"x>y\">link</a>"), "link");
        assert_eq!(strip_html("ok <img src=x onerror=alert(1)"), "ok ");
    }

    #[test]
    fn refuses_control_characters_and_long_text() {
        assert_eq!(
            clean_message_text("a\u{0007}b"),
            Err(TextError::ControlCharacter)
        );
        assert_eq!(
            clean_message_text("a\u{202E}b"),
            Err(TextError::ControlCharacter)
        );
        assert_eq!(
            clean_message_text(&"x".repeat(4001)),
            Err(TextError::TooLong)
        );
        assert_eq!(
            clean_message_text(&"é".repeat(4000))
                .unwrap()
                .chars()
                .count(),
            4000
        );
        assert_eq!(
            clean_message_text(" line1\r\nline2\t ").unwrap(),
            "line1\nline2"
        );
        assert_eq!(clean_message_text("<p> </p>").unwrap(), "");
        assert_eq!(
            clean_message_text("\u{200B}\u{200C} \u{200D}\u{2060}").unwrap(),
            ""
        );
        assert_eq!(clean_message_text("\u{200B}hi\u{2060}").unwrap(), "hi");
        // A byte-order mark pasted from another app is invisible too, wherever it is.
        assert_eq!(clean_message_text("\u{FEFF}").unwrap(), "");
        assert_eq!(
            clean_message_text("\u{FEFF}Bella is\u{FEFF} ready\u{FEFF}").unwrap(),
            "Bella is ready"
        );
        assert_eq!(
            clean_message_text("\u{1F468}\u{200D}\u{1F469}").unwrap(),
            "\u{1F468}\u{200D}\u{1F469}"
        );
    }

    #[test]
    fn excerpts_cut_at_a_hundred_characters() {
        assert_eq!(excerpt("short"), "short");
        let long = "y".repeat(150);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), 101);
        assert!(cut.ends_with('…'));
    }
}
