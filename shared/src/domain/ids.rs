//! Identifiers that come from outside (tenants, customers, patients, users, orders).
//!
//! They are embedded in DynamoDB keys, so the alphabet excludes the key separators `#`
//! and `/`; anything else that is printable ASCII and usual in ids is accepted.

use super::error::DomainError;

pub const MAX_ID_LEN: usize = 128;

pub fn is_valid_id(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= MAX_ID_LEN
        && value.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':' | b'@' | b'+' | b'|')
        })
}

/// Validates an id taken from a body or query, naming the field in the error.
pub fn parse_id(field: &str, value: &str) -> Result<String, DomainError> {
    if is_valid_id(value) {
        Ok(value.to_owned())
    } else {
        Err(DomainError::invalid(
            "invalid_id",
            format!(
                "{field} must be 1-{MAX_ID_LEN} characters of letters, digits and - _ . : @ + |"
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_usual_ids_and_refuses_key_separators() {
        for ok in ["c1", "cust_42", "auth0|abc", "a.b-c:d@e+f", "01JD3Q"] {
            assert!(is_valid_id(ok), "{ok}");
        }
        let long = "x".repeat(MAX_ID_LEN + 1);
        for bad in ["", "a#b", "a/b", "a b", "é", "a\nb", long.as_str()] {
            assert!(!is_valid_id(bad), "{bad:?}");
        }
    }
}
