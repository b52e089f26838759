//! Contacts on the table: the contact item (versioned, so concurrent edits never undo
//! each other) and the phone claims that keep a number to one contact per tenant.

use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem};

use super::item::{get_n, get_s, internal, keyed_item, n, s, Item};
use super::transaction::{Part, Transaction};
use super::DynamoStore;
use crate::domain::directory::Contact;
use crate::store::keys::{self, PHONE_SK, PK, SK};
use crate::store::{PhoneOwner, StoreError};

impl DynamoStore {
    pub(super) async fn contact_item(
        &self,
        tenant: &str,
        customer: &str,
        contact: &str,
    ) -> Result<Option<Item>, StoreError> {
        self.get_item(
            keys::customer_pk(tenant, customer),
            &keys::contact_sk(contact),
        )
        .await
    }

    /// The condition that the contact item is still the one read (or still absent).
    pub(super) fn unchanged_since(current: Option<&Item>) -> (String, Option<AttributeValue>) {
        match current {
            Some(item) => ("version = :version".into(), Some(n(get_n(item, "version")))),
            None => (format!("attribute_not_exists({PK})"), None),
        }
    }

    pub(super) fn phone_claim_delete(
        &self,
        tenant: &str,
        phone: &str,
        contact: &Contact,
    ) -> Result<TransactWriteItem, StoreError> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .key(PK, s(keys::phone_pk(tenant, phone)))
            .key(SK, s(PHONE_SK))
            .condition_expression(format!(
                "attribute_not_exists({PK}) OR (customer_id = :customer AND contact_id = :contact)"
            ))
            .expression_attribute_values(":customer", s(&contact.customer_id))
            .expression_attribute_values(":contact", s(&contact.contact_id))
            .build()
            .map_err(internal)?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    /// A contact's writes, conditional on the item being as read (`current`): the item,
    /// the claim on its phone (rewritten with every change: it carries the name inbound
    /// texts are shown under), and the release of a phone it no longer has.
    pub(super) fn contact_writes(
        &self,
        tenant: &str,
        stored: &Contact,
        current: Option<&Item>,
    ) -> Result<Transaction, StoreError> {
        let old_phone = current.and_then(|c| get_s(c, "phone")).map(str::to_owned);
        let (condition, expected) = Self::unchanged_since(current);
        let mut item = keyed_item(
            keys::customer_pk(tenant, &stored.customer_id),
            keys::contact_sk(&stored.contact_id),
            stored,
        )?;
        let version = current.map_or(0, |c| get_n(c, "version")) + 1;
        item.insert("version".into(), n(version));
        let mut put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition);
        if let Some(version) = expected {
            put = put.expression_attribute_values(":version", version);
        }
        let mut items = Transaction::new().with(
            Part::Contact,
            TransactWriteItem::builder()
                .put(put.build().map_err(internal)?)
                .build(),
        );
        // The claim is rewritten with every change: it carries the name inbound texts
        // are shown under.
        if let Some(phone) = &stored.phone {
            let owner = PhoneOwner {
                customer_id: stored.customer_id.clone(),
                contact_id: stored.contact_id.clone(),
                name: Some(stored.name.clone()),
            };
            let claim = Put::builder()
                .table_name(&self.table)
                .set_item(Some(keyed_item(keys::phone_pk(tenant, phone), PHONE_SK, &owner)?))
                .condition_expression(format!(
                    "attribute_not_exists({PK}) OR (customer_id = :customer AND contact_id = :contact)"
                ))
                .expression_attribute_values(":customer", s(&stored.customer_id))
                .expression_attribute_values(":contact", s(&stored.contact_id))
                .build()
                .map_err(internal)?;
            items.push(
                Part::PhoneClaim,
                TransactWriteItem::builder().put(claim).build(),
            );
        }
        if let Some(old) = old_phone
            .as_ref()
            .filter(|old| stored.phone.as_ref() != Some(*old))
        {
            items.push(
                Part::PhoneRelease,
                self.phone_claim_delete(tenant, old, stored)?,
            );
        }
        Ok(items)
    }
}
