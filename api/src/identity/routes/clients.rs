//! `/api/v1/clients`: service clients of other systems (administrators).

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use zhaoshang_types::{ClientCreated, ClientPatch, ClientQuery, NewClient, Page, ServiceClient};

use crate::core::auth::{Perm, Principal};
use crate::core::error::ApiError;
use crate::core::extract::ApiJson;
use crate::core::http::{created, if_match, ok_versioned};
use crate::core::state::AppState;
use crate::identity::service::clients as service;

/// List service clients (administrators). 接入客户端列表。
#[utoipa::path(tag = "identity", params(ClientQuery), responses((status = 200, body = Page<ServiceClient>)))]
#[get("")]
pub async fn list_clients(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<ClientQuery>,
) -> Result<web::Json<Page<ServiceClient>>, ApiError> {
    principal.require(Perm::ClientsAdmin)?;
    Ok(web::Json(
        service::list_clients(&state, query.into_inner()).await?,
    ))
}

/// Read one service client (administrators). 接入客户端详情。
#[utoipa::path(tag = "identity", params(("id" = String, Path)), responses((status = 200, body = ServiceClient)))]
#[get("/{id}")]
pub async fn get_client(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Perm::ClientsAdmin)?;
    let v = service::get_client(&state, id.into_inner()).await?;
    Ok(ok_versioned(&v))
}

/// Create a service client (administrators). The answer holds `client_secret`, shown only
/// this once. 新建接入客户端（密钥只显示一次）。
#[utoipa::path(tag = "identity", request_body = NewClient,
    responses((status = 201, body = ClientCreated, headers(("Location" = String), ("ETag" = String)))))]
#[post("")]
pub async fn create_client(
    state: web::Data<AppState>,
    principal: Principal,
    body: ApiJson<NewClient>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Perm::ClientsAdmin)?;
    let new = body.0;
    let org_id = new.org_id.clone();
    let created_client =
        service::create_client(&state.db, principal.audit_actor(), new, move |_| Ok(org_id))
            .await?;
    Ok(created(
        format!("/api/v1/clients/{}", created_client.client_id),
        &created_client,
    ))
}

/// Change a service client (administrators; merge patch, `If-Match`). 修改接入客户端。
#[utoipa::path(tag = "identity", request_body = ClientPatch,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    responses((status = 200, body = ServiceClient)))]
#[patch("/{id}")]
pub async fn update_client(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    id: web::Path<String>,
    body: ApiJson<ClientPatch>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Perm::ClientsAdmin)?;
    let v = service::update_client(&state, &principal, if_match(&req)?, id.into_inner(), body.0)
        .await?;
    Ok(ok_versioned(&v))
}

/// Revoke a service client (administrators): its tokens stop working at once. 吊销接入客户端。
#[utoipa::path(tag = "identity",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    responses((status = 204, description = "Revoked")))]
#[delete("/{id}")]
pub async fn revoke_client(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Perm::ClientsAdmin)?;
    service::revoke_client(&state, &principal, if_match(&req)?, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
