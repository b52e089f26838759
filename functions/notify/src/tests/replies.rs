//! Reply addresses on the emails people get, and each person's preferences for a
//! conversation: what the dispatcher hands SES (moto keeps neither Reply-To nor headers,
//! so the sender is wrapped to see them).

use std::sync::Mutex;

use shared::store::{Reader, RecipientPrefs, ReplyStore};

use super::*;

const REPLY_DOMAIN: &str = "reply.oakvets.example";
const API: &str = "https://api.oakvets.example";

/// SES on moto, keeping each email as the dispatcher handed it over.
struct Recording {
    ses: SesEmail,
    sent: Mutex<Vec<(String, Email)>>,
}

impl EmailSender for Recording {
    async fn send_email(&self, from: &str, to: &str, email: &Email) -> Result<String, SendError> {
        self.sent
            .lock()
            .unwrap()
            .push((to.to_owned(), email.clone()));
        self.ses.send_email(from, to, email).await
    }
}

impl Recording {
    fn to(&self, address: &str) -> Vec<Email> {
        let sent = self.sent.lock().unwrap();
        sent.iter()
            .filter(|(to, _)| to == address)
            .map(|(_, email)| email.clone())
            .collect()
    }
}

async fn recording(stack: &TestApp) -> Dispatcher<DynamoStore, Recording, SnsSms> {
    let (ses, sms) = moto_senders().await;
    let email = Recording {
        ses,
        sent: Mutex::default(),
    };
    Dispatcher::new(stack.store.clone(), email, sms, FROM)
        .with_reply_domain(Some(REPLY_DOMAIN.into()))
        .with_api_url(Some(API.into()))
}

fn token_in(email: &Email) -> String {
    let reply_to = email.reply_to.as_deref().expect("a reply address");
    let token = reply_to
        .strip_prefix("reply+")
        .and_then(|rest| rest.strip_suffix(&format!("@{REPLY_DOMAIN}")))
        .expect("reply+token@domain");
    assert!(shared::store::is_reply_token(token), "{token}");
    token.to_owned()
}

#[tokio::test]
async fn emails_to_people_carry_their_own_reply_address_and_keep_it() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    settings(&stack, |s| {
        s.admin_notification_email = Some(people.email("front-desk"));
    })
    .await;
    contact(&stack, &people, "c1", "p1", None).await;
    staff(&stack, &people, "s1", Role::Staff).await;
    let owner = Claims::customer(TENANT, "p1", "c1");
    let vet = Claims::staff(TENANT, "s1");
    stack
        .send_as(send::handle, &owner, json!({"message": "Is Bella ok?"}))
        .await;
    let dispatcher = recording(&stack).await;
    dispatcher.run(later(4)).await.unwrap();

    let to_vet = dispatcher.email.to(&people.email("s1"));
    assert_eq!(to_vet.len(), 1);
    let token = token_in(&to_vet[0]);
    let issued = stack.store.reply_token(&token).await.unwrap().unwrap();
    assert_eq!(issued.tenant_id, TENANT);
    assert_eq!(issued.conversation_id, general("c1").encode());
    assert_eq!((issued.side, issued.user_id.as_str()), (Side::Staff, "s1"));
    assert_eq!(issued.address, people.email("s1"));
    assert_eq!(issued.revoked_at, None);
    // The same token is the person's one-click unsubscribe link (RFC 8058).
    let link = format!("{API}/unsubscribe/{token}");
    assert_eq!(to_vet[0].unsubscribe.as_deref(), Some(link.as_str()));
    assert!(to_vet[0].text.contains(&link), "{}", to_vet[0].text);
    let admin = dispatcher.email.to(&people.email("front-desk"));
    assert_eq!(admin[0].reply_to, None, "the admin address is no person");

    stack
        .send_as(
            send::handle,
            &vet,
            json!({"customer_id": "c1", "message": "She is fine"}),
        )
        .await;
    dispatcher.run(later(10)).await.unwrap();
    stack
        .send_as(send::handle, &owner, json!({"message": "Thanks!"}))
        .await;
    dispatcher.run(later(20)).await.unwrap();
    let to_vet = dispatcher.email.to(&people.email("s1"));
    assert_eq!(to_vet.len(), 2);
    assert_eq!(
        token_in(&to_vet[1]),
        token,
        "one address per person and thread"
    );
    let to_owner = dispatcher.email.to(&people.email("p1"));
    assert_eq!(to_owner.len(), 1);
    assert_ne!(token_in(&to_owner[0]), token, "each person their own");
}

#[tokio::test]
async fn without_a_reply_domain_or_api_url_emails_carry_neither_and_nothing_is_written() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    settings(&stack, |_| {}).await;
    staff(&stack, &people, "s1", Role::Staff).await;
    let owner = Claims::customer(TENANT, "p1", "c1");
    stack
        .send_as(send::handle, &owner, json!({"message": "Hello"}))
        .await;
    let mut dispatcher = recording(&stack).await;
    dispatcher.reply_domain = None;
    dispatcher.api_url = None;
    dispatcher.run(later(4)).await.unwrap();
    let sent = dispatcher.email.to(&people.email("s1"));
    assert_eq!(sent.len(), 1);
    assert_eq!((&sent[0].reply_to, &sent[0].unsubscribe), (&None, &None));
    let reader = Reader {
        side: Side::Staff,
        user_id: "s1".into(),
    };
    let kept = stack
        .store
        .recipients(&TenantId::from(TENANT), &general("c1"), &[reader])
        .await
        .unwrap();
    assert!(
        kept.values().all(|r| r.prefs.reply_token.is_none()),
        "no token issued"
    );
}

#[tokio::test]
async fn a_persons_preferences_turn_channels_off_and_a_mute_holds_everything() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    settings(&stack, |_| {}).await;
    contact(&stack, &people, "c1", "p1", None).await;
    contact(&stack, &people, "c1", "p2", None).await;
    let tenant = TenantId::from(TENANT);
    let reader = |id: &str| Reader {
        side: Side::Customer,
        user_id: id.into(),
    };
    let email_off = RecipientPrefs {
        email_off: true,
        ..RecipientPrefs::default()
    };
    stack
        .store
        .set_prefs(&tenant, &general("c1"), &reader("p1"), &email_off)
        .await
        .unwrap();
    let muted = RecipientPrefs {
        muted_until: Some(shared::domain::format_timestamp(later(60))),
        ..RecipientPrefs::default()
    };
    stack
        .store
        .set_prefs(&tenant, &general("c1"), &reader("p2"), &muted)
        .await
        .unwrap();
    let vet = Claims::staff(TENANT, "s1");
    stack
        .send_as(
            send::handle,
            &vet,
            json!({"customer_id": "c1", "message": "Results are in"}),
        )
        .await;
    let dispatcher = recording(&stack).await;
    dispatcher.run(later(4)).await.unwrap();
    assert!(
        dispatcher.email.to(&people.email("p1")).is_empty(),
        "email off"
    );
    assert!(dispatcher.email.to(&people.email("p2")).is_empty(), "muted");

    // The mute over, the next message is told; the read state was never touched.
    stack
        .store
        .set_prefs(
            &tenant,
            &general("c1"),
            &reader("p2"),
            &RecipientPrefs::default(),
        )
        .await
        .unwrap();
    stack
        .send_as(
            send::handle,
            &vet,
            json!({"customer_id": "c1", "message": "Call us"}),
        )
        .await;
    dispatcher.run(later(90)).await.unwrap();
    let told = dispatcher.email.to(&people.email("p2"));
    assert_eq!(told.len(), 1);
    assert!(
        told[0].subject.contains("2 new messages"),
        "{}",
        told[0].subject
    );
    assert!(dispatcher.email.to(&people.email("p1")).is_empty());
}
