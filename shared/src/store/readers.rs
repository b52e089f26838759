//! Who has read how far in a conversation, for admins (per-message `read_by`, exports):
//! everyone who may read it — the account's contacts and the staff directory — from their
//! stored positions, or from their own last message. A few requests whoever reads it: the
//! account's Query, the staff directory's Query and one BatchGetItem per 100 people.

use std::collections::HashMap;

use super::{ConversationHeader, MessageStore, NotificationStore, Reader, StoreError};
use crate::domain::directory::{Contact, StaffProfile};
use crate::domain::message::ReadPosition;
use crate::domain::{ConversationId, Message, Side};

/// How far one person has read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadFrontier {
    pub side: Side,
    pub user_id: String,
    /// The newest message they have read.
    pub up_to: String,
}

pub async fn read_frontiers<S: NotificationStore + MessageStore>(
    store: &S,
    tenant: &str,
    header: &ConversationHeader,
) -> Result<Vec<ReadFrontier>, StoreError> {
    let conversation: &ConversationId = &header.id;
    let (contacts, _) = store
        .account_directory(tenant, &conversation.customer_id)
        .await?;
    let staff = store.staff_directory(tenant).await?;
    let readers = everyone(&contacts, &staff);
    let stored = positions_of(store, tenant, conversation, &readers).await?;
    Ok(readers
        .into_iter()
        .filter_map(|reader| {
            let up_to = header
                .position_of(reader.side, &reader.user_id, stored.get(&reader))?
                .up_to;
            Some(ReadFrontier {
                side: reader.side,
                user_id: reader.user_id,
                up_to,
            })
        })
        .collect())
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
    tenant: &str,
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
