//! Opaque list cursors. A cursor is a JSON payload and an HMAC-SHA256 over it, so a later
//! page can trust what the first page established (whose list it is, where it stopped)
//! without reading it again. A cursor that was altered, expired, or made for another
//! list or caller is refused with 400.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::error::ApiError;

/// How long a cursor stays valid: long enough to page through a list, short enough that
/// a lost permission stops paging soon.
pub const CURSOR_TTL_SECS: i64 = 15 * 60;

#[derive(Clone)]
pub struct CursorSigner {
    key: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
struct Envelope<T> {
    /// The list it belongs to, e.g. tenant, route, conversation and caller.
    scope: String,
    expires: i64,
    position: T,
}

impl CursorSigner {
    pub fn new(key: &[u8]) -> Self {
        CursorSigner { key: key.to_vec() }
    }

    pub fn seal<T: Serialize>(&self, scope: &str, position: &T) -> String {
        let envelope = Envelope {
            scope: scope.to_owned(),
            expires: jiff::Timestamp::now().as_second() + CURSOR_TTL_SECS,
            position,
        };
        let payload = serde_json::to_vec(&envelope).expect("cursor payloads serialize");
        let mac = self.mac(&payload);
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(mac)
        )
    }

    pub fn open<T: DeserializeOwned>(&self, scope: &str, cursor: &str) -> Result<T, ApiError> {
        let invalid = || {
            ApiError::bad_request(
                "invalid_cursor",
                "the cursor is malformed, expired, or not for this list",
            )
        };
        if cursor.len() > 8 * 1024 {
            return Err(invalid());
        }
        let (payload, mac) = cursor.split_once('.').ok_or_else(invalid)?;
        let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| invalid())?;
        let mac = URL_SAFE_NO_PAD.decode(mac).map_err(|_| invalid())?;
        let mut check =
            Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC accepts keys of any length");
        check.update(&payload);
        check.verify_slice(&mac).map_err(|_| invalid())?;
        let envelope: Envelope<T> = serde_json::from_slice(&payload).map_err(|_| invalid())?;
        if envelope.scope != scope || envelope.expires < jiff::Timestamp::now().as_second() {
            return Err(invalid());
        }
        Ok(envelope.position)
    }

    fn mac(&self, payload: &[u8]) -> Vec<u8> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC accepts keys of any length");
        mac.update(payload);
        mac.finalize().into_bytes().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_open_only_for_their_list_and_unaltered() {
        let signer = CursorSigner::new(b"0123456789abcdef");
        let cursor = signer.seal("t1/conv/u1", &"01ABC".to_owned());
        assert_eq!(
            signer.open::<String>("t1/conv/u1", &cursor).unwrap(),
            "01ABC"
        );
        assert!(signer.open::<String>("t2/conv/u1", &cursor).is_err());
        assert!(CursorSigner::new(b"another key 0000")
            .open::<String>("t1/conv/u1", &cursor)
            .is_err());
        let (payload, mac) = cursor.split_once('.').unwrap();
        let mut bytes = URL_SAFE_NO_PAD.decode(payload).unwrap();
        bytes[5] ^= 1;
        let tampered = format!("{}.{mac}", URL_SAFE_NO_PAD.encode(bytes));
        assert!(signer.open::<String>("t1/conv/u1", &tampered).is_err());
        for junk in ["", "abc", "a.b", "..", "%%%.%%%"] {
            assert_eq!(
                signer
                    .open::<String>("t1/conv/u1", junk)
                    .unwrap_err()
                    .status(),
                400
            );
        }
    }
}
