//! Feeds: the conversations a caller's inbox and badge list.

use crate::domain::ids::TenantId;
use std::collections::HashMap;
use std::future::Future;

use super::{ConversationHeader, Reader, StoreError};
use crate::domain::message::ReadPosition;

/// Which list of conversations a feed reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Feed {
    /// Every conversation of the tenant (staff sides).
    Tenant,
    /// One customer account's conversations.
    Customer(String),
    /// What a basic staff member reaches: their assigned customers' accounts and the open
    /// orders they take part in (closed orders leave their active set).
    Reach {
        customers: Vec<String>,
        orders: Vec<crate::domain::ConversationId>,
    },
}

/// Conversation headers in feed order, most recent message first.
#[derive(Debug, Clone, Default)]
pub struct FeedPage {
    /// Each header with the reader's stored position, when a reader was named.
    pub entries: Vec<(ConversationHeader, Option<ReadPosition>)>,
    /// The feed goes on after the last header read.
    pub more: bool,
    /// The reader's read clock (changes with every mark read), when a reader was named.
    pub clock: Option<String>,
}

/// Every stored read position of one person, and their read clock.
#[derive(Debug, Clone, Default)]
pub struct ReaderState {
    /// By encoded conversation id.
    pub positions: HashMap<String, ReadPosition>,
    pub clock: Option<String>,
    /// More positions than one read takes: the rest were left out.
    pub truncated: bool,
}

pub trait FeedStore: Send + Sync {
    /// At most `max` headers of `feed` whose last message is older than `before`; with a
    /// `reader`, their positions and read clock too: one Query (`gsi1` for the tenant,
    /// `gsi4` for an account), plus one BatchGetItem for a reader. A reach: one Query per
    /// assigned account and one BatchGetItem of the orders' headers.
    fn feed_page(
        &self,
        tenant: &TenantId,
        feed: &Feed,
        before: Option<&str>,
        max: u32,
        reader: Option<&Reader>,
    ) -> impl Future<Output = Result<FeedPage, StoreError>> + Send;
    /// One Query (a page per ~5,000 conversations the person has read): every position.
    fn reader_state(
        &self,
        tenant: &TenantId,
        reader: &Reader,
    ) -> impl Future<Output = Result<ReaderState, StoreError>> + Send;
    /// One GetItem: the reader's read clock.
    fn read_clock(
        &self,
        tenant: &TenantId,
        reader: &Reader,
    ) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;
}
