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
use shared::domain::order::{OpenOrderRequest, MAX_PARTICIPANTS};
use shared::domain::permissions::{require_host_or_admin, Access};
use shared::domain::{
    now_rfc3339, ConversationId, MessageType, Principal, Role, SenderType, Subject,
};
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
    tenant: &str,
    conversation: &ConversationId,
) -> Result<ConversationHeader, ApiError> {
    app.store
        .conversation(tenant, conversation)
        .await?
        .ok_or(ApiError::NotFound)
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
    if !order.participants.is_empty() {
        let known = app
            .store
            .staff_with_profiles(tenant, &order.participants)
            .await?;
        if let Some(unknown) = order.participants.iter().find(|u| !known.contains(*u)) {
            return Err(ApiError::bad_request(
                "unknown_participant",
                format!("{unknown} has no staff profile: PUT /staff/{unknown} first"),
            ));
        }
    }
    let conversation =
        ConversationId::new(&order.customer_id, Subject::Order(order.order_id.clone()));
    let record = OrderRecord {
        order_id: order.order_id.clone(),
        conversation: conversation.clone(),
        participants: order.participants.clone(),
        admin_can_write: order.admin_can_write,
        request_hash: order.request_hash(),
        created_at: now_rfc3339(),
        created_by: principal.user_id.clone(),
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
        AppendOutcome::OrderTaken => {
            let existing = app
                .store
                .order_conversation(tenant, &order.order_id)
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
                &order_view(&principal, &header, &existing),
            ))
        }
        _ => Err(ApiError::Internal(
            "an order conversation met another guard".into(),
        )),
    }
}

/// Who may find an order's conversation: the host application and tenant-wide staff;
/// basic staff when they take part; the buyer's contacts. Anyone else learns nothing.
fn may_read(principal: &Principal, order: &OrderRecord) -> bool {
    match principal.role {
        Role::Admin | Role::Service | Role::Staff => true,
        Role::BasicStaff => order.participants.contains(&principal.user_id),
        Role::Customer => {
            principal.customer_id.as_deref() == Some(order.conversation.customer_id.as_str())
        }
    }
}

pub async fn find<S>(app: &App<S>, request: &Request) -> Result<Response, ApiError>
where
    S: MessageStore + SettingsStore,
{
    let principal = app.caller(request)?;
    let order_id = http::query_param(request, "order_id")
        .ok_or_else(|| ApiError::bad_request("missing_field", "order_id is required"))?;
    let order_id = shared::domain::ids::parse_id("order_id", &order_id)?;
    let tenant = &principal.tenant_id;
    app.check_mode(tenant, Access::Read).await?;
    let order = app
        .store
        .order_conversation(tenant, &order_id)
        .await?
        .filter(|order| may_read(&principal, order))
        .ok_or(ApiError::NotFound)?;
    let header = header_of(app, tenant, &order.conversation).await?;
    Ok(http::json_response(
        200,
        &order_view(&principal, &header, &order),
    ))
}

pub async fn close<S>(app: &App<S>, request: &Request) -> Result<Response, ApiError>
where
    S: MessageStore + SettingsStore,
{
    let principal = app.caller(request)?;
    require_host_or_admin(&principal, "close conversations")?;
    if !http::body_is_empty(request) {
        http::json_body::<serde_json::Map<String, Value>>(request)?;
    }
    let conversation = http::path_param(request, "id")
        .and_then(|id| ConversationId::decode(&id))
        .ok_or(ApiError::NotFound)?;
    let tenant = &principal.tenant_id;
    app.check_mode(tenant, Access::Write).await?;
    let order_id = conversation.subject.order_id().map(str::to_owned);
    // An order's participants leave their active sets in the closing's transaction.
    let order = match &order_id {
        Some(order_id) => Some(
            app.store
                .order_conversation(tenant, order_id)
                .await?
                .filter(|order| order.conversation == conversation)
                .ok_or(ApiError::NotFound)?,
        ),
        None => None,
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

/// The order conversation a path names, with its entry; anything else is unknown.
async fn order_of<S: MessageStore>(
    app: &App<S>,
    tenant: &str,
    request: &Request,
) -> Result<OrderRecord, ApiError> {
    let conversation = http::path_param(request, "id")
        .and_then(|id| ConversationId::decode(&id))
        .ok_or(ApiError::NotFound)?;
    let order_id = conversation.subject.order_id().ok_or(ApiError::NotFound)?;
    app.store
        .order_conversation(tenant, order_id)
        .await?
        .filter(|order| order.conversation == conversation)
        .ok_or(ApiError::NotFound)
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
    let user = shared::domain::ids::parse_id(
        "user_id",
        &http::path_param(request, "user_id").unwrap_or_default(),
    )?;
    let tenant = &principal.tenant_id;
    app.check_mode(tenant, Access::Write).await?;
    let order = order_of(app, tenant, request).await?;
    let name = match app.store.staff(tenant, &user).await? {
        Some((profile, _)) => profile.name,
        None if joins => {
            return Err(ApiError::bad_request(
                "unknown_participant",
                format!("{user} has no staff profile: PUT /staff/{user} first"),
            ))
        }
        None => user.clone(),
    };
    let (text, event) = if joins {
        (
            format!("{name} joined the conversation."),
            "participant_added",
        )
    } else {
        (
            format!("{name} left the conversation."),
            "participant_removed",
        )
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
        user: user.clone(),
        joins,
    });
    let outcome = app
        .store
        .append_message(tenant, &draft, Some(&change))
        .await?;
    let order = app
        .store
        .order_conversation(tenant, &order.order_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let stored = matches!(outcome, AppendOutcome::Stored(_));
    match (joins, stored, order.participants.contains(&user)) {
        (false, true, _) => Ok(http::no_content()),
        // Not a participant: nothing to remove.
        (false, false, _) => Err(ApiError::NotFound),
        // Joined now, or already there (the same PUT again).
        (true, _, true) => {
            let header = header_of(app, tenant, &order.conversation).await?;
            Ok(http::json_response(
                200,
                &order_view(&principal, &header, &order),
            ))
        }
        (true, _, false) => Err(ApiError::conflict(
            "too_many_participants",
            format!("an order conversation has at most {MAX_PARTICIPANTS} participants"),
        )),
    }
}
