//! `GET /messages/unread`: the caller's badge, and its 304 when nothing it counts changed.
//!
//! Staff and customers count their feed's newest conversations (the tenant's, or their
//! account's): at most [`BADGE_REQUESTS`] windows of [`BADGE_WINDOW`], with every position
//! of theirs. Basic staff count what they reach (their open orders and assigned accounts),
//! with their positions read by key: their positions' partition holds every order they
//! ever read. The tag covers the feed's recent entries ([`tag`]; a reach changes with the
//! tenant's feed) and the caller's read clock.

use shared::domain::Named;
use std::collections::HashMap;

use shared::domain::feed::{BADGE_REQUESTS, BADGE_WINDOW};
use shared::domain::message::ReadPosition;
use shared::domain::permissions::Access;
use shared::http::{self, Request, Response};
use shared::store::{ConversationHeader, DirectoryStore, Feed, FeedStore, Reader, SettingsStore};
use shared::{ApiError, App};

use crate::query::only_params;
use crate::{inbox, tag, Inbox};

type Entries = Vec<(ConversationHeader, Option<ReadPosition>)>;

/// What the badge counts, whether it stopped short, the feed's recent entries for its tag
/// (`None`: not known to be complete) and the read clock the positions agree with (`None`:
/// they do not, and no tag may hold).
type Counted = (Entries, bool, Option<String>, Option<Option<String>>);

pub(crate) async fn badge<S: FeedStore + SettingsStore + DirectoryStore>(
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
    // The feed whose recent entries the tag covers: a reach moves with the tenant's.
    let tagged = match &inbox.feed {
        Feed::Reach { .. } => Feed::Tenant,
        feed => feed.clone(),
    };
    let mut checked = None;
    if http::header(request, "if-none-match").is_some() {
        // Nothing changed when the feed's recent entries and the caller's read clock are
        // what they were: two small reads, whatever the feed holds.
        let (recent, clock) = tokio::join!(
            Box::pin(recent_entries(app, tenant, &tagged)),
            app.store.read_clock(tenant, &inbox.reader),
        );
        let (recent, clock) = (recent?, clock?);
        if let Some(recent) = &recent {
            let current = tag(recent, clock.as_deref());
            if http::not_modified_since(request, &current) {
                return Ok(http::not_modified(&current));
            }
        }
        checked = Some((recent, clock));
    }
    // Boxed: the badge's reads are large futures, and a caller's stack need not hold them.
    let (entries, capped, recent, clock) = match &inbox.feed {
        Feed::Reach { .. } => {
            Box::pin(reach_badge(
                app,
                tenant,
                &inbox.feed,
                &inbox.reader,
                checked,
            ))
            .await?
        }
        feed => Box::pin(feed_badge(app, tenant, feed, &inbox.reader, checked)).await?,
    };
    let recent = match (recent, clock.as_ref()) {
        (Some(recent), Some(_)) => recent,
        _ => tag::unmatchable(),
    };
    let current = tag(&recent, clock.flatten().as_deref());
    if http::not_modified_since(request, &current) {
        return Ok(http::not_modified(&current));
    }
    Ok(badge_response(
        unread_counts(&inbox, &entries),
        capped,
        &current,
    ))
}

/// The conversations the caller has unread messages in, with how many.
fn unread_counts(inbox: &Inbox, entries: &Entries) -> Vec<serde_json::Value> {
    entries
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
        .collect()
}

/// The feed's recent entries, from one small Query ([`tag::CHECK_WINDOW`]).
async fn recent_entries<S: FeedStore>(
    app: &App<S>,
    tenant: &shared::domain::ids::TenantId,
    feed: &Feed,
) -> Result<Option<String>, ApiError> {
    let window = tag::CHECK_WINDOW as u32 + 1;
    let page = app
        .store
        .feed_page(tenant, feed, None, window, None)
        .await?;
    Ok(tag::recent_entries(
        &page.entries,
        !page.more,
        tag::CHECK_WINDOW,
    ))
}

/// A staff member's or a customer's badge: their feed's newest windows and every position.
async fn feed_badge<S: FeedStore>(
    app: &App<S>,
    tenant: &shared::domain::ids::TenantId,
    feed: &Feed,
    reader: &Reader,
    checked: Option<(Option<String>, Option<String>)>,
) -> Result<Counted, ApiError> {
    let (mut entries, capped, complete) = badge_entries(app, tenant, feed).await?;
    let recent = tag::recent_entries(&entries, complete, usize::MAX);
    let (mut positions, clock) =
        reader_positions(app, tenant, reader, checked.map(|(_, clock)| clock)).await?;
    for (header, position) in &mut entries {
        *position = positions.remove(&header.id.encode());
    }
    Ok((entries, capped, recent, clock))
}

/// A basic staff member's badge: what they reach, with their positions by key, and the
/// tenant feed's recent entries for the tag (read now unless the 304 check did).
async fn reach_badge<S: FeedStore>(
    app: &App<S>,
    tenant: &shared::domain::ids::TenantId,
    reach: &Feed,
    reader: &Reader,
    checked: Option<(Option<String>, Option<String>)>,
) -> Result<Counted, ApiError> {
    let page = app
        .store
        .feed_page(tenant, reach, None, BADGE_WINDOW, Some(reader));
    let (page, recent, clock) = match checked {
        Some((recent, clock)) => (page.await?, recent, clock),
        None => {
            let (page, recent, clock) = tokio::join!(
                page,
                recent_entries(app, tenant, &Feed::Tenant),
                app.store.read_clock(tenant, reader),
            );
            (page?, recent?, clock?)
        }
    };
    // The positions were read eventually consistent beside their clock: they are the
    // caller's latest only when that clock is the one read consistently.
    let agreed = (page.clock == clock).then_some(clock);
    Ok((page.entries, page.more, recent, agreed))
}

/// The feed's most recent conversations the badge counts: at most [`BADGE_REQUESTS`]
/// windows of [`BADGE_WINDOW`]; whether they were capped, and whether the feed ends with
/// them.
async fn badge_entries<S: FeedStore>(
    app: &App<S>,
    tenant: &shared::domain::ids::TenantId,
    feed: &Feed,
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
            .feed_page(tenant, feed, before.as_deref(), window, None)
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
    tenant: &shared::domain::ids::TenantId,
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
