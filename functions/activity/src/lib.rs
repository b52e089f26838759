//! `GET /messages/activity` and `GET /messages/unread`: the caller's inbox and badge.
//!
//! Staff sides read the tenant's feed, a customer their account's, both most recent
//! message first, each conversation with the caller's own unread count. Basic staff see
//! the conversations of customers assigned to them (one more read: their assignments).
//! A feed page is one Query; the badge at most two. How a page is picked and how far the
//! badge looks is in [`shared::domain::feed`].

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use shared::domain::feed::{select_page, BADGE_REQUESTS, BADGE_WINDOW, FILTERED_WINDOW};
use shared::domain::permissions::Access;
use shared::domain::{Principal, Role};
use shared::http::{self, Request, Response};
use shared::store::{
    ConversationHeader, DirectoryStore, Feed, FeedFields, FeedStore, Reader, SettingsStore,
};
use shared::{ApiError, App};

pub async fn handle<S: FeedStore + SettingsStore + DirectoryStore>(
    app: &App<S>,
    request: Request,
) -> Response {
    let result = match http::route_key(&request).as_deref() {
        Some("GET /messages/activity") => activity(app, &request).await,
        Some("GET /messages/unread") => badge(app, &request).await,
        _ => Err(ApiError::NotFound),
    };
    http::respond(result)
}

#[derive(Serialize, Deserialize)]
struct FeedCursor {
    /// The last message id of the last conversation read; the next page starts below it.
    before: String,
}

/// Whose inbox: which feed, whose read positions, and for basic staff, which customers.
struct Inbox {
    feed: Feed,
    reader: Reader,
    /// Only these customers' conversations (basic staff); `None` is every conversation
    /// of the feed.
    customers: Option<HashSet<String>>,
}

impl Inbox {
    fn shows(&self, header: &ConversationHeader) -> bool {
        self.customers
            .as_ref()
            .is_none_or(|customers| customers.contains(&header.id.customer_id))
    }

    fn unread(&self, header: &ConversationHeader) -> u64 {
        header.unread_for(self.reader.side, &self.reader.user_id)
    }

    fn is_empty(&self) -> bool {
        self.customers.as_ref().is_some_and(HashSet::is_empty)
    }
}

async fn inbox<S: DirectoryStore>(app: &App<S>, principal: &Principal) -> Result<Inbox, ApiError> {
    let reader = Reader {
        side: principal.side(),
        user_id: principal.user_id.clone(),
    };
    let (feed, customers) = match (principal.role, &principal.customer_id) {
        (Role::Customer, Some(customer)) => (Feed::Customer(customer.clone()), None),
        (Role::Customer, None) => return Err(ApiError::Unauthorized),
        (Role::BasicStaff, _) => {
            let now = jiff::Timestamp::now();
            let assigned = app
                .store
                .assignments_of(&principal.tenant_id, &principal.user_id)
                .await?
                .into_iter()
                .filter(|a| a.is_active_at(now))
                .map(|a| a.customer_id)
                .collect();
            (Feed::Tenant, Some(assigned))
        }
        (Role::Admin | Role::Staff | Role::Service, _) => (Feed::Tenant, None),
    };
    Ok(Inbox {
        feed,
        reader,
        customers,
    })
}

fn only_params(request: &Request, allowed: &[&str]) -> Result<(), ApiError> {
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

fn unread_filter(request: &Request) -> Result<bool, ApiError> {
    match http::query_param(request, "unread").as_deref() {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(ApiError::bad_request(
            "invalid_filter",
            "unread must be true or false",
        )),
    }
}

/// A cursor belongs to one caller's walk through one filtered or unfiltered feed.
fn cursor_scope(principal: &Principal, unread_only: bool) -> String {
    format!(
        "activity/{}/{}/{}/{}",
        principal.tenant_id,
        principal.role.as_str(),
        principal.user_id,
        unread_only
    )
}

async fn activity<S: FeedStore + SettingsStore + DirectoryStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let principal = app.caller(request)?;
    only_params(request, &["limit", "cursor", "unread"])?;
    let limit = http::limit(request)?;
    let unread_only = unread_filter(request)?;
    let scope = cursor_scope(&principal, unread_only);
    let cursor = http::query_param(request, "cursor")
        .map(|c| app.cursors.open::<FeedCursor>(&scope, &c))
        .transpose()?;
    app.check_mode(&principal.tenant_id, Access::Read).await?;

    let inbox = inbox(app, &principal).await?;
    if inbox.is_empty() {
        return Ok(feed_response(&inbox, Vec::new(), None));
    }
    let filtered = unread_only || inbox.customers.is_some();
    // Unfiltered, one header more than the page tells whether another page follows.
    let window = if filtered {
        FILTERED_WINDOW.max(limit + 1)
    } else {
        limit + 1
    };
    let scan = app
        .store
        .feed_scan(
            &principal.tenant_id,
            &inbox.feed,
            cursor.as_ref().map(|c| c.before.as_str()),
            window,
            &inbox.reader,
            FeedFields::Summary,
        )
        .await?;
    let page = select_page(
        scan.headers,
        scan.more,
        limit as usize,
        |header| inbox.shows(header) && (!unread_only || inbox.unread(header) > 0),
        |header| header.last_message_id.clone().unwrap_or_default(),
    );
    let next_cursor = page
        .next_before
        .map(|before| app.cursors.seal(&scope, &FeedCursor { before }));
    Ok(feed_response(&inbox, page.items, next_cursor))
}

fn feed_response(
    inbox: &Inbox,
    headers: Vec<ConversationHeader>,
    next_cursor: Option<String>,
) -> Response {
    let conversations: Vec<serde_json::Value> = headers
        .iter()
        .map(|h| h.view(inbox.reader.side, &inbox.reader.user_id))
        .collect();
    http::json_response(
        200,
        &serde_json::json!({
            "conversations": conversations,
            "next_cursor": next_cursor,
        }),
    )
}

async fn badge<S: FeedStore + SettingsStore + DirectoryStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let principal = app.caller(request)?;
    only_params(request, &[])?;
    app.check_mode(&principal.tenant_id, Access::Read).await?;

    let inbox = inbox(app, &principal).await?;
    let mut conversations = Vec::new();
    let mut total = 0u64;
    let mut before: Option<String> = None;
    let mut capped = false;
    let requests = if inbox.is_empty() { 0 } else { BADGE_REQUESTS };
    for request_number in 0..requests {
        let scan = app
            .store
            .feed_scan(
                &principal.tenant_id,
                &inbox.feed,
                before.as_deref(),
                BADGE_WINDOW,
                &inbox.reader,
                FeedFields::Counts,
            )
            .await?;
        before = scan.headers.last().and_then(|h| h.last_message_id.clone());
        for header in scan.headers.iter().filter(|h| inbox.shows(h)) {
            let unread = inbox.unread(header);
            if unread > 0 {
                total += unread;
                conversations.push(serde_json::json!({
                    "conversation_id": header.id.encode(),
                    "customer_id": header.id.customer_id,
                    "unread_count": unread,
                }));
            }
        }
        if !scan.more || before.is_none() {
            break;
        }
        capped = request_number + 1 == BADGE_REQUESTS;
    }
    Ok(http::json_response(
        200,
        &serde_json::json!({
            "total_unread": total,
            "conversations": conversations,
            "capped": capped,
        }),
    ))
}

#[cfg(test)]
mod tests;
