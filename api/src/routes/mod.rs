//! HTTP handlers, one module per resource. A handler parses, authorizes, calls `db`, and shapes
//! the response.

use actix_web::http::{Method, StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::ApiError;
use crate::openapi;

pub mod health;

/// Registers every documented route. The OpenAPI document is collected from the same calls.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(health::metrics);
}

/// Answers requests no route took: 405 with `Allow` when the path exists with other methods,
/// else 404.
pub async fn fallback(req: HttpRequest) -> HttpResponse {
    let allowed = openapi::methods_for_path(req.path());
    let err = if allowed.is_empty() {
        ApiError::not_found(format!("no route for {} {}", req.method(), req.path()))
    } else if req.method() == Method::OPTIONS {
        return HttpResponse::NoContent()
            .insert_header((header::ALLOW, allowed.join(", ")))
            .finish();
    } else {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!(
                "{} is not allowed on {}; allowed: {}",
                req.method(),
                req.path(),
                allowed.join(", ")
            ),
        )
        .with_header(header::ALLOW, allowed.join(", "))
    };
    actix_web::ResponseError::error_response(&err)
}
