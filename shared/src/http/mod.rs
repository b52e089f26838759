//! API Gateway (HTTP API, payload 2.0) glue, one concern a module: who calls
//! ([`identity`]), request bodies ([`body`]), form-encoded bodies ([`form`]), path and
//! query parameters ([`params`]), responses and errors ([`response`]), list cursors
//! ([`cursor`]). Everything is re-exported here: `shared::http::json_body` and the like.

pub mod body;
pub mod cursor;
pub mod form;
pub mod identity;
pub mod params;
pub mod response;

pub use body::{body_bytes, body_is_empty, json_body, MAX_BODY_BYTES};
pub use cursor::CursorSigner;
pub use form::{form_decode, form_pairs, percent_decode};
pub use identity::{operator, principal};
pub use params::{
    header, limit, path_id, path_param, query_param, route_key, DEFAULT_LIMIT, MAX_LIMIT,
};
pub use response::{
    entity_tag, error_response, html_response, json_response, no_content, not_modified,
    not_modified_since, redirect, respond, with_entity_tag,
};

pub type Request = lambda_http::Request;
pub type Response = lambda_http::Response<lambda_http::Body>;
