//! A Query page DynamoDB cuts short (at 1 MB read) is followed, not taken for the end:
//! here the cut is injected, as the emulator cuts only at 1 MB.

use shared::domain::ids::TenantId;
use std::sync::Arc;

use shared::store::{Feed, FeedStore};
use testkit::faults::{Answer, Faults};

use super::*;

/// A page that read nothing it could return and says where it stopped: before the
/// newest entry of the tenant's feed.
fn cut_short() -> Answer {
    Answer::FromRequest(Arc::new(|request| {
        json!({
            "Items": [],
            "Count": 0,
            "ScannedCount": 0,
            "LastEvaluatedKey": {
                "gsi1pk": request["ExpressionAttributeValues"][":pk"],
                "gsi1sk": {"S": "~"},
                "pk": {"S": "~"},
                "sk": {"S": "~"},
            },
        })
    }))
}

#[tokio::test]
async fn a_feed_page_cut_short_goes_on_to_the_next() {
    let faults = Faults::default();
    let stack = TestApp::with_faults(TENANT, &faults).await;
    testkit::seed::conversations(&stack.store, TENANT, "cust-", 8).await;
    faults.inject(&["Query", "gsi1"], 1, cut_short());
    stack.requests.reset();
    let page = stack
        .store
        .feed_page(&TenantId::from(TENANT), &Feed::Tenant, None, 5, None)
        .await
        .unwrap();
    assert_eq!(faults.injected(), 1);
    assert_eq!(stack.requests.operations(), ["Query"; 2], "{page:?}");
    assert_eq!(page.entries.len(), 5);
    assert!(page.more);
    let ids: Vec<String> = page.entries.iter().map(|(h, _)| h.id.encode()).collect();
    let newest = stack
        .store
        .feed_page(&TenantId::from(TENANT), &Feed::Tenant, None, 5, None)
        .await
        .unwrap();
    let expected: Vec<String> = newest.entries.iter().map(|(h, _)| h.id.encode()).collect();
    assert_eq!(ids, expected, "the same page as one uncut");
}
