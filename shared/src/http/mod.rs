//! API Gateway (HTTP API, payload 2.0) glue: the identity its JWT authorizer passed,
//! request bodies and parameters, and JSON responses, errors included.

pub mod cursor;

use crate::domain::Named;
use lambda_http::request::RequestContext;
use lambda_http::{Body, RequestExt};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::config::ClaimNames;
use crate::domain::ids::is_valid_id;
use crate::domain::{Principal, Role};
use crate::error::ApiError;

pub use cursor::CursorSigner;

pub type Request = lambda_http::Request;
pub type Response = lambda_http::Response<Body>;

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

/// The operator, on routes API Gateway authorizes with IAM (SigV4): the signer's ARN.
/// A tenant's token never makes an operator, whatever its claims say.
pub fn operator(request: &Request) -> Result<String, ApiError> {
    let refused = || ApiError::forbidden("operator_only", "this route is the platform operator's");
    let Some(RequestContext::ApiGatewayV2(context)) = request.request_context_ref() else {
        return Err(refused());
    };
    let authorizer = context.authorizer.as_ref().ok_or_else(refused)?;
    if authorizer.jwt.is_some() {
        return Err(refused());
    }
    authorizer
        .iam
        .as_ref()
        .and_then(|iam| iam.user_arn.clone().or_else(|| iam.caller_id.clone()))
        .filter(|arn| !arn.is_empty())
        .ok_or_else(refused)
}

/// The caller, from the JWT claims in the request context. Identity never comes from
/// headers, query or body.
pub fn principal(request: &Request, names: &ClaimNames) -> Result<Principal, ApiError> {
    let claims = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context
            .authorizer
            .as_ref()
            .and_then(|authorizer| authorizer.jwt.as_ref())
            .map(|jwt| &jwt.claims),
        _ => None,
    }
    .ok_or(ApiError::Unauthorized)?;
    let claim = |name: &str| {
        claims
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let user_id = claim(&names.user_id)
        .filter(|v| is_valid_id(v))
        .ok_or(ApiError::Unauthorized)?;
    let tenant_id = claim(&names.tenant_id)
        .filter(|v| is_valid_id(v))
        .ok_or(ApiError::Unauthorized)?;
    let role = claim(&names.role)
        .and_then(Role::parse)
        .ok_or(ApiError::Unauthorized)?;
    let customer_id = match role {
        Role::Customer => Some(
            claim(&names.customer_id)
                .filter(|v| is_valid_id(v))
                .ok_or(ApiError::Unauthorized)?
                .to_owned(),
        ),
        _ => None,
    };
    let name = claim(&names.name)
        .map(|n| {
            n.chars()
                .filter(|c| !c.is_control())
                .take(200)
                .collect::<String>()
        })
        .filter(|n| !n.trim().is_empty());
    Ok(Principal {
        tenant_id: tenant_id.to_owned(),
        user_id: user_id.to_owned(),
        role,
        customer_id,
        name,
    })
}

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

pub fn query_param(request: &Request, name: &str) -> Option<String> {
    request
        .query_string_parameters_ref()
        .and_then(|params| params.first(name))
        .map(str::to_owned)
}

pub fn path_param(request: &Request, name: &str) -> Option<String> {
    request
        .path_parameters_ref()
        .and_then(|params| params.first(name))
        .map(str::to_owned)
}

pub fn header(request: &Request, name: &str) -> Option<String> {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

/// `limit`: 1 to 100, default 20.
pub fn limit(request: &Request) -> Result<u32, ApiError> {
    match query_param(request, "limit") {
        None => Ok(DEFAULT_LIMIT),
        Some(value) => match value.parse::<u32>() {
            Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => Ok(limit),
            _ => Err(ApiError::bad_request(
                "invalid_limit",
                format!("limit must be a whole number from 1 to {MAX_LIMIT}"),
            )),
        },
    }
}

pub fn json_response<T: Serialize>(status: u16, body: &T) -> Response {
    let text = serde_json::to_string(body).unwrap_or_else(|_| "{}".to_owned());
    lambda_http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::Text(text))
        .expect("a response from a valid status and header")
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

/// 204, for a deletion.
/// 302 to a short-lived link (never cached: the link expires).
pub fn redirect(location: &str) -> Response {
    lambda_http::Response::builder()
        .status(302)
        .header("location", location)
        .header("cache-control", "no-store")
        .body(lambda_http::Body::Empty)
        .expect("a response from valid parts")
}

pub fn no_content() -> Response {
    lambda_http::Response::builder()
        .status(204)
        .body(Body::Empty)
        .expect("a response from a valid status")
}

/// Whether the request has no body (or only whitespace).
pub fn body_is_empty(request: &Request) -> bool {
    body_bytes(request).iter().all(u8::is_ascii_whitespace)
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

/// The route API Gateway matched, e.g. `GET /settings/messaging`: how a function that
/// serves several routes tells them apart.
pub fn route_key(request: &Request) -> Option<String> {
    match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.route_key.clone(),
        _ => None,
    }
}

/// `%XX` escapes decoded; anything else, a malformed escape included, kept as it is.
pub fn percent_decode(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let hex = || {
            std::str::from_utf8(input.get(i + 1..i + 3)?)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        };
        match (input[i], hex()) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}

/// One `application/x-www-form-urlencoded` name or value (`+` is a space).
pub fn form_decode(input: &[u8]) -> Result<String, std::string::FromUtf8Error> {
    let spaced: Vec<u8> = input
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    String::from_utf8(percent_decode(&spaced))
}

/// A form body's name/value pairs in order; an error when any is not UTF-8.
pub fn form_pairs(body: &[u8]) -> Result<Vec<(String, String)>, ApiError> {
    body.split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = match pair.iter().position(|&b| b == b'=') {
                Some(at) => (&pair[..at], &pair[at + 1..]),
                None => (pair, &[][..]),
            };
            Ok((form_decode(name)?, form_decode(value)?))
        })
        .collect::<Result<_, std::string::FromUtf8Error>>()
        .map_err(|_| ApiError::bad_request("invalid_encoding", "the form is not UTF-8"))
}

/// The request body's bytes, whether API Gateway passed it as text or base64.
pub fn body_bytes(request: &Request) -> &[u8] {
    match request.body() {
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    }
}
