//! `GET /messages/activity` and `GET /messages/unread`: the caller's inbox and badge.
//!
//! Staff sides read the tenant's feed, a customer their account's, both most recent
//! message first, each conversation with the caller's own unread count. Basic staff see
//! the conversations of customers assigned to them (one more read: their assignments).
//! A feed page is one Query and one read of the caller's positions; the badge at most two
//! Queries of the feed, one of the caller's positions and a consistent read of their read
//! clock, and answers 304 after two small reads when the caller's `If-None-Match` still
//! holds (the feed's recent entries, [`tag`], and the caller's read clock are unchanged).
//! How a page is picked and how far the badge looks is in [`shared::domain::feed`].

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use shared::domain::feed::{select_page, FILTERED_WINDOW};
use shared::domain::message::ReadPosition;
use shared::domain::permissions::Access;
use shared::domain::settings::MessagingMode;
use shared::domain::{ConversationId, Principal, Role};
use shared::http::{self, Request, Response};
use shared::store::{ConversationHeader, DirectoryStore, Feed, FeedStore, Reader, SettingsStore};
use shared::{ApiError, App};

mod badge;
mod query;
mod tag;

use query::{cursor_scope, only_params, unread_filter, Filters};

pub async fn handle<S: FeedStore + SettingsStore + DirectoryStore>(
    app: &App<S>,
    request: Request,
) -> Response {
    let result = match http::route_key(&request).as_deref() {
        Some("GET /messages/activity") => Box::pin(activity(app, &request)).await,
        Some("GET /messages/unread") => Box::pin(badge::badge(app, &request)).await,
        _ => Err(ApiError::NotFound),
    };
    http::respond(result)
}

#[derive(Serialize, Deserialize)]
struct FeedCursor {
    /// The last message id of the last conversation read; the next page starts below it.
    before: String,
}

/// Whose inbox: which feed, whose read positions, and for basic staff, what they reach.
pub(crate) struct Inbox {
    feed: Feed,
    reader: Reader,
    /// Only these customers' conversations (basic staff); `None` is every conversation
    /// of the feed.
    customers: Option<HashSet<String>>,
    /// The order conversations a basic staff member takes part in (orders are theirs by
    /// taking part, not by the buyer's account being assigned).
    orders: HashSet<ConversationId>,
}

impl Inbox {
    fn shows(&self, header: &ConversationHeader) -> bool {
        match (&self.customers, header.id.subject.order_id()) {
            (None, _) => true,
            (Some(_), Some(_)) => self.orders.contains(&header.id),
            (Some(customers), None) => customers.contains(header.id.customer_id.as_str()),
        }
    }

    fn unread(&self, header: &ConversationHeader, position: Option<&ReadPosition>) -> u64 {
        header.unread_for(self.reader.side, &self.reader.user_id, position)
    }

    fn is_empty(&self) -> bool {
        self.customers.as_ref().is_some_and(HashSet::is_empty) && self.orders.is_empty()
    }

    /// What a badge depends on besides the feed and the caller's read clock: a basic staff
    /// member's assigned customers.
    fn scope(&self) -> String {
        let mut customers: Vec<&str> = self
            .customers
            .iter()
            .flatten()
            .map(String::as_str)
            .collect();
        customers.sort_unstable();
        let mut orders: Vec<String> = self.orders.iter().map(ConversationId::encode).collect();
        orders.sort_unstable();
        format!("{};{}", customers.join(","), orders.join(","))
    }
}

pub(crate) async fn inbox<S: DirectoryStore>(
    app: &App<S>,
    principal: &Principal,
) -> Result<Inbox, ApiError> {
    let reader = Reader::of(principal);
    let (feed, customers, orders) = match (principal.role, &principal.customer_id) {
        (Role::Customer, Some(customer)) => {
            (Feed::Customer(customer.to_string()), None, HashSet::new())
        }
        (Role::Customer, None) => return Err(ApiError::Unauthorized),
        (Role::BasicStaff, _) => {
            let now = jiff::Timestamp::now();
            let mut reach = app
                .store
                .reach_of(&principal.tenant_id, &principal.user_id)
                .await?;
            if !reach.profile {
                // Removed from the directory: a token still valid reaches nothing.
                reach = Default::default();
            }
            let assigned: HashSet<String> = reach
                .assignments
                .into_iter()
                .filter(|a| a.is_active_at(now))
                .map(|a| a.customer_id)
                .collect();
            let mut customers: Vec<String> = assigned.iter().cloned().collect();
            customers.sort_unstable();
            let feed = Feed::Reach {
                customers,
                orders: reach.orders.clone(),
            };
            (feed, Some(assigned), reach.orders.into_iter().collect())
        }
        (Role::Admin | Role::Staff | Role::Service, _) => (Feed::Tenant, None, HashSet::new()),
    };
    Ok(Inbox {
        feed,
        reader,
        customers,
        orders,
    })
}

async fn activity<S: FeedStore + SettingsStore + DirectoryStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let principal = app.caller(request)?;
    only_params(
        request,
        &["limit", "cursor", "unread", "customer_id", "kind", "status"],
    )?;
    let limit = http::limit(request)?;
    let unread_only = unread_filter(request)?;
    let filters = Filters::from_request(request, &principal)?;
    let scope = cursor_scope(&principal, unread_only, &filters);
    let cursor = http::query_param(request, "cursor")
        .map(|c| app.cursors.open::<FeedCursor>(&scope, &c))
        .transpose()?;
    let mode = app
        .check_mode(&principal.tenant_id, Access::Read)
        .await?
        .mode;

    let mut inbox = inbox(app, &principal).await?;
    if inbox.is_empty() {
        return Ok(feed_response(&inbox, Vec::new(), (None, mode)));
    }
    if let Some(customer) = &filters.customer {
        // One account's conversations: its own feed, whoever the caller.
        inbox.feed = Feed::Customer(customer.to_string());
    }
    let filtered = unread_only || filters.any();
    let before = cursor.as_ref().map(|c| c.before.as_str());
    let tenant = &principal.tenant_id;
    let reach = matches!(inbox.feed, Feed::Reach { .. });
    let entries = if filtered && !reach {
        // A window of the feed and every position of the caller: one Query each, instead
        // of a key read per conversation in the window.
        let window = FILTERED_WINDOW.max(limit + 1);
        let (page, state) = tokio::join!(
            app.store
                .feed_page(tenant, &inbox.feed, before, window, None),
            app.store.reader_state(tenant, &inbox.reader),
        );
        let (page, mut state) = (page?, state?);
        let entries = page
            .entries
            .into_iter()
            .map(|(header, _)| {
                let position = state.positions.remove(&header.id.encode());
                (header, position)
            })
            .collect();
        (entries, page.more)
    } else {
        // A reach is what the person takes part in: its positions are read by key.
        let window = if filtered {
            FILTERED_WINDOW.max(limit + 1)
        } else {
            limit
        };
        let page = app
            .store
            .feed_page(tenant, &inbox.feed, before, window, Some(&inbox.reader))
            .await?;
        (page.entries, page.more)
    };
    let page = select_page(
        entries.0,
        entries.1,
        limit as usize,
        |(header, position)| {
            inbox.shows(header)
                && filters.admits(header)
                && (!unread_only || inbox.unread(header, position.as_ref()) > 0)
        },
        |(header, _)| header.last_message_id.clone().unwrap_or_default(),
    );
    let next_cursor = page
        .next_before
        .map(|before| app.cursors.seal(&scope, &FeedCursor { before }));
    Ok(feed_response(&inbox, page.items, (next_cursor, mode)))
}

fn feed_response(
    inbox: &Inbox,
    entries: Vec<(ConversationHeader, Option<ReadPosition>)>,
    (next_cursor, mode): (Option<String>, MessagingMode),
) -> Response {
    let conversations: Vec<serde_json::Value> = entries
        .iter()
        .map(|(h, position)| h.view(inbox.reader.side, &inbox.reader.user_id, position.as_ref()))
        .collect();
    http::json_response(
        200,
        &serde_json::json!({
            "conversations": conversations,
            "next_cursor": next_cursor,
            "mode": mode,
        }),
    )
}

#[cfg(test)]
mod tests;
