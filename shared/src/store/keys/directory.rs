//! Keys of the directory: staff profiles, their assignments and parts in orders, customer
//! accounts with their contacts and patients, phone claims.

use crate::domain::ConversationId;

pub const PROFILE_SK: &str = "PROFILE";

pub const ASSIGN_SK_PREFIX: &str = "ASSIGN#";

/// A staff member's part in an order conversation (`PART#{conversation id}`).
pub const PART_SK_PREFIX: &str = "PART#";

pub const ASSIGNED_SK_PREFIX: &str = "ASSIGNED#";

pub const CONTACT_SK_PREFIX: &str = "CONTACT#";

/// Sorts after contacts and assignments: the account's directory Query stops before it.
pub const PATIENT_SK_PREFIX: &str = "PATIENT#";

pub const PHONE_SK: &str = "PHONE";

pub fn staff_pk(tenant: &str, user: &str) -> String {
    format!("T#{tenant}#STAFF#{user}")
}

pub fn staff_directory_pk(tenant: &str) -> String {
    format!("T#{tenant}#STAFFDIR")
}

/// Basic staff (a marketplace's vendors: thousands) are listed apart, so that who reaches
/// every conversation is read without them.
pub fn basic_staff_directory_pk(tenant: &str) -> String {
    format!("T#{tenant}#STAFFDIR#BASIC")
}

/// The directory partition a profile of `role` is listed in.
pub fn directory_pk_for(tenant: &str, role: crate::domain::Role) -> String {
    match role {
        crate::domain::Role::BasicStaff => basic_staff_directory_pk(tenant),
        _ => staff_directory_pk(tenant),
    }
}

pub fn part_sk(conversation: &ConversationId) -> String {
    format!("{PART_SK_PREFIX}{}", conversation.encode())
}

pub fn assign_sk(customer: &str) -> String {
    format!("{ASSIGN_SK_PREFIX}{customer}")
}

pub fn customer_pk(tenant: &str, customer: &str) -> String {
    format!("T#{tenant}#CU#{customer}")
}

pub fn assigned_sk(user: &str) -> String {
    format!("{ASSIGNED_SK_PREFIX}{user}")
}

pub fn contact_sk(contact: &str) -> String {
    format!("{CONTACT_SK_PREFIX}{contact}")
}

pub fn patient_sk(patient: &str) -> String {
    format!("{PATIENT_SK_PREFIX}{patient}")
}

pub fn phone_pk(tenant: &str, e164: &str) -> String {
    format!("T#{tenant}#PHONE#{e164}")
}
