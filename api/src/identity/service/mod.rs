//! The identity domain's rules: organisations, users, service clients, the caller's own account
//! and the audit trail's reader. The API's handlers and the `admin` commands call them.

use actix_web::web;

pub mod account;
pub mod audit_trail;
pub mod clients;
pub mod orgs;
pub mod tokens;
pub mod users;
use zhaoshang_types::{OrgKind, Role};

use super::store as identity;
use crate::core::auth::password;
use crate::core::auth::policy::role_fits_org;
use crate::core::db::{self, DbConnection};
use crate::core::error::ApiError;

/// Checks a password against its stored hash on the blocking pool (as slow as hashing).
pub async fn verify_blocking(secret: String, hash: String) -> Result<bool, ApiError> {
    web::block(move || password::verify(&secret, &hash))
        .await
        .map_err(ApiError::internal)
}

/// Hashes on the blocking pool (argon2 takes tens of milliseconds).
pub async fn hash_blocking(secret: String) -> Result<String, ApiError> {
    web::block(move || password::hash(&secret))
        .await
        .map_err(ApiError::internal)?
}

/// 3–64 of `a-z 0-9 . _ -` (upper case is folded).
pub fn check_username(raw: &str) -> Result<String, ApiError> {
    let name = raw.trim().to_lowercase();
    let ok = (3..=64).contains(&name.len())
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        });
    if ok {
        Ok(name)
    } else {
        Err(ApiError::invalid_field(
            "username",
            "invalid_format",
            "username must be 3 to 64 of the characters a-z, 0-9, '.', '_' and '-'",
        ))
    }
}

/// The organisation exists and the role suits its kind.
pub fn check_org_and_role(
    conn: &mut DbConnection,
    org_id: &str,
    role: Role,
) -> Result<(), ApiError> {
    let org = identity::org(conn, org_id, false)?
        .ok_or_else(|| {
            ApiError::invalid_field("org_id", "unknown_reference", "no such organisation")
        })?
        .to_wire()?;
    if !role_fits_org(role, org.kind) {
        return Err(ApiError::invalid_field(
            "role",
            "role_mismatch",
            format!(
                "the role `{}` does not suit an organisation of kind `{}`",
                role.as_str(),
                org.kind.as_str()
            ),
        ));
    }
    Ok(())
}

/// A county needs its six-digit GB/T 2260 code; others may have one.
pub fn check_region_code(kind: OrgKind, code: Option<&str>) -> Result<Option<String>, ApiError> {
    match code.map(str::trim).filter(|c| !c.is_empty()) {
        None if kind == OrgKind::County => Err(ApiError::invalid_field(
            "region_code",
            "required",
            "a county needs its six-digit GB/T 2260 region code",
        )),
        None => Ok(None),
        Some(c) if c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()) => {
            match crate::core::reference::check_region_code(c) {
                Ok(()) => Ok(Some(c.to_owned())),
                Err(message) => Err(ApiError::invalid_field(
                    "region_code",
                    "invalid_region_code",
                    message,
                )),
            }
        }
        Some(c) => Err(ApiError::invalid_field(
            "region_code",
            "invalid_format",
            format!("region_code must be six digits (GB/T 2260), got {c:?}"),
        )),
    }
}

/// Whether a live organisation has this id.
pub fn org_exists(conn: &mut DbConnection, id: &str) -> Result<bool, ApiError> {
    Ok(identity::org(conn, id, false)?.is_some())
}

/// Keeps an agency's login organisation (same id) in step with the agency record: created with
/// it, renamed with it; another agency organisation of the same name is a conflict.
pub fn sync_agency_org(
    conn: &mut DbConnection,
    id: &str,
    name: &str,
    region_code: Option<&str>,
    created: bool,
) -> Result<(), ApiError> {
    if let Some(other) = identity::org_by_name(conn, OrgKind::Agency, name)?
        && other.id != id
    {
        return Err(ApiError::conflict(
            format!("an agency organisation named {name} exists already"),
            Some(other.id),
        ));
    }
    let now = db::now();
    match identity::org(conn, id, true)? {
        None if created => identity::insert_org(
            conn,
            &identity::OrgRow {
                id: id.to_owned(),
                ..identity::OrgRow::new(
                    OrgKind::Agency,
                    name.to_owned(),
                    region_code.map(str::to_owned),
                    None,
                )
            },
        ),
        Some(mut org) if org.name != name => {
            let previous = org.version;
            org.name = name.to_owned();
            org.version += 1;
            org.updated_at = now;
            identity::update_org(conn, &org, previous).map(|_| ())
        }
        _ => Ok(()),
    }
}
