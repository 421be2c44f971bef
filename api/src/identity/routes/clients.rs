//! `/api/v1/clients`: service clients of other systems (administrators).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use zhaoshang_types::{ClientCreated, ClientPatch, ClientQuery, NewClient, Page, ServiceClient};

use crate::core::audit;
use crate::core::auth::{ActorKind, Perm, Principal};
use crate::core::db;
use crate::core::error::ApiError;
use crate::core::extract::ApiJson;
use crate::core::http::{
    check_version, created, decode_cursor, if_match, page_limit, paginate, required_text, to_json,
    with_etag,
};
use crate::core::state::AppState;
use crate::identity::service::{self, check_org_and_role};
use crate::identity::store as identity;

/// List service clients (administrators). 接入客户端列表。
#[utoipa::path(tag = "identity", params(ClientQuery), responses((status = 200, body = Page<ServiceClient>)))]
#[get("")]
pub async fn list_clients(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<ClientQuery>,
) -> Result<web::Json<Page<ServiceClient>>, ApiError> {
    principal.require(Perm::ClientsAdmin)?;
    let query = query.into_inner();
    let limit = page_limit(query.limit)?;
    let after = query.cursor.as_deref().map(decode_cursor).transpose()?;
    let rows = state
        .db
        .read(move |conn| {
            identity::list_clients(conn, query.org_id.as_deref(), after.as_deref(), limit + 1)
        })
        .await?;
    Ok(web::Json(paginate(
        rows,
        limit,
        |r| r.id.clone(),
        |r| r.to_wire(),
    )?))
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
    let id = id.into_inner();
    let client = state
        .db
        .read(move |conn| identity::client(conn, &id))
        .await?
        .ok_or_else(|| ApiError::not_found("no such client"))?
        .to_wire()?;
    Ok(with_etag(StatusCode::OK, &client, client.version))
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
        created_client.client.version,
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
    let expected = if_match(&req)?;
    let patch = body.0;
    let name = patch
        .name
        .as_deref()
        .map(|n| required_text("name", n, 100))
        .transpose()?;
    let id = id.into_inner();
    let actor = principal.audit_actor();
    let client_id = id.clone();
    let client = state
        .db
        .write(move |conn| {
            let mut row = identity::client(conn, &client_id)?
                .ok_or_else(|| ApiError::not_found("no such client"))?;
            check_version(expected, row.version)?;
            let before = to_json(&row.to_wire()?);
            if let Some(name) = name {
                row.name = name;
            }
            if let Some(role) = patch.role {
                check_org_and_role(conn, &row.org_id, role)?;
                row.role = role.as_str().to_owned();
            }
            if let Some(expires) = patch.expires_at {
                row.expires_at = expires.map(|e| e.naive_utc());
            }
            let previous = row.version;
            row.version += 1;
            row.updated_at = db::now();
            if !identity::update_client(conn, &row, previous)? {
                return Err(crate::core::http::version_conflict(previous + 1));
            }
            let client = row.to_wire()?;
            audit::record(
                conn,
                &actor,
                "update",
                "client",
                Some(&client.id),
                Some(audit::diff(&before, &to_json(&client))),
            )?;
            Ok(client)
        })
        .await?;
    state.actors.invalidate(ActorKind::Client, &id);
    Ok(with_etag(StatusCode::OK, &client, client.version))
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
    let expected = if_match(&req)?;
    let id = id.into_inner();
    let actor = principal.audit_actor();
    let client_id = id.clone();
    state
        .db
        .write(move |conn| {
            let mut row = identity::client(conn, &client_id)?
                .ok_or_else(|| ApiError::not_found("no such client"))?;
            check_version(expected, row.version)?;
            if row.revoked_at.is_some() {
                return Ok(());
            }
            let before = to_json(&row.to_wire()?);
            let previous = row.version;
            row.version += 1;
            row.updated_at = db::now();
            row.revoked_at = Some(row.updated_at);
            if !identity::update_client(conn, &row, previous)? {
                return Err(crate::core::http::version_conflict(previous + 1));
            }
            audit::record(
                conn,
                &actor,
                "revoke",
                "client",
                Some(&client_id),
                Some(audit::diff(&before, &to_json(&row.to_wire()?))),
            )
        })
        .await?;
    state.actors.invalidate(ActorKind::Client, &id);
    Ok(HttpResponse::NoContent().finish())
}
