//! Field formats shared by the directory, settings and notifications.

/// A deliverable-looking address: one `@`, a local part of 1-64 visible characters, and
/// a domain of dot-separated letter/digit/hyphen labels with a top-level label.
pub fn is_valid_email(value: &str) -> bool {
    if value.len() > 254 {
        return false;
    }
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.".contains(&b));
    local_ok && is_valid_domain(domain)
}

/// A DNS name as mail and SES take it: dot-separated letter/digit/hyphen labels, at
/// least two, the last of two or more characters and not all digits.
pub fn is_valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    domain.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && !tld.bytes().all(|b| b.is_ascii_digit()))
}

/// E.164: `+`, a country code not starting with 0, at most 15 digits in all.
pub fn is_valid_e164(value: &str) -> bool {
    let Some(digits) = value.strip_prefix('+') else {
        return false;
    };
    (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

/// An absolute `https` URL (or `http` on a loopback host, for local use) without
/// credentials, query or fragment: links in notifications are built from it.
pub fn is_valid_base_url(value: &str) -> bool {
    let rest = if let Some(rest) = value.strip_prefix("https://") {
        rest
    } else if let Some(rest) = value.strip_prefix("http://") {
        let host = rest.split(['/', ':']).next().unwrap_or_default();
        if !matches!(host, "localhost" | "127.0.0.1") {
            return false;
        }
        rest
    } else {
        return false;
    };
    let host = rest.split(['/', ':']).next().unwrap_or_default();
    value.len() <= 2048
        && !host.is_empty()
        && !rest.contains(['@', '?', '#', ' ', '"', '<', '>', '\\'])
        && !rest.chars().any(char::is_control)
}

/// A short display string (names, titles): trimmed, 1 to `max` characters, no control
/// or bidi-override characters.
pub fn clean_label(value: &str, max: usize) -> Option<String> {
    let trimmed = super::text::clean_label_text(value).ok()?;
    // One line: no line breaks or tabs either.
    let one_line = !trimmed.chars().any(char::is_control);
    (one_line && !trimmed.is_empty() && trimmed.chars().count() <= max).then_some(trimmed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_plain_text_on_one_line() {
        assert_eq!(
            clean_label(" Oak & Elm ", 200).as_deref(),
            Some("Oak & Elm")
        );
        assert_eq!(
            clean_label("Sam <Rivera>", 200).as_deref(),
            Some("Sam <Rivera>")
        );
        assert_eq!(
            clean_label("\u{FEFF}Oak\u{200B}", 200).as_deref(),
            Some("Oak")
        );
        for bad in [
            "",
            " ",
            "\u{FEFF}",
            "a\u{7}b",
            "a\nb",
            "Oak \u{202E}smleV",
            "\u{2066}Oak",
        ] {
            assert_eq!(clean_label(bad, 200), None, "{bad:?}");
        }
        assert_eq!(clean_label(&"x".repeat(201), 200), None);
    }

    #[test]
    fn emails() {
        for ok in [
            "a@b.co",
            "first.last+tag@clinic.example.com",
            "x_y@sub-domain.org",
        ] {
            assert!(is_valid_email(ok), "{ok}");
        }
        for bad in [
            "",
            "a",
            "a@b",
            "a@@b.co",
            "a b@c.co",
            "@b.co",
            "a@.co",
            "a@b.c",
            "a..b@c.co",
            "a@-b.co",
            "a@b.123",
        ] {
            assert!(!is_valid_email(bad), "{bad}");
        }
    }

    #[test]
    fn phones() {
        assert!(is_valid_e164("+14155550123"));
        assert!(is_valid_e164("+447911123456"));
        for bad in [
            "14155550123",
            "+0123456789",
            "+1415555",
            "+1 415 555 0123",
            "+1234567890123456",
            "+",
        ] {
            assert!(!is_valid_e164(bad), "{bad}");
        }
    }

    #[test]
    fn base_urls() {
        assert!(is_valid_base_url("https://portal.clinic.example"));
        assert!(is_valid_base_url("https://clinic.example/portal/"));
        assert!(is_valid_base_url("http://localhost:5173"));
        for bad in [
            "http://clinic.example",
            "ftp://x",
            "https://",
            "https://u:p@x.com",
            "https://x.com/?a=1",
            "javascript:alert(1)",
        ] {
            assert!(!is_valid_base_url(bad), "{bad}");
        }
    }
}
