//! User accounts: creation, changes, deactivation.

use zhaoshang_types::{NewUser, Page, Role, User, UserPatch, UserQuery};

use super::{check_org_and_role, check_username, hash_blocking};
use crate::core::audit;
use crate::core::auth::{ActorKind, Principal, password};
use crate::core::db::{self, DbConnection};
use crate::core::error::ApiError;
use crate::core::http::{
    IfMatch, check_version, decode_cursor, page_limit, paginate, required_text, to_json,
};
use crate::core::state::AppState;
use crate::identity::store as identity;

/// List users (administrators). 用户列表。
pub async fn list_users(state: &AppState, query: UserQuery) -> Result<Page<User>, ApiError> {
    let limit = page_limit(query.limit)?;
    let filter = identity::UserFilter {
        org_id: query.org_id,
        role: query.role,
        active: query.active,
        q: query.q.filter(|q| !q.trim().is_empty()),
        after_id: query.cursor.as_deref().map(decode_cursor).transpose()?,
    };
    let rows = state
        .db
        .read(move |conn| identity::list_users(conn, &filter, limit + 1))
        .await?;
    paginate(rows, limit, |r| r.id.clone(), |r| r.to_wire())
}

/// Read one user (administrators). 用户详情。
pub async fn get_user(state: &AppState, id: String) -> Result<User, ApiError> {
    let user = state
        .db
        .read(move |conn| identity::user(conn, &id))
        .await?
        .ok_or_else(|| ApiError::not_found("no such user"))?
        .to_wire()?;
    Ok(user)
}

/// Create a user (administrators). 新建用户。
pub async fn create_user(
    state: &AppState,
    principal: &Principal,
    body: NewUser,
) -> Result<User, ApiError> {
    let new = body;
    let username = check_username(&new.username)?;
    let display_name = required_text("display_name", &new.display_name, 100)?;
    password::check_strength("password", &new.password)?;
    let hash = hash_blocking(new.password).await?;
    let actor = principal.audit_actor();
    let user = state
        .db
        .write(move |conn| {
            insert_new(
                conn,
                &actor,
                identity::UserRow::new(username, display_name, new.org_id, new.role, hash),
            )
        })
        .await?;
    Ok(user)
}

/// Change a user (administrators; merge patch, `If-Match`). `{"active": false}` deactivates:
/// the user's tokens stop working at once. 修改用户（停用）。
pub async fn update_user(
    state: &AppState,
    principal: &Principal,
    expected: IfMatch,
    id: String,
    body: UserPatch,
) -> Result<User, ApiError> {
    let patch = body;
    if id == principal.id
        && (patch.active == Some(false) || patch.role.is_some_and(|r| r != Role::Admin))
    {
        return Err(ApiError::invalid_field(
            if patch.active == Some(false) {
                "active"
            } else {
                "role"
            },
            "self_lockout",
            "administrators cannot deactivate or demote themselves; ask another administrator",
        ));
    }
    let display_name = patch
        .display_name
        .as_deref()
        .map(|n| required_text("display_name", n, 100))
        .transpose()?;
    let hash = match patch.password {
        Some(p) => {
            password::check_strength("password", &p)?;
            Some(hash_blocking(p).await?)
        }
        None => None,
    };
    let actor = principal.audit_actor();
    let user_id = id.clone();
    let user = state
        .db
        .write(move |conn| {
            let mut row = identity::user(conn, &user_id)?
                .ok_or_else(|| ApiError::not_found("no such user"))?;
            check_version(&expected, row.version)?;
            let before = to_json(&row.to_wire()?);
            if let Some(name) = display_name {
                row.display_name = name;
            }
            let org_id = patch.org_id.clone().unwrap_or_else(|| row.org_id.clone());
            let role = patch
                .role
                .map_or_else(|| row.to_wire().map(|u| u.role), Ok)?;
            if patch.org_id.is_some() || patch.role.is_some() {
                check_org_and_role(conn, &org_id, role)?;
            }
            row.org_id = org_id;
            row.role = role.as_str().to_owned();
            if let Some(active) = patch.active {
                row.active = active;
            }
            let mut after_extra = None;
            if let Some(hash) = hash {
                row.password_hash = hash;
                row.password_changed_at = db::now();
                after_extra = Some("reset");
            }
            let previous = row.version;
            row.version += 1;
            row.updated_at = db::now();
            if !identity::update_user(conn, &row, previous)? {
                return Err(crate::core::http::version_conflict(previous + 1));
            }
            let user = row.to_wire()?;
            let mut after = to_json(&user);
            if let Some(extra) = after_extra {
                after["password"] = serde_json::Value::String(extra.to_owned());
            }
            audit::record(
                conn,
                &actor,
                "update",
                "user",
                Some(&user.id),
                Some(audit::diff(&before, &after)),
            )?;
            Ok(user)
        })
        .await?;
    state.actors.invalidate(ActorKind::User, &id);
    Ok(user)
}

/// Deactivate a user (administrators). Users are never erased: the audit trail names them.
/// 停用用户。
pub async fn delete_user(
    state: &AppState,
    principal: &Principal,
    expected: IfMatch,
    id: String,
) -> Result<(), ApiError> {
    if id == principal.id {
        return Err(ApiError::invalid_field(
            "id",
            "self_lockout",
            "administrators cannot deactivate themselves",
        ));
    }
    let actor = principal.audit_actor();
    let user_id = id.clone();
    state
        .db
        .write(move |conn| {
            let mut row = identity::user(conn, &user_id)?
                .ok_or_else(|| ApiError::not_found("no such user"))?;
            check_version(&expected, row.version)?;
            if !row.active {
                return Ok(());
            }
            let previous = row.version;
            row.active = false;
            row.version += 1;
            row.updated_at = db::now();
            if !identity::update_user(conn, &row, previous)? {
                return Err(crate::core::http::version_conflict(previous + 1));
            }
            audit::record(
                conn,
                &actor,
                "delete",
                "user",
                Some(&user_id),
                Some(serde_json::json!({"active": {"before": true, "after": false}})),
            )
        })
        .await?;
    state.actors.invalidate(ActorKind::User, &id);
    Ok(())
}

/// Inserts a new user, audited, after checking that its organisation exists and suits its
/// role and that the username is free (409 naming the holder); inside the caller's
/// transaction.
pub fn insert_new(
    conn: &mut DbConnection,
    actor: &audit::Actor,
    row: identity::UserRow,
) -> Result<User, ApiError> {
    let user = row.to_wire()?;
    check_org_and_role(conn, &user.org_id, user.role)?;
    if let Some(existing) = identity::user_by_username(conn, &user.username)? {
        return Err(ApiError::conflict(
            format!("the username {} is taken", user.username),
            Some(existing.id),
        ));
    }
    identity::insert_user(conn, &row)?;
    let mut after = to_json(&user);
    after["password"] = serde_json::Value::String("set".to_owned());
    audit::created(conn, actor, "user", &user.id, &after)?;
    Ok(user)
}
