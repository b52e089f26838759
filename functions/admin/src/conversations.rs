//! Order conversations, opened and closed by the host application (or an admin):
//! - `POST /conversations`: one conversation per order, with its title, staff-side
//!   participants and whether admins may write. The same request again answers the
//!   conversation it opened (200); a different one for the same order is refused (409).
//! - `GET /conversations?order_id=`: the order's conversation, for whoever may read it.
//! - `POST /conversations/{id}/close`: it stays readable and takes no more messages.
//! - `PUT`/`DELETE /conversations/{id}/participants/{user_id}`: who takes part on the
//!   staff side.
//!
//! Opening and closing are each one silent system message, written in the same
//! transaction as what they change.

use serde_json::{json, Value};
use shared::domain::ids::{OrderId, UserId};
use shared::domain::order::{OpenOrderRequest, MAX_PARTICIPANTS};
use shared::domain::permissions::{require_host_or_admin, Access};
use shared::domain::{now_rfc3339, ConversationId, MessageType, Principal, SenderType, Subject};
use shared::http::{self, Request, Response};
use shared::store::{
    AppendGuard, AppendOutcome, ClosedParts, ConversationHeader, DirectoryStore, Lifecycle,
    MessageDraft, MessageStore, OrderRecord, ParticipantChange, SettingsStore,
};
use shared::{ApiError, App};

/// The conversation as the caller sees it, with what the order's entry holds.
fn order_view(principal: &Principal, header: &ConversationHeader, order: &OrderRecord) -> Value {
    let mut view = header.view(principal.side(), &principal.user_id, None);
    view["participants"] = json!(order.participants);
    view["admin_can_write"] = json!(order.admin_can_write);
    view
}

fn system_message(
    principal: &Principal,
    conversation: ConversationId,
    text: String,
    metadata: Value,
    lifecycle: Lifecycle,
) -> MessageDraft {
    let (sender, user) = (SenderType::System, &principal.user_id);
    MessageDraft::new(
        conversation,
        sender,
        user,
        "System",
        MessageType::System,
        text,
    )
    .create_conversation(matches!(lifecycle, Lifecycle::Open { .. }))
    .metadata(Some(metadata))
    .lifecycle(lifecycle)
}

async fn header_of<S: MessageStore>(
    app: &App<S>,
    tenant: &shared::domain::ids::TenantId,
    conversation: &ConversationId,
) -> Result<ConversationHeader, ApiError> {
    app.store
        .conversation(tenant, conversation)
        .await?
        .ok_or(ApiError::NotFound)
}

/// Participants must have staff profiles (one BatchGetItem per 100).
async fn check_have_profiles<S: DirectoryStore>(
    app: &App<S>,
    tenant: &shared::domain::ids::TenantId,
    participants: &[UserId],
) -> Result<(), ApiError> {
    if participants.is_empty() {
        return Ok(());
    }
    let known = app.store.staff_with_profiles(tenant, participants).await?;
    match participants.iter().find(|u| !known.contains(u.as_str())) {
        Some(unknown) => Err(ApiError::bad_request(
            "unknown_participant",
            format!("{unknown} has no staff profile: PUT /staff/{unknown} first"),
        )),
        None => Ok(()),
    }
}

/// The order's conversation was opened before: the same request gets it again (200), a
/// different one is refused.
async fn opened_before<S: MessageStore>(
    app: &App<S>,
    principal: &Principal,
    record: &OrderRecord,
) -> Result<Response, ApiError> {
    let tenant = &principal.tenant_id;
    let existing = app
        .store
        .order_conversation(tenant, &OrderId::from(&record.order_id))
        .await?
        .ok_or_else(|| ApiError::Internal("an order taken without its entry".into()))?;
    if existing.request_hash != record.request_hash {
        return Err(ApiError::conflict(
            "order_conversation_exists",
            "this order has a conversation opened with other details",
        ));
    }
    let header = header_of(app, tenant, &existing.conversation).await?;
    Ok(http::json_response(
        200,
        &order_view(principal, &header, &existing),
    ))
}

pub async fn open<S>(app: &App<S>, request: &Request) -> Result<Response, ApiError>
where
    S: MessageStore + DirectoryStore + SettingsStore,
{
    let principal = app.caller(request)?;
    require_host_or_admin(&principal, "manage order conversations")?;
    let order = http::json_body::<OpenOrderRequest>(request)?.validate()?;
    let tenant = &principal.tenant_id;
    app.check_mode(tenant, Access::Write).await?;
    check_have_profiles(app, tenant, &order.participants).await?;
    let conversation = ConversationId::new(
        order.customer_id.clone(),
        Subject::Order(order.order_id.clone()),
    );
    let record = OrderRecord {
        order_id: order.order_id.to_string(),
        conversation: conversation.clone(),
        participants: order.participants.iter().map(String::from).collect(),
        admin_can_write: order.admin_can_write,
        request_hash: order.request_hash(),
        created_at: now_rfc3339(),
        created_by: principal.user_id.to_string(),
        closed_at: None,
    };
    let draft = system_message(
        &principal,
        conversation.clone(),
        order.opening_text(),
        json!({
            "event": "opened",
            "order_id": order.order_id,
            "participants": order.participants,
            "admin_can_write": order.admin_can_write,
        }),
        Lifecycle::Open {
            title: order.title.clone(),
        },
    );
    let guard = AppendGuard::Order(record.clone());
    match app
        .store
        .append_message(tenant, &draft, Some(&guard))
        .await?
    {
        AppendOutcome::Stored(_) => {
            let header = header_of(app, tenant, &conversation).await?;
            tracing::info!(order = %order.order_id, "order conversation opened");
            Ok(http::json_response(
                201,
                &order_view(&principal, &header, &record),
            ))
        }
        AppendOutcome::OrderTaken => opened_before(app, &principal, &record).await,
        _ => Err(ApiError::Internal(
            "an order conversation met another guard".into(),
        )),
    }
}

pub async fn find<S>(app: &App<S>, request: &Request) -> Result<Response, ApiError>
where
    S: MessageStore + SettingsStore + DirectoryStore,
{
    let principal = app.caller(request)?;
    let order_id = http::query_param(request, "order_id")
        .ok_or_else(|| ApiError::bad_request("missing_field", "order_id is required"))?;
    let order_id: OrderId = shared::domain::ids::parse_id("order_id", &order_id)?;
    let tenant = &principal.tenant_id;
    let (_, order) = app.find_order(&principal, &order_id, Access::Read).await?;
    let header = header_of(app, tenant, &order.conversation).await?;
    Ok(http::json_response(
        200,
        &order_view(&principal, &header, &order),
    ))
}

pub async fn close<S>(app: &App<S>, request: &Request) -> Result<Response, ApiError>
where
    S: MessageStore + SettingsStore + DirectoryStore,
{
    let principal = app.caller(request)?;
    require_host_or_admin(&principal, "close conversations")?;
    if !http::body_is_empty(request) {
        http::json_body::<serde_json::Map<String, Value>>(request)?;
    }
    let conversation = shared::gate::path_conversation(request)?;
    let tenant = &principal.tenant_id;
    let order_id = conversation.subject.order_id().cloned();
    // An order's participants leave their active sets in the closing's transaction.
    let (conversation, order) = if order_id.is_some() {
        let (opened, order) = app
            .open_order(&principal, conversation, Access::Manage)
            .await?;
        (opened.conversation, Some(order))
    } else {
        let opened = app.open(&principal, conversation, Access::Manage).await?;
        (opened.conversation, None)
    };
    let draft = system_message(
        &principal,
        conversation.clone(),
        "This conversation was closed.".into(),
        match &order_id {
            Some(order_id) => json!({"event": "closed", "order_id": order_id}),
            None => json!({"event": "closed"}),
        },
        Lifecycle::Close,
    );
    let guard = order.as_ref().map(|order| {
        AppendGuard::Close(ClosedParts {
            conversation: conversation.clone(),
            participants: order.participants.clone(),
        })
    });
    app.store
        .append_message(tenant, &draft, guard.as_ref())
        .await?;
    let header = header_of(app, tenant, &conversation).await?;
    tracing::info!(conversation = %conversation.encode(), "conversation closed");
    Ok(http::json_response(
        200,
        &match &order {
            Some(order) => order_view(&principal, &header, order),
            None => header.view(principal.side(), &principal.user_id, None),
        },
    ))
}

/// `PUT` (joins) and `DELETE` (leaves) `/conversations/{id}/participants/{user_id}`: a
/// silent system message records it, in the same transaction.
pub async fn change_participant<S>(
    app: &App<S>,
    request: &Request,
    joins: bool,
) -> Result<Response, ApiError>
where
    S: MessageStore + DirectoryStore + SettingsStore,
{
    let principal = app.caller(request)?;
    require_host_or_admin(&principal, "manage order conversations")?;
    let user: UserId = shared::domain::ids::parse_id(
        "user_id",
        &http::path_param(request, "user_id").unwrap_or_default(),
    )?;
    let tenant = &principal.tenant_id;
    let conversation = shared::gate::path_conversation(request)?;
    let (_, order) = app
        .open_order(&principal, conversation, Access::Manage)
        .await?;
    let name = match app.store.staff(tenant, &user).await? {
        Some((profile, _)) => profile.name,
        None if joins => {
            return Err(ApiError::bad_request(
                "unknown_participant",
                format!("{user} has no staff profile: PUT /staff/{user} first"),
            ))
        }
        None => user.to_string(),
    };
    let (text, event) = match joins {
        true => (
            format!("{name} joined the conversation."),
            "participant_added",
        ),
        false => (
            format!("{name} left the conversation."),
            "participant_removed",
        ),
    };
    let draft = system_message(
        &principal,
        order.conversation.clone(),
        text,
        json!({"event": event, "user_id": user}),
        Lifecycle::Continue,
    );
    let change = AppendGuard::Participant(ParticipantChange {
        order_id: order.order_id.clone(),
        conversation: order.conversation.clone(),
        user: user.to_string(),
        joins,
    });
    let outcome = app
        .store
        .append_message(tenant, &draft, Some(&change))
        .await?;
    answer_change(
        app,
        &principal,
        &OrderId::from(&order.order_id),
        &user,
        joins,
        stored(&outcome),
    )
    .await
}

fn stored(outcome: &AppendOutcome) -> bool {
    matches!(outcome, AppendOutcome::Stored(_))
}

/// What a participant change answers, from the order's entry as it now stands.
async fn answer_change<S: MessageStore>(
    app: &App<S>,
    principal: &Principal,
    order_id: &OrderId,
    user: &UserId,
    joins: bool,
    stored: bool,
) -> Result<Response, ApiError> {
    let tenant = &principal.tenant_id;
    let order = app
        .store
        .order_conversation(tenant, order_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    match (
        joins,
        stored,
        order.participants.iter().any(|p| *p == *user),
    ) {
        (false, true, _) => Ok(http::no_content()),
        // Not a participant: nothing to remove.
        (false, false, _) => Err(ApiError::NotFound),
        // Joined now, or already there (the same PUT again).
        (true, _, true) => {
            let header = header_of(app, tenant, &order.conversation).await?;
            Ok(http::json_response(
                200,
                &order_view(principal, &header, &order),
            ))
        }
        (true, _, false) => Err(ApiError::conflict(
            "too_many_participants",
            format!("an order conversation has at most {MAX_PARTICIPANTS} participants"),
        )),
    }
}
