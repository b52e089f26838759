//! The email-inbound function's cold start needs a reply it can store: the receipt
//! fixture readdressed to a reply address issued in the bench's table, and its raw
//! message where SES's receipt rule puts it in moto's S3.

use serde_json::{json, Value};

use super::TENANT;

/// The domain tests/email/ses-receipt.json's reply was sent to.
pub(super) const REPLY_DOMAIN: &str = "reply.example.com";
/// The fixture's sender, who the reply address was issued to.
const REPLY_FROM: &str = "jane.doe@example.net";

/// tests/email/ses-receipt.json readdressed to a reply address issued to its sender (a
/// contact of c1), with the raw message (the gmail reply, from that sender) where the
/// receipt rule's S3 action puts it: each invocation reads the message, the token, the
/// contact and the gate, then writes the reply (the first), finds it stored (the others,
/// as a redelivery) or drops it past the sender's rate (after 50 in a container).
pub(super) async fn email_receipt(store: &shared::store::DynamoStore) -> Value {
    let mut event: Value = serde_json::from_str(include_str!("../../email/ses-receipt.json"))
        .expect("the receipt fixture is JSON");
    let ses = &mut event["Records"][0]["ses"];
    let message_id = ses["mail"]["messageId"].as_str().unwrap().to_owned();
    testkit::seed::contact(store, TENANT, "c1", "p1", REPLY_FROM, None).await;
    let reader = shared::store::Reader {
        side: shared::domain::Side::Customer,
        user_id: "p1".into(),
    };
    let token = shared::store::ReplyStore::issue_reply_token(
        store,
        &shared::domain::ids::TenantId::from(TENANT),
        &shared::domain::ConversationId::new("c1", shared::domain::Subject::General),
        &reader,
        REPLY_FROM,
        &shared::domain::now_rfc3339(),
    )
    .await
    .unwrap();
    let to = json!([shared::store::reply_address(&token, REPLY_DOMAIN)]);
    ses["mail"]["destination"] = to.clone();
    ses["receipt"]["recipients"] = to;
    let raw: Vec<String> = String::from_utf8_lossy(include_bytes!("../../email/gmail-reply.eml"))
        .split("\r\n")
        .map(|line| match line.starts_with("From:") {
            true => format!("From: \"Doe, Jane\" <{REPLY_FROM}>"),
            false => line.to_owned(),
        })
        .collect();
    let raw = raw.join("\r\n");
    assert!(
        raw.contains(REPLY_FROM),
        "gmail-reply.eml has a From header"
    );
    let s3 = aws_sdk_s3::Client::new(&testkit::moto::sdk_config().await);
    let bucket = testkit::dynamodb::TEST_BUCKET;
    let _ = s3.create_bucket().bucket(bucket).send().await;
    s3.put_object()
        .bucket(bucket)
        .key(format!("{}{message_id}", email_inbound::INBOUND_PREFIX))
        .body(raw.into_bytes().into())
        .send()
        .await
        .expect("moto's S3 takes the raw message");
    event
}
