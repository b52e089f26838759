//! Feeds: the tenant's conversations on `gsi1` and a customer account's on `gsi4`, both
//! newest last message first, so a page reads a page however long the history. A
//! reader's positions come from their own partition, by key for a page or whole for the
//! badge.

use crate::domain::ids::TenantId;
use std::collections::HashMap;

use super::conversations::header_from_item;
use super::item::{classify, get_s, s, Item};
use super::reading::position_from_item;
use super::{key_item, DynamoStore};
use crate::domain::message::ReadPosition;
use crate::domain::ConversationId;
use crate::store::keys::{self, GSI1, GSI4, READ_CLOCK_SK, SK};
use crate::store::{
    ConversationHeader, Feed, FeedPage, FeedStore, Reader, ReaderState, StoreError,
};

/// Pages of a reader's partition the badge reads at most (about 5,000 positions a page).
const READER_STATE_PAGES: usize = 2;

/// What one BatchGetItem of positions and the clock brought back.
#[derive(Default)]
struct Fetched {
    positions: HashMap<String, ReadPosition>,
    clock: Option<String>,
}

impl DynamoStore {
    /// Eventually consistent reads (half the units) of the reader's positions in these
    /// conversations and their read clock: one BatchGetItem.
    async fn positions(
        &self,
        tenant: &str,
        conversations: &[ConversationId],
        reader: &Reader,
    ) -> Result<Fetched, StoreError> {
        let pk = keys::reader_pk(tenant, reader.side, &reader.user_id);
        let mut wanted: Vec<Item> = conversations
            .iter()
            .map(|c| key_item(pk.clone(), keys::reader_sk(c)))
            .collect();
        wanted.push(key_item(pk, READ_CLOCK_SK));
        let mut fetched = Fetched::default();
        for item in self.batch_get(wanted, false).await? {
            match get_s(&item, SK) {
                Some(READ_CLOCK_SK) => fetched.clock = get_s(&item, "at").map(str::to_owned),
                Some(sk) => {
                    if let Some(conversation) = keys::conversation_of_reader_sk(sk) {
                        let Some(position) = position_from_item(&item)? else {
                            continue;
                        };
                        fetched.positions.insert(conversation.encode(), position);
                    }
                }
                None => {}
            }
        }
        Ok(fetched)
    }
}

fn attach(
    headers: Vec<ConversationHeader>,
    positions: &mut HashMap<String, ReadPosition>,
) -> Vec<(ConversationHeader, Option<ReadPosition>)> {
    headers
        .into_iter()
        .map(|header| {
            let position = positions.remove(&header.id.encode());
            (header, position)
        })
        .collect()
}

/// The index, partition key attribute and partition of a feed read from one index; both
/// sort on `gsi1sk`. A reach is read from several (`None`).
fn feed_index(tenant: &str, feed: &Feed) -> Option<(&'static str, &'static str, String)> {
    match feed {
        Feed::Tenant => Some((GSI1, keys::GSI1_PK, keys::tenant_feed_pk(tenant))),
        Feed::Customer(customer) => Some((
            GSI4,
            keys::GSI2_PK,
            keys::customer_feed_pk(tenant, customer),
        )),
        Feed::Reach { .. } => None,
    }
}

/// Newest first, below `before`, at most `max`; whether more were left out.
fn merge(
    mut headers: Vec<ConversationHeader>,
    before: Option<&str>,
    max: u32,
    more: bool,
) -> (Vec<ConversationHeader>, bool) {
    headers.retain(|h| before.is_none_or(|b| h.last_message_id.as_deref().unwrap_or("") < b));
    headers.sort_by(|a, b| b.last_message_id.cmp(&a.last_message_id));
    headers.dedup_by(|a, b| a.id == b.id);
    let more = more || headers.len() > max as usize;
    headers.truncate(max as usize);
    (headers, more)
}

impl DynamoStore {
    /// One index's page: one Query.
    async fn index_page(
        &self,
        (index, pk_attribute, pk): (&'static str, &'static str, String),
        before: Option<&str>,
        max: u32,
    ) -> Result<(Vec<ConversationHeader>, bool), StoreError> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index)
            .key_condition_expression(if before.is_some() {
                "#pk = :pk AND gsi1sk < :before"
            } else {
                "#pk = :pk"
            })
            .expression_attribute_names("#pk", pk_attribute)
            .expression_attribute_values(":pk", s(pk))
            .scan_index_forward(false);
        if let Some(before) = before {
            query = query.expression_attribute_values(":before", s(before));
        }
        let (items, stopped) = self.query_up_to(query, max.max(1) as usize).await?;
        let headers = items
            .iter()
            .map(header_from_item)
            .collect::<Result<Vec<_>, _>>()?;
        Ok((headers, stopped.is_some()))
    }

    /// A basic staff member's conversations: each assigned account's page (one Query
    /// each) and their open orders' headers (one BatchGetItem), merged.
    async fn reach_page(
        &self,
        tenant: &str,
        customers: &[String],
        orders: &[ConversationId],
        before: Option<&str>,
        max: u32,
    ) -> Result<(Vec<ConversationHeader>, bool), StoreError> {
        let order_headers = async {
            if orders.is_empty() {
                return Ok(Vec::new());
            }
            let wanted = orders
                .iter()
                .map(|c| key_item(keys::conversation_pk(tenant, c), keys::HEADER_SK))
                .collect();
            self.batch_get(wanted, false)
                .await?
                .iter()
                .map(header_from_item)
                .collect::<Result<Vec<_>, _>>()
        };
        let mut headers = order_headers.await?;
        let mut more = false;
        // Assignments are few (a basic staff member's families); read one after another.
        for customer in customers {
            let index = (
                GSI4,
                keys::GSI2_PK,
                keys::customer_feed_pk(tenant, customer),
            );
            let (page, page_more) = self.index_page(index, before, max).await?;
            more |= page_more;
            headers.extend(page);
        }
        Ok(merge(headers, before, max, more))
    }
}

impl FeedStore for DynamoStore {
    async fn feed_page(
        &self,
        tenant: &TenantId,
        feed: &Feed,
        before: Option<&str>,
        max: u32,
        reader: Option<&Reader>,
    ) -> Result<FeedPage, StoreError> {
        let (headers, more) = match (feed, feed_index(tenant, feed)) {
            (_, Some(index)) => self.index_page(index, before, max).await?,
            (Feed::Reach { customers, orders }, None) => {
                self.reach_page(tenant, customers, orders, before, max)
                    .await?
            }
            _ => (Vec::new(), false),
        };
        let ids: Vec<ConversationId> = headers.iter().map(|h| h.id.clone()).collect();
        let mut fetched = match reader {
            Some(reader) if !ids.is_empty() => self.positions(tenant, &ids, reader).await?,
            _ => Fetched::default(),
        };
        Ok(FeedPage {
            entries: attach(headers, &mut fetched.positions),
            more,
            clock: fetched.clock,
        })
    }

    async fn reader_state(
        &self,
        tenant: &TenantId,
        reader: &Reader,
    ) -> Result<ReaderState, StoreError> {
        let pk = keys::reader_pk(tenant, reader.side, &reader.user_id);
        let mut state = ReaderState::default();
        let mut start: Option<Item> = None;
        for page in 0..READER_STATE_PAGES {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", s(&pk))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(classify)?;
            for item in output.items() {
                match get_s(item, SK) {
                    Some(READ_CLOCK_SK) => state.clock = get_s(item, "at").map(str::to_owned),
                    Some(sk) => {
                        if let Some(conversation) = keys::conversation_of_reader_sk(sk) {
                            let Some(position) = position_from_item(item)? else {
                                continue;
                            };
                            state.positions.insert(conversation.encode(), position);
                        }
                    }
                    None => {}
                }
            }
            match output.last_evaluated_key {
                Some(key) if !key.is_empty() => {
                    start = Some(key);
                    state.truncated = page + 1 == READER_STATE_PAGES;
                }
                _ => break,
            }
        }
        Ok(state)
    }

    async fn read_clock(
        &self,
        tenant: &TenantId,
        reader: &Reader,
    ) -> Result<Option<String>, StoreError> {
        Ok(self
            .get_item(
                keys::reader_pk(tenant, reader.side, &reader.user_id),
                READ_CLOCK_SK,
            )
            .await?
            .and_then(|item| get_s(&item, "at").map(str::to_owned)))
    }
}
