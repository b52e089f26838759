//! Contacts on the table: the contact item (versioned, so concurrent edits never undo
//! each other) and the phone claims that keep a number to one contact per tenant.

use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem};

use super::directory::{get_bool, text};
use super::item::{get_n, get_s, internal, n, required, s, Item};
use super::DynamoStore;
use crate::domain::directory::Contact;
use crate::store::keys::{self, PHONE_SK, PK, SK};
use crate::store::StoreError;

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
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let old_phone = current.and_then(|c| get_s(c, "phone")).map(str::to_owned);
        let (condition, version) = Self::unchanged_since(current);
        let mut item = Item::from([
            (
                PK.to_owned(),
                s(keys::customer_pk(tenant, &stored.customer_id)),
            ),
            (SK.to_owned(), s(keys::contact_sk(&stored.contact_id))),
            ("customer_id".to_owned(), s(&stored.customer_id)),
            ("contact_id".to_owned(), s(&stored.contact_id)),
            ("name".to_owned(), s(&stored.name)),
            (
                "email_opt_in".to_owned(),
                AttributeValue::Bool(stored.email_opt_in),
            ),
            (
                "sms_opt_in".to_owned(),
                AttributeValue::Bool(stored.sms_opt_in),
            ),
            ("created_at".to_owned(), s(&stored.created_at)),
            ("updated_at".to_owned(), s(&stored.updated_at)),
            (
                "version".to_owned(),
                n(current.map_or(0, |c| get_n(c, "version")) + 1),
            ),
        ]);
        if let Some(email) = &stored.email {
            item.insert("email".into(), s(email));
        }
        if let Some(phone) = &stored.phone {
            item.insert("phone".into(), s(phone));
        }
        let mut put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition);
        if let Some(version) = version {
            put = put.expression_attribute_values(":version", version);
        }
        let mut items = vec![TransactWriteItem::builder()
            .put(put.build().map_err(internal)?)
            .build()];
        // The claim is rewritten with every change: it carries the name inbound texts
        // are shown under.
        if let Some(phone) = &stored.phone {
            let claim = Put::builder()
                .table_name(&self.table)
                .item(PK, s(keys::phone_pk(tenant, phone)))
                .item(SK, s(PHONE_SK))
                .item("customer_id", s(&stored.customer_id))
                .item("contact_id", s(&stored.contact_id))
                .item("name", s(&stored.name))
                .condition_expression(format!(
                    "attribute_not_exists({PK}) OR (customer_id = :customer AND contact_id = :contact)"
                ))
                .expression_attribute_values(":customer", s(&stored.customer_id))
                .expression_attribute_values(":contact", s(&stored.contact_id))
                .build()
                .map_err(internal)?;
            items.push(TransactWriteItem::builder().put(claim).build());
        }
        if let Some(old) = old_phone
            .as_ref()
            .filter(|old| stored.phone.as_ref() != Some(*old))
        {
            items.push(self.phone_claim_delete(tenant, old, stored)?);
        }
        Ok(items)
    }
}

pub(super) fn contact_from_item(item: &Item) -> Result<Contact, StoreError> {
    Ok(Contact {
        customer_id: required(item, "customer_id")?.to_owned(),
        contact_id: required(item, "contact_id")?.to_owned(),
        name: required(item, "name")?.to_owned(),
        email: text(item, "email"),
        phone: text(item, "phone"),
        email_opt_in: get_bool(item, "email_opt_in"),
        sms_opt_in: get_bool(item, "sms_opt_in"),
        created_at: text(item, "created_at").unwrap_or_default(),
        updated_at: text(item, "updated_at").unwrap_or_default(),
    })
}
