//! Inbound SMS: what a text says (keywords), whether a webhook really comes from the
//! provider (its signature), and what a well-formed inbound text is.

use super::named::Named;
use super::validate::is_valid_e164;

#[cfg(test)]
use super::twilio::default_port_variants;
pub use super::twilio::{twilio_signature, twiml, verify_twilio_signature};

/// The longest body accepted: ten concatenated segments, the most carriers deliver.
pub const MAX_SMS_CHARS: usize = 1_600;
pub const MAX_SMS_NUMBERS: usize = 10;
pub const MAX_SMS_REPLY_CHARS: usize = 320;

/// Where a text (or an email reply) came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    /// The form-encoded webhook in Twilio's format.
    Twilio,
    /// AWS End User Messaging two-way SMS, through an SNS topic.
    Aws,
    /// A reply to a notification email, received by SES; its id is the Message-ID's hash.
    Email,
}

impl Named for Provider {}

/// An inbound text as every provider's format comes down to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundSms {
    pub provider: Provider,
    /// The provider's id of this text: a redelivery carries the same one.
    pub provider_message_id: String,
    /// The sender (a customer's phone).
    pub from: String,
    /// The tenant's number it was sent to.
    pub to: String,
    pub body: String,
    /// When the provider received it (as near as the path tells): keywords from one
    /// number take effect in this order, whatever order they are delivered in.
    pub received_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InboundError {
    #[error("{0} is missing")]
    Missing(&'static str),
    #[error("{0} is not an E.164 phone number")]
    BadNumber(&'static str),
    #[error("the message id is not a provider id")]
    BadMessageId,
    #[error("the text is longer than {MAX_SMS_CHARS} characters")]
    TooLong,
}

impl InboundError {
    pub fn code(&self) -> &'static str {
        match self {
            InboundError::Missing(_) => "missing_field",
            InboundError::BadNumber(_) => "invalid_phone",
            InboundError::BadMessageId => "invalid_message_id",
            InboundError::TooLong => "message_too_long",
        }
    }
}

impl InboundSms {
    /// Checks what every provider's text must have; the body is taken as sent (keywords
    /// and cleaning come later).
    pub fn new(
        provider: Provider,
        provider_message_id: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
        body: Option<&str>,
    ) -> Result<InboundSms, InboundError> {
        let id = provider_message_id.ok_or(InboundError::Missing("message id"))?;
        let from = from.ok_or(InboundError::Missing("sender number"))?.trim();
        let to = to
            .ok_or(InboundError::Missing("destination number"))?
            .trim();
        let body = body.ok_or(InboundError::Missing("body"))?;
        if !is_provider_id(id) {
            return Err(InboundError::BadMessageId);
        }
        if !is_valid_e164(from) {
            return Err(InboundError::BadNumber("the sender number"));
        }
        if !is_valid_e164(to) {
            return Err(InboundError::BadNumber("the destination number"));
        }
        if body.chars().count() > MAX_SMS_CHARS {
            return Err(InboundError::TooLong);
        }
        Ok(InboundSms {
            provider,
            provider_message_id: id.to_owned(),
            from: from.to_owned(),
            to: to.to_owned(),
            body: body.to_owned(),
            received_at: crate::domain::now_rfc3339(),
        })
    }
}

/// Provider ids (Twilio's `SM…` sids, AWS's UUIDs) go into keys: a bounded, `#`-free alphabet.
fn is_provider_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// The keywords carriers and providers treat as commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    OptOut,
    OptIn,
    Help,
}

const OPT_OUT_WORDS: &[&str] = &[
    "STOP",
    "STOPALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "REVOKE",
    "OPTOUT",
];
const OPT_IN_WORDS: &[&str] = &["START", "YES", "UNSTOP"];
const HELP_WORDS: &[&str] = &["HELP", "INFO"];

/// The keyword a text is, if it is one: the whole text, any case, spaces around it
/// ignored ("stop please" is a message, not a command).
pub fn keyword(body: &str) -> Option<Keyword> {
    let word = body.trim().to_ascii_uppercase();
    if OPT_OUT_WORDS.contains(&word.as_str()) {
        Some(Keyword::OptOut)
    } else if OPT_IN_WORDS.contains(&word.as_str()) {
        Some(Keyword::OptIn)
    } else if HELP_WORDS.contains(&word.as_str()) {
        Some(Keyword::Help)
    } else {
        None
    }
}

/// The text a HELP gets when the tenant has written none.
pub fn default_help_text(business: Option<&str>) -> String {
    format!(
        "{}: messages about your account. Reply STOP to stop texts, START to resume.",
        business.unwrap_or("Messages")
    )
}

/// The text a sender gets (once a day) while the tenant does not take messages.
pub fn default_auto_reply(business: Option<&str>) -> String {
    format!(
        "{} is not taking text messages at the moment. Please contact us another way.",
        business.unwrap_or("This number")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn example_params() -> Vec<(String, String)> {
        pairs(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ])
    }

    #[test]
    fn twilio_public_example() {
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        assert_eq!(
            twilio_signature("12345", url, &example_params()),
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        );
        assert!(verify_twilio_signature(
            "12345",
            url,
            &example_params(),
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        ));
        assert!(!verify_twilio_signature(
            "54321",
            url,
            &example_params(),
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        ));
        let mut altered = example_params();
        altered[2].1 = "1235".into();
        assert!(!verify_twilio_signature(
            "12345",
            url,
            &altered,
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        ));
        assert!(!verify_twilio_signature(
            "12345",
            url,
            &example_params(),
            ""
        ));
    }

    #[test]
    fn parameter_order_does_not_matter() {
        let mut shuffled = example_params();
        shuffled.reverse();
        assert_eq!(
            twilio_signature(
                "12345",
                "https://mycompany.com/myapp.php?foo=1&bar=2",
                &shuffled
            ),
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        );
    }

    #[test]
    fn signed_with_or_without_the_default_port() {
        let params = pairs(&[("Body", "hi"), ("From", "+15551230000")]);
        let without = "https://api.example.com/sms/inbound";
        let with = "https://api.example.com:443/sms/inbound";
        // Configured without the port, signed with it, and the other way round.
        let signed_with = twilio_signature("tok", with, &params);
        assert!(verify_twilio_signature(
            "tok",
            without,
            &params,
            &signed_with
        ));
        let signed_without = twilio_signature("tok", without, &params);
        assert!(verify_twilio_signature(
            "tok",
            with,
            &params,
            &signed_without
        ));
        // Another port is another URL.
        let other = twilio_signature("tok", "https://api.example.com:8443/sms/inbound", &params);
        assert!(!verify_twilio_signature("tok", without, &params, &other));
        assert_eq!(
            default_port_variants("http://127.0.0.1:80/sms?x=1"),
            ["http://127.0.0.1:80/sms?x=1", "http://127.0.0.1/sms?x=1"]
        );
        assert_eq!(
            default_port_variants("https://[::1]/sms"),
            ["https://[::1]/sms", "https://[::1]:443/sms"]
        );
    }

    #[test]
    fn keywords_in_any_case_with_spaces() {
        for word in [
            "STOP",
            " stop ",
            "Unsubscribe",
            "stopall",
            "CANCEL",
            "end",
            "quit",
            "revoke",
            "OptOut",
        ] {
            assert_eq!(keyword(word), Some(Keyword::OptOut), "{word}");
        }
        for word in ["START", "yes", " Unstop\n"] {
            assert_eq!(keyword(word), Some(Keyword::OptIn), "{word}");
        }
        for word in ["help", "INFO "] {
            assert_eq!(keyword(word), Some(Keyword::Help), "{word}");
        }
        for text in ["stop please", "", "STOP!", "yes, Tuesday works"] {
            assert_eq!(keyword(text), None, "{text}");
        }
    }

    #[test]
    fn inbound_texts_need_numbers_an_id_and_a_body() {
        let ok = InboundSms::new(
            Provider::Twilio,
            Some("SM123"),
            Some("+15551230000"),
            Some("+15559870000"),
            Some("hello"),
        )
        .unwrap();
        assert_eq!(ok.from, "+15551230000");
        let bad = |id, from, to, body| InboundSms::new(Provider::Aws, id, from, to, body);
        let from = Some("+15551230000");
        let to = Some("+15559870000");
        assert_eq!(
            bad(None, from, to, Some("x")).unwrap_err().code(),
            "missing_field"
        );
        assert_eq!(
            bad(Some("a#b"), from, to, Some("x")).unwrap_err(),
            InboundError::BadMessageId
        );
        assert_eq!(
            bad(Some("id"), Some("555"), to, Some("x"))
                .unwrap_err()
                .code(),
            "invalid_phone"
        );
        assert_eq!(
            bad(Some("id"), from, to, None).unwrap_err(),
            InboundError::Missing("body")
        );
        let long = "x".repeat(MAX_SMS_CHARS + 1);
        assert_eq!(
            bad(Some("id"), from, to, Some(&long)).unwrap_err(),
            InboundError::TooLong
        );
    }

    #[test]
    fn twiml_escapes_the_reply() {
        assert_eq!(
            twiml(Some("a < b & \"c\"")),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>a &lt; b &amp; &quot;c&quot;</Message></Response>"
        );
        assert!(twiml(None).ends_with("<Response></Response>"));
    }
}
