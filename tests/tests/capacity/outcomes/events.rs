//! The events a delivery measurement hands the dispatcher function, and what it prices
//! them with: the fixtures under `tests/outcomes/` about a provider id, wrapped in SNS's
//! Lambda event, the accepting provider whose ids they are about, and the measurement of
//! one event, of the run that sends an email, and of the provider id's item.

use shared::domain::notify::Email;
use shared::notify::{EmailSender, SendError, SmsSender};
use shared::store::keys::{self, PK, SK};
use shared::store::NotificationStore;
use testkit::RequestCounter;

use crate::prices::notify_memory_gb;

use super::*;

/// us-east-1 list prices, per million.
const SNS_PUBLISH_PER_MILLION: f64 = 0.50;
const SNS_PUBLISH_BYTES: usize = 64 * 1024;

/// What a conditional write whose condition fails costs. DynamoDB bills it: the write
/// capacity of the item it was about, 1 WRU at the least (the delivery record here is
/// under 1 KB). The emulator's `ConditionalCheckFailedException`, like DynamoDB's, carries
/// no `ConsumedCapacity`, so the request counter measures 0 WRU for it; the price adds
/// what DynamoDB bills.
pub(super) const FAILED_CONDITIONAL_WRITE_WRU: f64 = 1.0;

/// A message id as SES gives one (60 characters): the provider id's item and the record
/// hold ids of the real length.
fn ses_message_id() -> String {
    let a = format!("{:032x}", ulid::Ulid::new().0);
    let b = format!("{:032x}", ulid::Ulid::new().0);
    format!(
        "0100{}-{}-{}-{}-{}-{}-000000",
        &a[20..],
        &b[..8],
        &b[8..12],
        &b[12..16],
        &b[16..20],
        &b[20..]
    )
}

/// Accepts every email and text with an SES-shaped id: the measurement is of the table,
/// not of a provider.
pub(super) struct Accepting;

impl EmailSender for Accepting {
    async fn send_email(&self, _: &str, _: &str, _: &Email) -> Result<String, SendError> {
        Ok(ses_message_id())
    }
}

impl SmsSender for Accepting {
    async fn send_sms(&self, _: Option<&str>, _: &str, _: &str) -> Result<String, SendError> {
        Ok(ses_message_id())
    }
}

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/../tests/outcomes/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The fixture's event about `provider_id`, as SNS delivers it to the function, and the
/// SNS message's size.
fn event_about(name: &str, provider_id: &str) -> (Value, usize) {
    let mut message = fixture(name);
    if message.get("mail").is_some() {
        message["mail"]["messageId"] = json!(provider_id);
    } else {
        message["messageId"] = json!(provider_id);
    }
    let message = message.to_string();
    let size = message.len();
    let mut event = fixture("sns-ses-delivery");
    event["Records"][0]["Sns"]["Message"] = json!(message);
    (event, size)
}

fn email_of(contact: &str) -> String {
    format!("contact-{}@clients.example", &contact[..8])
}

/// What one event cost, and DynamoDB's operations in order.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct EventCost {
    pub(super) table: Cost,
    pub(super) operations: Vec<String>,
}

/// Hands the fixture's event about `provider_id` to the function and prints what it cost;
/// `failed_writes` conditional writes of it fail (billed, not measured).
pub(super) async fn measure_event(
    stack: &TestStack,
    operation: &str,
    label: &str,
    fixture: &str,
    provider_id: &str,
    failed_writes: usize,
) -> (EventCost, notify::OutcomeReport) {
    let (event, message_bytes) = event_about(fixture, provider_id);
    let event = serde_json::from_value(event).unwrap();
    stack.requests.reset();
    let started = Instant::now();
    let report = notify::handle_outcomes(&stack.store, event).await.unwrap();
    let handler = started.elapsed();
    let cost = EventCost {
        table: Cost {
            requests: stack.requests.total(),
            rru: stack.requests.read_units(),
            wru: stack.requests.write_units(),
        },
        operations: stack.requests.operations(),
    };
    let billed_wru = cost.table.wru + failed_writes as f64 * FAILED_CONDITIONAL_WRITE_WRU;
    let sns = SNS_PUBLISH_PER_MILLION * message_bytes.div_ceil(SNS_PUBLISH_BYTES) as f64;
    let lambda = LAMBDA_REQUESTS_PER_MILLION
        + notify_memory_gb() * handler.as_secs_f64() * LAMBDA_ARM_PER_GB_SECOND * 1e6;
    let dynamodb = cost.table.rru * RRU_PER_MILLION + billed_wru * WRU_PER_MILLION;
    println!(
        "CAPACITY {operation} {label} requests={} rru={} wru={} billed_wru={billed_wru} handler_ms={:.1} usd_per_million={:.3} (sns={sns:.2} lambda={lambda:.3} dynamodb={dynamodb:.3})",
        cost.table.requests,
        cost.table.rru,
        cost.table.wru,
        handler.as_secs_f64() * 1e3,
        sns + lambda + dynamodb,
    );
    (cost, report)
}

/// The provider id each contact's newest email was sent with.
pub(super) async fn provider_id(stack: &TestStack, contact: &str) -> String {
    let (records, _) = stack
        .store
        .deliveries(&TenantId::from(TENANT), &general(CUSTOMER), None, 50)
        .await
        .unwrap();
    records
        .into_iter()
        .find(|r| r.address == email_of(contact))
        .and_then(|r| r.provider_message_id)
        .expect("an email sent to the contact")
}

pub(super) async fn contact(stack: &TestStack, id: &str) {
    seed::contact(&stack.store, TENANT, CUSTOMER, id, &email_of(id), None).await;
}

/// What an event with these operations and units costs, as asserted.
pub(super) fn expected(operations: &[&str], rru: f64, wru: f64) -> EventCost {
    EventCost {
        table: Cost {
            requests: operations.len(),
            rru,
            wru,
        },
        operations: operations.iter().map(|o| o.to_string()).collect(),
    }
}

/// The dispatcher's run at `at`, which emails one person: what it cost, printed as
/// `dispatch.one_email`, and its operations.
pub(super) async fn measure_one_email(
    stack: &TestStack,
    dispatcher: &notify::Dispatcher<DynamoStore, Accepting, Accepting>,
    label: &str,
    at: Timestamp,
) -> EventCost {
    stack.requests.reset();
    let started = Instant::now();
    let report = dispatcher.run(at).await.unwrap();
    let handler = started.elapsed();
    assert_eq!(report.sent, 1, "{report:?}");
    let one_email = EventCost {
        table: Cost {
            requests: stack.requests.total(),
            rru: stack.requests.read_units(),
            wru: stack.requests.write_units(),
        },
        operations: stack.requests.operations(),
    };
    println!(
        "CAPACITY dispatch.one_email {label} requests={} rru={} wru={} handler_ms={:.1} usd_per_million={:.3}",
        one_email.table.requests,
        one_email.table.rru,
        one_email.table.wru,
        handler.as_secs_f64() * 1e3,
        LAMBDA_REQUESTS_PER_MILLION
            + notify_memory_gb() * handler.as_secs_f64() * LAMBDA_ARM_PER_GB_SECOND * 1e6
            + one_email.table.rru * RRU_PER_MILLION
            + one_email.table.wru * WRU_PER_MILLION,
    );
    one_email
}

/// The provider id's item as the run put it, put again by a counted client: what its
/// PutItem costs, printed as `dispatch.sent_provider_id`.
pub(super) async fn measure_sent_item(stack: &TestStack, provider_id: &str, label: &str) -> Cost {
    let counter = RequestCounter::default();
    let client = testkit::dynamodb::client(&stack.endpoint, Some(&counter));
    let item = client
        .get_item()
        .table_name(stack.store.table())
        .key(
            PK,
            aws_sdk_dynamodb::types::AttributeValue::S(keys::sent_pk(provider_id)),
        )
        .key(
            SK,
            aws_sdk_dynamodb::types::AttributeValue::S(keys::SENT_SK.into()),
        )
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .expect("the run put the provider id's item");
    counter.reset();
    client
        .put_item()
        .table_name(stack.store.table())
        .set_item(Some(item))
        .send()
        .await
        .unwrap();
    let sent_item = Cost {
        requests: counter.total(),
        rru: counter.read_units(),
        wru: counter.write_units(),
    };
    println!(
        "CAPACITY dispatch.sent_provider_id {label} per=email requests={} rru={} wru={} usd_per_million={:.3}",
        sent_item.requests,
        sent_item.rru,
        sent_item.wru,
        sent_item.rru * RRU_PER_MILLION + sent_item.wru * WRU_PER_MILLION,
    );
    sent_item
}
