//! Filler for request-budget tests: items shaped like the real ones, written straight to
//! the table in batches, so that a budget is asserted against a table that is not empty.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use shared::domain::ids::TenantId;
use shared::domain::{ConversationId, Subject};
use shared::store::keys;
use shared::store::DynamoStore;

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

async fn write_all(store: &DynamoStore, items: Vec<HashMap<String, AttributeValue>>) {
    for chunk in items.chunks(25) {
        let mut requests: Vec<WriteRequest> = chunk
            .iter()
            .map(|item| {
                WriteRequest::builder()
                    .put_request(
                        PutRequest::builder()
                            .set_item(Some(item.clone()))
                            .build()
                            .expect("a put request with an item"),
                    )
                    .build()
            })
            .collect();
        while !requests.is_empty() {
            let output = store
                .client()
                .batch_write_item()
                .request_items(store.table(), requests)
                .send()
                .await
                .expect("the seed batch is written");
            requests = output
                .unprocessed_items
                .and_then(|mut left| left.remove(store.table()))
                .unwrap_or_default();
        }
    }
}

/// A conversation header of `customer`'s general thread with one customer message.
fn header(tenant: &str, customer: &str, last_message_id: &str) -> HashMap<String, AttributeValue> {
    header_of(
        tenant,
        &ConversationId::new(customer, Subject::General),
        last_message_id,
    )
}

/// A conversation header with one customer message and one staff reply.
fn header_of(
    tenant: &str,
    conversation: &ConversationId,
    last_message_id: &str,
) -> HashMap<String, AttributeValue> {
    let customer = conversation.customer_id.as_str();
    HashMap::from([
        (
            keys::PK.into(),
            s(keys::conversation_pk(tenant, conversation)),
        ),
        (keys::SK.into(), s(keys::HEADER_SK)),
        ("status".into(), s("open")),
        ("created_at".into(), s("2026-01-01T00:00:00.000Z")),
        ("last_message_at".into(), s("2026-01-01T00:00:00.000Z")),
        ("last_excerpt".into(), s("Is Bella due for her shots?")),
        ("last_sender_type".into(), s("customer")),
        ("last_sender_name".into(), s("A pet owner")),
        ("message_count".into(), n(1)),
        ("n_customer".into(), n(1)),
        ("n_staff".into(), n(0)),
        (keys::GSI1_PK.into(), s(keys::tenant_feed_pk(tenant))),
        (keys::GSI1_SK.into(), s(last_message_id)),
        (
            keys::GSI2_PK.into(),
            s(keys::customer_feed_pk(tenant, customer)),
        ),
    ])
}

/// `count` order conversations of `customer` (`order:{prefix}{i}`), closed, each with a
/// customer message, all older than anything sent afterwards, and read to the end by
/// each of `readers` (side letter and user id): an account's, or a vendor's, history.
pub async fn order_history(
    store: &DynamoStore,
    tenant: &str,
    customer: &str,
    prefix: &str,
    count: usize,
    readers: &[(shared::domain::Side, &str)],
) {
    let mut items = Vec::with_capacity(count * (1 + readers.len()));
    for i in 0..count {
        let conversation =
            ConversationId::new(customer, Subject::Order(format!("{prefix}{i}").into()));
        let id = old_message_id(i);
        let mut header = header_of(tenant, &conversation, &id);
        header.insert("status".into(), s("closed"));
        items.push(header);
        for (side, user) in readers {
            items.push(HashMap::from([
                (keys::PK.into(), s(keys::reader_pk(tenant, *side, user))),
                (keys::SK.into(), s(keys::reader_sk(&conversation))),
                ("up_to".into(), s(&id)),
                ("seen".into(), n(1)),
                ("at".into(), s("2026-01-01T00:00:01.000Z")),
            ]));
        }
    }
    write_all(store, items).await;
}

/// `count` general threads of customers `{prefix}{i}`, each with one customer message
/// newer than anything sent before now (an hour ahead): a busy tenant's newest.
pub async fn newer_conversations(store: &DynamoStore, tenant: &str, prefix: &str, count: usize) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let base = now + 3_600_000;
    let items = (0..count)
        .map(|i| {
            let id = ulid::Ulid::from_parts(base + i as u64, i as u128).to_string();
            header(tenant, &format!("{prefix}{i}"), &id)
        })
        .collect();
    write_all(store, items).await;
}

/// Message ids older than anything a test sends now, in order.
fn old_message_id(i: usize) -> String {
    ulid::Ulid::from_parts(1_700_000_000_000 + i as u64, i as u128).to_string()
}

/// `count` items that belong to other tenants: conversation headers (in those tenants'
/// feeds) and messages.
pub async fn other_tenants(store: &DynamoStore, count: usize) {
    let items = (0..count)
        .map(|i| {
            let tenant = format!("other-{}", i % 7);
            let id = old_message_id(i);
            if i % 2 == 0 {
                header(&tenant, &format!("cust-{i}"), &id)
            } else {
                let conversation = ConversationId::new(format!("cust-{i}"), Subject::General);
                HashMap::from([
                    (
                        keys::PK.into(),
                        s(keys::conversation_pk(&tenant, &conversation)),
                    ),
                    (keys::SK.into(), s(keys::message_sk(&id))),
                    ("id".into(), s(&id)),
                    ("message".into(), s("unrelated")),
                ])
            }
        })
        .collect();
    write_all(store, items).await;
}

/// `count` general threads in `tenant`, one per customer `{prefix}{i}`, each with one
/// unread customer message, all older than anything sent afterwards.
pub async fn conversations(store: &DynamoStore, tenant: &str, prefix: &str, count: usize) {
    let items = (0..count)
        .map(|i| header(tenant, &format!("{prefix}{i}"), &old_message_id(i)))
        .collect();
    write_all(store, items).await;
}

/// A contact of a customer account, opted in to email (and to SMS when given a phone).
pub async fn contact(
    store: &DynamoStore,
    tenant: &str,
    customer: &str,
    id: &str,
    email: &str,
    phone: Option<&str>,
) {
    use shared::store::DirectoryStore;
    let now = shared::domain::now_rfc3339();
    let contact = shared::domain::directory::Contact {
        customer_id: customer.into(),
        contact_id: id.into(),
        name: format!("Contact {id}"),
        email: Some(email.into()),
        phone: phone.map(str::to_owned),
        email_opt_in: true,
        sms_opt_in: phone.is_some(),
        created_at: now.clone(),
        updated_at: now,
    };
    store
        .put_contact(&TenantId::from(tenant), &contact)
        .await
        .expect("the contact is saved");
}

/// Registers a patient of a customer account, as the host application would.
pub async fn patient(store: &DynamoStore, tenant: &str, customer: &str, id: &str) {
    use shared::store::PatientStore;
    let now = shared::domain::now_rfc3339();
    let patient = shared::domain::directory::Patient {
        customer_id: customer.into(),
        patient_id: id.into(),
        name: format!("Patient {id}"),
        created_at: now.clone(),
        updated_at: now,
    };
    store
        .put_patient(&TenantId::from(tenant), &patient)
        .await
        .expect("the patient is registered");
}

/// A marketplace vendor: a basic staff profile without email, named `Vendor {user}`.
pub async fn vendor(store: &DynamoStore, tenant: &str, user: &str) {
    let name = format!("Vendor {user}");
    staff(
        store,
        tenant,
        user,
        &name,
        shared::domain::Role::BasicStaff,
        None,
    )
    .await;
}

/// A staff profile; with an `email`, they want email notifications.
pub async fn staff(
    store: &DynamoStore,
    tenant: &str,
    user: &str,
    name: &str,
    role: shared::domain::Role,
    email: Option<&str>,
) {
    use shared::store::DirectoryStore;
    let now = shared::domain::now_rfc3339();
    let profile = shared::domain::directory::StaffProfile {
        user_id: user.into(),
        name: name.into(),
        email: email.map(str::to_owned),
        email_notifications: email.is_some(),
        role,
        created_at: now.clone(),
        updated_at: now,
    };
    store
        .put_staff(&TenantId::from(tenant), &profile)
        .await
        .expect("the profile is saved");
}

/// `count` customer accounts of one contact each, `Bella Surname{i}` (fixed width, so
/// every account's entries are the same size), with their directory search entries as
/// the contact's transaction writes them; ids UUID-sized.
pub async fn searchable_accounts(store: &DynamoStore, tenant: &str, count: usize) {
    let mut items = Vec::with_capacity(count * 3);
    for i in 0..count {
        let contact = shared::domain::directory::Contact {
            customer_id: format!("{i:08}-cccc-4000-8000-000000000000"),
            contact_id: format!("{i:08}-0000-4000-8000-000000000000"),
            name: format!("Bella Surname{i:05}"),
            email: None,
            phone: None,
            email_opt_in: false,
            sms_opt_in: false,
            created_at: "2026-01-01T00:00:00.000Z".into(),
            updated_at: "2026-01-01T00:00:00.000Z".into(),
        };
        items.extend(
            store
                .contact_search_items(tenant, &contact)
                .expect("a contact's entries"),
        );
    }
    write_all(store, items).await;
}

/// An enabled webhook endpoint of `tenant` at `url` for `types` (none: all), stored as
/// the webhooks API stores one; its secret is in it.
pub async fn webhook_endpoint(
    store: &DynamoStore,
    tenant: &str,
    url: &str,
    types: &[shared::domain::webhooks::EventType],
) -> shared::domain::webhooks::Endpoint {
    use shared::store::WebhookStore;
    let now = shared::domain::now_rfc3339();
    let endpoint = shared::domain::webhooks::Endpoint {
        id: format!("wh_{}", ulid::Ulid::new()),
        url: url.to_owned(),
        description: None,
        event_types: types.to_vec(),
        status: shared::domain::webhooks::EndpointStatus::Enabled,
        disabled_reason: None,
        disabled_at: None,
        failing_since: None,
        secret: shared::outbound::new_secret(),
        previous_secret: None,
        previous_secret_expires_at: None,
        created_at: now.clone(),
        updated_at: now,
    };
    store
        .create_endpoint(&TenantId::from(tenant), &endpoint)
        .await
        .expect("the endpoint is stored");
    endpoint
}
