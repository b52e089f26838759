//! The conversation header: the one Update a send makes to it, and reading it back.

use aws_sdk_dynamodb::types::TransactWriteItem;
use ulid::Ulid;

use serde::Deserialize;

use super::expr::UpdateExpr;
use super::item::{corrupt, from_item, n, s, Item};
use super::DynamoStore;
use crate::domain::message::ReadPosition;
use crate::domain::notify::NotifyChannel;
use crate::domain::{ConversationStatus, Message, SenderType};
use crate::store::keys::{self};
use crate::store::{
    ConversationHeader, DueStage, DueState, LastState, Lifecycle, MessageDraft, SideState,
    StoreError,
};

/// What a send learnt from the header its earlier attempts' conditions returned (rare
/// enough not to read the header first).
#[derive(Debug, Default)]
pub(super) struct Learnt {
    /// The pass waits for its SMS escalation.
    pub escalation_pending: bool,
    /// The patient thread does not exist yet: create it, checking the patient.
    pub creating_patient_thread: bool,
    /// Someone else of the sender's side sent last.
    pub replaced: Option<Replaced>,
}

/// The last sender of the sender's side, when a send replaces someone else: what their
/// own last message implied they had read is kept in their position item, written in the
/// send's transaction (the header keeps one last sender a side).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Replaced {
    user: String,
    position: ReadPosition,
}

impl Replaced {
    pub(super) fn user(&self) -> &str {
        &self.user
    }

    pub(super) fn position(&self) -> &ReadPosition {
        &self.position
    }

    /// Whom a send by `draft`'s sender would replace, as `current` (the header a failed
    /// condition returned) says.
    pub(super) fn from_header(
        header: &ConversationHeader,
        draft: &MessageDraft,
    ) -> Option<Replaced> {
        let side = draft.sender_type.side()?;
        if matches!(draft.lifecycle, Lifecycle::Open { .. }) {
            // An opening writes a header of its own: nobody sent before it.
            return None;
        }
        let state = header.side(side);
        match (&state.last_sender, &state.last_sender_message) {
            (Some(user), Some(message)) if *user != draft.sender_id => Some(Replaced {
                user: user.clone(),
                position: ReadPosition {
                    up_to: message.clone(),
                    seen: state.last_sender_seen,
                    at: state.last_sender_at.clone().unwrap_or_default(),
                },
            }),
            _ => None,
        }
    }
}

impl DynamoStore {
    /// The replaced sender's implied position, beside what they marked read (`sent_*`): an
    /// unconditional write cannot undo a further mark read, and the two are read as one
    /// ([`super::reading::position_from_item`]).
    pub(super) fn replaced_position(
        &self,
        tenant: &str,
        draft: &MessageDraft,
        replaced: &Replaced,
    ) -> Result<TransactWriteItem, StoreError> {
        let side = draft
            .sender_type
            .side()
            .ok_or_else(|| StoreError::Internal("a system message replaces no sender".into()))?;
        let sent = UpdateExpr::new()
            .set("sent_up_to = :up_to")
            .set("sent_seen = :seen")
            .set("sent_at = :at")
            .value(":up_to", s(&replaced.position.up_to))
            .value(":seen", n(replaced.position.seen))
            .value(":at", s(&replaced.position.at));
        let update = self.update(
            keys::reader_pk(tenant, side, &replaced.user),
            keys::reader_sk(&draft.conversation),
            &sent,
        )?;
        Ok(TransactWriteItem::builder().update(update).build())
    }
}

/// The feed shows the text, or the file names of a message without text.
pub(super) fn excerpt_source(message: &Message) -> String {
    if message.message.is_empty() {
        let names: Vec<&str> = message
            .attachments
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        names.join(", ")
    } else {
        message.message.clone()
    }
}

/// A header item, as [`DynamoStore::header_update`] writes it (the feed indexes project
/// parts of it: what they leave out reads as absent).
#[derive(Deserialize)]
struct HeaderItem {
    pk: String,
    #[serde(default = "open")]
    status: ConversationStatus,
    title: Option<String>,
    #[serde(default)]
    created_at: String,
    /// The feed's sort key is the last message id: the header keeps it once.
    gsi1sk: Option<String>,
    last_message_at: Option<String>,
    last_excerpt: Option<String>,
    last_sender_type: Option<SenderType>,
    last_sender_name: Option<String>,
    last_state: Option<LastState>,
    #[serde(default)]
    message_count: u64,
    #[serde(default)]
    n_customer: u64,
    #[serde(default)]
    n_staff: u64,
    #[serde(flatten)]
    customer: CustomerSide,
    #[serde(flatten)]
    staff: StaffSide,
    gsi3sk: Option<String>,
    due_round: Option<String>,
    due_stage: Option<DueStage>,
    #[serde(default, with = "serde_dynamo::string_set")]
    notify_now: Vec<NotifyChannel>,
    digest_due: Option<String>,
    notified_now_up_to: Option<String>,
    notified_up_to: Option<String>,
}

fn open() -> ConversationStatus {
    ConversationStatus::Open
}

/// One side's part of a header item (`ls_c`, `rf_c_at`, ...).
macro_rules! side_attributes {
    ($name:ident, $ls:literal, $seen:literal, $id:literal, $rf:literal, $rf_at:literal) => {
        #[derive(Deserialize)]
        struct $name {
            #[serde(rename = $ls)]
            last_sender: Option<String>,
            #[serde(rename = $seen, default)]
            last_sender_seen: u64,
            #[serde(rename = $id)]
            last_sender_message: Option<String>,
            #[serde(rename = $rf)]
            read_up_to: Option<String>,
            #[serde(rename = $rf_at)]
            read_at: Option<String>,
        }

        impl From<$name> for SideState {
            fn from(side: $name) -> SideState {
                SideState {
                    last_sender_at: side.last_sender_message.as_deref().and_then(id_time),
                    last_sender: side.last_sender,
                    last_sender_seen: side.last_sender_seen,
                    last_sender_message: side.last_sender_message,
                    read_up_to: side.read_up_to,
                    read_at: side.read_at,
                }
            }
        }
    };
}

side_attributes!(
    CustomerSide,
    "ls_c",
    "ls_c_seen",
    "ls_c_id",
    "rf_c",
    "rf_c_at"
);
side_attributes!(StaffSide, "ls_s", "ls_s_seen", "ls_s_id", "rf_s", "rf_s_at");

pub(super) fn header_from_item(item: &Item) -> Result<ConversationHeader, StoreError> {
    let header: HeaderItem = from_item(item)?;
    let (_, id) = keys::parse_conversation_pk(&header.pk)
        .ok_or_else(|| corrupt(item, "not a conversation's key"))?;
    let due = header.gsi3sk.map(|due_at| DueState {
        round: header.due_round.unwrap_or_else(|| due_at.clone()),
        due_at,
        stage: header.due_stage.unwrap_or(DueStage::Digest),
        notify_now: header.notify_now,
        digest_due: header.digest_due,
        notified_now_up_to: header.notified_now_up_to,
    });
    Ok(ConversationHeader {
        id,
        status: header.status,
        title: header.title,
        created_at: header.created_at,
        last_message_id: header.gsi1sk,
        last_message_at: header.last_message_at,
        last_excerpt: header.last_excerpt,
        last_sender_type: header.last_sender_type,
        last_sender_name: header.last_sender_name,
        last_state: header.last_state,
        message_count: header.message_count,
        customer_messages: header.n_customer,
        staff_messages: header.n_staff,
        customer: header.customer.into(),
        staff: header.staff.into(),
        due,
        notified_up_to: header.notified_up_to,
    })
}

/// When a message was sent, from its id (ULIDs carry their time).
fn id_time(id: &str) -> Option<String> {
    let millis = Ulid::from_string(id).ok()?.timestamp_ms();
    let at = jiff::Timestamp::from_millisecond(i64::try_from(millis).ok()?).ok()?;
    Some(crate::domain::format_timestamp(at))
}
