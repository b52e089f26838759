//! The directory: staff, their assignments, and customer contacts.

use crate::domain::ids::{CustomerId, TenantId, UserId};
use std::future::Future;

use super::StoreError;
use crate::domain::directory::{Assignment, Contact, StaffProfile};

/// What a basic staff member may open.
#[derive(Debug, Clone, Default)]
pub struct StaffReach {
    /// Whether the person has a profile: without one they reach nothing.
    pub profile: bool,
    pub assignments: Vec<Assignment>,
    /// Order conversations they take part in.
    pub orders: Vec<crate::domain::ConversationId>,
}

/// Staff profiles, basic-staff assignments and customer contacts.
pub trait DirectoryStore: Send + Sync {
    /// Creates or replaces a profile, keeping the first `created_at`.
    fn put_staff(
        &self,
        tenant: &TenantId,
        profile: &StaffProfile,
    ) -> impl Future<Output = Result<StaffProfile, StoreError>> + Send;
    /// The profile and the person's assignments, in one request.
    fn staff(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> impl Future<Output = Result<Option<(StaffProfile, Vec<Assignment>)>, StoreError>> + Send;
    /// Which of these people have a staff profile (one BatchGetItem per 100).
    fn staff_with_profiles(
        &self,
        tenant: &TenantId,
        users: &[UserId],
    ) -> impl Future<Output = Result<std::collections::HashSet<String>, StoreError>> + Send;
    /// Removes the profile and every assignment of the person; false if there was none.
    fn delete_staff(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// One request: what a basic staff member may open: the customer accounts assigned
    /// to them (expired ones included) and the order conversations they take part in.
    fn reach_of(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> impl Future<Output = Result<StaffReach, StoreError>> + Send;
    /// One request: the assignment of one customer to one person.
    fn assignment(
        &self,
        tenant: &TenantId,
        user: &UserId,
        customer: &CustomerId,
    ) -> impl Future<Output = Result<Option<Assignment>, StoreError>> + Send;
    /// Creates or replaces an assignment; `NotFound` when the person has no profile.
    fn put_assignment(
        &self,
        tenant: &TenantId,
        assignment: &Assignment,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn delete_assignment(
        &self,
        tenant: &TenantId,
        user: &UserId,
        customer: &CustomerId,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Whether the account has a contact in the directory or a conversation.
    fn customer_known(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Creates or replaces a contact, keeping the first `created_at`; a phone number
    /// another contact of the tenant holds is a `Conflict`.
    fn put_contact(
        &self,
        tenant: &TenantId,
        contact: &Contact,
    ) -> impl Future<Output = Result<Contact, StoreError>> + Send;
    fn contact(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
        contact: &UserId,
    ) -> impl Future<Output = Result<Option<Contact>, StoreError>> + Send;
    fn delete_contact(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
        contact: &UserId,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}
