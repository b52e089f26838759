//! What a function builds once per container and hands to every invocation.

use std::sync::Arc;

use crate::config::{ClaimNames, Config};
use crate::http::CursorSigner;
use crate::settings_cache::SettingsCache;
use crate::store::DynamoStore;

pub struct App<S> {
    pub store: S,
    pub settings: Arc<SettingsCache>,
    pub claims: ClaimNames,
    pub cursors: CursorSigner,
    /// Attachment files, where the function handles them.
    pub files: Option<crate::files::S3Files>,
    pub limiter: crate::rate_limit::RateLimiter,
}

impl<S> App<S> {
    pub fn new(store: S, config: &Config) -> Self {
        App::with_settings_cache(
            store,
            config,
            Arc::new(SettingsCache::new(config.settings_ttl)),
        )
    }

    /// Shares one settings cache between several functions in one process (the local API),
    /// so a settings change there is seen at once, as one container would see its own.
    pub fn with_settings_cache(store: S, config: &Config, settings: Arc<SettingsCache>) -> Self {
        App {
            store,
            settings,
            claims: config.claims.clone(),
            cursors: CursorSigner::new(&config.cursor_secret),
            files: None,
            limiter: crate::rate_limit::RateLimiter::new(config.rate_limits),
        }
    }

    pub fn with_files(mut self, files: crate::files::S3Files) -> Self {
        self.files = Some(files);
        self
    }

    /// The attachment files, or 503 where the function has none configured.
    pub fn files(&self) -> Result<&crate::files::S3Files, crate::ApiError> {
        self.files.as_ref().ok_or_else(|| {
            tracing::error!("ATTACHMENTS_BUCKET is not set for this function");
            crate::ApiError::Unavailable {
                retry_after_secs: 60,
            }
        })
    }
}

impl App<DynamoStore> {
    /// The store on the container's clients, and for a function that hands out files
    /// the attachment files too (`ATTACHMENTS_BUCKET`).
    pub fn from_clients<F: FileAccess>(clients: &crate::aws::Clients, config: &Config) -> Self {
        let app = App::new(clients.store(&config.table_name), config);
        if !F::HANDS_OUT_FILES {
            return app;
        }
        match config
            .attachments_bucket
            .as_deref()
            .and_then(|bucket| clients.files(bucket))
        {
            Some(files) => app.with_files(files),
            None => app,
        }
    }
}

/// Whether a function hands out attachment files, known when it is compiled: only those
/// that do link the S3 client (its endpoint rules alone are a tenth of a package).
pub trait FileAccess: Copy + Send + Sync + 'static {
    const HANDS_OUT_FILES: bool;
}

/// Uploads, downloads and exports: the send and thread functions.
#[derive(Debug, Clone, Copy)]
pub struct WithFiles;

#[derive(Debug, Clone, Copy)]
pub struct WithoutFiles;

impl FileAccess for WithFiles {
    const HANDS_OUT_FILES: bool = true;
}

impl FileAccess for WithoutFiles {
    const HANDS_OUT_FILES: bool = false;
}

/// The app, built at the container's first request (see [`crate::runtime`]): the secret
/// is read then (one request), once per cold start, and never during init.
pub(crate) async fn first_use<A: FileAccess>(
    clients: &crate::aws::Clients,
) -> Result<App<DynamoStore>, crate::config::ConfigError> {
    let started = std::time::Instant::now();
    let config = Config::load(&clients.ssm()).await?;
    tracing::info!(
        secrets_ms = started.elapsed().as_millis() as u64,
        "configuration read"
    );
    Ok(App::from_clients::<A>(clients, &config))
}

impl<S: crate::store::SettingsStore> App<S> {
    /// The caller, from the request's claims, within their rate limit (429 past it,
    /// before anything is read or written).
    pub fn caller(
        &self,
        request: &crate::http::Request,
    ) -> Result<crate::domain::Principal, crate::ApiError> {
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
        tenant: &str,
        access: crate::domain::permissions::Access,
    ) -> Result<crate::domain::Settings, crate::ApiError> {
        let settings = self.settings.get(&self.store, tenant).await?;
        crate::domain::permissions::check_mode(settings.mode, access)?;
        Ok(settings)
    }
}

impl<
        S: crate::store::SettingsStore + crate::store::DirectoryStore + crate::store::MessageStore,
    > App<S>
{
    /// Everything a conversation route checks once its input is valid: the tenant's mode
    /// for this kind of access, then, for basic staff, one read (anything else is unknown
    /// to them: 404): an order's conversation is theirs when they have a profile and take
    /// part in it (the order's entry names them; a closed one only if it closed after
    /// their profile was created), any other when its customer is assigned to them. Other
    /// roles were checked by [`crate::domain::permissions::resolve_conversation`].
    /// Hands back the settings.
    pub async fn open_conversation(
        &self,
        principal: &crate::domain::Principal,
        conversation: &crate::domain::ConversationId,
        access: crate::domain::permissions::Access,
    ) -> Result<crate::domain::Settings, crate::ApiError> {
        let settings = self.check_mode(&principal.tenant_id, access).await?;
        if principal.role == crate::domain::Role::BasicStaff {
            if let Some(order_id) = conversation.subject.order_id() {
                let (order, since) = self
                    .store
                    .order_with_profile(&principal.tenant_id, order_id, &principal.user_id)
                    .await?;
                return match (order, since) {
                    (Some(order), Some(since))
                        if order.conversation == *conversation
                            && order.participants.contains(&principal.user_id)
                            && order
                                .closed_at
                                .as_deref()
                                .is_none_or(|closed| closed >= since.as_str()) =>
                    {
                        Ok(settings)
                    }
                    _ => Err(crate::ApiError::NotFound),
                };
            }
            let assignment = self
                .store
                .assignment(
                    &principal.tenant_id,
                    &principal.user_id,
                    &conversation.customer_id,
                )
                .await?;
            if !assignment.is_some_and(|a| a.is_active_at(jiff::Timestamp::now())) {
                return Err(crate::ApiError::NotFound);
            }
        }
        Ok(settings)
    }
}
