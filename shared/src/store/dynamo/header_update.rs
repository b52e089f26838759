//! The one Update a send makes to its conversation's header, clause by clause.

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure, Update};

use super::conversations::{excerpt_source, Learnt};
use super::expr::UpdateExpr;
use super::item::{internal, n, s};
use super::DynamoStore;
use crate::domain::{text, ConversationStatus, Message, Named};
use crate::store::keys::{self, HEADER_SK, PK, SK};
use crate::store::{DueStage, Lifecycle, MessageDraft, StoreError};

impl DynamoStore {
    pub(super) fn header_update(
        &self,
        pk: &str,
        draft: &MessageDraft,
        message: &Message,
        tenant: &str,
        learnt: &Learnt,
    ) -> Result<Update, StoreError> {
        let update = the_message(draft, message, tenant);
        let update = senders_side(update, draft, learnt);
        let update = lifecycle(update, draft);
        let update = notification(update, pk, draft, learnt.escalation_pending);
        let update = update.condition(condition(draft, learnt));
        Update::builder()
            .table_name(&self.table)
            .key(PK, s(pk))
            .key(SK, s(HEADER_SK))
            .update_expression(update.expression())
            .set_condition_expression(update.condition_expression())
            .set_expression_attribute_names(update.names())
            .set_expression_attribute_values(update.values())
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(internal)
    }
}

/// What every message writes: the header's last message, the feeds' keys, the count.
fn the_message(draft: &MessageDraft, message: &Message, tenant: &str) -> UpdateExpr {
    let customer_feed = keys::customer_feed_pk(tenant, &draft.conversation.customer_id);
    UpdateExpr::new()
        .set(match draft.lifecycle {
            Lifecycle::Close => "#status = :closed",
            _ => "#status = if_not_exists(#status, :open)",
        })
        .set("created_at = if_not_exists(created_at, :now)")
        .set("last_message_at = :now")
        .set("last_excerpt = :excerpt")
        .set("last_sender_type = :sender_type")
        .set("last_sender_name = :sender_name")
        .set("gsi1pk = :feed")
        .set("gsi1sk = :id")
        .set("gsi2pk = :customer_feed")
        .add("message_count :one")
        .remove("last_state")
        .name("#status", "status")
        .value(":open", s(ConversationStatus::Open.as_str()))
        .value(":now", s(&message.created_at))
        .value(":id", s(&message.id))
        .value(":excerpt", s(text::excerpt(&excerpt_source(message))))
        .value(":sender_type", s(message.sender_type.as_str()))
        .value(":sender_name", s(&message.sender_name))
        .value(":feed", s(keys::tenant_feed_pk(tenant)))
        .value(":customer_feed", s(customer_feed))
        .value(":one", n(1))
}

/// The sender has read everything up to their own message: they become their side's
/// last sender, and the side's receipt frontier moves to the message.
fn senders_side(update: UpdateExpr, draft: &MessageDraft, learnt: &Learnt) -> UpdateExpr {
    let Some(side) = draft.sender_type.side() else {
        return update;
    };
    let letter = side.letter();
    let update = update
        .set("#ls = :sender_id")
        .set("#ls_seen = if_not_exists(#other_side, :zero)")
        .set("#ls_id = :id")
        .set("#rf = :id")
        .set("#rf_at = :now")
        .add("#own_side :one")
        .name("#ls", format!("ls_{letter}"))
        .name("#ls_seen", format!("ls_{letter}_seen"))
        .name("#ls_id", format!("ls_{letter}_id"))
        .name("#rf", format!("rf_{letter}"))
        .name("#rf_at", format!("rf_{letter}_at"))
        .name("#own_side", keys::side_counter(side))
        .name("#other_side", keys::side_counter(side.other()))
        .value(":zero", n(0))
        .value(":sender_id", s(&draft.sender_id));
    match &learnt.replaced {
        Some(replaced) => update
            .value(":replaced", s(replaced.user()))
            .value(":replaced_id", s(&replaced.position().up_to)),
        None => update,
    }
}

fn lifecycle(update: UpdateExpr, draft: &MessageDraft) -> UpdateExpr {
    match &draft.lifecycle {
        Lifecycle::Continue => update,
        Lifecycle::Close => update.value(":closed", s(ConversationStatus::Closed.as_str())),
        Lifecycle::Open { title } => update.set("title = :title").value(":title", s(title)),
    }
}

/// The pending notification the message makes due (or joins).
fn notification(
    update: UpdateExpr,
    pk: &str,
    draft: &MessageDraft,
    escalation_pending: bool,
) -> UpdateExpr {
    let Some(pending) = &draft.notification else {
        return update;
    };
    let update = update.value(":due_shard", s(keys::due_shard(pk)));
    if !pending.now.is_empty() {
        // A pass due now names itself by its due time: no round of its own. The digest
        // it goes ahead of keeps its time: the one pending, or the delay after this
        // message.
        let channels = pending.now.iter().map(|c| c.as_str().to_owned()).collect();
        return update
            .remove("due_round")
            .set("gsi3pk = :due_shard")
            .set("gsi3sk = :now")
            .set("due_stage = :digest")
            .set("digest_due = if_not_exists(digest_due, if_not_exists(gsi3sk, :due))")
            .add("notify_now :channels")
            .value(":due", s(&pending.due_at))
            .value(":digest", s(DueStage::Digest.as_str()))
            .value(":channels", AttributeValue::Ss(channels));
    }
    let update = update
        .value(":due", s(&pending.due_at))
        .value(":escalation", s(DueStage::Escalation.as_str()));
    if escalation_pending {
        // The SMS escalation only texts contacts about what came before; a new message
        // gets its own digest pass, to everyone, after the delay.
        update
            .remove("due_round")
            .set("gsi3pk = :due_shard")
            .set("gsi3sk = :due")
            .set("due_stage = :digest")
            .value(":digest", s(DueStage::Digest.as_str()))
    } else {
        // A pending digest stays due when it was: later messages join it.
        update
            .set("gsi3pk = if_not_exists(gsi3pk, :due_shard)")
            .set("gsi3sk = if_not_exists(gsi3sk, :due)")
    }
}

/// The header must be as this attempt expects: open, with no newer message, the pass in
/// the stage it expects, and the side's last sender the one it replaces.
fn condition(draft: &MessageDraft, learnt: &Learnt) -> String {
    let conversation = &draft.conversation;
    let mut newer_than_last =
        "#status = :open AND (attribute_not_exists(gsi1sk) OR gsi1sk < :id)".to_owned();
    if matches!(&draft.notification, Some(pending) if pending.now.is_empty()) {
        newer_than_last.push_str(if learnt.escalation_pending {
            " AND due_stage = :escalation"
        } else {
            " AND (attribute_not_exists(due_stage) OR due_stage <> :escalation)"
        });
    }
    if draft.sender_type.side().is_some() {
        // The side's last sender is the one this send expects to replace: nobody or the
        // sender (nothing to keep), or the one whose position it writes.
        newer_than_last.push_str(match learnt.replaced {
            None => " AND (attribute_not_exists(#ls) OR #ls = :sender_id)",
            Some(_) => " AND #ls = :replaced AND #ls_id = :replaced_id",
        });
    }
    match &draft.lifecycle {
        Lifecycle::Open { .. } => format!("attribute_not_exists({PK})"),
        // A patient thread is created only with a check that the patient is registered,
        // which the first attempt leaves out: most messages go to a thread that exists.
        _ if draft.create_conversation
            && conversation.subject.created_on_first_message()
            && (learnt.creating_patient_thread || conversation.subject.patient_id().is_none()) =>
        {
            format!("attribute_not_exists({PK}) OR ({newer_than_last})")
        }
        _ => format!("attribute_exists({PK}) AND {newer_than_last}"),
    }
}
