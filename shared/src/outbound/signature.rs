//! Webhook signatures as Standard Webhooks v1 defines them
//! (<https://www.standardwebhooks.com/>), so receivers can verify deliveries with any of
//! its libraries instead of code we would have to document.
//!
//! A secret is `whsec_` and the base64 of its key; the signature is the base64 of
//! HMAC-SHA256 over `{id}.{timestamp}.{body}`, prefixed with its version, `v1,`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use ring::rand::{SecureRandom, SystemRandom};
use sha2::Sha256;

const PREFIX: &str = "whsec_";
/// What the specification allows a key to be; we make 32-byte ones.
const KEY_BYTES: std::ops::RangeInclusive<usize> = 24..=64;
const NEW_KEY_BYTES: usize = 32;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("a webhook secret is whsec_ and the base64 of 24 to 64 bytes")]
    InvalidSecret,
    #[error("no secret to sign with")]
    NoSecret,
}

/// A fresh secret: `whsec_` and the base64 of 32 random bytes.
pub fn new_secret() -> String {
    let mut key = [0u8; NEW_KEY_BYTES];
    // The system's random source fails only when the kernel cannot provide one at all; no
    // secret can be made then, and handing out a weak one would be worse than stopping.
    SystemRandom::new()
        .fill(&mut key)
        .expect("the system random source is unavailable");
    format!("{PREFIX}{}", STANDARD.encode(key))
}

/// The signature of one delivery: `v1,` and the base64 of its HMAC-SHA256.
pub fn sign(
    secret: &str,
    msg_id: &str,
    timestamp: i64,
    body: &str,
) -> Result<String, SignatureError> {
    let key = decode(secret)?;
    let mut mac =
        Hmac::<Sha256>::new_from_slice(&key).map_err(|_| SignatureError::InvalidSecret)?;
    mac.update(format!("{msg_id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// The `webhook-signature` value: one signature per secret, separated by a space, so while
/// a secret is rotated receivers holding either the new or the previous one can verify.
pub fn signature_header(
    secrets: &[&str],
    msg_id: &str,
    timestamp: i64,
    body: &str,
) -> Result<String, SignatureError> {
    if secrets.is_empty() {
        return Err(SignatureError::NoSecret);
    }
    let signatures = secrets
        .iter()
        .map(|secret| sign(secret, msg_id, timestamp, body))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(signatures.join(" "))
}

/// The three headers a signed delivery carries.
pub fn headers(
    secrets: &[&str],
    msg_id: &str,
    timestamp: i64,
    body: &str,
) -> Result<Vec<(&'static str, String)>, SignatureError> {
    Ok(vec![
        ("webhook-id", msg_id.to_string()),
        ("webhook-timestamp", timestamp.to_string()),
        (
            "webhook-signature",
            signature_header(secrets, msg_id, timestamp, body)?,
        ),
    ])
}

fn decode(secret: &str) -> Result<Vec<u8>, SignatureError> {
    let key = secret
        .strip_prefix(PREFIX)
        .and_then(|encoded| STANDARD.decode(encoded).ok())
        .ok_or(SignatureError::InvalidSecret)?;
    if !KEY_BYTES.contains(&key.len()) {
        return Err(SignatureError::InvalidSecret);
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::http::{HeaderMap, HeaderValue};

    /// The specification's own example.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const PAYLOAD: &str = r#"{"test": 2432232314}"#;

    fn now() -> i64 {
        jiff::Timestamp::now().as_second()
    }

    fn header_map(headers: Vec<(&'static str, String)>) -> HeaderMap {
        headers
            .into_iter()
            .map(|(name, value)| {
                (
                    name.parse().unwrap(),
                    HeaderValue::from_str(&value).unwrap(),
                )
            })
            .collect()
    }

    fn verifies(secret: &str, headers: &HeaderMap) -> bool {
        standardwebhooks::Webhook::new(secret)
            .unwrap()
            .verify(PAYLOAD.as_bytes(), headers)
            .is_ok()
    }

    #[test]
    fn the_specification_test_vector() {
        assert_eq!(
            sign(SECRET, ID, 1614265330, PAYLOAD).unwrap(),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn the_reference_implementation_verifies_our_headers() {
        let headers = header_map(headers(&[SECRET], ID, now(), PAYLOAD).unwrap());
        assert!(verifies(SECRET, &headers));
        let other = new_secret();
        assert!(!verifies(&other, &headers));
    }

    #[test]
    fn during_rotation_either_secret_verifies() {
        let (new, previous, stranger) = (new_secret(), SECRET.to_string(), new_secret());
        let header = signature_header(&[&new, &previous], ID, now(), PAYLOAD).unwrap();
        assert_eq!(header.split(' ').count(), 2);
        let headers = header_map(headers(&[&new, &previous], ID, now(), PAYLOAD).unwrap());
        assert!(verifies(&new, &headers));
        assert!(verifies(&previous, &headers));
        assert!(!verifies(&stranger, &headers));
    }

    #[test]
    fn new_secrets_are_32_random_bytes_the_reference_accepts() {
        let (one, two) = (new_secret(), new_secret());
        assert_ne!(one, two);
        assert_eq!(decode(&one).unwrap().len(), 32);
        let headers = header_map(headers(&[&one], ID, now(), PAYLOAD).unwrap());
        assert!(verifies(&one, &headers));
    }

    #[test]
    fn malformed_secrets_and_no_secret_are_refused() {
        let short = format!("{PREFIX}{}", STANDARD.encode([7u8; 16]));
        let long = format!("{PREFIX}{}", STANDARD.encode([7u8; 65]));
        for secret in [
            "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "whsec_not base64!",
            &short,
            &long,
        ] {
            assert_eq!(
                sign(secret, ID, 1, PAYLOAD),
                Err(SignatureError::InvalidSecret),
                "{secret}"
            );
        }
        assert_eq!(
            signature_header(&[], ID, 1, PAYLOAD),
            Err(SignatureError::NoSecret)
        );
    }

    #[test]
    fn headers_are_named_as_the_specification_says() {
        let headers = headers(&[SECRET], ID, 1614265330, PAYLOAD).unwrap();
        let names: Vec<_> = headers.iter().map(|(name, _)| *name).collect();
        assert_eq!(
            names,
            ["webhook-id", "webhook-timestamp", "webhook-signature"]
        );
        assert_eq!(headers[1].1, "1614265330");
    }
}
