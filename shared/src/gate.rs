//! The one place that decides whether a caller may read or write a conversation.
//!
//! A route first names its conversation (a [`ConversationTarget`] in its body or path,
//! resolved without I/O), then asks the gate, which reads what the rules need, each item
//! once, and applies every rule in this order:
//! 1. customers reach only their own account's conversations (404);
//! 2. the tenant's messaging mode for this kind of access (403);
//! 3. an order's conversation: basic staff take part in it and have a profile older than
//!    its closing (404); admins observe it unless the host let them write (403); it takes
//!    no writes once closed (409);
//! 4. any other conversation: basic staff reach it while its customer is assigned to them
//!    (404).
//!
//! A closed conversation that is not an order's is refused by the append's own
//! condition (reading its header here would cost every send a request).
//!
//! [`ConversationTarget`]: crate::domain::permissions::ConversationTarget

use crate::domain::ids::{OrderId, TenantId};
use crate::domain::permissions::{check_conversation_access, check_mode, Access};
use crate::domain::{ConversationId, Principal, Role, Settings};
use crate::store::{DirectoryStore, MessageStore, OrderRecord, SettingsStore, StoreError};
use crate::{ApiError, App};

/// The conversation a route's path names by id (`{id}`); anything else is unknown.
pub fn path_conversation(request: &crate::http::Request) -> Result<ConversationId, ApiError> {
    crate::http::path_param(request, "id")
        .and_then(|id| ConversationId::decode(&id))
        .ok_or(ApiError::NotFound)
}

/// A conversation the caller may reach for the access asked, and what the gate read.
#[derive(Debug)]
pub struct Opened {
    pub conversation: ConversationId,
    pub settings: Settings,
    /// The order's entry, when the conversation is an order's and a rule or the route
    /// needed it.
    pub order: Option<OrderRecord>,
}

impl<S: SettingsStore> App<S> {
    /// The caller, from the request's claims, within their rate limit (429 past it,
    /// before anything is read or written).
    pub fn caller(&self, request: &crate::http::Request) -> Result<Principal, ApiError> {
        let principal = crate::http::principal(request, &self.claims)?;
        tracing::Span::current().record("tenant", principal.tenant_id.as_str());
        let kind = crate::rate_limit::RequestKind::of_method(request.method().as_str());
        self.limiter.admit(&principal, kind)?;
        Ok(principal)
    }

    /// Applies the tenant's messaging mode (cached settings, or one read) to a route, and
    /// hands back the settings.
    pub async fn check_mode(
        &self,
        tenant: &TenantId,
        access: Access,
    ) -> Result<Settings, ApiError> {
        let settings = self.settings.get(&self.store, tenant).await?;
        check_mode(settings.mode, access)?;
        Ok(settings)
    }
}

/// Whether the gate reads an order's entry for a route that does not need it itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OrderEntry {
    IfRulesNeedIt,
    Required,
}

impl<S: SettingsStore + DirectoryStore + MessageStore> App<S> {
    /// Any conversation, for this access.
    pub async fn open(
        &self,
        principal: &Principal,
        conversation: ConversationId,
        access: Access,
    ) -> Result<Opened, ApiError> {
        self.gate(principal, conversation, access, OrderEntry::IfRulesNeedIt)
            .await
    }

    /// An order's conversation with its entry; any other conversation is unknown (404).
    pub async fn open_order(
        &self,
        principal: &Principal,
        conversation: ConversationId,
        access: Access,
    ) -> Result<(Opened, OrderRecord), ApiError> {
        let mut opened = self
            .gate(principal, conversation, access, OrderEntry::Required)
            .await?;
        let order = opened.order.take().ok_or(ApiError::NotFound)?;
        Ok((opened, order))
    }

    /// The conversation an order opened, found by the order's id.
    pub async fn find_order(
        &self,
        principal: &Principal,
        order_id: &OrderId,
        access: Access,
    ) -> Result<(Opened, OrderRecord), ApiError> {
        let settings = self.check_mode(&principal.tenant_id, access).await?;
        let order = self
            .order_entry(principal, order_id, None)
            .await?
            .ok_or(ApiError::NotFound)?;
        check_conversation_access(principal, &order.conversation)?;
        admits(principal, &order, access)?;
        let opened = Opened {
            conversation: order.conversation.clone(),
            settings,
            order: None,
        };
        Ok((opened, order))
    }

    async fn gate(
        &self,
        principal: &Principal,
        conversation: ConversationId,
        access: Access,
        entry: OrderEntry,
    ) -> Result<Opened, ApiError> {
        check_conversation_access(principal, &conversation)?;
        let order_id = conversation.subject.order_id().cloned();
        if order_id.is_none() && entry == OrderEntry::Required {
            return Err(ApiError::NotFound);
        }
        let settings = self.check_mode(&principal.tenant_id, access).await?;
        let order = match order_id {
            Some(order_id) if entry == OrderEntry::Required || needs_entry(principal, access) => {
                let order = self
                    .order_entry(principal, &order_id, Some(&conversation))
                    .await?;
                match order {
                    Some(order) => {
                        admits(principal, &order, access)?;
                        Some(order)
                    }
                    // An order named by a conversation id that opened nothing: unknown to
                    // whoever must take part in it; for admins the append finds no thread.
                    None if principal.role == Role::BasicStaff => return Err(ApiError::NotFound),
                    None => None,
                }
            }
            Some(_) => None,
            None if principal.role == Role::BasicStaff => {
                self.check_assigned(principal, &conversation).await?;
                None
            }
            None => None,
        };
        Ok(Opened {
            conversation,
            settings,
            order,
        })
    }

    /// The order's entry (for basic staff with when their profile was created, in the same
    /// request: a person without a profile reaches no order). `conversation`, when given,
    /// must be the one the order opened.
    async fn order_entry(
        &self,
        principal: &Principal,
        order_id: &OrderId,
        conversation: Option<&ConversationId>,
    ) -> Result<Option<OrderRecord>, ApiError> {
        let tenant = &principal.tenant_id;
        let order = if principal.role == Role::BasicStaff {
            let (order, since) = self
                .store
                .order_with_profile(tenant, order_id, &principal.user_id)
                .await?;
            let Some(since) = since else {
                return Err(ApiError::NotFound);
            };
            // A closed order is theirs only if it closed after their profile was created.
            order.filter(|order| {
                order
                    .closed_at
                    .as_deref()
                    .is_none_or(|closed| closed >= since.as_str())
            })
        } else {
            self.store.order_conversation(tenant, order_id).await?
        };
        Ok(order.filter(|order| conversation.is_none_or(|c| order.conversation == *c)))
    }

    async fn check_assigned(
        &self,
        principal: &Principal,
        conversation: &ConversationId,
    ) -> Result<(), ApiError> {
        let assignment = self
            .store
            .assignment(
                &principal.tenant_id,
                &principal.user_id,
                &conversation.customer_id,
            )
            .await?;
        if assignment.is_some_and(|a| a.is_active_at(jiff::Timestamp::now())) {
            Ok(())
        } else {
            Err(ApiError::NotFound)
        }
    }
}

/// Rules that need an order's entry: who takes part, who observes.
fn needs_entry(principal: &Principal, access: Access) -> bool {
    match principal.role {
        Role::BasicStaff => true,
        Role::Admin => access == Access::Write,
        _ => false,
    }
}

/// The rules an order's entry decides, once it has been read.
fn admits(principal: &Principal, order: &OrderRecord, access: Access) -> Result<(), ApiError> {
    if principal.role == Role::BasicStaff
        && !order.participants.iter().any(|p| *p == principal.user_id)
    {
        return Err(ApiError::NotFound);
    }
    if principal.role == Role::Admin && access == Access::Write && !order.admin_can_write {
        return Err(observe_only());
    }
    if access != Access::Read && order.closed_at.is_some() {
        return Err(StoreError::Closed.into());
    }
    Ok(())
}

fn observe_only() -> ApiError {
    ApiError::forbidden(
        "observe_only",
        "admins observe this conversation; the host application did not let them write",
    )
}
