//! The provider webhook in Twilio's format: its request signature and the TwiML that
//! answers it.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;

/// Twilio's request signature: base64 of HMAC-SHA1, keyed with the auth token, over the
/// URL the provider called followed by each POST parameter's name and value, sorted.
pub fn twilio_signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut mac =
        Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()).expect("HMAC accepts any key length");
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether `given` is the signature of this request. The provider may sign the URL with
/// or without the scheme's default port, so both are tried; comparisons take the same
/// time whatever they find.
pub fn verify_twilio_signature(
    auth_token: &str,
    url: &str,
    params: &[(String, String)],
    given: &str,
) -> bool {
    let mut valid = false;
    for candidate in default_port_variants(url) {
        let expected = twilio_signature(auth_token, &candidate, params);
        valid |= bool::from(expected.as_bytes().ct_eq(given.as_bytes()));
    }
    valid
}

/// The URL as written, and with its scheme's default port added or removed.
pub(super) fn default_port_variants(url: &str) -> Vec<String> {
    let mut variants = vec![url.to_owned()];
    let Some((scheme, rest)) = url.split_once("://") else {
        return variants;
    };
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "https" => "443",
        "http" => "80",
        _ => return variants,
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let (credentials, host_port) = match authority.rsplit_once('@') {
        Some((credentials, host_port)) => (format!("{credentials}@"), host_port),
        None => (String::new(), authority),
    };
    let port_start = host_port
        .rfind(':')
        .filter(|&i| !host_port[i..].contains(']'));
    let other = match port_start {
        Some(i) if &host_port[i + 1..] == default_port => host_port[..i].to_owned(),
        Some(_) => return variants,
        None => format!("{host_port}:{default_port}"),
    };
    variants.push(format!("{scheme}://{credentials}{other}{tail}"));
    variants
}

/// TwiML that answers a webhook, with a reply text or without one. The text is escaped.
pub fn twiml(reply: Option<&str>) -> String {
    match reply {
        Some(text) => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>{}</Message></Response>",
            super::text::escape_html(text)
        ),
        None => "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>".to_owned(),
    }
}
