//! One delivery of a pass: waits for a send slot, claimed, checked against the platform's
//! rules, sent, and its outcome recorded.

use shared::domain::grant::Grant;
use shared::domain::ids::TenantId;
use shared::domain::notify::{unsubscribe_link, Email, NotifyChannel};
use shared::domain::Named;
use shared::domain::{format_timestamp, Settings};
use shared::notify::{EmailSender, SendError, SmsSender};
use shared::store::{
    reply_address, Claim, DeliveryOutcome, DeliveryStatus, DirectoryStore, DueConversation,
    DueStore, GrantStore, MessageStore, NotificationStore, SettingsStore, StoreError,
};
use tokio::sync::Semaphore;

use crate::plan::{Outgoing, Planned};
use crate::{retry_delay, Dispatcher, RunContext, RunReport, CLAIM_LEASE, MAX_ATTEMPTS};

/// Times a delivery's outcome is written before giving up (its claim then lapses).
const RECORD_ATTEMPTS: u32 = 4;

/// What became of one planned delivery.
pub(crate) enum Delivered {
    /// Sent, failed for good, or nothing to do.
    Done,
    /// The pass must be looked at again at this time (a retry, a claim held elsewhere).
    LookAgainAt(String),
    /// Not claimed: the run's time was up.
    Deferred,
}

/// Who a pass's deliveries go out as, and what the operator allows the tenant.
pub(crate) struct Senders<'a> {
    email: &'a str,
    sms: Option<&'a str>,
    grant: &'a Grant,
}

impl<'a> Senders<'a> {
    /// What a tenant chose, used only while the operator's grant still allows it.
    pub(crate) fn allowed(
        settings: &'a Settings,
        grant: &'a Grant,
        default_email: &'a str,
    ) -> Self {
        Senders {
            email: settings
                .from_email
                .as_deref()
                .filter(|address| grant.allows_sender(address))
                .unwrap_or(default_email),
            sms: settings
                .sms_origination_number()
                .filter(|number| grant.allows_number(number)),
            grant,
        }
    }
}

impl<S, E, M> Dispatcher<S, E, M>
where
    S: NotificationStore + DueStore + MessageStore + SettingsStore + DirectoryStore + GrantStore,
    E: EmailSender,
    M: SmsSender,
{
    /// Waits for one of the shard's send slots; claims nothing once the run's time is up.
    pub(crate) async fn deliver_in_turn(
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
        if channel == NotifyChannel::Email && grant.email_paused.is_some() {
            return Ok(Some(DeliveryOutcome::Refused {
                status: DeliveryStatus::EmailPaused,
                error: "email to this account is paused for its bounce or complaint rate".into(),
            }));
        }
        if channel == NotifyChannel::Sms && !grant.allows_sms_to(&delivery.address) {
            return Ok(Some(DeliveryOutcome::Refused {
                status: DeliveryStatus::CountryNotAllowed,
                error: "the number is in a country this account may not text".into(),
            }));
        }
        let per_day = grant.per_day(channel);
        if context
            .quotas
            .take(&self.store, &TenantId::from(&due.tenant), channel, per_day)
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
                &TenantId::from(&due.tenant),
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
                let email = self.addressed(due, delivery, email, &now_text).await?;
                self.email
                    .send_email(senders.email, &delivery.address, &email)
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

    /// The email as this person gets it: with their reply address and unsubscribe link
    /// (one token, issued with their first email in the conversation).
    async fn addressed(
        &self,
        due: &DueConversation,
        delivery: &Planned,
        email: &Email,
        now: &str,
    ) -> Result<Email, StoreError> {
        let mut email = email.clone();
        let wanted = self.reply_domain.is_some() || self.api_url.is_some();
        let Some(reader) = delivery.reader.as_ref().filter(|_| wanted) else {
            return Ok(email);
        };
        let token = match &delivery.reply_token {
            Some(token) => token.clone(),
            None => {
                self.store
                    .issue_reply_token(
                        &TenantId::from(&due.tenant),
                        &due.conversation,
                        reader,
                        &delivery.address,
                        now,
                    )
                    .await?
            }
        };
        if let Some(domain) = &self.reply_domain {
            email.reply_to = Some(reply_address(&token, domain));
        }
        if let Some(api) = &self.api_url {
            email = email.with_unsubscribe(unsubscribe_link(api, &token));
        }
        Ok(email)
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
                .finish_delivery(
                    &TenantId::from(&due.tenant),
                    &due.conversation,
                    &delivery.key,
                    outcome,
                    now,
                )
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
