//! TransactWriteItems whose items carry what they are ([`Part`]), so a cancellation's
//! reasons are read by what failed, not by position; every transaction goes through
//! [`DynamoStore::transact`].

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{CancellationReason, TransactWriteItem};

use super::item::{backoff, classify, Item};
use super::DynamoStore;
use crate::store::StoreError;

/// What an item of a transaction writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// A conversation header.
    Header,
    Message,
    /// An edited message's earlier text.
    Version,
    Idempotency,
    /// An inbound text's provider id.
    ProviderId,
    OptOut,
    Unmatched,
    AutoReply,
    /// A patient's item, or the check that a patient is registered.
    Patient,
    Upload,
    /// A replaced sender's read position.
    ReplacedPosition,
    /// An order's entry.
    Order,
    /// A participant's part in an order conversation.
    Participation,
    /// An order's entry as a participant joins or leaves.
    Participant,
    /// A closing's changes to its order's entry and parts.
    Closing,
    Contact,
    /// Directory search entries of a contact or patient.
    SearchIndex,
    PhoneClaim,
    /// The claim on a phone number a contact no longer has.
    PhoneRelease,
    /// A staff profile, or the check that it exists.
    Profile,
    Assignment,
    Settings,
    /// A tenant's release marker for held passes.
    Release,
    Grant,
    SmsRoute,
    /// The routing of a number the grant gives up.
    SmsRelease,
    /// A pass's conversation header as it is settled or held.
    DueHeader,
    /// A staff member's items as they are removed.
    Removal,
    /// A job on a person's data.
    Job,
    /// The one erasure job of a person.
    JobMarker,
}

/// The items of one TransactWriteItems, each with its [`Part`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Transaction {
    parts: Vec<Part>,
    items: Vec<TransactWriteItem>,
}

impl Transaction {
    pub(crate) fn new() -> Self {
        Transaction::default()
    }

    pub(crate) fn push(&mut self, part: Part, item: TransactWriteItem) {
        self.parts.push(part);
        self.items.push(item);
    }

    pub(crate) fn extend(
        &mut self,
        part: Part,
        items: impl IntoIterator<Item = TransactWriteItem>,
    ) {
        for item in items {
            self.push(part, item);
        }
    }

    /// Leaves out the items of `part`.
    pub(crate) fn remove(&mut self, part: Part) {
        let (parts, items) = std::mem::take(&mut self.parts)
            .into_iter()
            .zip(std::mem::take(&mut self.items))
            .filter(|(p, _)| *p != part)
            .unzip();
        self.parts = parts;
        self.items = items;
    }

    pub(crate) fn has(&self, part: Part) -> bool {
        self.parts.contains(&part)
    }

    pub(crate) fn with(mut self, part: Part, item: TransactWriteItem) -> Self {
        self.push(part, item);
        self
    }
}

/// A cancelled transaction: each item's part beside the reason DynamoDB gave for it.
#[derive(Debug)]
pub(crate) struct Cancelled {
    parts: Vec<Part>,
    reasons: Vec<CancellationReason>,
}

impl Cancelled {
    fn of(&self, part: Part) -> impl Iterator<Item = &CancellationReason> {
        self.parts
            .iter()
            .zip(&self.reasons)
            .filter(move |(p, _)| **p == part)
            .map(|(_, reason)| reason)
    }

    /// Which item of `part` (counting from 0 among that part's items) failed its
    /// condition, if one did.
    pub(crate) fn failed_at(&self, part: Part) -> Option<usize> {
        self.of(part)
            .position(|r| r.code() == Some("ConditionalCheckFailed"))
    }

    /// Whether an item of `part` failed its condition.
    pub(crate) fn failed(&self, part: Part) -> bool {
        self.failed_at(part).is_some()
    }

    /// The item as it stood when `part`'s condition failed (asked for with
    /// `ReturnValuesOnConditionCheckFailure::AllOld`).
    pub(crate) fn current(&self, part: Part) -> Option<&Item> {
        self.of(part)
            .find(|r| r.code() == Some("ConditionalCheckFailed"))
            .and_then(|r| r.item())
    }

    pub(crate) fn any_code(&self, codes: &[&str]) -> bool {
        self.reasons
            .iter()
            .any(|r| r.code().is_some_and(|code| codes.contains(&code)))
    }

    /// Contention with other transactions only: worth a retry after a backoff.
    pub(crate) fn conflicted_only(&self) -> bool {
        self.any_code(&["TransactionConflict"]) && !self.any_code(&["ConditionalCheckFailed"])
    }

    /// Cancellations that are not a failed condition: contention or throttling, worth a
    /// retry later.
    pub(crate) fn unavailable(&self) -> StoreError {
        StoreError::Unavailable(format!("transaction cancelled: {:?}", self.reasons))
    }

    pub(crate) fn internal(&self) -> StoreError {
        StoreError::Internal(format!("transaction cancelled: {:?}", self.reasons))
    }
}

/// How a TransactWriteItems failed: cancelled, or anything else, already sorted by
/// [`classify`].
pub(crate) enum TransactFailure {
    Cancelled(Cancelled),
    Store(StoreError),
}

impl DynamoStore {
    /// One TransactWriteItems; a cancellation comes back with its reasons by part.
    pub(super) async fn transact(&self, transaction: Transaction) -> Result<(), TransactFailure> {
        let Transaction { parts, items } = transaction;
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(err) => match err.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(e)) => {
                    Err(TransactFailure::Cancelled(Cancelled {
                        parts,
                        reasons: e.cancellation_reasons().to_vec(),
                    }))
                }
                _ => Err(TransactFailure::Store(classify(err))),
            },
        }
    }

    /// [`Self::transact`], tried again after a backoff while it is cancelled only by
    /// contention with other transactions (a failed condition comes back at once).
    pub(super) async fn transact_retrying(
        &self,
        transaction: Transaction,
    ) -> Result<(), TransactFailure> {
        const ATTEMPTS: u32 = 5;
        let mut attempt = 0;
        loop {
            match self.transact(transaction.clone()).await {
                Err(TransactFailure::Cancelled(cancelled))
                    if attempt + 1 < ATTEMPTS && cancelled.conflicted_only() =>
                {
                    backoff(attempt).await;
                    attempt += 1;
                }
                outcome => return outcome,
            }
        }
    }
}
