//! Tokens the local API accepts: minted with the development secret, as the host
//! application's identity provider would issue them in AWS.

use serde_json::{Map, Value};

const DEFAULT_JWT_SECRET: &str = "tidings-dev-secret";

/// The secret tokens are signed with (`TIDINGS_DEV_JWT_SECRET`, or the development one).
pub fn jwt_secret() -> String {
    std::env::var("TIDINGS_DEV_JWT_SECRET").unwrap_or_else(|_| DEFAULT_JWT_SECRET.to_owned())
}

/// Who a token names.
#[derive(Debug, Clone)]
pub struct Identity {
    pub role: &'static str,
    pub tenant: String,
    pub sub: String,
    pub customer: Option<String>,
    pub name: String,
}

impl Identity {
    /// A token for this identity, valid for `hours`.
    pub fn token(&self, secret: &str, hours: i64) -> String {
        let mut claims = Map::new();
        claims.insert("sub".into(), self.sub.clone().into());
        claims.insert("tenant_id".into(), self.tenant.clone().into());
        claims.insert("role".into(), self.role.into());
        claims.insert("name".into(), self.name.clone().into());
        if let Some(customer) = &self.customer {
            claims.insert("customer_id".into(), customer.clone().into());
        }
        claims.insert(
            "exp".into(),
            Value::from(jiff::Timestamp::now().as_second() + hours * 3600),
        );
        shared::jwt::sign_hs256(&claims, secret.as_bytes())
    }

    /// How the sign-in picker names it.
    pub fn label(&self) -> String {
        let role = match self.role {
            "admin" => "admin",
            "staff" => "staff",
            "basic_staff" => "vendor (basic staff)",
            "customer" => "customer",
            _ => "host application",
        };
        format!("{} — {role}", self.name)
    }
}

/// The people `make dev` seeds in the demo tenant, in the order the picker lists them.
pub fn demo_identities() -> Vec<Identity> {
    let person = |role, sub: &str, customer: Option<&str>, name: &str| Identity {
        role,
        tenant: crate::demo::DEMO_TENANT.to_owned(),
        sub: sub.to_owned(),
        customer: customer.map(str::to_owned),
        name: name.to_owned(),
    };
    use crate::demo::{DEMO_CUSTOMER, DEMO_SECOND_CONTACT, DEMO_VENDOR};
    vec![
        person("admin", "demo-admin", None, "Avery Admin"),
        person("staff", "demo-staff", None, "Sam Staff"),
        person("basic_staff", DEMO_VENDOR, None, "Val Vendor"),
        person(
            "customer",
            "demo-contact",
            Some(DEMO_CUSTOMER),
            "Casey Customer",
        ),
        person(
            "customer",
            DEMO_SECOND_CONTACT,
            Some(DEMO_CUSTOMER),
            "Jordan Customer",
        ),
        person("service", "demo-host", None, "Demo Marketplace"),
    ]
}
