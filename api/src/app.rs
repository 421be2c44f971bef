//! Building the application: one [`build_app`] used by the binary and by the tests.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServerHandle, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpResponse, HttpServer, web};
use anyhow::Context as _;
use utoipa_actix_web::AppExt as _;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::ActorCache;
use crate::auth::token::{TokenKeys, load_secret};
use crate::config::Config;
use crate::db::Database;
use crate::error::from_actix;
use crate::telemetry::{self, Metrics};
use crate::{openapi, routes};

/// What every handler can reach.
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
    /// Chain trees and gap analyses, recomputed at most every few seconds.
    pub chain_cache: Arc<crate::routes::chains::ChainCache>,
    /// How many records hold each search term, for choosing how lists are read.
    pub term_counts: Arc<crate::db::library::TermCounts>,
}

/// Issuer and audience of this server's tokens.
pub const TOKEN_ISSUER: &str = "zhaoshang";
/// Audience of this server's tokens.
pub const TOKEN_AUDIENCE: &str = "zhaoshang-api";

impl AppState {
    /// State over an open database (reads or creates the token-signing secret).
    pub fn new(config: &Config, db: Database) -> anyhow::Result<Self> {
        let secret = load_secret(
            config.jwt_secret.as_deref(),
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
            chain_cache: Arc::default(),
            term_counts: Arc::default(),
        })
    }
}

/// The application: routes, extractor configuration, docs, fallback and middleware.
pub fn build_app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let limit = state.body_limit;
    // The docs first: the `/api/v1` scope would otherwise take `/api/v1/openapi.json`.
    let (app, _) = App::new()
        .service(
            SwaggerUi::new("/docs/{_:.*}").url("/api/v1/openapi.json", openapi::document().clone()),
        )
        .route(
            "/docs",
            web::get().to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header(("Location", "/docs/"))
                    .finish()
            }),
        )
        .into_utoipa_app()
        .configure(routes::configure)
        .split_for_parts();
    app.app_data(web::Data::new(state))
        .app_data(web::PayloadConfig::new(limit))
        .app_data(
            web::JsonConfig::default()
                .limit(limit)
                .error_handler(|e, _| from_actix(&e.into()).into()),
        )
        .app_data(
            web::FormConfig::default()
                .limit(limit)
                .error_handler(|e, _| from_actix(&e.into()).into()),
        )
        .app_data(web::QueryConfig::default().error_handler(|e, _| from_actix(&e.into()).into()))
        .app_data(web::PathConfig::default().error_handler(|e, _| {
            crate::error::ApiError::not_found(format!("invalid path: {e}")).into()
        }))
        .default_service(web::to(routes::fallback))
        .wrap(from_fn(telemetry::observe))
}

/// A bound, not yet running server.
pub struct Application {
    server: Server,
    addr: SocketAddr,
    state: AppState,
}

impl Application {
    /// Opens the database (applying migrations), binds the address and prepares the server.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let url = config.database_url.clone();
        let pool_size = config.db_pool_size;
        let db = tokio::task::spawn_blocking(move || Database::open(&url, pool_size))
            .await
            .context("database start-up was interrupted")??;
        Self::with_database(config, db)
    }

    /// Binds the address and prepares the server over an already open database.
    pub fn with_database(config: Config, db: Database) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&config.bind)
            .with_context(|| format!("cannot listen on {}", config.bind))?;
        let addr = listener.local_addr()?;
        let state = AppState::new(&config, db)?;
        let factory_state = state.clone();
        let mut server = HttpServer::new(move || build_app(factory_state.clone()))
            .shutdown_timeout(config.shutdown_timeout);
        let workers = config
            .workers
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
            .max(1);
        // Database work runs on each worker's blocking pool; threads beyond the connections
        // would only wait for one (and each keeps its own allocator arena: memory, not speed).
        let per_worker = usize::try_from(config.db_pool_size)
            .unwrap_or(16)
            .div_ceil(workers)
            .max(2);
        server = server
            .workers(workers)
            .worker_max_blocking_threads(per_worker);
        let server = server
            .listen(listener)
            .with_context(|| format!("cannot listen on {}", config.bind))?
            .run();
        Ok(Self {
            server,
            addr,
            state,
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://host:port` of the bound address.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The shared state (database handle and metrics).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// A handle to stop the server gracefully.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped (SIGTERM/SIGINT or the handle); in-flight requests finish.
    pub async fn run(self) -> std::io::Result<()> {
        telemetry::log_started(&self);
        self.server.await
    }
}
