//! The patients (pets) registered for customer accounts.

use crate::domain::ids::{CustomerId, PatientId, TenantId};
use std::future::Future;

use super::StoreError;
use crate::domain::directory::Patient;

pub trait PatientStore: Send + Sync {
    /// Registers or renames a patient, keeping the first `created_at`.
    fn put_patient(
        &self,
        tenant: &TenantId,
        patient: &Patient,
    ) -> impl Future<Output = Result<Patient, StoreError>> + Send;
    /// Whether there was one. Its thread, if any, stays.
    fn delete_patient(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
        patient: &PatientId,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// The account's patients, in id order (one Query a page).
    fn patients(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
    ) -> impl Future<Output = Result<Vec<Patient>, StoreError>> + Send;
}
