//! Liveness, readiness and metrics.

use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use zhaoshang_types::{Health, Problem, Readiness};

use crate::core::error::{ApiError, Code};
use crate::core::state::AppState;
use crate::core::telemetry::Extra;

/// Liveness: the process is up (the database is not consulted).
///
/// 存活检查：进程在运行（不访问数据库）。
#[utoipa::path(
    tag = "operations",
    security(()),
    responses((status = 200, description = "The process is up", body = Health))
)]
#[get("/healthz")]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health {
        status: "ok".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    })
}

/// Readiness: the database answers.
///
/// 就绪检查：数据库可以访问。
#[utoipa::path(
    tag = "operations",
    security(()),
    responses(
        (status = 200, description = "The database answers", body = Readiness),
        (status = 503, description = "The database cannot be reached", body = Problem,
         content_type = "application/problem+json"),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<web::Json<Readiness>, ApiError> {
    state.db.ping(Duration::from_secs(3)).await.map_err(|e| {
        ApiError::new(
            Code::NotReady,
            format!("the database does not answer ({})", e.code()),
        )
    })?;
    Ok(web::Json(Readiness {
        status: "ready".to_owned(),
        database: state.db.kind().as_str().to_owned(),
    }))
}

/// Prometheus metrics: request counts and latency histograms per route and status, and the
/// database pool.
///
/// 监控指标（Prometheus 文本格式）。
#[utoipa::path(
    tag = "operations",
    security(()),
    responses((status = 200, description = "Prometheus text exposition format 0.0.4",
               body = String, content_type = "text/plain; version=0.0.4"))
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    use std::sync::atomic::Ordering::Relaxed;
    let gauge = |name, help, value| Extra {
        name,
        help,
        kind: "gauge",
        value,
    };
    let counter = |name, help, value: &std::sync::atomic::AtomicU64| Extra {
        name,
        help,
        kind: "counter",
        value: value.load(Relaxed) as f64,
    };
    let pool = state.db.pool_stats();
    let mut extra = vec![
        gauge(
            "db_pool_connections",
            "Open database connections.",
            f64::from(pool.connections),
        ),
        gauge(
            "db_pool_idle_connections",
            "Open database connections not in use.",
            f64::from(pool.idle),
        ),
        gauge(
            "db_pool_max_connections",
            "Largest number of database connections.",
            f64::from(pool.max_size),
        ),
    ];
    if let Some(wal) = state.db.checkpoint_stats() {
        extra.extend([
            counter(
                "sqlite_wal_checkpoints_total",
                "Background WAL checkpoints run.",
                &wal.runs,
            ),
            counter(
                "sqlite_wal_checkpointed_frames_total",
                "WAL frames copied into the database by background checkpoints.",
                &wal.frames,
            ),
            counter(
                "sqlite_wal_checkpoint_failures_total",
                "Background WAL checkpoints that failed.",
                &wal.failures,
            ),
        ]);
    }
    let text = state.metrics.render(&extra);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text)
}
