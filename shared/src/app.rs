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
