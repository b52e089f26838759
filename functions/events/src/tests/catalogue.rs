//! Each event type from the write that makes it.

use super::*;
use shared::domain::notify::NotifyChannel;
use shared::domain::sms::Provider;
use shared::store::{
    DeliveryKey, DeliveryOutcome, InboundEffects, InboundStore, NotificationStore, OptOutChange,
    UnmatchedReason, UnmatchedSms,
};
use testkit::app::{close_conversation, general, mark_read, open_conversation, order_1042};
use testkit::app::{delete_message as delete, edit_message as edit};

const TENANT: &str = "clinic-events";

#[tokio::test]
async fn messages_make_created_edited_deleted_and_read_events() {
    let mut h = Harness::start(TENANT).await;
    let staff = Claims::staff(TENANT, "s1");
    let customer = Claims::customer(TENANT, "contact-1", "c1");
    let sent = send(&h, &customer, "Is Biscuit ready?").await;
    let (conversation, id) = (
        sent["conversation_id"].as_str().unwrap(),
        sent["id"].as_str().unwrap(),
    );
    h.call(
        send::handle,
        edit(&customer, conversation, id, "Is Biscuit ready yet?"),
    )
    .await;
    h.call(send::handle, delete(&customer, conversation, id))
        .await;
    h.call(
        mark_read::handle,
        mark_read(&staff, json!({"customer_id": "c1"})),
    )
    .await;
    assert_eq!(h.pump().await, BatchResponse::default());
    assert_eq!(
        h.published_types(),
        [
            EventType::ConversationCreated,
            EventType::MessageCreated,
            EventType::MessageEdited,
            EventType::MessageDeleted,
            EventType::MessageRead,
        ]
    );
    let events = h.bus().published();
    let created = &events[1];
    assert_eq!(created.tenant_id.as_str(), TENANT);
    assert_eq!(created.conversation_id.as_deref(), Some(conversation));
    assert_eq!(created.data["message"]["id"], id);
    assert_eq!(created.data["message"]["message"], "Is Biscuit ready?");
    assert_eq!(created.data["message"]["sender_type"], "customer");
    assert_eq!(
        events[2].data["message"]["message"],
        "Is Biscuit ready yet?"
    );
    assert_eq!(events[3].data["message"]["deleted"], true);
    let read = &events[4].data;
    assert_eq!(read["reader"], json!({"user_id": "s1", "side": "staff"}));
    assert_eq!(read["up_to"], id);
    // The public shapes only: no key of the table.
    for event in &events {
        let body = event.body();
        for internal in ["\"pk\"", "\"sk\"", "gsi1", "T#"] {
            assert!(!body.contains(internal), "{internal} in {body}");
        }
    }
    // Within the conversation, sequence orders them as they happened.
    let sequences: Vec<&str> = events[..4].iter().map(|e| e.sequence.as_str()).collect();
    assert!(sequences.windows(2).all(|w| w[0] < w[1]), "{sequences:?}");
    let _ = general("c1");
}

#[tokio::test]
async fn a_persons_reads_in_one_batch_are_one_event() {
    let mut h = Harness::start(TENANT).await;
    let staff = Claims::staff(TENANT, "s1");
    let customer = Claims::customer(TENANT, "contact-1", "c1");
    let first = send(&h, &customer, "one").await;
    h.call(
        mark_read::handle,
        mark_read(&staff, json!({"customer_id": "c1", "up_to": first["id"]})),
    )
    .await;
    let second = send(&h, &customer, "two").await;
    h.call(
        mark_read::handle,
        mark_read(&staff, json!({"customer_id": "c1"})),
    )
    .await;
    h.pump().await;
    let reads: Vec<Event> = h
        .bus()
        .published()
        .into_iter()
        .filter(|e| e.event_type == EventType::MessageRead)
        .collect();
    assert_eq!(reads.len(), 1, "{reads:?}");
    assert_eq!(reads[0].data["up_to"], second["id"]);
}

#[tokio::test]
async fn orders_make_conversation_and_participant_events() {
    let mut h = Harness::start(TENANT).await;
    h.app.vendor("vendor-9").await;
    h.app.vendor("vendor-7").await;
    let host = Claims::service(TENANT, "host");
    let opened = h
        .call(admin::handle, open_conversation(&host, order_1042()))
        .await;
    let id = opened["id"].as_str().unwrap().to_owned();
    let participant = |method: &str, user: &str| {
        ApiEvent::new(method, "/conversations/{id}/participants/{user_id}")
            .claims(&host)
            .path_param("id", &id)
            .path_param("user_id", user)
    };
    h.call(admin::handle, participant("PUT", "vendor-7")).await;
    h.call(admin::handle, participant("DELETE", "vendor-9"))
        .await;
    h.call(admin::handle, close_conversation(&host, &id)).await;
    h.pump().await;
    let events = h.bus().published();
    let of = |t: EventType| events.iter().filter(move |e| e.event_type == t);
    let created: Vec<_> = of(EventType::ConversationCreated).collect();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].data["conversation"]["order_id"], "1042");
    assert_eq!(created[0].data["conversation"]["kind"], "order");
    let added: Vec<_> = of(EventType::ParticipantAdded)
        .map(|e| e.data["user_id"].as_str().unwrap())
        .collect();
    assert_eq!(added, ["vendor-9", "vendor-7"]);
    let removed: Vec<_> = of(EventType::ParticipantRemoved)
        .map(|e| e.data["user_id"].as_str().unwrap())
        .collect();
    assert_eq!(removed, ["vendor-9"]);
    let closed: Vec<_> = of(EventType::ConversationClosed).collect();
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0].conversation_id.as_deref(), Some(id.as_str()));
    assert_eq!(closed[0].data["conversation"]["status"], "closed");
    // System messages (the opening and closing notes) are events too.
    assert!(of(EventType::MessageCreated).count() >= 2);
}

#[tokio::test]
async fn notifications_sms_keywords_and_unmatched_texts_make_events() {
    let mut h = Harness::start(TENANT).await;
    let tenant = h.app.tenant_id();
    let store = &h.app.store;
    let conversation = general("c1");
    let now = format_timestamp(jiff::Timestamp::now());
    let later = format_timestamp(jiff::Timestamp::now() + jiff::SignedDuration::from_mins(5));
    for (recipient, outcome) in [
        (
            "contact:contact-1",
            DeliveryOutcome::Sent {
                provider_message_id: "ses-1".into(),
            },
        ),
        (
            "staff:s1",
            DeliveryOutcome::Failed {
                error: "address refused".into(),
            },
        ),
    ] {
        let key = DeliveryKey {
            round: now.clone(),
            channel: NotifyChannel::Email,
            recipient: recipient.into(),
        };
        store
            .claim_delivery(&tenant, &conversation, &key, "a@example.com", &now, &later)
            .await
            .unwrap();
        store
            .finish_delivery(&tenant, &conversation, &key, &outcome, &now)
            .await
            .unwrap();
    }
    let text = |id: &str, opted_out: Option<bool>| InboundEffects {
        provider: Provider::Twilio,
        provider_message_id: id.into(),
        opt_out: opted_out.map(|opted_out| OptOutChange {
            phone: "+15555550100".into(),
            opted_out,
            keyword_at: format_timestamp(jiff::Timestamp::now()),
        }),
    };
    let unmatched = UnmatchedSms {
        id: ulid::Ulid::new().to_string(),
        received_at: now.clone(),
        from: "+15555550199".into(),
        to: "+15555550000".into(),
        body: "who is this?".into(),
        provider: "twilio".into(),
        provider_message_id: "SM2".into(),
        subject: None,
        reason: UnmatchedReason::UnknownSender,
        customer_id: None,
        contact_id: None,
    };
    store
        .record_inbound(&tenant, &text("SM1", Some(true)), None, None)
        .await
        .unwrap();
    store
        .record_inbound(&tenant, &text("SM2", None), Some(&unmatched), None)
        .await
        .unwrap();
    store
        .record_inbound(&tenant, &text("SM3", Some(false)), None, None)
        .await
        .unwrap();
    h.pump().await;
    assert_eq!(
        h.published_types(),
        [
            EventType::NotificationSent,
            EventType::NotificationFailed,
            EventType::SmsOptedOut,
            EventType::SmsUnmatched,
            EventType::SmsOptedIn,
        ]
    );
    let events = h.bus().published();
    assert_eq!(events[0].data["provider_message_id"], "ses-1");
    assert_eq!(events[0].data["channel"], "email");
    assert_eq!(
        events[0].conversation_id.as_deref(),
        Some(conversation.encode().as_str())
    );
    assert_eq!(events[1].data["error"], "address refused");
    assert_eq!(events[2].data["phone"], "+15555550100");
    assert_eq!(events[3].data["unmatched"]["body"], "who is this?");
}

/// Lambda's own event shape (`tests/events/dynamodb-stream.json`: a customer's first
/// message, its header and the message) makes the same events, with the same ids, each
/// time it is read.
#[test]
fn lambdas_stream_event_makes_stable_events() {
    let fixture = include_str!("../../../../tests/events/dynamodb-stream.json");
    let batch: crate::stream::StreamEvent = serde_json::from_str(fixture).unwrap();
    let events = crate::derive_batch(&batch.records);
    let types: Vec<EventType> = events.iter().map(|(_, e)| e.event_type).collect();
    assert_eq!(
        types,
        [EventType::ConversationCreated, EventType::MessageCreated]
    );
    let (record, created) = &events[1];
    assert_eq!(*record, 1);
    assert_eq!(created.tenant_id.as_str(), "clinic-a");
    assert_eq!(created.data["message"]["message"], "Is Biscuit ready?");
    assert_eq!(created.occurred_at, created.data["message"]["created_at"]);
    let again = crate::derive_batch(&batch.records);
    assert_eq!(again, events);
}

/// What a provider reports after a notification left: a bounce and a complaint are
/// events; a delivery or a delay only moves the record.
#[tokio::test]
async fn bounces_and_complaints_reported_by_the_provider_make_events() {
    use shared::domain::outcome::OutcomeKind;
    use shared::store::{OutcomeStore, ReportedOutcome};
    let mut h = Harness::start(TENANT).await;
    let tenant = h.app.tenant_id();
    let store = h.app.store.clone();
    let conversation = general("c1");
    let now = format_timestamp(jiff::Timestamp::now());
    let later = format_timestamp(jiff::Timestamp::now() + jiff::SignedDuration::from_mins(5));
    for (recipient, id) in [("contact:contact-1", "ses-7"), ("staff:s1", "ses-8")] {
        let key = DeliveryKey {
            round: now.clone(),
            channel: NotifyChannel::Email,
            recipient: recipient.into(),
        };
        store
            .claim_delivery(&tenant, &conversation, &key, "a@example.com", &now, &later)
            .await
            .unwrap();
        let sent = DeliveryOutcome::Sent {
            provider_message_id: id.into(),
        };
        store
            .finish_delivery(&tenant, &conversation, &key, &sent, &now)
            .await
            .unwrap();
    }
    h.pump().await;
    let sent = h.published_types().len();
    for (id, kind) in [
        ("ses-7", OutcomeKind::Delivered),
        ("ses-7", OutcomeKind::Bounced),
        ("ses-8", OutcomeKind::Delivered),
        ("ses-8", OutcomeKind::Complained),
    ] {
        let record = store
            .sent_message(id)
            .await
            .unwrap()
            .expect("the id's record");
        let reported = ReportedOutcome {
            status: notify::status_of(kind),
            rank: kind.rank(),
            at: format_timestamp(jiff::Timestamp::now()),
            detail: Some("smtp; 550 5.1.1 no such user".into()),
        };
        assert!(store
            .apply_outcome(&record, &reported)
            .await
            .unwrap()
            .is_some());
    }
    h.pump().await;
    let types = h.published_types();
    assert_eq!(
        types[sent..],
        [
            EventType::NotificationBounced,
            EventType::NotificationComplained
        ]
    );
    let events = h.bus().published();
    assert_eq!(events[sent].data["status"], "bounced");
    assert_eq!(events[sent].data["error"], "smtp; 550 5.1.1 no such user");
}
