//! The seed's spreadsheets and videos: CSV, AVI and WebM files are sent when their bytes
//! are what their names say, and refused when not.

use super::*;
use shared::domain::ids::TenantId;

/// A CSV export whose first sniffed bytes end in the middle of a three-byte character.
fn csv() -> Vec<u8> {
    let mut text = String::from("patient,note\n");
    while text.len() < 2 * shared::domain::attachment::SNIFF_BYTES {
        text.push_str("Bella,体重は順調です\n");
    }
    text.into_bytes()
}

// moto's form parser reads a file as UTF-8 and replaces what is not, so the bytes posted
// through it here are valid UTF-8 (the unit tests of the allow-list check the usual
// binary headers).

/// The start of an AVI file: RIFF, its size, the form type and the header list.
fn avi() -> Vec<u8> {
    let mut bytes = b"RIFF\x00\x10\x00\x00AVI LIST\x7c\x00\x00\x00hdrlavih8\x00\x00\x00".to_vec();
    bytes.resize(256, b' ');
    bytes
}

/// The start of a WebM file: the EBML magic, an eight-byte size and a header naming the
/// webm doctype.
fn webm() -> Vec<u8> {
    let mut bytes = b"\x1a\x45\xdf\xa3\x01\x00\x00\x00\x00\x00\x00\x1f\x42\x02\x04webm".to_vec();
    bytes.resize(256, b' ');
    bytes
}

#[tokio::test]
async fn csv_avi_and_webm_files_are_sent_when_their_bytes_agree() {
    let stack = TestApp::start(TENANT).await;
    let staff = Claims::staff(TENANT, "s1");
    let (csv, avi, webm) = (csv(), avi(), webm());
    let cut_at = shared::domain::attachment::SNIFF_BYTES;
    assert!(
        std::str::from_utf8(&csv[..cut_at]).is_err(),
        "a cut character"
    );
    let files: [(&str, &str, &[u8]); 4] = [
        ("weights.csv", "text/csv", &csv),
        ("export.csv", "application/vnd.ms-excel", &csv),
        ("walk.avi", "video/x-msvideo", &avi),
        ("walk.webm", "video/webm", &webm),
    ];
    for (name, content_type, bytes) in files {
        let id = uploaded(&stack, &staff, "c1", name, content_type, bytes.len(), bytes).await;
        let (status, message) = stack
            .call(handle, with_attachments(&staff, "c1", &[&id]))
            .await;
        assert_eq!(status, 201, "{name}: {message}");
        assert_eq!(message["attachments"][0]["name"], name);
        assert_eq!(message["attachments"][0]["content_type"], content_type);
        let (status, location) = download(&stack, &staff, &id).await;
        assert_eq!(status, 302);
        let (_, _, _, served) = moto::fetch(&location.unwrap()).await;
        assert_eq!(served, bytes, "{name}");
    }
    assert_eq!(stored_messages(&stack, TENANT, &general("c1")).await, 4);
}

#[tokio::test]
async fn csv_avi_and_webm_files_whose_bytes_disagree_are_refused() {
    let stack = TestApp::start(TENANT).await;
    let staff = Claims::staff(TENANT, "s1");
    let (avi, webm) = (avi(), webm());
    let with_nul = b"patient,note\n\x00\x00\x00\x00".to_vec();
    let files: [(&str, &str, &[u8]); 5] = [
        ("weights.csv", "text/csv", &with_nul),
        // A spreadsheet saved as xlsx (a zip) and renamed.
        (
            "weights.csv",
            "text/csv",
            b"PK\x03\x04\x14\x00\x06\x00\x08\x00",
        ),
        ("walk.avi", "video/x-msvideo", &webm),
        (
            "walk.avi",
            "video/x-msvideo",
            b"RIFF\x00\x10\x00\x00WAVEfmt ",
        ),
        ("walk.webm", "video/webm", &avi),
    ];
    for (name, content_type, bytes) in files {
        let id = uploaded(&stack, &staff, "c1", name, content_type, bytes.len(), bytes).await;
        let (status, answer) = stack
            .call(handle, with_attachments(&staff, "c1", &[&id]))
            .await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (400, Some("attachment_content_mismatch")),
            "{name}: {bytes:?}"
        );
    }
    // Declared as another file's type, no form at all.
    let form =
        json!({"customer_id": "c1", "name": "walk.avi", "content_type": "video/webm", "size": 10});
    let (status, answer) = stack.call(handle, upload_request(&staff, form)).await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (400, Some("attachment_type_mismatch"))
    );
    assert_eq!(stored_messages(&stack, TENANT, &general("c1")).await, 0);
}

#[tokio::test]
async fn a_files_name_is_plain_text_in_the_message_and_the_feed() {
    let stack = TestApp::start(TENANT).await;
    let staff = Claims::staff(TENANT, "s1");
    let id = uploaded(
        &stack,
        &staff,
        "c1",
        "<img src=x onerror=alert(1)>scan.pdf",
        "application/pdf",
        PDF.len(),
        PDF,
    )
    .await;
    let (status, message) = stack
        .call(handle, with_attachments(&staff, "c1", &[&id]))
        .await;
    assert_eq!(status, 201, "{message}");
    assert_eq!(message["attachments"][0]["name"], "scan.pdf");
    let header = stack
        .store
        .conversation(&TenantId::from(TENANT), &general("c1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(header.last_excerpt.as_deref(), Some("scan.pdf"));
    for name in [
        "scan\u{202E}fdp.exe.pdf",
        "<b></b>.pdf",
        "<script>x</script>",
    ] {
        let form = json!({"customer_id": "c1", "name": name, "content_type": "application/pdf", "size": 10});
        let (status, body) = stack.call(handle, upload_request(&staff, form)).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some("invalid_attachment")),
            "{name}"
        );
    }
}
