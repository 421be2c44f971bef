//! Building the application: one [`build_app`] used by the binary and by the tests.

use std::net::{SocketAddr, TcpListener};

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServerHandle, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpResponse, HttpServer, web};
use anyhow::Context as _;
use utoipa_actix_web::AppExt as _;
use utoipa_swagger_ui::SwaggerUi;

use crate::core::config::Config;
use crate::core::db::Database;
use crate::core::error::from_actix;
use crate::core::state::AppState;
use crate::core::telemetry;
use crate::library::Library;

mod health;
pub mod openapi;
mod routes;

/// The state of every domain, built once and shared by all workers (their caches included).
#[derive(Clone)]
pub struct Services {
    /// What every domain shares.
    pub core: web::Data<AppState>,
    /// The shared information library.
    pub library: web::Data<Library>,
}

impl Services {
    /// The services over an open database (reads or creates the token-signing secret).
    pub fn new(config: &Config, db: Database) -> anyhow::Result<Self> {
        Ok(Self {
            library: web::Data::new(Library::new(db.clone())),
            core: web::Data::new(AppState::new(config, db)?),
        })
    }
}

/// The application: routes, extractor configuration, docs, fallback and middleware.
pub fn build_app(
    services: Services,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let limit = services.core.body_limit;
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
    app.app_data(services.core)
        .app_data(services.library)
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
            crate::core::error::ApiError::not_found(format!("invalid path: {e}")).into()
        }))
        .default_service(web::to(routes::fallback))
        .wrap(from_fn(telemetry::observe))
}

/// A bound, not yet running server.
pub struct Application {
    server: Server,
    addr: SocketAddr,
    services: Services,
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
        let services = Services::new(&config, db)?;
        let factory_services = services.clone();
        let mut server = HttpServer::new(move || build_app(factory_services.clone()))
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
            services,
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
        &self.services.core
    }

    /// A handle to stop the server gracefully.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped (SIGTERM/SIGINT or the handle); in-flight requests finish.
    pub async fn run(self) -> std::io::Result<()> {
        telemetry::log_started(self.addr, self.state().db.kind().as_str());
        self.server.await
    }
}
