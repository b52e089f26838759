//! What `make dev` runs beside the API: the notification dispatcher on a timer, and a
//! demo tenant with a contact and a staff member who have email addresses, so that a
//! notification shows up in moto (`/moto-api/data.json`) without any setup.

use shared::domain::ids::{CustomerId, TenantId, UserId};
use std::time::Duration;

use shared::domain::directory::{Contact, StaffProfile};
use shared::domain::grant::Grant;
use shared::domain::{now_rfc3339, Role, Settings};
use shared::notify::SesEmail;
use shared::store::{DirectoryStore, DynamoStore, GrantStore, SettingsStore};

pub const DEMO_TENANT: &str = "demo";
const DEMO_DOMAIN: &str = "demo.example";
/// The demo tenant's SMS number (texts to it are the demo tenant's).
pub const DEMO_SMS_NUMBER: &str = "+15550100999";
pub const DEMO_CONTACT_PHONE: &str = "+15550100001";

/// Creates the demo tenant's directory and settings where they are missing.
pub async fn seed(store: &DynamoStore) -> Result<(), String> {
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
            portal_base_url: Some("http://localhost:3000".into()),
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
            &CustomerId::from("demo-customer"),
            &UserId::from("demo-contact"),
        )
        .await
        .map_err(err)?
        .is_none()
    {
        let contact = Contact {
            customer_id: "demo-customer".into(),
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
pub async fn dispatch_forever(store: DynamoStore, every: Duration) {
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
    );
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
