//! Feed pages: paging while messages arrive, and the unread filter.

use super::*;

#[tokio::test]
async fn paging_while_messages_arrive_never_repeats_or_skips_a_conversation() {
    let stack = TestApp::start(TENANT).await;
    let staff = Claims::staff(TENANT, "s1");
    for i in 0..8 {
        stack
            .send_as(
                send::handle,
                &Claims::customer(TENANT, &format!("p{i}"), &format!("c{i}")),
                json!({"message": format!("message {i}")}),
            )
            .await;
    }
    let first = feed(&stack, &staff, &[("limit", "3")]).await;
    assert_eq!(customers(&first), ["c7", "c6", "c5"]);
    // One conversation already shown and one not yet shown move to the top.
    for customer in ["c6", "c2"] {
        stack
            .send_as(
                send::handle,
                &staff,
                json!({"customer_id": customer, "message": "reply"}),
            )
            .await;
    }
    let mut seen = customers(&first);
    let mut cursor = first["next_cursor"].as_str().unwrap().to_owned();
    loop {
        let page = feed(&stack, &staff, &[("limit", "3"), ("cursor", &cursor)]).await;
        seen.extend(customers(&page));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no conversation twice: {seen:?}");
    for unmoved in ["c7", "c5", "c4", "c3", "c1", "c0"] {
        assert!(
            seen.contains(&unmoved.to_owned()),
            "{unmoved} was skipped: {seen:?}"
        );
    }
    let fresh = feed(&stack, &staff, &[("limit", "3")]).await;
    assert_eq!(customers(&fresh), ["c2", "c6", "c7"]);
}

#[tokio::test]
async fn the_unread_filter_keeps_what_the_caller_has_not_read() {
    let stack = TestApp::start(TENANT).await;
    let staff = Claims::staff(TENANT, "s1");
    for i in 0..5 {
        stack
            .send_as(
                send::handle,
                &Claims::customer(TENANT, &format!("p{i}"), &format!("c{i}")),
                json!({"message": "hi"}),
            )
            .await;
    }
    for read in ["c1", "c3"] {
        stack
            .mark_read_as(mark_read::handle, &staff, json!({"customer_id": read}))
            .await;
    }
    let first = feed(&stack, &staff, &[("unread", "true"), ("limit", "2")]).await;
    assert_eq!(customers(&first), ["c4", "c2"]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = feed(&stack, &staff, &[("unread", "true"), ("cursor", cursor)]).await;
    assert_eq!(customers(&second), ["c0"]);
    assert_eq!(second["next_cursor"], Value::Null);

    let (status, body) = feed_with(&stack.app(), &staff, &[("cursor", cursor)]).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_cursor")),
        "a filtered walk's cursor does not continue an unfiltered one"
    );
    let all = feed(&stack, &staff, &[("unread", "false")]).await;
    assert_eq!(customers(&all).len(), 5);
}
