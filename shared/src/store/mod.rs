//! Storage: what handlers ask of the table, as small traits, and their DynamoDB
//! implementation. The key design is documented in [`keys`].

mod dynamo;
pub mod keys;
pub mod schema;

use std::collections::HashMap;
use std::future::Future;

pub use dynamo::DynamoStore;

use crate::domain::directory::{Assignment, Contact, StaffProfile};
use crate::domain::message::{Attachment, ReadPosition};
use crate::domain::notify::NotifyChannel;
use crate::domain::sms::Provider;
use crate::domain::{
    Channel, ConversationId, ConversationStatus, Message, MessageType, SenderType, Settings, Side,
};
use crate::error::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("conversation is closed")]
    Closed,
    #[error("{0}")]
    BadReference(String),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// Throttled, unreachable, timed out, or a 5xx: the request may be retried later.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    #[error("storage error: {0}")]
    Internal(String),
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Closed => {
                ApiError::conflict("conversation_closed", "this conversation is closed")
            }
            StoreError::BadReference(message) => {
                ApiError::bad_request("invalid_reference", message)
            }
            StoreError::Conflict { code, message } => ApiError::conflict(code, message),
            StoreError::Unavailable(detail) => {
                tracing::warn!(%detail, "storage unavailable");
                ApiError::Unavailable {
                    retry_after_secs: 1,
                }
            }
            StoreError::Internal(detail) => ApiError::Internal(detail),
        }
    }
}

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
}

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

/// A message to append; the store assigns its id and time.
#[derive(Debug, Clone)]
pub struct MessageDraft {
    pub conversation: ConversationId,
    /// Start the conversation if it does not exist (general and patient threads named by
    /// customer); a conversation named by id must exist.
    pub create_conversation: bool,
    pub sender_type: SenderType,
    pub sender_id: String,
    pub sender_name: String,
    pub message_type: MessageType,
    pub text: String,
    pub attachments: Vec<Attachment>,
    pub metadata: Option<serde_json::Value>,
    pub channel: Channel,
    pub external_ref: Option<String>,
    /// Makes the conversation's notification pending (not for system messages).
    pub notification: Option<PendingNotification>,
}

/// What a message does to its conversation's pending notification.
#[derive(Debug, Clone)]
pub struct PendingNotification {
    /// When it is due unless one is pending already (a later message joins it).
    pub due_at: String,
    /// Channels the sender asked for at once: the notification is due now.
    pub now: Vec<crate::domain::notify::NotifyChannel>,
}

/// Ties a send to its `Idempotency-Key`.
#[derive(Debug, Clone)]
pub struct IdempotencyClaim {
    pub key: String,
    pub request_hash: String,
}

#[derive(Debug, Clone)]
pub struct IdempotencyRecord {
    pub request_hash: String,
    pub message: Message,
}

/// What makes a retried append harmless, written in the message's own transaction.
#[derive(Debug, Clone)]
pub enum AppendGuard {
    /// A send's `Idempotency-Key`.
    Idempotency(IdempotencyClaim),
    /// An inbound text's provider id, and what the text changes besides the thread.
    Inbound(InboundEffects),
}

#[derive(Debug)]
pub enum AppendOutcome {
    Stored(Message),
    /// The key was used before; the handler decides between replay and conflict.
    KeyUsed(IdempotencyRecord),
    /// The provider's message id was seen before: nothing was written.
    Duplicate,
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

pub trait SettingsStore: Send + Sync {
    fn get_settings(
        &self,
        tenant: &str,
    ) -> impl Future<Output = Result<Option<Settings>, StoreError>> + Send;
    /// Saves the settings and, in the same transaction, claims their SMS numbers for the
    /// tenant and releases those `previous` had and these do not. A number another tenant
    /// holds is a `Conflict` and nothing is written.
    fn put_settings(
        &self,
        tenant: &str,
        settings: &Settings,
        previous: Option<&Settings>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

pub trait MessageStore: Send + Sync {
    /// Appends a message and updates its conversation in one transaction.
    fn append_message(
        &self,
        tenant: &str,
        draft: &MessageDraft,
        guard: Option<&AppendGuard>,
    ) -> impl Future<Output = Result<AppendOutcome, StoreError>> + Send;

    /// A page of the thread, newest first; `before` is the oldest message id already shown.
    /// One Query, and for a `viewer` one GetItem of their position beside it.
    fn thread_page(
        &self,
        tenant: &str,
        conversation: &ConversationId,
        before: Option<&str>,
        limit: u32,
        viewer: Option<&Reader>,
    ) -> impl Future<Output = Result<ThreadPage, StoreError>> + Send;

    /// Moves a reader's position forward to `up_to` (or the newest message), never back,
    /// and returns the header and the position as they are afterwards.
    fn mark_read(
        &self,
        tenant: &str,
        conversation: &ConversationId,
        reader: &Reader,
        up_to: Option<&str>,
    ) -> impl Future<Output = Result<(ConversationHeader, Option<ReadPosition>), StoreError>> + Send;

    fn conversation(
        &self,
        tenant: &str,
        conversation: &ConversationId,
    ) -> impl Future<Output = Result<Option<ConversationHeader>, StoreError>> + Send;

    /// One BatchGetItem per 100 people: the stored positions of these readers.
    fn read_positions(
        &self,
        tenant: &str,
        conversation: &ConversationId,
        readers: &[Reader],
    ) -> impl Future<Output = Result<HashMap<Reader, ReadPosition>, StoreError>> + Send;
}

/// Which list of conversations a feed reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Feed {
    /// Every conversation of the tenant (staff sides).
    Tenant,
    /// One customer account's conversations.
    Customer(String),
}

/// Conversation headers in feed order, most recent message first.
#[derive(Debug, Clone, Default)]
pub struct FeedPage {
    /// Each header with the reader's stored position, when a reader was named.
    pub entries: Vec<(ConversationHeader, Option<ReadPosition>)>,
    /// The feed goes on after the last header read.
    pub more: bool,
    /// The reader's read clock (changes with every mark read), when a reader was named.
    pub clock: Option<String>,
}

/// Every stored read position of one person, and their read clock.
#[derive(Debug, Clone, Default)]
pub struct ReaderState {
    /// By encoded conversation id.
    pub positions: HashMap<String, ReadPosition>,
    pub clock: Option<String>,
    /// More positions than one read takes: the rest were left out.
    pub truncated: bool,
}

pub trait FeedStore: Send + Sync {
    /// At most `max` headers of `feed` whose last message is older than `before`; with a
    /// `reader`, their positions and read clock too. Tenant feed: one Query on `gsi1`,
    /// plus one BatchGetItem for a reader. Customer feed: one Query on `gsi2` for the
    /// account's conversations and one BatchGetItem of their headers (with the reader's
    /// positions).
    fn feed_page(
        &self,
        tenant: &str,
        feed: &Feed,
        before: Option<&str>,
        max: u32,
        reader: Option<&Reader>,
    ) -> impl Future<Output = Result<FeedPage, StoreError>> + Send;
    /// One Query (a page per ~5,000 conversations the person has read): every position.
    fn reader_state(
        &self,
        tenant: &str,
        reader: &Reader,
    ) -> impl Future<Output = Result<ReaderState, StoreError>> + Send;
    /// One small Query: the newest message id of the tenant feed.
    fn feed_head(
        &self,
        tenant: &str,
    ) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;
    /// One GetItem: the reader's read clock.
    fn read_clock(
        &self,
        tenant: &str,
        reader: &Reader,
    ) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;
}

/// Staff profiles, basic-staff assignments and customer contacts.
pub trait DirectoryStore: Send + Sync {
    /// Creates or replaces a profile, keeping the first `created_at`.
    fn put_staff(
        &self,
        tenant: &str,
        profile: &StaffProfile,
    ) -> impl Future<Output = Result<StaffProfile, StoreError>> + Send;
    /// The profile and the person's assignments, in one request.
    fn staff(
        &self,
        tenant: &str,
        user: &str,
    ) -> impl Future<Output = Result<Option<(StaffProfile, Vec<Assignment>)>, StoreError>> + Send;
    /// Removes the profile and every assignment of the person; false if there was none.
    fn delete_staff(
        &self,
        tenant: &str,
        user: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// One request: the customer accounts assigned to a person (expired ones included).
    fn assignments_of(
        &self,
        tenant: &str,
        user: &str,
    ) -> impl Future<Output = Result<Vec<Assignment>, StoreError>> + Send;
    /// One request: the assignment of one customer to one person.
    fn assignment(
        &self,
        tenant: &str,
        user: &str,
        customer: &str,
    ) -> impl Future<Output = Result<Option<Assignment>, StoreError>> + Send;
    /// Creates or replaces an assignment; `NotFound` when the person has no profile.
    fn put_assignment(
        &self,
        tenant: &str,
        assignment: &Assignment,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn delete_assignment(
        &self,
        tenant: &str,
        user: &str,
        customer: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Whether the account has a contact in the directory or a conversation.
    fn customer_known(
        &self,
        tenant: &str,
        customer: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Creates or replaces a contact, keeping the first `created_at`; a phone number
    /// another contact of the tenant holds is a `Conflict`.
    fn put_contact(
        &self,
        tenant: &str,
        contact: &Contact,
    ) -> impl Future<Output = Result<Contact, StoreError>> + Send;
    fn contact(
        &self,
        tenant: &str,
        customer: &str,
        contact: &str,
    ) -> impl Future<Output = Result<Option<Contact>, StoreError>> + Send;
    fn delete_contact(
        &self,
        tenant: &str,
        customer: &str,
        contact: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

/// Which pass of a pending notification is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueStage {
    /// Email (and any SMS the sender asked for) to everyone with something unread.
    Digest,
    /// SMS to contacts who still have something unread after the tenant's second delay.
    Escalation,
}

impl DueStage {
    pub fn as_str(self) -> &'static str {
        match self {
            DueStage::Digest => "digest",
            DueStage::Escalation => "escalation",
        }
    }
}

/// What the due index holds of a conversation whose notification is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueEntry {
    pub tenant: String,
    pub conversation: ConversationId,
    pub due_at: String,
}

/// A due pass: the index's entry with what the header holds of the pass.
#[derive(Debug, Clone)]
pub struct DueConversation {
    pub tenant: String,
    pub conversation: ConversationId,
    pub due_at: String,
    /// Names this pass in delivery records; stays the same when the pass is postponed.
    pub round: String,
    pub stage: DueStage,
    pub notify_now: Vec<NotifyChannel>,
    /// The last message an earlier pass covered (the admin copy lists what follows).
    pub notified_up_to: Option<String>,
}

/// One notification to one recipient on one channel, in one pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryKey {
    pub round: String,
    pub channel: NotifyChannel,
    /// `contact:{id}`, `staff:{id}` or `admin`.
    pub recipient: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// A run is sending it (until `lease_until`).
    Claimed,
    Sent,
    /// Failed for now; a later run tries again from `next_attempt_at`.
    Retry,
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Claimed => "claimed",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Retry => "retry",
            DeliveryStatus::Failed => "failed",
        }
    }

    pub fn parse(value: &str) -> Option<DeliveryStatus> {
        match value {
            "claimed" => Some(DeliveryStatus::Claimed),
            "sent" => Some(DeliveryStatus::Sent),
            "retry" => Some(DeliveryStatus::Retry),
            "failed" => Some(DeliveryStatus::Failed),
            _ => None,
        }
    }
}

/// What admins see of a delivery.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryRecord {
    pub conversation_id: String,
    pub round: String,
    pub channel: NotifyChannel,
    pub recipient: String,
    pub address: String,
    pub status: DeliveryStatus,
    pub attempts: u64,
    pub provider_message_id: Option<String>,
    pub error: Option<String>,
    pub updated_at: String,
}

/// The outcome of trying to take a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This run sends it; `attempt` counts from 1.
    Taken { attempt: u64 },
    /// Sent, or failed for good: nothing to do.
    Finished,
    /// Another run holds it, or its next attempt is later: look again at this time.
    Later(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    Sent {
        provider_message_id: String,
    },
    Retry {
        error: String,
        next_attempt_at: String,
    },
    Failed {
        error: String,
    },
}

/// What becomes of a pending notification after a pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    /// Nothing more to send: the conversation leaves the due index.
    Done,
    /// Look again at `due_at` (retries, quiet hours, a held claim), same pass.
    Postpone { due_at: String },
    /// The next pass, e.g. the SMS escalation.
    Next { due_at: String, stage: DueStage },
}

pub trait NotificationStore: Send + Sync {
    /// One request: up to `limit` conversations of one due-index shard due by `now`.
    fn due(
        &self,
        shard: u32,
        now: &str,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<DueEntry>, StoreError>> + Send;
    /// One request: an account's contacts and the staff assigned to it.
    fn account_directory(
        &self,
        tenant: &str,
        customer: &str,
    ) -> impl Future<Output = Result<(Vec<Contact>, Vec<Assignment>), StoreError>> + Send;
    /// The tenant's staff profiles (one request a page).
    fn staff_directory(
        &self,
        tenant: &str,
    ) -> impl Future<Output = Result<Vec<StaffProfile>, StoreError>> + Send;
    /// Which of these numbers opted out of SMS (one request).
    fn opted_out(
        &self,
        tenant: &str,
        phones: &[String],
    ) -> impl Future<Output = Result<std::collections::HashSet<String>, StoreError>> + Send;
    fn set_opted_out(
        &self,
        tenant: &str,
        phone: &str,
        opted_out: bool,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Takes a delivery for this run (a conditional write), unless it is finished or held.
    fn claim_delivery(
        &self,
        tenant: &str,
        conversation: &ConversationId,
        key: &DeliveryKey,
        address: &str,
        now: &str,
        lease_until: &str,
    ) -> impl Future<Output = Result<Claim, StoreError>> + Send;
    fn finish_delivery(
        &self,
        tenant: &str,
        conversation: &ConversationId,
        key: &DeliveryKey,
        outcome: &DeliveryOutcome,
        now: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Ends or moves a pass, if the conversation is still as the pass found it. When
    /// messages arrived during the pass they get a pass of their own at `if_new_messages`.
    fn settle(
        &self,
        tenant: &str,
        due: &DueEntry,
        seen_last_message: &str,
        settlement: &Settlement,
        if_new_messages: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// A conversation's delivery records, newest pass first.
    fn deliveries(
        &self,
        tenant: &str,
        conversation: &ConversationId,
        before: Option<&str>,
        limit: u32,
    ) -> impl Future<Output = Result<(Vec<DeliveryRecord>, Option<String>), StoreError>> + Send;
}

/// Who holds a phone number in a tenant's contact directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneOwner {
    pub customer_id: String,
    pub contact_id: String,
    /// The contact's name, which their texts are shown under.
    pub name: Option<String>,
}

/// What an inbound text needs to know of its sender, read in one request.
#[derive(Debug, Clone, Default)]
pub struct SenderState {
    /// Read only when asked for (the settings cache did not have them).
    pub settings: Option<Settings>,
    pub owner: Option<PhoneOwner>,
    pub opted_out: bool,
    /// The tenant-local day (`YYYY-MM-DD`) the number last got the auto-reply.
    pub auto_replied_on: Option<String>,
}

/// What an inbound text writes besides a message or an unmatched record, in the same
/// transaction: its provider id (so a redelivery writes nothing) and any opt-out change.
#[derive(Debug, Clone)]
pub struct InboundEffects {
    pub provider: Provider,
    pub provider_message_id: String,
    /// The sender's number and whether it is now opted out of SMS.
    pub opt_out: Option<(String, bool)>,
}

/// Why an inbound text is kept for admins instead of becoming a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnmatchedReason {
    UnknownSender,
    MessagingDisabled,
    MessagingReadOnly,
    ConversationClosed,
}

impl UnmatchedReason {
    pub fn as_str(self) -> &'static str {
        match self {
            UnmatchedReason::UnknownSender => "unknown_sender",
            UnmatchedReason::MessagingDisabled => "messaging_disabled",
            UnmatchedReason::MessagingReadOnly => "messaging_read_only",
            UnmatchedReason::ConversationClosed => "conversation_closed",
        }
    }

    pub fn parse(value: &str) -> Option<UnmatchedReason> {
        [
            UnmatchedReason::UnknownSender,
            UnmatchedReason::MessagingDisabled,
            UnmatchedReason::MessagingReadOnly,
            UnmatchedReason::ConversationClosed,
        ]
        .into_iter()
        .find(|r| r.as_str() == value)
    }
}

/// An inbound text kept for admins, as it was when it arrived (a contact added later does
/// not change it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UnmatchedSms {
    pub id: String,
    pub received_at: String,
    pub from: String,
    pub to: String,
    pub body: String,
    pub provider: String,
    pub provider_message_id: String,
    pub reason: UnmatchedReason,
    /// The contact holding the number at the time, if one did.
    pub customer_id: Option<String>,
    pub contact_id: Option<String>,
}

/// Marks that a number got the auto-reply on a tenant-local day.
#[derive(Debug, Clone)]
pub struct AutoReplyMark {
    pub phone: String,
    pub day: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboundOutcome {
    /// Written; `auto_reply` says the mark was taken (the sender gets the auto-reply).
    Stored { auto_reply: bool },
    /// The provider's message id was seen before: nothing was written.
    Duplicate,
}

pub trait InboundStore: Send + Sync {
    /// One request: the tenant that holds an SMS number.
    fn sms_number_tenant(
        &self,
        number: &str,
    ) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;
    /// One request: the sender's contact, opt-out and auto-reply mark (and the settings).
    fn sender_state(
        &self,
        tenant: &str,
        phone: &str,
        with_settings: bool,
    ) -> impl Future<Output = Result<SenderState, StoreError>> + Send;
    /// One request: the customer's most recently active open conversation, if any.
    fn latest_open_conversation(
        &self,
        tenant: &str,
        customer: &str,
    ) -> impl Future<Output = Result<Option<ConversationId>, StoreError>> + Send;
    /// One transaction: the provider id, any opt-out change, the unmatched record and the
    /// auto-reply mark, whichever are given.
    fn record_inbound(
        &self,
        tenant: &str,
        effects: &InboundEffects,
        unmatched: Option<&UnmatchedSms>,
        auto_reply: Option<&AutoReplyMark>,
    ) -> impl Future<Output = Result<InboundOutcome, StoreError>> + Send;
    /// The unmatched texts, newest first; the id to go on after.
    fn unmatched(
        &self,
        tenant: &str,
        before: Option<&str>,
        limit: u32,
    ) -> impl Future<Output = Result<(Vec<UnmatchedSms>, Option<String>), StoreError>> + Send;
}

impl ConversationHeader {
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
                "sender_name": self.last_sender_name,
            })),
            "message_count": self.message_count,
            "unread_count": self.unread_for(side, user, stored),
            "read_up_to": position.map(|p| p.up_to),
        })
    }
}
