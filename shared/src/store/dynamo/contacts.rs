//! Contacts on the table: the contact item (versioned, so concurrent edits never undo
//! each other) and the phone claims that keep a number to one contact per tenant.

use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem};

use super::item::{from_item, get_n, get_s, internal, keyed_item, n, s, Item};
use super::search::{Indexed, Person, TOKENS};
use super::transaction::{Part, TransactFailure, Transaction};
use super::DynamoStore;
use crate::domain::directory::Contact;
use crate::domain::search::PersonKind;
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
    /// texts are shown under), the release of a phone it no longer has, and its search
    /// entries' changes.
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
        let indexed = Indexed::contact(stored);
        item.insert(TOKENS.into(), indexed.tokens_attribute());
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
        let person = Person {
            customer: &stored.customer_id,
            kind: PersonKind::Contact,
            id: &stored.contact_id,
        };
        items.extend(
            Part::SearchIndex,
            self.index_changes(tenant, person, current, &indexed)?,
        );
        Ok(items)
    }
}

/// A contact is read and written again this many times while others change it.
const CONTACT_WRITE_ATTEMPTS: u32 = 3;

impl DynamoStore {
    /// [`crate::store::DirectoryStore::put_contact`].
    pub(super) async fn store_contact(
        &self,
        tenant: &str,
        contact: &Contact,
    ) -> Result<Contact, StoreError> {
        for _ in 0..CONTACT_WRITE_ATTEMPTS {
            let current = self
                .contact_item(tenant, &contact.customer_id, &contact.contact_id)
                .await?;
            let mut stored = contact.clone();
            if let Some(created) = current.as_ref().and_then(|c| get_s(c, "created_at")) {
                stored.created_at = created.to_owned();
            }
            let items = self.contact_writes(tenant, &stored, current.as_ref())?;
            match self.transact(items).await {
                Ok(()) => return Ok(stored),
                Err(TransactFailure::Store(err)) => return Err(err),
                Err(TransactFailure::Cancelled(c)) => {
                    if c.failed(Part::PhoneClaim) {
                        return Err(StoreError::Conflict {
                            code: "phone_in_use",
                            message: "another contact of this business has that phone number"
                                .into(),
                        });
                    }
                    if !c.failed(Part::Contact) {
                        return Err(c.unavailable());
                    }
                    // Someone else changed the contact since it was read: read it again.
                }
            }
        }
        Err(StoreError::Unavailable(
            "contact changed concurrently".into(),
        ))
    }

    /// [`crate::store::DirectoryStore::delete_contact`].
    pub(super) async fn remove_contact(
        &self,
        tenant: &str,
        customer: &str,
        contact: &str,
    ) -> Result<bool, StoreError> {
        for _ in 0..CONTACT_WRITE_ATTEMPTS {
            let Some(current) = self.contact_item(tenant, customer, contact).await? else {
                return Ok(false);
            };
            let stored = from_item::<Contact>(&current)?;
            let (condition, version) = Self::unchanged_since(Some(&current));
            let mut delete = Delete::builder()
                .table_name(&self.table)
                .key(PK, s(keys::customer_pk(tenant, customer)))
                .key(SK, s(keys::contact_sk(contact)))
                .condition_expression(condition);
            if let Some(version) = version {
                delete = delete.expression_attribute_values(":version", version);
            }
            let mut items = Transaction::new().with(
                Part::Contact,
                TransactWriteItem::builder()
                    .delete(delete.build().map_err(internal)?)
                    .build(),
            );
            if let Some(phone) = &stored.phone {
                items.push(
                    Part::PhoneClaim,
                    self.phone_claim_delete(tenant, phone, &stored)?,
                );
            }
            let person = Person {
                customer,
                kind: PersonKind::Contact,
                id: contact,
            };
            items.extend(
                Part::SearchIndex,
                self.index_removal(tenant, person, &current)?,
            );
            match self.transact(items).await {
                Ok(()) => return Ok(true),
                Err(TransactFailure::Store(err)) => return Err(err),
                Err(TransactFailure::Cancelled(c)) if c.failed(Part::Contact) => {}
                Err(TransactFailure::Cancelled(c)) => return Err(c.unavailable()),
            }
        }
        Err(StoreError::Unavailable(
            "contact changed concurrently".into(),
        ))
    }
}
