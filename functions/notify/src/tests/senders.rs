//! Someone else on your side writing does not undo what your own reply read: the digest
//! leaves out whoever has answered, however many of their side wrote after them.

use shared::domain::Side;

use super::*;

#[tokio::test]
async fn a_contact_who_answered_is_not_told_of_what_they_answered_when_their_spouse_writes() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    settings(&stack, |_| {}).await;
    contact(&stack, &people, "c1", "p1", None).await;
    contact(&stack, &people, "c1", "p2", None).await;
    staff(&stack, &people, "s1", Role::Staff).await;
    let vet = Claims::staff(TENANT, "s1");
    for n in 0..5 {
        stack
            .send_as(
                send::handle,
                &vet,
                json!({"customer_id": "c1", "message": format!("update {n}")}),
            )
            .await;
    }
    let (owner, spouse) = (
        Claims::customer(TENANT, "p1", "c1"),
        Claims::customer(TENANT, "p2", "c1"),
    );
    stack
        .send_as(
            send::handle,
            &owner,
            json!({"message": "Thanks, all clear"}),
        )
        .await;
    assert_eq!(
        stack
            .unread(TENANT, &general("c1"), Side::Customer, "p1")
            .await,
        0
    );
    stack
        .send_as(
            send::handle,
            &spouse,
            json!({"message": "Can I pick her up at 5?"}),
        )
        .await;
    assert_eq!(
        stack
            .unread(TENANT, &general("c1"), Side::Customer, "p1")
            .await,
        0,
        "the owner answered all five"
    );
    assert_eq!(
        stack
            .unread(TENANT, &general("c1"), Side::Customer, "p2")
            .await,
        0
    );
    // A third writer of the side does not undo the first's reply either.
    seed::contact(&stack.store, TENANT, "c1", "p3", &people.email("p3"), None).await;
    stack
        .send_as(
            send::handle,
            &Claims::customer(TENANT, "p3", "c1"),
            json!({"message": "Me too"}),
        )
        .await;
    for answered in ["p1", "p2", "p3"] {
        assert_eq!(
            stack
                .unread(TENANT, &general("c1"), Side::Customer, answered)
                .await,
            0,
            "{answered}"
        );
    }

    let report = dispatcher(&stack).await.run(later(4)).await.unwrap();
    assert_eq!(report.sent, 1, "only the vet hears: {report:?}");
    for answered in ["p1", "p2", "p3"] {
        assert!(
            emails_to(&people.email(answered)).await.is_empty(),
            "{answered}"
        );
    }
}

#[tokio::test]
async fn a_staff_member_who_replied_is_not_told_of_what_they_replied_to_when_a_colleague_writes() {
    let stack = TestApp::start(TENANT).await;
    let people = People::new();
    settings(&stack, |_| {}).await;
    contact(&stack, &people, "c1", "p1", None).await;
    staff(&stack, &people, "s1", Role::Staff).await;
    staff(&stack, &people, "s2", Role::Staff).await;
    let owner = Claims::customer(TENANT, "p1", "c1");
    for n in 0..3 {
        stack
            .send_as(
                send::handle,
                &owner,
                json!({"message": format!("question {n}")}),
            )
            .await;
    }
    let reply = json!({"customer_id": "c1", "message": "Answered"});
    stack
        .send_as(send::handle, &Claims::staff(TENANT, "s1"), reply.clone())
        .await;
    stack
        .send_as(send::handle, &Claims::staff(TENANT, "s2"), reply)
        .await;
    for replied in ["s1", "s2"] {
        assert_eq!(
            stack
                .unread(TENANT, &general("c1"), Side::Staff, replied)
                .await,
            0,
            "{replied}"
        );
    }

    let report = dispatcher(&stack).await.run(later(4)).await.unwrap();
    assert_eq!(report.sent, 1, "only the owner hears: {report:?}");
    assert!(emails_to(&people.email("s1")).await.is_empty());
    assert!(emails_to(&people.email("s2")).await.is_empty());
    assert_eq!(emails_to(&people.email("p1")).await.len(), 1);
}
