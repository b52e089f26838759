//! Attribute values in and out, and SDK failures sorted into what a caller can do about them.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_dynamo::aws_sdk_dynamodb_1 as dynamo_serde;
use ulid::Ulid;

use crate::store::keys::{PK, SK};
use crate::store::StoreError;

pub(crate) type Item = HashMap<String, AttributeValue>;

/// A request that could not be built: a bug, not bad input.
pub(crate) fn internal(err: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(err.to_string())
}

pub(crate) async fn backoff(attempt: u32) {
    let cap_ms = 2u64.pow(attempt.min(6));
    let jitter = u64::from(Ulid::new().random() as u16) % (cap_ms + 1);
    tokio::time::sleep(Duration::from_millis(jitter + 1)).await;
}

/// A record's item, from its serde form. A `None` is left out: the table holds no NULL,
/// an absent attribute is how an item says "none".
pub(crate) fn to_item<T: Serialize>(record: &T) -> Result<Item, StoreError> {
    let mut item = dynamo_serde::to_item(record).map_err(internal)?;
    item.retain(|_, value| !matches!(value, AttributeValue::Null(_)));
    Ok(item)
}

/// A record's item under its key.
pub(crate) fn keyed_item<T: Serialize>(
    pk: impl Into<String>,
    sk: impl Into<String>,
    record: &T,
) -> Result<Item, StoreError> {
    let mut item = to_item(record)?;
    item.insert(PK.to_owned(), s(pk));
    item.insert(SK.to_owned(), s(sk));
    Ok(item)
}

/// One attribute's value, from its serde form (a map for a struct).
pub(crate) fn attribute<T: Serialize>(value: &T) -> Result<AttributeValue, StoreError> {
    dynamo_serde::to_attribute_value(value).map_err(internal)
}

/// A record from its item (its key and attributes the record does not name are left
/// aside). An item that does not read is corrupt: logged with its key,
/// and a 500 for whoever asked.
pub(crate) fn from_item<T: DeserializeOwned>(item: &Item) -> Result<T, StoreError> {
    dynamo_serde::from_item(item.clone()).map_err(|err| corrupt(item, err))
}

/// The error for an item that does not hold what its key says it should.
pub(crate) fn corrupt(item: &Item, err: impl std::fmt::Display) -> StoreError {
    let (pk, sk) = (
        get_s(item, PK).unwrap_or_default(),
        get_s(item, SK).unwrap_or_default(),
    );
    tracing::error!(pk, sk, error = %err, "corrupt item");
    StoreError::Internal(format!("corrupt item {pk} {sk}: {err}"))
}

/// A conversation id as items hold it: its encoded text.
pub(crate) mod conversation_text {
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::domain::ConversationId;

    pub(crate) fn serialize<S: Serializer>(id: &ConversationId, to: S) -> Result<S::Ok, S::Error> {
        to.serialize_str(&id.encode())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        from: D,
    ) -> Result<ConversationId, D::Error> {
        let text = String::deserialize(from)?;
        ConversationId::decode(&text)
            .ok_or_else(|| D::Error::custom(format!("invalid conversation id {text}")))
    }
}

/// A TTL attribute's value: `secs` from now, in epoch seconds.
pub(crate) fn expires_in(secs: i64) -> AttributeValue {
    AttributeValue::N((jiff::Timestamp::now().as_second() + secs).to_string())
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

pub(crate) fn is_conditional_failure(
    err: &SdkError<UpdateItemError, aws_sdk_dynamodb::config::http::HttpResponse>,
) -> bool {
    matches!(
        err.as_service_error(),
        Some(UpdateItemError::ConditionalCheckFailedException(_))
    )
}

pub(crate) fn is_put_conditional_failure(
    err: &SdkError<
        aws_sdk_dynamodb::operation::put_item::PutItemError,
        aws_sdk_dynamodb::config::http::HttpResponse,
    >,
) -> bool {
    matches!(
        err.as_service_error(),
        Some(
            aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(_)
        )
    )
}

/// Whether a conditional UpdateItem wrote: `false` when its condition failed, any other
/// failure as a [`StoreError`].
pub(crate) fn update_written<T>(
    result: Result<T, SdkError<UpdateItemError, aws_sdk_dynamodb::config::http::HttpResponse>>,
) -> Result<bool, StoreError> {
    match result {
        Ok(_) => Ok(true),
        Err(err) if is_conditional_failure(&err) => Ok(false),
        Err(err) => Err(classify(err)),
    }
}

/// Whether a conditional PutItem wrote, as [`update_written`].
pub(crate) fn put_written<T>(
    result: Result<
        T,
        SdkError<
            aws_sdk_dynamodb::operation::put_item::PutItemError,
            aws_sdk_dynamodb::config::http::HttpResponse,
        >,
    >,
) -> Result<bool, StoreError> {
    match result {
        Ok(_) => Ok(true),
        Err(err) if is_put_conditional_failure(&err) => Ok(false),
        Err(err) => Err(classify(err)),
    }
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
