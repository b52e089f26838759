//! What grows with the staff directory: nothing. A marketplace tenant with
//! 5 and with 3,000 vendor profiles; an order's buyer writes, and the dispatcher's pass
//! over the order (notifying its one vendor) costs the same at both sizes,
//! and an admin's `read_by` reads the same positions.

use jiff::{SignedDuration, Timestamp};
use shared::domain::directory::StaffProfile;
use shared::domain::ids::TenantId;
use shared::domain::notify::Email;
use shared::domain::Role;
use shared::notify::{EmailSender, SendError, SmsSender};

use super::*;
use testkit::app::conversation_thread;

/// Accepts every delivery: the measurement is of the table, not of a provider.
#[derive(Clone)]
struct Accepting;

impl EmailSender for Accepting {
    async fn send_email(&self, _: &str, _: &str, _: &Email) -> Result<String, SendError> {
        Ok(ulid::Ulid::new().to_string())
    }
}

impl SmsSender for Accepting {
    async fn send_sms(&self, _: Option<&str>, _: &str, _: &str) -> Result<String, SendError> {
        Ok(ulid::Ulid::new().to_string())
    }
}

const VENDOR: &str = "vendor-0000";
const HOST: &str = "marketplace";

async fn vendors(stack: &TestStack, count: usize) {
    let now = now_rfc3339();
    for i in 0..count {
        let profile = StaffProfile {
            user_id: format!("vendor-{i:04}"),
            name: format!("Vendor {i}"),
            email: Some(format!("vendor-{i:04}@vendors.example")),
            email_notifications: true,
            role: Role::BasicStaff,
            created_at: now.clone(),
            updated_at: now.clone(),
        };
        stack
            .store
            .put_staff(&TenantId::from(TENANT), &profile)
            .await
            .unwrap();
    }
}

async fn open_order(app: &App<DynamoStore>, order: &str) -> String {
    let event = open_conversation(
        &Claims::service(TENANT, HOST),
        json!({
            "customer_id": CUSTOMER,
            "order_id": order,
            "title": format!("Order #{order}"),
            "participants": [VENDOR],
        }),
    );
    let (status, body) = read_response(admin::handle(app, event.request()).await);
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

async fn buyer_writes(app: &App<DynamoStore>, conversation: &str) {
    let event = ApiEvent::new("POST", "/messages")
        .claims(&customer())
        .json(json!({"conversation_id": conversation, "message": text()}));
    let (status, body) = read_response(send::handle(app, event.request()).await);
    assert_eq!(status, 201, "{body}");
}

/// The dispatcher's cost per due conversation: a run over two due orders less a run over
/// one (what a run pays once per tenant, such as the staff directory, cancels out); and an
/// admin's first page of an order with `read_by`.
async fn per_conversation(profiles: usize) -> (Cost, Cost, Cost) {
    let stack = TestStack::start().await;
    directory(&stack).await;
    let buyer = Contact {
        customer_id: CUSTOMER.into(),
        contact_id: CONTACT.into(),
        name: "Casey Lee".into(),
        email: Some("casey@buyers.example".into()),
        phone: None,
        email_opt_in: true,
        sms_opt_in: false,
        created_at: now_rfc3339(),
        updated_at: now_rfc3339(),
    };
    stack
        .store
        .put_contact(&TenantId::from(TENANT), &buyer)
        .await
        .unwrap();
    vendors(&stack, profiles).await;
    let app = stack.app();
    let orders = [
        open_order(&app, "1001").await,
        open_order(&app, "1002").await,
        open_order(&app, "1003").await,
    ];
    // The vendor writes to the buyer; the buyer's answer is what the vendor hears of.
    let vendor = Claims::staff(TENANT, VENDOR).with("role", "basic_staff");
    for order in &orders {
        let event = ApiEvent::new("POST", "/messages")
            .claims(&vendor)
            .json(json!({"conversation_id": order, "message": text()}));
        let (status, body) = read_response(send::handle(&app, event.request()).await);
        assert_eq!(status, 201, "{body}");
    }
    let dispatcher = notify::Dispatcher {
        store: stack.store.clone(),
        email: Accepting,
        sms: Accepting,
        from_email: "notify@market.example".into(),
        reply_domain: None,
        api_url: None,
        concurrency: notify::DEFAULT_CONCURRENCY,
    };
    let later = |minutes: i64| Timestamp::now() + SignedDuration::from_mins(minutes);
    // Whatever the openings left due goes first.
    dispatcher.run(later(60)).await.unwrap();

    buyer_writes(&app, &orders[0]).await;
    let (one, report) = measure(&stack, "dispatch_one_due", profiles, false, async {
        dispatcher.run(later(120)).await.unwrap()
    })
    .await;
    assert_eq!(
        report.sent, 1,
        "the vendor (the buyer answered): {report:?}"
    );
    buyer_writes(&app, &orders[1]).await;
    buyer_writes(&app, &orders[2]).await;
    let (two, report) = measure(&stack, "dispatch_two_due", profiles, false, async {
        dispatcher.run(later(180)).await.unwrap()
    })
    .await;
    assert_eq!(report.sent, 2, "{report:?}");
    let pass = Cost {
        requests: two.requests - one.requests,
        rru: two.rru - one.rru,
        wru: two.wru - one.wru,
    };
    println!(
        "CAPACITY dispatch_per_due_conversation scale={profiles} requests={} rru={} wru={}",
        pass.requests, pass.rru, pass.wru
    );

    let read = ApiEvent::new("POST", "/messages/read")
        .claims(&vendor)
        .json(json!({"conversation_id": orders[0]}));
    assert_eq!(
        read_response(mark_read::handle(&app, read.request()).await).0,
        200
    );
    let page =
        conversation_thread(&Claims::admin(TENANT, "admin-1"), &orders[0]).query("read_by", "true");
    let (read_by, (status, body)) = measure(&stack, "thread_read_by", profiles, true, async {
        read_response(thread::handle(&app, page.request()).await)
    })
    .await;
    assert_eq!(status, 200, "{body}");
    let vendor_read = body["messages"].as_array().unwrap().iter().any(|m| {
        m["read_by"]
            .as_array()
            .is_some_and(|r| r.contains(&json!(VENDOR)))
    });
    assert!(vendor_read, "the vendor read the buyer's answer: {body}");
    // The directory's Query reads the staff who reach every conversation (basic staff are
    // listed apart), the order's vendors are read by key, then their positions.
    println!(
        "CAPACITY thread_read_by scale={profiles} requests={} rru={}",
        read_by.requests, read_by.rru
    );
    // Staff see their receipts by name: the account's contacts only, never the directory.
    let page = conversation_thread(&vendor, &orders[0]).query("read_by", "true");
    let (receipts, (status, body)) =
        measure(&stack, "thread_receipts_staff", profiles, true, async {
            read_response(thread::handle(&app, page.request()).await)
        })
        .await;
    assert_eq!(status, 200, "{body}");
    println!(
        "CAPACITY thread_receipts_staff scale={profiles} requests={} rru={}",
        receipts.requests, receipts.rru
    );
    (pass, read_by, receipts)
}

#[tokio::test]
async fn a_pass_and_read_by_cost_the_same_with_5_and_3000_staff_profiles() {
    let (pass_few, read_by_few, receipts_few) = per_conversation(5).await;
    let (pass_many, read_by_many, receipts_many) = per_conversation(3_000).await;
    assert_eq!(pass_few, pass_many, "dispatcher per due conversation");
    assert_eq!(read_by_few, read_by_many, "read_by");
    assert_eq!(receipts_few, receipts_many, "staff receipts");
    // A page (access, header and messages, position) and the account's Query and its
    // contacts' positions.
    assert!(receipts_few.requests <= 5, "{receipts_few:?}");
}
