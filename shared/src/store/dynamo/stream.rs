//! Items from the table's change stream, read as the entities their keys say they are.

use super::conversations::header_from_item;
use super::inbound::OptOut;
use super::item::{from_item, get_s, Item};
use super::messages::message_from_item;
use super::orders::order_from_item;
use crate::domain::ids::TenantId;
use crate::domain::message::ReadPosition;
use crate::domain::Side;
use crate::store::keys::{self, HEADER_SK, MESSAGE_SK_PREFIX, PK, READ_CLOCK_SK, SK};
use crate::store::{ItemChange, OptOutState, Reader, StoreError, TenantChange};

/// Decodes both images with `read`: an image that is absent stays absent.
fn images<T>(
    old: Option<&Item>,
    new: Option<&Item>,
    read: impl Fn(&Item) -> Result<T, StoreError>,
) -> Result<(Option<T>, Option<T>), StoreError> {
    Ok((old.map(&read).transpose()?, new.map(&read).transpose()?))
}

/// What changed, when the item is an entity events are made of; `None` for everything
/// else (read clocks, idempotency records, search entries, delivery logs…). `keys` are
/// the record's `Keys`, the images its `OldImage` and `NewImage`.
pub fn decode_change(
    keys: &Item,
    old: Option<&Item>,
    new: Option<&Item>,
) -> Result<Option<TenantChange>, StoreError> {
    let (Some(pk), Some(sk)) = (get_s(keys, PK), get_s(keys, SK)) else {
        return Ok(None);
    };
    let Some((tenant, rest)) = pk.strip_prefix("T#").and_then(|p| p.split_once('#')) else {
        return Ok(None);
    };
    let (kind, key) = rest.split_once('#').unwrap_or((rest, ""));
    let change = match kind {
        "C" if sk == HEADER_SK => {
            let (old, new) = images(old, new, |item| header_from_item(item).map(Box::new))?;
            ItemChange::Header { old, new }
        }
        "C" if sk.starts_with(MESSAGE_SK_PREFIX) => {
            let (old, new) = images(old, new, message_from_item)?;
            ItemChange::Message { old, new }
        }
        "R" if sk != READ_CLOCK_SK => {
            let Some(change) = position_change(key, sk, old, new) else {
                return Ok(None);
            };
            change
        }
        "ORDER" if sk == keys::ORDER_SK => {
            let (old, new) = images(old, new, order_from_item)?;
            ItemChange::Order { old, new }
        }
        "NOTIF" if sk.starts_with("D#") => {
            let (old, new) = images(old, new, from_item)?;
            ItemChange::Notification { old, new }
        }
        "OPTOUT" if sk == keys::OPT_OUT_SK => {
            let read = |item: &Item| {
                from_item::<OptOut>(item).map(|o| OptOutState {
                    opted_out: o.opted_out,
                    keyword_at: o.keyword_at,
                })
            };
            let (old, new) = images(old, new, read)?;
            ItemChange::OptOut {
                phone: key.to_owned(),
                old,
                new,
            }
        }
        "UNMATCHED" if key.is_empty() => match (old, new) {
            (None, Some(new)) => ItemChange::Unmatched {
                new: from_item(new)?,
            },
            _ => return Ok(None),
        },
        "WEBHOOKS" if sk.starts_with(keys::ENDPOINT_SK_PREFIX) => {
            let (old, new) = images(old, new, from_item)?;
            ItemChange::Endpoint { old, new }
        }
        _ => return Ok(None),
    };
    Ok(Some(TenantChange {
        tenant: TenantId::from(tenant.to_owned()),
        change,
    }))
}

/// A read position: `{c|s}#{user}` and the conversation's `{customer}#{subject}`. Only
/// what the person marked read counts (`up_to`); an item holding only what their own
/// message implied (`sent_up_to`) reads as no position.
fn position_change(
    reader_key: &str,
    sk: &str,
    old: Option<&Item>,
    new: Option<&Item>,
) -> Option<ItemChange> {
    let (side, user) = reader_key.split_once('#')?;
    let side = match side {
        "c" => Side::Customer,
        "s" => Side::Staff,
        _ => return None,
    };
    let conversation = keys::conversation_of_reader_sk(sk)?;
    let read = |item: Option<&Item>| item.and_then(|i| from_item::<ReadPosition>(i).ok());
    Some(ItemChange::Position {
        reader: Reader {
            side,
            user_id: user.to_owned(),
        },
        conversation,
        old: read(old),
        new: read(new),
    })
}
