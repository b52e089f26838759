//! Order conversations: what the host application asks for when it opens one.

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::error::DomainError;
use super::ids::{parse_id, CustomerId, OrderId, UserId};
use super::text::{clean_message_text, excerpt};

/// Staff-side participants of one order conversation (the vendor and whoever the host
/// adds): enough for a marketplace order, small enough to list on the order's entry.
pub const MAX_PARTICIPANTS: usize = 20;
pub const MAX_TITLE_CHARS: usize = 120;

/// The body of `POST /conversations`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenOrderRequest {
    pub customer_id: String,
    pub order_id: String,
    pub title: String,
    #[serde(default)]
    pub participants: Vec<String>,
    #[serde(default)]
    pub admin_can_write: bool,
}

/// A valid request, normalised: participants sorted and without repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenOrder {
    pub customer_id: CustomerId,
    pub order_id: OrderId,
    pub title: String,
    pub participants: Vec<UserId>,
    pub admin_can_write: bool,
}

fn invalid(message: impl Into<String>) -> DomainError {
    DomainError::invalid("invalid_field", message)
}

/// A title as a message's text is checked (no control or bidi characters), but HTML is
/// refused rather than stripped: a title is shown as given.
pub fn validate_title(raw: &str) -> Result<String, DomainError> {
    let cleaned = clean_message_text(raw).map_err(|_| {
        invalid(format!(
            "title must be 1-{MAX_TITLE_CHARS} characters of text"
        ))
    })?;
    if cleaned != raw.trim() {
        return Err(invalid("title must be plain text"));
    }
    if cleaned.is_empty() || cleaned.chars().count() > MAX_TITLE_CHARS || cleaned.contains('\n') {
        return Err(invalid(format!(
            "title must be 1-{MAX_TITLE_CHARS} characters on one line"
        )));
    }
    Ok(cleaned)
}

impl OpenOrderRequest {
    pub fn validate(self) -> Result<OpenOrder, DomainError> {
        let mut participants = Vec::with_capacity(self.participants.len());
        for user in &self.participants {
            participants.push(parse_id("participants", user)?);
        }
        participants.sort();
        participants.dedup();
        if participants.len() > MAX_PARTICIPANTS {
            return Err(invalid(format!(
                "participants may name at most {MAX_PARTICIPANTS} people"
            )));
        }
        Ok(OpenOrder {
            customer_id: parse_id("customer_id", &self.customer_id)?,
            order_id: parse_id("order_id", &self.order_id)?,
            title: validate_title(&self.title)?,
            participants,
            admin_can_write: self.admin_can_write,
        })
    }
}

impl OpenOrder {
    /// Names the request: opening the same order again with the same request finds the
    /// conversation it opened; with any other, it is refused.
    pub fn request_hash(&self) -> String {
        let canonical = serde_json::json!([
            self.customer_id,
            self.order_id,
            self.title,
            self.participants,
            self.admin_can_write,
        ]);
        let digest = Sha256::digest(canonical.to_string().as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The system message that opens the thread.
    pub fn opening_text(&self) -> String {
        excerpt(&format!("{} opened.", self.title))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(title: &str, participants: &[&str]) -> OpenOrderRequest {
        OpenOrderRequest {
            customer_id: "buyer-1".into(),
            order_id: "1042".into(),
            title: title.into(),
            participants: participants.iter().map(|p| (*p).to_owned()).collect(),
            admin_can_write: false,
        }
    }

    #[test]
    fn a_request_is_normalised_and_named_by_its_content() {
        let a = request("Order #1042", &["vendor-9", "ops", "vendor-9"])
            .validate()
            .unwrap();
        assert_eq!(a.participants, ["ops", "vendor-9"]);
        let b = request(" Order #1042 ", &["ops", "vendor-9"])
            .validate()
            .unwrap();
        assert_eq!(a.request_hash(), b.request_hash());
        let c = request("Order #1043", &["ops", "vendor-9"])
            .validate()
            .unwrap();
        assert_ne!(a.request_hash(), c.request_hash());
    }

    #[test]
    fn titles_and_participants_are_checked() {
        for bad in [
            request("", &[]),
            request("<b>Order</b>", &[]),
            request("Order\u{0007}", &[]),
            request("Order \u{202E}2401", &[]),
            request("Order \u{2067}2401", &[]),
            request("Order\nsecond line", &[]),
            request(&"x".repeat(121), &[]),
            request("Order", &["not valid"]),
            request(
                "Order",
                &(0..21)
                    .map(|i| format!("u{i}"))
                    .collect::<Vec<_>>()
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            ),
        ] {
            assert!(matches!(
                bad.validate().unwrap_err(),
                DomainError::Invalid { .. }
            ));
        }
    }
}

/// Metadata of an order event: a small JSON object, its strings kept as plain text.
pub const MAX_METADATA_BYTES: usize = 2_048;
const MAX_METADATA_DEPTH: usize = 3;
const MAX_METADATA_KEYS: usize = 20;

/// What an order event's `metadata` may be: an object of at most 2 KiB serialized, three
/// levels deep, 20 keys an object, keys of lowercase letters, digits and `_` (1-40), and
/// strings without control characters.
pub fn validate_metadata(value: &serde_json::Value) -> Result<(), DomainError> {
    fn check(value: &serde_json::Value, depth: usize) -> Result<(), String> {
        use serde_json::Value;
        match value {
            Value::Object(map) => {
                if depth >= MAX_METADATA_DEPTH {
                    return Err(format!(
                        "metadata nests at most {MAX_METADATA_DEPTH} levels"
                    ));
                }
                if map.len() > MAX_METADATA_KEYS {
                    return Err(format!(
                        "metadata objects have at most {MAX_METADATA_KEYS} keys"
                    ));
                }
                for (key, inner) in map {
                    let key_ok = (1..=40).contains(&key.len())
                        && key
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
                    if !key_ok {
                        return Err(format!("metadata key {key:?} must be 1-40 of a-z, 0-9, _"));
                    }
                    check(inner, depth + 1)?;
                }
                Ok(())
            }
            Value::Array(items) => {
                if depth >= MAX_METADATA_DEPTH {
                    return Err(format!(
                        "metadata nests at most {MAX_METADATA_DEPTH} levels"
                    ));
                }
                items.iter().try_for_each(|item| check(item, depth + 1))
            }
            Value::String(text) if text.chars().any(char::is_control) => {
                Err("metadata strings may not hold control characters".into())
            }
            _ => Ok(()),
        }
    }
    if !value.is_object() {
        return Err(DomainError::invalid(
            "invalid_metadata",
            "metadata must be an object",
        ));
    }
    if value.to_string().len() > MAX_METADATA_BYTES {
        return Err(DomainError::invalid(
            "invalid_metadata",
            format!("metadata is at most {MAX_METADATA_BYTES} bytes"),
        ));
    }
    check(value, 0).map_err(|message| DomainError::invalid("invalid_metadata", message))
}

#[cfg(test)]
mod metadata_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn metadata_is_a_small_shallow_object() {
        assert_eq!(
            clean_metadata(&json!({"version": 2, "files": ["a.psd"]})).unwrap(),
            json!({"version": 2, "files": ["a.psd"]})
        );
        // Strings are plain text, as a message's.
        assert_eq!(
            clean_metadata(&json!({"note": " <b>late</b>\u{FEFF}", "files": ["<img src=x onerror=alert(1)>a.psd"]}))
                .unwrap(),
            json!({"note": "late", "files": ["a.psd"]})
        );
        for bidi in [
            json!({"note": "abc\u{202E}def"}),
            json!({"files": ["\u{2066}x"]}),
        ] {
            assert_eq!(
                clean_metadata(&bidi).unwrap_err().code(),
                "invalid_metadata"
            );
        }
        assert!(validate_metadata(&json!({"version": 2, "files": ["a.psd"]})).is_ok());
        assert!(validate_metadata(
            &json!({"old_status": "in_progress", "new_status": "delivered"})
        )
        .is_ok());
        for bad in [
            json!("text"),
            json!([1]),
            json!({"Bad Key": 1}),
            json!({"a": {"b": {"c": {"d": 1}}}}),
            json!({"note": "x\u{0007}"}),
            json!({"blob": "x".repeat(3_000)}),
            json!((0..21)
                .map(|i| (format!("k{i}"), json!(i)))
                .collect::<serde_json::Map<_, _>>()),
        ] {
            assert_eq!(
                validate_metadata(&bad).unwrap_err().code(),
                "invalid_metadata",
                "{bad}"
            );
        }
    }
}

/// Valid metadata with every string as plain text, cleaned as a message's text is.
pub fn clean_metadata(value: &serde_json::Value) -> Result<serde_json::Value, DomainError> {
    fn clean(value: &mut serde_json::Value) -> Result<(), DomainError> {
        use serde_json::Value;
        match value {
            Value::Object(map) => map.values_mut().try_for_each(clean),
            Value::Array(items) => items.iter_mut().try_for_each(clean),
            Value::String(text) => {
                *text = clean_message_text(text).map_err(|_| {
                    DomainError::invalid(
                        "invalid_metadata",
                        "metadata strings may not hold control or bidi-override characters",
                    )
                })?;
                Ok(())
            }
            _ => Ok(()),
        }
    }
    validate_metadata(value)?;
    let mut cleaned = value.clone();
    clean(&mut cleaned)?;
    Ok(cleaned)
}
