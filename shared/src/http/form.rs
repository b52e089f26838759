//! Form-encoded bodies (`application/x-www-form-urlencoded`), as the SMS provider's
//! webhook sends them.

use crate::error::ApiError;

/// `%XX` escapes decoded; anything else, a malformed escape included, kept as it is.
pub fn percent_decode(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let hex = || {
            std::str::from_utf8(input.get(i + 1..i + 3)?)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        };
        match (input[i], hex()) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}

/// One `application/x-www-form-urlencoded` name or value (`+` is a space).
pub fn form_decode(input: &[u8]) -> Result<String, std::string::FromUtf8Error> {
    let spaced: Vec<u8> = input
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    String::from_utf8(percent_decode(&spaced))
}

/// A form body's name/value pairs in order; an error when any is not UTF-8.
pub fn form_pairs(body: &[u8]) -> Result<Vec<(String, String)>, ApiError> {
    body.split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = match pair.iter().position(|&b| b == b'=') {
                Some(at) => (&pair[..at], &pair[at + 1..]),
                None => (pair, &[][..]),
            };
            Ok((form_decode(name)?, form_decode(value)?))
        })
        .collect::<Result<_, std::string::FromUtf8Error>>()
        .map_err(|_| ApiError::bad_request("invalid_encoding", "the form is not UTF-8"))
}
