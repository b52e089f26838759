//! One text, whichever way it came: whose number it was sent to, who sent it, what its
//! keyword changes, and whether it becomes a message, a keyword kept, or a text kept for
//! admins.

use shared::domain::ids::{CustomerId, TenantId};
use shared::domain::sms::{self, InboundSms, Keyword};
use shared::domain::text::clean_inbound_text;
use shared::domain::{ConversationId, MessagingMode, Settings, Subject};
use shared::store::{
    AppendGuard, AppendOutcome, AutoReplyMark, InboundEffects, InboundOutcome, InboundStore,
    MessageStore, OptOutChange, PhoneOwner, SenderState, StoreError, UnmatchedReason, UnmatchedSms,
};
use shared::ApiError;

use crate::drafts::{customer_message, opt_out_notice, unmatched};
use crate::{Handled, Inbound, Received};

/// A text as the tenant's rules read it.
struct Incoming<'a> {
    sms: &'a InboundSms,
    tenant: TenantId,
    settings: Settings,
    keyword: Option<Keyword>,
    /// The opt-out the keyword changes the number to, if it changes what it was.
    opt_out: Option<bool>,
    effects: InboundEffects,
    /// The tenant's help text, for a HELP.
    help: Option<String>,
    /// The body, cleaned as a message's would be.
    text: String,
}

impl<S: InboundStore + MessageStore> Inbound<S> {
    /// Takes one text, whichever way it came.
    pub async fn receive(&self, sms: &InboundSms) -> Result<Received, ApiError> {
        let tenant = self.tenant_of(&sms.to).await?.ok_or(ApiError::Unknown {
            code: "unknown_number",
            message: "no account has this SMS number".into(),
        })?;
        tracing::Span::current().record("tenant", tenant.as_str());
        let (state, settings) = self.sender(&tenant, &sms.from).await?;
        let incoming = incoming(sms, tenant, settings, &state)?;
        let refused = match incoming.settings.mode {
            MessagingMode::Disabled => Some(UnmatchedReason::MessagingDisabled),
            MessagingMode::ReadOnly => Some(UnmatchedReason::MessagingReadOnly),
            MessagingMode::Full => None,
        };
        let owner = match (&state.owner, refused) {
            (Some(owner), None) => owner,
            (_, refused) => return self.keep_unmatched(&incoming, &state, refused).await,
        };
        if incoming.keyword.is_some() && incoming.opt_out.is_none() {
            let help = incoming.help.clone();
            return self
                .keep(
                    &incoming.tenant,
                    &incoming.effects,
                    None,
                    Handled::Keyword,
                    help,
                )
                .await;
        }
        if incoming.opt_out.is_none() && incoming.text.is_empty() {
            return Ok(Received {
                handled: Handled::Empty,
                reply: None,
            });
        }
        self.append(&incoming, owner).await
    }

    /// The sender's state (owner, opt-out, auto-reply mark) and the tenant's settings,
    /// read with it when this container has none cached.
    async fn sender(
        &self,
        tenant: &TenantId,
        from: &str,
    ) -> Result<(SenderState, Settings), StoreError> {
        let cached = self.settings.cached(tenant);
        let state = self
            .store
            .sender_state(tenant, from, cached.is_none())
            .await?;
        let settings = match cached {
            Some(settings) => settings,
            None => {
                let settings = state.settings.clone().unwrap_or_default();
                self.settings.put(tenant, settings.clone());
                settings
            }
        };
        Ok((state, settings))
    }

    /// A text from an unknown number, or one the tenant's mode refuses: kept for admins,
    /// with the auto-reply (once a local day) when the mode refused it.
    async fn keep_unmatched(
        &self,
        incoming: &Incoming<'_>,
        state: &SenderState,
        refused: Option<UnmatchedReason>,
    ) -> Result<Received, ApiError> {
        let reason = refused.unwrap_or(UnmatchedReason::UnknownSender);
        // Keywords get their own answer (or the provider's), not the auto-reply; a number
        // that opted out is never texted.
        let auto_reply = (refused.is_some() && incoming.keyword.is_none() && !state.opted_out)
            .then(|| AutoReplyMark {
                phone: incoming.sms.from.clone(),
                day: incoming.settings.local_day(jiff::Timestamp::now()),
            })
            .filter(|mark| state.auto_replied_on.as_deref() != Some(mark.day.as_str()));
        let record = unmatched(incoming.sms, &incoming.text, reason, state.owner.as_ref());
        let outcome = self
            .store
            .record_inbound(
                &incoming.tenant,
                &incoming.effects,
                Some(&record),
                auto_reply.as_ref(),
            )
            .await?;
        Ok(match outcome {
            InboundOutcome::Duplicate => duplicate(),
            InboundOutcome::Stored { auto_reply } => Received {
                handled: Handled::Unmatched(reason),
                reply: incoming
                    .help
                    .clone()
                    .or_else(|| auto_reply.then(|| incoming.settings.auto_reply())),
            },
        })
    }

    /// The text (or the opt-out notice) as a message in the contact's most recently
    /// active open conversation, or their general thread.
    async fn append(
        &self,
        incoming: &Incoming<'_>,
        owner: &PhoneOwner,
    ) -> Result<Received, ApiError> {
        let (tenant, sms) = (&incoming.tenant, incoming.sms);
        let customer = CustomerId::from(&owner.customer_id);
        let conversation = self
            .store
            .latest_open_conversation(tenant, &customer)
            .await?
            .unwrap_or_else(|| ConversationId::new(customer, Subject::General));
        let draft = match incoming.opt_out {
            Some(opted_out) => opt_out_notice(sms, owner, conversation, opted_out),
            None => customer_message(
                sms,
                owner,
                conversation,
                incoming.text.clone(),
                &incoming.settings,
            ),
        };
        let guard = AppendGuard::Inbound(incoming.effects.clone());
        match self
            .store
            .append_message(tenant, &draft, Some(&guard))
            .await
        {
            Ok(AppendOutcome::Stored(_)) => Ok(Received {
                handled: match incoming.opt_out {
                    Some(_) => Handled::OptOutChanged,
                    None => Handled::Message,
                },
                reply: None,
            }),
            Ok(AppendOutcome::Duplicate) => Ok(duplicate()),
            // A later keyword decided the number's opt-out: this one is kept as a keyword.
            Ok(AppendOutcome::Superseded) => {
                let effects = InboundEffects {
                    opt_out: None,
                    ..incoming.effects.clone()
                };
                self.keep(tenant, &effects, None, Handled::Keyword, None)
                    .await
            }
            Ok(
                AppendOutcome::KeyUsed(_) | AppendOutcome::OrderTaken | AppendOutcome::Unchanged,
            ) => Err(ApiError::Internal(
                "an inbound text met an idempotency record".into(),
            )),
            // Closed between finding it and writing: kept for admins instead.
            Err(StoreError::Closed | StoreError::NotFound) => {
                let reason = UnmatchedReason::ConversationClosed;
                let record = unmatched(sms, &incoming.text, reason, Some(owner));
                self.keep(
                    tenant,
                    &incoming.effects,
                    Some(&record),
                    Handled::Unmatched(reason),
                    None,
                )
                .await
            }
            Err(err) => Err(err.into()),
        }
    }

    /// Records a text that makes no message (its provider id and effects, and the
    /// unmatched record if any): `handled` and `reply` unless it is a redelivery.
    async fn keep(
        &self,
        tenant: &TenantId,
        effects: &InboundEffects,
        unmatched: Option<&UnmatchedSms>,
        handled: Handled,
        reply: Option<String>,
    ) -> Result<Received, ApiError> {
        Ok(
            match self
                .store
                .record_inbound(tenant, effects, unmatched, None)
                .await?
            {
                InboundOutcome::Duplicate => duplicate(),
                InboundOutcome::Stored { .. } => Received { handled, reply },
            },
        )
    }

    /// The tenant holding a number: from this container's cache, or one read.
    async fn tenant_of(&self, number: &str) -> Result<Option<TenantId>, StoreError> {
        let tenant = match self.numbers.cached(number) {
            Some(tenant) => tenant,
            None => {
                let tenant = self.store.sms_number_tenant(number).await?;
                self.numbers.put(number, tenant.clone());
                tenant
            }
        };
        Ok(tenant.map(TenantId::from))
    }
}

/// What the text says and changes: its keyword and the opt-out it writes, the help
/// text, and the body cleaned.
fn incoming<'a>(
    sms: &'a InboundSms,
    tenant: TenantId,
    settings: Settings,
    state: &SenderState,
) -> Result<Incoming<'a>, ApiError> {
    let keyword = sms::keyword(&sms.body);
    // Every STOP and START is written (in the order the provider received them); the
    // thread notes only those that change what the number was.
    let keyword_opt_out = match keyword {
        Some(Keyword::OptOut) => Some(true),
        Some(Keyword::OptIn) => Some(false),
        _ => None,
    };
    let effects = InboundEffects {
        provider: sms.provider,
        provider_message_id: sms.provider_message_id.clone(),
        opt_out: keyword_opt_out.map(|opted_out| OptOutChange {
            phone: sms.from.clone(),
            opted_out,
            keyword_at: sms.received_at.clone(),
        }),
    };
    let help = (keyword == Some(Keyword::Help)).then(|| settings.help_text());
    let text = clean_inbound_text(&sms.body)
        .map_err(|_| ApiError::bad_request("message_too_long", "the text is too long"))?;
    Ok(Incoming {
        sms,
        tenant,
        opt_out: keyword_opt_out.filter(|&out| out != state.opted_out),
        settings,
        keyword,
        effects,
        help,
        text,
    })
}

fn duplicate() -> Received {
    Received {
        handled: Handled::Duplicate,
        reply: None,
    }
}
