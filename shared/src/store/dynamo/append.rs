//! Appending a message: one transaction with its header update and what guards a retry,
//! built, sent and judged by what failed, until it is stored or refused.

use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use ulid::Ulid;

use super::conversations::{header_from_item, Learnt, Replaced};
use super::item::{backoff, Item};
use super::messages::message_item;
use super::transaction::{Cancelled, Part, TransactFailure, Transaction};
use super::DynamoStore;
use crate::domain::{now_rfc3339, ConversationStatus, Message};
use crate::store::keys::{self, PK};
use crate::store::{AppendGuard, AppendOutcome, DueStage, MessageDraft, StoreError};

/// Sends into one busy conversation retry until their id is the newest; each retry
/// follows a commit by someone else, so this bounds only pathological contention.
const MAX_APPEND_ATTEMPTS: u32 = 100;

impl DynamoStore {
    fn message_put(&self, pk: &str, message: &Message) -> Result<Put, StoreError> {
        Put::builder()
            .table_name(&self.table)
            .set_item(Some(message_item(pk, message)?))
            .condition_expression(format!("attribute_not_exists({PK})"))
            .build()
            .map_err(|e| StoreError::Internal(e.to_string()))
    }
}

/// What a cancelled append does next.
enum Next {
    Done(Box<AppendOutcome>),
    /// Try again; after this message when the conversation has a newer one.
    Retry(Option<Ulid>),
}

/// One append: where, what, and what makes its retry harmless.
struct Append<'a> {
    tenant: &'a str,
    draft: &'a MessageDraft,
    guard: Option<&'a AppendGuard>,
}

impl DynamoStore {
    /// One attempt's items: the header, the message, the guard, and what the message
    /// takes or changes besides.
    fn append_transaction(
        &self,
        append: &Append<'_>,
        message: &Message,
        learnt: &Learnt,
    ) -> Result<Transaction, StoreError> {
        let Append {
            tenant,
            draft,
            guard,
        } = *append;
        let pk = keys::conversation_pk(tenant, &draft.conversation);
        let header = self.header_update(&pk, draft, message, tenant, learnt)?;
        let mut items = Transaction::new()
            .with(
                Part::Header,
                TransactWriteItem::builder().update(header).build(),
            )
            .with(
                Part::Message,
                TransactWriteItem::builder()
                    .put(self.message_put(&pk, message)?)
                    .build(),
            );
        match guard {
            Some(AppendGuard::Idempotency(claim)) => {
                let record_pk = keys::idempotency_pk(tenant, &claim.owner, &claim.key);
                let put = self.idempotency_put(record_pk, claim, &pk, message)?;
                items.push(
                    Part::Idempotency,
                    TransactWriteItem::builder().put(put).build(),
                );
            }
            Some(AppendGuard::Inbound(effects)) => {
                self.inbound_effect_writes(&mut items, tenant, effects)?
            }
            Some(AppendGuard::Order(order)) => {
                let mut writes = self.order_writes(tenant, order)?.into_iter();
                items.extend(Part::Order, writes.next());
                items.extend(Part::Participation, writes);
            }
            Some(AppendGuard::Participant(change)) => {
                let mut writes = self.participant_writes(tenant, change)?.into_iter();
                items.extend(Part::Participant, writes.next());
                items.extend(Part::Participation, writes);
            }
            Some(AppendGuard::Close(parts)) => items.extend(
                Part::Closing,
                self.closed_parts(tenant, parts, &message.created_at)?,
            ),
            None => {}
        }
        if learnt.creating_patient_thread {
            items.push(
                Part::Patient,
                self.patient_registered(tenant, &draft.conversation)?,
            );
        }
        items.extend(Part::Upload, self.upload_claims(tenant, message)?);
        if let Some(replaced) = &learnt.replaced {
            items.push(
                Part::ReplacedPosition,
                self.replaced_position(tenant, draft, replaced)?,
            );
        }
        Ok(items)
    }

    /// What a cancelled append means: the guard's outcome, a refusal, or another
    /// attempt with what the header's failed condition taught (`learnt`).
    async fn after_cancelled(
        &self,
        append: &Append<'_>,
        cancelled: &Cancelled,
        attempt: u32,
        message: &Message,
        learnt: &mut Learnt,
    ) -> Result<Next, StoreError> {
        let draft = append.draft;
        if learnt.creating_patient_thread && cancelled.failed(Part::Patient) {
            return Err(StoreError::Unknown {
                code: "unknown_patient",
                message: "no such patient is registered for this account".into(),
            });
        }
        // The guard first: a retry also fails on the uploads its first attempt took, and
        // must get the first result.
        let guard_failed = [
            Part::Idempotency,
            Part::ProviderId,
            Part::Order,
            Part::Participant,
            Part::Closing,
        ]
        .into_iter()
        .any(|part| cancelled.failed(part));
        if guard_failed {
            return self.guard_outcome(append).await;
        }
        if cancelled.failed(Part::Upload) {
            return Err(StoreError::Conflict {
                code: "attachment_already_used",
                message: "an attachment was sent with another message".into(),
            });
        }
        if cancelled.failed(Part::OptOut) {
            return Ok(Next::Done(Box::new(AppendOutcome::Superseded)));
        }
        if cancelled.any_code(&["ThrottlingError", "ProvisionedThroughputExceeded"]) {
            return Err(StoreError::Unavailable("transaction throttled".into()));
        }
        if cancelled.any_code(&["TransactionConflict"]) {
            backoff(attempt).await;
            return Ok(Next::Retry(None));
        }
        if !cancelled.failed(Part::Header) {
            return Err(cancelled.internal());
        }
        header_refused(
            draft,
            cancelled.current(Part::Header),
            attempt,
            message,
            learnt,
        )
        .await
    }

    /// The append's guard refused it: the order or participant was there already, or the
    /// request was made before.
    async fn guard_outcome(&self, append: &Append<'_>) -> Result<Next, StoreError> {
        Ok(Next::Done(Box::new(match append.guard {
            Some(AppendGuard::Order(_)) => AppendOutcome::OrderTaken,
            Some(AppendGuard::Participant(_)) => AppendOutcome::Unchanged,
            Some(AppendGuard::Idempotency(claim)) => {
                let record_pk = keys::idempotency_pk(append.tenant, &claim.owner, &claim.key);
                match self.read_idempotency_record(record_pk).await? {
                    Some(record) => AppendOutcome::KeyUsed(record),
                    // Expired and deleted between the two requests: try again as new.
                    None => return Ok(Next::Retry(None)),
                }
            }
            _ => AppendOutcome::Duplicate,
        })))
    }
}

impl DynamoStore {
    pub(super) async fn append(
        &self,
        tenant: &str,
        draft: &MessageDraft,
        guard: Option<&AppendGuard>,
    ) -> Result<AppendOutcome, StoreError> {
        let append = Append {
            tenant,
            draft,
            guard,
        };
        let mut newer_than: Option<Ulid> = None;
        let mut learnt = Learnt::default();
        for attempt in 0..MAX_APPEND_ATTEMPTS {
            let message = new_message(draft, next_message_id(newer_than));
            let items = self.append_transaction(&append, &message, &learnt)?;
            let cancelled = match self.transact(items).await {
                Ok(()) => return Ok(AppendOutcome::Stored(message)),
                Err(TransactFailure::Store(err)) => return Err(err),
                Err(TransactFailure::Cancelled(cancelled)) => cancelled,
            };
            let next = self
                .after_cancelled(&append, &cancelled, attempt, &message, &mut learnt)
                .await?;
            match next {
                Next::Done(outcome) => return Ok(*outcome),
                Next::Retry(after) => newer_than = after.or(newer_than),
            }
        }
        Err(StoreError::Unavailable("conversation too busy".into()))
    }
}

/// The header refused the send: the conversation is missing or closed, or the attempt
/// expected another header than the one its condition returned (`current`): learn it,
/// and try again.
async fn header_refused(
    draft: &MessageDraft,
    current: Option<&Item>,
    attempt: u32,
    message: &Message,
    learnt: &mut Learnt,
) -> Result<Next, StoreError> {
    let Some(current) = current else {
        if draft.create_conversation
            && draft.conversation.subject.patient_id().is_some()
            && !learnt.creating_patient_thread
        {
            learnt.creating_patient_thread = true;
            return Ok(Next::Retry(None));
        }
        return Err(StoreError::NotFound);
    };
    let header = header_from_item(current)?;
    if header.status == ConversationStatus::Closed {
        return Err(StoreError::Closed);
    }
    let stage_now = header
        .due
        .as_ref()
        .is_some_and(|due| due.stage == DueStage::Escalation);
    let last = header
        .last_message_id
        .as_deref()
        .and_then(|id| Ulid::from_string(id).ok());
    let behind = last.is_some_and(|last| last.to_string() >= message.id);
    let replacing = Replaced::from_header(&header, draft);
    if !behind && stage_now == learnt.escalation_pending && replacing == learnt.replaced {
        return Err(StoreError::Internal(
            "conversation header refused a send".into(),
        ));
    }
    learnt.escalation_pending = stage_now;
    learnt.replaced = replacing;
    if !behind {
        return Ok(Next::Retry(None));
    }
    // Someone committed a newer message first: go after it.
    if attempt > 2 {
        backoff(attempt).await;
    }
    Ok(Next::Retry(last))
}

/// A ULID newer than `newer_than`, so that commit order stays id order.
/// After `newer_than` (the conversation's last message, when a condition said so), and
/// after the id this container last took from its clock: back-to-back messages in one
/// millisecond get increasing ids, so they do not pay an ordering retry each. An id
/// pushed ahead by another container's clock stays with its conversation.
fn next_message_id(newer_than: Option<Ulid>) -> Ulid {
    static LAST_FROM_CLOCK: std::sync::Mutex<Option<Ulid>> = std::sync::Mutex::new(None);
    let mut last_from_clock = LAST_FROM_CLOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut fresh = Ulid::new();
    if let Some(next) = last_from_clock
        .filter(|last| *last >= fresh)
        .and_then(|last| last.increment())
    {
        fresh = next;
    }
    *last_from_clock = Some(fresh);
    match newer_than.and_then(|last| last.increment()) {
        Some(after_last) if after_last > fresh => after_last,
        _ => fresh,
    }
}

fn new_message(draft: &MessageDraft, id: Ulid) -> Message {
    Message {
        id: id.to_string(),
        conversation_id: draft.conversation.encode(),
        customer_id: draft.conversation.customer_id.to_string(),
        patient_id: draft.conversation.subject.patient_id().map(String::from),
        content: draft.content.clone(),
        created_at: now_rfc3339(),
        changes: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_one_container_increase_within_a_millisecond() {
        let ids: Vec<Ulid> = (0..1_000).map(|_| next_message_id(None)).collect();
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn an_id_follows_its_conversations_last_and_leaves_others_on_the_clock() {
        let ahead = Ulid::from_parts(Ulid::new().timestamp_ms() + 60_000, 0);
        assert!(next_message_id(Some(ahead)) > ahead);
        assert!(next_message_id(None) < ahead);
    }
}
