//! `GET /customers?q=`: directory search. Admins, staff and the host application find
//! customer accounts by a prefix of a contact's or patient's name, an email address or a
//! phone number (any formatting), without case or accents; basic staff find only the
//! accounts assigned to them (what the gate lets them open); customers are refused.
//!
//! Each result names an account and its contacts and patients that matched, with what
//! matched. Pages follow the index's order (by token): a page holds at most `limit`
//! accounts, and an account matched by several tokens far apart in that order may show
//! again on a later page with its further matches.

use serde::{Deserialize, Serialize};
use shared::domain::ids::CustomerId;
use shared::domain::search::{query_token, Field, PersonKind};
use shared::domain::{Principal, Role};
use shared::http::{self, Request, Response};
use shared::store::{DirectoryStore, SearchEntry, SearchStore, SettingsStore};
use shared::{ApiError, App};

/// Index entries read for a page, per account asked for: an account usually matches a
/// query by one or two tokens (a word and the whole name).
const ENTRIES_PER_ACCOUNT: usize = 3;

/// Assigned accounts a basic staff member's search reads at once.
const ACCOUNTS_AT_ONCE: usize = 8;

#[derive(Serialize, Deserialize)]
struct SearchCursor {
    /// The index position (admins, staff, the host) or the last account (basic staff)
    /// the previous page ended at.
    after: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Matched {
    field: Field,
    value: String,
}

#[derive(Debug, Serialize)]
struct PersonMatch {
    id: String,
    name: String,
    matched: Vec<Matched>,
}

#[derive(Debug, Serialize)]
struct AccountMatch {
    customer_id: String,
    contacts: Vec<PersonMatch>,
    patients: Vec<PersonMatch>,
}

impl AccountMatch {
    fn new(customer_id: &str) -> Self {
        AccountMatch {
            customer_id: customer_id.to_owned(),
            contacts: Vec::new(),
            patients: Vec::new(),
        }
    }

    fn add(&mut self, entry: SearchEntry) {
        let people = match entry.kind {
            PersonKind::Contact => &mut self.contacts,
            PersonKind::Patient => &mut self.patients,
        };
        let matched = Matched {
            field: entry.field,
            value: entry.value,
        };
        match people.iter_mut().find(|p| p.id == entry.id) {
            Some(person) if person.matched.contains(&matched) => {}
            Some(person) => person.matched.push(matched),
            None => people.push(PersonMatch {
                id: entry.id,
                name: entry.name,
                matched: vec![matched],
            }),
        }
    }
}

/// Entries in index order grouped into at most `limit` accounts: the accounts, and the
/// position of the last entry taken when an entry of one more account was left for the
/// next page.
fn group(entries: Vec<(String, SearchEntry)>, limit: usize) -> (Vec<AccountMatch>, Option<String>) {
    let mut accounts: Vec<AccountMatch> = Vec::new();
    let mut last: Option<String> = None;
    for (position, entry) in entries {
        match accounts
            .iter()
            .position(|a| a.customer_id == entry.customer_id)
        {
            Some(at) => accounts[at].add(entry),
            None if accounts.len() == limit => return (accounts, last),
            None => {
                let mut account = AccountMatch::new(&entry.customer_id);
                account.add(entry);
                accounts.push(account);
            }
        }
        last = Some(position);
    }
    (accounts, None)
}

/// Admins, staff and the host: one Query of the index.
async fn search_index<S: SearchStore>(
    app: &App<S>,
    principal: &Principal,
    token: &str,
    after: Option<&str>,
    limit: usize,
) -> Result<(Vec<AccountMatch>, Option<String>), ApiError> {
    let page = app
        .store
        .search_index(
            &principal.tenant_id,
            token,
            after,
            limit * ENTRIES_PER_ACCOUNT,
        )
        .await?;
    let last = page.entries.last().map(|(position, _)| position.clone());
    let (accounts, cut) = group(page.entries, limit);
    let next = cut.or(if page.more { last } else { None });
    Ok((accounts, next))
}

/// Basic staff: the accounts assigned to them now, each read and matched, in account
/// order, until a page is full.
async fn search_assigned<S: SearchStore + DirectoryStore>(
    app: &App<S>,
    principal: &Principal,
    token: &str,
    after: Option<&str>,
    limit: usize,
) -> Result<(Vec<AccountMatch>, Option<String>), ApiError> {
    let tenant = &principal.tenant_id;
    let reach = app.store.reach_of(tenant, &principal.user_id).await?;
    let now = jiff::Timestamp::now();
    let mut assigned: Vec<CustomerId> = reach
        .assignments
        .iter()
        .filter(|a| a.is_active_at(now))
        .map(|a| CustomerId::new(a.customer_id.clone()))
        .filter(|c| after.is_none_or(|after| c.as_str() > after))
        .collect();
    assigned.sort();
    assigned.dedup();
    let mut accounts = Vec::new();
    for (chunk_at, chunk) in assigned.chunks(ACCOUNTS_AT_ONCE).enumerate() {
        let reads = chunk.iter().map(|c| app.store.account_entries(tenant, c));
        let found = futures_util::future::try_join_all(reads).await?;
        for (index, (customer, entries)) in chunk.iter().zip(found).enumerate() {
            let mut account = AccountMatch::new(customer.as_str());
            for entry in entries.into_iter().filter(|e| e.token.starts_with(token)) {
                account.add(entry);
            }
            if account.contacts.is_empty() && account.patients.is_empty() {
                continue;
            }
            accounts.push(account);
            let read = chunk_at * ACCOUNTS_AT_ONCE + index + 1;
            if accounts.len() == limit && read < assigned.len() {
                return Ok((accounts, Some(customer.to_string())));
            }
        }
    }
    Ok((accounts, None))
}

pub async fn find<S: SettingsStore + DirectoryStore + SearchStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let principal = app.caller(request)?;
    if principal.role == Role::Customer {
        return Err(ApiError::forbidden(
            "forbidden",
            "only staff and the host application may search the directory",
        ));
    }
    let token = query_token(&http::query_param(request, "q").unwrap_or_default())?;
    let limit = http::limit(request)? as usize;
    let basic = principal.role == Role::BasicStaff;
    let scope = format!(
        "customers/{}/{}/{}/{token}",
        principal.tenant_id,
        principal.user_id,
        if basic { "assigned" } else { "index" }
    );
    let cursor = http::query_param(request, "cursor")
        .map(|c| app.cursors.open::<SearchCursor>(&scope, &c))
        .transpose()?;
    let after = cursor.as_ref().map(|c| c.after.as_str());
    let (accounts, next) = if basic {
        search_assigned(app, &principal, &token, after, limit).await?
    } else {
        search_index(app, &principal, &token, after, limit).await?
    };
    let next_cursor = next.map(|after| app.cursors.seal(&scope, &SearchCursor { after }));
    Ok(http::json_response(
        200,
        &serde_json::json!({ "customers": accounts, "next_cursor": next_cursor }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(customer: &str, id: &str, field: Field) -> (String, SearchEntry) {
        let position = format!("tok#{customer}#contact#{id}#{field:?}");
        let entry = SearchEntry {
            token: "tok".into(),
            customer_id: customer.into(),
            kind: PersonKind::Contact,
            id: id.into(),
            name: id.to_uppercase(),
            field,
            value: format!("{field:?}"),
        };
        (position, entry)
    }

    #[test]
    fn a_page_holds_limit_accounts_and_ends_before_the_next() {
        let entries = vec![
            entry("c1", "a", Field::Name),
            entry("c2", "b", Field::Name),
            entry("c1", "a", Field::Name),
            entry("c1", "a", Field::Email),
            entry("c3", "c", Field::Name),
            entry("c2", "d", Field::Phone),
        ];
        let (accounts, cut) = group(entries.clone(), 2);
        assert_eq!(accounts.len(), 2);
        assert_eq!(accounts[0].contacts[0].matched.len(), 2, "name once, email");
        assert_eq!(cut.as_deref(), Some(entries[3].0.as_str()));
        let (accounts, cut) = group(entries, 3);
        assert_eq!((accounts.len(), cut), (3, None));
        assert_eq!(accounts[1].contacts.len(), 2);
    }
}
