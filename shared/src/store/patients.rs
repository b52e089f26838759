//! The patients (pets) registered for customer accounts.

use std::future::Future;

use super::StoreError;
use crate::domain::directory::Patient;

pub trait PatientStore: Send + Sync {
    /// Registers or renames a patient, keeping the first `created_at`.
    fn put_patient(
        &self,
        tenant: &str,
        patient: &Patient,
    ) -> impl Future<Output = Result<Patient, StoreError>> + Send;
    /// Whether there was one. Its thread, if any, stays.
    fn delete_patient(
        &self,
        tenant: &str,
        customer: &str,
        patient: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// The account's patients, in id order (one Query a page).
    fn patients(
        &self,
        tenant: &str,
        customer: &str,
    ) -> impl Future<Output = Result<Vec<Patient>, StoreError>> + Send;
}
