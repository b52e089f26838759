//! Reply addresses and a person's notification preferences in one conversation.

use std::collections::HashMap;
use std::future::Future;

use super::{Reader, StoreError};
use crate::domain::ids::TenantId;
use crate::domain::message::ReadPosition;
use crate::domain::notify::NotifyChannel;
use crate::domain::{ConversationId, Side};

/// Who a reply address was issued to, and where their replies go. The same token names
/// the person's one-click unsubscribe link.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReplyToken {
    pub tenant_id: String,
    /// The conversation, encoded as the API names it.
    pub conversation_id: String,
    pub side: Side,
    /// The contact id (customers) or user id (staff).
    pub user_id: String,
    /// The address the notification went to.
    pub address: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

impl ReplyToken {
    pub fn conversation(&self) -> Option<ConversationId> {
        ConversationId::decode(&self.conversation_id)
    }

    pub fn reader(&self) -> Reader {
        Reader {
            side: self.side,
            user_id: self.user_id.clone(),
        }
    }
}

/// A person's notification preferences for one conversation (none set: everything on).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RecipientPrefs {
    /// The person's reply address token, once a notification email was sent them.
    #[serde(default, skip_serializing)]
    pub reply_token: Option<String>,
    #[serde(default)]
    pub email_off: bool,
    #[serde(default)]
    pub sms_off: bool,
    /// No notification on any channel before this time.
    pub muted_until: Option<String>,
}

/// Addresses (lower-cased) and numbers the tenant suppressed, by channel.
pub type Suppressed = std::collections::HashSet<(NotifyChannel, String)>;

/// What the dispatcher knows of one person in one conversation, from one item.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recipient {
    pub position: Option<ReadPosition>,
    pub prefs: RecipientPrefs,
}

pub trait ReplyStore: Send + Sync {
    /// These people's read positions and preferences in a conversation: one BatchGetItem
    /// per 100 (the items the dispatcher reads for their positions anyway).
    fn recipients(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        readers: &[Reader],
    ) -> impl Future<Output = Result<HashMap<Reader, Recipient>, StoreError>> + Send {
        async move {
            let (found, _) = self
                .recipients_and_suppressed(tenant, conversation, readers, &[])
                .await?;
            Ok(found)
        }
    }
    /// [`ReplyStore::recipients`], and which of these addresses the tenant suppressed,
    /// in the same BatchGetItem: a pass pays for the addresses it may send to, however
    /// many the tenant suppressed.
    fn recipients_and_suppressed(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        readers: &[Reader],
        addresses: &[(NotifyChannel, String)],
    ) -> impl Future<Output = Result<(HashMap<Reader, Recipient>, Suppressed), StoreError>> + Send;
    /// The person's reply token for the conversation: a new one is Put (only if absent)
    /// and kept on their position item unless another run kept one first, which is then
    /// the one returned. Two requests, once per person and conversation.
    fn issue_reply_token(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        reader: &Reader,
        address: &str,
        now: &str,
    ) -> impl Future<Output = Result<String, StoreError>> + Send;
    /// One GetItem: who the token was issued to.
    fn reply_token(
        &self,
        token: &str,
    ) -> impl Future<Output = Result<Option<ReplyToken>, StoreError>> + Send;
    /// Stamps the token revoked (once); false when there is no such token.
    fn revoke_reply_token(
        &self,
        token: &str,
        now: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Sets the person's preferences for the conversation (the reply token and the read
    /// position are left as they are): one UpdateItem.
    fn set_prefs(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        reader: &Reader,
        prefs: &RecipientPrefs,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Deletes the person's reply address for the conversation (its item names their
    /// email address) and the position's pointer to it, for an erasure: a GetItem, then
    /// a DeleteItem and an UpdateItem when there is one. Whether there was.
    fn forget_reply_address(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        reader: &Reader,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Turns the person's email notifications for the conversation off, leaving the rest
    /// as it is (a one-click unsubscribe, a complaint): one UpdateItem.
    fn turn_email_off(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        reader: &Reader,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// A new reply token: 160 random bits as 32 lower-case base32 characters (an address's
/// local part is compared case-insensitively by some servers).
pub fn new_reply_token() -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    use ring::rand::SecureRandom;
    let mut bits = [0u8; 20];
    // As for webhook secrets: without the system's random source no token can be made,
    // and a guessable one would be worse than none.
    ring::rand::SystemRandom::new()
        .fill(&mut bits)
        .expect("the system random source is unavailable");
    let mut out = String::with_capacity(32);
    for chunk in bits.chunks(5) {
        let word = chunk.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        for shift in (0..8).rev() {
            out.push(ALPHABET[((word >> (shift * 5)) & 31) as usize] as char);
        }
    }
    out
}

/// The address replies to a person's notifications go to.
pub fn reply_address(token: &str, domain: &str) -> String {
    format!("reply+{token}@{domain}")
}

/// The token of a reply address (`reply+{token}@…`, any case), if it is one.
pub fn token_of_address(address: &str) -> Option<String> {
    let (local, _domain) = address.trim().trim_matches(['<', '>']).rsplit_once('@')?;
    let token = local
        .get(..6)?
        .eq_ignore_ascii_case("reply+")
        .then(|| &local[6..])?;
    let token = token.to_ascii_lowercase();
    is_reply_token(&token).then_some(token)
}

/// Whether a string could be a token [`new_reply_token`] made (checked before any read).
pub fn is_reply_token(candidate: &str) -> bool {
    candidate.len() == 32
        && candidate
            .bytes()
            .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b))
}
