//! Long messages: DynamoDB stops a Query page at 1 MB of items read, well before a
//! hundred messages of 4,000 three-byte characters (12 KB each). Marking one of them read
//! still counts everything after it, and a thread page still holds all it was asked for.

use super::*;
use shared::domain::ids::TenantId;

/// 4,000 characters of three bytes each: 12,000 bytes of text.
fn long_text(i: usize) -> String {
    let mut text = format!("{i:03}");
    text.extend(
        "體重と食欲は順調です。"
            .chars()
            .cycle()
            .take(4_000 - text.len()),
    );
    text
}

/// More than 1 MB of items after the marked message, and fewer than the window's 100.
const AFTER: usize = 95;

#[tokio::test]
async fn an_older_message_behind_more_than_a_megabyte_of_long_ones_is_marked_read() {
    let stack = TestApp::start(TENANT).await;
    let staff = Claims::staff(TENANT, "s1");
    let marked = send(&stack, &staff, &long_text(0)).await;
    for i in 1..=AFTER {
        send(&stack, &staff, &long_text(i)).await;
    }
    assert!(AFTER * long_text(1).len() > 1_048_576);

    let reader = Claims::customer(TENANT, "contact-1", "c1");
    stack.requests.reset();
    let (status, body) = mark(&stack, &reader, json!({"up_to": marked})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["read_up_to"], marked.as_str());
    assert_eq!(body["unread_count"], AFTER);
    // The count needed a second page: the first stopped at 1 MB.
    assert_eq!(
        stack.requests.count("Query"),
        2,
        "{:?}",
        stack.requests.operations()
    );
    let header = stack.header(&general("c1")).await;
    assert_eq!(header.customer.read_up_to.as_deref(), Some(marked.as_str()));
    assert_eq!(
        stack
            .unread(TENANT, &general("c1"), Side::Customer, "contact-1")
            .await,
        AFTER as u64
    );

    // A thread page of all of them, though they are more than one DynamoDB page.
    let page = stack
        .store
        .thread_page(&TenantId::from(TENANT), &general("c1"), None, 100, None)
        .await
        .unwrap();
    assert_eq!(page.messages.len(), AFTER + 1);
    assert!(!page.has_more);
    assert!(page.header.is_some());
    let page = stack
        .store
        .thread_page(
            &TenantId::from(TENANT),
            &general("c1"),
            None,
            AFTER as u32,
            None,
        )
        .await
        .unwrap();
    assert_eq!(page.messages.len(), AFTER);
    assert!(page.has_more, "the marked message is older still");
    assert_ne!(
        page.messages.last().map(|m| m.id.as_str()),
        Some(marked.as_str())
    );
}
