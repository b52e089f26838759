//! Tenant administration. This function serves `GET` and `PUT /settings/messaging`:
//! the messaging mode and notification settings, admins only.

mod settings;

use shared::http::{self, Request, Response};
use shared::store::SettingsStore;
use shared::{ApiError, App};

pub async fn handle<S: SettingsStore>(app: &App<S>, request: Request) -> Response {
    let result = match http::route_key(&request).as_deref() {
        Some("GET /settings/messaging") => settings::get(app, &request).await,
        Some("PUT /settings/messaging") => settings::put(app, &request).await,
        _ => Err(ApiError::NotFound),
    };
    http::respond(result)
}

#[cfg(test)]
mod tests;
