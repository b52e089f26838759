//! Keys of email replies and of what providers report after a notification left.
//!
//! # Reply addresses
//!
//! A notification email to a person says `Reply-To: reply+{token}@{reply domain}`. The
//! token is random (160 bits), so nobody can make one for a thread they were not sent;
//! SES hands the function only the address, so the token's item is the second key
//! without a tenant prefix (after the SMS number's): `REPLY#{token}`, naming the tenant,
//! conversation and person it was issued to. One token serves a person in a
//! conversation for every digest: it is kept on their read position item
//! (`reply_token`), which the dispatcher reads anyway, so only a person's first email in
//! a conversation writes (the token's Put and the position's Update, 2 WRU). Revoking
//! stamps `revoked_at` on the token's item: mail to it is kept for admins, not stored.
//!
//! The same position item holds the person's notification preferences for the
//! conversation (`email_off`, `sms_off`, `muted_until`), for the same reason: the
//! dispatcher pays nothing to honour them. An item with preferences and no `up_to` is no
//! read position (every reader of positions already takes it so).
//!
//! An email reply is stored once per Message-ID: its provider id record (`EXT`, as an
//! inbound text's) is `T#{tenant}#EXT#email#{sha256(Message-ID)}`; replies refused are
//! kept for admins under `T#{tenant}#UNMATCHED#EMAIL`, apart from the texts.

pub const REPLY_TOKEN_SK: &str = "REPLY";

pub fn reply_token_pk(token: &str) -> String {
    format!("REPLY#{token}")
}

pub fn unmatched_email_pk(tenant: &str) -> String {
    format!("T#{tenant}#UNMATCHED#EMAIL")
}

/// Provider message ids: `SENT#{provider message id}` names the delivery record a
/// delivery event is about (the event carries nothing else of ours). Put with the
/// record's `sent`, kept a week (TTL): receipts arrive up to 72 hours late.
pub const SENT_SK: &str = "SENT";

pub fn sent_pk(provider_message_id: &str) -> String {
    format!("SENT#{provider_message_id}")
}

/// Suppressed addresses: `T#{tenant}#SUPPRESSED` / `{channel}#{address}`, one item each;
/// the dispatcher Queries the partition once per tenant per run.
pub fn suppressed_pk(tenant: &str) -> String {
    format!("T#{tenant}#SUPPRESSED")
}

pub fn suppressed_sk(channel: &str, address: &str) -> String {
    format!("{channel}#{address}")
}
