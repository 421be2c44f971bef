//! HTTP handlers, one module per resource. A handler parses, authorizes, calls `db`, and shapes
//! the response.

use actix_web::http::{Method, StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::ApiError;
use crate::openapi;

pub mod audit;
pub mod auth;
pub mod clients;
pub mod common;
pub mod health;
pub mod me;
pub mod orgs;
pub mod users;

/// Registers every documented route. The OpenAPI document is collected from the same calls.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(health::metrics);
    cfg.service(
        utoipa_actix_web::scope("/api/v1")
            .service(auth::token)
            .service(me::me)
            .service(me::change_password)
            .service(orgs::list_orgs)
            .service(orgs::create_org)
            .service(orgs::get_org)
            .service(orgs::update_org)
            .service(orgs::delete_org)
            .service(users::list_users)
            .service(users::create_user)
            .service(users::get_user)
            .service(users::update_user)
            .service(users::delete_user)
            .service(clients::list_clients)
            .service(clients::create_client)
            .service(clients::get_client)
            .service(clients::update_client)
            .service(clients::revoke_client)
            .service(audit::list_audit),
    );
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
