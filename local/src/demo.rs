//! What `make dev` runs beside the API: the notification dispatcher on a timer, and a
//! demo tenant with a contact and a staff member who have email addresses, so that a
//! notification shows up in moto (`/moto-api/data.json`) without any setup, and the rest
//! of a family and a marketplace order for the web app's sign-in picker.

use shared::domain::ids::{CustomerId, TenantId, UserId};
use std::time::Duration;

use serde_json::json;
use shared::domain::directory::{Contact, StaffProfile};
use shared::domain::grant::Grant;
use shared::domain::{now_rfc3339, Role, Settings};
use shared::notify::SesEmail;
use shared::store::{DirectoryStore, DynamoStore, GrantStore, SettingsStore};
use testkit::{ApiEvent, Claims};

use crate::{Function, LocalApi};

pub const DEMO_TENANT: &str = "demo";
pub const DEMO_DOMAIN: &str = "demo.example";
/// The demo tenant's SMS number (texts to it are the demo tenant's).
pub const DEMO_SMS_NUMBER: &str = "+15550100999";
pub const DEMO_CONTACT_PHONE: &str = "+15550100001";
pub const DEMO_CUSTOMER: &str = "demo-customer";
/// The family's second contact, with unread counts of their own.
pub const DEMO_SECOND_CONTACT: &str = "demo-contact-2";
/// A vendor (basic staff) who takes part in the demo order.
pub const DEMO_VENDOR: &str = "demo-vendor";
const DEMO_PATIENT: &str = "biscuit";
const DEMO_ORDER: &str = "2001";

/// Creates the demo tenant's directory, settings and order where they are missing.
pub async fn seed(api: &LocalApi, url: &str) -> Result<(), String> {
    seed_directory(&api.store(), url).await?;
    seed_marketplace(api).await
}

/// The family's second contact, its pet, a vendor and an order between them, through the
/// API's own handlers (so that search entries and the order's thread are what the API
/// writes). Once the order exists, nothing is written again.
async fn seed_marketplace(api: &LocalApi) -> Result<(), String> {
    let host = Claims::service(DEMO_TENANT, "demo-host").with("name", "Demo Marketplace");
    let (status, _) = api
        .request(
            Function::Admin,
            ApiEvent::new("GET", "/conversations")
                .claims(&host)
                .query("order_id", DEMO_ORDER),
        )
        .await;
    if status == 200 {
        return Ok(());
    }
    let steps = [
        ApiEvent::new("PUT", "/staff/{user_id}")
            .path_param("user_id", DEMO_VENDOR)
            .json(json!({"name": "Val Vendor", "role": "basic_staff", "email": format!("val@{DEMO_DOMAIN}")})),
        ApiEvent::new("PUT", "/customers/{customer_id}/contacts/{contact_id}")
            .path_param("customer_id", DEMO_CUSTOMER)
            .path_param("contact_id", DEMO_SECOND_CONTACT)
            .json(json!({"name": "Jordan Customer", "email": format!("jordan@{DEMO_DOMAIN}")})),
        ApiEvent::new("PUT", "/customers/{customer_id}/patients/{patient_id}")
            .path_param("customer_id", DEMO_CUSTOMER)
            .path_param("patient_id", DEMO_PATIENT)
            .json(json!({"name": "Biscuit"})),
        ApiEvent::new("POST", "/conversations").json(json!({
            "customer_id": DEMO_CUSTOMER,
            "order_id": DEMO_ORDER,
            "title": "Order #2001 — grooming kit",
            "participants": [DEMO_VENDOR],
        })),
    ];
    for event in steps {
        let (status, body) = api.request(Function::Admin, event.claims(&host)).await;
        if !(200..300).contains(&status) {
            return Err(format!("seeding the demo: {status} {body}"));
        }
    }
    Ok(())
}

/// The tenant's grant and settings, the first contact and the staff member.
async fn seed_directory(store: &DynamoStore, url: &str) -> Result<(), String> {
    let err = |e: shared::store::StoreError| e.to_string();
    if store
        .get_settings(&TenantId::from(DEMO_TENANT))
        .await
        .map_err(err)?
        .is_none()
    {
        // As the operator would grant it: the demo number and domain.
        let grant = Grant {
            sms_numbers: vec![DEMO_SMS_NUMBER.into()],
            sender_identities: vec![DEMO_DOMAIN.into()],
            ..Grant::default()
        };
        store
            .put_grant(&TenantId::from(DEMO_TENANT), &grant, None)
            .await
            .map_err(err)?;
        let settings = Settings {
            business_name: Some("Demo Vets".into()),
            portal_base_url: Some(format!("{url}/app/")),
            notify_delay_seconds: Some(20),
            from_email: Some(format!("notifications@{DEMO_DOMAIN}")),
            sms_numbers: vec![DEMO_SMS_NUMBER.into()],
            ..Settings::default()
        };
        store
            .put_settings(&TenantId::from(DEMO_TENANT), &settings, None)
            .await
            .map_err(err)?;
    }
    let now = now_rfc3339();
    if store
        .contact(
            &TenantId::from(DEMO_TENANT),
            &CustomerId::from(DEMO_CUSTOMER),
            &UserId::from("demo-contact"),
        )
        .await
        .map_err(err)?
        .is_none()
    {
        let contact = Contact {
            customer_id: DEMO_CUSTOMER.into(),
            contact_id: "demo-contact".into(),
            name: "Casey Customer".into(),
            email: Some(format!("casey@{DEMO_DOMAIN}")),
            phone: Some(DEMO_CONTACT_PHONE.into()),
            email_opt_in: true,
            sms_opt_in: true,
            created_at: now.clone(),
            updated_at: now.clone(),
        };
        store
            .put_contact(&TenantId::from(DEMO_TENANT), &contact)
            .await
            .map_err(err)?;
    }
    if store
        .staff(&TenantId::from(DEMO_TENANT), &UserId::from("demo-staff"))
        .await
        .map_err(err)?
        .is_none()
    {
        let profile = StaffProfile {
            user_id: "demo-staff".into(),
            name: "Sam Staff".into(),
            email: Some(format!("sam@{DEMO_DOMAIN}")),
            email_notifications: true,
            role: Role::Staff,
            created_at: now.clone(),
            updated_at: now,
        };
        store
            .put_staff(&TenantId::from(DEMO_TENANT), &profile)
            .await
            .map_err(err)?;
    }
    Ok(())
}

/// Runs the dispatcher every `every`, with SES and SNS from the environment (moto under
/// `make dev`), the way the scheduled Lambda runs it every minute.
/// Digests carry this server's reply addresses and unsubscribe links (`api_url`).
pub async fn dispatch_forever(store: DynamoStore, every: Duration, api_url: String) {
    let clients = shared::aws::Clients::from_environment().await;
    let ses = clients.sesv2();
    // SES sends only from verified identities; moto keeps none between starts.
    if let Err(e) = ses
        .create_email_identity()
        .email_identity(DEMO_DOMAIN)
        .send()
        .await
    {
        tracing::debug!(error = ?e, "sender identity not created (it may exist)");
    }
    let dispatcher = notify::Dispatcher::new(
        store,
        SesEmail::new(ses),
        clients.sms(),
        std::env::var("NOTIFY_FROM_EMAIL")
            .unwrap_or_else(|_| format!("notifications@{DEMO_DOMAIN}")),
    )
    .with_reply_domain(Some(crate::mail::reply_domain()))
    .with_api_url(Some(api_url));
    let mut timer = tokio::time::interval(every);
    loop {
        timer.tick().await;
        match dispatcher.run(jiff::Timestamp::now()).await {
            Ok(report) if report.conversations > 0 => {
                tracing::info!(?report, "notification run")
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "notification run failed"),
        }
    }
}

/// Runs the jobs worker (exports and erasures of a person's data) every `every`, as the
/// schedule runs the `jobs` function.
pub async fn jobs_forever(store: DynamoStore, files: shared::files::S3Files, every: Duration) {
    let worker = jobs::Worker::new(store, files);
    let mut timer = tokio::time::interval(every);
    loop {
        timer.tick().await;
        match worker.run(jiff::Timestamp::now()).await {
            Ok(report) if report.jobs > 0 => tracing::info!(?report, "jobs run"),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "jobs run failed"),
        }
    }
}
