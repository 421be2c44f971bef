//! `/api/v1/me`: the caller's own identity and password.

use actix_web::{HttpResponse, get, put, web};
use zhaoshang_types::{Me, PasswordChange};

use crate::core::auth::Principal;
use crate::core::error::ApiError;
use crate::core::extract::ApiJson;
use crate::core::state::AppState;
use crate::identity::service::account as service;

/// Who am I: identity, organisation, role and effective permissions. 当前用户信息。
#[utoipa::path(tag = "identity", responses((status = 200, body = Me)))]
#[get("/me")]
pub async fn me(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<web::Json<Me>, ApiError> {
    Ok(web::Json(service::me(&state, &principal).await?))
}

/// Change my password (users; service clients have none). 修改本人密码。
#[utoipa::path(tag = "identity", request_body = PasswordChange,
    responses((status = 204, description = "Changed")))]
#[put("/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    principal: Principal,
    body: ApiJson<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    service::change_password(&state, &principal, body.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
