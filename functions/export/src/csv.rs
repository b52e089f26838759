//! A conversation as CSV, a record a message: time, sender type, id and name, type, text,
//! attachment names, metadata, who on the other side had read it, then whether and when
//! it was edited (with the texts its edits replaced: admins' audit), and whether, when and
//! by whom it was deleted (a deleted message's text,
//! files and metadata are gone: its cells are empty). UTF-8 with a byte order mark; cells
//! quoted per RFC 4180 and neutralised against formulas.

use shared::domain::csv::{row, BOM};
use shared::domain::edits::MessageVersion;
use shared::domain::{Message, Named};
use shared::store::readers::{read_by, ReadFrontier};

pub const CONTENT_TYPE: &str = "text/csv; charset=utf-8";

pub const COLUMNS: [&str; 15] = [
    "time",
    "sender_type",
    "sender_id",
    "sender_name",
    "type",
    "text",
    "attachments",
    "metadata",
    "read_by",
    "is_edited",
    "edited_at",
    "deleted",
    "deleted_at",
    "deleted_by",
    "earlier_versions",
];

/// The byte order mark and the column names.
pub fn head() -> String {
    format!("{BOM}{}", row(&COLUMNS))
}

/// A message's record; `versions` are the texts its edits replaced (a JSON array of
/// `{message_id, message, written_at, replaced_at}`, empty when it was not edited).
pub fn record(
    frontiers: &[ReadFrontier],
    message: &Message,
    versions: &[MessageVersion],
) -> String {
    let read_by = read_by(frontiers, message).join("; ");
    let attachments: Vec<&str> = message
        .attachments
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    let metadata = message
        .metadata
        .as_ref()
        .map(|m| m.to_string())
        .unwrap_or_default();
    let changes = &message.changes;
    let flag = |set: bool| if set { "true" } else { "false" };
    row(&[
        &message.created_at,
        message.sender_type.as_str(),
        &message.sender_id,
        &message.sender_name,
        message.message_type.as_str(),
        &message.message,
        &attachments.join("; "),
        &metadata,
        &read_by,
        flag(changes.is_edited),
        changes.edited_at.as_deref().unwrap_or_default(),
        flag(changes.deleted),
        changes.deleted_at.as_deref().unwrap_or_default(),
        changes.deleted_by.as_deref().unwrap_or_default(),
        &earlier(versions),
    ])
}

fn earlier(versions: &[MessageVersion]) -> String {
    if versions.is_empty() {
        return String::new();
    }
    serde_json::to_string(versions).unwrap_or_default()
}
