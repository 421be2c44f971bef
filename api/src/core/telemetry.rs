//! Request ids, request logs and Prometheus metrics.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use actix_web::ResponseError as _;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use zhaoshang_types::problem::PROBLEM_CONTENT_TYPE;

use crate::core::error::{ApiError, Code};

/// The request-id header, read from the request when present and set on every response.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being handled, if any.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// Accepts a caller's request id if it is short and printable; otherwise makes one.
fn request_id_of(req: &ServiceRequest) -> String {
    req.headers()
        .get(&REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
}

/// The longest path and query (in bytes, percent-encoded) a request may have.
pub const MAX_URI_BYTES: usize = 16 * 1024;

/// Middleware: request id, one structured log line per request, metrics.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody + 'static>>, actix_web::Error> {
    let started = Instant::now();
    let request_id = request_id_of(&req);
    let metrics = req
        .app_data::<web::Data<crate::core::state::AppState>>()
        .map(|s| s.metrics.clone());
    let method = req.method().clone();
    let path = req.path().to_owned();

    let uri = req.uri();
    let uri_length = uri.path().len() + uri.query().map_or(0, str::len);
    let refused = if uri_length > MAX_URI_BYTES {
        // Longer than any request of this API: 414 with a problem body (the HTTP parser answers
        // a header section of 128 KiB or more before any of this runs, with 431 and no body).
        Some(ApiError::new(
            Code::UriTooLong,
            format!("the path and query are {uri_length} bytes; at most {MAX_URI_BYTES} are read"),
        ))
    } else {
        crate::core::extract::nul_in_uri(uri)
    };
    if let Some(error) = refused {
        // Refused before any handler: a URI too long, or text PostgreSQL cannot hold (alike on
        // both backends).
        let (request, _) = req.into_parts();
        let response = REQUEST_ID.sync_scope(request_id.clone(), || error.error_response());
        let mut res = ServiceResponse::new(request, response).map_into_right_body();
        if let Ok(value) = HeaderValue::from_str(&request_id) {
            res.headers_mut().insert(REQUEST_ID_HEADER, value);
        }
        return Ok(res);
    }
    let res = REQUEST_ID.scope(request_id.clone(), next.call(req)).await?;
    // Whatever answered with an error that is not a problem body (a framework error deep in
    // actix, say), the client still gets one.
    let mut res = if res.status().as_u16() >= 400 && !is_problem(&res) {
        let status = res.status();
        let (request, _) = res.into_parts();
        let error = ApiError::new(
            code_for_status(status),
            status.canonical_reason().unwrap_or("error"),
        )
        .with_status(status);
        let response = REQUEST_ID.sync_scope(request_id.clone(), || error.error_response());
        ServiceResponse::new(request, response).map_into_right_body()
    } else {
        res.map_into_left_body()
    };

    if let Ok(value) = HeaderValue::from_str(&request_id) {
        res.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    crate::core::rate_limit::add_headers(&mut res);
    let status = res.status().as_u16();
    let elapsed = started.elapsed();
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    if let Some(metrics) = metrics {
        metrics.observe(method.as_str(), &route, status, elapsed.as_secs_f64());
    }
    tracing::info!(
        target: "zhaoshang::http",
        method = %method,
        path = %path,
        route = %route,
        status,
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        request_id = %request_id,
        "request"
    );
    Ok(res)
}

fn is_problem<B>(res: &ServiceResponse<B>) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_CONTENT_TYPE.as_bytes()))
}

/// The stable code for an error status produced outside the handlers.
fn code_for_status(status: StatusCode) -> Code {
    match status.as_u16() {
        400 => Code::BadRequest,
        401 => Code::Unauthorized,
        403 => Code::Forbidden,
        404 => Code::NotFound,
        405 => Code::MethodNotAllowed,
        408 => Code::RequestTimeout,
        413 => Code::PayloadTooLarge,
        414 => Code::UriTooLong,
        415 => Code::UnsupportedMediaType,
        431 => Code::HeadersTooLarge,
        s if s >= 500 => Code::Internal,
        _ => Code::BadRequest,
    }
}

/// Upper bounds (seconds) of the latency histogram buckets.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

#[derive(Default)]
struct Series {
    count: AtomicU64,
    sum_micros: AtomicU64,
    buckets: [AtomicU64; BUCKETS.len()],
}

type SeriesKey = (String, String, u16);

/// Request counts and latency histograms per method, route and status.
#[derive(Default)]
pub struct Metrics {
    series: RwLock<HashMap<SeriesKey, Arc<Series>>>,
}

impl Metrics {
    /// Records one request.
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let key = (method.to_owned(), route.to_owned(), status);
        let existing = self
            .series
            .read()
            .ok()
            .and_then(|map| map.get(&key).cloned());
        let series = match existing {
            Some(series) => series,
            None => match self.series.write() {
                Ok(mut map) => map.entry(key).or_default().clone(),
                Err(_) => return,
            },
        };
        series.count.fetch_add(1, Ordering::Relaxed);
        series
            .sum_micros
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
        if let Some((_, bucket)) = BUCKETS
            .iter()
            .zip(&series.buckets)
            .find(|(bound, _)| seconds <= **bound)
        {
            bucket.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The Prometheus text exposition (format 0.0.4), followed by `extra` lines.
    pub fn render(&self, extra: &[Extra<'_>]) -> String {
        let mut out = String::new();
        let map = match self.series.read() {
            Ok(map) => map,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut entries: Vec<(&SeriesKey, &Arc<Series>)> = map.iter().collect();
        entries.sort_by(|a, b| a.0.cmp(b.0));
        out.push_str(
            "# HELP http_requests_total HTTP requests answered, by method, route and status.\n",
        );
        out.push_str("# TYPE http_requests_total counter\n");
        for ((method, route, status), s) in &entries {
            let _ = writeln!(
                out,
                "http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {}",
                escape(route),
                s.count.load(Ordering::Relaxed)
            );
        }
        out.push_str("# HELP http_request_duration_seconds Time to answer HTTP requests.\n");
        out.push_str("# TYPE http_request_duration_seconds histogram\n");
        for ((method, route, status), s) in &entries {
            let labels = format!(
                "method=\"{method}\",route=\"{}\",status=\"{status}\"",
                escape(route)
            );
            let mut cumulative = 0;
            for (bound, bucket) in BUCKETS.iter().zip(&s.buckets) {
                cumulative += bucket.load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            let count = s.count.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {count}"
            );
            let sum = s.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
            let _ = writeln!(out, "http_request_duration_seconds_sum{{{labels}}} {sum}");
            let _ = writeln!(
                out,
                "http_request_duration_seconds_count{{{labels}}} {count}"
            );
        }
        for Extra {
            name,
            help,
            kind,
            value,
        } in extra
        {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        }
        out
    }
}

/// A series from outside the request metrics (the database pool, the WAL checkpointer).
#[derive(Debug, Clone, Copy)]
pub struct Extra<'a> {
    /// Metric name.
    pub name: &'a str,
    /// `# HELP` text.
    pub help: &'a str,
    /// `gauge` or `counter`.
    pub kind: &'a str,
    /// Current value.
    pub value: f64,
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Installs the log subscriber: `RUST_LOG` filters (default `info`), `ZHAOSHANG_LOG_FORMAT=json`
/// switches to JSON lines. Text lines are coloured only when stderr is a terminal, so that a log
/// file or a collector gets no escape codes.
pub fn init_logging() {
    use std::io::IsTerminal as _;
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("ZHAOSHANG_LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// The one start-up line: address and database kind.
pub fn log_started(address: std::net::SocketAddr, database: &str) {
    tracing::info!(
        address = %address,
        database,
        "zhaoshang-api listening on http://{address} ({database} database)"
    );
}
