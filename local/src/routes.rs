//! The API's routes and the function serving each: the table `infra/template.yaml`
//! declares and `openapi.yaml` documents (tests keep all three equal).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    Send,
    Thread,
    Export,
    MarkRead,
    Activity,
    Admin,
    SmsInbound,
    Webhooks,
}

impl Function {
    /// The crate under `functions/` and the binary the template builds.
    pub fn binary(self) -> &'static str {
        match self {
            Function::Send => "send",
            Function::Thread => "thread",
            Function::Export => "export",
            Function::MarkRead => "mark-read",
            Function::Activity => "activity",
            Function::Admin => "admin",
            Function::SmsInbound => "sms-inbound",
            Function::Webhooks => "webhooks",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub method: &'static str,
    /// API Gateway's path template, e.g. `/conversations/{id}/messages`.
    pub path: &'static str,
    pub function: Function,
    pub auth: Auth,
}

/// How API Gateway authorizes a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// The JWT authorizer: tenants' users and the host application.
    Jwt,
    /// IAM (SigV4): the platform operator.
    Iam,
    /// None at the gateway: the SMS provider's webhook, checked by its signature, and
    /// one-click unsubscribe links, authorized by the token in their path.
    Open,
}

pub const ROUTES: &[Route] = &[
    route("POST", "/messages", Function::Send),
    route("POST", "/attachments", Function::Send),
    route("GET", "/attachments/{id}", Function::Thread),
    route("GET", "/messages/customer/{customer_id}", Function::Thread),
    route("GET", "/conversations/{id}/messages", Function::Thread),
    route(
        "PATCH",
        "/conversations/{id}/messages/{message_id}",
        Function::Send,
    ),
    route(
        "DELETE",
        "/conversations/{id}/messages/{message_id}",
        Function::Send,
    ),
    route(
        "GET",
        "/conversations/{id}/messages/{message_id}/versions",
        Function::Send,
    ),
    route("POST", "/messages/read", Function::MarkRead),
    route("GET", "/conversations/{id}/preferences", Function::MarkRead),
    route("PUT", "/conversations/{id}/preferences", Function::MarkRead),
    // A digest's List-Unsubscribe link (RFC 8058): no login, the token is the key.
    Route {
        method: "GET",
        path: "/unsubscribe/{token}",
        function: Function::MarkRead,
        auth: Auth::Open,
    },
    Route {
        method: "POST",
        path: "/unsubscribe/{token}",
        function: Function::MarkRead,
        auth: Auth::Open,
    },
    route("GET", "/messages/activity", Function::Activity),
    route("GET", "/messages/unread", Function::Activity),
    route("POST", "/conversations", Function::Admin),
    route("GET", "/conversations", Function::Admin),
    route("POST", "/conversations/{id}/close", Function::Admin),
    route("GET", "/conversations/{id}/export", Function::Export),
    route("POST", "/conversations/{id}/events", Function::Send),
    route(
        "PUT",
        "/conversations/{id}/participants/{user_id}",
        Function::Admin,
    ),
    route(
        "DELETE",
        "/conversations/{id}/participants/{user_id}",
        Function::Admin,
    ),
    route("GET", "/settings/messaging", Function::Admin),
    route("PUT", "/settings/messaging", Function::Admin),
    route("GET", "/notifications", Function::Admin),
    route("GET", "/sms/unmatched", Function::Admin),
    route("GET", "/email/unmatched", Function::Admin),
    route("GET", "/suppressions", Function::Admin),
    route(
        "DELETE",
        "/suppressions/{channel}/{address}",
        Function::Admin,
    ),
    // The provider's webhook: authenticated by its signature, not a JWT.
    Route {
        method: "POST",
        path: "/sms/inbound",
        function: Function::SmsInbound,
        auth: Auth::Open,
    },
    Route {
        method: "GET",
        path: "/operator/tenants/{tenant_id}/grant",
        function: Function::Admin,
        auth: Auth::Iam,
    },
    Route {
        method: "PUT",
        path: "/operator/tenants/{tenant_id}/grant",
        function: Function::Admin,
        auth: Auth::Iam,
    },
    route("PUT", "/staff/{user_id}", Function::Admin),
    route("GET", "/staff/{user_id}", Function::Admin),
    route("DELETE", "/staff/{user_id}", Function::Admin),
    route(
        "PUT",
        "/staff/{user_id}/assignments/{customer_id}",
        Function::Admin,
    ),
    route(
        "DELETE",
        "/staff/{user_id}/assignments/{customer_id}",
        Function::Admin,
    ),
    route("GET", "/staff", Function::Admin),
    route("GET", "/customers", Function::Admin),
    route("GET", "/customers/{customer_id}/contacts", Function::Admin),
    route("GET", "/customers/{customer_id}/patients", Function::Admin),
    route(
        "PUT",
        "/customers/{customer_id}/patients/{patient_id}",
        Function::Admin,
    ),
    route(
        "DELETE",
        "/customers/{customer_id}/patients/{patient_id}",
        Function::Admin,
    ),
    route(
        "PUT",
        "/customers/{customer_id}/contacts/{contact_id}",
        Function::Admin,
    ),
    route(
        "GET",
        "/customers/{customer_id}/contacts/{contact_id}",
        Function::Admin,
    ),
    route(
        "DELETE",
        "/customers/{customer_id}/contacts/{contact_id}",
        Function::Admin,
    ),
    route(
        "POST",
        "/customers/{customer_id}/contacts/{contact_id}/export",
        Function::Admin,
    ),
    route(
        "POST",
        "/customers/{customer_id}/contacts/{contact_id}/erase",
        Function::Admin,
    ),
    route("POST", "/staff/{user_id}/erase", Function::Admin),
    route("GET", "/jobs/{job_id}", Function::Thread),
    route("GET", "/webhooks", Function::Webhooks),
    route("POST", "/webhooks", Function::Webhooks),
    route("GET", "/webhooks/{id}", Function::Webhooks),
    route("PATCH", "/webhooks/{id}", Function::Webhooks),
    route("DELETE", "/webhooks/{id}", Function::Webhooks),
    route("POST", "/webhooks/{id}/secret/rotate", Function::Webhooks),
    route("GET", "/webhooks/{id}/deliveries", Function::Webhooks),
    route(
        "POST",
        "/webhooks/{id}/deliveries/{event_id}/replay",
        Function::Webhooks,
    ),
];

const fn route(method: &'static str, path: &'static str, function: Function) -> Route {
    Route {
        method,
        path,
        function,
        auth: Auth::Jwt,
    }
}

/// The route for a request and its path parameters, as API Gateway matches them: literal
/// segments first, a `{param}` matching one non-empty segment.
pub fn match_route(method: &str, path: &str) -> Option<(&'static Route, Vec<(String, String)>)> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    ROUTES
        .iter()
        .filter(|r| r.method == method)
        .find_map(|route| {
            let template: Vec<&str> = route.path.trim_start_matches('/').split('/').collect();
            if template.len() != segments.len() {
                return None;
            }
            let mut params = Vec::new();
            for (pattern, segment) in template.iter().zip(&segments) {
                match pattern.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                    Some(name) if !segment.is_empty() => {
                        params.push((name.to_owned(), percent_decode(segment)))
                    }
                    Some(_) => return None,
                    None if pattern == segment => {}
                    None => return None,
                }
            }
            Some((route, params))
        })
}

/// Whether any route has this path (for 404 versus 405).
pub fn path_exists(path: &str) -> bool {
    ["GET", "POST", "PUT", "DELETE"]
        .iter()
        .any(|m| match_route(m, path).is_some())
}

pub(crate) fn percent_decode(segment: &str) -> String {
    String::from_utf8_lossy(&shared::http::percent_decode(segment.as_bytes())).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_templates_and_extracts_parameters() {
        let (route, params) = match_route("GET", "/conversations/abc/messages").unwrap();
        assert_eq!(route.function, Function::Thread);
        assert_eq!(params, [("id".to_owned(), "abc".to_owned())]);
        let (_, params) = match_route("GET", "/messages/customer/c%231").unwrap();
        assert_eq!(params[0].1, "c#1");
        assert!(match_route("GET", "/messages/customer/").is_none());
        assert!(match_route("DELETE", "/messages").is_none());
        assert!(path_exists("/messages"));
        assert!(!path_exists("/nope"));
    }
}
