//! What delivery outcomes change beyond one record: addresses suppressed for a tenant,
//! and a tenant's bounce and complaint rates, which pause its email before the shared
//! SES account would be put on probation. Nothing here performs I/O.

use serde::{Deserialize, Serialize};

use super::notify::NotifyChannel;
use super::outcome::OutcomeKind;

/// Days the rates are counted over (SES judges an account's reputation over a window of
/// about this length).
pub const RATE_DAYS: i64 = 7;
/// Email to a tenant pauses at this share of hard bounces among emails sent (SES puts an
/// account under review at 5 %)...
pub const MAX_BOUNCE_RATE: f64 = 0.05;
/// ...or at this share of complaints (SES reviews at 0.1 %).
pub const MAX_COMPLAINT_RATE: f64 = 0.001;
/// Fewer emails than this in the window judge nothing: one bounce among three emails is
/// chance, not a stale list.
pub const MIN_EMAILS_JUDGED: u64 = 200;

/// An address (or number) a tenant no longer sends to, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    pub channel: NotifyChannel,
    /// The email address, lower-cased, or the E.164 number.
    pub address: String,
    pub reason: OutcomeKind,
    pub at: String,
    /// The provider's words (a bounce's diagnostic).
    pub detail: Option<String>,
}

/// Why email to a tenant is paused (on the operator's grant until the operator resumes):
/// when, and the rates that called for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailPause {
    pub at: String,
    #[serde(flatten)]
    pub rates: EmailRates,
}

/// A tenant's email over the last [`RATE_DAYS`] days.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailRates {
    pub sent: u64,
    pub bounced: u64,
    pub complained: u64,
}

impl EmailRates {
    pub fn bounce_rate(&self) -> f64 {
        ratio(self.bounced, self.sent)
    }

    pub fn complaint_rate(&self) -> f64 {
        ratio(self.complained, self.sent)
    }

    /// The pause these rates call for, if any.
    pub fn pause(&self, at: &str) -> Option<EmailPause> {
        let over =
            self.bounce_rate() >= MAX_BOUNCE_RATE || self.complaint_rate() >= MAX_COMPLAINT_RATE;
        (self.sent >= MIN_EMAILS_JUDGED && over).then(|| EmailPause {
            at: at.to_owned(),
            rates: *self,
        })
    }
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// An address as a thread's note shows it: enough to recognise, not to harvest
/// (`c…@example.com`, `+1…0182`).
pub fn masked(address: &str) -> String {
    match address.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}…@{domain}")
        }
        None => {
            let chars: Vec<char> = address.chars().collect();
            let head: String = chars.iter().take(2).collect();
            let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
            format!("{head}…{tail}")
        }
    }
}

/// The thread's note of an address that stopped working.
pub fn suppression_note(suppression: &Suppression) -> String {
    let address = masked(&suppression.address);
    match (suppression.channel, suppression.reason) {
        (NotifyChannel::Email, OutcomeKind::Complained) => {
            format!("Email to {address} was marked as spam: no more email is sent there.")
        }
        (NotifyChannel::Email, _) => {
            format!("Email to {address} bounced: no more email is sent there.")
        }
        (NotifyChannel::Sms, _) => {
            format!("Texts to {address} cannot be delivered: no more texts are sent there.")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_pause_only_past_a_threshold_and_a_volume() {
        let rates = |sent, bounced, complained| EmailRates {
            sent,
            bounced,
            complained,
        };
        assert!(rates(1000, 49, 0).pause("t").is_none());
        assert!(rates(1000, 50, 0).pause("t").is_some(), "5 % bounces");
        assert!(rates(1000, 0, 1).pause("t").is_some(), "0.1 % complaints");
        assert!(rates(199, 100, 10).pause("t").is_none(), "too few to judge");
        assert!(rates(0, 0, 0).pause("t").is_none());
        let pause = rates(400, 20, 0).pause("2026-12-01T00:00:00Z").unwrap();
        assert_eq!(pause.rates.bounce_rate(), 0.05);
    }

    #[test]
    fn addresses_are_masked_in_notes() {
        assert_eq!(masked("carla@example.com"), "c…@example.com");
        assert_eq!(masked("+14255550182"), "+1…0182");
        let note = suppression_note(&Suppression {
            channel: NotifyChannel::Email,
            address: "carla@example.com".into(),
            reason: OutcomeKind::Bounced,
            at: "t".into(),
            detail: None,
        });
        assert_eq!(
            note,
            "Email to c…@example.com bounced: no more email is sent there."
        );
    }
}
