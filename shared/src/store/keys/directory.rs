//! Keys of the directory: staff profiles, their assignments and parts in orders, customer
//! accounts with their contacts and patients, phone claims, and the directory search
//! index.
//!
//! # Directory search (`GET /customers?q=`)
//!
//! Each contact and patient has one index entry per term it is found by
//! ([`crate::domain::search`]: the words of its name and the whole name, the email whole
//! and its local part, the phone's E.164 digits and national forms; at most 14 for a
//! contact, 9 for a patient):
//!
//! | pk | sk | attributes |
//! |---|---|---|
//! | `T#{tenant}#FIND#{first two characters of the token}` | `{token}#{customer}#{contact\|patient}#{id}` | `customer_id`, `kind`, `id`, `name` (the person's display name), `field` and `value` (what the term came from) |
//!
//! The token is folded (lowercase, no accents) and holds no `#`, so a query for a prefix
//! is one Query of one partition, `begins_with(sk, :token)`: every query token has at
//! least two characters, hence its partition. An entry carries what a result shows, so
//! a page needs no read of the accounts it names: whatever the tenant's size, a page of
//! 20 accounts reads at most 60 entries (~330 bytes each with UUID ids: 2.5 RRU
//! eventually consistent), one request. The price of carrying the display name: a new
//! name rewrites every entry of the person (an email or phone change only its own).
//!
//! Partitions: splitting by the token's first two characters spreads a tenant's entries
//! (and a bulk import's writes) over hundreds of partitions rather than one, so no
//! partition's 1,000 WCU / 3,000 RCU a second is reached by directory writes; a
//! partition's size is unbounded without a local index, and DynamoDB splits a hot one by
//! sort key.
//!
//! The person's item (contact or patient) holds `search_tokens`, the tokens its entries
//! were written under, and a `version`: a write reads the item, and one transaction puts
//! the item (conditional on the version read) with the entries whose token is new or
//! whose content changed, and deletes the entries of tokens it no longer has; at most
//! 14 + 14 + 3 items, well inside the 100 a transaction takes. Removing a person deletes
//! every entry of its stored tokens and of the tokens its fields give now, so an entry
//! written by an older folding is not left behind.
//!
//! | operation | requests | capacity |
//! |---|---|---|
//! | search, admins, staff, the host | one Query of the token's partition (eventually consistent, at most 3 entries an account asked for) | 1 request, 2.5 RRU a page of 20, the same for 30 or 30,000 accounts |
//! | search, basic staff | their reach (one Query of their partition), then one Query of each actively assigned account's contacts and patients, matched in memory | 1 + one per assigned account (2 requests, 1.5 RRU with one); never the tenant's size |
//! | contact or patient written | GetItem of the item, one TransactWriteItems | +2 WRU per entry put or deleted: a new contact with name, email and phone 20 WRU in all (8 entries), renamed 24 |
//! | contact or patient removed, or un-indexed (erasure) | GetItem of the item, one TransactWriteItems | 2 WRU per entry |

use crate::domain::ConversationId;

pub const PROFILE_SK: &str = "PROFILE";

pub const ASSIGN_SK_PREFIX: &str = "ASSIGN#";

/// A staff member's part in an order conversation (`PART#{conversation id}`).
pub const PART_SK_PREFIX: &str = "PART#";

pub const ASSIGNED_SK_PREFIX: &str = "ASSIGNED#";

pub const CONTACT_SK_PREFIX: &str = "CONTACT#";

/// Sorts after contacts and assignments: the account's directory Query stops before it.
pub const PATIENT_SK_PREFIX: &str = "PATIENT#";

pub const PHONE_SK: &str = "PHONE";

pub fn staff_pk(tenant: &str, user: &str) -> String {
    format!("T#{tenant}#STAFF#{user}")
}

pub fn staff_directory_pk(tenant: &str) -> String {
    format!("T#{tenant}#STAFFDIR")
}

/// Basic staff (a marketplace's vendors: thousands) are listed apart, so that who reaches
/// every conversation is read without them.
pub fn basic_staff_directory_pk(tenant: &str) -> String {
    format!("T#{tenant}#STAFFDIR#BASIC")
}

/// The directory partition a profile of `role` is listed in.
pub fn directory_pk_for(tenant: &str, role: crate::domain::Role) -> String {
    match role {
        crate::domain::Role::BasicStaff => basic_staff_directory_pk(tenant),
        _ => staff_directory_pk(tenant),
    }
}

pub fn part_sk(conversation: &ConversationId) -> String {
    format!("{PART_SK_PREFIX}{}", conversation.encode())
}

pub fn assign_sk(customer: &str) -> String {
    format!("{ASSIGN_SK_PREFIX}{customer}")
}

pub fn customer_pk(tenant: &str, customer: &str) -> String {
    format!("T#{tenant}#CU#{customer}")
}

pub fn assigned_sk(user: &str) -> String {
    format!("{ASSIGNED_SK_PREFIX}{user}")
}

pub fn contact_sk(contact: &str) -> String {
    format!("{CONTACT_SK_PREFIX}{contact}")
}

pub fn patient_sk(patient: &str) -> String {
    format!("{PATIENT_SK_PREFIX}{patient}")
}

pub fn phone_pk(tenant: &str, e164: &str) -> String {
    format!("T#{tenant}#PHONE#{e164}")
}

/// Directory search entries live in this partition prefix, then the token's first two
/// characters.
pub const SEARCH_PK_PREFIX: &str = "FIND#";

/// The partition of a token's entries: its first two characters (tokens have at least
/// two).
pub fn search_pk(tenant: &str, token: &str) -> String {
    let shard: String = token.chars().take(2).collect();
    format!("T#{tenant}#{SEARCH_PK_PREFIX}{shard}")
}

/// An entry's sort key: token, then who it names, so a prefix of the token finds it.
pub fn search_sk(
    token: &str,
    customer: &str,
    kind: crate::domain::search::PersonKind,
    id: &str,
) -> String {
    format!("{token}#{customer}#{}#{id}", kind.as_str())
}

/// The token of an entry's sort key.
pub fn token_of_search_sk(sk: &str) -> &str {
    sk.split_once('#').map_or(sk, |(token, _)| token)
}
