//! The local API end to end over HTTP: JWT verification, routing, and the acceptance walk
//! (a staff send, the customer's unread thread, mark read, the receipt, read-only mode).

use serde_json::{json, Map, Value};

const SECRET: &[u8] = b"local-api-test-secret";
const SMS_TOKEN: &str = "local-api-sms-token";
const OPERATOR_KEY: &str = "local-api-operator-key";

struct Api {
    url: String,
    http: reqwest::Client,
}

impl Api {
    async fn start() -> Api {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let options = local::LocalOptions {
            jwt_secret: SECRET.to_vec(),
            operator_key: OPERATOR_KEY.into(),
            data_file: None,
            config: testkit::test_config("tidings"),
            sms_webhook: Some(sms_inbound::Webhook {
                public_url: format!("{url}/sms/inbound"),
                auth_token: SMS_TOKEN.into(),
            }),
            web: None,
        };
        let api = local::LocalApi::start(options).await.unwrap();
        tokio::spawn(api.serve(listener));
        Api {
            url,
            http: reqwest::Client::new(),
        }
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let authorization = token.map(|t| format!("Bearer {t}"));
        self.call_with(method, path, authorization.as_deref(), body)
            .await
    }

    async fn call_with(
        &self,
        method: &str,
        path: &str,
        authorization: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.url));
        if let Some(authorization) = authorization {
            request = request.header("authorization", authorization);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

fn token(role: &str, sub: &str, customer: Option<&str>, exp_offset: i64) -> String {
    let mut claims = Map::new();
    claims.insert("sub".into(), sub.into());
    claims.insert("tenant_id".into(), "demo".into());
    claims.insert("role".into(), role.into());
    claims.insert("name".into(), format!("{role} {sub}").into());
    if let Some(customer) = customer {
        claims.insert("customer_id".into(), customer.into());
    }
    claims.insert(
        "exp".into(),
        (jiff::Timestamp::now().as_second() + exp_offset).into(),
    );
    shared::jwt::sign_hs256(&claims, SECRET)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_and_customer_talk_through_the_local_api() {
    let api = Api::start().await;
    let staff = token("staff", "sam", None, 3600);
    let customer = token("customer", "casey", Some("fam-1"), 3600);
    let admin = token("admin", "avery", None, 3600);

    let (status, sent) = api
        .call(
            "POST",
            "/messages",
            Some(&staff),
            Some(json!({"customer_id": "fam-1", "message": "Milo's vaccines are due"})),
        )
        .await;
    assert_eq!(status, 201, "{sent}");

    let (status, thread) = api
        .call("GET", "/messages/customer/fam-1", Some(&customer), None)
        .await;
    assert_eq!(status, 200, "{thread}");
    assert_eq!(thread["messages"][0]["id"], sent["id"]);
    assert_eq!(thread["messages"][0]["is_read"], false);
    assert_eq!(thread["conversation"]["unread_count"], 1);

    let (status, read) = api
        .call("POST", "/messages/read", Some(&customer), Some(json!({})))
        .await;
    assert_eq!((status, read["unread_count"].as_u64()), (200, Some(0)));

    let conversation = sent["conversation_id"].as_str().unwrap();
    let (status, thread) = api
        .call(
            "GET",
            &format!("/conversations/{conversation}/messages?limit=10"),
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(thread["messages"][0]["read_by_recipient"], true);

    let (status, _) = api
        .call(
            "PUT",
            "/settings/messaging",
            Some(&admin),
            Some(json!({"mode": "read_only"})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, refused) = api
        .call(
            "POST",
            "/messages",
            Some(&staff),
            Some(json!({"customer_id": "fam-1", "message": "one more"})),
        )
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (403, Some("messaging_read_only"))
    );
    let (status, _) = api
        .call("GET", "/messages/customer/fam-1", Some(&customer), None)
        .await;
    assert_eq!(status, 200, "reads still work");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbox_and_the_directory_through_the_local_api() {
    let api = Api::start().await;
    let service = token("service", "practice-sync", None, 3600);
    let basic = token("basic_staff", "bea", None, 3600);
    let customer = token("customer", "casey", Some("fam-1"), 3600);

    let (status, body) = api
        .call(
            "PUT",
            "/customers/fam-1/contacts/casey",
            Some(&service),
            Some(json!({"name": "Casey Lee", "phone": "+15550100001", "sms_opt_in": true})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = api
        .call(
            "PUT",
            "/staff/bea",
            Some(&service),
            Some(json!({"name": "Bea", "role": "basic_staff"})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = api
        .call("PUT", "/staff/bea/assignments/fam-1", Some(&service), None)
        .await;
    assert_eq!(status, 200, "{body}");

    api.call(
        "POST",
        "/messages",
        Some(&customer),
        Some(json!({"message": "Can Milo come in today?"})),
    )
    .await;
    let (status, feed) = api
        .call("GET", "/messages/activity?unread=true", Some(&basic), None)
        .await;
    assert_eq!(status, 200, "{feed}");
    assert_eq!(feed["conversations"][0]["customer_id"], "fam-1");
    assert_eq!(feed["conversations"][0]["unread_count"], 1);
    let (status, badge) = api
        .call("GET", "/messages/unread", Some(&basic), None)
        .await;
    assert_eq!((status, badge["total_unread"].as_u64()), (200, Some(1)));

    let (status, _) = api
        .call(
            "DELETE",
            "/staff/bea/assignments/fam-1",
            Some(&service),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = api
        .call("GET", "/messages/customer/fam-1", Some(&basic), None)
        .await;
    assert_eq!(status, 404, "no longer assigned");
}

#[tokio::test]
async fn the_gateway_refuses_bad_tokens_and_unknown_routes() {
    let api = Api::start().await;
    let expired = token("staff", "sam", None, -10);
    let forged = token("staff", "sam", None, 3600).replace('.', ".x");
    for bad in [
        None,
        Some(expired.as_str()),
        Some(forged.as_str()),
        Some("not-a-jwt"),
    ] {
        let (status, body) = api.call("GET", "/messages/customer/fam-1", bad, None).await;
        assert_eq!(
            (status, body["message"].as_str()),
            (401, Some("Unauthorized"))
        );
    }
    let staff = token("staff", "sam", None, 3600);
    assert_eq!(api.call("GET", "/nowhere", Some(&staff), None).await.0, 404);
    assert_eq!(
        api.call("DELETE", "/messages", Some(&staff), None).await.0,
        405
    );
    let (status, body) = api
        .call(
            "GET",
            "/messages/customer/fam-1?limit=500",
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_limit"))
    );
}

mod sms;
