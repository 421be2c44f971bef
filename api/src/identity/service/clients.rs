//! Service clients of other systems.

use zhaoshang_types::{ClientCreated, ClientPatch, ClientQuery, NewClient, Page, ServiceClient};

use super::{check_org_and_role, hash_blocking};
use crate::core::audit;
use crate::core::auth::{ActorKind, Principal};
use crate::core::db::{self, Database, DbConnection};
use crate::core::error::ApiError;
use crate::core::http::{
    IfMatch, check_version, decode_cursor, page_limit, paginate, required_text, to_json,
};
use crate::core::state::AppState;
use crate::identity::store as identity;

/// List service clients (administrators). 接入客户端列表。
pub async fn list_clients(
    state: &AppState,
    query: ClientQuery,
) -> Result<Page<ServiceClient>, ApiError> {
    let limit = page_limit(query.limit)?;
    let after = query.cursor.as_deref().map(decode_cursor).transpose()?;
    let rows = state
        .db
        .read(move |conn| {
            identity::list_clients(conn, query.org_id.as_deref(), after.as_deref(), limit + 1)
        })
        .await?;
    paginate(rows, limit, |r| r.id.clone(), |r| r.to_wire())
}

/// Read one service client (administrators). 接入客户端详情。
pub async fn get_client(state: &AppState, id: String) -> Result<ServiceClient, ApiError> {
    let client = state
        .db
        .read(move |conn| identity::client(conn, &id))
        .await?
        .ok_or_else(|| ApiError::not_found("no such client"))?
        .to_wire()?;
    Ok(client)
}

/// Change a service client (administrators; merge patch, `If-Match`). 修改接入客户端。
pub async fn update_client(
    state: &AppState,
    principal: &Principal,
    expected: IfMatch,
    id: String,
    body: ClientPatch,
) -> Result<ServiceClient, ApiError> {
    let patch = body;
    let name = patch
        .name
        .as_deref()
        .map(|n| required_text("name", n, 100))
        .transpose()?;
    let actor = principal.audit_actor();
    let client_id = id.clone();
    let client = state
        .db
        .write(move |conn| {
            let mut row = identity::client(conn, &client_id)?
                .ok_or_else(|| ApiError::not_found("no such client"))?;
            check_version(&expected, row.version)?;
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
    Ok(client)
}

/// Revoke a service client (administrators): its tokens stop working at once. 吊销接入客户端。
pub async fn revoke_client(
    state: &AppState,
    principal: &Principal,
    expected: IfMatch,
    id: String,
) -> Result<(), ApiError> {
    let actor = principal.audit_actor();
    let client_id = id.clone();
    state
        .db
        .write(move |conn| {
            let mut row = identity::client(conn, &client_id)?
                .ok_or_else(|| ApiError::not_found("no such client"))?;
            check_version(&expected, row.version)?;
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
    Ok(())
}

/// Creates a client and its secret; `org_id` gives the organisation inside the same
/// transaction (the bootstrap command finds or creates it there; the API takes `new.org_id`).
pub async fn create_client(
    db: &Database,
    actor: audit::Actor,
    new: NewClient,
    org_id: impl FnOnce(&mut DbConnection) -> Result<String, ApiError> + Send + 'static,
) -> Result<ClientCreated, ApiError> {
    let name = required_text("name", &new.name, 100)?;
    if new.expires_at.is_some_and(|e| e <= chrono::Utc::now()) {
        return Err(ApiError::invalid_field(
            "expires_at",
            "in_the_past",
            "expires_at must be in the future",
        ));
    }
    let secret = new_secret();
    let hash = hash_blocking(secret.clone()).await?;
    let client = db
        .write(move |conn| {
            let org_id = org_id(conn)?;
            check_org_and_role(conn, &org_id, new.role)?;
            let now = db::now();
            let row = identity::ClientRow {
                id: uuid::Uuid::now_v7().to_string(),
                name,
                org_id,
                role: new.role.as_str().to_owned(),
                secret_hash: hash,
                expires_at: new.expires_at.map(|e| e.naive_utc()),
                revoked_at: None,
                version: 1,
                created_at: now,
                updated_at: now,
            };
            identity::insert_client(conn, &row)?;
            let client = row.to_wire()?;
            audit::created(conn, &actor, "client", &client.id, &to_json(&client))?;
            Ok(client)
        })
        .await?;
    Ok(ClientCreated {
        client_id: client.id.clone(),
        client_secret: secret,
        client,
    })
}

/// A new client secret: 256 random bits, hex, with a recognisable prefix.
fn new_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("zss_{hex}")
}
