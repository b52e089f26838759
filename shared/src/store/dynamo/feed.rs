//! Feeds: the tenant's conversations on `gsi1` (newest last message first) and a customer
//! account's on `gsi2` (a key that never moves, so a send does not write it: an account's
//! few conversations are read whole and ordered here). A reader's positions come from
//! their own partition, by key for a page or whole for the badge.

use std::collections::HashMap;

use super::conversations::header_from_item;
use super::item::{classify, get_s, s, Item};
use super::reading::position_from_item;
use super::{key_item, DynamoStore};
use crate::domain::message::ReadPosition;
use crate::domain::ConversationId;
use crate::store::keys::{self, GSI1, GSI2, HEADER_SK, PK, READ_CLOCK_SK, SK};
use crate::store::{
    ConversationHeader, Feed, FeedPage, FeedStore, Reader, ReaderState, StoreError,
};

/// Pages of a reader's partition the badge reads at most (about 5,000 positions a page).
const READER_STATE_PAGES: usize = 2;

/// What one BatchGetItem of headers, positions and the clock brought back.
#[derive(Default)]
struct Fetched {
    headers: Vec<ConversationHeader>,
    positions: HashMap<String, ReadPosition>,
    clock: Option<String>,
}

impl DynamoStore {
    /// Eventually consistent reads (half the units) of these conversations' headers
    /// (when `with_headers`) and the reader's positions in them and read clock.
    async fn fetch(
        &self,
        tenant: &str,
        conversations: &[ConversationId],
        with_headers: bool,
        reader: Option<&Reader>,
    ) -> Result<Fetched, StoreError> {
        let mut wanted: Vec<Item> = Vec::new();
        if with_headers {
            wanted.extend(
                conversations
                    .iter()
                    .map(|c| key_item(keys::conversation_pk(tenant, c), HEADER_SK)),
            );
        }
        if let Some(reader) = reader {
            let pk = keys::reader_pk(tenant, reader.side, &reader.user_id);
            wanted.extend(
                conversations
                    .iter()
                    .map(|c| key_item(pk.clone(), keys::reader_sk(c))),
            );
            wanted.push(key_item(pk, READ_CLOCK_SK));
        }
        let mut fetched = Fetched::default();
        if wanted.is_empty() {
            return Ok(fetched);
        }
        for item in self.batch_get(wanted, false).await? {
            match get_s(&item, SK) {
                Some(HEADER_SK) => fetched.headers.push(header_from_item(&item)?),
                Some(READ_CLOCK_SK) => fetched.clock = get_s(&item, "at").map(str::to_owned),
                Some(sk) => {
                    if let (Some(conversation), Some(position)) = (
                        keys::conversation_of_reader_sk(sk),
                        position_from_item(&item),
                    ) {
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

impl FeedStore for DynamoStore {
    async fn feed_page(
        &self,
        tenant: &str,
        feed: &Feed,
        before: Option<&str>,
        max: u32,
        reader: Option<&Reader>,
    ) -> Result<FeedPage, StoreError> {
        match feed {
            Feed::Tenant => {
                let mut query = self
                    .client
                    .query()
                    .table_name(&self.table)
                    .index_name(GSI1)
                    .key_condition_expression(if before.is_some() {
                        "gsi1pk = :pk AND gsi1sk < :before"
                    } else {
                        "gsi1pk = :pk"
                    })
                    .expression_attribute_values(":pk", s(keys::tenant_feed_pk(tenant)))
                    .scan_index_forward(false);
                if let Some(before) = before {
                    query = query.expression_attribute_values(":before", s(before));
                }
                let (items, stopped) = self.query_up_to(query, max.max(1) as usize).await?;
                let headers = items
                    .iter()
                    .map(header_from_item)
                    .collect::<Result<Vec<_>, _>>()?;
                let ids: Vec<ConversationId> = headers.iter().map(|h| h.id.clone()).collect();
                let mut fetched = match reader {
                    Some(_) if !ids.is_empty() => self.fetch(tenant, &ids, false, reader).await?,
                    _ => Fetched::default(),
                };
                Ok(FeedPage {
                    entries: attach(headers, &mut fetched.positions),
                    more: stopped.is_some(),
                    clock: fetched.clock,
                })
            }
            Feed::Customer(customer) => {
                let query = self
                    .client
                    .query()
                    .table_name(&self.table)
                    .index_name(GSI2)
                    .key_condition_expression("gsi2pk = :pk")
                    .expression_attribute_values(":pk", s(keys::customer_feed_pk(tenant, customer)))
                    .projection_expression(PK);
                let ids: Vec<ConversationId> = self
                    .query_all(query)
                    .await?
                    .iter()
                    .filter_map(|item| get_s(item, PK).and_then(keys::parse_conversation_pk))
                    .map(|(_, id)| id)
                    .collect();
                let mut fetched = self.fetch(tenant, &ids, true, reader).await?;
                let mut headers: Vec<ConversationHeader> = fetched
                    .headers
                    .drain(..)
                    .filter(|h| {
                        before.is_none_or(|b| h.last_message_id.as_deref().unwrap_or("") < b)
                    })
                    .collect();
                headers.sort_by(|a, b| b.last_message_id.cmp(&a.last_message_id));
                let more = headers.len() > max as usize;
                headers.truncate(max as usize);
                Ok(FeedPage {
                    entries: attach(headers, &mut fetched.positions),
                    more,
                    clock: fetched.clock,
                })
            }
        }
    }

    async fn reader_state(&self, tenant: &str, reader: &Reader) -> Result<ReaderState, StoreError> {
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
                        if let (Some(conversation), Some(position)) = (
                            keys::conversation_of_reader_sk(sk),
                            position_from_item(item),
                        ) {
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

    async fn feed_head(&self, tenant: &str) -> Result<Option<String>, StoreError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI1)
            .key_condition_expression("gsi1pk = :pk")
            .expression_attribute_values(":pk", s(keys::tenant_feed_pk(tenant)))
            .projection_expression(keys::GSI1_SK)
            .scan_index_forward(false)
            .limit(1)
            .send()
            .await
            .map_err(classify)?;
        Ok(output
            .items()
            .first()
            .and_then(|item| get_s(item, keys::GSI1_SK))
            .map(str::to_owned))
    }

    async fn read_clock(
        &self,
        tenant: &str,
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
