//! The operator's limits on a tenant: daily quotas, SMS countries, sender identities.

use super::*;
use shared::domain::grant::Grant;
use shared::domain::ids::TenantId;
use shared::store::GrantStore;

async fn statuses(stack: &TestApp, customer: &str) -> Vec<(String, DeliveryStatus)> {
    let conversation = ConversationId::new(customer, Subject::General);
    let (records, _) = stack
        .store
        .deliveries(&TenantId::from(TENANT), &conversation, None, 20)
        .await
        .unwrap();
    records
        .into_iter()
        .map(|r| (r.recipient, r.status))
        .collect()
}

#[tokio::test]
async fn past_the_daily_quota_nothing_is_sent_and_the_delivery_says_why() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    settings(&stack, |_| {}).await;
    stack
        .set_grant(
            TENANT,
            &Grant {
                emails_per_day: 2,
                ..Grant::default()
            },
        )
        .await;
    for i in 0..3 {
        let customer = format!("c{i}");
        contact(&stack, &people, &customer, &format!("p{i}"), None).await;
        stack
            .send_as(
                send::handle,
                &Claims::staff(TENANT, "s1"),
                json!({"customer_id": customer, "message": "hi"}),
            )
            .await;
    }
    let dispatcher = dispatcher(&stack).await;
    let report = dispatcher.run(later(4)).await.unwrap();
    assert_eq!((report.sent, report.refused), (2, 1), "{report:?}");
    let mut sent = 0;
    for i in 0..3 {
        let emails = emails_to(&people.email(&format!("p{i}"))).await.len();
        let recorded = statuses(&stack, &format!("c{i}")).await;
        match emails {
            1 => assert_eq!(recorded[0].1, DeliveryStatus::Sent),
            0 => assert_eq!(recorded[0].1, DeliveryStatus::QuotaExceeded),
            n => panic!("{n} emails"),
        }
        sent += emails;
    }
    assert_eq!(sent, 2);
    // The block the run reserved and did not use went back: the counter says 2.
    let day = later(4).strftime("%Y-%m-%d").to_string();
    assert_eq!(
        stack
            .store
            .quota_use(&TenantId::from(TENANT), &day)
            .await
            .unwrap(),
        (2, 0)
    );
    // Nothing is tried again for the refused one.
    assert_eq!(
        dispatcher.run(later(60)).await.unwrap(),
        RunReport::default()
    );
}

#[tokio::test]
async fn texts_go_only_to_the_countries_the_tenant_may_text() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    settings(&stack, |_| {}).await;
    let (home, abroad) = (phone(), "+18765550123");
    contact(&stack, &people, "c1", "p1", Some(&home)).await;
    contact(&stack, &people, "c1", "p2", Some(abroad)).await;
    stack
        .send_as(
            send::handle,
            &Claims::staff(TENANT, "s1"),
            json!({"customer_id": "c1", "message": "Bella is ready", "notify": ["sms"]}),
        )
        .await;
    let report = dispatcher(&stack).await.run(later(1)).await.unwrap();
    assert_eq!(report.refused, 1, "{report:?}");
    assert_eq!(texts_to(&home).await.len(), 1);
    assert!(texts_to(abroad).await.is_empty());
    let recorded = statuses(&stack, "c1").await;
    assert!(recorded
        .iter()
        .any(|(who, status)| who == "contact:p2" && *status == DeliveryStatus::CountryNotAllowed));
}

#[tokio::test]
async fn mail_goes_out_as_the_tenant_only_while_its_identity_is_granted() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    let own = "front@oakvets.example";
    settings(&stack, |s| s.from_email = Some(own.into())).await;
    contact(&stack, &people, "c1", "p1", None).await;
    contact(&stack, &people, "c2", "p2", None).await;
    let dispatcher = dispatcher(&stack).await;
    let source = |address: String| async move {
        emails_to(&address).await[0]["source"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    stack
        .send_as(
            send::handle,
            &Claims::staff(TENANT, "s1"),
            json!({"customer_id": "c1", "message": "hi"}),
        )
        .await;
    dispatcher.run(later(4)).await.unwrap();
    assert!(source(people.email("p1")).await.contains(own));

    // The operator takes the identity back: the platform's address, at once.
    stack.set_grant(TENANT, &Grant::default()).await;
    stack
        .send_as(
            send::handle,
            &Claims::staff(TENANT, "s1"),
            json!({"customer_id": "c2", "message": "hi"}),
        )
        .await;
    dispatcher.run(later(8)).await.unwrap();
    assert!(source(people.email("p2")).await.contains(FROM));
}
