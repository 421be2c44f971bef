//! Every domain's routes mounted under one scope per resource, and the fallback for requests no
//! route took.

use actix_web::http::{Method, header};
use actix_web::{HttpRequest, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use super::openapi;
use crate::core::error::{ApiError, Code};

use super::health;
use crate::identity::routes::{audit, clients, me, orgs, tokens as auth, users};
use crate::library::routes::{self as resources, chains, reference};

/// Registers every documented route. The OpenAPI document is collected from the same calls.
///
/// Each resource has its own scope: a request is matched against a static prefix first and
/// only then against the few patterns with `{id}` of its resource, instead of against every
/// pattern of the API in turn.
pub fn configure(cfg: &mut ServiceConfig) {
    use utoipa_actix_web::scope;
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(health::metrics);
    cfg.service(
        scope("/api/v1")
            .service(auth::token)
            .service(me::me)
            .service(me::change_password)
            .service(audit::list_audit)
            .service(reference::divisions)
            .service(reference::industry_codes)
            .service(resources::batch_investors)
            .service(resources::batch_enterprises)
            .service(
                scope("/orgs")
                    .service(orgs::list_orgs)
                    .service(orgs::create_org)
                    .service(orgs::get_org)
                    .service(orgs::update_org)
                    .service(orgs::delete_org),
            )
            .service(
                scope("/users")
                    .service(users::list_users)
                    .service(users::create_user)
                    .service(users::get_user)
                    .service(users::update_user)
                    .service(users::delete_user),
            )
            .service(
                scope("/clients")
                    .service(clients::list_clients)
                    .service(clients::create_client)
                    .service(clients::get_client)
                    .service(clients::update_client)
                    .service(clients::revoke_client),
            )
            .service(
                scope("/investors")
                    .service(resources::investors::list)
                    .service(resources::investors::create)
                    .service(resources::investors::get)
                    .service(resources::investors::update)
                    .service(resources::investors::delete)
                    .service(resources::investors::restore)
                    .service(resources::investor_contacts::list)
                    .service(resources::investor_contacts::create)
                    .service(resources::investor_contacts::update)
                    .service(resources::investor_contacts::delete),
            )
            .service(
                scope("/agencies")
                    .service(resources::agencies::list)
                    .service(resources::agencies::create)
                    .service(resources::agencies::get)
                    .service(resources::agencies::update)
                    .service(resources::agencies::delete)
                    .service(resources::agencies::restore)
                    .service(resources::agency_contacts::list)
                    .service(resources::agency_contacts::create)
                    .service(resources::agency_contacts::update)
                    .service(resources::agency_contacts::delete)
                    .service(chains::agency_stats),
            )
            .service(
                scope("/target-regions")
                    .service(resources::target_regions::list)
                    .service(resources::target_regions::create)
                    .service(resources::target_regions::get)
                    .service(resources::target_regions::update)
                    .service(resources::target_regions::delete)
                    .service(resources::target_regions::restore),
            )
            .service(
                scope("/industries")
                    .service(resources::industries::list)
                    .service(resources::industries::create)
                    .service(resources::industries::get)
                    .service(resources::industries::update)
                    .service(resources::industries::delete)
                    .service(resources::industries::restore)
                    .service(chains::create_node)
                    .service(chains::chain)
                    .service(chains::gaps),
            )
            .service(
                scope("/chain-nodes")
                    .service(chains::get_node)
                    .service(chains::update_node)
                    .service(chains::delete_node),
            )
            .service(
                scope("/enterprises")
                    .service(resources::enterprises::get)
                    .service(resources::enterprises::list)
                    .service(resources::enterprises::create)
                    .service(resources::enterprises::update)
                    .service(resources::enterprises::delete)
                    .service(resources::enterprises::restore)
                    .service(chains::list_links)
                    .service(chains::create_link)
                    .service(chains::delete_link),
            ),
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
            Code::MethodNotAllowed,
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
