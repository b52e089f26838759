//! The index kept exact: renames, removals, re-additions, the erasure's removal, and
//! another account untouched.

use super::*;

/// Every index entry of a tenant (a test may scan; the product never does).
async fn index_entries(stack: &TestApp, tenant: &str) -> Vec<String> {
    let prefix = format!("T#{tenant}#{}", keys::SEARCH_PK_PREFIX);
    let items = stack
        .store
        .client()
        .scan()
        .table_name(stack.store.table())
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default();
    let mut sks: Vec<String> = items
        .iter()
        .filter(|i| i["pk"].as_s().unwrap().starts_with(&prefix))
        .map(|i| i["sk"].as_s().unwrap().clone())
        .collect();
    sks.sort();
    sks
}

#[tokio::test]
async fn the_index_follows_renames_removals_and_re_additions_exactly() {
    let stack = TestApp::start(TENANT).await;
    families(&stack).await;
    let staff = Claims::staff(TENANT, "s1");
    let petrovs_before: Vec<String> = index_entries(&stack, TENANT)
        .await
        .into_iter()
        .filter(|sk| sk.contains("#fam-petrov#"))
        .collect();
    let lee_entries = |all: Vec<String>| -> Vec<String> {
        all.into_iter()
            .filter(|sk| sk.contains("#fam-lee#"))
            .collect()
    };

    // A rename (and a new email, no phone): the old tokens go, the new ones come.
    put_contact(
        &stack,
        "fam-lee",
        "casey",
        json!({"name": "Casey Morgan", "email": "cm@example.com"}),
    )
    .await;
    for q in ["casey b", "lee", "555 0100", "casey.lee"] {
        assert!(found(&stack, &staff, q).await.is_empty(), "{q}");
    }
    assert_eq!(found(&stack, &staff, "morg").await, ["fam-lee"]);
    assert_eq!(found(&stack, &staff, "cm@ex").await, ["fam-lee"]);
    let (_, body) = stack.call(handle, search(&staff, "casey")).await;
    assert_eq!(body["customers"][0]["contacts"][0]["name"], "Casey Morgan");
    let after_rename = lee_entries(index_entries(&stack, TENANT).await);
    assert_eq!(
        after_rename,
        [
            "casey morgan#fam-lee#contact#casey",
            "casey#fam-lee#contact#casey",
            "cm#fam-lee#contact#casey",
            "cm@example.com#fam-lee#contact#casey",
            "morgan#fam-lee#contact#casey",
            "rex#fam-lee#patient#rex",
        ]
    );
    // The same again changes nothing.
    put_contact(
        &stack,
        "fam-lee",
        "casey",
        json!({"name": "Casey Morgan", "email": "cm@example.com"}),
    )
    .await;
    assert_eq!(
        lee_entries(index_entries(&stack, TENANT).await),
        after_rename
    );

    // Removal takes every entry; adding again brings them back.
    delete(
        &stack,
        "/customers/{customer_id}/contacts/{contact_id}",
        "fam-lee",
        "contact_id",
        "casey",
    )
    .await;
    put_patient(&stack, "fam-lee", "rex", "Rexy Dog").await;
    assert_eq!(found(&stack, &staff, "dog").await, ["fam-lee"]);
    assert_eq!(
        lee_entries(index_entries(&stack, TENANT).await),
        [
            "dog#fam-lee#patient#rex",
            "rexy dog#fam-lee#patient#rex",
            "rexy#fam-lee#patient#rex",
        ]
    );
    delete(
        &stack,
        "/customers/{customer_id}/patients/{patient_id}",
        "fam-lee",
        "patient_id",
        "rex",
    )
    .await;
    assert!(lee_entries(index_entries(&stack, TENANT).await).is_empty());
    assert!(found(&stack, &staff, "casey").await.is_empty());
    put_contact(&stack, "fam-lee", "casey", json!({"name": "Casey Lee"})).await;
    assert_eq!(found(&stack, &staff, "casey").await, ["fam-lee"]);

    // The erasure's removal: the contact stays, unfound; a later write indexes it again.
    let tenant = TenantId::from(TENANT);
    let removed = stack
        .store
        .unindex_contact(
            &tenant,
            &CustomerId::from("fam-lee"),
            &UserId::from("casey"),
        )
        .await
        .unwrap();
    assert_eq!(removed, 3, "casey, lee and the whole name");
    assert!(found(&stack, &staff, "casey").await.is_empty());
    assert_eq!(
        stack
            .store
            .unindex_patient(
                &tenant,
                &CustomerId::from("fam-lee"),
                &PatientId::from("rex")
            )
            .await
            .unwrap(),
        0,
        "no such patient"
    );
    put_contact(&stack, "fam-lee", "casey", json!({"name": "Casey Lee"})).await;
    assert_eq!(found(&stack, &staff, "lee").await, ["fam-lee"]);

    let petrovs_after: Vec<String> = index_entries(&stack, TENANT)
        .await
        .into_iter()
        .filter(|sk| sk.contains("#fam-petrov#"))
        .collect();
    assert_eq!(
        petrovs_before, petrovs_after,
        "another account's entries stay"
    );
    assert_eq!(petrovs_after.len(), 9, "{petrovs_after:?}");
}
