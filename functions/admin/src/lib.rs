//! Tenant administration: `GET`/`PUT /settings/messaging` (admins: the messaging mode
//! and notification settings) and the directory of staff, assignments and contacts
//! (admins and the host application), delivery records of notifications and inbound
//! texts that did not become messages (admins), and order conversations opened, found and
//! closed by the host application; directory search for staff; a person's data exported
//! or erased (jobs the `jobs` function runs); and the platform operator's grants to tenants.
//! One function, told apart by route.

mod accounts;
mod conversations;
mod directory;
mod notifications;
pub mod operator;
mod person;
mod search;
mod settings;
mod suppressions;
mod unmatched;

use shared::http::{self, Request, Response};
use shared::store::{
    DirectoryStore, GrantStore, InboundStore, JobStore, MessageStore, NotificationStore,
    PatientStore, SearchStore, SettingsStore,
};
use shared::{ApiError, App};

pub async fn handle<S>(app: &App<S>, request: Request) -> Response
where
    S: SettingsStore
        + DirectoryStore
        + MessageStore
        + NotificationStore
        + InboundStore
        + GrantStore
        + PatientStore
        + SearchStore
        + JobStore,
{
    let result = match http::route_key(&request).as_deref() {
        Some("POST /conversations") => conversations::open(app, &request).await,
        Some("GET /conversations") => conversations::find(app, &request).await,
        Some("POST /conversations/{id}/close") => conversations::close(app, &request).await,
        Some("PUT /conversations/{id}/participants/{user_id}") => {
            conversations::change_participant(app, &request, true).await
        }
        Some("DELETE /conversations/{id}/participants/{user_id}") => {
            conversations::change_participant(app, &request, false).await
        }
        Some("GET /settings/messaging") => settings::get(app, &request).await,
        Some("PUT /settings/messaging") => settings::put(app, &request).await,
        Some("PUT /staff/{user_id}") => directory::put_staff(app, &request).await,
        Some("GET /staff/{user_id}") => directory::get_staff(app, &request).await,
        Some("DELETE /staff/{user_id}") => directory::delete_staff(app, &request).await,
        Some("PUT /staff/{user_id}/assignments/{customer_id}") => {
            directory::put_assignment(app, &request).await
        }
        Some("DELETE /staff/{user_id}/assignments/{customer_id}") => {
            directory::delete_assignment(app, &request).await
        }
        Some("PUT /customers/{customer_id}/contacts/{contact_id}") => {
            directory::put_contact(app, &request).await
        }
        Some("GET /customers/{customer_id}/contacts/{contact_id}") => {
            directory::get_contact(app, &request).await
        }
        Some("DELETE /customers/{customer_id}/contacts/{contact_id}") => {
            directory::delete_contact(app, &request).await
        }
        Some("PUT /customers/{customer_id}/patients/{patient_id}") => {
            accounts::put_patient(app, &request).await
        }
        Some("DELETE /customers/{customer_id}/patients/{patient_id}") => {
            accounts::delete_patient(app, &request).await
        }
        Some("GET /customers/{customer_id}/patients") => {
            accounts::list_patients(app, &request).await
        }
        Some("GET /customers/{customer_id}/contacts") => {
            accounts::list_contacts(app, &request).await
        }
        Some("GET /staff") => accounts::list_staff(app, &request).await,
        Some("POST /customers/{customer_id}/contacts/{contact_id}/export") => {
            person::export_contact(app, &request).await
        }
        Some("POST /customers/{customer_id}/contacts/{contact_id}/erase") => {
            person::erase_contact(app, &request).await
        }
        Some("POST /staff/{user_id}/erase") => person::erase_staff(app, &request).await,
        Some("GET /customers") => search::find(app, &request).await,
        Some("GET /notifications") => notifications::list(app, &request).await,
        Some("GET /sms/unmatched") => unmatched::list(app, &request, false).await,
        Some("GET /email/unmatched") => unmatched::list(app, &request, true).await,
        Some("GET /suppressions") => suppressions::list(app, &request).await,
        Some("DELETE /suppressions/{channel}/{address}") => {
            suppressions::clear(app, &request).await
        }
        Some("GET /operator/tenants/{tenant_id}/grant") => operator::get(app, &request).await,
        Some("PUT /operator/tenants/{tenant_id}/grant") => operator::put(app, &request).await,
        _ => Err(ApiError::NotFound),
    };
    http::respond(result)
}

#[cfg(test)]
mod tests;
