//! Identifiers that come from outside (tenants, customers, patients, users, orders).
//!
//! They are embedded in DynamoDB keys, so the alphabet excludes the key separators `#`
//! and `/`; anything else that is printable ASCII and usual in ids is accepted.

use serde::{Deserialize, Serialize};

use super::error::DomainError;

/// An id type: a string that is one kind of id, so a tenant cannot be passed where a
/// customer is expected. It reads as a `&str` wherever one is taken (keys, logs).
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// An id already checked, or read back from the table.
            pub fn new(value: impl Into<String>) -> Self {
                $name(value.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                $name(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                $name(value.to_owned())
            }
        }

        impl From<&String> for $name {
            fn from(value: &String) -> Self {
                $name(value.clone())
            }
        }

        impl From<&$name> for String {
            fn from(value: &$name) -> String {
                value.0.clone()
            }
        }

        impl From<&$name> for $name {
            fn from(value: &$name) -> $name {
                value.clone()
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }
    };
}

id_type!(
    /// A business using tidings: every key starts with it.
    TenantId
);
id_type!(
    /// A person who signs in: staff, or one of a customer account's contacts.
    UserId
);
id_type!(
    /// A customer account (a family, a buyer).
    CustomerId
);
id_type!(
    /// A patient (a pet) of a customer account.
    PatientId
);
id_type!(
    /// An order of the host application's.
    OrderId
);
id_type!(
    /// A message: a ULID, so ids sort in the order messages were committed.
    MessageId
);

pub const MAX_ID_LEN: usize = 128;

pub fn is_valid_id(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= MAX_ID_LEN
        && value.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':' | b'@' | b'+' | b'|')
        })
}

/// Validates an id taken from a body or query, naming the field in the error; the id
/// comes back as the type the caller names.
pub fn parse_id<T: From<String>>(field: &str, value: &str) -> Result<T, DomainError> {
    if is_valid_id(value) {
        Ok(T::from(value.to_owned()))
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
