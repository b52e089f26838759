//! What the operator (the platform, above tenants) grants a tenant: the SMS numbers and
//! SES sender identities it may use, its daily email and SMS quotas, and the countries
//! its texts may go to. Tenant admins choose only among what was granted.

use serde::{Deserialize, Serialize};

use super::country::{country_of, is_known_country};
use super::validate::{is_valid_domain, is_valid_e164, is_valid_email};

/// Numbers one tenant may be granted.
pub const MAX_GRANTED_NUMBERS: usize = 20;
/// Sender identities one tenant may be granted.
pub const MAX_GRANTED_IDENTITIES: usize = 20;
/// The highest daily quota the operator may set for one channel.
pub const MAX_DAILY_QUOTA: u32 = 1_000_000;

/// A tenant the operator has not configured may email a few hundred people a day, text
/// a hundred in the United States and Canada, and has no number or identity of its own:
/// it sends as the platform.
pub const DEFAULT_EMAILS_PER_DAY: u32 = 500;
pub const DEFAULT_SMS_PER_DAY: u32 = 100;
pub const DEFAULT_SMS_COUNTRIES: [&str; 2] = ["US", "CA"];

/// Stored as it serializes; what an item leaves out is the default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Grant {
    /// E.164 numbers: texts to them reach this tenant, and it may text from them.
    pub sms_numbers: Vec<String>,
    /// SES identities: an address (`notices@clinic.example`) or a whole domain
    /// (`clinic.example`).
    pub sender_identities: Vec<String>,
    pub emails_per_day: u32,
    pub sms_per_day: u32,
    /// ISO 3166-1 alpha-2 countries texts may go to.
    pub sms_countries: Vec<String>,
    /// Email to the tenant is paused (its bounce or complaint rate), until the operator
    /// resumes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_paused: Option<super::feedback::EmailPause>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
}

impl Default for Grant {
    fn default() -> Self {
        Grant {
            sms_numbers: Vec::new(),
            sender_identities: Vec::new(),
            emails_per_day: DEFAULT_EMAILS_PER_DAY,
            sms_per_day: DEFAULT_SMS_PER_DAY,
            sms_countries: DEFAULT_SMS_COUNTRIES.map(str::to_owned).to_vec(),
            email_paused: None,
            updated_at: None,
            updated_by: None,
        }
    }
}

impl Grant {
    /// Whether the tenant may send as `address`: the address itself or its domain was
    /// granted (the domain's subdomains are identities of their own in SES).
    pub fn allows_sender(&self, address: &str) -> bool {
        let address = address.to_ascii_lowercase();
        let domain = address.rsplit_once('@').map(|(_, d)| d);
        self.sender_identities.iter().any(|identity| {
            let identity = identity.to_ascii_lowercase();
            identity == address || Some(identity.as_str()) == domain
        })
    }

    pub fn allows_number(&self, e164: &str) -> bool {
        self.sms_numbers.iter().any(|n| n == e164)
    }

    /// Whether a text may go to `e164`: its country is on the allow-list.
    pub fn allows_sms_to(&self, e164: &str) -> bool {
        country_of(e164).is_some_and(|country| self.sms_countries.iter().any(|c| c == country))
    }

    pub fn per_day(&self, channel: super::notify::NotifyChannel) -> u32 {
        match channel {
            super::notify::NotifyChannel::Email => self.emails_per_day,
            super::notify::NotifyChannel::Sms => self.sms_per_day,
        }
    }

    /// The operator's grant as given, checked: what is wrong, named.
    pub fn validate(&self) -> Result<(), String> {
        if self.sms_numbers.len() > MAX_GRANTED_NUMBERS
            || !self.sms_numbers.iter().all(|n| is_valid_e164(n))
            || has_duplicates(&self.sms_numbers)
        {
            return Err(format!(
                "sms_numbers must be at most {MAX_GRANTED_NUMBERS} different E.164 numbers"
            ));
        }
        if self.sender_identities.len() > MAX_GRANTED_IDENTITIES
            || !self
                .sender_identities
                .iter()
                .all(|i| is_valid_email(i) || is_valid_domain(i))
        {
            return Err(format!(
                "sender_identities must be at most {MAX_GRANTED_IDENTITIES} addresses or domains"
            ));
        }
        if self.emails_per_day > MAX_DAILY_QUOTA || self.sms_per_day > MAX_DAILY_QUOTA {
            return Err(format!("daily quotas are at most {MAX_DAILY_QUOTA}"));
        }
        if let Some(unknown) = self.sms_countries.iter().find(|c| !is_known_country(c)) {
            return Err(format!(
                "sms_countries takes ISO 3166-1 alpha-2 codes such as US; {unknown:?} is not one"
            ));
        }
        Ok(())
    }
}

fn has_duplicates(values: &[String]) -> bool {
    values
        .iter()
        .enumerate()
        .any(|(i, v)| values[..i].contains(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant() -> Grant {
        Grant {
            sms_numbers: vec!["+15551230000".into()],
            sender_identities: vec!["clinic.example".into(), "front@vets.example".into()],
            ..Grant::default()
        }
    }

    #[test]
    fn senders_are_granted_addresses_or_whole_domains() {
        let grant = grant();
        assert!(grant.allows_sender("notices@clinic.example"));
        assert!(grant.allows_sender("Notices@CLINIC.example"));
        assert!(grant.allows_sender("front@vets.example"));
        assert!(!grant.allows_sender("back@vets.example"));
        assert!(!grant.allows_sender("a@mail.clinic.example"));
        assert!(!grant.allows_sender("a@evilclinic.example"));
        assert!(!Grant::default().allows_sender("a@clinic.example"));
    }

    #[test]
    fn texts_go_only_to_allowed_countries() {
        let grant = grant();
        assert!(grant.allows_sms_to("+15551230000"));
        assert!(grant.allows_sms_to("+14165550100"));
        assert!(!grant.allows_sms_to("+18765550100"));
        assert!(!grant.allows_sms_to("+447700900123"));
        assert!(!grant.allows_sms_to("+8823456789"));
    }

    #[test]
    fn the_operator_s_grant_is_checked() {
        assert!(grant().validate().is_ok());
        let bad = [
            Grant {
                sms_numbers: vec!["5551230000".into()],
                ..grant()
            },
            Grant {
                sms_numbers: vec!["+15551230000".into(), "+15551230000".into()],
                ..grant()
            },
            Grant {
                sender_identities: vec!["not an identity".into()],
                ..grant()
            },
            Grant {
                sms_per_day: MAX_DAILY_QUOTA + 1,
                ..grant()
            },
            Grant {
                sms_countries: vec!["us".into()],
                ..grant()
            },
        ];
        for grant in bad {
            assert!(grant.validate().is_err(), "{grant:?}");
        }
    }
}
