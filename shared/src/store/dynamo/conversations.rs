//! The conversation header: the one Update a send makes to it, and reading it back.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{
    AttributeValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use ulid::Ulid;

use super::item::{get_n, get_s, n, s, Item};
use super::DynamoStore;
use crate::domain::message::ReadPosition;
use crate::domain::notify::NotifyChannel;
use crate::domain::{text, ConversationStatus, Message, SenderType, Side};
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
        current: &Item,
        draft: &MessageDraft,
    ) -> Result<Option<Replaced>, StoreError> {
        let Some(side) = draft.sender_type.side() else {
            return Ok(None);
        };
        if matches!(draft.lifecycle, Lifecycle::Open { .. }) {
            // An opening writes a header of its own: nobody sent before it.
            return Ok(None);
        }
        let header = header_from_item(current)?;
        let state = header.side(side);
        Ok(match (&state.last_sender, &state.last_sender_message) {
            (Some(user), Some(message)) if *user != draft.sender_id => Some(Replaced {
                user: user.clone(),
                position: ReadPosition {
                    up_to: message.clone(),
                    seen: state.last_sender_seen,
                    at: state.last_sender_at.clone().unwrap_or_default(),
                },
            }),
            _ => None,
        })
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

pub(super) fn header_from_item(item: &Item) -> Result<ConversationHeader, StoreError> {
    let (_, id) = get_s(item, PK)
        .and_then(keys::parse_conversation_pk)
        .ok_or_else(|| StoreError::Internal("header with an invalid key".into()))?;
    let text = |name: &str| get_s(item, name).map(str::to_owned);
    let side = |letter: char| SideState {
        last_sender: text(&format!("ls_{letter}")),
        last_sender_seen: get_n(item, &format!("ls_{letter}_seen")),
        last_sender_message: text(&format!("ls_{letter}_id")),
        last_sender_at: text(&format!("ls_{letter}_id")).and_then(|id| id_time(&id)),
        read_up_to: text(&format!("rf_{letter}")),
        read_at: text(&format!("rf_{letter}_at")),
    };
    let due = match (text(keys::GSI3_SK), text("due_round")) {
        (Some(due_at), round) => Some(DueState {
            round: round.unwrap_or_else(|| due_at.clone()),
            due_at,
            stage: match get_s(item, "due_stage") {
                Some("escalation") => DueStage::Escalation,
                _ => DueStage::Digest,
            },
            notify_now: item
                .get("notify_now")
                .and_then(|v| v.as_ss().ok())
                .map(|set| set.iter().filter_map(|c| NotifyChannel::parse(c)).collect())
                .unwrap_or_default(),
            digest_due: text("digest_due"),
            notified_now_up_to: text("notified_now_up_to"),
        }),
        (None, _) => None,
    };
    Ok(ConversationHeader {
        id,
        status: match get_s(item, "status") {
            Some("closed") => ConversationStatus::Closed,
            _ => ConversationStatus::Open,
        },
        title: text("title"),
        created_at: text("created_at").unwrap_or_default(),
        // The feed's sort key is the last message id: the header keeps it once.
        last_message_id: text(keys::GSI1_SK),
        last_message_at: text("last_message_at"),
        last_excerpt: text("last_excerpt"),
        last_sender_type: get_s(item, "last_sender_type").and_then(SenderType::parse),
        last_sender_name: text("last_sender_name"),
        message_count: get_n(item, "message_count"),
        customer_messages: get_n(item, keys::side_counter(Side::Customer)),
        staff_messages: get_n(item, keys::side_counter(Side::Staff)),
        customer: side(Side::Customer.letter()),
        staff: side(Side::Staff.letter()),
        due,
        notified_up_to: text("notified_up_to"),
    })
}

/// When a message was sent, from its id (ULIDs carry their time).
fn id_time(id: &str) -> Option<String> {
    let millis = Ulid::from_string(id).ok()?.timestamp_ms();
    let at = jiff::Timestamp::from_millisecond(i64::try_from(millis).ok()?).ok()?;
    Some(crate::domain::format_timestamp(at))
}
