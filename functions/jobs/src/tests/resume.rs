//! A worker that stops part-way (its function timed out, or died) leaves the job to the
//! next run, which goes on from the stored cursor: the same result as one run, nothing
//! done twice.

use super::*;
use shared::store::JobStore;

async fn chatty_family() -> TestApp {
    let stack = family().await;
    for i in 0..8 {
        say(&stack, &casey(), &format!("Casey {i}"), None).await;
        say(&stack, &sam(), &format!("Sam {i}"), None).await;
    }
    for i in 0..4 {
        say(&stack, &casey(), &format!("About Bella {i}"), Some("bella")).await;
    }
    delivered_to_casey(&stack).await;
    stack
}

#[tokio::test]
async fn a_stopped_erasure_is_finished_by_the_next_run_exactly_once() {
    let stack = chatty_family().await;
    let id = start_erasure(&stack).await;
    let mut stopping = worker(&stack);
    stopping.stop_after = Some(3);
    let report = stopping.run(Timestamp::now()).await.unwrap();
    assert_eq!((report.steps, report.finished), (3, 0));
    let stored = stack
        .store
        .job(&TenantId::from(TENANT), &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, shared::domain::jobs::JobStatus::Running);
    assert_eq!(
        stored.progress.steps, 2,
        "the third step's work was done, its cursor not stored"
    );

    // Before the lease ends, no other run takes the job.
    assert_eq!(worker(&stack).run(Timestamp::now()).await.unwrap().jobs, 0);
    let report = worker(&stack).run(later()).await.unwrap();
    assert_eq!(report.finished, 1, "{report:?}");
    let record = job(&stack, &id).await;
    assert_eq!(
        record["progress"]["messages"], 12,
        "each of their messages counted once"
    );
    assert_eq!(record["progress"]["deliveries"], 1);
    let all = stack.messages(&general(CUSTOMER), 50).await;
    assert!(all
        .iter()
        .filter(|m| m.sender_id == CONTACT)
        .all(|m| m.changes.deleted));
    assert_eq!(
        all.iter().filter(|m| !m.changes.deleted).count(),
        8,
        "Sam's eight stay"
    );
}

#[tokio::test]
async fn a_stopped_export_gives_the_same_document() {
    let stack = chatty_family().await;
    let whole = start_export(&stack).await;
    worker(&stack).run(Timestamp::now()).await.unwrap();
    let expected = document(&stack, &whole).await;

    let resumed = start_export(&stack).await;
    for stop in [2, 3] {
        let mut stopping = worker(&stack);
        stopping.stop_after = Some(stop);
        let at = if stop == 2 { Timestamp::now() } else { later() };
        stopping.run(at).await.unwrap();
    }
    let report = worker(&stack)
        .run(later() + SignedDuration::from_mins(5))
        .await
        .unwrap();
    assert_eq!(report.finished, 1, "{report:?}");
    let doc = document(&stack, &resumed).await;
    assert_eq!(doc["messages"], expected["messages"]);
    assert_eq!(doc["deliveries"], expected["deliveries"]);
    assert_eq!(doc["conversations"], expected["conversations"]);
    assert_eq!(doc["messages"].as_array().unwrap().len(), 12);
}
