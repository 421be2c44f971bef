//! The state shared by every domain: the database, token keys, the callers' cache, metrics and
//! the sign-in settings.

use std::sync::Arc;

use crate::core::auth::ActorCache;
use crate::core::auth::token::{TokenKeys, load_secret};
use crate::core::config::{Config, Secret};
use crate::core::db::Database;
use crate::core::rate_limit::RateLimiter;
use crate::core::telemetry::Metrics;

/// What every domain's handlers can reach: the database, tokens, callers and metrics.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Database,
    /// Request metrics.
    pub metrics: Arc<Metrics>,
    /// Largest accepted request body.
    pub body_limit: usize,
    /// Token signing and verification.
    pub tokens: Arc<TokenKeys>,
    /// Callers' current state, cached for a few seconds.
    pub actors: Arc<ActorCache>,
    /// Failed logins that lock a name.
    pub login_max_failures: u32,
    /// How long a locked name stays locked.
    pub login_lock: std::time::Duration,
    /// Failed logins from one address that lock it for a minute (0: no limit).
    pub login_max_failures_per_address: u32,
    /// Requests per caller per minute, when limited.
    pub rate_limit: Option<Arc<RateLimiter>>,
}

/// Issuer and audience of this server's tokens.
pub const TOKEN_ISSUER: &str = "zhaoshang";
/// Audience of this server's tokens.
pub const TOKEN_AUDIENCE: &str = "zhaoshang-api";

impl AppState {
    /// State over an open database (reads or creates the token-signing secret).
    pub fn new(config: &Config, db: Database) -> anyhow::Result<Self> {
        let secret = load_secret(
            config.jwt_secret.as_ref().map(Secret::expose),
            config.jwt_secret_file.as_deref(),
            &config.data_dir,
        )?;
        Ok(Self {
            db,
            metrics: Arc::new(Metrics::default()),
            body_limit: config.body_limit,
            tokens: Arc::new(TokenKeys::new(
                &secret,
                TOKEN_ISSUER,
                TOKEN_AUDIENCE,
                config.token_ttl,
            )?),
            actors: Arc::new(ActorCache::default()),
            login_max_failures: config.login_max_failures,
            login_lock: std::time::Duration::from_secs(config.login_lock_secs),
            login_max_failures_per_address: config.login_max_failures_per_address,
            rate_limit: RateLimiter::new(config.rate_limit_per_minute).map(Arc::new),
        })
    }
}
