//! The directory: staff profiles, basic-staff assignments, and the contacts of customer
//! accounts. Notifications and inbound SMS find people here; nothing here performs I/O.
//!
//! A contact's id is the `sub` its JWT carries, and a staff profile's id is the staff
//! member's `sub`: read state and directory entries meet on that id.

use crate::domain::Named;
use serde::{Deserialize, Serialize};

use super::error::DomainError;
use super::principal::Role;
use super::validate::{clean_label, is_valid_e164, is_valid_email};

/// Assignments end at most this far ahead; a longer one is a mistake, not a schedule.
pub const MAX_ASSIGNMENT_DAYS: i64 = 366;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffProfile {
    pub user_id: String,
    pub name: String,
    pub email: Option<String>,
    #[serde(default)]
    pub email_notifications: bool,
    /// Who the person is in the directory: `admin`, `staff` or `basic_staff`. Access
    /// follows the JWT; notifications follow this (basic staff hear only of customers
    /// assigned to them). A profile stored before roles were required has none: it
    /// reaches only what a basic staff member may open.
    #[serde(default = "basic_staff")]
    pub role: Role,
    #[serde(default)]
    pub created_at: String,
    #[serde(default)]
    pub updated_at: String,
}

fn basic_staff() -> Role {
    Role::BasicStaff
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub customer_id: String,
    pub contact_id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[serde(default)]
    pub email_opt_in: bool,
    #[serde(default)]
    pub sms_opt_in: bool,
    #[serde(default)]
    pub created_at: String,
    #[serde(default)]
    pub updated_at: String,
}

/// A pet or patient of a customer account: only registered patients get a thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Patient {
    pub customer_id: String,
    pub patient_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub created_at: String,
    #[serde(default)]
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    pub user_id: String,
    pub customer_id: String,
    /// RFC 3339; absent means until removed.
    pub until: Option<String>,
    #[serde(default)]
    pub assigned_at: String,
    #[serde(default)]
    pub assigned_by: String,
}

impl Assignment {
    pub fn is_active_at(&self, now: jiff::Timestamp) -> bool {
        match &self.until {
            None => true,
            Some(until) => until
                .parse::<jiff::Timestamp>()
                .is_ok_and(|until| until > now),
        }
    }
}

/// The body of `PUT /staff/{user_id}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffProfileInput {
    pub name: String,
    pub email: Option<String>,
    /// Defaults to on when an email address is given.
    pub email_notifications: Option<bool>,
    /// Required: who is notified of what follows the role, and guessing it would give
    /// someone more than their sign-in allows.
    pub role: Option<String>,
}

/// The body of `PUT /customers/{customer_id}/contacts/{contact_id}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Defaults to on when an email address is given.
    pub email_opt_in: Option<bool>,
    /// Defaults to off: texting needs the person's explicit consent.
    pub sms_opt_in: Option<bool>,
}

/// The body of `PUT /staff/{user_id}/assignments/{customer_id}` (it may be empty).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignmentInput {
    pub until: Option<String>,
}

fn invalid(field: &str, message: &str) -> DomainError {
    DomainError::invalid("invalid_field", format!("{field} {message}"))
}

fn optional_email(field: &str, value: Option<String>) -> Result<Option<String>, DomainError> {
    let Some(value) = value else { return Ok(None) };
    let value = value.trim().to_owned();
    if !is_valid_email(&value) {
        return Err(invalid(field, "must be an email address"));
    }
    Ok(Some(value))
}

fn name(value: &str) -> Result<String, DomainError> {
    clean_label(value, 200).ok_or_else(|| invalid("name", "must be 1-200 characters"))
}

impl StaffProfileInput {
    /// The profile this body describes; `now` becomes `updated_at` (and `created_at` of a
    /// new profile, which the store keeps from the first write).
    pub fn into_profile(self, user_id: &str, now: &str) -> Result<StaffProfile, DomainError> {
        let name = name(&self.name)?;
        let email = optional_email("email", self.email)?;
        let email_notifications = self.email_notifications.unwrap_or(email.is_some());
        if email_notifications && email.is_none() {
            return Err(invalid(
                "email_notifications",
                "needs an email address to send to",
            ));
        }
        let role = match self.role.as_deref().map(Role::parse) {
            Some(Some(role @ (Role::Admin | Role::Staff | Role::BasicStaff))) => role,
            _ => return Err(invalid("role", "must be admin, staff or basic_staff")),
        };
        Ok(StaffProfile {
            user_id: user_id.to_owned(),
            name,
            email,
            email_notifications,
            role,
            created_at: now.to_owned(),
            updated_at: now.to_owned(),
        })
    }
}

impl ContactInput {
    pub fn into_contact(
        self,
        customer_id: &str,
        contact_id: &str,
        now: &str,
    ) -> Result<Contact, DomainError> {
        let name = name(&self.name)?;
        let email = optional_email("email", self.email)?;
        let phone = match self.phone {
            None => None,
            Some(phone) if is_valid_e164(phone.trim()) => Some(phone.trim().to_owned()),
            Some(_) => return Err(invalid("phone", "must be in E.164 form, e.g. +15551234567")),
        };
        let email_opt_in = self.email_opt_in.unwrap_or(email.is_some());
        if email_opt_in && email.is_none() {
            return Err(invalid("email_opt_in", "needs an email address"));
        }
        let sms_opt_in = self.sms_opt_in.unwrap_or(false);
        if sms_opt_in && phone.is_none() {
            return Err(invalid("sms_opt_in", "needs a phone number"));
        }
        Ok(Contact {
            customer_id: customer_id.to_owned(),
            contact_id: contact_id.to_owned(),
            name,
            email,
            phone,
            email_opt_in,
            sms_opt_in,
            created_at: now.to_owned(),
            updated_at: now.to_owned(),
        })
    }
}

impl AssignmentInput {
    /// `until` must lie ahead of `now`, and not absurdly far.
    pub fn until(&self, now: jiff::Timestamp) -> Result<Option<String>, DomainError> {
        let Some(until) = &self.until else {
            return Ok(None);
        };
        let until: jiff::Timestamp = until.parse().map_err(|_| {
            invalid(
                "until",
                "must be an RFC 3339 time, e.g. 2026-05-01T18:00:00Z",
            )
        })?;
        if until <= now {
            return Err(invalid("until", "must be in the future"));
        }
        let latest = now + jiff::SignedDuration::from_hours(24 * MAX_ASSIGNMENT_DAYS);
        if until > latest {
            return Err(invalid(
                "until",
                &format!("must be within {MAX_ASSIGNMENT_DAYS} days"),
            ));
        }
        Ok(Some(super::format_timestamp(until)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(
        email: Option<&str>,
        notifications: Option<bool>,
        role: Option<&str>,
    ) -> StaffProfileInput {
        StaffProfileInput {
            name: "Dr. Ada".into(),
            email: email.map(str::to_owned),
            email_notifications: notifications,
            role: role.map(str::to_owned),
        }
    }

    #[test]
    fn staff_notifications_follow_the_email_unless_said_otherwise() {
        let profile = staff(Some("ada@vets.example"), None, Some("staff"))
            .into_profile("u1", "now")
            .unwrap();
        assert!(profile.email_notifications);
        assert_eq!(profile.role, Role::Staff);
        let quiet = staff(Some("ada@vets.example"), Some(false), Some("basic_staff"))
            .into_profile("u1", "now")
            .unwrap();
        assert!(!quiet.email_notifications);
        assert_eq!(quiet.role, Role::BasicStaff);
        assert!(
            !staff(None, None, Some("admin"))
                .into_profile("u1", "now")
                .unwrap()
                .email_notifications
        );
        for bad in [
            staff(None, Some(true), None),
            staff(Some("not-an-email"), None, None),
            staff(None, None, Some("customer")),
            staff(Some("ada@vets.example"), None, None),
            StaffProfileInput {
                name: "  ".into(),
                email: None,
                email_notifications: None,
                role: None,
            },
        ] {
            assert!(matches!(
                bad.into_profile("u1", "now").unwrap_err(),
                DomainError::Invalid { .. }
            ));
        }
    }

    #[test]
    fn contacts_need_an_address_for_each_channel_they_opt_into() {
        let input = |email: Option<&str>, phone: Option<&str>, sms: Option<bool>| ContactInput {
            name: "Sam Rivera".into(),
            email: email.map(str::to_owned),
            phone: phone.map(str::to_owned),
            email_opt_in: None,
            sms_opt_in: sms,
        };
        let contact = input(Some("sam@example.com"), Some("+15551234567"), Some(true))
            .into_contact("c1", "p1", "now")
            .unwrap();
        assert!(contact.email_opt_in && contact.sms_opt_in);
        let no_sms = input(None, Some("+15551234567"), None)
            .into_contact("c1", "p1", "now")
            .unwrap();
        assert!(!no_sms.sms_opt_in && !no_sms.email_opt_in);
        for bad in [
            input(None, None, Some(true)),
            input(None, Some("555-1234"), None),
            input(None, Some("+0155512345"), None),
            input(Some("sam@"), None, None),
        ] {
            assert!(matches!(
                bad.into_contact("c1", "p1", "now").unwrap_err(),
                DomainError::Invalid { .. }
            ));
        }
    }

    #[test]
    fn assignments_end_in_the_future_and_expire() {
        let now: jiff::Timestamp = "2026-05-01T12:00:00Z".parse().unwrap();
        let input = |until: &str| AssignmentInput {
            until: Some(until.into()),
        };
        assert_eq!(
            input("2026-05-01T18:00:00Z").until(now).unwrap().as_deref(),
            Some("2026-05-01T18:00:00.000Z")
        );
        assert_eq!(AssignmentInput::default().until(now).unwrap(), None);
        for bad in ["2026-05-01T11:59:59Z", "tomorrow", "2030-01-01T00:00:00Z"] {
            assert!(matches!(
                input(bad).until(now).unwrap_err(),
                DomainError::Invalid { .. }
            ));
        }
        let assignment = Assignment {
            user_id: "b1".into(),
            customer_id: "c1".into(),
            until: Some("2026-05-01T18:00:00.000Z".into()),
            assigned_at: "x".into(),
            assigned_by: "a".into(),
        };
        assert!(assignment.is_active_at(now));
        assert!(!assignment.is_active_at("2026-05-01T18:00:00Z".parse().unwrap()));
    }
}
