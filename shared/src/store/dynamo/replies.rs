//! Reply tokens and per-conversation notification preferences on DynamoDB.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use super::item::{classify, from_item, get_s, keyed_item, s, Item};
use super::reading::position_from_item;
use super::{key_item, DynamoStore};
use crate::domain::ids::TenantId;
use crate::domain::notify::NotifyChannel;
use crate::domain::ConversationId;
use crate::domain::Named;
use crate::store::keys::{self, PK, SK};
use crate::store::{
    new_reply_token, Reader, Recipient, RecipientPrefs, ReplyStore, ReplyToken, StoreError,
    Suppressed,
};

impl ReplyStore for DynamoStore {
    async fn recipients_and_suppressed(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        readers: &[Reader],
        addresses: &[(NotifyChannel, String)],
    ) -> Result<(HashMap<Reader, Recipient>, Suppressed), StoreError> {
        if readers.is_empty() && addresses.is_empty() {
            return Ok(Default::default());
        }
        let sk = keys::reader_sk(conversation);
        let by_pk: HashMap<String, &Reader> = readers
            .iter()
            .map(|r| (keys::reader_pk(tenant, r.side, &r.user_id), r))
            .collect();
        let suppressed_pk = keys::suppressed_pk(tenant);
        let by_sk: HashMap<String, &(NotifyChannel, String)> = addresses
            .iter()
            .map(|a| {
                (
                    keys::suppressed_sk(a.0.as_str(), &a.1.to_ascii_lowercase()),
                    a,
                )
            })
            .collect();
        let wanted = by_pk
            .keys()
            .map(|pk| key_item(pk.clone(), &sk))
            .chain(by_sk.keys().map(|sk| key_item(suppressed_pk.clone(), sk)))
            .collect();
        let (mut found, mut suppressed) = (HashMap::new(), Suppressed::new());
        for item in self.batch_get(wanted, true).await? {
            let pk = get_s(&item, PK).unwrap_or_default();
            if pk == suppressed_pk {
                if let Some((channel, address)) = get_s(&item, SK).and_then(|sk| by_sk.get(sk)) {
                    suppressed.insert((*channel, address.to_ascii_lowercase()));
                }
                continue;
            }
            let Some(reader) = by_pk.get(pk) else {
                continue;
            };
            let recipient = Recipient {
                position: position_from_item(&item)?,
                // `reply_token` is read, only never written out (kept off the API's views).
                prefs: from_item(&item)?,
            };
            found.insert((*reader).clone(), recipient);
        }
        Ok((found, suppressed))
    }

    async fn issue_reply_token(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        reader: &Reader,
        address: &str,
        now: &str,
    ) -> Result<String, StoreError> {
        let token = new_reply_token();
        let record = ReplyToken {
            tenant_id: tenant.to_string(),
            conversation_id: conversation.encode(),
            side: reader.side,
            user_id: reader.user_id.clone(),
            address: address.to_owned(),
            created_at: now.to_owned(),
            revoked_at: None,
        };
        let item = keyed_item(keys::reply_token_pk(&token), keys::REPLY_TOKEN_SK, &record)?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map_err(classify)?;
        // Kept only if the person has none: a run that raced this one keeps its own, and
        // every later email says the one kept.
        let kept = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(position_key(tenant, conversation, reader)))
            .update_expression("SET reply_token = if_not_exists(reply_token, :token)")
            .expression_attribute_values(":token", s(&token))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(classify)?;
        let kept = kept
            .attributes
            .as_ref()
            .and_then(|item| get_s(item, "reply_token"))
            .map_or_else(|| token.clone(), str::to_owned);
        if kept != token {
            // Nobody holds the token that lost, and it names the address: gone, so that
            // an erasure, which finds tokens through the position, misses none.
            self.delete_reply_token(&token).await?;
        }
        Ok(kept)
    }

    async fn reply_token(&self, token: &str) -> Result<Option<ReplyToken>, StoreError> {
        // Eventually consistent: a token is answered days after it was issued.
        self.get_item_eventually(keys::reply_token_pk(token), keys::REPLY_TOKEN_SK)
            .await?
            .as_ref()
            .map(from_item)
            .transpose()
    }

    async fn revoke_reply_token(&self, token: &str, now: &str) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_item(
                keys::reply_token_pk(token),
                keys::REPLY_TOKEN_SK,
            )))
            .update_expression("SET revoked_at = if_not_exists(revoked_at, :now)")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":now", s(now))
            .send()
            .await;
        super::item::update_written(result)
    }

    async fn set_prefs(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        reader: &Reader,
        prefs: &RecipientPrefs,
    ) -> Result<(), StoreError> {
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(position_key(tenant, conversation, reader)))
            .expression_attribute_values(":email_off", AttributeValue::Bool(prefs.email_off))
            .expression_attribute_values(":sms_off", AttributeValue::Bool(prefs.sms_off));
        let expression = match &prefs.muted_until {
            Some(until) => {
                update = update.expression_attribute_values(":muted", s(until));
                "SET email_off = :email_off, sms_off = :sms_off, muted_until = :muted"
            }
            None => "SET email_off = :email_off, sms_off = :sms_off REMOVE muted_until",
        };
        update
            .update_expression(expression)
            .send()
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn forget_reply_address(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        reader: &Reader,
    ) -> Result<bool, StoreError> {
        let (pk, sk) = (
            keys::reader_pk(tenant, reader.side, &reader.user_id),
            keys::reader_sk(conversation),
        );
        let Some(token) = self
            .get_item(pk.clone(), &sk)
            .await?
            .and_then(|item| get_s(&item, "reply_token").map(str::to_owned))
        else {
            return Ok(false);
        };
        self.delete_reply_token(&token).await?;
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_item(pk, sk)))
            .update_expression("REMOVE reply_token")
            .send()
            .await
            .map_err(classify)?;
        Ok(true)
    }

    async fn turn_email_off(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        reader: &Reader,
    ) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(position_key(tenant, conversation, reader)))
            .update_expression("SET email_off = :off")
            .expression_attribute_values(":off", AttributeValue::Bool(true))
            .send()
            .await
            .map_err(classify)?;
        Ok(())
    }
}

impl DynamoStore {
    async fn delete_reply_token(&self, token: &str) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_item(
                keys::reply_token_pk(token),
                keys::REPLY_TOKEN_SK,
            )))
            .send()
            .await
            .map_err(classify)?;
        Ok(())
    }
}

/// The key of a person's position item in a conversation, where their reply token and
/// preferences live.
fn position_key(tenant: &TenantId, conversation: &ConversationId, reader: &Reader) -> Item {
    key_item(
        keys::reader_pk(tenant, reader.side, &reader.user_id),
        keys::reader_sk(conversation),
    )
}
