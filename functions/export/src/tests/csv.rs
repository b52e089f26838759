//! `GET /conversations/{id}/export?format=csv` on an order conversation longer than a
//! history page, and who may export in either format.

use serde_json::json;
use testkit::app::{message_in, open_conversation, order_1042};
use testkit::{read_response, seed, ApiEvent, Claims, TestApp};

use super::{body_text, export, export_as, TENANT};

#[tokio::test]
async fn the_whole_history_exports_oldest_first_with_who_read_it() {
    let stack = TestApp::start(TENANT).await;
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
    let host = Claims::service(TENANT, "marketplace");
    let (_, opened) = stack
        .call(admin::handle, open_conversation(&host, order_1042()))
        .await;
    let id = opened["id"].as_str().unwrap().to_owned();
    let app = stack.app();
    let vendor = Claims::basic_staff(TENANT, "vendor-9");
    let buyer = Claims::customer(TENANT, "buyer-contact", "buyer-1");
    // More than a history page (1,000 messages).
    for i in 0..1_100 {
        let (who, text) = if i % 2 == 0 {
            (&vendor, format!("update {i}"))
        } else {
            (&buyer, format!("reply {i}"))
        };
        let (status, _) =
            read_response(send::handle(&app, message_in(who, &id, &text).request()).await);
        assert_eq!(status, 201);
    }
    let tricky = "=HYPERLINK(\"http://evil.example\",\"click\"), then \"quotes\"\nand a line";
    read_response(send::handle(&app, message_in(&buyer, &id, tricky).request()).await);
    read_response(send::handle(&app, message_in(&vendor, &id, "last word").request()).await);

    stack.requests.reset();
    let response = crate::handle(&app, export(&host, &id).request()).await;
    assert_eq!(response.status(), 200);
    // Settings (cached by now), the header, two history pages, the account's contacts, the
    // staff directory (without basic staff), the order's vendors' profiles and the
    // readers' positions.
    assert!(stack.requests.total() <= 8, "{}", stack.requests.total());
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("order-1042.csv"));
    let csv = body_text(&response);
    assert!(csv.starts_with(
        "\u{FEFF}time,sender_type,sender_id,sender_name,type,text,attachments,metadata,read_by,\
         is_edited,edited_at,deleted,deleted_at,deleted_by,earlier_versions\r\n"
    ));
    let records: Vec<&str> = csv.split("\r\n").filter(|r| !r.is_empty()).collect();
    // The column row, the opening note, 1,100 messages, the tricky one and the last word.
    assert_eq!(records.len(), 1 + 1 + 1_100 + 2);
    assert!(records[1].contains(",system,") && records[1].contains("Order #1042 opened."));
    assert!(records[2].contains(",update 0,"));
    assert!(csv.contains(
        "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\"), then \"\"quotes\"\"\nand a line\""
    ));
    // The buyer last sent after every vendor message but the last: read by them.
    assert!(
        records[2].ends_with(",buyer-contact,false,,false,,,"),
        "{}",
        records[2]
    );
    assert!(
        records
            .last()
            .unwrap()
            .ends_with("last word,,,,false,,false,,,"),
        "{}",
        records.last().unwrap()
    );
}

#[tokio::test]
async fn exports_are_for_admins_and_the_host_in_their_own_tenant() {
    let stack = TestApp::start(TENANT).await;
    stack.vendor("vendor-9").await;
    let host = Claims::service(TENANT, "marketplace");
    let (_, opened) = stack
        .call(admin::handle, open_conversation(&host, order_1042()))
        .await;
    let id = opened["id"].as_str().unwrap().to_owned();
    let status = |event: ApiEvent| {
        let app = stack.app();
        async move { crate::handle(&app, event.request()).await.status().as_u16() }
    };
    for format in ["csv", "pdf"] {
        let export = |claims: &Claims, id: &str| export_as(claims, id, format);
        assert_eq!(status(export(&Claims::admin(TENANT, "a1"), &id)).await, 200);
        assert_eq!(status(export(&host, &id)).await, 200);
        for claims in [
            Claims::staff(TENANT, "s1"),
            Claims::basic_staff(TENANT, "vendor-9"),
            Claims::customer(TENANT, "buyer-contact", "buyer-1"),
        ] {
            assert_eq!(status(export(&claims, &id)).await, 403, "{format}");
        }
        assert_eq!(
            status(export(&Claims::service("market-b", "m"), &id)).await,
            404,
            "{format}"
        );
        assert_eq!(status(export(&host, "nope")).await, 404);
    }
    for bad in ["xml", "PDF", ""] {
        let (code, body) =
            read_response(crate::handle(&stack.app(), export_as(&host, &id, bad).request()).await);
        assert_eq!(
            (code, body["error"]["code"].clone()),
            (400, json!("invalid_format")),
            "{bad:?}"
        );
    }
}

#[tokio::test]
async fn an_export_past_the_response_limit_is_handed_over_through_the_bucket() {
    let stack = TestApp::start(TENANT).await;
    stack.vendor("vendor-9").await;
    let host = Claims::service(TENANT, "marketplace");
    let (_, opened) = stack
        .call(admin::handle, open_conversation(&host, order_1042()))
        .await;
    let id = opened["id"].as_str().unwrap().to_owned();
    let app = stack.app();
    for i in 0..20 {
        let event = message_in(
            &Claims::basic_staff(TENANT, "vendor-9"),
            &id,
            &format!("update {i}"),
        );
        assert_eq!(
            read_response(send::handle(&app, event.request()).await).0,
            201
        );
    }
    // A limit of a kilobyte stands in for Lambda's 6 MB.
    let response = crate::export_within(&app, &export(&host, &id).request(), 1_024)
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    let link = response.headers()["location"].to_str().unwrap().to_owned();
    let (status, _, disposition, bytes) = testkit::moto::fetch(&link).await;
    assert_eq!(status, 200);
    assert!(disposition.contains("order-1042.csv"), "{disposition}");
    let csv = String::from_utf8(bytes).unwrap();
    assert!(csv.starts_with('\u{FEFF}'));
    assert_eq!(
        csv.split("\r\n").filter(|r| !r.is_empty()).count(),
        1 + 1 + 20
    );
}

/// The size of the JSON Lambda answers with for this response: its body as a JSON string
/// (where `"`, `\` and control characters are escaped again).
fn encoded_body_len(response: &lambda_http::Response<lambda_http::Body>) -> usize {
    serde_json::to_string(&body_text(response)).unwrap().len()
}

/// Opens order 1042 and has the buyer send `count` texts of 4,000 `"` (the most quotes a
/// message holds).
async fn quotes(stack: &TestApp, count: usize) -> String {
    stack.vendor("vendor-9").await;
    let host = Claims::service(TENANT, "marketplace");
    let (_, opened) = stack
        .call(admin::handle, open_conversation(&host, order_1042()))
        .await;
    let id = opened["id"].as_str().unwrap().to_owned();
    let app = stack.app();
    let buyer = Claims::customer(TENANT, "buyer-contact", "buyer-1");
    let text = "\"".repeat(4_000);
    for _ in 0..count {
        let (status, body) =
            read_response(send::handle(&app, message_in(&buyer, &id, &text).request()).await);
        assert_eq!(status, 201, "{body}");
    }
    id
}

#[tokio::test]
async fn the_limit_is_on_the_escaped_response_not_on_the_csv() {
    let stack = TestApp::start(TENANT).await;
    let id = quotes(&stack, 30).await;
    let host = Claims::service(TENANT, "marketplace");
    let app = stack.app();
    // About 240 kB of CSV, twice that once every quote is escaped in the JSON.
    let inline = crate::export_within(&app, &export(&host, &id).request(), 1_000_000)
        .await
        .unwrap();
    assert_eq!(inline.status(), 200);
    let (csv, encoded) = (body_text(&inline).len(), encoded_body_len(&inline));
    assert!(csv < 300_000 && encoded > 400_000, "{csv} {encoded}");
    let limit = (csv + encoded) / 2;
    let response = crate::export_within(&app, &export(&host, &id).request(), limit)
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        302,
        "a {csv}-byte CSV is {encoded} bytes answered"
    );
    let link = response.headers()["location"].to_str().unwrap().to_owned();
    let (status, _, _, bytes) = testkit::moto::fetch(&link).await;
    assert_eq!((status, bytes.len()), (200, csv));
}

#[tokio::test]
async fn a_long_history_streams_into_the_bucket_in_parts() {
    let stack = TestApp::start(TENANT).await;
    // About 11 MB of CSV.
    let id = quotes(&stack, 1_400).await;
    let host = Claims::service(TENANT, "marketplace");
    stack.requests.reset();
    stack.s3_requests.reset();
    let response = crate::handle(&stack.app(), export(&host, &id).request()).await;
    assert_eq!(response.status(), 302);
    // Parts of 5 MiB and a page or so, then the rest (signing the link asks nothing of S3,
    // though the counter sees it as a GetObject).
    let s3 = stack.s3_requests.operations();
    assert_eq!(
        s3.first().map(String::as_str),
        Some("CreateMultipartUpload")
    );
    assert_eq!(s3[s3.len() - 2..], ["CompleteMultipartUpload", "GetObject"]);
    assert!(stack.s3_requests.count("UploadPart") >= 2, "{s3:?}");
    assert_eq!(s3.len(), 3 + stack.s3_requests.count("UploadPart"));
    // The header and the readers' positions, then one Query a megabyte of history (about
    // 6 MB: each text is 4 kB stored, 8 kB once its quotes are doubled in the CSV).
    let queries = stack.requests.count("Query");
    assert!((6..=10).contains(&queries), "{queries}");
    assert!(
        stack.requests.total() - queries <= 5,
        "{:?}",
        stack.requests.operations()
    );
    let link = response.headers()["location"].to_str().unwrap().to_owned();
    let (status, _, disposition, bytes) = testkit::moto::fetch(&link).await;
    assert_eq!(status, 200);
    assert!(disposition.contains("order-1042.csv"), "{disposition}");
    let csv = String::from_utf8(bytes).unwrap();
    assert!(csv.starts_with("\u{FEFF}time,sender_type,"));
    let records: Vec<&str> = csv.split("\r\n").filter(|r| !r.is_empty()).collect();
    assert_eq!(records.len(), 1 + 1 + 1_400);
    let quoted = format!(",\"{}\",", "\"".repeat(8_000));
    assert!(records[2..].iter().all(|r| r.contains(&quoted)));
    let times: Vec<&str> = records[1..]
        .iter()
        .map(|r| r.split(',').next().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "oldest first");
}

#[tokio::test]
async fn an_export_the_bucket_fails_midway_is_aborted_and_retried_later() {
    let faults = testkit::faults::Faults::default();
    let stack = TestApp::with_faults(TENANT, &faults).await;
    let id = quotes(&stack, 1_400).await;
    let host = Claims::service(TENANT, "marketplace");
    // More than the SDK's own attempts: the second part never lands.
    faults.inject(
        &["partNumber=2"],
        10,
        testkit::faults::s3_error(500, "InternalError"),
    );
    stack.s3_requests.reset();
    let response = crate::handle(&stack.app(), export(&host, &id).request()).await;
    assert_eq!(response.status(), 503);
    assert!(response.headers().get("retry-after").is_some());
    // No parts are left behind to be billed (the lifecycle rule sweeps any an abort
    // could not reach).
    assert_eq!(stack.s3_requests.count("AbortMultipartUpload"), 1);
    assert_eq!(stack.s3_requests.count("CompleteMultipartUpload"), 0);
}

#[tokio::test]
async fn its_first_request_reads_the_cursor_secret() {
    let config = testkit::moto::cold_start_config("tidings").await;
    assert_eq!(config.cursor_secret, b"a-cursor-secret-of-32-characters");
}
