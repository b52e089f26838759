//! HS256 JSON Web Tokens, for the local API and the tests: in AWS, API Gateway's JWT
//! authorizer verifies tokens and the functions only ever see its claims.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JwtError {
    #[error("token is not three base64url parts")]
    Malformed,
    #[error("token algorithm must be HS256")]
    Algorithm,
    #[error("token signature does not match")]
    Signature,
    #[error("token has no numeric exp, or it has passed")]
    Expired,
    #[error("token is not valid yet")]
    NotYetValid,
}

pub fn sign_hs256(claims: &Map<String, Value>, secret: &[u8]) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(Value::Object(claims.clone()).to_string());
    let signing_input = format!("{header}.{payload}");
    let signature = URL_SAFE_NO_PAD.encode(
        mac(secret, signing_input.as_bytes())
            .finalize()
            .into_bytes(),
    );
    format!("{signing_input}.{signature}")
}

/// Verifies signature (in constant time), algorithm, `exp` and `nbf`, and returns the
/// claims.
pub fn verify_hs256(
    token: &str,
    secret: &[u8],
    now_secs: i64,
) -> Result<Map<String, Value>, JwtError> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed);
    };
    let header: Value = decode_json(header)?;
    if header.get("alg").and_then(Value::as_str) != Some("HS256") {
        return Err(JwtError::Algorithm);
    }
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| JwtError::Malformed)?;
    mac(
        secret,
        format!(
            "{}.{}",
            token.split('.').next().unwrap_or_default(),
            payload
        )
        .as_bytes(),
    )
    .verify_slice(&signature)
    .map_err(|_| JwtError::Signature)?;
    let Value::Object(claims) = decode_json(payload)? else {
        return Err(JwtError::Malformed);
    };
    match claims.get("exp").and_then(Value::as_f64) {
        Some(exp) if exp > now_secs as f64 => {}
        _ => return Err(JwtError::Expired),
    }
    if claims
        .get("nbf")
        .and_then(Value::as_f64)
        .is_some_and(|nbf| nbf > now_secs as f64)
    {
        return Err(JwtError::NotYetValid);
    }
    Ok(claims)
}

/// Claims as API Gateway's JWT authorizer hands them to a function: every value a string.
pub fn claims_as_strings(claims: &Map<String, Value>) -> Map<String, Value> {
    claims
        .iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), Value::String(text))
        })
        .collect()
}

fn mac(secret: &[u8], data: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(data);
    mac
}

fn decode_json(part: &str) -> Result<Value, JwtError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| JwtError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| JwtError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(exp: i64) -> Map<String, Value> {
        json!({"sub": "u1", "tenant_id": "demo", "role": "staff", "exp": exp})
            .as_object()
            .unwrap()
            .clone()
    }

    #[test]
    fn round_trips_and_rejects_tampering() {
        let token = sign_hs256(&claims(2_000), b"secret");
        assert_eq!(verify_hs256(&token, b"secret", 1_000).unwrap()["sub"], "u1");
        assert_eq!(
            verify_hs256(&token, b"other", 1_000),
            Err(JwtError::Signature)
        );
        assert_eq!(
            verify_hs256(&token, b"secret", 3_000),
            Err(JwtError::Expired)
        );
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged =
            URL_SAFE_NO_PAD.encode(r#"{"sub":"u1","tenant_id":"other","role":"admin","exp":2000}"#);
        parts[1] = &forged;
        assert_eq!(
            verify_hs256(&parts.join("."), b"secret", 1_000),
            Err(JwtError::Signature)
        );
        assert_eq!(verify_hs256("a.b", b"secret", 0), Err(JwtError::Malformed));
        let none_alg = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
            parts[1]
        );
        assert_eq!(
            verify_hs256(&none_alg, b"secret", 0),
            Err(JwtError::Algorithm)
        );
    }

    #[test]
    fn claims_become_strings_like_api_gateway_passes_them() {
        let strings = claims_as_strings(&claims(5));
        assert_eq!(strings["exp"], "5");
        assert_eq!(strings["role"], "staff");
    }
}
