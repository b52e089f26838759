//! Storage: what handlers ask of the table, as small traits, and their DynamoDB
//! implementation. The key design, and what every operation costs, is documented in
//! [`keys`]. One concern a file: `store/<concern>.rs` holds a trait and its types,
//! `store/dynamo/<concern>.rs` its implementation.

mod changes;
mod directory;
mod drafts;
mod due;
mod dynamo;
mod feed;
mod grants;
mod inbound;
mod jobs;
pub mod keys;
mod messages;
mod notifications;
mod outcomes;
mod patients;
mod person;
pub mod readers;
mod replies;
pub mod schema;
mod search;
mod settings;
mod stream;
mod uploads;
mod webhooks;

pub use changes::*;
pub use directory::*;
pub use drafts::*;
pub use due::*;
pub use dynamo::{decode_change, DynamoStore};
pub use feed::*;
pub use grants::*;
pub use inbound::*;
pub use jobs::*;
pub use messages::*;
pub use notifications::*;
pub use outcomes::*;
pub use patients::*;
pub use person::*;
pub use replies::*;
pub use search::*;
pub use settings::*;
pub use stream::*;
pub use uploads::*;
pub use webhooks::*;

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
    /// Something the request names that the tenant's directory does not hold.
    #[error("{message}")]
    Unknown { code: &'static str, message: String },
    /// Throttled, unreachable, timed out, or a 5xx: the request may be retried later.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    #[error("storage error: {0}")]
    Internal(String),
}
