//! Request bodies: their bytes, JSON parsed within a size limit, with errors that name
//! the offending field.

use lambda_http::Body;
use serde::de::DeserializeOwned;

use super::Request;
use crate::error::ApiError;

/// JSON bodies larger than this are refused with 413 before parsing.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Fields the server sets; a body that tries to set them is refused, not ignored.
const SERVER_OWNED_FIELDS: &[&str] = &[
    "id",
    "sender_id",
    "sender_type",
    "sender_name",
    "created_at",
    "read_at",
    "is_read",
    "tenant_id",
    "message_count",
    "unread_count",
    "channel",
    "external_ref",
];

/// Parses a JSON body into `T`, naming the offending field in the error.
pub fn json_body<T: DeserializeOwned>(request: &Request) -> Result<T, ApiError> {
    let bytes = body_bytes(request);
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge {
            limit: MAX_BODY_BYTES,
        });
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "invalid_json",
            "a JSON body is required",
        ));
    }
    if let Some(content_type) = request
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
    {
        let essence = content_type.split(';').next().unwrap_or_default().trim();
        if !essence.eq_ignore_ascii_case("application/json") {
            return Err(ApiError::bad_request(
                "unsupported_media_type",
                "send the body as application/json",
            ));
        }
    }
    serde_json::from_slice(bytes).map_err(|err| body_error(&err))
}

fn body_error(err: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    let detail = err.to_string();
    match err.classify() {
        Category::Syntax | Category::Eof | Category::Io => ApiError::bad_request(
            "invalid_json",
            format!("the body is not valid JSON: {detail}"),
        ),
        Category::Data => {
            if let Some(field) = between(&detail, "unknown field `", "`") {
                if SERVER_OWNED_FIELDS.contains(&field) {
                    return ApiError::bad_request(
                        "read_only_field",
                        format!("{field} is set by the server"),
                    );
                }
                return ApiError::bad_request("unknown_field", format!("unknown field {field}"));
            }
            if let Some(field) = between(&detail, "missing field `", "`") {
                return ApiError::bad_request("missing_field", format!("{field} is required"));
            }
            let message = detail
                .split(" at line ")
                .next()
                .unwrap_or(&detail)
                .to_owned();
            ApiError::bad_request("invalid_field", message)
        }
    }
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = &text[text.find(start)? + start.len()..];
    Some(&rest[..rest.find(end)?])
}

/// Whether the request has no body (or only whitespace).
pub fn body_is_empty(request: &Request) -> bool {
    body_bytes(request).iter().all(u8::is_ascii_whitespace)
}

/// The request body's bytes, whether API Gateway passed it as text or base64.
pub fn body_bytes(request: &Request) -> &[u8] {
    match request.body() {
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    }
}
