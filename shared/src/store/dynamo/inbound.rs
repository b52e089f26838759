//! Inbound SMS: SMS numbers of tenants, what is known of a sender, provider ids that make
//! redeliveries harmless, unmatched texts and the once-a-day auto-reply.

use crate::domain::ids::{CustomerId, TenantId};
use crate::domain::sms::Provider;
use crate::domain::Named;
use std::collections::HashMap;

use aws_sdk_dynamodb::types::{Put, TransactWriteItem};

use super::grants::SmsRoute;
use super::item::{classify, expires_in, from_item, get_s, internal, keyed_item, s, Item};
use super::settings::settings_from_item;
use super::transaction::{Part, TransactFailure, Transaction};
use super::DynamoStore;
use crate::domain::{ConversationId, ConversationStatus};
use crate::store::keys::{self, PK, SK};
use crate::store::{
    AutoReplyMark, InboundEffects, InboundOutcome, InboundStore, OptOutChange, PhoneOwner,
    SenderState, StoreError, UnmatchedSms,
};

/// Redeliveries come within hours (Twilio) or days (SNS retries); the id is kept longer.
const PROVIDER_ID_TTL_SECS: i64 = 30 * 24 * 60 * 60;
const AUTO_REPLY_TTL_SECS: i64 = 2 * 24 * 60 * 60;
/// How many of a customer's most recent conversations are looked at for an open one
/// after the newest.
const RECENT_CONVERSATIONS: i32 = 20;

/// A provider's message id, taken by the text that carried it.
#[derive(serde::Serialize)]
struct Received {
    received_at: String,
}

/// The day a number last got the auto-reply.
#[derive(serde::Serialize, serde::Deserialize)]
struct AutoReplied {
    day: String,
}

fn key(pk: String, sk: &str) -> Item {
    HashMap::from([(PK.to_owned(), s(pk)), (SK.to_owned(), s(sk))])
}

impl DynamoStore {
    /// The writes an inbound text adds to its transaction: its provider id first (a
    /// redelivery fails there), then any opt-out change.
    pub(super) fn inbound_effect_writes(
        &self,
        transaction: &mut Transaction,
        tenant: &str,
        effects: &InboundEffects,
    ) -> Result<(), StoreError> {
        let pk = keys::provider_message_pk(
            tenant,
            effects.provider.as_str(),
            &effects.provider_message_id,
        );
        let received = Received {
            received_at: crate::domain::now_rfc3339(),
        };
        let mut item = keyed_item(pk, keys::PROVIDER_MESSAGE_SK, &received)?;
        item.insert(keys::TTL_ATTRIBUTE.into(), expires_in(PROVIDER_ID_TTL_SECS));
        let provider_id = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(format!("attribute_not_exists({PK})"))
            .build()
            .map_err(internal)?;
        transaction.push(
            Part::ProviderId,
            TransactWriteItem::builder().put(provider_id).build(),
        );
        if let Some(change) = &effects.opt_out {
            transaction.push(Part::OptOut, self.opt_out_write(tenant, change, true)?);
        }
        Ok(())
    }

    /// The number's opt-out item: kept (in or out) with the time of the keyword that set
    /// it, so that an older keyword delivered late changes nothing (`in_order`).
    pub(super) fn opt_out_write(
        &self,
        tenant: &str,
        change: &OptOutChange,
        in_order: bool,
    ) -> Result<TransactWriteItem, StoreError> {
        let record = OptOut {
            phone: change.phone.clone(),
            opted_out: change.opted_out,
            keyword_at: Some(change.keyword_at.clone()),
            at: Some(crate::domain::now_rfc3339()),
        };
        let item = keyed_item(
            keys::opt_out_pk(tenant, &change.phone),
            keys::OPT_OUT_SK,
            &record,
        )?;
        let mut put = Put::builder().table_name(&self.table).set_item(Some(item));
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

fn unmatched_pk(tenant: &str, emails: bool) -> String {
    if emails {
        keys::unmatched_email_pk(tenant)
    } else {
        keys::unmatched_pk(tenant)
    }
}

fn unmatched_item(tenant: &str, sms: &UnmatchedSms) -> Result<Item, StoreError> {
    let emails = sms.provider == Provider::Email.as_str();
    let mut item = keyed_item(unmatched_pk(tenant, emails), &sms.id, sms)?;
    // The sort key is the id.
    item.remove("id");
    Ok(item)
}

impl InboundStore for DynamoStore {
    async fn sms_number_tenant(&self, number: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .get_item(keys::sms_number_pk(number), keys::SMS_NUMBER_SK)
            .await?
            .map(|item| from_item::<SmsRoute>(&item))
            .transpose()?
            .map(|route| route.tenant))
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
                Some(keys::PHONE_SK) => state.owner = Some(from_item::<PhoneOwner>(&item)?),
                Some(keys::OPT_OUT_SK) => state.opted_out = from_item::<OptOut>(&item)?.opted_out,
                Some(keys::AUTO_REPLY_SK) => {
                    state.auto_replied_on = Some(from_item::<AutoReplied>(&item)?.day)
                }
                Some(keys::SETTINGS_SK) => state.settings = Some(settings_from_item(&item)?),
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
        let mut items = Transaction::new();
        self.inbound_effect_writes(&mut items, tenant, effects)?;
        if let Some(sms) = unmatched {
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(unmatched_item(tenant, sms)?))
                .build()
                .map_err(internal)?;
            items.push(
                Part::Unmatched,
                TransactWriteItem::builder().put(put).build(),
            );
        }
        if let Some(mark) = auto_reply {
            let replied = AutoReplied {
                day: mark.day.clone(),
            };
            let pk = keys::auto_reply_pk(tenant, &mark.phone);
            let mut item = keyed_item(pk, keys::AUTO_REPLY_SK, &replied)?;
            item.insert(keys::TTL_ATTRIBUTE.into(), expires_in(AUTO_REPLY_TTL_SECS));
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression(format!("attribute_not_exists({PK}) OR #day <> :day"))
                .expression_attribute_names("#day", "day")
                .expression_attribute_values(":day", s(&mark.day))
                .build()
                .map_err(internal)?;
            items.push(
                Part::AutoReply,
                TransactWriteItem::builder().put(put).build(),
            );
        }
        loop {
            let with_mark = items.has(Part::AutoReply);
            return match self.transact_retrying(items.clone()).await {
                Ok(()) => Ok(InboundOutcome::Stored {
                    auto_reply: with_mark,
                }),
                Err(TransactFailure::Store(err)) => Err(err),
                Err(TransactFailure::Cancelled(c)) if c.failed(Part::ProviderId) => {
                    Ok(InboundOutcome::Duplicate)
                }
                Err(TransactFailure::Cancelled(c)) if c.failed(Part::OptOut) => {
                    // A later keyword from the number was written first: this one's
                    // opt-out is superseded; the rest of the text is kept.
                    items.remove(Part::OptOut);
                    continue;
                }
                Err(TransactFailure::Cancelled(c)) if c.failed(Part::AutoReply) => {
                    // Another text from the number took today's auto-reply: keep this
                    // one without it.
                    items.remove(Part::AutoReply);
                    continue;
                }
                Err(TransactFailure::Cancelled(c)) => Err(c.unavailable()),
            };
        }
    }

    async fn unmatched(
        &self,
        tenant: &TenantId,
        emails: bool,
        before: Option<&str>,
        limit: u32,
    ) -> Result<(Vec<UnmatchedSms>, Option<String>), StoreError> {
        let pk = unmatched_pk(tenant, emails);
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
        let mut texts = items
            .iter()
            .map(from_item::<UnmatchedSms>)
            .collect::<Result<Vec<_>, _>>()?;
        let next = if texts.len() > limit as usize {
            texts.truncate(limit as usize);
            texts.last().map(|t| t.id.clone())
        } else {
            None
        };
        Ok((texts, next))
    }
}

/// A number's opt-out item. One stored before it said in or out is an opt-out.
#[derive(serde::Serialize, serde::Deserialize)]
pub(super) struct OptOut {
    pub phone: String,
    #[serde(default = "opted_out_before_it_said")]
    pub opted_out: bool,
    pub keyword_at: Option<String>,
    pub at: Option<String>,
}

fn opted_out_before_it_said() -> bool {
    true
}
