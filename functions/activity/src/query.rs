//! What the query string of the activity feed asks for: its filters, and the scope its
//! cursors are sealed to.

use shared::domain::Named;
use shared::domain::{ConversationKind, ConversationStatus, Principal, Role};
use shared::http::{self, Request};
use shared::store::ConversationHeader;
use shared::ApiError;

pub(crate) fn only_params(request: &Request, allowed: &[&str]) -> Result<(), ApiError> {
    let unknown = request
        .uri()
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| pair.split('=').next().unwrap_or_default())
        .find(|name| !allowed.contains(name));
    match unknown {
        Some(name) => Err(ApiError::bad_request(
            "invalid_filter",
            format!("unknown query parameter {name}"),
        )),
        None => Ok(()),
    }
}

pub(crate) fn unread_filter(request: &Request) -> Result<bool, ApiError> {
    match http::query_param(request, "unread").as_deref() {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(ApiError::bad_request(
            "invalid_filter",
            "unread must be true or false",
        )),
    }
}

/// What a staff member narrows the feed to: one customer account, a kind of
/// conversation, a status. Each keeps a page to one feed Query (and the positions' read).
#[derive(Debug, Default)]
pub(crate) struct Filters {
    pub(crate) customer: Option<shared::domain::ids::CustomerId>,
    kind: Option<ConversationKind>,
    status: Option<ConversationStatus>,
}

impl Filters {
    pub(crate) fn from_request(
        request: &Request,
        principal: &Principal,
    ) -> Result<Filters, ApiError> {
        let invalid = |message: &str| ApiError::bad_request("invalid_filter", message.to_owned());
        let customer = match http::query_param(request, "customer_id") {
            None => None,
            Some(_) if principal.role == Role::Customer => {
                return Err(invalid(
                    "customer_id is for staff: a customer sees their own account",
                ))
            }
            Some(id) => Some(shared::domain::ids::parse_id("customer_id", &id)?),
        };
        let kind = match http::query_param(request, "kind").as_deref() {
            None => None,
            Some("general") => Some(ConversationKind::General),
            Some("patient") => Some(ConversationKind::Patient),
            Some("order") => Some(ConversationKind::Order),
            Some(_) => return Err(invalid("kind must be general, patient or order")),
        };
        let status = match http::query_param(request, "status").as_deref() {
            None => None,
            Some("open") => Some(ConversationStatus::Open),
            Some("closed") => Some(ConversationStatus::Closed),
            Some(_) => return Err(invalid("status must be open or closed")),
        };
        Ok(Filters {
            customer,
            kind,
            status,
        })
    }

    pub(crate) fn any(&self) -> bool {
        self.customer.is_some() || self.kind.is_some() || self.status.is_some()
    }

    pub(crate) fn admits(&self, header: &ConversationHeader) -> bool {
        self.kind
            .is_none_or(|kind| header.id.subject.kind() == kind)
            && self.status.is_none_or(|status| header.status == status)
    }

    fn scope(&self) -> String {
        format!(
            "{}/{:?}/{:?}",
            self.customer.as_deref().unwrap_or_default(),
            self.kind,
            self.status
        )
    }
}

/// A cursor belongs to one caller's walk through one filtered or unfiltered feed.
pub(crate) fn cursor_scope(principal: &Principal, unread_only: bool, filters: &Filters) -> String {
    format!(
        "activity/{}/{}/{}/{}/{}",
        principal.tenant_id,
        principal.role.as_str(),
        principal.user_id,
        unread_only,
        filters.scope()
    )
}
