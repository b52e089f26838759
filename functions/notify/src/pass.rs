//! One conversation's pass: who has something unread, one delivery each (claimed, sent
//! and recorded, a bounded number at once), and what becomes of the pass.

use futures_util::future::join_all;
use jiff::{SignedDuration, Timestamp};
use shared::domain::grant::Grant;
use shared::domain::ids::TenantId;
use shared::domain::notify::notify_delay;
use shared::domain::{format_timestamp, Message, MessagingMode, Settings};
use shared::notify::{EmailSender, SmsSender};
use shared::store::{
    ConversationHeader, DirectoryStore, DueConversation, DueEntry, DueStage, DueStore, GrantStore,
    MessageStore, NotificationStore, SettingsStore, Settlement, StoreError,
};
use tokio::sync::Semaphore;

use crate::delivery::{Delivered, Senders};
use crate::plan::{self, plan, Plan, PlanInput};
use crate::{Dispatcher, RunContext, RunReport, DIGEST_SOURCE_MESSAGES};
use shared::store::readers;

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
        tenant: &TenantId,
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
        tenant: &TenantId,
    ) -> Result<Settings, StoreError> {
        context
            .cache
            .settings
            .get(tenant, || async {
                Ok(self.store.get_settings(tenant).await?.unwrap_or_default())
            })
            .await
    }

    /// Looks at one due conversation: settles it at once when messaging is off or quiet
    /// hours hold it, else plans and sends its deliveries and settles what is left.
    pub(crate) async fn pass(
        &self,
        entry: &DueEntry,
        context: &RunContext<'_>,
        sends: &Semaphore,
    ) -> Result<RunReport, StoreError> {
        let mut report = RunReport::default();
        let now = context.now;
        let tenant = &TenantId::from(&entry.tenant);
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
        let Some(header) = page.header.as_ref() else {
            return Ok(report);
        };
        let Some(due) = due_conversation(entry, header) else {
            return Ok(report);
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
        let planned = self
            .plan_pass(context, &due, header, &page.messages, &settings)
            .await?;
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
        let look_again = self
            .deliver_all(&due, &planned, &settings, context, sends, &mut report)
            .await?;
        settle(settlement(
            look_again,
            &planned,
            &settings,
            &due,
            now,
            if_new_messages,
        ))
        .await?;
        Ok(report)
    }

    /// Who hears of the conversation and what each is sent: the account's contacts and
    /// assigned staff, an order's participants, the staff a digest reaches, the numbers
    /// opted out, and where each reader is in the thread.
    async fn plan_pass(
        &self,
        context: &RunContext<'_>,
        due: &DueConversation,
        header: &ConversationHeader,
        messages: &[Message],
        settings: &Settings,
    ) -> Result<Plan, StoreError> {
        let tenant = &TenantId::from(&due.tenant);
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
        let now = context.now;
        let readers = plan::recipients(
            due,
            header,
            &contacts,
            &assignments,
            participants,
            &staff,
            now,
        );
        let addresses = plan::addresses(&readers, &contacts, &staff, settings);
        let (recipients, suppressed) = self
            .store
            .recipients_and_suppressed(tenant, &header.id, &readers, &addresses)
            .await?;
        Ok(plan(&PlanInput {
            due,
            header,
            recipients: &recipients,
            messages,
            settings,
            contacts: &contacts,
            assignments: &assignments,
            participants,
            staff: &staff,
            opted_out: &opted_out,
            suppressed: &suppressed,
            now,
        }))
    }

    /// Sends every planned delivery (a bounded number at once) as the tenant's senders,
    /// adding up what became of them: the earliest time the pass must be looked at again,
    /// if any.
    async fn deliver_all(
        &self,
        due: &DueConversation,
        planned: &Plan,
        settings: &Settings,
        context: &RunContext<'_>,
        sends: &Semaphore,
        report: &mut RunReport,
    ) -> Result<Option<String>, StoreError> {
        let grant = if planned.deliveries.is_empty() {
            Grant::default()
        } else {
            self.grant(context, &TenantId::from(&due.tenant)).await?
        };
        let senders = Senders::allowed(settings, &grant, &self.from_email);
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
                            earliest(format_timestamp(context.now));
                        }
                    }
                }
                Err(err) => failure = Some(err),
            }
        }
        match failure {
            // Left due as it is: what was sent is recorded, the rest is tried next run.
            Some(err) => Err(err),
            None => Ok(look_again),
        }
    }
}

/// The pass the entry names, from the header (the index holds keys only); none when the
/// header no longer matches: settled or moved since the index was read.
fn due_conversation(entry: &DueEntry, header: &ConversationHeader) -> Option<DueConversation> {
    let state = header.due.clone().filter(|d| d.due_at == entry.due_at)?;
    Some(DueConversation {
        tenant: entry.tenant.clone(),
        conversation: entry.conversation.clone(),
        due_at: state.due_at,
        round: state.round,
        stage: state.stage,
        notify_now: state.notify_now,
        digest_due: state.digest_due,
        notified_now_up_to: state.notified_now_up_to,
        notified_up_to: header.notified_up_to.clone(),
    })
}

/// What becomes of a pass once its deliveries are done: looked at again (retries, held
/// claims, the run's time up), deferred to the digest, followed by the SMS escalation,
/// or done.
fn settlement(
    look_again: Option<String>,
    planned: &Plan,
    settings: &Settings,
    due: &DueConversation,
    now: Timestamp,
    if_new_messages: &str,
) -> Settlement {
    match (
        look_again,
        planned.escalate,
        settings.sms_escalation_minutes,
    ) {
        (Some(due_at), _, _) => Settlement::Postpone { due_at },
        (None, _, _) if planned.ahead_of_digest => Settlement::Deferred {
            due_at: due
                .digest_due
                .clone()
                .unwrap_or_else(|| if_new_messages.to_owned()),
        },
        (None, true, Some(minutes)) => Settlement::Next {
            due_at: format_timestamp(now + SignedDuration::from_mins(minutes.into())),
            stage: DueStage::Escalation,
        },
        _ => Settlement::Done,
    }
}
