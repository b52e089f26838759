//! The export's tests: CSV ([`csv`]) and PDF ([`pdf`]), with what both use.

mod csv;
mod pdf;

use testkit::{ApiEvent, Claims};

const TENANT: &str = "market-a";

fn export_as(claims: &Claims, id: &str, format: &str) -> ApiEvent {
    ApiEvent::new("GET", "/conversations/{id}/export")
        .claims(claims)
        .path_param("id", id)
        .query("format", format)
}

fn export(claims: &Claims, id: &str) -> ApiEvent {
    export_as(claims, id, "csv")
}

fn body_text(response: &lambda_http::Response<lambda_http::Body>) -> String {
    match response.body() {
        lambda_http::Body::Text(text) => text.clone(),
        other => panic!("a text body, not {other:?}"),
    }
}
