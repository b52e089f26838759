//! Who has read how far in a conversation, for admins (per-message `read_by`, exports):
//! everyone who may read it — the account's contacts and the staff who reach it — from
//! their stored positions, or from their own last message. The account's Query, the staff
//! directory's Query (and an order's entry) side by side, then one BatchGetItem per 100
//! people who reach it: a tenant's vendors are not read for every order.

use crate::domain::ids::TenantId;
use std::collections::HashMap;

use super::{ConversationHeader, MessageStore, NotificationStore, Reader, StoreError};
use crate::domain::directory::{Assignment, Contact, StaffProfile};
use crate::domain::message::ReadPosition;
use crate::domain::{ConversationId, Message, Role, Side};

/// How far one person has read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadFrontier {
    pub side: Side,
    pub user_id: String,
    /// Their name in the directory, for receipts.
    pub name: String,
    /// The newest message they have read.
    pub up_to: String,
}

/// Who may read a conversation: the account's contacts and the staff who reach it.
#[derive(Debug, Clone, Default)]
pub struct Audience {
    pub contacts: Vec<Contact>,
    pub staff: Vec<StaffProfile>,
}

pub async fn read_frontiers<S: NotificationStore + MessageStore>(
    store: &S,
    tenant: &TenantId,
    header: &ConversationHeader,
) -> Result<Vec<ReadFrontier>, StoreError> {
    let audience = audience(store, tenant, header).await?;
    frontiers_of(store, tenant, header, &audience).await
}

/// How far each of the account's contacts has read: the receipts staff see on their own
/// messages ("Read by Casey"). One Query of the account, one BatchGetItem of a family's
/// positions; never the staff directory.
pub async fn contact_frontiers<S: NotificationStore + MessageStore>(
    store: &S,
    tenant: &TenantId,
    header: &ConversationHeader,
) -> Result<Vec<ReadFrontier>, StoreError> {
    let (contacts, _) = store
        .account_directory(tenant, &header.id.customer_id)
        .await?;
    let audience = Audience {
        contacts,
        staff: Vec::new(),
    };
    frontiers_of(store, tenant, header, &audience).await
}

/// The account's Query, the staff directory's Query (and an order's entry) side by side,
/// then the basic staff who may reach it by key.
pub async fn audience<S: NotificationStore + MessageStore>(
    store: &S,
    tenant: &TenantId,
    header: &ConversationHeader,
) -> Result<Audience, StoreError> {
    let conversation: &ConversationId = &header.id;
    let order = async {
        match conversation.subject.order_id() {
            Some(order_id) => store.order_conversation(tenant, order_id).await,
            None => Ok(None),
        }
    };
    let (directory, staff, order) = tokio::join!(
        store.account_directory(tenant, &conversation.customer_id),
        store.reaching_staff(tenant),
        order,
    );
    let ((contacts, assignments), staff, order) = (directory?, staff?, order?);
    // Only who may read it: a tenant's many vendors are not read for every order.
    let now = jiff::Timestamp::now();
    let participants = order.as_ref().map(|o| o.participants.as_slice());
    let staff = with_basic_staff(store, tenant, staff, &assignments, participants).await?;
    let staff: Vec<StaffProfile> = staff
        .into_iter()
        .filter(|p| staff_reaches(p, conversation, &assignments, participants, now))
        .collect();
    Ok(Audience { contacts, staff })
}

/// How far each of `audience` has read: their stored positions (one BatchGetItem per
/// 100), or their own last message.
pub async fn frontiers_of<S: MessageStore>(
    store: &S,
    tenant: &TenantId,
    header: &ConversationHeader,
    audience: &Audience,
) -> Result<Vec<ReadFrontier>, StoreError> {
    let readers = everyone(&audience.contacts, &audience.staff);
    let stored = positions_of(store, tenant, &header.id, &readers).await?;
    let names = audience
        .contacts
        .iter()
        .map(|c| &c.name)
        .chain(audience.staff.iter().map(|p| &p.name));
    Ok(readers
        .into_iter()
        .zip(names)
        .filter_map(|(reader, name)| {
            let up_to = header
                .position_of(reader.side, &reader.user_id, stored.get(&reader))?
                .up_to;
            Some(ReadFrontier {
                side: reader.side,
                user_id: reader.user_id,
                name: name.clone(),
                up_to,
            })
        })
        .collect())
}

/// `staff` (those who reach every conversation) with the basic staff who may reach this
/// one: an order's participants, or the account's assigned people; read by key.
pub async fn with_basic_staff<S: NotificationStore>(
    store: &S,
    tenant: &TenantId,
    mut staff: Vec<StaffProfile>,
    assignments: &[Assignment],
    participants: Option<&[String]>,
) -> Result<Vec<StaffProfile>, StoreError> {
    let mut wanted: Vec<String> = match participants {
        Some(participants) => participants.to_vec(),
        None => assignments.iter().map(|a| a.user_id.clone()).collect(),
    };
    wanted.retain(|user| !staff.iter().any(|p| &p.user_id == user));
    wanted.sort_unstable();
    wanted.dedup();
    staff.extend(store.staff_profiles(tenant, &wanted).await?);
    Ok(staff)
}

/// Whether a staff member may open a conversation: anyone but basic staff; basic staff an
/// order they take part in (`participants`, for an order), or a conversation of a
/// customer assigned to them (`assignments`, the account's).
pub fn staff_reaches(
    person: &StaffProfile,
    conversation: &ConversationId,
    assignments: &[Assignment],
    participants: Option<&[String]>,
    now: jiff::Timestamp,
) -> bool {
    person.role != Role::BasicStaff
        || match participants {
            Some(participants) => participants.contains(&person.user_id),
            None => assignments.iter().any(|a| {
                a.user_id == person.user_id
                    && a.customer_id == conversation.customer_id
                    && a.is_active_at(now)
            }),
        }
}

/// The account's contacts and the staff, as readers.
pub fn everyone(contacts: &[Contact], staff: &[StaffProfile]) -> Vec<Reader> {
    contacts
        .iter()
        .map(|c| Reader {
            side: Side::Customer,
            user_id: c.contact_id.clone(),
        })
        .chain(staff.iter().map(|p| Reader {
            side: Side::Staff,
            user_id: p.user_id.clone(),
        }))
        .collect()
}

/// Their stored positions (one BatchGetItem per 100; none for nobody).
pub async fn positions_of<S: MessageStore>(
    store: &S,
    tenant: &TenantId,
    conversation: &ConversationId,
    readers: &[Reader],
) -> Result<HashMap<Reader, ReadPosition>, StoreError> {
    if readers.is_empty() {
        return Ok(HashMap::new());
    }
    store.read_positions(tenant, conversation, readers).await
}

/// Who on the other side from its sender has read a message (none for system messages).
pub fn read_by<'a>(frontiers: &'a [ReadFrontier], message: &Message) -> Vec<&'a str> {
    let Some(side) = message.sender_type.side() else {
        return Vec::new();
    };
    frontiers
        .iter()
        .filter(|f| f.side == side.other() && f.up_to.as_str() >= message.id.as_str())
        .map(|f| f.user_id.as_str())
        .collect()
}
