//! Inbound SMS: SMS numbers of tenants, what is known of a sender, provider ids that make
//! redeliveries harmless, unmatched texts and the once-a-day auto-reply.

use crate::domain::ids::{CustomerId, TenantId};
use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};

use super::item::{
    classify, failed_condition, get_s, internal, s, unavailable, Item, TransactFailure,
};
use super::settings::settings_from_item;
use super::DynamoStore;
use crate::domain::{ConversationId, ConversationStatus};
use crate::store::keys::{self, PK, SK};
use crate::store::{
    AutoReplyMark, InboundEffects, InboundOutcome, InboundStore, OptOutChange, PhoneOwner,
    SenderState, StoreError, UnmatchedReason, UnmatchedSms,
};

/// Redeliveries come within hours (Twilio) or days (SNS retries); the id is kept longer.
const PROVIDER_ID_TTL_SECS: i64 = 30 * 24 * 60 * 60;
const AUTO_REPLY_TTL_SECS: i64 = 2 * 24 * 60 * 60;
/// How many of a customer's most recent conversations are looked at for an open one
/// after the newest.
const RECENT_CONVERSATIONS: i32 = 20;

fn expires_in(secs: i64) -> AttributeValue {
    AttributeValue::N((jiff::Timestamp::now().as_second() + secs).to_string())
}

fn key(pk: String, sk: &str) -> Item {
    HashMap::from([(PK.to_owned(), s(pk)), (SK.to_owned(), s(sk))])
}

impl DynamoStore {
    /// The writes an inbound text adds to its transaction: its provider id first (a
    /// redelivery fails there), then any opt-out change.
    pub(super) fn inbound_effect_writes(
        &self,
        tenant: &str,
        effects: &InboundEffects,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let provider_id = Put::builder()
            .table_name(&self.table)
            .item(
                PK,
                s(keys::provider_message_pk(
                    tenant,
                    effects.provider.as_str(),
                    &effects.provider_message_id,
                )),
            )
            .item(SK, s(keys::PROVIDER_MESSAGE_SK))
            .item("received_at", s(crate::domain::now_rfc3339()))
            .item(keys::TTL_ATTRIBUTE, expires_in(PROVIDER_ID_TTL_SECS))
            .condition_expression(format!("attribute_not_exists({PK})"))
            .build()
            .map_err(internal)?;
        let mut writes = vec![TransactWriteItem::builder().put(provider_id).build()];
        if let Some(change) = &effects.opt_out {
            writes.push(self.opt_out_write(tenant, change, true)?);
        }
        Ok(writes)
    }

    /// The number's opt-out item: kept (in or out) with the time of the keyword that set
    /// it, so that an older keyword delivered late changes nothing (`in_order`).
    pub(super) fn opt_out_write(
        &self,
        tenant: &str,
        change: &OptOutChange,
        in_order: bool,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut put = Put::builder()
            .table_name(&self.table)
            .item(PK, s(keys::opt_out_pk(tenant, &change.phone)))
            .item(SK, s(keys::OPT_OUT_SK))
            .item("phone", s(&change.phone))
            .item("opted_out", AttributeValue::Bool(change.opted_out))
            .item("keyword_at", s(&change.keyword_at))
            .item("at", s(crate::domain::now_rfc3339()));
        if in_order {
            put = put
                .condition_expression(format!(
                    "attribute_not_exists({PK}) OR attribute_not_exists(keyword_at) \
                     OR keyword_at < :at"
                ))
                .expression_attribute_values(":at", s(&change.keyword_at));
        }
        Ok(TransactWriteItem::builder()
            .put(put.build().map_err(internal)?)
            .build())
    }
}

fn unmatched_item(tenant: &str, sms: &UnmatchedSms) -> Item {
    let mut item = HashMap::from([
        (PK.to_owned(), s(keys::unmatched_pk(tenant))),
        (SK.to_owned(), s(&sms.id)),
        ("received_at".to_owned(), s(&sms.received_at)),
        ("from".to_owned(), s(&sms.from)),
        ("to".to_owned(), s(&sms.to)),
        ("body".to_owned(), s(&sms.body)),
        ("provider".to_owned(), s(&sms.provider)),
        (
            "provider_message_id".to_owned(),
            s(&sms.provider_message_id),
        ),
        ("reason".to_owned(), s(sms.reason.as_str())),
    ]);
    if let Some(customer) = &sms.customer_id {
        item.insert("customer_id".into(), s(customer));
    }
    if let Some(contact) = &sms.contact_id {
        item.insert("contact_id".into(), s(contact));
    }
    item
}

fn unmatched_from_item(item: &Item) -> Option<UnmatchedSms> {
    let text = |name: &str| get_s(item, name).map(str::to_owned);
    Some(UnmatchedSms {
        id: text(SK)?,
        received_at: text("received_at")?,
        from: text("from")?,
        to: text("to")?,
        body: text("body").unwrap_or_default(),
        provider: text("provider")?,
        provider_message_id: text("provider_message_id")?,
        reason: get_s(item, "reason").and_then(UnmatchedReason::parse)?,
        customer_id: text("customer_id"),
        contact_id: text("contact_id"),
    })
}

impl InboundStore for DynamoStore {
    async fn sms_number_tenant(&self, number: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .get_item(keys::sms_number_pk(number), keys::SMS_NUMBER_SK)
            .await?
            .and_then(|item| get_s(&item, "tenant").map(str::to_owned)))
    }

    async fn sender_state(
        &self,
        tenant: &TenantId,
        phone: &str,
        with_settings: bool,
    ) -> Result<SenderState, StoreError> {
        let mut wanted = vec![
            key(keys::phone_pk(tenant, phone), keys::PHONE_SK),
            key(keys::opt_out_pk(tenant, phone), keys::OPT_OUT_SK),
            key(keys::auto_reply_pk(tenant, phone), keys::AUTO_REPLY_SK),
        ];
        if with_settings {
            wanted.push(key(keys::tenant_pk(tenant), keys::SETTINGS_SK));
        }
        let mut state = SenderState {
            settings: with_settings.then(Default::default),
            ..SenderState::default()
        };
        for item in self.batch_get(wanted, true).await? {
            match get_s(&item, SK) {
                Some(keys::PHONE_SK) => {
                    state.owner = Some(PhoneOwner {
                        customer_id: get_s(&item, "customer_id").unwrap_or_default().into(),
                        contact_id: get_s(&item, "contact_id").unwrap_or_default().into(),
                        name: get_s(&item, "name").map(str::to_owned),
                    })
                }
                Some(keys::OPT_OUT_SK) => state.opted_out = is_opted_out(&item),
                Some(keys::AUTO_REPLY_SK) => {
                    state.auto_replied_on = get_s(&item, "day").map(str::to_owned)
                }
                Some(keys::SETTINGS_SK) => state.settings = Some(settings_from_item(&item)),
                _ => {}
            }
        }
        Ok(state)
    }

    async fn latest_open_conversation(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
    ) -> Result<Option<ConversationId>, StoreError> {
        // The account's newest conversation is nearly always the open one: read it alone,
        // then a few more (closed orders on top) before the general thread is taken.
        let mut start = None;
        for limit in [1, RECENT_CONVERSATIONS] {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(keys::GSI4)
                .key_condition_expression("gsi2pk = :pk")
                .filter_expression("#status = :open")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":pk", s(keys::customer_feed_pk(tenant, customer)))
                .expression_attribute_values(":open", s(ConversationStatus::Open.as_str()))
                .projection_expression("pk")
                .scan_index_forward(false)
                .limit(limit)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(classify)?;
            if let Some(found) = output
                .items()
                .iter()
                .find_map(|item| get_s(item, PK).and_then(keys::parse_conversation_pk))
            {
                return Ok(Some(found.1));
            }
            match output.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        Ok(None)
    }

    async fn record_inbound(
        &self,
        tenant: &TenantId,
        effects: &InboundEffects,
        unmatched: Option<&UnmatchedSms>,
        auto_reply: Option<&AutoReplyMark>,
    ) -> Result<InboundOutcome, StoreError> {
        let mut items = self.inbound_effect_writes(tenant, effects)?;
        if let Some(sms) = unmatched {
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(unmatched_item(tenant, sms)))
                .build()
                .map_err(internal)?;
            items.push(TransactWriteItem::builder().put(put).build());
        }
        let mut mark_index = items.len();
        if let Some(mark) = auto_reply {
            let put = Put::builder()
                .table_name(&self.table)
                .item(PK, s(keys::auto_reply_pk(tenant, &mark.phone)))
                .item(SK, s(keys::AUTO_REPLY_SK))
                .item("day", s(&mark.day))
                .item(keys::TTL_ATTRIBUTE, expires_in(AUTO_REPLY_TTL_SECS))
                .condition_expression(format!("attribute_not_exists({PK}) OR #day <> :day"))
                .expression_attribute_names("#day", "day")
                .expression_attribute_values(":day", s(&mark.day))
                .build()
                .map_err(internal)?;
            items.push(TransactWriteItem::builder().put(put).build());
        }
        let mut opt_out_index = effects.opt_out.as_ref().map(|_| 1);
        loop {
            let with_mark = items.len() > mark_index;
            return match self.transact_retrying(items.clone()).await {
                Ok(()) => Ok(InboundOutcome::Stored {
                    auto_reply: with_mark,
                }),
                Err(TransactFailure::Store(err)) => Err(err),
                Err(TransactFailure::Cancelled(reasons)) if failed_condition(&reasons, 0) => {
                    Ok(InboundOutcome::Duplicate)
                }
                Err(TransactFailure::Cancelled(reasons))
                    if opt_out_index.is_some_and(|i| failed_condition(&reasons, i)) =>
                {
                    // A later keyword from the number was written first: this one's
                    // opt-out is superseded; the rest of the text is kept.
                    items.remove(1);
                    mark_index -= 1;
                    opt_out_index = None;
                    continue;
                }
                Err(TransactFailure::Cancelled(reasons))
                    if with_mark && failed_condition(&reasons, mark_index) =>
                {
                    // Another text from the number took today's auto-reply: keep this
                    // one without it.
                    items.truncate(mark_index);
                    continue;
                }
                Err(TransactFailure::Cancelled(reasons)) => Err(unavailable(&reasons)),
            };
        }
    }

    async fn unmatched(
        &self,
        tenant: &TenantId,
        before: Option<&str>,
        limit: u32,
    ) -> Result<(Vec<UnmatchedSms>, Option<String>), StoreError> {
        let pk = keys::unmatched_pk(tenant);
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(&pk))
            .scan_index_forward(false);
        if let Some(before) = before {
            query = query
                .exclusive_start_key(PK, s(&pk))
                .exclusive_start_key(SK, s(before));
        }
        // One more than shown tells whether there is another page; a page cut short at
        // 1 MB must not look like the last one.
        let (items, _) = self.query_up_to(query, limit as usize + 1).await?;
        let mut texts: Vec<UnmatchedSms> = items.iter().filter_map(unmatched_from_item).collect();
        let next = if texts.len() > limit as usize {
            texts.truncate(limit as usize);
            texts.last().map(|t| t.id.clone())
        } else {
            None
        };
        Ok((texts, next))
    }
}

/// An opt-out item says in or out; one stored before it said so is an opt-out.
pub(super) fn is_opted_out(item: &Item) -> bool {
    item.get("opted_out")
        .and_then(|v| v.as_bool().ok())
        .copied()
        .unwrap_or(true)
}
