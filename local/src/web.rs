//! The web app (`web/dist`, built by `npm run build`) at `/app/`, as CloudFront serves it
//! from its bucket in AWS, and `/app/config.json`: locally, the demo identities with fresh
//! tokens for the sign-in picker. Also the CORS answers API Gateway's `CorsConfiguration`
//! gives a browser on another origin.

use std::path::{Component, Path, PathBuf};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Response, StatusCode};
use serde_json::json;

use crate::tokens::{demo_identities, jwt_secret};

/// Where the app is served.
pub const PREFIX: &str = "/app";

/// How long the picker's tokens last: an afternoon of trying things out.
const DEMO_TOKEN_HOURS: i64 = 8;

#[derive(Debug, Clone)]
pub struct WebApp {
    /// The built app (`index.html` and `assets/`).
    pub dir: PathBuf,
    /// Origins other than the API's own that may call it from a browser.
    pub cors_origins: Vec<String>,
}

impl WebApp {
    /// `path` is the request path under [`PREFIX`].
    pub fn serve(&self, path: &str) -> Response<Body> {
        let relative = path.strip_prefix(PREFIX).unwrap_or(path);
        match relative {
            "" => redirect(&format!("{PREFIX}/")),
            "/config.json" => json_response(&self.config()),
            _ => self.file(relative.trim_start_matches('/')),
        }
    }

    fn config(&self) -> serde_json::Value {
        let secret = jwt_secret();
        let identities: Vec<_> = demo_identities()
            .iter()
            .map(|identity| {
                json!({
                    "label": identity.label(),
                    "token": identity.token(&secret, DEMO_TOKEN_HOURS),
                })
            })
            .collect();
        json!({
            "api": "",
            "claims": { "tenant": "tenant_id", "role": "role", "customer": "customer_id", "name": "name" },
            "signin": { "kind": "demo", "identities": identities },
        })
    }

    fn file(&self, relative: &str) -> Response<Body> {
        let relative = if relative.is_empty() {
            "index.html"
        } else {
            relative
        };
        let Some(path) = safe_join(&self.dir, relative) else {
            return status(StatusCode::NOT_FOUND);
        };
        match std::fs::read(&path) {
            Ok(bytes) => {
                let mut response = Response::new(Body::from(bytes));
                let headers = response.headers_mut();
                headers.insert("content-type", HeaderValue::from_static(content_type(&path)));
                // Vite names assets by their content; the page itself must be asked again.
                let cache = if relative.starts_with("assets/") {
                    "public, max-age=31536000, immutable"
                } else {
                    "no-cache"
                };
                headers.insert("cache-control", HeaderValue::from_static(cache));
                headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
                response
            }
            Err(_) if relative == "index.html" => text_response(
                StatusCode::NOT_FOUND,
                "The web app is not built: run `make dev` (it builds web/), or `cd web && npm ci && npm run build`.",
            ),
            Err(_) => status(StatusCode::NOT_FOUND),
        }
    }

    /// The CORS headers for a request from `origin`, when that origin may call the API.
    pub fn cors_headers(&self, request: &HeaderMap) -> Option<Vec<(&'static str, String)>> {
        let origin = request.get("origin")?.to_str().ok()?;
        if !self.cors_origins.iter().any(|allowed| allowed == origin) {
            return None;
        }
        Some(vec![
            ("access-control-allow-origin", origin.to_owned()),
            ("access-control-allow-headers", ALLOWED_HEADERS.to_owned()),
            ("access-control-allow-methods", ALLOWED_METHODS.to_owned()),
            ("access-control-expose-headers", EXPOSED_HEADERS.to_owned()),
            ("access-control-max-age", "600".to_owned()),
            ("vary", "origin".to_owned()),
        ])
    }
}

/// The same lists as the template's `CorsConfiguration`.
pub const ALLOWED_HEADERS: &str = "authorization,content-type,idempotency-key,if-none-match";
pub const ALLOWED_METHODS: &str = "GET,POST,PUT,PATCH,DELETE";
pub const EXPOSED_HEADERS: &str = "etag,retry-after";

/// `relative` inside `dir`, or `None` when it would leave it.
fn safe_join(dir: &Path, relative: &str) -> Option<PathBuf> {
    let relative = Path::new(relative);
    relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then(|| dir.join(relative))
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "webmanifest" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn json_response(value: &serde_json::Value) -> Response<Body> {
    let mut response = Response::new(Body::from(value.to_string()));
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert("cache-control", HeaderValue::from_static("no-store"));
    response
}

fn text_response(code: StatusCode, text: &'static str) -> Response<Body> {
    let mut response = Response::new(Body::from(text));
    *response.status_mut() = code;
    response.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn status(code: StatusCode) -> Response<Body> {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = code;
    response
}

fn redirect(to: &str) -> Response<Body> {
    let mut response = status(StatusCode::MOVED_PERMANENTLY);
    if let Ok(location) = HeaderValue::from_str(to) {
        response.headers_mut().insert("location", location);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(dir: &Path) -> WebApp {
        WebApp {
            dir: dir.to_owned(),
            cors_origins: vec!["https://portal.example".into()],
        }
    }

    #[test]
    fn serves_the_page_and_its_assets_and_nothing_outside() {
        let dir = std::env::temp_dir().join(format!("tidings-web-{}", ulid::Ulid::new()));
        std::fs::create_dir_all(dir.join("assets")).unwrap();
        std::fs::write(dir.join("index.html"), "<!doctype html>").unwrap();
        std::fs::write(dir.join("assets/app-1.js"), "export {}").unwrap();
        let web = app(&dir);
        let page = web.serve("/app/");
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(page.headers()["cache-control"], "no-cache");
        let asset = web.serve("/app/assets/app-1.js");
        assert_eq!(
            asset.headers()["content-type"],
            "text/javascript; charset=utf-8"
        );
        assert!(asset.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable"));
        assert_eq!(
            web.serve("/app/../Cargo.toml").status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            web.serve("/app/assets/none.js").status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(web.serve("/app").status(), StatusCode::MOVED_PERMANENTLY);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_config_lists_every_demo_identity_with_a_token_the_api_accepts() {
        let web = app(Path::new("/nonexistent"));
        let config = web.config();
        let identities = config["signin"]["identities"].as_array().unwrap();
        assert_eq!(identities.len(), demo_identities().len());
        let now = jiff::Timestamp::now().as_second();
        for identity in identities {
            let token = identity["token"].as_str().unwrap();
            assert!(shared::jwt::verify_hs256(token, jwt_secret().as_bytes(), now).is_ok());
        }
    }

    #[test]
    fn cors_only_for_the_configured_origins() {
        let web = app(Path::new("/nonexistent"));
        let mut headers = HeaderMap::new();
        headers.insert("origin", HeaderValue::from_static("https://evil.example"));
        assert!(web.cors_headers(&headers).is_none());
        headers.insert("origin", HeaderValue::from_static("https://portal.example"));
        let cors = web.cors_headers(&headers).unwrap();
        assert!(cors.contains(&(
            "access-control-allow-origin",
            "https://portal.example".to_owned()
        )));
    }
}
