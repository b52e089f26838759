//! Patients beside their account's contacts (versioned like contacts, with their search
//! entries in the same transaction), and the check a new patient thread makes.

use crate::domain::ids::{CustomerId, PatientId, TenantId};
use aws_sdk_dynamodb::types::{ConditionCheck, Delete, Put, TransactWriteItem};

use super::item::{from_item, get_n, get_s, internal, keyed_item, n, s, Item};
use super::search::{unchanged, Indexed, Person, TOKENS};
use super::transaction::{Part, TransactFailure, Transaction};
use super::DynamoStore;
use crate::domain::directory::Patient;
use crate::domain::search::PersonKind;
use crate::domain::ConversationId;
use crate::store::keys::{self, PK, SK};
use crate::store::{PatientStore, StoreError};

impl DynamoStore {
    /// The condition a patient thread's first message is written under: the patient is
    /// registered for the account.
    pub(super) fn patient_registered(
        &self,
        tenant: &str,
        conversation: &ConversationId,
    ) -> Result<TransactWriteItem, StoreError> {
        let patient = conversation.subject.patient_id().map_or("", |p| p.as_str());
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .key(PK, s(keys::customer_pk(tenant, &conversation.customer_id)))
            .key(SK, s(keys::patient_sk(patient)))
            .condition_expression(format!("attribute_exists({PK})"))
            .build()
            .map_err(internal)?;
        Ok(TransactWriteItem::builder().condition_check(check).build())
    }
}

/// A patient is read and written again this many times while others change it.
const PATIENT_WRITE_ATTEMPTS: u32 = 3;

impl DynamoStore {
    /// The patient's item with its search entries' changes, conditional on the item
    /// being as read (`current`).
    fn patient_writes(
        &self,
        tenant: &str,
        stored: &Patient,
        current: Option<&Item>,
    ) -> Result<Transaction, StoreError> {
        let (condition, expected) = unchanged(current);
        let mut item = keyed_item(
            keys::customer_pk(tenant, &stored.customer_id),
            keys::patient_sk(&stored.patient_id),
            stored,
        )?;
        item.insert(
            "version".into(),
            n(current.map_or(0, |c| get_n(c, "version")) + 1),
        );
        let indexed = Indexed::patient(stored);
        item.insert(TOKENS.into(), indexed.tokens_attribute());
        let mut put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition);
        if let Some(version) = expected {
            put = put.expression_attribute_values(":version", version);
        }
        let mut items = Transaction::new().with(
            Part::Patient,
            TransactWriteItem::builder()
                .put(put.build().map_err(internal)?)
                .build(),
        );
        let person = Person {
            customer: &stored.customer_id,
            kind: PersonKind::Patient,
            id: &stored.patient_id,
        };
        items.extend(
            Part::SearchIndex,
            self.index_changes(tenant, person, current, &indexed)?,
        );
        Ok(items)
    }
}

fn changed_concurrently() -> StoreError {
    StoreError::Unavailable("patient changed concurrently".into())
}

impl PatientStore for DynamoStore {
    async fn put_patient(
        &self,
        tenant: &TenantId,
        patient: &Patient,
    ) -> Result<Patient, StoreError> {
        let sk = keys::patient_sk(&patient.patient_id);
        for _ in 0..PATIENT_WRITE_ATTEMPTS {
            let pk = keys::customer_pk(tenant, &patient.customer_id);
            let current = self.get_item(pk, &sk).await?;
            let mut stored = patient.clone();
            if let Some(created) = current.as_ref().and_then(|c| get_s(c, "created_at")) {
                stored.created_at = created.to_owned();
            }
            let items = self.patient_writes(tenant, &stored, current.as_ref())?;
            match self.transact_retrying(items).await {
                Ok(()) => return Ok(stored),
                Err(TransactFailure::Store(err)) => return Err(err),
                Err(TransactFailure::Cancelled(c)) if c.failed(Part::Patient) => {}
                Err(TransactFailure::Cancelled(c)) => return Err(c.unavailable()),
            }
        }
        Err(changed_concurrently())
    }

    async fn delete_patient(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
        patient: &PatientId,
    ) -> Result<bool, StoreError> {
        let (pk, sk) = (
            keys::customer_pk(tenant, customer),
            keys::patient_sk(patient),
        );
        for _ in 0..PATIENT_WRITE_ATTEMPTS {
            let Some(current) = self.get_item(pk.clone(), &sk).await? else {
                return Ok(false);
            };
            let (condition, version) = unchanged(Some(&current));
            let mut delete = Delete::builder()
                .table_name(&self.table)
                .key(PK, s(pk.clone()))
                .key(SK, s(sk.clone()))
                .condition_expression(condition);
            if let Some(version) = version {
                delete = delete.expression_attribute_values(":version", version);
            }
            let person = Person {
                customer,
                kind: PersonKind::Patient,
                id: patient,
            };
            let mut items = Transaction::new().with(
                Part::Patient,
                TransactWriteItem::builder()
                    .delete(delete.build().map_err(internal)?)
                    .build(),
            );
            items.extend(
                Part::SearchIndex,
                self.index_removal(tenant, person, &current)?,
            );
            match self.transact_retrying(items).await {
                Ok(()) => return Ok(true),
                Err(TransactFailure::Store(err)) => return Err(err),
                Err(TransactFailure::Cancelled(c)) if c.failed(Part::Patient) => {}
                Err(TransactFailure::Cancelled(c)) => return Err(c.unavailable()),
            }
        }
        Err(changed_concurrently())
    }

    async fn patients(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
    ) -> Result<Vec<Patient>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :patients)")
            .expression_attribute_values(":pk", s(keys::customer_pk(tenant, customer)))
            .expression_attribute_values(":patients", s(keys::PATIENT_SK_PREFIX));
        self.query_all(query)
            .await?
            .iter()
            .map(from_item::<Patient>)
            .collect()
    }
}
