//! Conversations and their messages: the header every reader shares, appending a
//! message, thread pages and read positions.

use crate::domain::ids::{OrderId, TenantId, UserId};
use std::collections::HashMap;
use std::future::Future;

use super::{DueStage, InboundEffects, MessageDraft, StoreError};
use crate::domain::message::ReadPosition;
use crate::domain::notify::NotifyChannel;
use crate::domain::{ConversationId, ConversationStatus, Message, SenderType, Side};

/// What a conversation header keeps of one side: who of it sent last (they have read
/// everything before their own message) and how far anyone on it has read (receipts).
/// Fixed size, however many people read the conversation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SideState {
    pub last_sender: Option<String>,
    /// Messages from the other side the last sender had when they sent.
    pub last_sender_seen: u64,
    pub last_sender_message: Option<String>,
    pub last_sender_at: Option<String>,
    /// The furthest message anyone on this side has read, and when it got there.
    pub read_up_to: Option<String>,
    pub read_at: Option<String>,
}

/// A pending notification, as the header holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueState {
    pub due_at: String,
    pub round: String,
    pub stage: DueStage,
    pub notify_now: Vec<NotifyChannel>,
    /// When the digest a pass due now went ahead of is due.
    pub digest_due: Option<String>,
    /// The last message contacts were notified of at once (later passes tell them of
    /// what follows).
    pub notified_now_up_to: Option<String>,
}

/// What became of a conversation's last message after it was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LastState {
    Edited,
    Deleted,
}

impl crate::domain::Named for LastState {}

/// A conversation's header: what a thread page and the feed show about it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationHeader {
    pub id: ConversationId,
    pub status: ConversationStatus,
    pub title: Option<String>,
    pub created_at: String,
    pub last_message_id: Option<String>,
    pub last_message_at: Option<String>,
    pub last_excerpt: Option<String>,
    pub last_sender_type: Option<SenderType>,
    pub last_sender_name: Option<String>,
    /// Whether the last message was edited or deleted since it was sent.
    pub last_state: Option<LastState>,
    pub message_count: u64,
    pub customer_messages: u64,
    pub staff_messages: u64,
    pub customer: SideState,
    pub staff: SideState,
    /// Present on headers read from the table (not from the feed index).
    pub due: Option<DueState>,
    /// The last message an earlier notification pass covered.
    pub notified_up_to: Option<String>,
}

impl ConversationHeader {
    pub fn side(&self, side: Side) -> &SideState {
        match side {
            Side::Customer => &self.customer,
            Side::Staff => &self.staff,
        }
    }

    /// Messages the other side sent (system messages excluded).
    pub fn sent_by(&self, side: Side) -> u64 {
        match side {
            Side::Customer => self.customer_messages,
            Side::Staff => self.staff_messages,
        }
    }

    /// A person's read position: their stored one, or their own last message when they
    /// were the last of their side to send and that is further.
    pub fn position_of(
        &self,
        side: Side,
        user: &str,
        stored: Option<&ReadPosition>,
    ) -> Option<ReadPosition> {
        let state = self.side(side);
        let implied = match (&state.last_sender, &state.last_sender_message) {
            (Some(sender), Some(message)) if sender == user => Some(ReadPosition {
                up_to: message.clone(),
                seen: state.last_sender_seen,
                at: state.last_sender_at.clone().unwrap_or_default(),
            }),
            _ => None,
        };
        match (stored, implied) {
            (Some(stored), Some(implied)) if implied.seen > stored.seen => Some(implied),
            (Some(stored), _) => Some(stored.clone()),
            (None, implied) => implied,
        }
    }

    /// Messages from the other side (system messages excluded) this person has not read.
    pub fn unread_for(&self, side: Side, user: &str, stored: Option<&ReadPosition>) -> u64 {
        let mut seen = stored.map_or(0, |p| p.seen);
        let state = self.side(side);
        if state.last_sender.as_deref() == Some(user) {
            seen = seen.max(state.last_sender_seen);
        }
        self.sent_by(side.other()).saturating_sub(seen)
    }
}

/// Ties a send to its `Idempotency-Key`.
#[derive(Debug, Clone)]
pub struct IdempotencyClaim {
    /// Whose keys these are: one owner's key means one request.
    pub owner: String,
    pub key: String,
    pub request_hash: String,
}

#[derive(Debug, Clone)]
pub struct IdempotencyRecord {
    pub request_hash: String,
    pub message: Message,
}

/// Messages a history Query reads a page.
pub const HISTORY_PAGE: i32 = 1_000;

/// What makes a retried append harmless, written in the message's own transaction.
#[derive(Debug, Clone)]
pub enum AppendGuard {
    /// A send's `Idempotency-Key`.
    Idempotency(IdempotencyClaim),
    /// An inbound text's provider id, and what the text changes besides the thread.
    Inbound(InboundEffects),
    /// An order's one conversation: the order's index entry, written only if absent.
    Order(OrderRecord),
    /// A staff-side participant joins or leaves an order's conversation.
    Participant(ParticipantChange),
    /// The conversation closes: its staff-side participants' parts leave their active
    /// sets (a vendor's inbox reads only open orders; access stays with the order entry).
    Close(ClosedParts),
}

/// The parts a closing removes: the order conversation and who takes part in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedParts {
    pub conversation: ConversationId,
    pub participants: Vec<String>,
}

/// Someone joining (or leaving) the staff side of an order's conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantChange {
    pub order_id: String,
    pub conversation: ConversationId,
    pub user: String,
    pub joins: bool,
}

/// An order's index entry: its one conversation, who takes part and who may write, and
/// the request that opened it (the same request again finds it; a different one is
/// refused). Kept apart from the header so that sends never carry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRecord {
    pub order_id: String,
    pub conversation: ConversationId,
    /// Staff-side participants (user ids), sorted.
    pub participants: Vec<String>,
    /// Whether tenant admins may write; otherwise they observe.
    pub admin_can_write: bool,
    pub request_hash: String,
    pub created_at: String,
    pub created_by: String,
    /// When it closed: a participant's access to a closed order is theirs only if their
    /// profile is older (a person re-created with the same id took part in nothing
    /// that closed before).
    pub closed_at: Option<String>,
}

#[derive(Debug)]
pub enum AppendOutcome {
    Stored(Message),
    /// The key was used before; the handler decides between replay and conflict.
    KeyUsed(IdempotencyRecord),
    /// The provider's message id was seen before: nothing was written.
    Duplicate,
    /// The order already has a conversation: nothing was written.
    OrderTaken,
    /// The participant already takes part (or already does not), or the order is full:
    /// nothing was written.
    Unchanged,
    /// A keyword the provider received after this one already set the number's opt-out:
    /// nothing was written.
    Superseded,
}

/// Messages of a history, oldest first.
#[derive(Debug, Clone)]
pub struct HistoryPage {
    pub messages: Vec<Message>,
    /// The last message's id, when more may follow it.
    pub next: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ThreadPage {
    /// Present on the first page.
    pub header: Option<ConversationHeader>,
    /// Newest first.
    pub messages: Vec<Message>,
    pub has_more: bool,
    /// The viewer's stored read position, when a viewer was named.
    pub position: Option<ReadPosition>,
}

/// The person whose read position moves.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reader {
    pub side: Side,
    pub user_id: String,
}

impl Reader {
    /// The caller, as the reader of what they read and the owner of what they set.
    pub fn of(principal: &crate::domain::Principal) -> Reader {
        Reader {
            side: principal.side(),
            user_id: principal.user_id.to_string(),
        }
    }
}

pub trait MessageStore: Send + Sync {
    /// Appends a message and updates its conversation in one transaction.
    fn append_message(
        &self,
        tenant: &TenantId,
        draft: &MessageDraft,
        guard: Option<&AppendGuard>,
    ) -> impl Future<Output = Result<AppendOutcome, StoreError>> + Send;

    /// A page of the thread, newest first; `before` is the oldest message id already shown.
    /// One Query, and for a `viewer` one GetItem of their position beside it.
    fn thread_page(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        before: Option<&str>,
        limit: u32,
        viewer: Option<&Reader>,
    ) -> impl Future<Output = Result<ThreadPage, StoreError>> + Send;

    /// Moves a reader's position forward to `up_to` (or the newest message), never back,
    /// and returns the header and the position as they are afterwards.
    fn mark_read(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        reader: &Reader,
        up_to: Option<&str>,
    ) -> impl Future<Output = Result<(ConversationHeader, Option<ReadPosition>), StoreError>> + Send;

    /// A page of a conversation's history, oldest first, after the message `after`: one
    /// Query of at most [`HISTORY_PAGE`] messages or 1 MB (an export streams the whole
    /// history page by page, never holding it at once).
    fn history_page(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        after: Option<&str>,
    ) -> impl Future<Output = Result<HistoryPage, StoreError>> + Send;

    /// The first result under an Idempotency-Key, while its record lasts (GetItem of the
    /// record, then of its message).
    fn idempotency_record(
        &self,
        tenant: &TenantId,
        claim: &IdempotencyClaim,
    ) -> impl Future<Output = Result<Option<IdempotencyRecord>, StoreError>> + Send;

    /// The conversation an order opened, by the order id (one GetItem).
    fn order_conversation(
        &self,
        tenant: &TenantId,
        order_id: &OrderId,
    ) -> impl Future<Output = Result<Option<OrderRecord>, StoreError>> + Send;

    /// The order's entry and when `user`'s staff profile was created (absent: no
    /// profile): one BatchGetItem, strongly consistent.
    fn order_with_profile(
        &self,
        tenant: &TenantId,
        order_id: &OrderId,
        user: &UserId,
    ) -> impl Future<Output = Result<(Option<OrderRecord>, Option<String>), StoreError>> + Send;

    fn conversation(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
    ) -> impl Future<Output = Result<Option<ConversationHeader>, StoreError>> + Send;

    /// One BatchGetItem per 100 people: the stored positions of these readers.
    fn read_positions(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        readers: &[Reader],
    ) -> impl Future<Output = Result<HashMap<Reader, ReadPosition>, StoreError>> + Send;
}

impl ConversationHeader {
    /// Who wrote the last message: its side's last sender (every send sets it), read
    /// from what the feed indexes project too.
    fn last_sender_id(&self) -> Option<&str> {
        let side = self.last_sender_type?.side()?;
        self.side(side).last_sender.as_deref()
    }

    /// The header as one viewer sees it: their own unread count included.
    pub fn view(&self, side: Side, user: &str, stored: Option<&ReadPosition>) -> serde_json::Value {
        let position = self.position_of(side, user, stored);
        serde_json::json!({
            "id": self.id.encode(),
            "customer_id": self.id.customer_id,
            "subject": self.id.subject.to_string(),
            "kind": self.id.subject.kind(),
            "patient_id": self.id.subject.patient_id(),
            "order_id": self.id.subject.order_id(),
            "title": self.title,
            "status": self.status,
            "created_at": self.created_at,
            "last_message": self.last_message_id.as_ref().map(|id| serde_json::json!({
                "id": id,
                "created_at": self.last_message_at,
                "excerpt": self.last_excerpt,
                "sender_type": self.last_sender_type,
                "sender_id": self.last_sender_id(),
                "sender_name": self.last_sender_name,
                "is_edited": self.last_state == Some(LastState::Edited),
                "deleted": self.last_state == Some(LastState::Deleted),
            })),
            "message_count": self.message_count,
            "unread_count": self.unread_for(side, user, stored),
            "read_up_to": position.map(|p| p.up_to),
        })
    }
}
