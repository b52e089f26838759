//! Reply addresses: what issuing one costs the dispatcher, with the first email to a
//! person in a conversation and with the later ones, measured as the difference between a
//! dispatcher with a reply domain and one without (no moto needed). Each line prices the
//! extra DynamoDB units, per million people and conversations, at us-east-1 list prices.

use jiff::{SignedDuration, Timestamp};

use super::replies::{profile, Accepting, FROM, REPLY_DOMAIN, STAFF_EMAIL};
use super::*;

/// A dispatcher and what its runs cost: the contact writes and the staff member (the one
/// recipient, by email) is told; they answer; the contact writes again and they are told
/// again.
async fn notification_runs(reply_domain: Option<&str>) -> Runs {
    let stack = TestStack::start().await;
    let settings = Settings {
        business_name: Some("Oak Vets".into()),
        portal_base_url: Some("https://portal.oakvets.example".into()),
        ..Settings::default()
    };
    stack.set_settings(TENANT, &settings).await;
    stack
        .store
        .put_staff(&TenantId::from(TENANT), &profile(STAFF, STAFF_EMAIL))
        .await
        .unwrap();
    let app = stack.app();
    let dispatcher = notify::Dispatcher::new(
        stack.store.clone(),
        Accepting::default(),
        Accepting::default(),
        FROM,
    )
    .with_reply_domain(reply_domain.map(str::to_owned));
    let later = |minutes: i64| Timestamp::now() + SignedDuration::from_mins(minutes);
    let label = format!(
        "reply_address={}",
        if reply_domain.is_some() { "on" } else { "off" }
    );

    post(&app, &customer(), None).await;
    let (first, report) = measure_as(
        &stack,
        "dispatch.first_email_to_person",
        &label,
        false,
        async { dispatcher.run(later(60)).await.unwrap() },
    )
    .await;
    assert_eq!(report.sent, 1, "{report:?}");
    let first_operations = stack.requests.operations();
    post(&app, &staff(), None).await;
    dispatcher.run(later(120)).await.unwrap();
    post(&app, &customer(), None).await;
    let (again, report) = measure_as(
        &stack,
        "dispatch.later_email_to_person",
        &label,
        false,
        async { dispatcher.run(later(180)).await.unwrap() },
    )
    .await;
    assert_eq!(report.sent, 1, "{report:?}");
    let reply_to = dispatcher.email.reply_to.lock().unwrap().clone();
    Runs {
        first,
        first_operations,
        again,
        reply_to,
    }
}

/// A first and a later email to one person in one conversation.
struct Runs {
    first: Cost,
    first_operations: Vec<String>,
    again: Cost,
    /// The emails' reply addresses.
    reply_to: Vec<Option<String>>,
}

/// How many more of each operation `with` sent than `without`.
fn more_operations(with: &[String], without: &[String]) -> Vec<(String, usize)> {
    let mut names: Vec<&String> = with.iter().collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            let count = |ops: &[String]| ops.iter().filter(|o| *o == name).count();
            (name.clone(), count(with).saturating_sub(count(without)))
        })
        .filter(|(_, more)| *more > 0)
        .collect()
}

fn difference(with: &Cost, without: &Cost) -> Cost {
    Cost {
        requests: with.requests - without.requests,
        rru: with.rru - without.rru,
        wru: with.wru - without.wru,
    }
}

/// A reply address costs the dispatcher one PutItem (the token, only if absent) and one
/// UpdateItem (kept on the person's read-position item) with the first email to a person
/// in a conversation, and nothing with the later ones (the token comes with the position
/// the run reads anyway).
#[tokio::test]
async fn a_reply_address_costs_two_writes_once_per_person_and_conversation() {
    let with = Box::pin(notification_runs(Some(REPLY_DOMAIN))).await;
    let without = Box::pin(notification_runs(None)).await;
    assert_eq!(without.reply_to, [None, None]);
    assert_eq!(with.reply_to.len(), 2);
    assert!(with.reply_to[0].is_some(), "{:?}", with.reply_to);
    assert_eq!(
        with.reply_to[0], with.reply_to[1],
        "one address per person and thread"
    );

    let first = difference(&with.first, &without.first);
    let later = difference(&with.again, &without.again);
    for (operation, extra) in [
        ("dispatch.reply_address_first_email", &first),
        ("dispatch.reply_address_later_email", &later),
    ] {
        println!(
            "CAPACITY {operation} per=person_and_conversation requests={} rru={} wru={} usd_per_million={:.3}",
            extra.requests,
            extra.rru,
            extra.wru,
            extra.rru * RRU_PER_MILLION + extra.wru * WRU_PER_MILLION,
        );
    }
    assert_eq!(
        more_operations(&with.first_operations, &without.first_operations),
        [("PutItem".to_owned(), 1), ("UpdateItem".to_owned(), 1)],
        "the token and the position item"
    );
    assert_eq!(
        first,
        Cost {
            requests: 2,
            rru: 0.0,
            wru: 2.0
        }
    );
    assert_eq!(
        later,
        Cost {
            requests: 0,
            rru: 0.0,
            wru: 0.0
        }
    );
}
