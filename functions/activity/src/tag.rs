//! What a badge's ETag covers of the feed, so that it changes whenever the badge would.
//!
//! A feed is ordered by message id, but ids are taken before their message commits: a
//! request the SDK retries keeps its id, and two containers' ids in one millisecond are
//! unordered. So a message can commit below the feed's newest entry, and the newest entry
//! alone would not change. It commits at most [`SETTLE`] after its id's time (a function's
//! timeout bounds a send, retries included; the margin takes index lag and clock skew),
//! so it always lands within [`SETTLE`] of the newest entry of the feed as it stood: the
//! tag covers every entry that recent. That is one entry in a quiet feed; a feed with more
//! than a few in the last minute changes so often that the unchanged check gives up and
//! reads the badge.

use shared::domain::message::ReadPosition;
use shared::store::ConversationHeader;

/// How long after its id's time a message may still commit.
pub const SETTLE_MS: u64 = 60_000;
/// Entries the unchanged check reads at most to find the recent ones (one Query of about
/// 1 RRU with the read clock's 1: the 304's 2).
pub const CHECK_WINDOW: usize = 8;

/// The ids of the feed's entries within [`SETTLE_MS`] of the newest, joined; `None` when
/// those go on past what was read (`complete`: the feed ends with `entries`) or number
/// more than `limit`.
pub fn recent_entries(
    entries: &[(ConversationHeader, Option<ReadPosition>)],
    complete: bool,
    limit: usize,
) -> Option<String> {
    let ids: Vec<&str> = entries
        .iter()
        .filter_map(|(h, _)| h.last_message_id.as_deref())
        .collect();
    let Some(newest) = ids.first() else {
        return Some(String::new());
    };
    let floor = id_time(newest)?.saturating_sub(SETTLE_MS);
    let recent: Vec<&str> = ids
        .iter()
        .copied()
        .take_while(|id| id_time(id).is_some_and(|at| at >= floor))
        .collect();
    if (recent.len() == ids.len() && !complete) || recent.len() > limit {
        return None;
    }
    Some(recent.join(","))
}

fn id_time(id: &str) -> Option<u64> {
    ulid::Ulid::from_string(id).ok().map(|id| id.timestamp_ms())
}

/// A mark no request holds: the answer cannot be vouched for, so no 304 follows it.
pub fn unmatchable() -> String {
    format!("once:{}", ulid::Ulid::new())
}
