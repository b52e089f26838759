//! Replies by email: what a reply costs from SES's receipt to the stored message, and
//! kept for admins when its address was revoked (what reply addresses add to the
//! dispatcher is in `reply_addresses`). A reply is measured as SES hands it over (the raw
//! message in moto's S3 under `inbound/`, then the receipt event), by a warm container,
//! in an account of 1 and of 500 conversations in a tenant of 5 and of 3,000 staff
//! profiles: the large costs what the small does.
//!
//! Each reply's line prices, per million replies at us-east-1 list prices:
//! - SES receiving: $0.10 per 1,000 mails ($100/M) and $0.09 per 1,000 incoming 256 KB
//!   chunks ($90/M; one chunk for a reply of up to 256 KB, as every one here);
//! - S3: the receipt rule's PUT of the raw message ($5.00/M PUT), the function's GET of it
//!   ($0.40/M GET) and a PUT per attachment kept;
//! - Lambda: the request ($0.20/M) and the handler's time at EmailInboundFunction's
//!   memory in infra/template.yaml (256 MB, arm64);
//! - DynamoDB on demand: $0.125/M RRU, $0.625/M WRU.
//!
//! Left out: storing the raw message until the bucket's lifecycle deletes it (cents a
//! month per million small replies), data transfer and logs.
//!
//! The raw message comes from moto's S3: `make capacity` starts moto; without it
//! (`AWS_ENDPOINT_URL` unset) the reply lines are skipped with a note (the dispatcher's
//! in `reply_addresses` need no moto).

use std::sync::Mutex;

use email_inbound::{handle_event, receipt, Handled, Replies};
use shared::domain::directory::StaffProfile;
use shared::domain::notify::Email;
use shared::domain::Role;
use shared::notify::{EmailSender, SendError, SmsSender};
use shared::store::{reply_address, ReplyStore, UnmatchedReason};

use super::prices::inbound_memory_gb;
use super::*;

pub(super) const REPLY_DOMAIN: &str = "reply.oakvets.example";
pub(super) const FROM: &str = "notify@oakvets.example";
/// gmail-reply.eml's and with-attachment.eml's sender: the contact.
const CONTACT_EMAIL: &str = "anna.berg@gmail.com";
pub(super) const STAFF_EMAIL: &str = "vet@oakvets.example";

/// us-east-1 list prices, per million.
const SES_MAILS_PER_MILLION: f64 = 100.0;
const SES_CHUNKS_PER_MILLION: f64 = 90.0;
const SES_CHUNK_BYTES: usize = 256 * 1024;
const S3_GET_PER_MILLION: f64 = 0.40;
const S3_PUT_PER_MILLION: f64 = 5.00;

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/email/",
            $name,
            ".eml"
        ))
        .as_slice()
    };
}

/// Accepts every email and text, keeping each email's reply address: the measurement is
/// of the table, not of a provider.
#[derive(Default)]
pub(super) struct Accepting {
    pub(super) reply_to: Mutex<Vec<Option<String>>>,
}

impl EmailSender for Accepting {
    async fn send_email(&self, _: &str, _: &str, email: &Email) -> Result<String, SendError> {
        self.reply_to.lock().unwrap().push(email.reply_to.clone());
        Ok(ulid::Ulid::new().to_string())
    }
}

impl SmsSender for Accepting {
    async fn send_sms(&self, _: Option<&str>, _: &str, _: &str) -> Result<String, SendError> {
        Ok(ulid::Ulid::new().to_string())
    }
}

/// `raw` with its Message-ID (and, when given, its From) replaced: the same client's
/// next mail.
fn mail(raw: &[u8], message_id: &str, from: Option<&str>) -> Vec<u8> {
    let text = String::from_utf8_lossy(raw);
    let (mut id_done, mut from_done) = (false, from.is_none());
    let lines: Vec<String> = text
        .split("\r\n")
        .flat_map(|l| l.split('\n'))
        .map(|line| {
            let lower = line.to_ascii_lowercase();
            if !id_done && lower.starts_with("message-id:") {
                id_done = true;
                format!("Message-ID: <{message_id}@mail.gmail.com>")
            } else if !from_done && lower.starts_with("from:") {
                from_done = true;
                format!("From: Someone <{}>", from.unwrap_or_default())
            } else {
                line.to_owned()
            }
        })
        .collect();
    lines.join("\r\n").into_bytes()
}

/// The reply as SES's receipt rule hands it over: the raw message stored under
/// `inbound/` (its S3 action), then the event its Lambda action sends.
async fn delivered(files: &shared::files::S3Files, raw: &[u8], from: &str, token: &str) -> Value {
    let id = ulid::Ulid::new().to_string().to_lowercase();
    files
        .put(
            &format!("{}{id}", email_inbound::INBOUND_PREFIX),
            "message/rfc822",
            raw.to_vec(),
        )
        .await
        .unwrap();
    receipt::local_event(
        from,
        &[reply_address(token, REPLY_DOMAIN)],
        raw,
        &id,
        &now_rfc3339(),
    )
}

/// What one reply cost, beside DynamoDB's requests and units.
#[derive(Debug, Clone, PartialEq)]
struct ReplyCost {
    table: Cost,
    /// DynamoDB's operations, in order.
    operations: Vec<String>,
    s3_gets: usize,
    s3_puts: usize,
}

/// Hands one delivered reply to the function and prints what it cost: `s3_put` counts
/// the receipt rule's PUT of `raw` (made before the function runs) with the function's
/// own, and the price includes it (see the module's comment).
async fn measure_reply(
    stack: &TestStack,
    replies: &Replies<DynamoStore, Accepting>,
    operation: &str,
    label: &str,
    raw: &[u8],
    event: Value,
) -> (ReplyCost, Handled) {
    stack.requests.reset();
    stack.s3_requests.reset();
    let started = Instant::now();
    let mut handled = handle_event(replies, event).await.unwrap();
    let handler = started.elapsed();
    assert_eq!(handled.len(), 1);
    let cost = ReplyCost {
        table: Cost {
            requests: stack.requests.total(),
            rru: stack.requests.read_units(),
            wru: stack.requests.write_units(),
        },
        operations: stack.requests.operations(),
        s3_gets: stack.s3_requests.count("GetObject"),
        s3_puts: stack.s3_requests.count("PutObject"),
    };
    assert_eq!(stack.s3_requests.total(), cost.s3_gets + cost.s3_puts);
    let ses =
        SES_MAILS_PER_MILLION + SES_CHUNKS_PER_MILLION * raw.len().div_ceil(SES_CHUNK_BYTES) as f64;
    let s3 =
        S3_PUT_PER_MILLION * (1 + cost.s3_puts) as f64 + S3_GET_PER_MILLION * cost.s3_gets as f64;
    let lambda = LAMBDA_REQUESTS_PER_MILLION
        + inbound_memory_gb() * handler.as_secs_f64() * LAMBDA_ARM_PER_GB_SECOND * 1e6;
    let dynamodb = cost.table.rru * RRU_PER_MILLION + cost.table.wru * WRU_PER_MILLION;
    println!(
        "CAPACITY {operation} {label} requests={} rru={} wru={} s3_get={} s3_put={} handler_ms={:.1} usd_per_million={:.3} (ses={ses:.0} s3={s3:.2} lambda={lambda:.3} dynamodb={dynamodb:.3})",
        cost.table.requests,
        cost.table.rru,
        cost.table.wru,
        cost.s3_gets,
        1 + cost.s3_puts,
        handler.as_secs_f64() * 1e3,
        ses + s3 + lambda + dynamodb,
    );
    (cost, handled.remove(0))
}

/// A staff profile with an email address.
pub(super) fn profile(user_id: &str, email: &str) -> StaffProfile {
    let now = now_rfc3339();
    StaffProfile {
        user_id: user_id.into(),
        name: format!("Staff {user_id}"),
        email: Some(email.into()),
        email_notifications: true,
        role: Role::Staff,
        created_at: now.clone(),
        updated_at: now,
    }
}

/// The tenant's settings, the contact at the reply fixtures' address, the staff member
/// and `profiles - 1` colleagues, and `conversations - 1` closed orders of the account
/// the contact read.
async fn clinic(stack: &TestStack, conversations: usize, profiles: usize) {
    let settings = Settings {
        business_name: Some("Oak Vets".into()),
        portal_base_url: Some("https://portal.oakvets.example".into()),
        ..Settings::default()
    };
    stack.set_settings(TENANT, &settings).await;
    let tenant = TenantId::from(TENANT);
    let contact = Contact {
        customer_id: CUSTOMER.into(),
        contact_id: CONTACT.into(),
        name: "Anna Berg".into(),
        email: Some(CONTACT_EMAIL.into()),
        phone: None,
        email_opt_in: true,
        sms_opt_in: false,
        created_at: now_rfc3339(),
        updated_at: now_rfc3339(),
    };
    stack.store.put_contact(&tenant, &contact).await.unwrap();
    stack
        .store
        .put_staff(&tenant, &profile(STAFF, STAFF_EMAIL))
        .await
        .unwrap();
    for i in 1..profiles {
        let id = format!("{i:08}-1111-4000-8000-000000000000");
        let email = format!("staff-{i}@oakvets.example");
        stack
            .store
            .put_staff(&tenant, &profile(&id, &email))
            .await
            .unwrap();
    }
    let readers = [(Side::Customer, CONTACT)];
    seed::order_history(
        &stack.store,
        TENANT,
        CUSTOMER,
        "h",
        conversations - 1,
        &readers,
    )
    .await;
}

async fn token(stack: &TestStack, side: Side, user: &str, address: &str) -> String {
    let reader = Reader {
        side,
        user_id: user.into(),
    };
    stack
        .store
        .issue_reply_token(
            &TenantId::from(TENANT),
            &general(CUSTOMER),
            &reader,
            address,
            &now_rfc3339(),
        )
        .await
        .unwrap()
}

/// What a contact's reply, one with an attachment, a staff member's reply and a reply to
/// a revoked address cost at this size.
struct Measured {
    text: ReplyCost,
    attachment: ReplyCost,
    staff: ReplyCost,
    revoked: ReplyCost,
}

async fn reply_costs(conversations: usize, profiles: usize) -> Option<Measured> {
    let stack = TestStack::start().await;
    let Some(files) = stack.files.clone() else {
        println!(
            "note: the email reply lines need moto's S3 (AWS_ENDPOINT_URL unset): skipped; make capacity starts moto"
        );
        return None;
    };
    clinic(&stack, conversations, profiles).await;
    let app = stack.app();
    let replies = Replies::new(stack.app(), files.clone(), Accepting::default(), FROM)
        .with_reply_domain(Some(REPLY_DOMAIN.into()));
    let contact_token = token(&stack, Side::Customer, CONTACT, CONTACT_EMAIL).await;
    let staff_token = token(&stack, Side::Staff, STAFF, STAFF_EMAIL).await;
    let label = format!("conversations={conversations} staff={profiles}");

    // A warm container (settings cached): it took a reply before.
    post(&app, &staff(), None).await;
    let raw = mail(fixture!("gmail-reply"), "warm", None);
    let event = delivered(&files, &raw, CONTACT_EMAIL, &contact_token).await;
    assert_eq!(
        handle_event(&replies, event).await.unwrap(),
        [Handled::Message]
    );

    // The contact answers the staff member's message, by email.
    post(&app, &staff(), None).await;
    let raw = mail(fixture!("gmail-reply"), "text", None);
    let event = delivered(&files, &raw, CONTACT_EMAIL, &contact_token).await;
    let (text, handled) =
        measure_reply(&stack, &replies, "email_reply.message", &label, &raw, event).await;
    assert_eq!(handled, Handled::Message);

    post(&app, &staff(), None).await;
    let raw = mail(fixture!("with-attachment"), "attachment", None);
    let event = delivered(&files, &raw, CONTACT_EMAIL, &contact_token).await;
    let operation = "email_reply.message_with_attachment";
    let (attachment, handled) =
        measure_reply(&stack, &replies, operation, &label, &raw, event).await;
    assert_eq!(handled, Handled::Message);

    // The staff member answers the contact, by email.
    post(&app, &customer(), None).await;
    let raw = mail(fixture!("gmail-reply"), "staff", Some(STAFF_EMAIL));
    let event = delivered(&files, &raw, STAFF_EMAIL, &staff_token).await;
    let operation = "email_reply.staff_message";
    let (staff_reply, handled) =
        measure_reply(&stack, &replies, operation, &label, &raw, event).await;
    assert_eq!(handled, Handled::Message);

    // The contact's address revoked: the reply is kept for admins, not answered.
    assert!(stack
        .store
        .revoke_reply_token(&contact_token, &now_rfc3339())
        .await
        .unwrap());
    let raw = mail(fixture!("gmail-reply"), "revoked", None);
    let event = delivered(&files, &raw, CONTACT_EMAIL, &contact_token).await;
    let operation = "email_reply.kept_for_admins";
    let (revoked, handled) = measure_reply(&stack, &replies, operation, &label, &raw, event).await;
    assert_eq!(
        handled,
        Handled::Unmatched {
            reason: UnmatchedReason::RevokedAddress,
            answered: false
        }
    );
    Some(Measured {
        text,
        attachment,
        staff: staff_reply,
        revoked,
    })
}

/// A reply reads its token, its sender (the contact by key, or the staff member's
/// profile partition) and the thread's gate, then writes the message in one transaction;
/// an attachment adds its upload's PutItem (the transaction takes it) and its S3 PUT; a
/// reply to a revoked address reads the token and sender and writes the admins' record.
/// None of it grows with the account's conversations or the tenant's staff.
#[tokio::test]
async fn an_email_reply_costs_the_same_in_a_large_account_and_a_large_tenant() {
    let Some(small) = Box::pin(reply_costs(1, 5)).await else {
        return;
    };
    let large = Box::pin(reply_costs(500, 3_000)).await.unwrap();
    let expected = |operations: [&str; 3], wru: f64, puts: usize| {
        let mut operations: Vec<String> = operations.iter().map(|o| o.to_string()).collect();
        if puts > 0 {
            operations.insert(2, "PutItem".into());
        }
        ReplyCost {
            table: Cost {
                requests: operations.len(),
                rru: 1.5,
                wru,
            },
            operations,
            s3_gets: 1,
            s3_puts: puts,
        }
    };
    // The token (0.5 RRU, eventually consistent), the contact (1 RRU, consistent), the
    // append as a web message's (SEND_WRU) with the Message-ID's record (2, in the
    // transaction: a redelivery writes nothing).
    let by_key = ["GetItem", "GetItem", "TransactWriteItems"];
    assert_eq!(
        small.text,
        expected(by_key, SEND_WRU + 2.0, 0),
        "a contact's reply"
    );
    // The upload's PutItem (1) and the transaction taking it (2), and the file's S3 PUT.
    assert_eq!(
        small.attachment,
        expected(by_key, SEND_WRU + 2.0 + 3.0, 1),
        "with an attachment"
    );
    // The staff member's profile partition: their profile and assignments (1 RRU).
    let profile = ["GetItem", "Query", "TransactWriteItems"];
    assert_eq!(
        small.staff,
        expected(profile, SEND_WRU + 2.0, 0),
        "a staff member's reply"
    );
    // The admins' record and the Message-ID's, in one transaction (2 each); no answer.
    assert_eq!(small.revoked, expected(by_key, 4.0, 0), "kept for admins");
    assert_eq!(small.text, large.text, "a contact's reply");
    assert_eq!(small.attachment, large.attachment, "with an attachment");
    assert_eq!(small.staff, large.staff, "a staff member's reply");
    assert_eq!(small.revoked, large.revoked, "kept for admins");
}
