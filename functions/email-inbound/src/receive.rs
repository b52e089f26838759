//! One received message: dropped, kept for admins, or the sender's message.

use shared::domain::ids::{CustomerId, TenantId, UserId};
use shared::domain::permissions::Access;
use shared::domain::text::{clean_inbound_text, MAX_TEXT_CHARS};
use shared::domain::{ConversationId, Principal, Role, Settings, Side};
use shared::files::FileError;
use shared::notify::EmailSender;
use shared::rate_limit::RequestKind;
use shared::store::{
    token_of_address, AppendGuard, AppendOutcome, AutoReplyMark, InboundOutcome, Reader,
    ReplyToken, StoreError, UnmatchedReason,
};
use shared::ApiError;

use crate::drafts::{self, Reply};
use crate::receipt::SesReceipt;
use crate::INBOUND_PREFIX;
use crate::{attachments, mime, Dropped, Handled, Replies, ReplyStores};

/// The person a reply address was issued to, as they stand now: none when they are gone
/// or no longer have the address the notification went to.
struct Sender {
    principal: Principal,
    /// Still theirs: the address the token was sent to is the person's now.
    current: bool,
}

impl<S: ReplyStores, E: EmailSender> Replies<S, E> {
    /// Takes one message SES received.
    pub async fn receive(&self, ses: &SesReceipt) -> Result<Handled, ApiError> {
        if let Some(verdict) = ses.receipt.failed_verdict() {
            return Ok(Handled::Dropped(Dropped::Verdict(verdict)));
        }
        let Some((to, token)) = self.reply_address(&ses.receipt.recipients) else {
            return Ok(Handled::Dropped(Dropped::NoReplyAddress));
        };
        let raw = match self.files.read(&ses.mail.object_key(INBOUND_PREFIX)).await {
            Ok(raw) if raw.len() <= self.max_mail_bytes => raw,
            Ok(_) | Err(FileError::Missing) => return Ok(Handled::Dropped(Dropped::Unreadable)),
            Err(err) => return Err(err.into()),
        };
        let Ok(mail) = mime::parse(&raw, Some(&ses.mail.source)) else {
            return Ok(Handled::Dropped(Dropped::Unreadable));
        };
        if let Some(automatic) = mail.automatic {
            return Ok(Handled::Dropped(Dropped::Automatic(automatic)));
        }
        let found = self.app.store.reply_token(&token).await?;
        let Some((token, conversation)) =
            found.and_then(|t| t.conversation().map(|conversation| (t, conversation)))
        else {
            return Ok(Handled::Dropped(Dropped::UnknownToken));
        };
        tracing::Span::current().record("tenant", token.tenant_id.as_str());
        let reply = Reply {
            from: mail.from.clone().unwrap_or_default(),
            to,
            text: reply_text(&mail.text),
            effects: Reply::effects(mail.message_id.as_deref().unwrap_or(&ses.mail.message_id)),
            mail: &mail,
        };
        self.take(&reply, &token, conversation).await
    }

    /// A reply to a known address: refused for what its token, sender, conversation or
    /// the tenant's mode says, or stored.
    async fn take(
        &self,
        reply: &Reply<'_>,
        token: &ReplyToken,
        conversation: ConversationId,
    ) -> Result<Handled, ApiError> {
        let tenant = TenantId::from(&token.tenant_id);
        let sender = self.sender(&tenant, &conversation, token).await?;
        let customer = conversation.customer_id.clone();
        let ids = (
            customer.as_str(),
            (token.side == Side::Customer).then_some(token.user_id.as_str()),
        );
        let limiter_key = sender
            .as_ref()
            .map(|s| s.principal.clone())
            .unwrap_or_else(|| principal(&tenant, token, &conversation, Role::BasicStaff, None));
        if self
            .senders
            .admit(&limiter_key, RequestKind::Write)
            .is_err()
        {
            return Ok(Handled::Dropped(Dropped::RateLimited));
        }
        let refused = if token.revoked_at.is_some() {
            Some(UnmatchedReason::RevokedAddress)
        } else if !same_address(&reply.from, &token.address) {
            Some(UnmatchedReason::SenderNotAllowed)
        } else {
            None
        };
        let principal = match (refused, sender) {
            (None, Some(sender)) if sender.current => sender.principal,
            (refused, _) => {
                let reason = refused.unwrap_or(UnmatchedReason::SenderNotAllowed);
                return self.keep(&tenant, reply, reason, ids, None).await;
            }
        };
        let opened = match self.app.open(&principal, conversation, Access::Write).await {
            Ok(opened) => opened,
            Err(err) => {
                let Some(reason) = refusal(&err) else {
                    return Err(err);
                };
                let settings = self.app.settings.get(&self.app.store, &tenant).await?;
                let answer = answered(reason).then_some(&settings);
                return self.keep(&tenant, reply, reason, ids, answer).await;
            }
        };
        self.store_message(
            &tenant,
            reply,
            &principal,
            opened.conversation,
            &opened.settings,
            ids,
        )
        .await
    }

    /// The reply as the person's message, with the files the allow-list takes.
    async fn store_message(
        &self,
        tenant: &TenantId,
        reply: &Reply<'_>,
        principal: &Principal,
        conversation: ConversationId,
        settings: &Settings,
        ids: (&str, Option<&str>),
    ) -> Result<Handled, ApiError> {
        let reader = Reader::of(principal);
        let kept = attachments::keep(
            &self.app.store,
            &self.files,
            (tenant, &conversation, &reader),
            &reply.effects.provider_message_id,
            &reply.mail.attachments,
            settings,
        )
        .await?;
        let mut text = reply.text.clone();
        if let Some(note) = attachments::refused_note(&kept.refused) {
            text = if text.is_empty() {
                note
            } else {
                format!("{text}\n\n{note}")
            };
        }
        if text.is_empty() && kept.attachments.is_empty() {
            return Ok(Handled::Empty);
        }
        let reply = Reply {
            text: reply_text(&text),
            ..reply.clone()
        };
        let draft = drafts::message(&reply, principal, conversation, kept.attachments, settings);
        let guard = AppendGuard::Inbound(reply.effects.clone());
        match self
            .app
            .store
            .append_message(tenant, &draft, Some(&guard))
            .await
        {
            Ok(AppendOutcome::Stored(_)) => Ok(Handled::Message),
            Ok(AppendOutcome::Duplicate) => Ok(Handled::Duplicate),
            Ok(_) => Err(ApiError::Internal(
                "an email reply met another append guard".into(),
            )),
            // Closed between the gate and the write.
            Err(StoreError::Closed | StoreError::NotFound) => {
                let reason = UnmatchedReason::ConversationClosed;
                self.keep(tenant, &reply, reason, ids, Some(settings)).await
            }
            Err(err) => Err(err.into()),
        }
    }

    /// Keeps a refused reply for admins (once per Message-ID) with, when `answer` gives
    /// the settings, the day's one automatic answer to its sender.
    async fn keep(
        &self,
        tenant: &TenantId,
        reply: &Reply<'_>,
        reason: UnmatchedReason,
        (customer, contact): (&str, Option<&str>),
        answer: Option<&Settings>,
    ) -> Result<Handled, ApiError> {
        let record = drafts::unmatched(reply, reason, Some(customer), contact);
        let mark = answer
            .filter(|_| !reply.from.is_empty())
            .map(|settings| AutoReplyMark {
                phone: reply.from.clone(),
                day: settings.local_day(jiff::Timestamp::now()),
            });
        let outcome = self
            .app
            .store
            .record_inbound(tenant, &reply.effects, Some(&record), mark.as_ref())
            .await?;
        let answered = match (outcome, answer) {
            (InboundOutcome::Duplicate, _) => return Ok(Handled::Duplicate),
            (InboundOutcome::Stored { auto_reply: true }, Some(settings)) => {
                let email = drafts::refusal_answer(reply, reason, settings);
                match self
                    .email
                    .send_email(&self.from_email, &reply.from, &email)
                    .await
                {
                    Ok(_) => true,
                    Err(err) => {
                        // The reply is kept either way; an answer is not worth a retry.
                        tracing::warn!(%err, "the automatic answer to a refused reply failed");
                        false
                    }
                }
            }
            _ => false,
        };
        Ok(Handled::Unmatched { reason, answered })
    }

    /// The first recipient that is a reply address of ours, and its token.
    fn reply_address(&self, recipients: &[String]) -> Option<(String, String)> {
        recipients.iter().find_map(|address| {
            let token = token_of_address(address)?;
            let domain = address.rsplit_once('@')?.1.trim_end_matches('>');
            let ours = self
                .reply_domain
                .as_deref()
                .is_none_or(|ours| ours.eq_ignore_ascii_case(domain));
            ours.then(|| (address.to_ascii_lowercase(), token))
        })
    }

    /// The person the token was issued to, read from the directory now.
    async fn sender(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        token: &ReplyToken,
    ) -> Result<Option<Sender>, StoreError> {
        let user = UserId::new(token.user_id.clone());
        let store = &self.app.store;
        // (role, name, their address now), from the directory.
        let found = match token.side {
            Side::Customer => {
                let customer = CustomerId::new(conversation.customer_id.clone());
                store
                    .contact(tenant, &customer, &user)
                    .await?
                    .map(|c| (Role::Customer, c.name, c.email))
            }
            Side::Staff => store
                .staff(tenant, &user)
                .await?
                .map(|(p, _)| (p.role, p.name, p.email)),
        };
        Ok(found.map(|(role, name, email)| Sender {
            current: email.is_some_and(|email| same_address(&email, &token.address)),
            principal: principal(tenant, token, conversation, role, Some(name)),
        }))
    }
}

fn principal(
    tenant: &TenantId,
    token: &ReplyToken,
    conversation: &ConversationId,
    role: Role,
    name: Option<String>,
) -> Principal {
    Principal {
        tenant_id: tenant.clone(),
        user_id: UserId::new(token.user_id.clone()),
        customer_id: (role == Role::Customer)
            .then(|| CustomerId::new(conversation.customer_id.clone())),
        role,
        name,
    }
}

/// Email addresses compare without regard to case (local parts are case-sensitive in
/// theory, never in practice).
fn same_address(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// Why the gate refused a reply, as admins see it; none for a failure to retry.
fn refusal(err: &ApiError) -> Option<UnmatchedReason> {
    match err {
        ApiError::Forbidden {
            code: "messaging_disabled",
            ..
        } => Some(UnmatchedReason::MessagingDisabled),
        ApiError::Forbidden {
            code: "messaging_read_only",
            ..
        } => Some(UnmatchedReason::MessagingReadOnly),
        ApiError::Conflict {
            code: "conversation_closed",
            ..
        } => Some(UnmatchedReason::ConversationClosed),
        ApiError::Forbidden { .. } | ApiError::NotFound => Some(UnmatchedReason::SenderNotAllowed),
        _ => None,
    }
}

/// Refusals the sender is told of: the conversation's state and the tenant's mode, which
/// the sender cannot see from their mail app. Someone who may not write there is not
/// answered (the address may be forged).
fn answered(reason: UnmatchedReason) -> bool {
    matches!(
        reason,
        UnmatchedReason::ConversationClosed
            | UnmatchedReason::MessagingDisabled
            | UnmatchedReason::MessagingReadOnly
    )
}

/// The reply's text as a message's: cleaned, and cut (not refused) at the longest a
/// message may be: the rest of a long email is still in the sender's mail.
fn reply_text(text: &str) -> String {
    match clean_inbound_text(text) {
        Ok(text) => text,
        Err(_) => {
            let cut: String = text.chars().take(MAX_TEXT_CHARS - 1).collect();
            clean_inbound_text(&format!("{cut}…")).unwrap_or_default()
        }
    }
}
