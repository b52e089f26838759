//! What an erasure leaves: placeholders for what the person wrote (their files deleted),
//! delivery records without their address, no directory entry, phone claim, opt-out or
//! search entry; everyone else's messages as they were; the job as the record.

use super::*;
use shared::domain::ids::{CustomerId, UserId};
use shared::files::file_key;
use shared::store::{DirectoryStore, PersonStore, ReplyStore, SearchStore};

#[tokio::test]
async fn an_erasure_empties_their_messages_and_keeps_everyone_elses() {
    let stack = family().await;
    say(&stack, &casey(), "My address is 1 Elm St", None).await;
    say(&stack, &sam(), "Sam's message stays", None).await;
    say(&stack, &nurse(), "The nurse's message stays", None).await;
    let upload = send_file(&stack, &casey()).await;
    say(&stack, &casey(), "Casey writes last", Some("bella")).await;
    delivered_to_casey(&stack).await;
    let (tenant, conversation) = (TenantId::from(TENANT), general(CUSTOMER));
    stack
        .store
        .set_opted_out(&tenant, PHONE, true)
        .await
        .unwrap();
    let casey_reader = shared::store::Reader {
        side: shared::domain::Side::Customer,
        user_id: CONTACT.into(),
    };
    let token = stack
        .store
        .issue_reply_token(
            &tenant,
            &conversation,
            &casey_reader,
            "casey@example.com",
            "2026-12-01T00:00:00Z",
        )
        .await
        .unwrap();
    let file = file_key(&tenant, &conversation, &upload);
    let files = stack.files.clone().unwrap();
    files
        .head(&file, 4)
        .await
        .expect("the file is there before");

    let id = start_erasure(&stack).await;
    let report = worker(&stack).run(Timestamp::now()).await.unwrap();
    assert_eq!(report.finished, 1, "{report:?}");

    let messages = stack.messages(&conversation, 20).await;
    let (theirs, others): (Vec<_>, Vec<_>) = messages.iter().partition(|m| m.sender_id == CONTACT);
    assert_eq!(theirs.len(), 2);
    for message in theirs {
        assert!(
            message.changes.deleted && message.message.is_empty() && message.attachments.is_empty()
        );
        assert_eq!(message.sender_name, "Erased contact");
        assert_eq!(message.changes.deleted_by.as_deref(), Some("erasure"));
    }
    let texts: Vec<&str> = others.iter().map(|m| m.message.as_str()).collect();
    assert_eq!(texts, ["The nurse's message stays", "Sam's message stays"]);
    assert!(
        matches!(
            files.head(&file, 4).await,
            Err(shared::files::FileError::Missing)
        ),
        "their file is gone from S3"
    );
    let patient = shared::domain::ConversationId::new(
        CUSTOMER,
        shared::domain::Subject::Patient("bella".into()),
    );
    let header = stack.header(&patient).await;
    assert_eq!(header.last_sender_name.as_deref(), Some("Erased contact"));
    assert_eq!(
        header.last_excerpt, None,
        "the feed shows nothing of what they wrote"
    );

    let (customer, contact) = (CustomerId::from(CUSTOMER), UserId::from(CONTACT));
    assert!(stack
        .store
        .contact(&tenant, &customer, &contact)
        .await
        .unwrap()
        .is_none());
    let number = stack.store.number_state(&tenant, PHONE).await.unwrap();
    assert_eq!(number.opted_out, None, "the opt-out entry is gone");
    let found = stack
        .store
        .search_index(&tenant, "contact", None, 10)
        .await
        .unwrap();
    assert!(
        found.entries.iter().all(|(_, e)| e.id != CONTACT),
        "no search entry names them"
    );
    let deliveries = stack
        .store
        .deliveries(&tenant, &conversation, None, 10)
        .await
        .unwrap()
        .0;
    assert_eq!(
        (deliveries[0].address.as_str(), deliveries[0].status),
        ("", shared::store::DeliveryStatus::Sent)
    );
    assert_eq!(
        stack.store.reply_token(&token).await.unwrap(),
        None,
        "their reply address, which named their email, is gone"
    );

    let record = job(&stack, &id).await;
    assert_eq!(
        (record["status"].as_str(), record["requested_by"].as_str()),
        (Some("done"), Some("a1"))
    );
    let progress = &record["progress"];
    assert_eq!(progress["messages"], 3);
    assert_eq!(progress["files"], 1);
    assert_eq!(progress["deliveries"], 1);
    assert!(
        progress["directory_items"].as_u64().unwrap() >= 3,
        "{progress}"
    );
    assert!(
        !record.to_string().contains("Elm St") && !record.to_string().contains("casey@example.com")
    );

    // Asked again: the same job, finished; nothing erased twice.
    assert_eq!(start_erasure(&stack).await, id);
    worker(&stack).run(later()).await.unwrap();
    assert_eq!(job(&stack, &id).await["progress"], record["progress"]);
}

#[tokio::test]
async fn a_staff_members_erasure_covers_every_conversation_of_the_tenant() {
    let stack = family().await;
    stack.vendor("nurse").await;
    say(&stack, &nurse(), "Nurse in the family thread", None).await;
    let other = send(
        &stack,
        &nurse(),
        json!({"customer_id": "fam-2", "message": "Nurse elsewhere"}),
    )
    .await;
    say(&stack, &casey(), "Casey answers", None).await;
    let path = "/staff/{user_id}/erase";
    let id = start(&stack, path, &[("user_id", "nurse")]).await;
    worker(&stack).run(Timestamp::now()).await.unwrap();
    let record = job(&stack, &id).await;
    assert_eq!(
        (
            record["status"].as_str(),
            record["progress"]["messages"].as_u64()
        ),
        (Some("done"), Some(2))
    );
    assert_eq!(record["progress"]["conversations"], 2);
    let elsewhere =
        shared::domain::ConversationId::decode(other["conversation_id"].as_str().unwrap()).unwrap();
    let messages = stack.messages(&elsewhere, 5).await;
    assert_eq!(
        (
            messages[0].sender_name.as_str(),
            messages[0].message.as_str()
        ),
        ("Erased staff member", "")
    );
    let family = stack.messages(&general(CUSTOMER), 5).await;
    assert!(family.iter().any(|m| m.message == "Casey answers"));
    let tenant = TenantId::from(TENANT);
    assert!(stack
        .store
        .staff(&tenant, &UserId::from("nurse"))
        .await
        .unwrap()
        .is_none());
}
