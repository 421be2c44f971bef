//! `/api/v1/orgs`: the bureau, departments, counties, zones and agencies. Everyone signed in
//! reads them; administrators write.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use zhaoshang_types::{NewOrg, Org, OrgPatch, OrgQuery, Page};

use crate::core::auth::{Perm, Principal};
use crate::core::error::ApiError;
use crate::core::extract::ApiJson;
use crate::core::http::{created, if_match, ok_versioned};
use crate::core::state::AppState;
use crate::identity::service::orgs as service;

/// List organisations. 组织列表。
#[utoipa::path(tag = "identity", params(OrgQuery), responses((status = 200, body = Page<Org>)))]
#[get("")]
pub async fn list_orgs(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<OrgQuery>,
) -> Result<web::Json<Page<Org>>, ApiError> {
    principal.require(Perm::OrgsRead)?;
    Ok(web::Json(
        service::list_orgs(&state, &principal, query.into_inner()).await?,
    ))
}

/// Read one organisation. 组织详情。
#[utoipa::path(tag = "identity", params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, body = Org, headers(("ETag" = String, description = "The version")))))]
#[get("/{id}")]
pub async fn get_org(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Perm::OrgsRead)?;
    let v = service::get_org(&state, &principal, id.into_inner()).await?;
    Ok(ok_versioned(&v))
}

/// Create an organisation (administrators). 新建组织。
#[utoipa::path(tag = "identity", request_body = NewOrg,
    responses((status = 201, body = Org, headers(("Location" = String), ("ETag" = String))),
              (status = 409, description = "`conflict`: an organisation of the kind has the name; see `existing_id`",
               body = zhaoshang_types::Problem, content_type = "application/problem+json")))]
#[post("")]
pub async fn create_org(
    state: web::Data<AppState>,
    principal: Principal,
    body: ApiJson<NewOrg>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Perm::OrgsWrite)?;
    let org = service::create_org(&state, &principal, body.0).await?;
    Ok(created(format!("/api/v1/orgs/{}", org.id), &org))
}

/// Change an organisation (administrators; merge patch, `If-Match`). 修改组织。
#[utoipa::path(tag = "identity", request_body = OrgPatch,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    responses((status = 200, body = Org),
              (status = 409, description = "`conflict`: an organisation of the kind has the new name; see `existing_id`",
               body = zhaoshang_types::Problem, content_type = "application/problem+json")))]
#[patch("/{id}")]
pub async fn update_org(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    id: web::Path<String>,
    body: ApiJson<OrgPatch>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Perm::OrgsWrite)?;
    let v =
        service::update_org(&state, &principal, if_match(&req)?, id.into_inner(), body.0).await?;
    Ok(ok_versioned(&v))
}

/// Delete an organisation (administrators; soft, refused while it has active users or clients).
/// 删除组织。
#[utoipa::path(tag = "identity",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    responses((status = 204, description = "Deleted"),
              (status = 409, description = "It still has active users or clients", body = zhaoshang_types::Problem,
               content_type = "application/problem+json")))]
#[delete("/{id}")]
pub async fn delete_org(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Perm::OrgsWrite)?;
    service::delete_org(&state, &principal, if_match(&req)?, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
