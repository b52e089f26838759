//! Notifications that must not be lost: replies during an SMS-escalation wait, retries
//! for people who have read since, and staff the directory gives no role.

use super::*;
use crate::Budget;
use shared::domain::ids::TenantId;

#[tokio::test]
async fn a_reply_during_the_escalation_wait_gets_its_own_digest() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    settings(&stack, |s| {
        s.sms_escalation_minutes = Some(30);
        s.admin_notification_email = Some(people.email("front-desk"));
    })
    .await;
    let (owner_phone, partner_phone) = (phone(), phone());
    contact(&stack, &people, "c1", "p1", Some(&owner_phone)).await;
    contact(&stack, &people, "c1", "p2", Some(&partner_phone)).await;
    staff(&stack, &people, "s1", Role::Staff).await;
    stack
        .send_as(
            send::handle,
            &Claims::staff(TENANT, "s1"),
            json!({"customer_id": "c1", "message": "Bella's results are in"}),
        )
        .await;
    let dispatcher = dispatcher(&stack).await;
    assert_eq!(dispatcher.run(later(4)).await.unwrap().sent, 2, "digests");

    // The owner answers while the escalation waits.
    stack
        .send_as(
            send::handle,
            &Claims::customer(TENANT, "p1", "c1"),
            json!({"message": "Thanks, can we talk today?"}),
        )
        .await;
    let report = dispatcher.run(later(5)).await.unwrap();
    let staff_mail = emails_to(&people.email("s1")).await;
    assert_eq!(staff_mail.len(), 1, "{report:?}");
    assert!(staff_mail[0]["body"]
        .as_str()
        .unwrap()
        .contains("can we talk today"));
    assert_eq!(emails_to(&people.email("front-desk")).await.len(), 1);
    assert_eq!(
        emails_to(&people.email("p2")).await.len(),
        2,
        "the partner hears of the reply too"
    );

    // Who still has the staff message unread is texted after the escalation delay.
    assert_eq!(dispatcher.run(later(40)).await.unwrap().sent, 1);
    assert_eq!(texts_to(&partner_phone).await.len(), 1);
    assert!(texts_to(&owner_phone).await.is_empty(), "the owner replied");
}

#[tokio::test]
async fn a_retry_for_someone_who_has_read_since_is_cancelled() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    let dispatcher = staff_message_to_p1_and_unreachable_p2(&stack, &people).await;
    let first = dispatcher.run(later(4)).await.unwrap();
    assert_eq!((first.sent, first.retrying), (1, 1));

    let event = ApiEvent::new("POST", "/messages/read")
        .claims(&Claims::customer(TENANT, "p2", "c1"))
        .json(json!({}));
    let (status, body) = read_response(mark_read::handle(&stack.app(), event.request()).await);
    assert_eq!(status, 200, "{body}");

    let report = dispatcher.run(later(10)).await.unwrap();
    assert_eq!((report.sent, report.cancelled), (0, 1), "{report:?}");
    let (records, _) = stack
        .store
        .deliveries(&TenantId::from(TENANT), &general("c1"), None, 20)
        .await
        .unwrap();
    let p2 = records
        .iter()
        .find(|r| r.recipient == "contact:p2")
        .unwrap();
    assert_eq!(p2.status, DeliveryStatus::Cancelled);
    assert_eq!(
        dispatcher.run(later(60)).await.unwrap(),
        RunReport::default(),
        "nothing is left pending"
    );
}

#[tokio::test]
async fn staff_without_a_role_hear_only_of_what_basic_staff_may_open() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    settings(&stack, |_| {}).await;
    staff(&stack, &people, "s1", Role::Staff).await;
    staff(&stack, &people, "old", Role::Staff).await;
    // A profile stored before roles were required.
    let key = |value: String| aws_sdk_dynamodb::types::AttributeValue::S(value);
    stack
        .store
        .client()
        .update_item()
        .table_name(stack.store.table())
        .key("pk", key(shared::store::keys::staff_pk(TENANT, "old")))
        .key("sk", key("PROFILE".into()))
        .update_expression("REMOVE #role")
        .expression_attribute_names("#role", "role")
        .send()
        .await
        .unwrap();
    contact(&stack, &people, "c1", "p1", None).await;
    stack
        .send_as(
            send::handle,
            &Claims::customer(TENANT, "p1", "c1"),
            json!({"message": "hello"}),
        )
        .await;
    assert_eq!(
        dispatcher(&stack).await.run(later(4)).await.unwrap().sent,
        1
    );
    assert_eq!(emails_to(&people.email("s1")).await.len(), 1);
    assert!(emails_to(&people.email("old")).await.is_empty());

    // The admin API no longer stores a profile without one.
    let event = ApiEvent::new("PUT", "/staff/{user_id}")
        .path_param("user_id", "new")
        .claims(&Claims::admin(TENANT, "a1"))
        .json(json!({"name": "New", "email": people.email("new")}));
    let (status, body) = read_response(admin::handle(&stack.app(), event.request()).await);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_field"))
    );
}

/// moto, with each send taking a while (a slow provider, or a large backlog).
struct Slow {
    inner: SesEmail,
}

impl EmailSender for Slow {
    async fn send_email(&self, from: &str, to: &str, email: &Email) -> Result<String, SendError> {
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        self.inner.send_email(from, to, email).await
    }
}

#[tokio::test]
async fn runs_cut_off_by_their_deadline_move_every_shard_and_send_nothing_twice() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    settings(&stack, |_| {}).await;
    let customers: Vec<String> = (0..24).map(|i| format!("k{i}")).collect();
    for customer in &customers {
        for who in ["a", "b", "c"] {
            contact(&stack, &people, customer, &format!("{customer}{who}"), None).await;
        }
        stack
            .send_as(
                send::handle,
                &Claims::staff(TENANT, "s1"),
                json!({"customer_id": customer, "message": "Reminder"}),
            )
            .await;
    }
    let (email, sms) = moto_senders().await;
    let dispatcher = Dispatcher {
        store: stack.store.clone(),
        email: Slow { inner: email },
        sms,
        from_email: FROM.into(),
        reply_domain: None,
        api_url: None,
        concurrency: 4,
    };
    let now = later(4);
    let now_text = shared::domain::format_timestamp(now);
    let mut runs = Vec::new();
    for _ in 0..40 {
        let waiting: Vec<bool> = futures_util::future::join_all(
            (0..shared::store::keys::DUE_SHARDS)
                .map(|shard| stack.store.due(shard, &now_text, 1, None)),
        )
        .await
        .into_iter()
        .map(|due| !due.unwrap().passes.is_empty())
        .collect();
        if waiting.iter().all(|w| !w) {
            break;
        }
        let report = dispatcher
            // Long enough for a run to start on every shard however loaded the machine
            // is, short enough that 72 slow sends take more than one run.
            .run_within(now, Budget::lasting(std::time::Duration::from_millis(4000)))
            .await
            .unwrap();
        for (shard, had_work) in waiting.iter().enumerate() {
            if *had_work {
                assert!(
                    report.per_shard[shard] > 0,
                    "shard {shard} starved: {report:?}"
                );
            }
        }
        runs.push(report);
    }
    assert!(runs.len() >= 2, "the budget cut the runs short: {runs:?}");
    assert!(runs[0].deferred > 0, "{:?}", runs[0]);
    assert_eq!(runs.iter().map(|r| r.sent).sum::<u64>(), 72);
    let data = moto::data().await;
    let mut received = std::collections::HashMap::<String, usize>::new();
    for message in data["ses"]["Message"].as_array().into_iter().flatten() {
        for to in message["destinations"]["ToAddresses"]
            .as_array()
            .into_iter()
            .flatten()
        {
            *received
                .entry(to.as_str().unwrap_or_default().to_owned())
                .or_default() += 1;
        }
    }
    for customer in &customers {
        for who in ["a", "b", "c"] {
            let address = people.email(&format!("{customer}{who}"));
            assert_eq!(received.get(&address), Some(&1), "{address}");
        }
    }
}

#[tokio::test]
async fn an_order_notifies_its_participants_and_not_other_basic_staff() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    settings(&stack, |_| {}).await;
    staff(&stack, &people, "s1", Role::Staff).await;
    staff(&stack, &people, "vendor-9", Role::BasicStaff).await;
    staff(&stack, &people, "vendor-7", Role::BasicStaff).await;
    contact(&stack, &people, "buyer-1", "buyer", None).await;
    let host = Claims::service(TENANT, "marketplace");
    let event = ApiEvent::new("POST", "/conversations")
        .claims(&host)
        .json(json!({
            "customer_id": "buyer-1",
            "order_id": "1042",
            "title": "Order #1042",
            "participants": ["vendor-9"],
        }));
    let (status, opened) = read_response(admin::handle(&stack.app(), event.request()).await);
    assert_eq!(status, 201, "{opened}");
    // vendor-7 is assigned the buyer's account but takes no part in the order.
    stack
        .store
        .put_assignment(
            &TenantId::from(TENANT),
            &shared::domain::directory::Assignment {
                user_id: "vendor-7".into(),
                customer_id: "buyer-1".into(),
                until: None,
                assigned_at: shared::domain::now_rfc3339(),
                assigned_by: "a1".into(),
            },
        )
        .await
        .unwrap();
    stack
        .send_as(
            send::handle,
            &Claims::customer(TENANT, "buyer", "buyer-1"),
            json!({"conversation_id": opened["id"], "message": "Where is my parcel?"}),
        )
        .await;
    let report = dispatcher(&stack).await.run(later(4)).await.unwrap();
    assert_eq!(report.sent, 2, "{report:?}");
    let vendor = emails_to(&people.email("vendor-9")).await;
    assert_eq!(vendor.len(), 1);
    assert!(vendor[0]["subject"]
        .as_str()
        .unwrap()
        .contains("on Order #1042"));
    assert_eq!(emails_to(&people.email("s1")).await.len(), 1);
    assert!(emails_to(&people.email("vendor-7")).await.is_empty());
}

#[tokio::test]
async fn what_was_sent_before_a_close_is_still_notified() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    settings(&stack, |_| {}).await;
    staff(&stack, &people, "vendor-9", Role::BasicStaff).await;
    contact(&stack, &people, "buyer-1", "buyer", None).await;
    let host = Claims::service(TENANT, "marketplace");
    let event = ApiEvent::new("POST", "/conversations").claims(&host).json(json!({
        "customer_id": "buyer-1", "order_id": "7", "title": "Order #7", "participants": ["vendor-9"],
    }));
    let (status, opened) = read_response(admin::handle(&stack.app(), event.request()).await);
    assert_eq!(status, 201, "{opened}");
    stack
        .send_as(
            send::handle,
            &Claims::basic_staff(TENANT, "vendor-9"),
            json!({"conversation_id": opened["id"], "message": "Delivered, enjoy!"}),
        )
        .await;
    let close = ApiEvent::new("POST", "/conversations/{id}/close")
        .claims(&host)
        .path_param("id", opened["id"].as_str().unwrap());
    assert_eq!(
        read_response(admin::handle(&stack.app(), close.request()).await).0,
        200
    );
    assert_eq!(
        dispatcher(&stack).await.run(later(4)).await.unwrap().sent,
        1
    );
    let mail = emails_to(&people.email("buyer")).await;
    assert_eq!(mail.len(), 1);
    assert!(mail[0]["body"]
        .as_str()
        .unwrap()
        .contains("Delivered, enjoy!"));
}
