//! The directory search index: entries that find contacts and patients by a prefix of
//! their names, email or phone (design and costs in `keys/directory.rs`). Contact and
//! patient writes keep it exact in their own transactions; these are its reads and the
//! removal an erasure calls.

use crate::domain::ids::{CustomerId, PatientId, TenantId, UserId};
use crate::domain::search::{Field, PersonKind};
use serde::{Deserialize, Serialize};
use std::future::Future;

use super::StoreError;

/// One way to find one person, as the index holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchEntry {
    /// The folded token (from the sort key; not stored apart).
    #[serde(skip)]
    pub token: String,
    pub customer_id: String,
    pub kind: PersonKind,
    pub id: String,
    /// The person's display name.
    pub name: String,
    pub field: Field,
    /// What the token was taken from (the name, the email address, the phone number).
    pub value: String,
}

/// A page of the index: entries in token order, each with the position a next page
/// starts after.
#[derive(Debug, Clone, Default)]
pub struct SearchPage {
    pub entries: Vec<(String, SearchEntry)>,
    /// Whether the index may hold more matches after the last entry.
    pub more: bool,
}

pub trait SearchStore: Send + Sync {
    /// One eventually consistent Query: up to `max` entries whose token begins with
    /// `token` (a query token: at least two characters), after the position `after`.
    fn search_index(
        &self,
        tenant: &TenantId,
        token: &str,
        after: Option<&str>,
        max: usize,
    ) -> impl Future<Output = Result<SearchPage, StoreError>> + Send;
    /// One Query of the account: the entries its contacts and patients would have in the
    /// index (for a basic staff member's search over their own accounts).
    fn account_entries(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
    ) -> impl Future<Output = Result<Vec<SearchEntry>, StoreError>> + Send;
    /// Removes every index entry naming the contact (the contact stays, unfound until it
    /// is written again); how many tokens it had, 0 when there is no such contact.
    fn unindex_contact(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
        contact: &UserId,
    ) -> impl Future<Output = Result<usize, StoreError>> + Send;
    /// [`Self::unindex_contact`] for a patient.
    fn unindex_patient(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
        patient: &PatientId,
    ) -> impl Future<Output = Result<usize, StoreError>> + Send;
}
