//! The caller's own account: who am I, and changing my password.

use zhaoshang_types::{Me, PasswordChange};

use super::{hash_blocking, verify_blocking};
use crate::core::audit;
use crate::core::auth::{ActorKind, Principal, password, permissions};
use crate::core::db::{self, Locked};
use crate::core::error::ApiError;
use crate::core::state::AppState;
use crate::identity::store as identity;

/// Who am I: identity, organisation, role and effective permissions. 当前用户信息。
pub async fn me(state: &AppState, principal: &Principal) -> Result<Me, ApiError> {
    let p = principal.clone();
    let (org, display_name) = state
        .db
        .read(move |conn| {
            let org = identity::org(conn, &p.org_id, true)?
                .ok_or_else(|| ApiError::internal("the caller's organisation is missing"))?
                .to_wire()?;
            let display_name = match p.kind {
                ActorKind::User => identity::user(conn, &p.id)?.map(|u| u.display_name),
                ActorKind::Client => None,
            };
            Ok((org, display_name))
        })
        .await?;
    Ok(Me {
        kind: principal.kind.as_str().to_owned(),
        id: principal.id.clone(),
        name: principal.name.clone(),
        display_name,
        role: principal.role,
        org,
        permissions: permissions(principal.role)
            .iter()
            .map(|p| (*p).to_owned())
            .collect(),
    })
}

/// Change my password (users; service clients have none). 修改本人密码。
pub async fn change_password(
    state: &AppState,
    principal: &Principal,
    body: PasswordChange,
) -> Result<(), ApiError> {
    if principal.kind != ActorKind::User {
        return Err(ApiError::forbidden(
            "service clients have no password to change",
        ));
    }
    let change = body;
    password::check_strength("new_password", &change.new_password)?;
    if change.new_password == change.current_password {
        return Err(ApiError::invalid_field(
            "new_password",
            "unchanged",
            "the new password must differ from the current one",
        ));
    }
    let id = principal.id.clone();
    let stored = state
        .db
        .read(move |conn| identity::user(conn, &id))
        .await?
        .ok_or_else(|| ApiError::internal("the caller's user record is missing"))?
        .password_hash;
    let current = change.current_password;
    let matches = verify_blocking(current, stored).await?;
    if !matches {
        return Err(ApiError::invalid_field(
            "current_password",
            "wrong_password",
            "the current password is wrong",
        ));
    }
    let hash = hash_blocking(change.new_password).await?;
    let actor = principal.audit_actor();
    let id = principal.id.clone();
    state
        .db
        .write(move |conn| {
            db::lock_row(conn, Locked::Users, &id)?;
            let mut row = identity::user(conn, &id)?.ok_or_else(|| ApiError::not_found("no such user"))?;
            let previous = row.version;
            row.password_hash = hash;
            row.password_changed_at = db::now();
            row.updated_at = row.password_changed_at;
            row.version += 1;
            if !identity::update_user(conn, &row, previous)? {
                return Err(crate::core::http::version_conflict(previous + 1));
            }
            audit::record(
                conn,
                &actor,
                "password_change",
                "user",
                Some(&id),
                Some(serde_json::json!({"password": {"before": "[redacted]", "after": "[redacted]"}})),
            )
        })
        .await?;
    // Tokens issued before the change stop working at once on this server.
    state.actors.invalidate(ActorKind::User, &principal.id);
    Ok(())
}
