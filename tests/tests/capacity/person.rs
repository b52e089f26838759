//! Starting a job on a person's data and reading it: a few small items, whatever the
//! person's history (the jobs themselves run on the worker, measured by `make bench`).

use super::*;

fn contact_route(method: &str, action: &str) -> ApiEvent {
    ApiEvent::new(
        method,
        &format!("/customers/{{customer_id}}/contacts/{{contact_id}}/{action}"),
    )
    .claims(&Claims::admin(TENANT, STAFF))
    .path_param("customer_id", CUSTOMER)
    .path_param("contact_id", CONTACT)
}

async fn started(app: &App<DynamoStore>, event: ApiEvent, status: u16) -> Value {
    let request = event.request();
    let response = match shared::http::route_key(&request).as_deref() {
        Some("GET /jobs/{job_id}") => thread::handle(app, request).await,
        _ => admin::handle(app, request).await,
    };
    let (got, body) = read_response(response);
    assert_eq!(got, status, "{body}");
    body
}

#[tokio::test]
async fn starting_and_reading_a_job_costs_a_few_small_items() {
    let stack = TestStack::start().await;
    let app = stack.app();
    seed::contact(
        &stack.store,
        TENANT,
        CUSTOMER,
        CONTACT,
        "casey@example.com",
        Some(CONTACT_PHONE),
    )
    .await;
    post(&app, &customer(), None).await;
    // Warm, as a container is: settings cached.
    started(&app, contact_route("POST", "export"), 202).await;

    let (export, job) = measure_as(
        &stack,
        "job_start_export",
        "scale=1",
        true,
        started(&app, contact_route("POST", "export"), 202),
    )
    .await;
    assert_eq!(
        (export.requests, export.rru, export.wru),
        (2, 1.0, 3.0),
        "{export:?}"
    );
    let (erase, _) = measure_as(
        &stack,
        "job_start_erasure",
        "scale=1",
        true,
        started(&app, contact_route("POST", "erase"), 202),
    )
    .await;
    assert_eq!(
        (erase.requests, erase.rru, erase.wru),
        (3, 2.0, 5.0),
        "{erase:?}"
    );
    let (again, _) = measure_as(
        &stack,
        "job_erasure_asked_again",
        "scale=1",
        true,
        started(&app, contact_route("POST", "erase"), 200),
    )
    .await;
    assert_eq!(
        (again.requests, again.rru, again.wru),
        (3, 3.0, 0.0),
        "{again:?}"
    );
    let id = job["job_id"].as_str().unwrap();
    let read = ApiEvent::new("GET", "/jobs/{job_id}")
        .claims(&Claims::admin(TENANT, STAFF))
        .path_param("job_id", id);
    let (cost, _) = measure_as(
        &stack,
        "job_read",
        "scale=1",
        true,
        started(&app, read, 200),
    )
    .await;
    assert_eq!(
        (cost.requests, cost.rru, cost.wru),
        (1, 1.0, 0.0),
        "{cost:?}"
    );
}
