//! Directory search costs the same in a tenant of 30 and of 30,000 customer accounts:
//! every account has a contact named "Bella …", so "bella" matches them all, and a page
//! of 20 reads one Query of the search index (staff) or the caller's reach and their one
//! assigned account (basic staff), never the directory.

use shared::domain::directory::Assignment;

use super::*;

const BASIC: &str = "e2c4a6b8-0d1f-4e3a-9b5c-7d9f1b3d5e7a";

fn within(name: &str, cost: &Cost, requests: usize, rru: f64, wru: f64) {
    assert!(
        cost.requests <= requests && cost.rru <= rru && cost.wru <= wru,
        "{name}: {cost:?} is over {requests} requests, {rru} RRU, {wru} WRU"
    );
}

fn search(claims: &Claims) -> ApiEvent {
    ApiEvent::new("GET", "/customers")
        .claims(claims)
        .query("q", "bella")
}

fn contact_write(name: &str) -> ApiEvent {
    ApiEvent::new("PUT", "/customers/{customer_id}/contacts/{contact_id}")
        .claims(&Claims::admin(TENANT, STAFF))
        .path_param("customer_id", CUSTOMER)
        .path_param("contact_id", CONTACT)
        .json(json!({"name": name, "email": "bella.assigned@example.com", "phone": CONTACT_PHONE}))
}

/// The measured account (through the route) and its basic staff member.
async fn assigned_account(stack: &TestStack, app: &App<DynamoStore>, label: &str) -> Cost {
    let write = contact_write("Bella Assigned Lee");
    let (cost, (status, body)) = measure_as(stack, "directory_contact_write", label, true, async {
        read_response(admin::handle(app, write.request()).await)
    })
    .await;
    assert_eq!(status, 200, "{body}");
    let tenant = TenantId::from(TENANT);
    let profile = shared::domain::directory::StaffProfile {
        user_id: BASIC.into(),
        name: "Bea".into(),
        email: None,
        email_notifications: false,
        role: shared::domain::Role::BasicStaff,
        created_at: now_rfc3339(),
        updated_at: now_rfc3339(),
    };
    stack.store.put_staff(&tenant, &profile).await.unwrap();
    let assignment = Assignment {
        user_id: BASIC.into(),
        customer_id: CUSTOMER.into(),
        until: None,
        assigned_at: now_rfc3339(),
        assigned_by: STAFF.into(),
    };
    stack
        .store
        .put_assignment(&tenant, &assignment)
        .await
        .unwrap();
    cost
}

/// Staff search, basic staff search, a new contact and its rename.
async fn search_costs(accounts: usize) -> [Cost; 4] {
    let stack = TestStack::start().await;
    seed::searchable_accounts(&stack.store, TENANT, accounts).await;
    let app = stack.app();
    let label = format!("scale={accounts}");
    let write = assigned_account(&stack, &app, &label).await;

    let staff_search = search(&staff());
    let (staff_cost, (status, body)) = measure_as(&stack, "customer_search", &label, true, async {
        read_response(admin::handle(&app, staff_search.request()).await)
    })
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["customers"].as_array().map(Vec::len), Some(20));
    assert!(body["next_cursor"].is_string());

    let basic_search = search(&Claims::basic_staff(TENANT, BASIC));
    let (basic_cost, (status, body)) =
        measure_as(&stack, "customer_search_basic", &label, true, async {
            read_response(admin::handle(&app, basic_search.request()).await)
        })
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["customers"][0]["customer_id"], json!(CUSTOMER));
    assert_eq!(body["customers"].as_array().map(Vec::len), Some(1));

    let rename = contact_write("Bella Assigned Morgan");
    let (rename_cost, (status, body)) =
        measure_as(&stack, "directory_contact_rename", &label, true, async {
            read_response(admin::handle(&app, rename.request()).await)
        })
        .await;
    assert_eq!(status, 200, "{body}");
    [staff_cost, basic_cost, write, rename_cost]
}

#[tokio::test]
async fn a_directory_search_costs_the_same_with_30_and_30000_accounts() {
    let few = search_costs(30).await;
    let many = search_costs(30_000).await;
    for costs in [&few, &many] {
        within("customer_search", &costs[0], 2, 5.0, 0.0);
        // Their reach (consistent), then their one assigned account's contacts.
        within("customer_search_basic", &costs[1], 2, 2.0, 0.0);
        // GetItem of the contact; the transaction: contact and phone claim (2 WRU each),
        // 8 entries (4 of the name, 2 of the email, 2 of the phone; 2 WRU each).
        within("directory_contact_write", &costs[2], 2, 1.0, 20.0);
        // A new name: every entry carries it, so the 8 are put again, and the 2 of
        // tokens gone ("lee", the old whole name) deleted. An email or phone change
        // rewrites only its own entries.
        within("directory_contact_rename", &costs[3], 2, 1.0, 24.0);
    }
    assert_eq!(few, many, "30 accounts cost what 30,000 do");
}
