//! Read positions: moving a person's forward (with the side's receipt and their read
//! clock) and reading them back.

use crate::domain::Named;
use std::collections::HashMap;

use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure};
use ulid::Ulid;

use super::conversations::header_from_item;
use serde::Deserialize;

use super::expr::UpdateExpr;
use super::item::{
    classify, failed_condition_item, from_item, get_s, is_conditional_failure, n, s, Item,
};
use super::{key_item, DynamoStore};
use crate::domain::message::ReadPosition;
use crate::domain::{now_rfc3339, ConversationId, SenderType};
use crate::store::keys::{self, HEADER_SK, PK, SK};
use crate::store::{ConversationHeader, Reader, StoreError};

impl DynamoStore {
    /// [`crate::store::MessageStore::mark_read`]: to the newest message, one UpdateItem of the
    /// header (the receipt frontier; it returns the header either way), then UpdateItems
    /// of the position (conditional) and of the read clock.
    pub(super) async fn move_read_position(
        &self,
        tenant: &str,
        conversation: &ConversationId,
        reader: &Reader,
        up_to: Option<&str>,
    ) -> Result<(ConversationHeader, Option<ReadPosition>), StoreError> {
        let pk = keys::conversation_pk(tenant, conversation);
        let letter = reader.side.letter();
        let now = now_rfc3339();
        // The side's receipt frontier moves to the newest message unless someone on the
        // side got there first; either way the header comes back.
        let mut condition = "attribute_exists(gsi1sk) AND \
             (attribute_not_exists(#rf) OR #rf < gsi1sk)"
            .to_owned();
        let mut receipt = UpdateExpr::new()
            .set("#rf = gsi1sk")
            .set("#rf_at = :now")
            .name("#rf", format!("rf_{letter}"))
            .name("#rf_at", format!("rf_{letter}_at"))
            .value(":now", s(&now));
        if let Some(id) = up_to {
            condition.push_str(" AND gsi1sk = :up_to");
            receipt = receipt.value(":up_to", s(id));
        }
        let sent = self
            .update_item(&pk, HEADER_SK, &receipt.condition(condition))
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let header = match sent {
            Ok(output) => header_from_item(&output.attributes.unwrap_or_default())?,
            Err(err) => match failed_condition_item(err)? {
                Some(item) => header_from_item(&item)?,
                None => return Err(StoreError::NotFound),
            },
        };
        let Some(last) = header.last_message_id.clone() else {
            return Err(StoreError::NotFound);
        };
        if let Some(id) = up_to.filter(|id| *id != last) {
            if id > last.as_str() {
                return Err(not_in_conversation());
            }
            return self
                .mark_read_to_older(tenant, conversation, reader, id, header, &now)
                .await;
        }
        let position = ReadPosition {
            up_to: last,
            seen: header.sent_by(reader.side.other()),
            at: now,
        };
        let position = self
            .write_position(tenant, conversation, reader, &position)
            .await?;
        Ok((header, Some(position)))
    }

    pub(super) async fn stored_positions(
        &self,
        tenant: &str,
        conversation: &ConversationId,
        readers: &[Reader],
    ) -> Result<HashMap<Reader, ReadPosition>, StoreError> {
        let sk = keys::reader_sk(conversation);
        let by_pk: HashMap<String, &Reader> = readers
            .iter()
            .map(|r| (keys::reader_pk(tenant, r.side, &r.user_id), r))
            .collect();
        let wanted = by_pk.keys().map(|pk| key_item(pk.clone(), &sk)).collect();
        let mut positions = HashMap::new();
        for item in self.batch_get(wanted, true).await? {
            let reader = get_s(&item, PK).and_then(|pk| by_pk.get(pk));
            if let Some(reader) = reader {
                if let Some(position) = position_from_item(&item)? {
                    positions.insert((*reader).clone(), position);
                }
            }
        }
        Ok(positions)
    }
}

fn not_in_conversation() -> StoreError {
    StoreError::BadReference("up_to is not a message of this conversation".into())
}

/// How far behind the newest message an explicit `up_to` may be: what follows it is
/// counted, so the count is bounded.
pub const OLDER_READ_WINDOW: usize = 100;

impl DynamoStore {
    /// Moves a reader to a message older than the newest (`header`, as the first request
    /// of [`MessageStore::mark_read`] found it): one Query from that message to the newest
    /// (a page more for each 1 MB of long messages) counts the other side's messages after
    /// it (at most [`OLDER_READ_WINDOW`]), beside one GetItem of the reader's position.
    async fn mark_read_to_older(
        &self,
        tenant: &str,
        conversation: &ConversationId,
        reader: &Reader,
        up_to: &str,
        header: ConversationHeader,
        now: &str,
    ) -> Result<(ConversationHeader, Option<ReadPosition>), StoreError> {
        let pk = keys::conversation_pk(tenant, conversation);
        let last = keys::message_sk(header.last_message_id.as_deref().unwrap_or_default());
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND sk BETWEEN :from AND :last")
            .expression_attribute_values(":pk", s(&pk))
            .expression_attribute_values(":from", s(keys::message_sk(up_to)))
            .expression_attribute_values(":last", s(&last))
            .projection_expression("sk, sender_type")
            .consistent_read(true);
        // The marked message, at most the window after it, and one more to tell that the
        // window is exceeded: long messages fill DynamoDB's 1 MB page well before that.
        let query = self.query_up_to(query, OLDER_READ_WINDOW + 2);
        let reader_sk = keys::reader_sk(conversation);
        let own = self.get_item(
            keys::reader_pk(tenant, reader.side, &reader.user_id),
            &reader_sk,
        );
        let (found, own) = tokio::join!(query, own);
        let (items, _) = found?;
        let sk_of = |item: Option<&Item>| item.and_then(|item| get_s(item, SK)).map(str::to_owned);
        if sk_of(items.first()) != Some(keys::message_sk(up_to)) {
            return Err(not_in_conversation());
        }
        let own = own?
            .map(|item| position_from_item(&item))
            .transpose()?
            .flatten();
        if own.as_ref().is_some_and(|p| p.up_to.as_str() >= up_to) {
            // Already read that far: positions never move back.
            return Ok((header, own));
        }
        if sk_of(items.last()) != Some(last) {
            return Err(StoreError::BadReference(format!(
                "up_to must be one of the {OLDER_READ_WINDOW} newest messages; leave it out to read everything"
            )));
        }
        let other_sender = SenderType::of_side(reader.side.other()).as_str();
        let after = items[1..]
            .iter()
            .filter(|item| get_s(item, "sender_type") == Some(other_sender))
            .count() as u64;
        let position = ReadPosition {
            up_to: up_to.to_owned(),
            seen: header.sent_by(reader.side.other()).saturating_sub(after),
            at: now.to_owned(),
        };
        let position = self
            .write_position(tenant, conversation, reader, &position)
            .await?;
        let frontier = header.side(reader.side).read_up_to.as_deref();
        if frontier.is_none_or(|f| f < up_to) {
            self.move_receipt_to(&pk, reader, up_to, now).await?;
        }
        Ok((header, Some(position)))
    }

    /// The side's receipt frontier moves to `up_to` unless someone on the side got there
    /// (or further) first.
    async fn move_receipt_to(
        &self,
        pk: &str,
        reader: &Reader,
        up_to: &str,
        now: &str,
    ) -> Result<(), StoreError> {
        let letter = reader.side.letter();
        let receipt = UpdateExpr::new()
            .set("#rf = :up_to")
            .set("#rf_at = :now")
            .condition("attribute_not_exists(#rf) OR #rf < :up_to")
            .name("#rf", format!("rf_{letter}"))
            .name("#rf_at", format!("rf_{letter}_at"))
            .value(":up_to", s(up_to))
            .value(":now", s(now));
        match self.update_item(pk, HEADER_SK, &receipt).send().await {
            Ok(_) => Ok(()),
            Err(err) if is_conditional_failure(&err) => Ok(()),
            Err(err) => Err(classify(err)),
        }
    }

    /// The reader's position, then their read clock: two small writes, no transaction.
    /// The position only moves forward (its write is conditional: a mark read that
    /// computed an older position and lands late changes nothing, and gets the stored one
    /// back). The clock follows the position, in the same partition, so whoever reads the
    /// new clock reads the position with it.
    async fn write_position(
        &self,
        tenant: &str,
        conversation: &ConversationId,
        reader: &Reader,
        position: &ReadPosition,
    ) -> Result<ReadPosition, StoreError> {
        let pk = keys::reader_pk(tenant, reader.side, &reader.user_id);
        let forward = UpdateExpr::new()
            .set("up_to = :up_to")
            .set("seen = :seen")
            .set("#at = :at")
            .condition("attribute_not_exists(up_to) OR up_to < :up_to")
            .name("#at", "at")
            .value(":up_to", s(&position.up_to))
            .value(":seen", n(position.seen))
            .value(":at", s(&position.at));
        let written = self
            .update_item(&pk, keys::reader_sk(conversation), &forward)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        if let Err(err) = written {
            let stored = failed_condition_item(err)?
                .map(|item| position_from_item(&item))
                .transpose()?
                .flatten();
            // Someone got further first; their mark read moves the clock.
            return Ok(stored.unwrap_or_else(|| position.clone()));
        }
        let clock = UpdateExpr::new()
            .set("#at = :at")
            .name("#at", "at")
            .value(":at", s(Ulid::new().to_string()));
        self.update_item(pk, keys::READ_CLOCK_SK, &clock)
            .send()
            .await
            .map_err(classify)?;
        Ok(position.clone())
    }
}

/// A position item: what the person marked read and, when they stopped being their side's
/// last sender, what their own last message implied (`sent_*`).
#[derive(Deserialize)]
struct PositionItem {
    up_to: Option<String>,
    #[serde(default)]
    seen: u64,
    #[serde(default)]
    at: String,
    sent_up_to: Option<String>,
    #[serde(default)]
    sent_seen: u64,
    #[serde(default)]
    sent_at: String,
}

/// The further of a position item's two positions.
pub(super) fn position_from_item(item: &Item) -> Result<Option<ReadPosition>, StoreError> {
    let stored: PositionItem = from_item(item)?;
    let marked = stored.up_to.map(|up_to| ReadPosition {
        up_to,
        seen: stored.seen,
        at: stored.at,
    });
    let sent = stored.sent_up_to.map(|up_to| ReadPosition {
        up_to,
        seen: stored.sent_seen,
        at: stored.sent_at,
    });
    Ok(match (marked, sent) {
        (Some(marked), Some(sent)) if sent.up_to > marked.up_to => Some(sent),
        (Some(marked), _) => Some(marked),
        (None, sent) => sent,
    })
}
