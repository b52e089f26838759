//! Directory search (`GET /customers?q=`): what a contact or a patient is found by (its
//! terms), and the token a query looks for. Nothing here performs I/O; the index that
//! holds the terms is described in `store/keys/directory.rs`.
//!
//! A term's token is folded ([`super::fold`]: lowercase, no accents) and a query matches
//! a term whose token begins with the query's token:
//! - names: each word (letters and digits; anything else separates words) and, for names
//!   of several words, the whole name, so "bella sm" finds "Bella Smith";
//! - email: the whole address and its local part as words ("bella.smith@x" is found by
//!   "bella.s", "bella s" and "bella.smith@x");
//! - phone: the E.164 digits, the national significant number and, outside `+1`, the
//!   national number with its trunk `0`: "+44 7700 900123", "07700 900123" and
//!   "7700900123" all find "+447700900123"; a query of digits and `+ - ( ) .` and spaces
//!   is read as a phone number (its digits).

use serde::{Deserialize, Serialize};

use super::error::DomainError;
use super::fold::fold;

/// Shorter queries would match a sizeable part of any directory.
pub const MIN_QUERY_CHARS: usize = 2;
/// Longer is not a search: refused.
pub const MAX_QUERY_CHARS: usize = 100;
/// Tokens are cut here (a sort key holds them); a query's token too.
pub const MAX_TOKEN_CHARS: usize = 64;
/// Words of a name beyond these are not indexed: a name's terms stay few, so one
/// person's changes fit in one transaction with their item.
pub const MAX_NAME_WORDS: usize = 8;

/// What a term was taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Name,
    Email,
    Phone,
}

/// Who a term names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonKind {
    Contact,
    Patient,
}

impl PersonKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PersonKind::Contact => "contact",
            PersonKind::Patient => "patient",
        }
    }
}

/// One way to find a person: the folded token, and the field and value it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub token: String,
    pub field: Field,
    pub value: String,
}

/// Folded, with every run of characters other than letters and digits made one space.
fn words(text: &str) -> String {
    let folded: String = fold(text)
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// At most [`MAX_TOKEN_CHARS`], without a trailing space.
fn cut(token: String) -> String {
    match token.char_indices().nth(MAX_TOKEN_CHARS) {
        Some((at, _)) => token[..at].trim_end().to_owned(),
        None => token,
    }
}

/// An email address as its whole-address token: folded, without spaces or `#` (the
/// index key's separator).
fn email_token(text: &str) -> String {
    fold(text)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '#')
        .collect()
}

fn name_terms(name: &str, terms: &mut Vec<Term>) {
    let whole = words(name);
    let mut term = |token: &str| {
        terms.push(Term {
            token: token.to_owned(),
            field: Field::Name,
            value: name.to_owned(),
        })
    };
    let mut count = 0;
    for word in whole.split(' ').take(MAX_NAME_WORDS) {
        term(word);
        count += 1;
    }
    if count > 1 {
        term(&whole);
    }
}

fn email_terms(email: &str, terms: &mut Vec<Term>) {
    let local = email.rsplit_once('@').map_or(email, |(local, _)| local);
    for token in [email_token(email), words(local)] {
        terms.push(Term {
            token,
            field: Field::Email,
            value: email.to_owned(),
        });
    }
}

/// Calling codes of one and two digits (ITU-T E.164); every other is three.
const SHORT_CALLING_CODES: &[&str] = &[
    "1", "7", "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45",
    "46", "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
    "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
];

fn phone_terms(e164: &str, terms: &mut Vec<Term>) {
    let digits: String = e164.chars().filter(char::is_ascii_digit).collect();
    let code_len = (1..=2)
        .find(|len| {
            digits
                .get(..*len)
                .is_some_and(|code| SHORT_CALLING_CODES.contains(&code))
        })
        .unwrap_or(3);
    let national = digits.get(code_len..).unwrap_or_default().to_owned();
    let mut tokens = vec![digits.clone(), national.clone()];
    // Dialled at home with the trunk prefix 0 almost everywhere but in the `+1` plan
    // (and where the 0 is part of the number already, as in Italy).
    if code_len > 1 && !national.starts_with('0') {
        tokens.push(format!("0{national}"));
    }
    for token in tokens {
        terms.push(Term {
            token,
            field: Field::Phone,
            value: e164.to_owned(),
        });
    }
}

/// Tokens shorter than a query can be are dropped, long ones cut, and a token found by
/// two fields is kept for the first (name, then email, then phone).
fn finish(terms: Vec<Term>) -> Vec<Term> {
    let mut kept: Vec<Term> = Vec::with_capacity(terms.len());
    for mut term in terms {
        term.token = cut(term.token);
        if term.token.chars().count() >= MIN_QUERY_CHARS
            && !kept.iter().any(|k| k.token == term.token)
        {
            kept.push(term);
        }
    }
    kept
}

/// What a contact is found by: at most 14 terms (8 words, the whole name, 2 of the email,
/// 3 of the phone).
pub fn contact_terms(name: &str, email: Option<&str>, phone: Option<&str>) -> Vec<Term> {
    let mut terms = Vec::new();
    name_terms(name, &mut terms);
    if let Some(email) = email {
        email_terms(email, &mut terms);
    }
    if let Some(phone) = phone {
        phone_terms(phone, &mut terms);
    }
    finish(terms)
}

/// What a patient is found by: its name's words and the whole name (at most 9 terms).
pub fn patient_terms(name: &str) -> Vec<Term> {
    let mut terms = Vec::new();
    name_terms(name, &mut terms);
    finish(terms)
}

fn looks_like_phone(query: &str) -> bool {
    query.chars().any(|c| c.is_ascii_digit())
        && query
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_whitespace() || "+-().".contains(c))
}

/// The token a query `q` looks for: the beginning of a term's token.
pub fn query_token(q: &str) -> Result<String, DomainError> {
    let q = q.trim();
    if q.is_empty() {
        return Err(DomainError::invalid("missing_field", "q is required"));
    }
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(DomainError::invalid(
            "query_too_long",
            format!("q must be at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    let token = if q.contains('@') {
        email_token(q)
    } else if looks_like_phone(q) {
        q.chars().filter(char::is_ascii_digit).collect()
    } else {
        words(q)
    };
    let token = cut(token);
    if token.chars().count() < MIN_QUERY_CHARS {
        return Err(DomainError::invalid(
            "query_too_short",
            format!(
                "q must hold at least {MIN_QUERY_CHARS} letters or digits (punctuation and accents aside)"
            ),
        ));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(terms: &[Term]) -> Vec<&str> {
        terms.iter().map(|t| t.token.as_str()).collect()
    }

    #[test]
    fn a_contact_is_found_by_its_words_whole_name_email_and_phone_forms() {
        let terms = contact_terms(
            "Bélla  O'Brien-Smith",
            Some("Bella.OBrien@Example.com"),
            Some("+447700900123"),
        );
        assert_eq!(
            tokens(&terms),
            [
                "bella",
                "o",
                "brien",
                "smith",
                "bella o brien smith",
                "bella.obrien@example.com",
                "bella obrien",
                "447700900123",
                "7700900123",
                "07700900123",
            ]
            .into_iter()
            .filter(|t| t.len() >= 2)
            .collect::<Vec<_>>()
        );
        assert_eq!(terms[0].value, "Bélla  O'Brien-Smith");
        assert_eq!(terms.last().unwrap().field, Field::Phone);
        let us = contact_terms("Casey", None, Some("+15550100001"));
        assert_eq!(tokens(&us), ["casey", "15550100001", "5550100001"]);
        let italy = contact_terms("Gio", None, Some("+390612345678"));
        assert_eq!(tokens(&italy), ["gio", "390612345678", "0612345678"]);
    }

    #[test]
    fn a_token_found_twice_is_kept_once_and_long_names_stay_few() {
        let terms = contact_terms("Bella", Some("bella@x.example"), None);
        assert_eq!(tokens(&terms), ["bella", "bella@x.example"]);
        assert_eq!(terms[0].field, Field::Name);
        let long = patient_terms(&"Rex ".repeat(60));
        assert_eq!(tokens(&long).len(), 2, "rex and the whole name");
        assert!(long[1].token.chars().count() <= MAX_TOKEN_CHARS);
        assert!(!long[1].token.ends_with(' '));
        let many = patient_terms("a1 b2 c3 d4 e5 f6 g7 h8 i9 j10");
        assert_eq!(many.len(), MAX_NAME_WORDS + 1);
    }

    #[test]
    fn queries_fold_like_the_terms_they_find() {
        assert_eq!(query_token("  BEL ").unwrap(), "bel");
        assert_eq!(query_token("Bélla sm").unwrap(), "bella sm");
        assert_eq!(query_token("(555) 010-01").unwrap(), "55501001");
        assert_eq!(query_token("+1 555 010").unwrap(), "1555010");
        assert_eq!(query_token("Bella@EXAMPLE").unwrap(), "bella@example");
        assert_eq!(query_token("ЁЛКА").unwrap(), "елка");
        assert_eq!(query_token("Unit 7").unwrap(), "unit 7");
        for (q, code) in [
            ("", "missing_field"),
            ("   ", "missing_field"),
            ("b", "query_too_short"),
            ("é!", "query_too_short"),
            ("-- .", "query_too_short"),
            (&"x".repeat(101), "query_too_long"),
        ] {
            assert_eq!(query_token(q).unwrap_err().code(), code, "{q:?}");
        }
        assert_eq!(
            query_token(&"x".repeat(100)).unwrap().len(),
            MAX_TOKEN_CHARS
        );
    }
}
