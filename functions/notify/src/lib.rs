//! `notify`: the scheduled dispatcher (EventBridge, every minute).
//!
//! A message makes its conversation's notification pending (the send's own header update
//! puts the header into the sparse due index `gsi3`). A run Queries each due-index shard
//! for what is due by now, and for each conversation:
//!
//! 1. reads the tenant's settings (once per run), holds the pass through quiet hours, and
//!    drops it when messaging is disabled;
//! 2. reads the conversation (one Query: header and newest messages), the account's
//!    contacts and assigned staff (one Query) and the staff directory (once per run);
//! 3. plans one delivery per recipient and channel for everyone who still has something
//!    unread ([`plan`]);
//! 4. for each delivery: claims it with a conditional write, sends, records the provider's
//!    message id (or the failure). A claim held by another run, or a retry not yet due,
//!    is left alone and the pass is looked at again then;
//! 5. settles the pass: done, postponed (retries, held claims, quiet hours), or followed
//!    by the SMS escalation; messages that arrived meanwhile get a pass of their own.
//!
//! Claims make overlapping runs and a run that died part-way deliver each notification
//! once per recipient: a delivery that is `sent` is never claimed again, and one a dead
//! run claimed becomes claimable when its lease ends.

mod plan;

use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use shared::config::ConfigError;
use shared::domain::directory::StaffProfile;
use shared::domain::notify::notify_delay;
use shared::domain::validate::is_valid_email;
use shared::domain::{format_timestamp, MessagingMode, Side};
use shared::notify::{EmailSender, SendError, SesEmail, SmsSender, SnsSms};
use shared::settings_cache::SettingsCache;
use shared::store::keys::DUE_SHARDS;
use shared::store::{
    Claim, DeliveryOutcome, DirectoryStore, DueConversation, DueEntry, DueStage, DynamoStore,
    MessageStore, NotificationStore, Reader, SettingsStore, Settlement, StoreError,
};

pub use plan::{plan, Outgoing, PlanInput, Planned};

/// Conversations one run takes from each due-index shard; the rest wait a minute.
pub const DUE_PER_SHARD: u32 = 100;
/// Messages a digest is built from (the newest).
const DIGEST_SOURCE_MESSAGES: u32 = 50;
/// How long a claim keeps other runs off a delivery; a run that dies frees it after this.
pub const CLAIM_LEASE: SignedDuration = SignedDuration::from_mins(2);
/// Attempts per delivery before it is marked failed.
pub const MAX_ATTEMPTS: u64 = 5;

#[derive(Debug, Clone)]
pub struct NotifyConfig {
    pub table_name: String,
    /// Sender address when a tenant has not set `from_email` (an SES-verified identity).
    pub from_email: String,
}

impl NotifyConfig {
    pub fn from_env() -> Result<NotifyConfig, ConfigError> {
        NotifyConfig::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<NotifyConfig, ConfigError> {
        let table_name = shared::config::table_name(&lookup)?;
        let from_email =
            lookup("NOTIFY_FROM_EMAIL").ok_or(ConfigError::Missing("NOTIFY_FROM_EMAIL"))?;
        if !is_valid_email(&from_email) {
            return Err(ConfigError::Invalid {
                name: "NOTIFY_FROM_EMAIL",
                reason: "must be an email address".into(),
            });
        }
        Ok(NotifyConfig {
            table_name,
            from_email,
        })
    }
}

/// What a run did, for its log line and its callers.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct RunReport {
    pub conversations: u64,
    pub sent: u64,
    pub retrying: u64,
    pub failed: u64,
    /// Retries given up because the recipient has read the thread since.
    pub cancelled: u64,
}

pub struct Dispatcher<S, E, M> {
    pub store: S,
    pub email: E,
    pub sms: M,
    pub from_email: String,
}

impl Dispatcher<DynamoStore, SesEmail, SnsSms> {
    /// Clients from the environment, the way every AWS SDK reads it.
    pub async fn from_environment(config: &NotifyConfig) -> Self {
        let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Dispatcher {
            store: DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), &config.table_name),
            email: SesEmail::new(aws_sdk_sesv2::Client::new(&aws)),
            sms: SnsSms::new(aws_sdk_sns::Client::new(&aws)),
            from_email: config.from_email.clone(),
        }
    }
}

/// The Lambda handler: one run per scheduled event.
pub async fn handle<S, E, M>(
    dispatcher: &Dispatcher<S, E, M>,
    _event: lambda_runtime::LambdaEvent<serde_json::Value>,
) -> Result<RunReport, lambda_runtime::Error>
where
    S: NotificationStore + MessageStore + SettingsStore + DirectoryStore,
    E: EmailSender,
    M: SmsSender,
{
    let report = dispatcher.run(Timestamp::now()).await?;
    tracing::info!(?report, "notification run");
    Ok(report)
}

/// What one run reads once per tenant.
struct TenantCache {
    settings: SettingsCache,
    staff: HashMap<String, Vec<StaffProfile>>,
}

impl TenantCache {
    fn new() -> Self {
        TenantCache {
            // A run is shorter than any settings TTL: once per tenant per run.
            settings: SettingsCache::new(std::time::Duration::from_secs(60)),
            staff: HashMap::new(),
        }
    }
}

fn retry_delay(attempt: u64) -> SignedDuration {
    SignedDuration::from_mins(1 << attempt.clamp(1, 5).saturating_sub(1))
}

impl<S, E, M> Dispatcher<S, E, M>
where
    S: NotificationStore + MessageStore + SettingsStore + DirectoryStore,
    E: EmailSender,
    M: SmsSender,
{
    /// Delivers everything due by `now`.
    pub async fn run(&self, now: Timestamp) -> Result<RunReport, StoreError> {
        let mut cache = TenantCache::new();
        let mut report = RunReport::default();
        let now_text = format_timestamp(now);
        for shard in 0..DUE_SHARDS {
            for due in self.store.due(shard, &now_text, DUE_PER_SHARD).await? {
                report.conversations += 1;
                if let Err(err) = self.pass(&due, now, &mut cache, &mut report).await {
                    // One conversation failing never stops the others; it stays due.
                    tracing::warn!(tenant = %due.tenant, conversation = %due.conversation.encode(), %err, "notification pass failed");
                }
            }
        }
        Ok(report)
    }

    async fn staff(
        &self,
        cache: &mut TenantCache,
        tenant: &str,
    ) -> Result<Vec<StaffProfile>, StoreError> {
        if let Some(staff) = cache.staff.get(tenant) {
            return Ok(staff.clone());
        }
        let staff = self.store.staff_directory(tenant).await?;
        cache.staff.insert(tenant.to_owned(), staff.clone());
        Ok(staff)
    }

    async fn pass(
        &self,
        entry: &DueEntry,
        now: Timestamp,
        cache: &mut TenantCache,
        report: &mut RunReport,
    ) -> Result<(), StoreError> {
        let tenant = &entry.tenant;
        let settings = cache.settings.get(&self.store, tenant).await?;
        let if_new_messages = format_timestamp(now + notify_delay(&settings));
        let page = self
            .store
            .thread_page(
                tenant,
                &entry.conversation,
                None,
                DIGEST_SOURCE_MESSAGES,
                None,
            )
            .await?;
        let Some(header) = page.header else {
            return Ok(());
        };
        // The index holds keys only; the header holds the pass. An entry the header no
        // longer matches was settled or moved since the index was read.
        let Some(state) = header.due.clone().filter(|d| d.due_at == entry.due_at) else {
            return Ok(());
        };
        let due = &DueConversation {
            tenant: entry.tenant.clone(),
            conversation: entry.conversation.clone(),
            due_at: state.due_at,
            round: state.round,
            stage: state.stage,
            notify_now: state.notify_now,
            notified_up_to: header.notified_up_to.clone(),
        };
        let seen_last = header.last_message_id.clone().unwrap_or_default();
        let settle = |settlement: Settlement| async move {
            self.store
                .settle(tenant, entry, &seen_last, &settlement, &if_new_messages)
                .await
        };
        if settings.mode == MessagingMode::Disabled {
            return settle(Settlement::Done).await;
        }
        if let Some(quiet) = &settings.quiet_hours {
            let zone =
                jiff::tz::TimeZone::get(&settings.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
            if let Some(until) = quiet.hold_until(now, &zone) {
                return settle(Settlement::Postpone {
                    due_at: format_timestamp(until),
                })
                .await;
            }
        }
        let (contacts, assignments) = self
            .store
            .account_directory(tenant, &header.id.customer_id)
            .await?;
        let staff = match due.stage {
            DueStage::Digest => self.staff(cache, tenant).await?,
            DueStage::Escalation => Vec::new(),
        };
        let candidates = plan::sms_candidates(due, &contacts);
        let opted_out = if candidates.is_empty() {
            Default::default()
        } else {
            self.store.opted_out(tenant, &candidates).await?
        };
        let readers: Vec<Reader> = contacts
            .iter()
            .map(|c| Reader {
                side: Side::Customer,
                user_id: c.contact_id.clone(),
            })
            .chain(staff.iter().map(|p| Reader {
                side: Side::Staff,
                user_id: p.user_id.clone(),
            }))
            .collect();
        let positions = if readers.is_empty() {
            Default::default()
        } else {
            self.store
                .read_positions(tenant, &header.id, &readers)
                .await?
        };
        let planned = plan(&PlanInput {
            due,
            header: &header,
            positions: &positions,
            messages: &page.messages,
            settings: &settings,
            contacts: &contacts,
            assignments: &assignments,
            staff: &staff,
            opted_out: &opted_out,
            now,
        });

        if due.round != due.due_at {
            // A postponed pass may have left retries for people who have read since.
            let keys: Vec<_> = planned.deliveries.iter().map(|d| d.key.clone()).collect();
            report.cancelled += self
                .store
                .cancel_retries(
                    tenant,
                    &due.conversation,
                    &due.round,
                    &keys,
                    &format_timestamp(now),
                )
                .await?;
        }
        let from = settings.from_email.as_deref().unwrap_or(&self.from_email);
        let mut look_again: Option<String> = None;
        for delivery in &planned.deliveries {
            let senders = (from, settings.sms_origination_number());
            if let Some(at) = self.deliver(due, delivery, senders, now, report).await? {
                look_again = Some(match look_again {
                    Some(current) if current <= at => current,
                    _ => at,
                });
            }
        }
        let settlement = match (
            look_again,
            planned.escalate,
            settings.sms_escalation_minutes,
        ) {
            (Some(due_at), _, _) => Settlement::Postpone { due_at },
            (None, true, Some(minutes)) => Settlement::Next {
                due_at: format_timestamp(now + SignedDuration::from_mins(minutes.into())),
                stage: DueStage::Escalation,
            },
            _ => Settlement::Done,
        };
        settle(settlement).await
    }

    /// Claims, sends and records one delivery; when the pass must be looked at again for
    /// it, the time to do so.
    async fn deliver(
        &self,
        due: &DueConversation,
        delivery: &Planned,
        (email_from, sms_from): (&str, Option<&str>),
        now: Timestamp,
        report: &mut RunReport,
    ) -> Result<Option<String>, StoreError> {
        let now_text = format_timestamp(now);
        let claim = self
            .store
            .claim_delivery(
                &due.tenant,
                &due.conversation,
                &delivery.key,
                &delivery.address,
                &now_text,
                &format_timestamp(now + CLAIM_LEASE),
            )
            .await?;
        let attempt = match claim {
            Claim::Taken { attempt } => attempt,
            Claim::Finished => return Ok(None),
            Claim::Later(at) => return Ok(Some(at)),
        };
        let sent = match &delivery.outgoing {
            Outgoing::Email(email) => {
                self.email
                    .send_email(email_from, &delivery.address, email)
                    .await
            }
            Outgoing::Sms(text) => self.sms.send_sms(sms_from, &delivery.address, text).await,
        };
        let (outcome, look_again) = match sent {
            Ok(provider_message_id) => {
                report.sent += 1;
                (
                    DeliveryOutcome::Sent {
                        provider_message_id,
                    },
                    None,
                )
            }
            Err(SendError::Retryable(error)) if attempt < MAX_ATTEMPTS => {
                report.retrying += 1;
                let next = format_timestamp(now + retry_delay(attempt));
                (
                    DeliveryOutcome::Retry {
                        error,
                        next_attempt_at: next.clone(),
                    },
                    Some(next),
                )
            }
            Err(SendError::Retryable(error) | SendError::Permanent(error)) => {
                report.failed += 1;
                tracing::warn!(tenant = %due.tenant, recipient = %delivery.key.recipient, %error, "notification failed");
                (DeliveryOutcome::Failed { error }, None)
            }
        };
        self.store
            .finish_delivery(
                &due.tenant,
                &due.conversation,
                &delivery.key,
                &outcome,
                &now_text,
            )
            .await?;
        Ok(look_again)
    }
}

#[cfg(test)]
mod tests;
