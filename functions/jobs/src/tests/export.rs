//! What an export holds: the profile, preferences and the number's opt-out, the account's
//! conversations, what the person wrote (their files as links), deliveries to them;
//! nothing of anyone else's.

use super::*;

#[tokio::test]
async fn an_export_holds_everything_about_the_person_and_nothing_else() {
    let stack = family().await;
    for i in 0..4 {
        say(&stack, &casey(), &format!("Casey {i}"), None).await;
    }
    say(&stack, &casey(), "About Bella", Some("bella")).await;
    say(&stack, &sam(), "Sam writes too", None).await;
    say(&stack, &nurse(), "The nurse answers", None).await;
    let upload = send_file(&stack, &casey()).await;
    delivered_to_casey(&stack).await;
    stack
        .store
        .set_opted_out(&TenantId::from(TENANT), PHONE, true)
        .await
        .unwrap();
    let id = start_export(&stack).await;
    let report = worker(&stack).run(Timestamp::now()).await.unwrap();
    assert_eq!((report.jobs, report.finished), (1, 1), "{report:?}");

    let doc = document(&stack, &id).await;
    assert_eq!(doc["format"], "tidings.person-export/1");
    assert_eq!(doc["job_id"], id.as_str());
    assert_eq!(
        doc["person"],
        json!({"kind": "contact", "customer_id": CUSTOMER, "contact_id": CONTACT})
    );
    assert_eq!(doc["profile"]["name"], "Contact casey");
    assert_eq!(doc["profile"]["email"], "casey@example.com");
    assert_eq!(doc["profile"]["phone"], PHONE);
    assert_eq!(doc["preferences"]["email_opt_in"], true);
    assert_eq!(doc["preferences"]["sms_number"]["opted_out"], true);
    let subjects: Vec<&str> = doc["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, ["general", "patient:bella"]);
    let messages = doc["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 6, "their five texts and their file");
    assert!(
        messages.iter().all(|m| m["sender_id"] == CONTACT),
        "{messages:?}"
    );
    let texts: Vec<&str> = messages
        .iter()
        .filter_map(|m| m["message"].as_str())
        .collect();
    assert!(texts.contains(&"Casey 3") && texts.contains(&"About Bella"));
    let file = messages
        .iter()
        .flat_map(|m| m["attachments"].as_array().unwrap())
        .next()
        .expect("their file");
    assert_eq!(file["id"], upload.as_str());
    let (status, _, _, bytes) = moto::fetch(file["download_url"].as_str().unwrap()).await;
    assert_eq!(
        (status, bytes.as_slice()),
        (200, PDF),
        "a working link to the file"
    );
    let deliveries = doc["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0]["address"], "casey@example.com");
    assert_eq!(deliveries[0]["status"], "sent");
    let progress = &job(&stack, &id).await["progress"];
    assert_eq!(
        (
            progress["messages"].as_u64(),
            progress["deliveries"].as_u64(),
            progress["files"].as_u64()
        ),
        (Some(6), Some(1), Some(1))
    );
}

#[tokio::test]
async fn a_person_without_messages_gets_a_whole_document() {
    let stack = family().await;
    let id = start_export(&stack).await;
    worker(&stack).run(Timestamp::now()).await.unwrap();
    let doc = document(&stack, &id).await;
    assert_eq!(doc["conversations"], json!([]));
    assert_eq!(doc["messages"], json!([]));
    assert_eq!(doc["deliveries"], json!([]));
}
