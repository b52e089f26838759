//! API Gateway HTTP API (payload 2.0) events with JWT authorizer claims, built from the
//! fixture `events/apigw-v2-jwt.json` the way API Gateway would deliver them.

use serde_json::{json, Map, Value};

const BASE_EVENT: &str = include_str!("../events/apigw-v2-jwt.json");
const IAM_AUTHORIZER: &str = include_str!("../events/apigw-v2-iam-authorizer.json");
const SNS_TWO_WAY_SMS: &str = include_str!("../events/sns-two-way-sms.json");

/// An SNS event delivering one AWS End User Messaging two-way SMS, from the fixture
/// `events/sns-two-way-sms.json`, with the given fields of the text replaced.
pub fn sns_two_way_sms(changes: &[(&str, &str)]) -> Value {
    let mut event: Value = serde_json::from_str(SNS_TWO_WAY_SMS).expect("the SNS fixture is JSON");
    let record = &mut event["Records"][0]["Sns"];
    let mut message: Value = serde_json::from_str(record["Message"].as_str().unwrap_or("{}"))
        .expect("the fixture's message is JSON");
    for (name, value) in changes {
        message[*name] = (*value).into();
    }
    record["Message"] = message.to_string().into();
    event
}

/// Claims as the JWT authorizer passes them (all strings).
#[derive(Clone, Debug)]
pub struct Claims(pub Map<String, Value>);

impl Claims {
    pub fn new(tenant: &str, sub: &str, role: &str) -> Claims {
        let mut map = Map::new();
        map.insert("sub".into(), sub.into());
        map.insert("tenant_id".into(), tenant.into());
        map.insert("role".into(), role.into());
        map.insert("name".into(), format!("{role} {sub}").into());
        map.insert("exp".into(), "4102444800".into());
        Claims(map)
    }

    pub fn admin(tenant: &str, sub: &str) -> Claims {
        Claims::new(tenant, sub, "admin")
    }

    pub fn staff(tenant: &str, sub: &str) -> Claims {
        Claims::new(tenant, sub, "staff")
    }

    pub fn basic_staff(tenant: &str, sub: &str) -> Claims {
        Claims::new(tenant, sub, "basic_staff")
    }

    pub fn service(tenant: &str, sub: &str) -> Claims {
        Claims::new(tenant, sub, "service")
    }

    pub fn customer(tenant: &str, sub: &str, customer: &str) -> Claims {
        Claims::new(tenant, sub, "customer").with("customer_id", customer)
    }

    pub fn with(mut self, name: &str, value: &str) -> Claims {
        self.0.insert(name.into(), value.into());
        self
    }

    pub fn without(mut self, name: &str) -> Claims {
        self.0.remove(name);
        self
    }
}

/// One request to a route, e.g. `ApiEvent::new("GET", "/conversations/{id}/messages")`.
#[derive(Clone, Debug)]
pub struct ApiEvent {
    event: Value,
    route_path: String,
    path_params: Map<String, Value>,
    query: Vec<(String, String)>,
}

impl ApiEvent {
    pub fn new(method: &str, route_path: &str) -> ApiEvent {
        let mut event: Value = serde_json::from_str(BASE_EVENT).expect("the base fixture is JSON");
        event["routeKey"] = format!("{method} {route_path}").into();
        event["requestContext"]["routeKey"] = event["routeKey"].clone();
        event["requestContext"]["http"]["method"] = method.into();
        event["body"] = Value::Null;
        ApiEvent {
            event,
            route_path: route_path.to_owned(),
            path_params: Map::new(),
            query: Vec::new(),
        }
    }

    pub fn claims(mut self, claims: &Claims) -> ApiEvent {
        self.event["requestContext"]["authorizer"]["jwt"]["claims"] =
            Value::Object(claims.0.clone());
        self
    }

    /// Signed with the operator's IAM credentials: the context API Gateway's IAM
    /// authorization passes (fixture `events/apigw-v2-iam-authorizer.json`), no JWT.
    pub fn operator(mut self) -> ApiEvent {
        self.event["requestContext"]["authorizer"] =
            serde_json::from_str(IAM_AUTHORIZER).expect("the IAM fixture is JSON");
        self
    }

    /// No authorizer context at all, as for a route without a JWT authorizer.
    pub fn anonymous(mut self) -> ApiEvent {
        self.event["requestContext"]
            .as_object_mut()
            .expect("requestContext is an object")
            .remove("authorizer");
        self
    }

    pub fn path_param(mut self, name: &str, value: &str) -> ApiEvent {
        self.path_params.insert(name.into(), value.into());
        self
    }

    pub fn query(mut self, name: &str, value: &str) -> ApiEvent {
        self.query.push((name.into(), value.into()));
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> ApiEvent {
        self.event["headers"][name.to_ascii_lowercase()] = value.into();
        self
    }

    pub fn without_header(mut self, name: &str) -> ApiEvent {
        if let Some(headers) = self.event["headers"].as_object_mut() {
            headers.remove(&name.to_ascii_lowercase());
        }
        self
    }

    /// Bytes as API Gateway passes them: text as is, anything else base64-encoded.
    pub fn raw_body(mut self, bytes: &[u8]) -> ApiEvent {
        match std::str::from_utf8(bytes) {
            Ok(text) => self.body(text),
            Err(_) => {
                use base64::Engine;
                self.event["body"] = base64::engine::general_purpose::STANDARD
                    .encode(bytes)
                    .into();
                self.event["isBase64Encoded"] = true.into();
                self
            }
        }
    }

    pub fn json(self, body: Value) -> ApiEvent {
        self.body(&body.to_string())
    }

    pub fn body(mut self, body: &str) -> ApiEvent {
        self.event["body"] = body.into();
        self
    }

    /// The event as JSON, as Lambda receives it.
    pub fn to_json(&self) -> Value {
        let mut event = self.event.clone();
        let mut path = self.route_path.clone();
        for (name, value) in &self.path_params {
            path = path.replace(&format!("{{{name}}}"), value.as_str().unwrap_or_default());
        }
        event["rawPath"] = path.clone().into();
        event["requestContext"]["http"]["path"] = path.into();
        event["pathParameters"] = Value::Object(self.path_params.clone());
        let raw_query: Vec<String> = self
            .query
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        event["rawQueryString"] = raw_query.join("&").into();
        let mut params = Map::new();
        for (k, v) in &self.query {
            // API Gateway joins repeated parameters with commas.
            let joined = match params.get(k).and_then(Value::as_str) {
                Some(previous) => format!("{previous},{v}"),
                None => v.clone(),
            };
            params.insert(k.clone(), joined.into());
        }
        event["queryStringParameters"] = if params.is_empty() {
            json!(null)
        } else {
            Value::Object(params)
        };
        event
    }

    pub fn request(&self) -> lambda_http::Request {
        lambda_http::request::from_str(&self.to_json().to_string())
            .expect("the event is a valid API Gateway v2 event")
    }
}

/// An `application/x-www-form-urlencoded` body, as an SMS provider posts it.
pub fn form(params: &[(&str, &str)]) -> String {
    params
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Twilio's `X-Twilio-Signature` of these parameters posted to `url`.
pub fn twilio_signature(auth_token: &str, url: &str, params: &[(&str, &str)]) -> String {
    let owned: Vec<(String, String)> = params
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    shared::domain::sms::twilio_signature(auth_token, url, &owned)
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A response's status and JSON body.
pub fn read_response(response: lambda_http::Response<lambda_http::Body>) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = match response.body() {
        lambda_http::Body::Text(text) => {
            serde_json::from_str(text).unwrap_or(Value::String(text.clone()))
        }
        lambda_http::Body::Binary(bytes) => serde_json::from_slice(bytes).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    (status, body)
}
