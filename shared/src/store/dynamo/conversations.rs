//! The conversation header: the one Update a send makes to it, and reading it back.

use crate::domain::Named;
use std::collections::HashMap;

use aws_sdk_dynamodb::types::{
    AttributeValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use ulid::Ulid;

use serde::Deserialize;

use super::item::{corrupt, from_item, n, s, Item};
use super::DynamoStore;
use crate::domain::message::ReadPosition;
use crate::domain::notify::NotifyChannel;
use crate::domain::{text, ConversationStatus, Message, SenderType};
use crate::store::keys::{self, HEADER_SK, PK, SK};
use crate::store::{
    ConversationHeader, DueStage, DueState, Lifecycle, MessageDraft, SideState, StoreError,
};

impl DynamoStore {
    pub(super) fn header_update(
        &self,
        pk: &str,
        draft: &MessageDraft,
        message: &Message,
        tenant: &str,
        learnt: &Learnt,
    ) -> Result<Update, StoreError> {
        let conversation = &draft.conversation;
        let (escalation_pending, creating_patient_thread) =
            (learnt.escalation_pending, learnt.creating_patient_thread);
        let replaced = learnt.replaced.as_ref();
        let mut set = vec![
            match draft.lifecycle {
                Lifecycle::Close => "#status = :closed",
                _ => "#status = if_not_exists(#status, :open)",
            },
            "created_at = if_not_exists(created_at, :now)",
            "last_message_at = :now",
            "last_excerpt = :excerpt",
            "last_sender_type = :sender_type",
            "last_sender_name = :sender_name",
            "gsi1pk = :feed",
            "gsi1sk = :id",
            "gsi2pk = :customer_feed",
        ];
        let mut add = vec!["message_count :one"];
        let mut remove: Vec<&str> = Vec::new();
        let mut names = HashMap::from([("#status".to_owned(), "status".to_owned())]);
        let sender_side = draft.sender_type.side();
        if let Some(side) = sender_side {
            // The sender has read everything up to their own message: they become their
            // side's last sender, and the side's receipt frontier moves to the message.
            let letter = side.letter();
            names.insert("#ls".into(), format!("ls_{letter}"));
            names.insert("#ls_seen".into(), format!("ls_{letter}_seen"));
            names.insert("#ls_id".into(), format!("ls_{letter}_id"));
            names.insert("#rf".into(), format!("rf_{letter}"));
            names.insert("#rf_at".into(), format!("rf_{letter}_at"));
            names.insert("#own_side".into(), keys::side_counter(side).into());
            names.insert(
                "#other_side".into(),
                keys::side_counter(side.other()).into(),
            );
            set.extend([
                "#ls = :sender_id",
                "#ls_seen = if_not_exists(#other_side, :zero)",
                "#ls_id = :id",
                "#rf = :id",
                "#rf_at = :now",
            ]);
            add.push("#own_side :one");
        }
        let mut newer_than_last =
            "#status = :open AND (attribute_not_exists(gsi1sk) OR gsi1sk < :id)".to_owned();
        let escalation_condition = match &draft.notification {
            Some(pending) if pending.now.is_empty() => Some(if escalation_pending {
                " AND due_stage = :escalation"
            } else {
                " AND (attribute_not_exists(due_stage) OR due_stage <> :escalation)"
            }),
            _ => None,
        };
        if let Some(extra) = escalation_condition {
            newer_than_last.push_str(extra);
        }
        if sender_side.is_some() {
            // The side's last sender is the one this send expects to replace: nobody or
            // the sender (nothing to keep), or the one whose position it writes.
            newer_than_last.push_str(match replaced {
                None => " AND (attribute_not_exists(#ls) OR #ls = :sender_id)",
                Some(_) => " AND #ls = :replaced AND #ls_id = :replaced_id",
            });
        }
        let condition = match &draft.lifecycle {
            Lifecycle::Open { .. } => format!("attribute_not_exists({PK})"),
            // A patient thread is created only with a check that the patient is registered,
            // which the first attempt leaves out: most messages go to a thread that exists.
            _ if draft.create_conversation
                && conversation.subject.created_on_first_message()
                && (creating_patient_thread || conversation.subject.patient_id().is_none()) =>
            {
                format!("attribute_not_exists({PK}) OR ({newer_than_last})")
            }
            _ => format!("attribute_exists({PK}) AND {newer_than_last}"),
        };
        let mut values = HashMap::from([
            (":open".to_owned(), s(ConversationStatus::Open.as_str())),
            (":now".into(), s(&message.created_at)),
            (":id".into(), s(&message.id)),
            (
                ":excerpt".into(),
                s(text::excerpt(&excerpt_source(message))),
            ),
            (":sender_type".into(), s(message.sender_type.as_str())),
            (":sender_name".into(), s(&message.sender_name)),
            (":feed".into(), s(keys::tenant_feed_pk(tenant))),
            (
                ":customer_feed".into(),
                s(keys::customer_feed_pk(tenant, &conversation.customer_id)),
            ),
            (":one".into(), n(1)),
        ]);
        if sender_side.is_some() {
            values.insert(":zero".into(), n(0));
            values.insert(":sender_id".into(), s(&draft.sender_id));
            if let Some(replaced) = replaced {
                values.insert(":replaced".into(), s(&replaced.user));
                values.insert(":replaced_id".into(), s(&replaced.position.up_to));
            }
        }
        match &draft.lifecycle {
            Lifecycle::Continue => {}
            Lifecycle::Close => {
                values.insert(":closed".into(), s(ConversationStatus::Closed.as_str()));
            }
            Lifecycle::Open { title } => {
                set.push("title = :title");
                values.insert(":title".into(), s(title));
            }
        }
        if let Some(pending) = &draft.notification {
            values.insert(":due_shard".into(), s(keys::due_shard(pk)));
            if pending.now.is_empty() {
                values.insert(":due".into(), s(&pending.due_at));
                values.insert(":escalation".into(), s(DueStage::Escalation.as_str()));
                if escalation_pending {
                    // The SMS escalation only texts contacts about what came before; a
                    // new message gets its own digest pass, to everyone, after the delay.
                    remove.push("due_round");
                    set.extend([
                        "gsi3pk = :due_shard",
                        "gsi3sk = :due",
                        "due_stage = :digest",
                    ]);
                    values.insert(":digest".into(), s(DueStage::Digest.as_str()));
                } else {
                    // A pending digest stays due when it was: later messages join it.
                    set.extend([
                        "gsi3pk = if_not_exists(gsi3pk, :due_shard)",
                        "gsi3sk = if_not_exists(gsi3sk, :due)",
                    ]);
                }
            } else {
                // A pass due now names itself by its due time: no round of its own.
                remove.push("due_round");
                set.extend([
                    "gsi3pk = :due_shard",
                    "gsi3sk = :now",
                    "due_stage = :digest",
                ]);
                // The digest it goes ahead of keeps its time: the one pending, or the
                // delay after this message.
                set.push("digest_due = if_not_exists(digest_due, if_not_exists(gsi3sk, :due))");
                add.push("notify_now :channels");
                values.insert(":due".into(), s(&pending.due_at));
                values.insert(":digest".into(), s(DueStage::Digest.as_str()));
                values.insert(
                    ":channels".into(),
                    AttributeValue::Ss(pending.now.iter().map(|c| c.as_str().to_owned()).collect()),
                );
            }
        }
        let mut expression = format!("SET {} ADD {}", set.join(", "), add.join(", "));
        if !remove.is_empty() {
            expression.push_str(&format!(" REMOVE {}", remove.join(", ")));
        }
        Update::builder()
            .table_name(&self.table)
            .key(PK, s(pk))
            .key(SK, s(HEADER_SK))
            .update_expression(expression)
            .condition_expression(condition)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(|e| StoreError::Internal(e.to_string()))
    }
}

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
        let update = Update::builder()
            .table_name(&self.table)
            .key(PK, s(keys::reader_pk(tenant, side, &replaced.user)))
            .key(SK, s(keys::reader_sk(&draft.conversation)))
            .update_expression("SET sent_up_to = :up_to, sent_seen = :seen, sent_at = :at")
            .expression_attribute_values(":up_to", s(&replaced.position.up_to))
            .expression_attribute_values(":seen", n(replaced.position.seen))
            .expression_attribute_values(":at", s(&replaced.position.at))
            .build()
            .map_err(|e| StoreError::Internal(e.to_string()))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }
}

/// The feed shows the text, or the file names of a message without text.
fn excerpt_source(message: &Message) -> String {
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
