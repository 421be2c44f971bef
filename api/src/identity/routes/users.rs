//! `/api/v1/users`: user accounts (administrators).

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use zhaoshang_types::{NewUser, Page, User, UserPatch, UserQuery};

use crate::core::auth::{Perm, Principal};
use crate::core::error::ApiError;
use crate::core::extract::ApiJson;
use crate::core::http::{created, if_match, ok_versioned};
use crate::core::state::AppState;
use crate::identity::service::users as service;

/// List users (administrators). 用户列表。
#[utoipa::path(tag = "identity", params(UserQuery), responses((status = 200, body = Page<User>)))]
#[get("")]
pub async fn list_users(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<UserQuery>,
) -> Result<web::Json<Page<User>>, ApiError> {
    principal.require(Perm::UsersAdmin)?;
    Ok(web::Json(
        service::list_users(&state, query.into_inner()).await?,
    ))
}

/// Read one user (administrators). 用户详情。
#[utoipa::path(tag = "identity", params(("id" = String, Path)), responses((status = 200, body = User)))]
#[get("/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Perm::UsersAdmin)?;
    let v = service::get_user(&state, id.into_inner()).await?;
    Ok(ok_versioned(&v))
}

/// Create a user (administrators). 新建用户。
#[utoipa::path(tag = "identity", request_body = NewUser,
    responses((status = 201, body = User, headers(("Location" = String), ("ETag" = String))),
              (status = 409, description = "`conflict`: the username is taken; see `existing_id`",
               body = zhaoshang_types::Problem, content_type = "application/problem+json")))]
#[post("")]
pub async fn create_user(
    state: web::Data<AppState>,
    principal: Principal,
    body: ApiJson<NewUser>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Perm::UsersAdmin)?;
    let user = service::create_user(&state, &principal, body.0).await?;
    Ok(created(format!("/api/v1/users/{}", user.id), &user))
}

/// Change a user (administrators; merge patch, `If-Match`). `{"active": false}` deactivates:
/// the user's tokens stop working at once. 修改用户（停用）。
#[utoipa::path(tag = "identity", request_body = UserPatch,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    responses((status = 200, body = User)))]
#[patch("/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    id: web::Path<String>,
    body: ApiJson<UserPatch>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Perm::UsersAdmin)?;
    let v =
        service::update_user(&state, &principal, if_match(&req)?, id.into_inner(), body.0).await?;
    Ok(ok_versioned(&v))
}

/// Deactivate a user (administrators). Users are never erased: the audit trail names them.
/// 停用用户。
#[utoipa::path(tag = "identity",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    responses((status = 204, description = "Deactivated"),
              (status = 422, description = "`validation_failed` (`self_lockout`): administrators cannot deactivate themselves",
               body = zhaoshang_types::Problem, content_type = "application/problem+json")))]
#[delete("/{id}")]
pub async fn delete_user(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Perm::UsersAdmin)?;
    service::delete_user(&state, &principal, if_match(&req)?, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
