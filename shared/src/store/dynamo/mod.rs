//! The traits of [`super`] on DynamoDB, through the AWS SDK. Keys come from [`super::keys`].

use std::collections::HashMap;

use aws_sdk_dynamodb::types::KeysAndAttributes;
use aws_sdk_dynamodb::Client;

mod append;
mod changes;
mod contacts;
mod conversations;
mod directory;
mod due;
mod expr;
mod feed;
mod grants;
mod header_update;
mod held;
mod idempotency;
mod inbound;
mod item;
mod jobs;
mod messages;
mod notifications;
mod orders;
mod outcomes;
mod patients;
mod person;
mod reading;
mod replies;
mod search;
mod settings;
mod stream;
mod transaction;
mod uploads;
mod webhooks;

pub use stream::decode_change;

use super::keys::{PK, SK};
use super::StoreError;
use item::{backoff, classify, internal, s, Item};

#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoStore {
            client,
            table: table.into(),
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Every page of a Query.
    pub(super) async fn query_all(
        &self,
        query: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let output = query
                .clone()
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(classify)?;
            items.extend(output.items.unwrap_or_default());
            match output.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(items),
            }
        }
    }

    /// Pages of a Query until it holds `wanted` items or DynamoDB has no more: a page
    /// also stops at 1 MB of items read, short of its Limit. Each page asks only for what
    /// is still missing, so an answer that fits one page costs one request. Returns the
    /// items and the key the last page stopped at (none when DynamoDB read to the end).
    pub(super) async fn query_up_to(
        &self,
        query: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
        wanted: usize,
    ) -> Result<(Vec<Item>, Option<Item>), StoreError> {
        let mut items: Vec<Item> = Vec::new();
        let mut page = query;
        loop {
            let missing = wanted.saturating_sub(items.len()).max(1);
            let output = page
                .clone()
                .limit(i32::try_from(missing).unwrap_or(i32::MAX))
                .send()
                .await
                .map_err(classify)?;
            items.extend(output.items.unwrap_or_default());
            match output.last_evaluated_key.filter(|key| !key.is_empty()) {
                Some(key) if items.len() < wanted => {
                    page = page.set_exclusive_start_key(Some(key));
                }
                stopped => return Ok((items, stopped)),
            }
        }
    }

    /// Reads of these keys: one BatchGetItem per 100 keys, plus one per round of keys
    /// DynamoDB left unprocessed (after a backoff).
    pub(super) async fn batch_get(
        &self,
        keys: Vec<Item>,
        consistent: bool,
    ) -> Result<Vec<Item>, StoreError> {
        /// BatchGetItem takes at most 100 keys.
        const MAX_BATCH_KEYS: usize = 100;
        /// Unprocessed keys are asked for again this many times in all (about 130 ms of
        /// backoff) before giving up.
        const MAX_BATCH_ROUNDS: u32 = 8;
        let mut found = Vec::new();
        for chunk in keys.chunks(MAX_BATCH_KEYS) {
            let wanted = KeysAndAttributes::builder()
                .set_keys(Some(chunk.to_vec()))
                .consistent_read(consistent)
                .build()
                .map_err(internal)?;
            let mut request = Some(HashMap::from([(self.table.clone(), wanted)]));
            let mut round = 0;
            while let Some(items) = request.take().filter(|r| !r.is_empty()) {
                if round >= MAX_BATCH_ROUNDS {
                    // The table is throttling these keys; the caller answers 503 and
                    // its client retries later.
                    return Err(StoreError::Unavailable(
                        "keys left unprocessed after retries".into(),
                    ));
                }
                if round > 0 {
                    backoff(round).await;
                }
                round += 1;
                let output = self
                    .client
                    .batch_get_item()
                    .set_request_items(Some(items))
                    .send()
                    .await
                    .map_err(classify)?;
                found.extend(
                    output
                        .responses
                        .and_then(|mut r| r.remove(&self.table))
                        .unwrap_or_default(),
                );
                request = output.unprocessed_keys;
            }
        }
        Ok(found)
    }

    /// One eventually consistent GetItem (half a unit), for items written long before
    /// they are read.
    pub(super) async fn get_item_eventually(
        &self,
        pk: String,
        sk: &str,
    ) -> Result<Option<Item>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .send()
            .await
            .map_err(classify)?;
        Ok(output.item)
    }

    pub(super) async fn get_item(&self, pk: String, sk: &str) -> Result<Option<Item>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(classify)?;
        Ok(output.item)
    }
}

pub(super) fn key_item(pk: String, sk: impl Into<String>) -> Item {
    Item::from([(PK.to_owned(), s(pk)), (SK.to_owned(), s(sk))])
}
