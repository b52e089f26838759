//! The table's change stream read back as typed changes: which entity an item is (from
//! its key, as [`super::keys`] lays them out) and what it held before and after. The
//! `events` function turns these into the events the host application receives; only
//! storage knows what an item means, so the decoding lives here.

use crate::domain::ids::TenantId;
use crate::domain::message::ReadPosition;
use crate::domain::webhooks::Endpoint;
use crate::domain::{ConversationId, Message};

use super::{ConversationHeader, DeliveryRecord, OrderRecord, Reader, UnmatchedSms};

/// A number's SMS opt-out as its item holds it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct OptOutState {
    #[serde(default)]
    pub opted_out: bool,
    pub keyword_at: Option<String>,
}

/// One item's change; `old` is absent for an insert, `new` for a removal.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemChange {
    Message {
        old: Option<Message>,
        new: Option<Message>,
    },
    /// Boxed: a header is several times the size of the other variants.
    Header {
        old: Option<Box<ConversationHeader>>,
        new: Option<Box<ConversationHeader>>,
    },
    Position {
        reader: Reader,
        conversation: ConversationId,
        old: Option<ReadPosition>,
        new: Option<ReadPosition>,
    },
    Order {
        old: Option<OrderRecord>,
        new: Option<OrderRecord>,
    },
    Notification {
        old: Option<DeliveryRecord>,
        new: Option<DeliveryRecord>,
    },
    OptOut {
        phone: String,
        old: Option<OptOutState>,
        new: Option<OptOutState>,
    },
    Unmatched {
        new: UnmatchedSms,
    },
    Endpoint {
        old: Option<Endpoint>,
        new: Option<Endpoint>,
    },
}

/// A change and the tenant whose item changed.
#[derive(Debug, Clone, PartialEq)]
pub struct TenantChange {
    pub tenant: TenantId,
    pub change: ItemChange,
}
