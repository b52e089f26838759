//! The directory search index on the table: the entries a contact's or patient's
//! transaction puts and deletes, its Query, and its removal (design in
//! `keys/directory.rs`).

use std::collections::BTreeSet;

use crate::domain::ids::{CustomerId, PatientId, TenantId, UserId};
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem};

use super::expr::UpdateExpr;
use super::item::{classify, from_item, get_n, get_s, internal, keyed_item, n, s, Item};
use super::transaction::{Part, TransactFailure, Transaction};
use super::DynamoStore;
use crate::domain::directory::{Contact, Patient};
use crate::domain::search::{contact_terms, patient_terms, PersonKind, Term};
use crate::store::keys::{self, PK, SK};
use crate::store::{SearchEntry, SearchPage, SearchStore, StoreError};

/// The attribute of a contact's or patient's item listing the tokens its entries were
/// written under.
pub(super) const TOKENS: &str = "search_tokens";

/// Whom entries name.
#[derive(Debug, Clone, Copy)]
pub(super) struct Person<'a> {
    pub customer: &'a str,
    pub kind: PersonKind,
    pub id: &'a str,
}

/// What a person is indexed with: their display name and terms.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Indexed {
    pub name: String,
    pub terms: Vec<Term>,
}

impl Indexed {
    pub(super) fn contact(contact: &Contact) -> Self {
        Indexed {
            name: contact.name.clone(),
            terms: contact_terms(
                &contact.name,
                contact.email.as_deref(),
                contact.phone.as_deref(),
            ),
        }
    }

    pub(super) fn patient(patient: &Patient) -> Self {
        Indexed {
            name: patient.name.clone(),
            terms: patient_terms(&patient.name),
        }
    }

    /// The value of [`TOKENS`] for an item indexed so.
    pub(super) fn tokens_attribute(&self) -> AttributeValue {
        AttributeValue::L(self.terms.iter().map(|t| s(&t.token)).collect())
    }

    /// How a person's item, as stored, is indexed now; `None` for an item that is not
    /// one of `kind`.
    fn of_item(kind: PersonKind, item: &Item) -> Option<Self> {
        match kind {
            PersonKind::Contact => from_item::<Contact>(item).ok().map(|c| Self::contact(&c)),
            PersonKind::Patient => from_item::<Patient>(item).ok().map(|p| Self::patient(&p)),
        }
    }
}

/// The tokens an item's entries were written under.
pub(super) fn stored_tokens(item: &Item) -> Vec<String> {
    item.get(TOKENS)
        .and_then(|v| v.as_l().ok())
        .map(|list| list.iter().filter_map(|v| v.as_s().ok().cloned()).collect())
        .unwrap_or_default()
}

/// The condition that a person's item is still the one read (or still absent); items
/// written before they carried a version have none.
pub(super) fn unchanged(current: Option<&Item>) -> (String, Option<AttributeValue>) {
    match current {
        None => (format!("attribute_not_exists({PK})"), None),
        Some(item) if item.contains_key("version") => {
            ("version = :version".into(), Some(n(get_n(item, "version"))))
        }
        Some(_) => ("attribute_not_exists(version)".into(), None),
    }
}

impl DynamoStore {
    fn entry_put(
        &self,
        tenant: &str,
        person: Person,
        name: &str,
        term: &Term,
    ) -> Result<TransactWriteItem, StoreError> {
        let entry = self.entry(person, name, term);
        let item = keyed_item(
            keys::search_pk(tenant, &term.token),
            keys::search_sk(&term.token, person.customer, person.kind, person.id),
            &entry,
        )?;
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .build()
            .map_err(internal)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    fn entry_delete(
        &self,
        tenant: &str,
        person: Person,
        token: &str,
    ) -> Result<TransactWriteItem, StoreError> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .key(PK, s(keys::search_pk(tenant, token)))
            .key(
                SK,
                s(keys::search_sk(
                    token,
                    person.customer,
                    person.kind,
                    person.id,
                )),
            )
            .build()
            .map_err(internal)?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    /// The index writes that take a person from their item as stored (`current`) to
    /// `new`: entries of tokens they no longer have deleted, entries that are new or
    /// whose content (name, field, value) changed put; nothing for what stays.
    pub(super) fn index_changes(
        &self,
        tenant: &str,
        person: Person,
        current: Option<&Item>,
        new: &Indexed,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let old_tokens = current.map(stored_tokens).unwrap_or_default();
        let old = current.and_then(|item| Indexed::of_item(person.kind, item));
        let mut writes = Vec::new();
        for token in &old_tokens {
            if !new.terms.iter().any(|t| &t.token == token) {
                writes.push(self.entry_delete(tenant, person, token)?);
            }
        }
        for term in &new.terms {
            let unchanged = old_tokens.contains(&term.token)
                && old
                    .as_ref()
                    .is_some_and(|o| o.name == new.name && o.terms.contains(term));
            if !unchanged {
                writes.push(self.entry_put(tenant, person, &new.name, term)?);
            }
        }
        Ok(writes)
    }

    /// Deletes of every entry naming the person: the tokens the item lists, and those
    /// its fields give now (in case an older folding wrote others).
    pub(super) fn index_removal(
        &self,
        tenant: &str,
        person: Person,
        current: &Item,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let mut tokens: BTreeSet<String> = stored_tokens(current).into_iter().collect();
        if let Some(now) = Indexed::of_item(person.kind, current) {
            tokens.extend(now.terms.into_iter().map(|t| t.token));
        }
        tokens
            .iter()
            .map(|token| self.entry_delete(tenant, person, token))
            .collect()
    }

    /// [`SearchStore::unindex_contact`] and [`SearchStore::unindex_patient`]: the
    /// entries deleted and the item's token list removed, in one transaction conditional
    /// on the item being as read.
    async fn unindex(&self, tenant: &str, person: Person<'_>) -> Result<usize, StoreError> {
        const ATTEMPTS: u32 = 3;
        let pk = keys::customer_pk(tenant, person.customer);
        let sk = match person.kind {
            PersonKind::Contact => keys::contact_sk(person.id),
            PersonKind::Patient => keys::patient_sk(person.id),
        };
        for _ in 0..ATTEMPTS {
            let Some(current) = self.get_item(pk.clone(), &sk).await? else {
                return Ok(0);
            };
            let deletes = self.index_removal(tenant, person, &current)?;
            let count = deletes.len();
            let (condition, version) = unchanged(Some(&current));
            let mut clear = UpdateExpr::new()
                .remove("#tokens")
                .name("#tokens", TOKENS)
                .condition(condition);
            if let Some(version) = version {
                clear = clear.value(":version", version);
            }
            let part = match person.kind {
                PersonKind::Contact => Part::Contact,
                PersonKind::Patient => Part::Patient,
            };
            let mut items = Transaction::new().with(
                part,
                TransactWriteItem::builder()
                    .update(self.update(pk.clone(), sk.clone(), &clear)?)
                    .build(),
            );
            items.extend(Part::SearchIndex, deletes);
            match self.transact_retrying(items).await {
                Ok(()) => return Ok(count),
                Err(TransactFailure::Store(err)) => return Err(err),
                Err(TransactFailure::Cancelled(c)) if c.failed(part) => {}
                Err(TransactFailure::Cancelled(c)) => return Err(c.unavailable()),
            }
        }
        Err(StoreError::Unavailable(
            "the person changed concurrently".into(),
        ))
    }
}

impl DynamoStore {
    /// The search entries a new contact's transaction puts, as items: for loading a
    /// directory in bulk (BatchWriteItem, as the capacity tests seed 30,000 accounts),
    /// where the contact items are written with [`Indexed`]'s `search_tokens` too.
    pub fn contact_search_items(
        &self,
        tenant: &str,
        contact: &Contact,
    ) -> Result<Vec<std::collections::HashMap<String, AttributeValue>>, StoreError> {
        let indexed = Indexed::contact(contact);
        let person = Person {
            customer: &contact.customer_id,
            kind: PersonKind::Contact,
            id: &contact.contact_id,
        };
        indexed
            .terms
            .iter()
            .map(|term| {
                let entry = self.entry(person, &indexed.name, term);
                keyed_item(
                    keys::search_pk(tenant, &term.token),
                    keys::search_sk(&term.token, person.customer, person.kind, person.id),
                    &entry,
                )
            })
            .collect()
    }

    fn entry(&self, person: Person, name: &str, term: &Term) -> SearchEntry {
        SearchEntry {
            token: term.token.clone(),
            customer_id: person.customer.to_owned(),
            kind: person.kind,
            id: person.id.to_owned(),
            name: name.to_owned(),
            field: term.field,
            value: term.value.clone(),
        }
    }
}

/// An index item as an entry, its token from its sort key.
fn entry_of(item: &Item) -> Result<(String, SearchEntry), StoreError> {
    let sk = get_s(item, SK).unwrap_or_default().to_owned();
    let mut entry = from_item::<SearchEntry>(item)?;
    entry.token = keys::token_of_search_sk(&sk).to_owned();
    Ok((sk, entry))
}

impl SearchStore for DynamoStore {
    async fn search_index(
        &self,
        tenant: &TenantId,
        token: &str,
        after: Option<&str>,
        max: usize,
    ) -> Result<SearchPage, StoreError> {
        let pk = keys::search_pk(tenant, token);
        let start = after.map(|sk| super::key_item(pk.clone(), sk));
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :token)")
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":token", s(token))
            .set_exclusive_start_key(start)
            .limit(i32::try_from(max.max(1)).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(classify)?;
        let entries = output
            .items
            .unwrap_or_default()
            .iter()
            .map(entry_of)
            .collect::<Result<Vec<_>, _>>()?;
        let more = output.last_evaluated_key.is_some_and(|key| !key.is_empty());
        Ok(SearchPage { entries, more })
    }

    async fn account_entries(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
    ) -> Result<Vec<SearchEntry>, StoreError> {
        // Contacts (`CONTACT#`) sort before patients (`PATIENT#`); `$` follows `#`.
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND sk BETWEEN :from AND :to")
            .expression_attribute_values(":pk", s(keys::customer_pk(tenant, customer)))
            .expression_attribute_values(":from", s(keys::CONTACT_SK_PREFIX))
            .expression_attribute_values(":to", s("PATIENT$"));
        let mut entries = Vec::new();
        for item in self.query_all(query).await? {
            let sk = get_s(&item, SK).unwrap_or_default();
            let (kind, id, indexed) = if sk.starts_with(keys::CONTACT_SK_PREFIX) {
                let contact = from_item::<Contact>(&item)?;
                let indexed = Indexed::contact(&contact);
                (PersonKind::Contact, contact.contact_id, indexed)
            } else if sk.starts_with(keys::PATIENT_SK_PREFIX) {
                let patient = from_item::<Patient>(&item)?;
                let indexed = Indexed::patient(&patient);
                (PersonKind::Patient, patient.patient_id, indexed)
            } else {
                continue;
            };
            entries.extend(indexed.terms.into_iter().map(|term| SearchEntry {
                token: term.token,
                customer_id: customer.to_string(),
                kind,
                id: id.clone(),
                name: indexed.name.clone(),
                field: term.field,
                value: term.value,
            }));
        }
        Ok(entries)
    }

    async fn unindex_contact(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
        contact: &UserId,
    ) -> Result<usize, StoreError> {
        let person = Person {
            customer,
            kind: PersonKind::Contact,
            id: contact,
        };
        self.unindex(tenant, person).await
    }

    async fn unindex_patient(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
        patient: &PatientId,
    ) -> Result<usize, StoreError> {
        let person = Person {
            customer,
            kind: PersonKind::Patient,
            id: patient,
        };
        self.unindex(tenant, person).await
    }
}
