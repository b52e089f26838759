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

impl Api {
    /// The provider's webhook: a form, signed (or not) the way Twilio signs it.
    async fn sms(&self, params: &[(&str, &str)], signature: Option<String>) -> (u16, String) {
        let mut request = self
            .http
            .post(format!("{}/sms/inbound", self.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(testkit::events::form(params));
        if let Some(signature) = signature {
            request = request.header("x-twilio-signature", signature);
        }
        let response = request.send().await.unwrap();
        (
            response.status().as_u16(),
            response.text().await.unwrap_or_default(),
        )
    }

    fn sign(&self, params: &[(&str, &str)], token: &str) -> String {
        testkit::events::twilio_signature(token, &format!("{}/sms/inbound", self.url), params)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inbound_sms_through_the_local_api() {
    let api = Api::start().await;
    let admin = token("admin", "ava", None, 3600);
    let staff = token("staff", "sam", None, 3600);
    let grant = json!({"sms_numbers": ["+15550100999"]});
    let (status, body) = api
        .call(
            "PUT",
            "/settings/messaging",
            Some(&admin),
            Some(json!({"sms_numbers": ["+15550100999"]})),
        )
        .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (403, &json!("not_granted"))
    );
    // Tenants' tokens never reach the operator's routes; the operator's credentials do.
    for authorization in [
        Some(format!("Bearer {admin}")),
        Some("Operator not-the-key".to_owned()),
        None,
    ] {
        let (status, body) = api
            .call_with(
                "PUT",
                "/operator/tenants/demo/grant",
                authorization.as_deref(),
                Some(grant.clone()),
            )
            .await;
        assert_eq!((status, body["message"].as_str()), (403, Some("Forbidden")));
    }
    let operator = format!("Operator {OPERATOR_KEY}");
    let (status, body) = api
        .call_with(
            "PUT",
            "/operator/tenants/demo/grant",
            Some(&operator),
            Some(grant),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = api
        .call_with("GET", "/operator/tenants/demo/grant", Some(&operator), None)
        .await;
    assert_eq!(
        (status, &body["grant"]["sms_numbers"][0]),
        (200, &json!("+15550100999"))
    );
    assert_eq!(body["used"]["emails"], 0);
    let (status, body) = api
        .call(
            "PUT",
            "/settings/messaging",
            Some(&admin),
            Some(json!({"sms_numbers": ["+15550100999"], "business_name": "Demo Vets"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = api
        .call(
            "PUT",
            "/customers/fam-1/contacts/casey",
            Some(&admin),
            Some(json!({"name": "Casey Lee", "phone": "+15550100001"})),
        )
        .await;
    assert_eq!(status, 200);

    let text = [
        ("MessageSid", "SM0a1b2c"),
        ("From", "+15550100001"),
        ("To", "+15550100999"),
        ("Body", "Milo ate a sock, can we come in?"),
    ];
    // No JWT is needed, but a signature is.
    for signature in [
        None,
        Some("bm90IGEgc2lnbmF0dXJl".to_owned()),
        Some(api.sign(&text, "not-the-token")),
    ] {
        let (status, body) = api.sms(&text, signature).await;
        assert_eq!(status, 403, "{body}");
    }
    let (status, thread) = api
        .call("GET", "/messages/customer/fam-1", Some(&staff), None)
        .await;
    assert_eq!(
        (status, thread["messages"].clone()),
        (200, json!([])),
        "{thread}"
    );

    let (status, body) = api.sms(&text, Some(api.sign(&text, SMS_TOKEN))).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<Response>"), "{body}");
    let (status, thread) = api
        .call("GET", "/messages/customer/fam-1", Some(&staff), None)
        .await;
    assert_eq!(status, 200, "{thread}");
    let message = &thread["messages"][0];
    assert_eq!(message["message"], "Milo ate a sock, can we come in?");
    assert_eq!(message["channel"], "sms");
    assert_eq!(message["external_ref"], "SM0a1b2c");
    assert_eq!(message["is_read"], false);

    let help = [
        ("MessageSid", "SM0a1b2d"),
        ("From", "+15550100002"),
        ("To", "+15550100999"),
        ("Body", "HELP"),
    ];
    let (status, body) = api.sms(&help, Some(api.sign(&help, SMS_TOKEN))).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("Demo Vets: messages about your account"),
        "{body}"
    );
    let (status, listed) = api.call("GET", "/sms/unmatched", Some(&admin), None).await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["texts"][0]["from"], "+15550100002");
    let (status, _) = api.call("GET", "/sms/unmatched", Some(&staff), None).await;
    assert_eq!(status, 403);
}
