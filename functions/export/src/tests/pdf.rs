//! `GET /conversations/{id}/export?format=pdf`: the text read back out of the PDF with
//! poppler's `pdftotext` holds what the CSV of the same conversation does, in order.

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;
use shared::domain::ConversationId;
use shared::files::names::content_disposition;
use shared::store::keys;
use testkit::app::{message_in, open_conversation, order_1042};
use testkit::{read_response, seed, ApiEvent, Claims, TestApp};

use super::{body_text, export_as, TENANT};
use crate::pdf::local_time;

const ZONE: &str = "Europe/Athens";

/// A long text of short words, wrapped over many lines.
fn long_text(i: usize) -> String {
    let mut text = format!("Long note {i}:");
    let mut word = 0;
    while text.len() < 3_800 {
        text.push_str(&format!(" word{word} and more"));
        word += 1;
    }
    text
}

/// Order 1042 with the buyer and the vendor writing in three scripts, long notes over
/// several pages, then one message edited, one deleted and one given files (as the edit
/// and delete routes and the upload leave them in the table).
async fn conversation(stack: &TestApp) -> String {
    stack.vendor("vendor-9").await;
    seed::contact(
        &stack.store,
        TENANT,
        "buyer-1",
        "buyer-contact",
        "b@example.com",
        None,
    )
    .await;
    let admin = Claims::admin(TENANT, "a1");
    let settings = ApiEvent::new("PUT", "/settings/messaging")
        .claims(&admin)
        .json(json!({ "timezone": ZONE }));
    assert_eq!(stack.call(admin::handle, settings).await.0, 200);
    let host = Claims::service(TENANT, "marketplace");
    let (_, opened) = stack
        .call(admin::handle, open_conversation(&host, order_1042()))
        .await;
    let id = opened["id"].as_str().unwrap().to_owned();
    let app = stack.app();
    let vendor = Claims::basic_staff(TENANT, "vendor-9");
    let buyer = Claims::customer(TENANT, "buyer-contact", "buyer-1");
    let mut texts = vec![
        (
            &vendor,
            "Bella's order is packed (size M) – ready Friday.".to_owned(),
        ),
        (&buyer, "Καλημέρα! Ευχαριστώ πολύ.".to_owned()),
        (&vendor, "Привет! Заказ готов, ёлка в коробке.".to_owned()),
        (&buyer, "Two lines:\nthe second one".to_owned()),
        (&vendor, "This one is edited".to_owned()),
        (&buyer, "This one is deleted".to_owned()),
        (&vendor, "Photos attached".to_owned()),
    ];
    for i in 0..6 {
        texts.push((if i % 2 == 0 { &vendor } else { &buyer }, long_text(i)));
    }
    texts.push((&buyer, "The last word".to_owned()));
    let mut ids = Vec::new();
    for (who, text) in &texts {
        let (status, body) =
            read_response(send::handle(&app, message_in(who, &id, text).request()).await);
        assert_eq!(status, 201, "{body}");
        ids.push(body["id"].as_str().unwrap().to_owned());
    }
    let change = |message: &str, set: &str, values: Vec<(&str, AttributeValue)>| {
        let conversation = ConversationId::decode(&id).unwrap();
        let mut update = stack
            .store
            .client()
            .update_item()
            .table_name(stack.store.table())
            .key(
                "pk",
                AttributeValue::S(keys::conversation_pk(TENANT, &conversation)),
            )
            .key("sk", AttributeValue::S(keys::message_sk(message)))
            .update_expression(set.to_owned());
        for (name, value) in values {
            update = update.expression_attribute_values(name, value);
        }
        async move { update.send().await.unwrap() }
    };
    let s = |v: &str| AttributeValue::S(v.to_owned());
    change(
        &ids[4],
        "SET is_edited = :t, edited_at = :at, message = :m",
        vec![
            (":t", AttributeValue::Bool(true)),
            (":at", s("2030-01-02T10:00:00.000Z")),
            (":m", s("This one was edited")),
        ],
    )
    .await;
    change(
        &ids[5],
        "SET deleted = :t, deleted_at = :at, deleted_by = :by, message = :m",
        vec![
            (":t", AttributeValue::Bool(true)),
            (":at", s("2030-01-02T11:30:00.000Z")),
            (":by", s("a1")),
            (":m", s("")),
        ],
    )
    .await;
    let files = json!([
        { "id": "f1", "name": "Bella front.jpg", "content_type": "image/jpeg", "size": 1000 },
        { "id": "f2", "name": "Счёт.pdf", "content_type": "application/pdf", "size": 2000 },
    ]);
    change(
        &ids[6],
        "SET attachments = :a",
        vec![(":a", s(&files.to_string()))],
    )
    .await;
    id
}

/// `pdftotext` (poppler-utils) of `pdf`, in reading order.
fn pdf_text(pdf: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("export-pdf-{}", ulid::Ulid::new()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("export.pdf");
    std::fs::write(&path, pdf).unwrap();
    let output = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (Debian: poppler-utils; scripts/test.sh installs it)");
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// RFC 4180 records (quoted cells, doubled quotes, line breaks inside quotes).
fn csv_records(csv: &str) -> Vec<Vec<String>> {
    let (mut records, mut record, mut cell) = (Vec::new(), Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, csv.trim_start_matches('\u{FEFF}').chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            (true, '"') | (false, '"') => quoted = !quoted,
            (false, ',') => record.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut cell));
                records.push(std::mem::take(&mut record));
            }
            (_, c) => cell.push(c),
        }
    }
    records
}

fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[tokio::test]
async fn the_pdf_holds_what_the_csv_does_in_order() {
    let stack = TestApp::start(TENANT).await;
    let id = conversation(&stack).await;
    let admin = Claims::admin(TENANT, "a1");
    let app = stack.app();
    let csv = body_text(&crate::handle(&app, export_as(&admin, &id, "csv").request()).await);
    let response = crate::handle(&app, export_as(&admin, &id, "pdf").request()).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert_eq!(
        response.headers()["content-disposition"],
        content_disposition("order-1042.pdf").as_str()
    );
    let lambda_http::Body::Binary(pdf) = response.body() else {
        panic!("a binary body");
    };
    assert!(pdf.starts_with(b"%PDF-1.7") && pdf.ends_with(b"%%EOF\n"));
    let text = pdf_text(pdf);

    // Every page says which it is of how many; without the footers the text reads on.
    let pages = text.matches('\u{c}').count();
    assert!(pages >= 3, "{pages} pages");
    for page in 1..=pages {
        assert!(
            text.contains(&format!("Page {page} of {pages}")),
            "{page}\n{text}"
        );
    }
    let body: Vec<&str> = text
        .lines()
        .filter(|l| !(l.trim_start_matches('\u{c}').starts_with("Page ") && l.contains(" of ")))
        .collect();
    let body = words(&body.join("\n"));

    let zone = jiff::tz::TimeZone::get(ZONE).unwrap();
    let mut expected = vec![
        "Order #1042".to_owned(),
        "Order 1042 · account buyer-1".to_owned(),
        "times in Europe/Athens".to_owned(),
    ];
    let records = csv_records(&csv);
    assert_eq!(records[0][0], "time");
    for record in &records[1..] {
        let [time, sender_type, _, sender, kind, text, files, _, _, edited, edited_at, deleted, deleted_at, deleted_by, _] =
            &record[..]
        else {
            panic!("{record:?}");
        };
        expected.push(format!(
            "{} · {sender} ({sender_type}) · {kind}",
            local_time(time, &zone)
        ));
        if edited == "true" {
            expected.push(format!("(edited {})", local_time(edited_at, &zone)));
        }
        if deleted == "true" {
            assert_eq!(text, "", "a deleted message keeps no text");
            expected.push(format!(
                "Message deleted by {deleted_by} at {}",
                local_time(deleted_at, &zone)
            ));
        } else if !text.is_empty() {
            expected.push(words(text));
        }
        if !files.is_empty() {
            expected.push(format!("Attachments: {}", files.replace("; ", ", ")));
        }
    }
    assert_eq!(
        records.len(),
        1 + 1 + 14,
        "the opening note and 14 messages"
    );
    let mut from = 0;
    for part in &expected {
        let part = words(part);
        match body[from..].find(&part) {
            Some(at) => from += at + part.len(),
            None => panic!("{part:?} is not after byte {from} of the PDF's text:\n{body}"),
        }
    }
    for script in [
        "Καλημέρα!",
        "Привет!",
        "ёлка",
        "Счёт.pdf",
        "(edited 2030-01-02 12:00:00 EET)",
    ] {
        assert!(body.contains(script), "{script}");
    }
    assert!(!body.contains("This one is deleted") && !body.contains("This one is edited"));
}

#[tokio::test]
async fn a_pdf_past_the_response_limit_is_handed_over_through_the_bucket() {
    let stack = TestApp::start(TENANT).await;
    stack.vendor("vendor-9").await;
    let host = Claims::service(TENANT, "marketplace");
    let (_, opened) = stack
        .call(admin::handle, open_conversation(&host, order_1042()))
        .await;
    let id = opened["id"].as_str().unwrap().to_owned();
    let app = stack.app();
    let vendor = Claims::basic_staff(TENANT, "vendor-9");
    for i in 0..20 {
        let event = message_in(&vendor, &id, &format!("update {i}"));
        assert_eq!(
            read_response(send::handle(&app, event.request()).await).0,
            201
        );
    }
    let request = export_as(&host, &id, "pdf").request();
    let inline = crate::export_within(&app, &request, crate::MAX_EXPORT_BYTES)
        .await
        .unwrap();
    assert_eq!(inline.status(), 200);
    // The font alone is some 35 kB: a limit of 10 kB stands in for Lambda's 6 MB.
    let response = crate::export_within(&app, &request, 10_000).await.unwrap();
    assert_eq!(response.status(), 302);
    let link = response.headers()["location"].to_str().unwrap().to_owned();
    let (status, content_type, disposition, bytes) = testkit::moto::fetch(&link).await;
    assert_eq!((status, content_type.as_str()), (200, "application/pdf"));
    assert_eq!(disposition, content_disposition("order-1042.pdf"));
    let lambda_http::Body::Binary(answered) = inline.body() else {
        panic!("a binary body");
    };
    // The same document (but for the time it was made).
    assert!(
        bytes.len().abs_diff(answered.len()) < 8,
        "{} {}",
        bytes.len(),
        answered.len()
    );
    let text = pdf_text(&bytes);
    assert!(
        text.contains("update 0") && text.contains("update 19"),
        "{text}"
    );
}

/// Admins' audit: the texts edits replaced are in both formats, the deleted message's
/// text in neither.
#[tokio::test]
async fn exports_keep_earlier_versions_and_drop_deleted_text() {
    let stack = TestApp::start(TENANT).await;
    let staff = Claims::staff(TENANT, "s1");
    let sent = stack
        .send_as(
            send::handle,
            &staff,
            json!({"customer_id": "buyer-1", "message": "Pick-up at 3"}),
        )
        .await;
    let gone = stack
        .send_as(
            send::handle,
            &staff,
            json!({"customer_id": "buyer-1", "message": "secret code 4411"}),
        )
        .await;
    let id = sent["conversation_id"].as_str().unwrap();
    let change = |method: &str, message: &serde_json::Value| {
        ApiEvent::new(method, "/conversations/{id}/messages/{message_id}")
            .claims(&staff)
            .path_param("id", id)
            .path_param("message_id", message["id"].as_str().unwrap())
    };
    let edit = change("PATCH", &sent).json(json!({"message": "Pick-up at 4"}));
    assert_eq!(stack.call(send::handle, edit).await.0, 200);
    assert_eq!(
        stack.call(send::handle, change("DELETE", &gone)).await.0,
        200
    );

    let admin = Claims::admin(TENANT, "a1");
    let response = crate::handle(&stack.app(), export_as(&admin, id, "csv").request()).await;
    let csv = body_text(&response);
    let records = csv_records(&csv);
    let edited = &records[1];
    assert_eq!(edited[5], "Pick-up at 4");
    let earlier: serde_json::Value = serde_json::from_str(&edited[14]).unwrap();
    assert_eq!(earlier[0]["message"], "Pick-up at 3");
    assert!(!csv.contains("4411"));

    let response = crate::handle(&stack.app(), export_as(&admin, id, "pdf").request()).await;
    let lambda_http::Body::Binary(pdf) = response.body() else {
        panic!("a PDF body");
    };
    let text = words(&pdf_text(pdf));
    assert!(text.contains("Pick-up at 4"), "{text}");
    assert!(text.contains("): Pick-up at 3"), "{text}");
    assert!(!text.contains("4411"), "{text}");
}
