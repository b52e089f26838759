//! What a request names outside its body: path and query parameters, headers, the page
//! size, and the route API Gateway matched.

use lambda_http::request::RequestContext;
use lambda_http::RequestExt;

use super::Request;
use crate::error::ApiError;

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

/// An id in the path: absent is 404 (no such route), malformed is 400.
pub fn path_id<T: From<String>>(request: &Request, name: &str) -> Result<T, ApiError> {
    let value = path_param(request, name).ok_or(ApiError::NotFound)?;
    Ok(crate::domain::ids::parse_id(name, &value)?)
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

/// The route API Gateway matched, e.g. `GET /settings/messaging`: how a function that
/// serves several routes tells them apart.
pub fn route_key(request: &Request) -> Option<String> {
    match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.route_key.clone(),
        _ => None,
    }
}
