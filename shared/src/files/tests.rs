//! What S3 is sent, read off the wire from a stand-in endpoint: moto neither checks
//! `x-amz-copy-source-if-match` nor refuses what AWS refuses.

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::{FileError, S3Files};

/// An S3 endpoint that answers one request with `status` and `body`, and hands back the
/// request's head (request line and headers).
async fn one_answer(status: u16, body: &'static str) -> (String, tokio::task::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let served = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut head = Vec::new();
        let mut buf = [0u8; 4096];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0, "the request ends before its head does");
            head.extend_from_slice(&buf[..n]);
        }
        let answer = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/xml\r\ncontent-length: {}\r\n\
             connection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(answer.as_bytes()).await.unwrap();
        String::from_utf8(head).unwrap()
    });
    (endpoint, served)
}

fn files_at(endpoint: &str) -> S3Files {
    let credentials = SharedCredentialsProvider::new(Credentials::new("k", "s", None, None, "t"));
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .credentials_provider(credentials.clone())
        .endpoint_url(endpoint)
        .force_path_style(true)
        .retry_config(aws_sdk_s3::config::retry::RetryConfig::disabled())
        .http_client(crate::aws::http_client())
        .build();
    S3Files::new(
        aws_sdk_s3::Client::from_conf(config),
        "files",
        credentials,
        "us-east-1",
    )
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

const FROM: &str = "uploads/acme+eu/YzF8Zw/up_1";
const TO: &str = "files/acme+eu/YzF8Zw/up_1";

#[tokio::test]
async fn a_copy_names_the_checked_etag_and_an_encoded_source() {
    let (endpoint, served) = one_answer(
        200,
        "<CopyObjectResult><ETag>\"e1\"</ETag></CopyObjectResult>",
    )
    .await;
    files_at(&endpoint).keep(FROM, TO, "\"e1\"").await.unwrap();
    let head = served.await.unwrap();
    assert_eq!(
        header(&head, "x-amz-copy-source"),
        Some("files/uploads/acme%2Beu/YzF8Zw/up_1"),
        "{head}"
    );
    assert_eq!(header(&head, "x-amz-copy-source-if-match"), Some("\"e1\""));
    assert!(
        head.starts_with("PUT /files/files/acme%2Beu/YzF8Zw/up_1"),
        "{head}"
    );
}

#[tokio::test]
async fn a_file_uploaded_again_after_its_check_is_not_copied() {
    let (endpoint, served) = one_answer(
        412,
        "<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions \
         you specified did not hold</Message></Error>",
    )
    .await;
    let refused = files_at(&endpoint)
        .keep(FROM, TO, "\"e1\"")
        .await
        .unwrap_err();
    served.await.unwrap();
    assert!(matches!(refused, FileError::Changed), "{refused:?}");
    let error = crate::ApiError::from(refused);
    assert_eq!((error.status(), error.code()), (409, "attachment_changed"));
}

#[tokio::test]
async fn the_form_posts_to_the_bucket_whatever_the_key() {
    let files = files_at("http://127.0.0.1:9");
    for key in [FROM, "uploads/auth0|x@y:z/Yz/up_2"] {
        let form = files.upload_form(key, "application/pdf", 10).await.unwrap();
        assert_eq!(form.url, "http://127.0.0.1:9/files");
        assert_eq!(form.fields[0], ("key".to_owned(), key.to_owned()));
    }
}
