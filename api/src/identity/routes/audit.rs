//! `GET /api/v1/audit`: the audit trail (administrators and the bureau). Read-only: no API
//! changes or deletes audit rows.

use actix_web::{get, web};
use zhaoshang_types::{AuditEntry, AuditQuery, Page};

use crate::core::auth::{Perm, Principal};
use crate::core::error::ApiError;
use crate::core::state::AppState;
use crate::identity::service::audit_trail as service;

/// Read the audit trail, oldest first (administrators and the bureau). 审计记录。
#[utoipa::path(tag = "identity", params(AuditQuery), responses((status = 200, body = Page<AuditEntry>)))]
#[get("/audit")]
pub async fn list_audit(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<AuditQuery>,
) -> Result<web::Json<Page<AuditEntry>>, ApiError> {
    principal.require(Perm::AuditRead)?;
    Ok(web::Json(
        service::list_audit(&state, query.into_inner()).await?,
    ))
}
