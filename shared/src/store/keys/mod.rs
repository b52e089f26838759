//! The single-table design. Every item lives in one DynamoDB table with a string
//! partition key `pk` and sort key `sk`; every key begins with the tenant (but the SMS
//! number claim), so no request built from a caller's tenant can reach another tenant's
//! items. No item grows with the number of people or messages: what is per person is an
//! item of its own.
//!
//! Ids that come from outside are restricted to an alphabet without `#`, `/` and `~`
//! ([`crate::domain::ids`]), so the separators below are unambiguous.
//!
//! # Entities
//!
//! | entity | pk | sk | notes |
//! |---|---|---|---|
//! | operator grant | `T#{tenant}` | `GRANT` | written by the operator only: SMS numbers (with their routing items, in the same transaction), sender identities, daily quotas, SMS countries; read by the settings save and once per tenant per dispatcher run |
//! | quota counter | `T#{tenant}` | `QUOTA#{yyyy-mm-dd}` | emails and texts the dispatcher took from the day's quota (UTC), an atomic `ADD` per block of deliveries; the day's hard bounces and complaints (`ADD` each), whose 7 days pause a tenant's email; TTL 8 days |
//! | tenant settings | `T#{tenant}` | `SETTINGS` | mode, notification settings, `version` (a save is conditional on the version it read) |
//! | a staff member's part in an order | `T#{tenant}#STAFF#{user}` | `PART#{conversation id}` | beside their assignments, while the order is open (closing deletes it in its transaction; access to a closed order stays with the order entry): one Query of the partition (`sk < PROFILE`) gives a basic staff member's active reach for their feed and badge, however many orders they finished |
//! | upload | `T#{tenant}#UPLOAD#{upload id}` | `UPLOAD` | one file one person may attach in one conversation: name, type, size; `message_id` once a message took it (in the message's transaction, only if absent); expires after two days unless taken |
//! | order entry | `T#{tenant}#ORDER#{order}` | `ORDER` | the order's one conversation, its staff-side participants, whether admins may write, the request that opened it; written only if absent, in the opening's transaction; the lookup by order id (GetItem) |
//! | release marker | `T#{tenant}` | `RELEASE` | on `gsi3` (`DUE#{shard}`, due time) while quiet hours hold passes or a settings change is to be applied to what is pending; `delay_was` when the delay was shortened |
//! | conversation header | `T#{tenant}#C#{customer}#{subject}` | `~HDR` | what is the same for everyone, ~0.9 KB with UUID ids (below) |
//! | message | `T#{tenant}#C#{customer}#{subject}` | `M#{message_id}` | message ids are ULIDs, committed in id order; `edit_count` counts its edits (each change is conditional on it); a deletion leaves the item as a placeholder (`deleted`, `deleted_at`, `deleted_by`; no text, attachments or metadata) |
//! | earlier version | `T#{tenant}#C#{customer}#{subject}` | `E#{message_id}#{n:03}` | the text the `n`th edit replaced and when it was written: Put in the edit's transaction, deleted in the deletion's; at most 25 per message. Below `M#`, so thread pages never read them; one Query lists a message's or (for an export) a conversation's |
//! | read position | `T#{tenant}#R#{c\|s}#{user}` | `{customer}#{subject}` | one person in one conversation: `up_to`, `seen`, `at` (marked read, only forward), and `sent_up_to`, `sent_seen`, `sent_at` (what their own last message implied when another sender of their side replaced them); the further of the two counts |
//! | read clock | `T#{tenant}#R#{c\|s}#{user}` | `~CLOCK` | a new value with every position the person's mark read writes; the badge's ETag |
//! | idempotency record | `T#{tenant}#IDEM#{user}#{sha256(key)}`; an order event's `T#{tenant}#IDEM#{caller}#{conversation}#{sha256(key)}` (the same key on another order is another event) | `IDEM` | request hash and the message's key (not the message: the record stays small); TTL `expires_at` (24 h) |
//! | staff profile | `T#{tenant}#STAFF#{user}` | `PROFILE` | GetItem; listed on `gsi2` under `T#{tenant}#STAFFDIR` (admins, staff: who reaches every conversation) or `T#{tenant}#STAFFDIR#BASIC` (basic staff, read by key where they take part or are assigned) |
//! | basic-staff assignment | `T#{tenant}#STAFF#{user}` | `ASSIGN#{customer}` | GetItem for the +1 access check; one Query gives a profile with its assignments |
//! | assignment, by customer | `T#{tenant}#CU#{customer}` | `ASSIGNED#{user}` | the same assignment, written in the same transaction: who to notify of a customer's messages |
//! | contact of a customer account | `T#{tenant}#CU#{customer}` | `CONTACT#{contact}` | GetItem; one Query gives an account's contacts and assigned staff |
//! | patient of a customer account | `T#{tenant}#CU#{customer}` | `PATIENT#{patient}` | registered by service or admin with a name; a patient thread is created only in a transaction that checks it exists (ConditionCheck, on a thread's first message only); Query `begins_with PATIENT#` lists them, the account's directory Query stops before them |
//! | directory search entry | `T#{tenant}#FIND#{first two characters of the token}` | `{token}#{customer}#{contact\|patient}#{id}` | one per term a contact or patient is found by (folded words of the name, whole name, email, phone forms), carrying the display name and what matched; written in the person's transaction, listed on the person's item (`search_tokens`); `begins_with` on the token: design in `directory.rs` |
//! | phone claim | `T#{tenant}#PHONE#{e164}` | `PHONE` | one contact per number (conditional Put in the contact's transaction); inbound SMS finds the contact with one GetItem |
//! | SMS opt-out | `T#{tenant}#OPTOUT#{e164}` | `OPTOUT` | per number, apart from the directory so it outlives contact edits: `opted_out` and `keyword_at` (the provider's time of the STOP or START that set it; an older keyword delivered later changes nothing); BatchGetItem before texting |
//! | reply token | `REPLY#{token}` | `REPLY` | the tenant, conversation and person a reply address was issued to (`revoked_at` once revoked); the token is random, so the key carries no tenant: design in `email.rs` |
//! | SMS number | `SMSNUM#{e164}` | `SMSNUM` | the tenant a text to that number belongs to; the only key without a tenant prefix, written with the operator's grant under the condition that no other tenant holds it |
//! | provider message id | `T#{tenant}#EXT#{provider}#{id}` | `EXT` | conditional Put in the same transaction as what an inbound text writes: a redelivery, even a concurrent one, writes nothing; TTL 30 days |
//! | unmatched inbound text | `T#{tenant}#UNMATCHED` | `{ulid}` | texts from unknown numbers or refused by the mode, as received; Query newest first |
//! | unmatched email reply | `T#{tenant}#UNMATCHED#EMAIL` | `{ulid}` | replies to a revoked address, from someone who may not write there, or refused by the mode or a closed conversation |
//! | auto-reply mark | `T#{tenant}#AUTOREPLY#{e164}` | `AUTOREPLY` | the tenant-local day a sender last got the auto-reply; conditional Put, so once a day; TTL 2 days |
//! | delivery record | `T#{tenant}#NOTIF#{conversation}` | `D#{round}#{channel}#{recipient}` | claimed (conditional UpdateItem, with a lease) before sending, then `sent` with the provider's id, `retry` with the next attempt, or `failed`; later the provider's outcome (`delivered`, `bounced`…, `status_rank` only rising); Query per conversation for admins |
//! | provider message id | `SENT#{provider message id}` | `SENT` | the record a delivery event is about (events carry no tenant); Put when the record says `sent`; TTL a week |
//! | suppressed address | `T#{tenant}#SUPPRESSED` | `{channel}#{address}` | after a hard bounce, a complaint or a number that cannot take texts; Query once per tenant per dispatcher run |
//! | job on a person's data | `T#{tenant}#JOB#{job}` | `JOB` | an export or erasure: status, counts, cursor, lease; on `gsi3` (`JOBS`) while due; the conversations it walks in `CONV#{n}` chunks beside it (see `jobs.rs`) |
//! | erasure marker | `T#{tenant}#ERASE#{person}` | `ERASE` | the one erasure job of a person (conditional Put in the job's transaction) |
//!
//! `subject` is `general`, `patient:{id}` or `order:{id}`. The header's sort key sorts
//! above every message, so a descending Query over the conversation's partition returns
//! the header and then the newest messages: a thread page is one request.
//!
//! # The conversation header
//!
//! What a header holds, how unread counts come from it and why sends are ordered: in
//! `conversations.rs`, beside its keys.
//!
//! # Pending notifications
//!
//! How a pass is due, settled, held by quiet hours and released: in `due.rs`, beside its
//! keys.
//!
//! # Jobs on a person's data
//!
//! Exports and erasures, their lease and cursor, and what walking a person's data costs:
//! in `jobs.rs`, beside their keys.
//!
//! # Indexes
//!
//! | index | pk | sk | holds | projection | serves |
//! |---|---|---|---|---|---|
//! | `gsi1` | `gsi1pk` = `T#{tenant}#FEED` | `gsi1sk` = last message id | conversation headers | [`FEED_PROJECTION`] | the staff activity feed and badge, newest first |
//! | `gsi2` | `gsi2pk` = `T#{tenant}#STAFFDIR` or `…#STAFFDIR#BASIC` | `gsi2sk` = user id | staff profiles | [`ACCOUNT_PROJECTION`] | the staff directory: those who reach every conversation, apart from the basic staff |
//! | `gsi4` | `gsi2pk` = `T#{tenant}#CF#{customer}` | `gsi1sk` = last message id | conversation headers (they carry `gsi2pk` but no `gsi2sk`, so they are not on `gsi2`) | [`FEED_PROJECTION`] | one customer account's conversations, newest first: the customer's feed, badge and the inbound text's thread read a page, however many conversations the account has |
//! | `gsi3` | `gsi3pk` = `DUE#{shard}` | `gsi3sk` = due time | headers with a pending notification, and tenants' due release markers | keys only | the dispatcher (the pass is on the header it reads anyway) |
//! | `gsi3` | `gsi3pk` = `HELD#{tenant}` | `gsi3sk` = end of the hold | headers held by quiet hours | keys only | the dispatcher, when the tenant's release marker is due |
//! | `gsi3` | `gsi3pk` = `JOBS` | `gsi3sk` = due time | queued and running jobs (until their lease ends) | keys only | the jobs worker |
//!
//! An index entry is written again when a projected attribute changes and twice (delete
//! and put) when its key moves, so receipts, positions and notification state are
//! projected nowhere.
//!
//! # Access patterns and their cost
//!
//! Capacity as `make capacity` measures it (`ReturnConsumedCapacity: INDEXES`), with UUID
//! ids and 120-character text; the same in a conversation read by 2, 500 or 3,000 people.
//!
//! | operation | requests | capacity |
//! |---|---|---|
//! | send | settings GetItem when not cached; one TransactWriteItems: header Update (2 WRU), message Put (2), `gsi1` and `gsi4` moved (2 each), `gsi3` put when a notification starts (1) | 8 WRU, 9 when a pass starts |
//! | send replacing the side's last sender (someone else of the sender's side sent last) | the TransactWriteItems cancelled on the header's `#ls` condition (it returns the header), then the send's TransactWriteItems with the replaced sender's position Update (+2) | 2 requests, 10 WRU besides the cancelled attempt |
//! | send with an Idempotency-Key | the same, with the idempotency Put (2) | 10 WRU |
//! | idempotent replay | the TransactWriteItems that fails on the record, GetItem of the record, GetItem of the message; with files, the uploads' BatchGetItem (taken) and the two GetItems, no write | |
//! | thread page | one Query (header and newest messages; later pages from a signed cursor) beside one GetItem of the viewer's position (first page) | 5 RRU for 20 messages |
//! | mark read to the newest | UpdateItem of the header's receipt frontier (conditional; returns the header either way, 1 WRU), then UpdateItem of the position (conditional on moving it forward, so a late one changes nothing; 1) and of the read clock (1, after the position: a read of the clock's partition that sees the clock sees the position) | 3 requests, 3 WRU |
//! | mark read to an older message | that UpdateItem (its condition fails), a Query counting what follows (at most 100) beside a GetItem of the position, the two position and clock UpdateItems, and an UpdateItem when the receipt frontier moves | |
//! | open an order conversation | BatchGetItem of the participants' profiles; one TransactWriteItems: header Put (its title), the opening system message, the order entry, each participant's part, and the `gsi1`/`gsi4` entries; the header read back | 3 requests, 10 WRU + 2 per participant, 2 RRU |
//! | upload form | settings (when not cached), PutItem of the upload; the POST policy is signed locally | 2 requests, 1 WRU |
//! | send with files | the send's requests, plus one BatchGetItem of the uploads; per file one ranged GET and one copy in S3; the uploads marked taken in the send's transaction | +1 request, +2 WRU a file |
//! | download link | BatchGetItem of the upload (and settings when not cached); the link is signed locally | 1-2 requests |
//! | an order event | GetItem of the order's entry (and for a delivery a Query of the participant's profile, for their name); the send's TransactWriteItems | 2-3 requests, 6-7 WRU |
//! | close it | an order's entry (GetItem); one TransactWriteItems: header Update (status), the closing system message, `gsi1` and `gsi4` moved, the order entry's `closed_at` (2), each participant's part deleted (2 each); the header read back | 3 requests, 10 WRU + 2 per participant, 2 RRU |
//! | settings | one GetItem (cached per container for at most a minute) / one TransactWriteItems (the settings Put conditional on its version, the release marker when quiet hours or the delay change, number claims) | |
//! | activity page | staff: one Query on `gsi1`, a customer one on `gsi4` (their account), and one eventually consistent BatchGetItem of the caller's positions and clock; basic staff: their reach (one Query of their partition), their open orders' headers (one BatchGetItem), one `gsi4` Query per assigned account, then their positions by key; filtered pages read a window of the feed and the caller's whole position partition (one Query each) | 12 RRU for 20, for an account of 500 as of 20 |
//! | unread badge | staff and customers: at most two Queries on their feed (`gsi1`, `gsi4`), one Query of the caller's position partition beside a consistent GetItem of the read clock (the Query is read again when its clock is behind); with `If-None-Match`, first the feed's newest entries (at most 9: the tag covers every entry within a minute of the newest, where a message committed after a newer one lands) and the read clock (two small reads) and 304 when they still match; basic staff: the activity page's reads over their whole reach | 45.5 RRU for 1,000 conversations; 1.5 RRU unchanged at any size |
//! | basic-staff access check | one GetItem of the assignment; for an order, one BatchGetItem of the order entry and the person's profile (removed or re-created people reach no earlier order) | 1 request, 2 RRU for an order |
//! | notification run | per shard one Query; per tenant settings and staff directory; per conversation a thread Query, an account Query (and an order's entry), a BatchGetItem of the positions of only those the pass could notify (an address, opted in, and for staff reach: role, participation, active assignment; so the same with 5 or 3,000 staff profiles), a settle UpdateItem (2 WRU: header and `gsi3`) and a BatchGetItem of opt-outs when texting; per delivery a claim and a record UpdateItem | |
//! | inbound SMS | the number's tenant (one GetItem, cached per container like settings); one BatchGetItem of the phone claim, opt-out, auto-reply mark (and settings when not cached); a matched text: the account's newest conversation on `gsi4` (one Query of one entry; the next 20 when it is closed) for the most recently active open one; one TransactWriteItems (message, header, provider id, any opt-out change) | 3 requests, 10 WRU |
//! | directory writes | one GetItem of the current entry, then one TransactWriteItems (entry, phone claims or both assignment copies; a contact's or patient's changed search entries) | +2 WRU per search entry put or deleted |
//! | directory search | admins, staff, the host: one eventually consistent Query of the token's search partition (3 entries an account asked for); basic staff: their reach, then one Query per actively assigned account | 1 request, 2.5 RRU a page of 20, for 30 accounts as for 30,000; basic staff with one assigned account 2 requests, 1.5 RRU |

mod conversations;
mod directory;
mod due;
mod email;
mod jobs;
mod sms;
mod tenant;
mod webhooks;

pub use conversations::*;
pub use directory::*;
pub use due::*;
pub use email::*;
pub use jobs::*;
pub use sms::*;
pub use tenant::*;
pub use webhooks::*;

pub const PK: &str = "pk";
pub const SK: &str = "sk";
pub const GSI1: &str = "gsi1";
pub const GSI1_PK: &str = "gsi1pk";
pub const GSI1_SK: &str = "gsi1sk";
pub const GSI2: &str = "gsi2";
pub const GSI2_PK: &str = "gsi2pk";
pub const GSI2_SK: &str = "gsi2sk";
pub const GSI3: &str = "gsi3";
pub const GSI3_PK: &str = "gsi3pk";
pub const GSI3_SK: &str = "gsi3sk";
/// An account's conversations by activity: keyed by the header's `gsi2pk` and `gsi1sk`.
pub const GSI4: &str = "gsi4";
pub const TTL_ATTRIBUTE: &str = "expires_at";

/// Header attributes the tenant feed (`gsi1`) carries: what a feed row shows and what an
/// unread count needs. A send moves `gsi1sk`, so the entry is rewritten then anyway; mark
/// read, receipts and notification state are left out, so they never touch the index.
pub const FEED_PROJECTION: &[&str] = &[
    "status",
    "title",
    "created_at",
    "last_message_at",
    "last_excerpt",
    "last_sender_type",
    "last_sender_name",
    "last_state",
    "message_count",
    "n_customer",
    "n_staff",
    "ls_c",
    "ls_c_seen",
    "ls_s",
    "ls_s_seen",
];

/// Attributes `gsi2` carries: the staff directory's profiles.
pub const ACCOUNT_PROJECTION: &[&str] = &[
    "status",
    "title",
    "user_id",
    "name",
    "email",
    "email_notifications",
    "role",
    "created_at",
    "updated_at",
];

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ConversationId, Side, Subject};

    #[test]
    fn header_sorts_above_every_message() {
        assert!(HEADER_SK > message_sk("7ZZZZZZZZZZZZZZZZZZZZZZZZZ").as_str());
    }

    #[test]
    fn every_key_starts_with_the_tenant() {
        let conv = ConversationId::new("c1", Subject::Patient("p1".into()));
        assert_eq!(conversation_pk("t1", &conv), "T#t1#C#c1#patient:p1");
        assert!(idempotency_pk("t1", "u1", "any # key").starts_with("T#t1#IDEM#u1#"));
        assert_eq!(reader_pk("t1", Side::Staff, "u1"), "T#t1#R#s#u1");
        assert_eq!(reader_sk(&conv), "c1#patient:p1");
        assert_eq!(
            conversation_of_reader_sk("c1#patient:p1"),
            Some(conv.clone())
        );
        assert_eq!(
            parse_conversation_pk("T#t1#C#c1#patient:p1"),
            Some(("t1".to_owned(), conv))
        );
        assert!(READ_CLOCK_SK > "zzz#general");
    }
}
