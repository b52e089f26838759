use serde_json::{json, Value};
use shared::domain::ids::{CustomerId, TenantId, UserId};
use shared::store::DirectoryStore;
use testkit::{ApiEvent, Claims, TestApp};

use testkit::app::hours_from_now;

use crate::handle;

const TENANT: &str = "clinic-a";

fn staff_route(method: &str, claims: &Claims, user: &str) -> ApiEvent {
    ApiEvent::new(method, "/staff/{user_id}")
        .claims(claims)
        .path_param("user_id", user)
}

fn assignment_route(method: &str, claims: &Claims, user: &str, customer: &str) -> ApiEvent {
    ApiEvent::new(method, "/staff/{user_id}/assignments/{customer_id}")
        .claims(claims)
        .path_param("user_id", user)
        .path_param("customer_id", customer)
}

fn contact_route(method: &str, claims: &Claims, customer: &str, contact: &str) -> ApiEvent {
    ApiEvent::new(method, "/customers/{customer_id}/contacts/{contact_id}")
        .claims(claims)
        .path_param("customer_id", customer)
        .path_param("contact_id", contact)
}

#[tokio::test]
async fn staff_profiles_are_created_replaced_read_and_removed() {
    let stack = TestApp::start(TENANT).await;
    let service = Claims::service(TENANT, "practice-sync");
    let admin = Claims::admin(TENANT, "a1");
    let (status, created) = stack
        .call(
            handle,
            staff_route("PUT", &service, "b1").json(json!({
                "name": "Bea Jones", "email": "bea@oakvets.example", "role": "basic_staff"
            })),
        )
        .await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(
        created["email_notifications"], true,
        "on by default with an email"
    );
    assert_eq!(created["role"], "basic_staff");

    let (status, replaced) = stack
        .call(
            handle,
            staff_route("PUT", &admin, "b1").json(
                json!({"name": "Bea Jones-Smith", "email_notifications": false, "role": "staff"}),
            ),
        )
        .await;
    assert_eq!(status, 200, "{replaced}");
    assert_eq!(replaced["created_at"], created["created_at"]);
    assert_eq!(replaced["email"], Value::Null, "a PUT replaces the entry");
    assert_eq!(replaced["role"], "staff");

    let (status, read) = stack.call(handle, staff_route("GET", &admin, "b1")).await;
    assert_eq!(status, 200);
    assert_eq!(read["name"], "Bea Jones-Smith");
    assert_eq!(read["assignments"], json!([]));

    assert_eq!(
        stack
            .call(handle, staff_route("DELETE", &admin, "b1"))
            .await
            .0,
        204
    );
    assert_eq!(
        stack.call(handle, staff_route("GET", &admin, "b1")).await.0,
        404
    );
    assert_eq!(
        stack
            .call(handle, staff_route("DELETE", &admin, "b1"))
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn assignments_need_a_known_person_and_customer_and_a_future_end() {
    let stack = TestApp::start(TENANT).await;
    let admin = Claims::admin(TENANT, "a1");
    stack
        .call(
            handle,
            contact_route("PUT", &admin, "c1", "p1").json(json!({"name": "Sam Rivera"})),
        )
        .await;

    let (status, body) = stack
        .call(handle, assignment_route("PUT", &admin, "b1", "c1"))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("unknown_staff"))
    );
    stack
        .call(
            handle,
            staff_route("PUT", &admin, "b1").json(json!({"name": "Bea", "role": "basic_staff"})),
        )
        .await;
    let (status, body) = stack
        .call(handle, assignment_route("PUT", &admin, "b1", "c404"))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("unknown_customer"))
    );
    for until in [json!(hours_from_now(-1)), json!("tonight"), json!(7)] {
        let (status, body) = stack
            .call(
                handle,
                assignment_route("PUT", &admin, "b1", "c1").json(json!({ "until": until })),
            )
            .await;
        assert_eq!(status, 400, "{until}: {body}");
    }
    assert!(
        stack
            .store
            .reach_of(&TenantId::from(TENANT), &UserId::from("b1"))
            .await
            .unwrap()
            .assignments
            .is_empty(),
        "nothing stored by refused requests"
    );

    let (status, body) = stack
        .call(handle, assignment_route("PUT", &admin, "b1", "c1"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["until"].clone(), body["active"].clone()),
        (Value::Null, json!(true))
    );
    let until = hours_from_now(8);
    let (status, body) = stack
        .call(
            handle,
            assignment_route("PUT", &Claims::service(TENANT, "sync"), "b1", "c1")
                .json(json!({ "until": until })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, staff) = stack.call(handle, staff_route("GET", &admin, "b1")).await;
    assert_eq!(staff["assignments"][0]["customer_id"], "c1");
    assert_eq!(staff["assignments"][0]["active"], true);
    assert!(staff["assignments"][0]["until"].as_str().is_some());

    assert_eq!(
        stack
            .call(handle, assignment_route("DELETE", &admin, "b1", "c1"))
            .await
            .0,
        204
    );
    assert_eq!(
        stack
            .call(handle, assignment_route("DELETE", &admin, "b1", "c1"))
            .await
            .0,
        404
    );

    // Removing a person removes their assignments with them.
    stack
        .call(handle, assignment_route("PUT", &admin, "b1", "c1"))
        .await;
    assert_eq!(
        stack
            .call(handle, staff_route("DELETE", &admin, "b1"))
            .await
            .0,
        204
    );
    assert!(stack
        .store
        .assignment(
            &TenantId::from(TENANT),
            &UserId::from("b1"),
            &CustomerId::from("c1"),
        )
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn a_phone_number_belongs_to_one_contact_of_a_tenant() {
    let stack = TestApp::start(TENANT).await;
    let admin = Claims::admin(TENANT, "a1");
    let sam = json!({
        "name": "Sam Rivera", "email": "sam@example.com", "phone": "+15551230001", "sms_opt_in": true
    });
    let (status, body) = stack
        .call(handle, contact_route("PUT", &admin, "c1", "p1").json(sam))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["email_opt_in"].as_bool(), body["sms_opt_in"].as_bool()),
        (Some(true), Some(true))
    );

    let alex = json!({"name": "Alex Rivera", "phone": "+15551230001"});
    let (status, body) = stack
        .call(
            handle,
            contact_route("PUT", &admin, "c2", "p2").json(alex.clone()),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("phone_in_use"))
    );
    assert_eq!(
        stack
            .call(handle, contact_route("GET", &admin, "c2", "p2"))
            .await
            .0,
        404
    );

    // Another tenant may hold the same number.
    let other = Claims::admin("clinic-b", "a1");
    assert_eq!(
        stack
            .call(
                handle,
                contact_route("PUT", &other, "c2", "p2").json(alex.clone())
            )
            .await
            .0,
        200
    );

    // Sam changes number: the old one is free.
    let (status, _) = stack
        .call(
            handle,
            contact_route("PUT", &admin, "c1", "p1")
                .json(json!({"name": "Sam Rivera", "phone": "+15551230002"})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        stack
            .call(handle, contact_route("PUT", &admin, "c2", "p2").json(alex))
            .await
            .0,
        200
    );
    let (status, body) = stack
        .call(
            handle,
            contact_route("PUT", &admin, "c3", "p3")
                .json(json!({"name": "Kim", "phone": "+15551230002"})),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("phone_in_use"))
    );

    assert_eq!(
        stack
            .call(handle, contact_route("DELETE", &admin, "c1", "p1"))
            .await
            .0,
        204
    );
    assert_eq!(
        stack
            .call(handle, contact_route("GET", &admin, "c1", "p1"))
            .await
            .0,
        404
    );
    let (status, body) = stack
        .call(
            handle,
            contact_route("PUT", &admin, "c3", "p3")
                .json(json!({"name": "Kim", "phone": "+15551230002"})),
        )
        .await;
    assert_eq!(status, 200, "a deleted contact's number is free: {body}");
    assert_eq!(body["phone"], "+15551230002");
    let (_, read) = stack
        .call(handle, contact_route("GET", &admin, "c3", "p3"))
        .await;
    assert_eq!(read["name"], "Kim");
}

#[tokio::test]
async fn the_directory_refuses_other_roles_foreign_tenants_and_bad_input() {
    let stack = TestApp::start(TENANT).await;
    let admin = Claims::admin(TENANT, "a1");
    stack
        .call(
            handle,
            staff_route("PUT", &admin, "s1").json(json!({"name": "Dr. Ada", "role": "staff"})),
        )
        .await;
    stack
        .call(
            handle,
            contact_route("PUT", &admin, "c1", "p1").json(json!({"name": "Sam"})),
        )
        .await;

    let routes = |claims: &Claims| {
        vec![
            staff_route("PUT", claims, "s1").json(json!({"name": "X", "role": "staff"})),
            staff_route("GET", claims, "s1"),
            staff_route("DELETE", claims, "s1"),
            assignment_route("PUT", claims, "s1", "c1"),
            assignment_route("DELETE", claims, "s1", "c1"),
            contact_route("PUT", claims, "c1", "p1").json(json!({"name": "X"})),
            contact_route("GET", claims, "c1", "p1"),
            contact_route("DELETE", claims, "c1", "p1"),
        ]
    };
    for claims in [
        Claims::staff(TENANT, "s1"),
        Claims::basic_staff(TENANT, "b1"),
        Claims::customer(TENANT, "p1", "c1"),
    ] {
        for event in routes(&claims) {
            let (status, body) = stack.call(handle, event).await;
            assert_eq!(
                (status, body["error"]["code"].as_str()),
                (403, Some("forbidden"))
            );
        }
    }
    for event in routes(&admin) {
        let (status, _) = stack.call(handle, event.anonymous()).await;
        assert_eq!(status, 401);
    }

    let foreign = Claims::admin("clinic-b", "a1");
    for event in [
        staff_route("GET", &foreign, "s1"),
        staff_route("DELETE", &foreign, "s1"),
        assignment_route("DELETE", &foreign, "s1", "c1"),
        contact_route("GET", &foreign, "c1", "p1"),
        contact_route("DELETE", &foreign, "c1", "p1"),
    ] {
        assert_eq!(stack.call(handle, event).await.0, 404);
    }
    let (status, body) = stack
        .call(handle, assignment_route("PUT", &foreign, "s1", "c1"))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("unknown_customer"))
    );

    let bad = [
        contact_route("PUT", &admin, "c9", "p9").json(json!({"name": "Kim", "email": "kim@"})),
        contact_route("PUT", &admin, "c9", "p9").json(json!({"name": "Kim", "phone": "555 0100"})),
        contact_route("PUT", &admin, "c9", "p9").json(json!({"name": "Kim", "sms_opt_in": true})),
        contact_route("PUT", &admin, "c9", "p9").json(json!({"name": ""})),
        contact_route("PUT", &admin, "c9", "p9").json(json!({"name": "Kim", "nickname": "K"})),
        contact_route("PUT", &admin, "c9", "p9").body("{"),
        contact_route("PUT", &admin, "c9", "p 9").json(json!({"name": "Kim"})),
        staff_route("PUT", &admin, "s9").json(json!({"name": "Z", "email_notifications": true})),
        staff_route("PUT", &admin, "s9").json(json!({"name": "Z", "role": "customer"})),
        staff_route("PUT", &admin, "s9").json(json!({"name": "Z", "email": "z@vets.example"})),
        staff_route("PUT", &admin, "s9").json(json!({"email": "z@vets.example"})),
    ];
    for event in bad {
        let (status, body) = stack.call(handle, event).await;
        assert_eq!(status, 400, "{body}");
        assert!(body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
    }
    assert!(stack
        .store
        .contact(
            &TenantId::from(TENANT),
            &CustomerId::from("c9"),
            &UserId::from("p9"),
        )
        .await
        .unwrap()
        .is_none());
    assert!(stack
        .store
        .staff(&TenantId::from(TENANT), &UserId::from("s9"))
        .await
        .unwrap()
        .is_none());
}
