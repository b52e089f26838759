//! What each operation costs, measured with `ReturnConsumedCapacity: INDEXES` against the
//! embedded emulator (table and index units), with UUID-sized ids and 120-character
//! messages, in a conversation read by 2, 500 and 3,000 people, and asserted like request
//! counts. Each measurement prints one `CAPACITY` line with its price per million at
//! us-east-1 list prices (`make capacity`).

use shared::domain::ids::TenantId;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use shared::domain::directory::Contact;
use shared::domain::sms::{InboundSms, Provider};
use shared::domain::{now_rfc3339, Settings, Side};
use shared::settings_cache::SettingsCache;
use shared::store::{DirectoryStore, DueStore, DynamoStore, MessageStore, Reader, Settlement};
use shared::App;
use testkit::app::customer_thread;
use testkit::app::{general, open_conversation};
use testkit::{read_response, seed, ApiEvent, Claims, TestStack};

/// The list prices and the functions' memory sizes the lines are priced with, and the
/// measurement that prints a priced line.
mod prices;
use prices::{
    measure, measure_as, memory_gb, Cost, LAMBDA_ARM_PER_GB_SECOND, LAMBDA_REQUESTS_PER_MILLION,
    RRU_PER_MILLION, WRU_PER_MILLION,
};

const TENANT: &str = "7d3f5c2e-1b4a-4c8e-9f0d-2a6b8c4e1f3a";
const CUSTOMER: &str = "5e8a1c3d-7f2b-4d6e-8a9c-0b1d3f5e7a9c";
const CONTACT: &str = "c4b2a8e6-3d1f-4a7c-9e5b-1f3d5b7a9c2e";
const STAFF: &str = "a1c3e5f7-9b2d-4f6a-8c0e-2b4d6f8a0c1e";
const CONTACT_PHONE: &str = "+15550142001";
const TENANT_NUMBER: &str = "+15550142999";
/// Conversations in the tenant besides the measured one: the badge's 1,000.
const OTHER_CONVERSATIONS: usize = 999;

fn text() -> String {
    "Bella is ready for pick-up; please bring her lead and the medication list we discussed at this morning's appointment. "
        .chars()
        .cycle()
        .take(120)
        .collect()
}

fn customer() -> Claims {
    Claims::customer(TENANT, CONTACT, CUSTOMER)
}

fn staff() -> Claims {
    Claims::staff(TENANT, STAFF)
}

/// What every operation cost in one conversation.
#[derive(Debug)]
struct Costs {
    send: Cost,
    send_with_key: Cost,
    mark_read: Cost,
    thread_page: Cost,
    activity_page: Cost,
    badge: Cost,
    badge_unchanged: Cost,
    sms_inbound: Cost,
    dispatch_settle: Cost,
}

/// An inbound-SMS container of the stack.
fn inbound(stack: &TestStack) -> sms_inbound::Inbound<DynamoStore> {
    sms_inbound::Inbound::new(
        stack.store.clone(),
        &sms_inbound::InboundConfig {
            table_name: stack.store.table().to_owned(),
            settings_ttl: Duration::from_secs(30),
            webhook: None,
        },
        Arc::new(SettingsCache::new(Duration::from_secs(30))),
    )
}

/// A text from the contact's phone to the tenant's number.
fn text_from_contact(sid: &str) -> InboundSms {
    InboundSms {
        provider: Provider::Twilio,
        provider_message_id: sid.to_owned(),
        from: CONTACT_PHONE.into(),
        to: TENANT_NUMBER.into(),
        body: text(),
        received_at: shared::domain::now_rfc3339(),
    }
}

/// The badge measured as `operation`, then asked again with its ETag (a 304) as
/// `{operation}_unchanged`: both costs, and the first answer's body.
async fn measure_badge(
    stack: &TestStack,
    app: &App<DynamoStore>,
    operation: &str,
    label: &str,
    unread: ApiEvent,
) -> (Cost, Value, Cost) {
    let (badge, response) = measure_as(stack, operation, label, true, async {
        activity::handle(app, unread.request()).await
    })
    .await;
    let tag = response.headers()["etag"].to_str().unwrap().to_owned();
    let (status, body) = read_response(response);
    assert_eq!(status, 200, "{body}");
    let unchanged = unread.clone().header("If-None-Match", &tag);
    let operation = format!("{operation}_unchanged");
    let (unchanged, response) = measure_as(stack, &operation, label, true, async {
        activity::handle(app, unchanged.request()).await
    })
    .await;
    assert_eq!(response.status(), 304);
    (badge, body, unchanged)
}

/// A text from the contact received by a warm container (it knows the number's tenant).
async fn measure_sms_inbound(stack: &TestStack, label: &str) -> Cost {
    let inbound = inbound(stack);
    inbound
        .receive(&text_from_contact("SM-warm"))
        .await
        .unwrap();
    let (cost, received) = measure_as(stack, "sms_inbound", label, true, async {
        inbound.receive(&text_from_contact("SM-measured")).await
    })
    .await;
    received.unwrap();
    cost
}

async fn post(app: &App<DynamoStore>, claims: &Claims, key: Option<&str>) -> Value {
    let mut event = ApiEvent::new("POST", "/messages")
        .claims(claims)
        .json(json!({"customer_id": CUSTOMER, "message": text()}));
    if let Some(key) = key {
        event = event.header("Idempotency-Key", key);
    }
    let (status, body) = read_response(send::handle(app, event.request()).await);
    assert_eq!(status, 201, "{body}");
    body
}

async fn directory(stack: &TestStack) {
    let settings = Settings {
        sms_numbers: vec![TENANT_NUMBER.into()],
        ..Settings::default()
    };
    stack.set_settings(TENANT, &settings).await;
    let now = now_rfc3339();
    let contact = Contact {
        customer_id: CUSTOMER.into(),
        contact_id: CONTACT.into(),
        name: "Casey Lee".into(),
        email: None,
        phone: Some(CONTACT_PHONE.into()),
        email_opt_in: false,
        sms_opt_in: true,
        created_at: now.clone(),
        updated_at: now,
    };
    stack
        .store
        .put_contact(&TenantId::from(TENANT), &contact)
        .await
        .unwrap();
    seed::conversations(&stack.store, TENANT, "other-", OTHER_CONVERSATIONS).await;
}

/// A conversation read by `readers` staff members, 20 messages long, in a tenant of 1,000
/// conversations; then every operation once, warm (settings cached, as in a container
/// that served a request before).
async fn costs(readers: usize) -> Costs {
    let stack = TestStack::start().await;
    directory(&stack).await;
    let app = stack.app();
    post(&app, &customer(), None).await;
    for i in 0..readers {
        let reader = Reader {
            side: Side::Staff,
            user_id: format!("{i:08}-0000-4000-8000-000000000000"),
        };
        stack
            .store
            .mark_read(&TenantId::from(TENANT), &general(CUSTOMER), &reader, None)
            .await
            .unwrap();
    }
    for _ in 0..20 {
        post(&app, &staff(), None).await;
    }

    let (send, _) = measure(&stack, "send", readers, true, post(&app, &staff(), None)).await;
    let (send_with_key, _) = measure(
        &stack,
        "send_with_key",
        readers,
        true,
        post(
            &app,
            &customer(),
            Some("0b6e2f8a-4c1d-4e7b-9a3f-5d2c8e1b7a4f"),
        ),
    )
    .await;

    let page = customer_thread(&customer(), CUSTOMER);
    let (thread_page, (status, body)) = measure(&stack, "thread_page", readers, true, async {
        read_response(thread::handle(&app, page.request()).await)
    })
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["messages"].as_array().map(Vec::len), Some(20));

    // Staff read the customer's newest message: the staff side's receipt moves too.
    let read = ApiEvent::new("POST", "/messages/read")
        .claims(&staff())
        .json(json!({"customer_id": CUSTOMER}));
    let (mark_read, (status, body)) = measure(&stack, "mark_read", readers, true, async {
        read_response(mark_read::handle(&app, read.request()).await)
    })
    .await;
    assert_eq!((status, body["unread_count"].as_u64()), (200, Some(0)));

    let feed = ApiEvent::new("GET", "/messages/activity").claims(&staff());
    let (activity_page, (status, body)) = measure(&stack, "activity_page", readers, true, async {
        read_response(activity::handle(&app, feed.request()).await)
    })
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["conversations"].as_array().map(Vec::len), Some(20));

    let unread = ApiEvent::new("GET", "/messages/unread").claims(&staff());
    let label = format!("readers={readers}");
    let (badge, body, badge_unchanged) = measure_badge(&stack, &app, "badge", &label, unread).await;
    assert_eq!(body["capped"], false, "the badge covers all 1,000");

    let sms_inbound = measure_sms_inbound(&stack, &label).await;

    let header = stack
        .store
        .conversation(&TenantId::from(TENANT), &general(CUSTOMER))
        .await
        .unwrap()
        .unwrap();
    let pending = header.due.expect("messages left a notification pending");
    let mut due = Vec::new();
    for shard in 0..shared::store::keys::DUE_SHARDS {
        due.extend(
            stack
                .store
                .due(shard, &pending.due_at, 100, None)
                .await
                .unwrap()
                .passes,
        );
    }
    let due = due
        .into_iter()
        .find(|d| d.conversation == general(CUSTOMER))
        .expect("the conversation is due");
    let last = header.last_message_id.unwrap();
    let (dispatch_settle, settled) = measure(&stack, "dispatch_settle", readers, false, async {
        stack
            .store
            .settle(
                &TenantId::from(TENANT),
                &due,
                &last,
                &Settlement::Done,
                &pending.due_at,
            )
            .await
    })
    .await;
    settled.unwrap();

    Costs {
        send,
        send_with_key,
        mark_read,
        thread_page,
        activity_page,
        badge,
        badge_unchanged,
        sms_inbound,
        dispatch_settle,
    }
}

/// A send's write units: the header and the message (2 each, transactional), and the
/// conversation's entries on the tenant feed (`gsi1`) and on its account's feed (`gsi4`),
/// each moved (a delete and a put, 1 each); a notification pass that starts adds its
/// `gsi3` entry (1). The account's feed is what keeps a customer's page, badge and
/// inbound text flat however many conversations the account has: 2 more than the 7 the
/// spec's table gives.
pub const SEND_WRU: f64 = 8.0;

/// The budgets of the storage design (`shared/src/store/keys/mod.rs`).
fn assert_within_budgets(costs: &Costs) {
    let within = |name: &str, cost: &Cost, requests: usize, rru: f64, wru: f64| {
        assert!(
            cost.requests <= requests && cost.rru <= rru && cost.wru <= wru,
            "{name}: {cost:?} is over {requests} requests, {rru} RRU, {wru} WRU"
        );
    };
    within("send", &costs.send, 1, 0.0, SEND_WRU);
    within(
        "send_with_key",
        &costs.send_with_key,
        1,
        0.0,
        SEND_WRU + 2.0,
    );
    // The position's write is conditional (it only moves forward), so it and the read
    // clock are two UpdateItems where one BatchWriteItem took both.
    within("mark_read", &costs.mark_read, 3, 0.0, 3.0);
    within("thread_page", &costs.thread_page, 2, 5.0, 0.0);
    within("activity_page", &costs.activity_page, 2, 12.0, 0.0);
    within("badge", &costs.badge, 4, 80.0, 0.0);
    within("badge_unchanged", &costs.badge_unchanged, 2, 2.0, 0.0);
    within("sms_inbound", &costs.sms_inbound, 4, 5.0, 10.0);
    within("dispatch_settle", &costs.dispatch_settle, 1, 0.0, 2.0);
}

/// What depends on how many people read the conversation: nothing.
fn assert_same_whoever_read(few: &Costs, many: &Costs) {
    assert_eq!(few.send, many.send);
    assert_eq!(few.send_with_key, many.send_with_key);
    assert_eq!(few.mark_read, many.mark_read);
    assert_eq!(few.thread_page, many.thread_page);
    assert_eq!(few.sms_inbound, many.sms_inbound);
    assert_eq!(few.dispatch_settle, many.dispatch_settle);
}

/// Also the crowd: 3,000 people read the conversation, then a send and a mark read
/// cost what they cost in a conversation read by two.
#[tokio::test]
async fn every_operation_stays_within_its_budget_however_many_read() {
    // Boxed: every handler's future in one test's would crowd a test thread's stack.
    let few = Box::pin(costs(2)).await;
    assert_within_budgets(&few);
    for readers in [500, 3_000] {
        let many = Box::pin(costs(readers)).await;
        assert_within_budgets(&many);
        assert_same_whoever_read(&few, &many);
    }
}

/// Opening and closing an order's conversation, by a container that has the settings.
mod conversations;

/// A send that replaces its side's last sender.
mod senders;

/// The dispatcher and `read_by` at a small and a large staff directory.
mod directory;

/// The same operations for a large account, a vendor in thousands of orders and a busy
/// tenant as for a small one.
mod scale;

mod badge;

/// Editing and deleting a sent message.
mod changes;

/// Directory search at 30 and 30,000 accounts.
mod search;

/// Starting an export or erasure of a person's data, and reading the job.
mod person;

/// Events from the stream: published, delivered to webhooks, retried.
mod stream_events;

/// Replies by email: stored as a message or kept for admins.
mod replies;

/// What reply addresses add to the dispatcher.
mod reply_addresses;

mod outcomes;
