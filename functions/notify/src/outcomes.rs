//! Delivery outcomes: SES configuration-set events (delivery, bounce, complaint, delay,
//! reject) and End User Messaging SMS events, through SNS. Each moves its delivery
//! record forward (`GET /notifications` shows it; a repeat or an overtaken event changes
//! nothing). A hard bounce, a complaint or a number that cannot take texts also
//! suppresses the address for the tenant, once, with a note in the thread that is
//! neither unread nor notified; a complaint turns that person's email for the
//! conversation off, as an unsubscribe would; hard bounces and complaints count towards
//! the tenant's rates, which pause its email at [`MAX_BOUNCE_RATE`] or
//! [`MAX_COMPLAINT_RATE`] over [`RATE_DAYS`] days.
//!
//! [`MAX_BOUNCE_RATE`]: shared::domain::feedback::MAX_BOUNCE_RATE
//! [`MAX_COMPLAINT_RATE`]: shared::domain::feedback::MAX_COMPLAINT_RATE

use aws_lambda_events::sns::SnsEvent;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use shared::domain::feedback::{suppression_note, Suppression, RATE_DAYS};
use shared::domain::ids::TenantId;
use shared::domain::notify::NotifyChannel;
use shared::domain::outcome::{parse_outcome, Outcome, OutcomeKind};
use shared::domain::{MessageType, SenderType};
use shared::store::{
    DeliveryRecord, DeliveryStatus, MessageDraft, MessageStore, NotificationStore, ReportedOutcome,
    SentMessage, StoreError,
};

/// What one event did, for the invocation's log line.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct OutcomeReport {
    /// Records moved forward.
    pub applied: u64,
    /// Repeats, events overtaken, and messages of nobody's record.
    pub unchanged: u64,
    /// Addresses and numbers newly suppressed.
    pub suppressed: u64,
    /// Tenants whose email this paused.
    pub paused: u64,
    /// Messages that were no outcome (sends, opens, malformed).
    pub ignored: u64,
}

/// The status a record takes for an outcome.
pub fn status_of(kind: OutcomeKind) -> DeliveryStatus {
    match kind {
        OutcomeKind::Delayed => DeliveryStatus::Delayed,
        OutcomeKind::Delivered => DeliveryStatus::Delivered,
        OutcomeKind::Bounced => DeliveryStatus::Bounced,
        OutcomeKind::Complained => DeliveryStatus::Complained,
        OutcomeKind::SoftBounced
        | OutcomeKind::UndeliveredTemporarily
        | OutcomeKind::Undelivered => DeliveryStatus::Undelivered,
    }
}

/// Every record of an SNS event. A message that is no outcome is logged and skipped (SNS
/// would only deliver it again); a storage failure fails the invocation, which Lambda
/// retries: what was applied before is then a repeat, which changes nothing.
pub async fn handle_outcomes<S: NotificationStore + MessageStore>(
    store: &S,
    event: SnsEvent,
) -> Result<OutcomeReport, StoreError> {
    let mut report = OutcomeReport::default();
    for record in event.records {
        match parse_outcome(&record.sns.message) {
            Ok(Some(outcome)) => apply(store, &outcome, &mut report).await?,
            Ok(None) => report.ignored += 1,
            Err(error) => {
                tracing::warn!(%error, "a delivery event was not read");
                report.ignored += 1;
            }
        }
    }
    Ok(report)
}

async fn apply<S: NotificationStore + MessageStore>(
    store: &S,
    outcome: &Outcome,
    report: &mut OutcomeReport,
) -> Result<(), StoreError> {
    let Some(sent) = store.sent_message(&outcome.provider_message_id).await? else {
        // Mail of another sender on the same configuration set, or older than a week.
        tracing::info!(id = %outcome.provider_message_id, "a delivery event of no record");
        report.unchanged += 1;
        return Ok(());
    };
    let reported = ReportedOutcome {
        status: status_of(outcome.kind),
        rank: outcome.kind.rank(),
        at: outcome.at.clone(),
        detail: outcome.detail.clone(),
    };
    let Some(record) = store.apply_outcome(&sent, &reported).await? else {
        report.unchanged += 1;
        return Ok(());
    };
    report.applied += 1;
    tracing::info!(tenant = %sent.tenant_id, status = ?reported.status, channel = ?sent.channel, "delivery outcome");
    if outcome.kind.suppresses() {
        suppress(store, &sent, &record, outcome, report).await?;
    }
    Ok(())
}

/// The address stops receiving: suppressed for the tenant (the first time, with the
/// thread's note), the complaint's conversation muted, and the tenant's rates judged.
async fn suppress<S: NotificationStore + MessageStore>(
    store: &S,
    sent: &SentMessage,
    record: &DeliveryRecord,
    outcome: &Outcome,
    report: &mut OutcomeReport,
) -> Result<(), StoreError> {
    let tenant = TenantId::from(&sent.tenant_id);
    let suppression = Suppression {
        channel: sent.channel,
        address: record.address.to_ascii_lowercase(),
        reason: outcome.kind,
        at: outcome.at.clone(),
        detail: outcome.detail.clone(),
    };
    if store.suppress(&tenant, &suppression).await? {
        report.suppressed += 1;
        note(store, &tenant, sent, &suppression).await?;
    }
    if outcome.kind == OutcomeKind::Complained {
        if let (Some(conversation), Some(reader)) = (sent.conversation(), sent.reader()) {
            store
                .turn_email_off(&tenant, &conversation, &reader)
                .await?;
        }
    }
    if sent.channel == NotifyChannel::Email {
        let complaint = outcome.kind == OutcomeKind::Complained;
        if judge_rates(store, &tenant, Timestamp::now(), complaint).await? {
            report.paused += 1;
        }
    }
    Ok(())
}

/// The thread's note for staff: a system message, so it is neither unread nor notified.
/// A conversation closed since has no note.
async fn note<S: MessageStore>(
    store: &S,
    tenant: &TenantId,
    sent: &SentMessage,
    suppression: &Suppression,
) -> Result<(), StoreError> {
    let Some(conversation) = sent.conversation() else {
        return Ok(());
    };
    let event = match suppression.reason {
        OutcomeKind::Complained => "email_complained",
        _ if suppression.channel == NotifyChannel::Sms => "sms_undeliverable",
        _ => "email_bounced",
    };
    let draft = MessageDraft::new(
        conversation,
        SenderType::System,
        "notifications",
        "Notifications",
        MessageType::System,
        suppression_note(suppression),
    )
    .metadata(Some(serde_json::json!({
        "event": event,
        "channel": suppression.channel,
        "recipient": sent.recipient,
    })));
    match store.append_message(tenant, &draft, None).await {
        Ok(_) | Err(StoreError::Closed | StoreError::NotFound) => Ok(()),
        Err(err) => Err(err),
    }
}

/// Counts a hard bounce or a complaint on the day it is learnt of (a late one still
/// weighs on the window's rates) and pauses the tenant's email when its rates over the
/// last days call for it: whether this paused it.
async fn judge_rates<S: NotificationStore>(
    store: &S,
    tenant: &TenantId,
    at_time: Timestamp,
    complaint: bool,
) -> Result<bool, StoreError> {
    let day = |t: Timestamp| t.strftime("%Y-%m-%d").to_string();
    store
        .count_feedback(tenant, &day(at_time), complaint)
        .await?;
    let first = at_time - SignedDuration::from_hours(24 * (RATE_DAYS - 1));
    let rates = store
        .email_rates(tenant, &day(first), &day(at_time))
        .await?;
    match rates.pause(&shared::domain::now_rfc3339()) {
        Some(pause) => {
            let paused = store.pause_email(tenant, &pause).await?;
            if paused {
                tracing::warn!(%tenant, ?rates, "email to the tenant paused for its bounce or complaint rate");
            }
            Ok(paused)
        }
        None => Ok(false),
    }
}
