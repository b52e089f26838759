//! Inbound SMS through the local API: the provider's signed webhook.

use super::*;

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
