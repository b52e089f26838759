//! Keys of pending notifications: the due index's shards, passes held by quiet hours and
//! the tenant's release marker.
//!
//! # Pending notifications
//!
//! A pending notification is a set of header attributes, written by the send's own header
//! Update (no extra request): the sparse index keys `gsi3pk` = `DUE#{shard}` (a stable hash
//! of the conversation key over [`DUE_SHARDS`] partitions, so no single index partition
//! takes every tenant's writes) and `gsi3sk` = the due time (kept by later messages: they
//! join it), `due_round` (names the pass in delivery records when it was postponed; absent,
//! the due time names it), `due_stage` (`digest`, then `escalation` for SMS) and
//! `notify_now` (channels a staff sender asked for at once, which makes it due now, while
//! `digest_due` keeps the time of the digest it goes ahead of: that pass sends contacts
//! only what was asked for, then moves back to `digest_due`, and `notified_now_up_to`
//! keeps contacts from being told again of what they were told at once). The
//! dispatcher Queries each shard for `gsi3sk <= now`: it reads what is due and nothing
//! else, whatever the table holds. Settling a pass removes the keys (or moves `gsi3sk`),
//! conditional on the pass and the last message it saw. A message that arrives while the
//! pass waits for its SMS escalation replaces it with a digest pass after the normal delay.
//!
//! Quiet hours move a pass to `gsi3pk` = `HELD#{tenant}` (until their end) and make the
//! tenant's release marker due by then; the shards never read held passes. When the
//! marker is due, the dispatcher reads the tenant's held passes (one Query) and delivers
//! them, or moves the marker to the end of the quiet hours still in force. A settings
//! save that changes quiet hours or shortens the delay makes the marker due at once (in
//! the same transaction); a shortened delay brings forward the digests pending under the
//! longer one (a Query per shard over the window of the old delay, a write per pass).
//!

/// The tenant's release marker: due (on `gsi3`) when passes held by quiet hours are to be
/// looked at again.
pub const RELEASE_SK: &str = "RELEASE";

/// Pending notifications spread over this many index partitions.
pub const DUE_SHARDS: u32 = 4;

/// The due-index partition of a tenant's passes held by quiet hours (looked at when the
/// tenant's release marker is due, not by shard).
pub fn held_pk(tenant: &str) -> String {
    format!("HELD#{tenant}")
}

/// The due-index partition of a conversation: a stable hash of its key.
pub fn due_shard(conversation_pk: &str) -> String {
    let hash = conversation_pk.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    format!("DUE#{}", hash % DUE_SHARDS)
}
