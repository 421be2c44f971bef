//! Organisations: the bureau, departments, counties, zones and agencies.

use zhaoshang_types::{NewOrg, Org, OrgKind, OrgPatch, OrgQuery, Page};

use super::check_region_code;
use crate::core::audit;
use crate::core::auth::{Perm, Principal};
use crate::core::db::{self, DbConnection};
use crate::core::error::ApiError;
use crate::core::http::{
    IfMatch, check_version, decode_cursor, page_limit, paginate, required_text, to_json,
};
use crate::core::state::AppState;
use crate::identity::store as identity;

/// List organisations. 组织列表。
pub async fn list_orgs(
    state: &AppState,
    principal: &Principal,
    query: OrgQuery,
) -> Result<Page<Org>, ApiError> {
    let include_deleted = query.include_deleted.unwrap_or(false);
    if include_deleted {
        principal.require(Perm::OrgsWrite)?;
    }
    let limit = page_limit(query.limit)?;
    let filter = identity::OrgFilter {
        kind: query.kind,
        parent_id: query.parent_id,
        q: query.q.filter(|q| !q.trim().is_empty()),
        include_deleted,
        after_id: query.cursor.as_deref().map(decode_cursor).transpose()?,
    };
    let rows = state
        .db
        .read(move |conn| identity::list_orgs(conn, &filter, limit + 1))
        .await?;
    paginate(rows, limit, |r| r.id.clone(), |r| r.to_wire())
}

/// Read one organisation. 组织详情。
pub async fn get_org(state: &AppState, principal: &Principal, id: String) -> Result<Org, ApiError> {
    let include_deleted = principal.has(Perm::OrgsWrite);
    let row = state
        .db
        .read(move |conn| identity::org(conn, &id, include_deleted))
        .await?
        .ok_or_else(|| ApiError::not_found("no such organisation"))?;
    let org = row.to_wire()?;
    Ok(org)
}

/// Create an organisation (administrators). 新建组织。
pub async fn create_org(
    state: &AppState,
    principal: &Principal,
    body: NewOrg,
) -> Result<Org, ApiError> {
    let new = body;
    let name = required_text("name", &new.name, 100)?;
    let region_code = check_region_code(new.kind, new.region_code.as_deref())?;
    let actor = principal.audit_actor();
    let org = state
        .db
        .write(move |conn| {
            if let Some(parent) = &new.parent_id {
                identity::org(conn, parent, false)?.ok_or_else(|| {
                    ApiError::invalid_field(
                        "parent_id",
                        "unknown_reference",
                        "no such organisation",
                    )
                })?;
            }
            if let Some(existing) = identity::org_by_name(conn, new.kind, &name)? {
                return Err(ApiError::conflict(
                    format!("a {} named {name} exists already", new.kind.as_str()),
                    Some(existing.id),
                ));
            }
            insert_new(
                conn,
                &actor,
                identity::OrgRow::new(new.kind, name, region_code, new.parent_id),
            )
        })
        .await?;
    Ok(org)
}

/// Change an organisation (administrators; merge patch, `If-Match`). 修改组织。
pub async fn update_org(
    state: &AppState,
    principal: &Principal,
    expected: IfMatch,
    id: String,
    body: OrgPatch,
) -> Result<Org, ApiError> {
    let patch = body;
    let name = patch
        .name
        .as_deref()
        .map(|n| required_text("name", n, 100))
        .transpose()?;
    let actor = principal.audit_actor();
    let org = state
        .db
        .write(move |conn| {
            let mut row = identity::org(conn, &id, false)?
                .ok_or_else(|| ApiError::not_found("no such organisation"))?;
            check_version(&expected, row.version)?;
            let before = to_json(&row.to_wire()?);
            let kind = row.to_wire()?.kind;
            if let Some(name) = name {
                if name != row.name
                    && let Some(existing) = identity::org_by_name(conn, kind, &name)?
                {
                    return Err(ApiError::conflict(
                        format!("a {} named {name} exists already", kind.as_str()),
                        Some(existing.id),
                    ));
                }
                row.name = name;
            }
            if let Some(code) = patch.region_code {
                row.region_code = check_region_code(kind, code.as_deref())?;
            }
            if let Some(parent) = patch.parent_id {
                if let Some(parent) = &parent {
                    check_parent(conn, &row.id, parent)?;
                }
                row.parent_id = parent;
            }
            let previous = row.version;
            row.version += 1;
            row.updated_at = db::now();
            if !identity::update_org(conn, &row, previous)? {
                return Err(crate::core::http::version_conflict(previous + 1));
            }
            let org = row.to_wire()?;
            audit::record(
                conn,
                &actor,
                "update",
                "org",
                Some(&org.id),
                Some(audit::diff(&before, &to_json(&org))),
            )?;
            Ok(org)
        })
        .await?;
    Ok(org)
}

/// Delete an organisation (administrators; soft, refused while it has active users or clients).
/// 删除组织。
pub async fn delete_org(
    state: &AppState,
    principal: &Principal,
    expected: IfMatch,
    id: String,
) -> Result<(), ApiError> {
    let actor = principal.audit_actor();
    state
        .db
        .write(move |conn| {
            let mut row = identity::org(conn, &id, false)?.ok_or_else(|| ApiError::not_found("no such organisation"))?;
            check_version(&expected, row.version)?;
            let members = identity::org_member_count(conn, &id)?;
            if members > 0 {
                return Err(ApiError::conflict(
                    format!("the organisation still has {members} active users or clients: deactivate them first"),
                    None,
                ));
            }
            let before = to_json(&row.to_wire()?);
            let previous = row.version;
            row.version += 1;
            row.updated_at = db::now();
            row.deleted_at = Some(row.updated_at);
            if !identity::update_org(conn, &row, previous)? {
                return Err(crate::core::http::version_conflict(previous + 1));
            }
            audit::record(conn, &actor, "delete", "org", Some(&id), Some(audit::diff(&before, &to_json(&row.to_wire()?))))
        })
        .await?;
    Ok(())
}

/// The parent exists and is not the organisation itself or one of its descendants.
fn check_parent(conn: &mut DbConnection, id: &str, parent: &str) -> Result<(), ApiError> {
    crate::core::http::check_parent_chain(Some(id), parent, "no such organisation", |current| {
        Ok(identity::org(conn, current, false)?.map(|o| o.parent_id))
    })
}

/// Inserts a new organisation, audited.
fn insert_new(
    conn: &mut DbConnection,
    actor: &audit::Actor,
    row: identity::OrgRow,
) -> Result<Org, ApiError> {
    identity::insert_org(conn, &row)?;
    let org = row.to_wire()?;
    audit::created(conn, actor, "org", &org.id, &to_json(&org))?;
    Ok(org)
}

/// The id of the organisation of this kind and name, created (audited) when there is none;
/// inside the caller's transaction.
pub fn ensure_org(
    conn: &mut DbConnection,
    actor: &audit::Actor,
    kind: OrgKind,
    name: String,
    region_code: Option<String>,
) -> Result<String, ApiError> {
    if let Some(org) = identity::org_by_name(conn, kind, &name)? {
        return Ok(org.id);
    }
    Ok(insert_new(
        conn,
        actor,
        identity::OrgRow::new(kind, name, region_code, None),
    )?
    .id)
}
