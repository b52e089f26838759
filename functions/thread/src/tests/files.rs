//! Files on moto's S3 as AWS would take them: download names outside ISO-8859-1, ids with
//! `+ | @ :` in keys and form URLs (a file replaced between its check and its copy is
//! `shared::files`' test: moto ignores `x-amz-copy-source-if-match`).

use serde_json::json;
use testkit::{moto, ApiEvent, Claims, TestApp};

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

/// A query parameter of a URL, percent-decoded.
fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key == name).then(|| percent_decode(value))
    })
}

fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).expect("UTF-8 once decoded")
}

/// The name a browser saves a download as: RFC 6266's `filename*` when given, else
/// `filename`.
fn saved_name(disposition: &str) -> String {
    let params: Vec<&str> = disposition.split(';').map(str::trim).collect();
    if let Some(encoded) = params.iter().find_map(|p| p.strip_prefix("filename*=")) {
        let value = encoded
            .strip_prefix("UTF-8''")
            .expect("filename* in UTF-8, without a language");
        return percent_decode(value);
    }
    params
        .iter()
        .find_map(|p| p.strip_prefix("filename="))
        .map(|v| v.trim_matches('"').to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn names_outside_latin_1_download_under_their_own_name() {
    let stack = TestApp::start(super::TENANT).await;
    let files = stack.files.clone().expect("moto runs (make test)");
    for name in [
        "Отчёт.pdf",
        "写真.jpg",
        "report – final.pdf",
        "plain.pdf",
        "say \"hi\"; 100%.pdf",
    ] {
        let key = format!("files/names/{}", ulid::Ulid::new());
        files
            .put(&key, "application/pdf", PDF.to_vec())
            .await
            .unwrap();
        let link = files
            .download_link(&key, name, "application/pdf")
            .await
            .unwrap();
        let asked = query_param(&link, "response-content-disposition").unwrap();
        assert!(asked.is_ascii(), "{asked}");
        assert!(asked.starts_with("attachment; filename=\""), "{asked}");
        let (status, _, served, bytes) = moto::fetch(&link).await;
        assert_eq!(status, 200, "{name}");
        assert_eq!(bytes, PDF);
        assert_eq!(saved_name(&served), name, "{served}");
    }
}

#[tokio::test]
async fn ids_with_plus_bar_at_and_colon_upload_send_and_download() {
    let tenant = "acme+eu";
    let stack = TestApp::start(tenant).await;
    let staff = Claims::staff(tenant, "auth0|s1");
    let customer = "c@x:1|a+b";
    let (status, form) = stack
        .call(
            send::handle,
            ApiEvent::new("POST", "/attachments")
                .claims(&staff)
                .json(json!({
                    "customer_id": customer, "name": "Bloodwork.pdf",
                    "content_type": "application/pdf", "size": PDF.len(),
                })),
        )
        .await;
    assert_eq!(status, 201, "{form}");
    assert!(!form["url"].as_str().unwrap().contains("uploads"), "{form}");
    assert!(matches!(moto::upload(&form, PDF).await, 200..=204));
    let id = form["upload_id"].as_str().unwrap();
    let (status, message) = stack
        .call(
            send::handle,
            ApiEvent::new("POST", "/messages")
                .claims(&staff)
                .json(json!({
                    "customer_id": customer, "attachments": [{"id": id}],
                })),
        )
        .await;
    assert_eq!(status, 201, "{message}");
    let download = ApiEvent::new("GET", "/attachments/{id}")
        .claims(&staff)
        .path_param("id", id);
    let response = crate::handle(&stack.app(), download.request()).await;
    assert_eq!(response.status(), 302);
    let link = response.headers()["location"].to_str().unwrap().to_owned();
    let (status, _, _, bytes) = moto::fetch(&link).await;
    assert_eq!((status, bytes.as_slice()), (200, PDF));
}
