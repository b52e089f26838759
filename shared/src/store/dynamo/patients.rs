//! Patients beside their account's contacts, and the check a new patient thread makes.

use crate::domain::ids::{CustomerId, PatientId, TenantId};
use aws_sdk_dynamodb::types::{ConditionCheck, ReturnValue, TransactWriteItem};

use super::expr::UpdateExpr;
use super::item::{classify, from_item, internal, s};
use super::DynamoStore;
use crate::domain::directory::Patient;
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

impl PatientStore for DynamoStore {
    async fn put_patient(
        &self,
        tenant: &TenantId,
        patient: &Patient,
    ) -> Result<Patient, StoreError> {
        let put = UpdateExpr::new()
            .set("#name = :name")
            .set("customer_id = :customer")
            .set("patient_id = :patient")
            .set("updated_at = :now")
            .set("created_at = if_not_exists(created_at, :now)")
            .name("#name", "name")
            .value(":name", s(&patient.name))
            .value(":customer", s(&patient.customer_id))
            .value(":patient", s(&patient.patient_id))
            .value(":now", s(&patient.updated_at));
        let output = self
            .update_item(
                keys::customer_pk(tenant, &patient.customer_id),
                keys::patient_sk(&patient.patient_id),
                &put,
            )
            .return_values(ReturnValue::AllNew)
            .send()
            .await
            .map_err(classify)?;
        from_item::<Patient>(&output.attributes.unwrap_or_default())
    }

    async fn delete_patient(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
        patient: &PatientId,
    ) -> Result<bool, StoreError> {
        let output = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(PK, s(keys::customer_pk(tenant, customer)))
            .key(SK, s(keys::patient_sk(patient)))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(classify)?;
        Ok(output.attributes.is_some_and(|item| !item.is_empty()))
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
