//! One conversation's pass: who has something unread, one delivery each (claimed, sent
//! and recorded, a bounded number at once), and what becomes of the pass.

use futures_util::future::join_all;
use jiff::{SignedDuration, Timestamp};
use shared::domain::grant::Grant;
use shared::domain::notify::{notify_delay, NotifyChannel};
use shared::domain::Named;
use shared::domain::{format_timestamp, MessagingMode, Settings};
use shared::notify::{EmailSender, SendError, SmsSender};
use shared::store::{
    Claim, DeliveryOutcome, DeliveryStatus, DirectoryStore, DueConversation, DueEntry, DueStage,
    DueStore, GrantStore, MessageStore, NotificationStore, SettingsStore, Settlement, StoreError,
};
use tokio::sync::Semaphore;

use crate::plan::{self, plan, Outgoing, PlanInput, Planned};
use crate::{
    retry_delay, Dispatcher, RunContext, RunReport, CLAIM_LEASE, DIGEST_SOURCE_MESSAGES,
    MAX_ATTEMPTS,
};
use shared::store::readers;

/// Times a delivery's outcome is written before giving up (its claim then lapses).
const RECORD_ATTEMPTS: u32 = 4;

/// What became of one planned delivery.
enum Delivered {
    /// Sent, failed for good, or nothing to do.
    Done,
    /// The pass must be looked at again at this time (a retry, a claim held elsewhere).
    LookAgainAt(String),
    /// Not claimed: the run's time was up.
    Deferred,
}

/// Who a pass's deliveries go out as, and what the operator allows the tenant.
struct Senders<'a> {
    email: &'a str,
    sms: Option<&'a str>,
    grant: &'a Grant,
}

/// When the tenant's quiet hours end, if `now` is inside them.
pub(crate) fn quiet_until(settings: &Settings, now: Timestamp) -> Option<Timestamp> {
    let zone = jiff::tz::TimeZone::get(&settings.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    settings.quiet_hours.as_ref()?.hold_until(now, &zone)
}

impl<S, E, M> Dispatcher<S, E, M>
where
    S: NotificationStore + DueStore + MessageStore + SettingsStore + DirectoryStore + GrantStore,
    E: EmailSender,
    M: SmsSender,
{
    /// The operator's grant to the tenant, read once per run.
    pub(crate) async fn grant(
        &self,
        context: &RunContext<'_>,
        tenant: &str,
    ) -> Result<Grant, StoreError> {
        context
            .cache
            .grants
            .get(tenant, || async {
                Ok(self.store.get_grant(tenant).await?.unwrap_or_default())
            })
            .await
    }

    /// The tenant's settings, read once per run.
    pub(crate) async fn settings(
        &self,
        context: &RunContext<'_>,
        tenant: &str,
    ) -> Result<Settings, StoreError> {
        context
            .cache
            .settings
            .get(tenant, || async {
                Ok(self.store.get_settings(tenant).await?.unwrap_or_default())
            })
            .await
    }

    pub(crate) async fn pass(
        &self,
        entry: &DueEntry,
        context: &RunContext<'_>,
        sends: &Semaphore,
    ) -> Result<RunReport, StoreError> {
        let mut report = RunReport::default();
        let now = context.now;
        let tenant = &entry.tenant;
        let settings = self.settings(context, tenant).await?;
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
            return Ok(report);
        };
        // The index holds keys only; the header holds the pass. An entry the header no
        // longer matches was settled or moved since the index was read.
        let Some(state) = header.due.clone().filter(|d| d.due_at == entry.due_at) else {
            return Ok(report);
        };
        let due = &DueConversation {
            tenant: entry.tenant.clone(),
            conversation: entry.conversation.clone(),
            due_at: state.due_at,
            round: state.round,
            stage: state.stage,
            notify_now: state.notify_now,
            digest_due: state.digest_due,
            notified_now_up_to: state.notified_now_up_to,
            notified_up_to: header.notified_up_to.clone(),
        };
        let seen_last = header.last_message_id.clone().unwrap_or_default();
        let (seen_last, if_new_messages) = (&seen_last, &if_new_messages);
        let settle = |settlement: Settlement| async move {
            self.store
                .settle(tenant, entry, seen_last, &settlement, if_new_messages)
                .await
        };
        if settings.mode == MessagingMode::Disabled {
            settle(Settlement::Done).await?;
            return Ok(report);
        }
        if let Some(until) = quiet_until(&settings, now) {
            settle(Settlement::Hold {
                until: format_timestamp(until),
            })
            .await?;
            return Ok(report);
        }
        let (contacts, assignments) = self
            .store
            .account_directory(tenant, &header.id.customer_id)
            .await?;
        let order = match (due.stage, header.id.subject.order_id()) {
            (DueStage::Digest, Some(order_id)) => {
                self.store.order_conversation(tenant, order_id).await?
            }
            _ => None,
        };
        let participants = order.as_ref().map(|o| o.participants.as_slice());
        let staff = match due.stage {
            DueStage::Digest => {
                let reaching = context
                    .cache
                    .staff
                    .get(tenant, || self.store.reaching_staff(tenant))
                    .await?;
                readers::with_basic_staff(&self.store, tenant, reaching, &assignments, participants)
                    .await?
            }
            DueStage::Escalation => Vec::new(),
        };
        let candidates = plan::sms_candidates(due, &contacts);
        let opted_out = if candidates.is_empty() {
            Default::default()
        } else {
            self.store.opted_out(tenant, &candidates).await?
        };
        let readers = plan::recipients(
            due,
            &header,
            &contacts,
            &assignments,
            participants,
            &staff,
            now,
        );
        let positions = readers::positions_of(&self.store, tenant, &header.id, &readers).await?;
        let planned = plan(&PlanInput {
            due,
            header: &header,
            positions: &positions,
            messages: &page.messages,
            settings: &settings,
            contacts: &contacts,
            assignments: &assignments,
            participants,
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

        let grant = if planned.deliveries.is_empty() {
            Grant::default()
        } else {
            self.grant(context, tenant).await?
        };
        // What a tenant chose is used only while the operator's grant still allows it.
        let senders = Senders {
            email: settings
                .from_email
                .as_deref()
                .filter(|address| grant.allows_sender(address))
                .unwrap_or(&self.from_email),
            sms: settings
                .sms_origination_number()
                .filter(|number| grant.allows_number(number)),
            grant: &grant,
        };
        let outcomes = join_all(
            planned
                .deliveries
                .iter()
                .map(|delivery| self.deliver_in_turn(due, delivery, &senders, context, sends)),
        )
        .await;
        let mut look_again: Option<String> = None;
        let mut earliest = |at: String| {
            look_again = Some(match look_again.take() {
                Some(current) if current <= at => current,
                _ => at,
            });
        };
        let mut failure = None;
        for outcome in outcomes {
            match outcome {
                Ok((delivered, counts)) => {
                    report.add(&counts);
                    match delivered {
                        Delivered::Done => {}
                        Delivered::LookAgainAt(at) => earliest(at),
                        Delivered::Deferred => {
                            report.deferred += 1;
                            earliest(format_timestamp(now));
                        }
                    }
                }
                Err(err) => failure = Some(err),
            }
        }
        if let Some(err) = failure {
            // Left due as it is: what was sent is recorded, the rest is tried next run.
            return Err(err);
        }
        let settlement = match (
            look_again,
            planned.escalate,
            settings.sms_escalation_minutes,
        ) {
            (Some(due_at), _, _) => Settlement::Postpone { due_at },
            (None, _, _) if planned.ahead_of_digest => Settlement::Deferred {
                due_at: due.digest_due.clone().unwrap_or(if_new_messages.clone()),
            },
            (None, true, Some(minutes)) => Settlement::Next {
                due_at: format_timestamp(now + SignedDuration::from_mins(minutes.into())),
                stage: DueStage::Escalation,
            },
            _ => Settlement::Done,
        };
        settle(settlement).await?;
        Ok(report)
    }

    /// Waits for one of the shard's send slots; claims nothing once the run's time is up.
    async fn deliver_in_turn(
        &self,
        due: &DueConversation,
        delivery: &Planned,
        senders: &Senders<'_>,
        context: &RunContext<'_>,
        sends: &Semaphore,
    ) -> Result<(Delivered, RunReport), StoreError> {
        let _permit = sends.acquire().await;
        if context.budget.spent() {
            return Ok((Delivered::Deferred, RunReport::default()));
        }
        self.deliver(due, delivery, senders, context).await
    }

    /// Why the platform's rules keep a delivery from being sent, if they do: a number in
    /// a country the tenant may not text, or the day's quota spent (a share of it is taken
    /// when neither).
    async fn refusal(
        &self,
        due: &DueConversation,
        delivery: &Planned,
        grant: &Grant,
        context: &RunContext<'_>,
    ) -> Result<Option<DeliveryOutcome>, StoreError> {
        let channel = delivery.key.channel;
        if channel == NotifyChannel::Sms && !grant.allows_sms_to(&delivery.address) {
            return Ok(Some(DeliveryOutcome::Refused {
                status: DeliveryStatus::CountryNotAllowed,
                error: "the number is in a country this account may not text".into(),
            }));
        }
        let per_day = grant.per_day(channel);
        if context
            .quotas
            .take(&self.store, &due.tenant, channel, per_day)
            .await?
        {
            return Ok(None);
        }
        Ok(Some(DeliveryOutcome::Refused {
            status: DeliveryStatus::QuotaExceeded,
            error: format!(
                "the account's {per_day} {} a day are spent",
                channel.as_str()
            ),
        }))
    }

    /// Claims, sends and records one delivery.
    async fn deliver(
        &self,
        due: &DueConversation,
        delivery: &Planned,
        senders: &Senders<'_>,
        context: &RunContext<'_>,
    ) -> Result<(Delivered, RunReport), StoreError> {
        let now = context.now;
        let mut report = RunReport::default();
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
            Claim::Finished => return Ok((Delivered::Done, report)),
            Claim::Later(at) => return Ok((Delivered::LookAgainAt(at), report)),
        };
        if let Some(refused) = self.refusal(due, delivery, senders.grant, context).await? {
            report.refused += 1;
            self.record(due, delivery, &refused, &now_text).await?;
            return Ok((Delivered::Done, report));
        }
        let sent = match &delivery.outgoing {
            Outgoing::Email(email) => {
                self.email
                    .send_email(senders.email, &delivery.address, email)
                    .await
            }
            Outgoing::Sms(text) => {
                self.sms
                    .send_sms(senders.sms, &delivery.address, text)
                    .await
            }
        };
        let (outcome, delivered) = match sent {
            Ok(provider_message_id) => {
                report.sent += 1;
                (
                    DeliveryOutcome::Sent {
                        provider_message_id,
                    },
                    Delivered::Done,
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
                    Delivered::LookAgainAt(next),
                )
            }
            Err(SendError::Retryable(error) | SendError::Permanent(error)) => {
                report.failed += 1;
                tracing::warn!(tenant = %due.tenant, recipient = %delivery.key.recipient, %error, "notification failed");
                (DeliveryOutcome::Failed { error }, Delivered::Done)
            }
        };
        self.record(due, delivery, &outcome, &now_text).await?;
        Ok((delivered, report))
    }

    /// Writes a delivery's outcome, trying again while storage is unavailable: once sent,
    /// an unrecorded delivery would be sent again when its claim lapses.
    async fn record(
        &self,
        due: &DueConversation,
        delivery: &Planned,
        outcome: &DeliveryOutcome,
        now: &str,
    ) -> Result<(), StoreError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self
                .store
                .finish_delivery(&due.tenant, &due.conversation, &delivery.key, outcome, now)
                .await
            {
                Err(StoreError::Unavailable(detail)) if attempt < RECORD_ATTEMPTS => {
                    tracing::debug!(%detail, attempt, "recording a delivery: trying again");
                    tokio::time::sleep(std::time::Duration::from_millis(100 << attempt)).await;
                }
                Err(err) => {
                    tracing::error!(tenant = %due.tenant, recipient = %delivery.key.recipient, %err, "a delivery's outcome was not recorded");
                    return Err(err);
                }
                Ok(()) => return Ok(()),
            }
        }
    }
}
