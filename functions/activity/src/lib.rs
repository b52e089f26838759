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

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use shared::domain::feed::{select_page, BADGE_REQUESTS, BADGE_WINDOW, FILTERED_WINDOW};
use shared::domain::message::ReadPosition;
use shared::domain::permissions::Access;
use shared::domain::{ConversationId, Principal, Role};
use shared::http::{self, Request, Response};
use shared::store::{ConversationHeader, DirectoryStore, Feed, FeedStore, Reader, SettingsStore};
use shared::{ApiError, App};

mod query;
mod tag;

use query::{cursor_scope, only_params, unread_filter, Filters};

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

/// Whose inbox: which feed, whose read positions, and for basic staff, what they reach.
struct Inbox {
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
            (Some(customers), None) => customers.contains(&header.id.customer_id),
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

async fn inbox<S: DirectoryStore>(app: &App<S>, principal: &Principal) -> Result<Inbox, ApiError> {
    let reader = Reader {
        side: principal.side(),
        user_id: principal.user_id.clone(),
    };
    let (feed, customers, orders) = match (principal.role, &principal.customer_id) {
        (Role::Customer, Some(customer)) => {
            (Feed::Customer(customer.clone()), None, HashSet::new())
        }
        (Role::Customer, None) => return Err(ApiError::Unauthorized),
        (Role::BasicStaff, _) => {
            let now = jiff::Timestamp::now();
            let reach = app
                .store
                .reach_of(&principal.tenant_id, &principal.user_id)
                .await?;
            let assigned = reach
                .assignments
                .into_iter()
                .filter(|a| a.is_active_at(now))
                .map(|a| a.customer_id)
                .collect();
            (
                Feed::Tenant,
                Some(assigned),
                reach.orders.into_iter().collect(),
            )
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
    app.check_mode(&principal.tenant_id, Access::Read).await?;

    let mut inbox = inbox(app, &principal).await?;
    if inbox.is_empty() {
        return Ok(feed_response(&inbox, Vec::new(), None));
    }
    if let Some(customer) = &filters.customer {
        // One account's conversations: its own feed, whoever the caller.
        inbox.feed = Feed::Customer(customer.clone());
    }
    let filtered = unread_only || inbox.customers.is_some() || filters.any();
    let before = cursor.as_ref().map(|c| c.before.as_str());
    let tenant = &principal.tenant_id;
    let entries = if filtered && inbox.feed == Feed::Tenant {
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
        let window = if filtered {
            FILTERED_WINDOW.max(limit)
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
    Ok(feed_response(&inbox, page.items, next_cursor))
}

fn feed_response(
    inbox: &Inbox,
    entries: Vec<(ConversationHeader, Option<ReadPosition>)>,
    next_cursor: Option<String>,
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
    let tenant = &principal.tenant_id;
    let tag = |recent: &str, clock: Option<&str>| {
        let role = principal.role.as_str();
        http::entity_tag(&[
            tenant,
            role,
            &principal.user_id,
            recent,
            clock.unwrap_or_default(),
            &inbox.scope(),
        ])
    };
    if inbox.is_empty() {
        return Ok(badge_response(Vec::new(), false, &tag("", None)));
    }
    let (entries, capped, recent, clock) = match &inbox.feed {
        Feed::Customer(_) => {
            // An account's few conversations with the caller's positions: two requests,
            // as cheap as any check that nothing changed.
            let page = app
                .store
                .feed_page(tenant, &inbox.feed, None, BADGE_WINDOW, Some(&inbox.reader))
                .await?;
            let recent = tag::recent_entries(&page.entries, !page.more, usize::MAX);
            (page.entries, false, recent, page.clock)
        }
        Feed::Tenant => {
            let mut checked_clock = None;
            if http::header(request, "if-none-match").is_some() {
                match unchanged(app, request, tenant, &inbox.reader, &tag).await? {
                    Ok(not_modified) => return Ok(not_modified),
                    Err(clock) => checked_clock = Some(clock),
                }
            }
            let (mut entries, capped, complete) = tenant_badge_entries(app, tenant).await?;
            let recent = tag::recent_entries(&entries, complete, usize::MAX);
            let (mut positions, clock) =
                reader_positions(app, tenant, &inbox.reader, checked_clock).await?;
            for (header, position) in &mut entries {
                *position = positions.remove(&header.id.encode());
            }
            match clock {
                Some(clock) => (entries, capped, recent, clock),
                None => (entries, capped, None, None),
            }
        }
    };
    let recent = recent.unwrap_or_else(tag::unmatchable);
    let current = tag(&recent, clock.as_deref());
    if http::not_modified_since(request, &current) {
        return Ok(http::not_modified(&current));
    }
    let counts = entries
        .iter()
        .filter(|(header, _)| inbox.shows(header))
        .map(|(header, position)| (header, inbox.unread(header, position.as_ref())))
        .filter(|(_, unread)| *unread > 0)
        .map(|(header, unread)| {
            serde_json::json!({
                "conversation_id": header.id.encode(),
                "customer_id": header.id.customer_id,
                "unread_count": unread,
            })
        })
        .collect();
    Ok(badge_response(counts, capped, &current))
}

/// The staff badge's unchanged check: nothing changed when the feed's recent entries and
/// the caller's read clock are what they were (two small reads). The 304, or the clock it
/// read.
async fn unchanged<S: FeedStore>(
    app: &App<S>,
    request: &Request,
    tenant: &str,
    reader: &Reader,
    tag: &impl Fn(&str, Option<&str>) -> String,
) -> Result<Result<Response, Option<String>>, ApiError> {
    let window = tag::CHECK_WINDOW as u32 + 1;
    let (page, clock) = tokio::join!(
        app.store
            .feed_page(tenant, &Feed::Tenant, None, window, None),
        app.store.read_clock(tenant, reader),
    );
    let (page, clock) = (page?, clock?);
    if let Some(recent) = tag::recent_entries(&page.entries, !page.more, tag::CHECK_WINDOW) {
        let current = tag(&recent, clock.as_deref());
        if http::not_modified_since(request, &current) {
            return Ok(Ok(http::not_modified(&current)));
        }
    }
    Ok(Err(clock))
}

type Entries = Vec<(ConversationHeader, Option<ReadPosition>)>;

/// The tenant feed's most recent conversations the badge counts: at most
/// [`BADGE_REQUESTS`] windows of [`BADGE_WINDOW`]; whether they were capped, and whether
/// the feed ends with them.
async fn tenant_badge_entries<S: FeedStore>(
    app: &App<S>,
    tenant: &str,
) -> Result<(Entries, bool, bool), ApiError> {
    let mut entries = Vec::new();
    let mut capped = false;
    let mut before: Option<String> = None;
    let mut complete = false;
    for request_number in 0..BADGE_REQUESTS {
        // The last window reads one conversation more: whether the feed goes on past
        // what the badge counts (a full page alone does not say).
        let last = request_number + 1 == BADGE_REQUESTS;
        let window = BADGE_WINDOW + u32::from(last);
        let mut page = app
            .store
            .feed_page(tenant, &Feed::Tenant, before.as_deref(), window, None)
            .await?;
        if page.entries.len() > BADGE_WINDOW as usize {
            page.entries.truncate(BADGE_WINDOW as usize);
            capped = true;
        }
        before = page
            .entries
            .last()
            .and_then(|(h, _)| h.last_message_id.clone());
        complete = !page.more;
        entries.extend(page.entries);
        if !page.more || before.is_none() || last {
            break;
        }
    }
    Ok((entries, capped, complete))
}

/// The caller's positions with a read clock read consistently (`checked`, when the
/// unchanged check read it already): the positions' Query is eventually consistent, and
/// its clock says whether it saw the caller's latest mark read (the clock is written after
/// its position, in the same partition). Read again once when it did not; the clock is
/// given (`Some`) only when they agree, so a stale answer never gets a tag that holds.
async fn reader_positions<S: FeedStore>(
    app: &App<S>,
    tenant: &str,
    reader: &Reader,
    checked: Option<Option<String>>,
) -> Result<(HashMap<String, ReadPosition>, Option<Option<String>>), ApiError> {
    let clock = async {
        match checked {
            Some(clock) => Ok(clock),
            None => app.store.read_clock(tenant, reader).await,
        }
    };
    let (state, clock) = tokio::join!(app.store.reader_state(tenant, reader), clock);
    let (mut state, clock) = (state?, clock?);
    if state.clock != clock {
        state = app.store.reader_state(tenant, reader).await?;
    }
    let agreed = (state.clock == clock).then_some(clock);
    Ok((state.positions, agreed))
}

fn badge_response(conversations: Vec<serde_json::Value>, capped: bool, tag: &str) -> Response {
    let total: u64 = conversations
        .iter()
        .filter_map(|c| c["unread_count"].as_u64())
        .sum();
    http::with_entity_tag(
        http::json_response(
            200,
            &serde_json::json!({
                "total_unread": total,
                "conversations": conversations,
                "capped": capped,
            }),
        ),
        tag,
    )
}

#[cfg(test)]
mod tests;
