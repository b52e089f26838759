//! Attribute values in and out, and SDK failures sorted into what a caller can do about them.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, CancellationReason};
use ulid::Ulid;

use crate::store::StoreError;

pub(crate) type Item = HashMap<String, AttributeValue>;

/// A request that could not be built: a bug, not bad input.
pub(crate) fn internal(err: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(err.to_string())
}

/// How a TransactWriteItems failed: cancelled (with a reason per item, in order) or
/// anything else, already sorted by [`classify`].
pub(crate) enum TransactFailure {
    Cancelled(Vec<CancellationReason>),
    Store(StoreError),
}

pub(crate) fn failed_condition(reasons: &[CancellationReason], index: usize) -> bool {
    reasons.get(index).and_then(|r| r.code()) == Some("ConditionalCheckFailed")
}

pub(crate) fn conflicted(reasons: &[CancellationReason]) -> bool {
    reasons
        .iter()
        .any(|r| r.code() == Some("TransactionConflict"))
}

/// Cancellations that are not a failed condition: contention or throttling, worth a retry
/// later.
pub(crate) fn unavailable(reasons: &[CancellationReason]) -> StoreError {
    StoreError::Unavailable(format!("transaction cancelled: {reasons:?}"))
}

pub(crate) async fn backoff(attempt: u32) {
    let cap_ms = 2u64.pow(attempt.min(6));
    let jitter = u64::from(Ulid::new().random() as u16) % (cap_ms + 1);
    tokio::time::sleep(Duration::from_millis(jitter + 1)).await;
}

pub(crate) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(crate) fn n(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub(crate) fn get_s<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

pub(crate) fn get_n(item: &Item, name: &str) -> u64 {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

pub(crate) fn required<'a>(item: &'a Item, name: &str) -> Result<&'a str, StoreError> {
    get_s(item, name).ok_or_else(|| StoreError::Internal(format!("item without {name}")))
}

pub(crate) fn is_conditional_failure(
    err: &SdkError<UpdateItemError, aws_sdk_dynamodb::config::http::HttpResponse>,
) -> bool {
    matches!(
        err.as_service_error(),
        Some(UpdateItemError::ConditionalCheckFailedException(_))
    )
}

/// The item as it stood when an UpdateItem's condition failed (asked for with
/// `ReturnValuesOnConditionCheckFailure::AllOld`; `None` when there was none); any other
/// failure as a [`StoreError`].
pub(crate) fn failed_condition_item(
    err: SdkError<UpdateItemError, aws_sdk_dynamodb::config::http::HttpResponse>,
) -> Result<Option<Item>, StoreError> {
    match err.as_service_error() {
        Some(UpdateItemError::ConditionalCheckFailedException(e)) => Ok(e.item().cloned()),
        _ => Err(classify(err)),
    }
}

/// Sorts SDK failures into "retry later" (503) and everything else (a bug: 500).
pub(crate) fn classify<E>(
    err: SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>,
) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    const RETRYABLE: &[&str] = &[
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionInProgressException",
        "TransactionConflictException",
        "LimitExceededException",
    ];
    match &err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            StoreError::Unavailable(format!("{err}"))
        }
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or_default();
            if RETRYABLE.contains(&code) || service.raw().status().as_u16() >= 500 {
                StoreError::Unavailable(format!(
                    "{code}: {}",
                    service.err().message().unwrap_or_default()
                ))
            } else {
                StoreError::Internal(format!(
                    "{code}: {}",
                    service.err().message().unwrap_or_default()
                ))
            }
        }
        _ => StoreError::Internal(format!("{err:?}")),
    }
}
