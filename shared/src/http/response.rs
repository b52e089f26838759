//! Responses: JSON, errors with their statuses, entity tags, redirects.

use lambda_http::Body;
use serde::Serialize;

use super::params::header;
use super::{Request, Response};
use crate::error::ApiError;

pub fn json_response<T: Serialize>(status: u16, body: &T) -> Response {
    let text = serde_json::to_string(body).unwrap_or_else(|_| "{}".to_owned());
    lambda_http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::Text(text))
        .expect("a response from a valid status and header")
}

/// A small page for a browser: never cached, nothing loaded from elsewhere, and only
/// forms posting back to this origin.
pub fn html_response(status: u16, html: String) -> Response {
    lambda_http::Response::builder()
        .status(status)
        .header("content-type", "text/html; charset=utf-8")
        .header("cache-control", "no-store")
        .header(
            "content-security-policy",
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
        )
        .header("x-robots-tag", "noindex")
        .body(Body::Text(html))
        .expect("a response from a valid status and headers")
}

/// A strong entity tag for a representation built from `parts`.
pub fn entity_tag(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    let digest = hasher.finalize();
    format!("\"{}\"", crate::store::keys::hex(&digest[..16]))
}

/// Whether the request's `If-None-Match` names `tag` (or `*`).
pub fn not_modified_since(request: &Request, tag: &str) -> bool {
    header(request, "if-none-match").is_some_and(|value| {
        value.split(',').map(str::trim).any(|candidate| {
            candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == tag
        })
    })
}

/// 304 with the entity tag, no body.
pub fn not_modified(tag: &str) -> Response {
    lambda_http::Response::builder()
        .status(304)
        .header("etag", tag)
        .body(Body::Empty)
        .expect("a response from a valid status and tag")
}

/// `response` with its entity tag.
pub fn with_entity_tag(mut response: Response, tag: &str) -> Response {
    if let Ok(value) = tag.parse() {
        response.headers_mut().insert("etag", value);
    }
    response
}

/// 302 to a short-lived link (never cached: the link expires).
pub fn redirect(location: &str) -> Response {
    lambda_http::Response::builder()
        .status(302)
        .header("location", location)
        .header("cache-control", "no-store")
        .body(lambda_http::Body::Empty)
        .expect("a response from valid parts")
}

/// 204, for a deletion.
pub fn no_content() -> Response {
    lambda_http::Response::builder()
        .status(204)
        .body(Body::Empty)
        .expect("a response from a valid status")
}

pub fn error_response(err: &ApiError) -> Response {
    if let ApiError::Internal(detail) = err {
        tracing::error!(%detail, "internal error");
    }
    let mut response = json_response(err.status(), &err.body());
    if let Some(secs) = err.retry_after_secs() {
        response.headers_mut().insert(
            "retry-after",
            secs.to_string()
                .parse()
                .expect("digits are a valid header value"),
        );
    }
    response
}

/// Turns a handler's result into the response API Gateway returns.
pub fn respond(result: Result<Response, ApiError>) -> Response {
    result.unwrap_or_else(|err| error_response(&err))
}
