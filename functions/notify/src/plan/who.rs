//! Whom a pass may tell, and at which addresses: read before the pass is planned, so
//! that only their positions, preferences and suppressions are read.

use std::collections::HashMap;

use shared::domain::directory::{Assignment, Contact, StaffProfile};
use shared::domain::notify::NotifyChannel;
use shared::domain::{Settings, Side};
use shared::store::readers::staff_reaches;
use shared::store::{ConversationHeader, DueConversation, DueStage, Reader};

/// Phone numbers this pass might text (to ask which opted out, in one read).
pub fn sms_candidates(due: &DueConversation, contacts: &[Contact]) -> Vec<String> {
    let texting = due.stage == DueStage::Escalation || due.notify_now.contains(&NotifyChannel::Sms);
    if !texting {
        return Vec::new();
    }
    contacts
        .iter()
        .filter(|c| c.sms_opt_in)
        .filter_map(|c| c.phone.clone())
        .collect()
}

/// Whom this pass could tell anything, whatever they have read: contacts with an address
/// the stage uses, and staff who want email, have an address and reach the conversation.
/// Only their positions are read, so a pass costs the same however large the directory.
pub fn recipients(
    due: &DueConversation,
    header: &ConversationHeader,
    contacts: &[Contact],
    assignments: &[Assignment],
    participants: Option<&[String]>,
    staff: &[StaffProfile],
    now: jiff::Timestamp,
) -> Vec<Reader> {
    let digest = due.stage == DueStage::Digest;
    let contacts = contacts
        .iter()
        .filter(|c| (digest && c.email_opt_in && c.email.is_some()) || textable(c))
        .map(|c| Reader {
            side: Side::Customer,
            user_id: c.contact_id.clone(),
        });
    let staff = staff
        .iter()
        .filter(|_| digest)
        .filter(|p| {
            emailable(p).is_some() && staff_reaches(p, &header.id, assignments, participants, now)
        })
        .map(|p| Reader {
            side: Side::Staff,
            user_id: p.user_id.clone(),
        });
    contacts.chain(staff).collect()
}

/// The addresses and numbers a pass may send to (whose suppression is read with the
/// readers' positions): the readers', and the tenant's admin address.
pub fn addresses(
    readers: &[Reader],
    contacts: &[Contact],
    staff: &[StaffProfile],
    settings: &Settings,
) -> Vec<(NotifyChannel, String)> {
    let staff: HashMap<&str, &StaffProfile> =
        staff.iter().map(|p| (p.user_id.as_str(), p)).collect();
    let mut addresses = Vec::new();
    for reader in readers {
        match reader.side {
            Side::Customer => {
                let Some(contact) = contacts.iter().find(|c| c.contact_id == reader.user_id) else {
                    continue;
                };
                if let Some(email) = &contact.email {
                    addresses.push((NotifyChannel::Email, email.to_ascii_lowercase()));
                }
                if let Some(phone) = &contact.phone {
                    addresses.push((NotifyChannel::Sms, phone.clone()));
                }
            }
            Side::Staff => {
                let email = staff
                    .get(reader.user_id.as_str())
                    .and_then(|p| p.email.as_ref());
                if let Some(email) = email {
                    addresses.push((NotifyChannel::Email, email.to_ascii_lowercase()));
                }
            }
        }
    }
    if let Some(admin) = &settings.admin_notification_email {
        addresses.push((NotifyChannel::Email, admin.to_ascii_lowercase()));
    }
    addresses.sort();
    addresses.dedup();
    addresses
}

fn textable(contact: &Contact) -> bool {
    contact.sms_opt_in && contact.phone.is_some()
}

pub(super) fn emailable(person: &StaffProfile) -> Option<&String> {
    person.email.as_ref().filter(|_| person.email_notifications)
}
