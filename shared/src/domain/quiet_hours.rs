//! Quiet hours: when a tenant's notifications wait.

use jiff::{civil::Time, tz::TimeZone, Timestamp};
use serde::{Deserialize, Serialize};

/// `HH:MM`–`HH:MM` in the tenant's time zone; the span may cross midnight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuietHours {
    pub start: String,
    pub end: String,
}

fn parse_clock(value: &str) -> Option<Time> {
    let (h, m) = value.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    Time::new(h.parse().ok()?, m.parse().ok()?, 0, 0).ok()
}

impl QuietHours {
    pub fn is_valid(&self) -> bool {
        matches!(
            (parse_clock(&self.start), parse_clock(&self.end)),
            (Some(s), Some(e)) if s != e
        )
    }

    /// When a notification due at `now` may go out: `None` if at once, else the end of
    /// the quiet hours `now` falls in.
    pub fn hold_until(&self, now: Timestamp, zone: &TimeZone) -> Option<Timestamp> {
        let (start, end) = (parse_clock(&self.start)?, parse_clock(&self.end)?);
        let local = now.to_zoned(zone.clone());
        let time = local.time();
        let quiet = if start < end {
            time >= start && time < end
        } else {
            time >= start || time < end
        };
        if !quiet {
            return None;
        }
        let mut date = local.date();
        if time >= end {
            date = date.tomorrow().ok()?;
        }
        date.to_datetime(end)
            .to_zoned(zone.clone())
            .ok()
            .map(|z| z.timestamp())
    }
}
