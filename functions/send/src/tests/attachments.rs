//! Uploads through a presigned POST to moto's S3, attachments checked before a message
//! takes them, downloads only for those who may read the thread (`make test` runs moto).

use super::*;
use testkit::moto;

mod deleted;
mod targets;
mod types;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

fn upload_request(claims: &Claims, body: Value) -> ApiEvent {
    ApiEvent::new("POST", "/attachments")
        .claims(claims)
        .json(body)
}

/// An upload form for `name`, filled with `bytes` (declared as `declared` bytes).
async fn uploaded(
    stack: &TestApp,
    claims: &Claims,
    customer: &str,
    name: &str,
    content_type: &str,
    declared: usize,
    bytes: &[u8],
) -> String {
    let (status, form) = stack.call(handle, upload_request(
            claims,
            json!({"customer_id": customer, "name": name, "content_type": content_type, "size": declared}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{form}");
    assert!(form["upload_id"].as_str().unwrap().starts_with("up_"));
    moto::upload(&form, bytes).await;
    form["upload_id"].as_str().unwrap().to_owned()
}

fn with_attachments(claims: &Claims, customer: &str, ids: &[&str]) -> ApiEvent {
    let attachments: Vec<Value> = ids.iter().map(|id| json!({"id": id})).collect();
    post_message(
        claims,
        json!({"customer_id": customer, "attachments": attachments}),
    )
}

async fn download(stack: &TestApp, claims: &Claims, id: &str) -> (u16, Option<String>) {
    let event = ApiEvent::new("GET", "/attachments/{id}")
        .claims(claims)
        .path_param("id", id);
    let response = thread::handle(&stack.app(), event.request()).await;
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (response.status().as_u16(), location)
}

#[tokio::test]
async fn an_uploaded_file_is_sent_and_downloaded_as_an_attachment() {
    let stack = TestApp::start(TENANT).await;
    let staff = Claims::staff(TENANT, "s1");
    let id = uploaded(
        &stack,
        &staff,
        "c1",
        "Bloodwork.pdf",
        "application/pdf",
        PDF.len(),
        PDF,
    )
    .await;
    stack.requests.reset();
    stack.s3_requests.reset();
    let (status, message) = stack
        .call(handle, with_attachments(&staff, "c1", &[&id]))
        .await;
    assert_eq!(status, 201, "{message}");
    // Settings (a new container), the uploads (one BatchGetItem), the send's transaction;
    // per file one ranged GET and one server-side copy.
    assert_eq!(
        stack.requests.operations(),
        ["GetItem", "BatchGetItem", "TransactWriteItems"]
    );
    assert_eq!(stack.s3_requests.operations(), ["GetObject", "CopyObject"]);
    assert_eq!(message["type"], "attachment");
    assert_eq!(message["attachments"][0]["id"], id.as_str());
    assert_eq!(message["attachments"][0]["name"], "Bloodwork.pdf");
    assert_eq!(message["attachments"][0]["size"], PDF.len());

    // A download link: the upload read by key (and the settings); the link is signed
    // here, nothing is asked of S3.
    stack.requests.reset();
    assert_eq!(download(&stack, &staff, &id).await.0, 302);
    assert_eq!(stack.requests.operations(), ["BatchGetItem", "GetItem"]);

    for claims in [
        staff.clone(),
        Claims::customer(TENANT, "p1", "c1"),
        Claims::admin(TENANT, "a1"),
    ] {
        let (status, location) = download(&stack, &claims, &id).await;
        assert_eq!(status, 302, "{claims:?}");
        let (status, content_type, disposition, bytes) = moto::fetch(&location.unwrap()).await;
        assert_eq!(status, 200);
        assert_eq!(bytes, PDF);
        assert!(
            content_type.starts_with("application/pdf"),
            "{content_type}"
        );
        assert!(disposition.starts_with("attachment"), "{disposition}");
    }
    for claims in [
        Claims::customer(TENANT, "p9", "c9"),
        Claims::basic_staff(TENANT, "b1"),
        Claims::staff("clinic-b", "s1"),
    ] {
        assert_eq!(download(&stack, &claims, &id).await.0, 404, "{claims:?}");
    }
    assert_eq!(download(&stack, &staff, "up_unknown").await.0, 404);

    // Once taken, never again.
    let (status, body) = stack
        .call(handle, with_attachments(&staff, "c1", &[&id]))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("attachment_already_used"))
    );
    assert_eq!(stored_messages(&stack, TENANT, &general("c1")).await, 1);
}

#[tokio::test]
async fn uploads_that_are_not_what_they_claim_are_refused_and_nothing_is_sent() {
    let stack = TestApp::start(TENANT).await;
    let staff = Claims::staff(TENANT, "s1");
    for (body, code) in [
        (
            json!({"customer_id": "c1", "name": "logo.svg", "content_type": "image/svg+xml", "size": 10}),
            "unsupported_attachment_type",
        ),
        (
            json!({"customer_id": "c1", "name": "page.html", "content_type": "text/html", "size": 10}),
            "unsupported_attachment_type",
        ),
        (
            json!({"customer_id": "c1", "name": "scan.pdf", "content_type": "image/png", "size": 10}),
            "attachment_type_mismatch",
        ),
        (
            json!({"customer_id": "c1", "name": "big.pdf", "content_type": "application/pdf", "size": 26_214_401}),
            "attachment_too_large",
        ),
        (
            json!({"customer_id": "c1", "name": "empty.pdf", "content_type": "application/pdf", "size": 0}),
            "attachment_too_large",
        ),
        (
            json!({"customer_id": "c1", "name": "a/b.pdf", "content_type": "application/pdf", "size": 10}),
            "invalid_attachment",
        ),
    ] {
        let (status, answer) = stack
            .call(handle, upload_request(&staff, body.clone()))
            .await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (400, Some(code)),
            "{body}"
        );
    }

    let html = b"<html><script>alert(1)</script></html>";
    let fake = uploaded(
        &stack,
        &staff,
        "c1",
        "invoice.pdf",
        "application/pdf",
        html.len(),
        html,
    )
    .await;
    let short = uploaded(
        &stack,
        &staff,
        "c1",
        "short.pdf",
        "application/pdf",
        PDF.len() + 5,
        PDF,
    )
    .await;
    let empty = uploaded(
        &stack,
        &staff,
        "c1",
        "empty.pdf",
        "application/pdf",
        10,
        b"",
    )
    .await;
    // A form asked for and never posted.
    let (status, form) = stack.call(handle, upload_request(
            &staff,
            json!({"customer_id": "c1", "name": "never.pdf", "content_type": "application/pdf", "size": 10}),
        ),
    )
    .await;
    assert_eq!(status, 201);
    let never = form["upload_id"].as_str().unwrap().to_owned();
    let theirs = uploaded(
        &stack,
        &Claims::staff(TENANT, "s2"),
        "c1",
        "theirs.pdf",
        "application/pdf",
        PDF.len(),
        PDF,
    )
    .await;
    let elsewhere = uploaded(
        &stack,
        &staff,
        "c2",
        "other.pdf",
        "application/pdf",
        PDF.len(),
        PDF,
    )
    .await;
    let foreign = uploaded(
        &stack,
        &Claims::staff("clinic-b", "s1"),
        "c1",
        "b.pdf",
        "application/pdf",
        PDF.len(),
        PDF,
    )
    .await;
    for (id, code) in [
        (fake.as_str(), "attachment_content_mismatch"),
        (short.as_str(), "attachment_size_mismatch"),
        (theirs.as_str(), "attachment_unknown"),
        (elsewhere.as_str(), "attachment_unknown"),
        (foreign.as_str(), "attachment_unknown"),
        ("up_nothing", "attachment_unknown"),
    ] {
        let (status, answer) = stack
            .call(handle, with_attachments(&staff, "c1", &[id]))
            .await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (400, Some(code)),
            "{id}"
        );
    }
    let (status, answer) = stack
        .call(handle, with_attachments(&staff, "c1", &[&never]))
        .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (400, Some("attachment_missing"))
    );
    let (status, answer) = stack
        .call(handle, with_attachments(&staff, "c1", &[&empty]))
        .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (400, Some("attachment_size_mismatch")),
        "an empty file is not the 10 bytes declared"
    );
    assert_eq!(
        stored_messages(&stack, TENANT, &general("c1")).await,
        0,
        "nothing sent"
    );

    // An upload form: the settings, the conversation's header (a send would be refused
    // where it is missing or closed) and the upload's record; the form is signed here.
    stack.requests.reset();
    let form = json!({"customer_id": "c1", "name": "x.pdf", "content_type": "application/pdf", "size": 10});
    assert_eq!(
        stack
            .call(handle, upload_request(&staff, form.clone()))
            .await
            .0,
        201
    );
    assert_eq!(
        stack.requests.operations(),
        ["GetItem", "GetItem", "PutItem"]
    );
    // Who may not write there may not upload there either.
    assert_eq!(
        stack
            .call(
                handle,
                upload_request(&Claims::basic_staff(TENANT, "b1"), form.clone())
            )
            .await
            .0,
        404
    );

    // Customers upload to their own account only.
    let owner = Claims::customer(TENANT, "p1", "c1");
    let (status, _) = stack.call(handle, upload_request(&owner, json!({"customer_id": "c2", "name": "x.pdf", "content_type": "application/pdf", "size": 10})),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_tenant_sets_how_large_and_how_many_files_may_be_sent() {
    let stack = TestApp::start(TENANT).await;
    stack
        .set_settings(
            TENANT,
            &shared::domain::Settings {
                max_attachment_mb: 1,
                max_attachments: 1,
                ..Default::default()
            },
        )
        .await;
    let staff = Claims::staff(TENANT, "s1");
    let big = json!({"customer_id": "c1", "name": "scan.pdf", "content_type": "application/pdf", "size": 1_048_577});
    let (status, body) = stack.call(handle, upload_request(&staff, big)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("attachment_too_large"))
    );
    let a = uploaded(
        &stack,
        &staff,
        "c1",
        "a.pdf",
        "application/pdf",
        PDF.len(),
        PDF,
    )
    .await;
    let b = uploaded(
        &stack,
        &staff,
        "c1",
        "b.pdf",
        "application/pdf",
        PDF.len(),
        PDF,
    )
    .await;
    let (status, body) = stack
        .call(handle, with_attachments(&staff, "c1", &[&a, &b]))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("too_many_attachments"))
    );
    assert_eq!(
        stack
            .call(handle, with_attachments(&staff, "c1", &[&a]))
            .await
            .0,
        201
    );
}

mod replays;
