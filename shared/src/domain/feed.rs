//! The activity feed and the unread badge: which conversations a page shows, and how far
//! the badge looks.
//!
//! A feed lists conversations by their last message id, newest first, and a page resumes
//! strictly below the last position it showed. A conversation that gets a new message
//! moves above that position, so a walk through the pages never shows a conversation
//! twice and never skips one that did not move.
//!
//! A filtered page (only unread, or a basic staff member's assigned customers) reads a
//! bounded window of the feed in one request and may hold fewer than `limit`
//! conversations; `next_cursor` then resumes after the window.
//!
//! The badge reads at most [`BADGE_REQUESTS`] windows of [`BADGE_WINDOW`] conversations,
//! most recent first. When the caller's conversations end within that, the badge is
//! exact; otherwise it counts the [`BADGE_WINDOW`] × [`BADGE_REQUESTS`] most recently
//! active conversations and says `capped: true`. Unread messages in conversations with no
//! message among the tenant's latest thousand are left out of a capped badge by design:
//! the inbox shows them, the badge does not read the whole tenant to find them.

/// Conversations a filtered feed page reads at most to fill a page (one request).
pub const FILTERED_WINDOW: u32 = 200;
/// Conversations one badge request reads at most.
pub const BADGE_WINDOW: u32 = 500;
/// Requests the badge makes at most.
pub const BADGE_REQUESTS: usize = 2;

/// One page of a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The position to resume below, when the feed goes on.
    pub next_before: Option<String>,
}

/// Picks a page from `scanned` (feed order; `more` when the feed goes on after it): the
/// first `limit` items `keep` accepts. The next page resumes below the last item shown
/// when an accepted item was left over, else below the last item read.
pub fn select_page<T>(
    scanned: Vec<T>,
    more: bool,
    limit: usize,
    keep: impl Fn(&T) -> bool,
    position: impl Fn(&T) -> String,
) -> Page<T> {
    let last_read = scanned.last().map(&position);
    let mut items = Vec::with_capacity(limit);
    for item in scanned {
        if !keep(&item) {
            continue;
        }
        if items.len() == limit {
            let next_before = items.last().map(&position);
            return Page { items, next_before };
        }
        items.push(item);
    }
    Page {
        items,
        next_before: if more { last_read } else { None },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(scanned: &[u32], more: bool, limit: usize) -> Page<u32> {
        select_page(
            scanned.to_vec(),
            more,
            limit,
            |n| n % 2 == 0,
            |n| n.to_string(),
        )
    }

    #[test]
    fn a_full_page_resumes_below_its_last_item() {
        assert_eq!(
            page(&[10, 9, 8, 7, 6], true, 2),
            Page {
                items: vec![10, 8],
                next_before: Some("8".into())
            }
        );
        assert_eq!(
            page(&[10, 9, 8, 6], false, 2),
            Page {
                items: vec![10, 8],
                next_before: Some("8".into())
            }
        );
    }

    #[test]
    fn a_short_page_resumes_after_the_window_or_ends_with_the_feed() {
        assert_eq!(
            page(&[9, 8, 7], true, 5),
            Page {
                items: vec![8],
                next_before: Some("7".into())
            }
        );
        assert_eq!(page(&[10, 9, 8], false, 2).next_before, None);
        assert_eq!(
            page(&[9, 7], true, 3),
            Page {
                items: vec![],
                next_before: Some("7".into())
            }
        );
        assert_eq!(page(&[], false, 3).next_before, None);
    }
}
