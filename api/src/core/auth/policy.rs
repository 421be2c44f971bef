//! What each role may do, and the record-level rules of the shared library: services ask
//! these; nothing else decides.

use zhaoshang_types::Role;

use super::principal::Principal;
use crate::core::error::ApiError;

/// A permission, as reported by `GET /api/v1/me`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Perm {
    /// Read organisation names and kinds.
    OrgsRead,
    /// Create, change and delete organisations.
    OrgsWrite,
    /// Manage users.
    UsersAdmin,
    /// Manage service clients.
    ClientsAdmin,
    /// Read the audit trail.
    AuditRead,
}

/// The permission matrix: what each role may do. 权限矩阵。
pub fn permissions(role: Role) -> &'static [&'static str] {
    match role {
        Role::Admin => &[
            "shared:read:all",
            "shared:write:all",
            "contacts:full",
            "orgs:read",
            "orgs:write",
            "users:admin",
            "clients:admin",
            "audit:read",
        ],
        Role::Bureau => &[
            "shared:read:all",
            "shared:write:all",
            "contacts:full",
            "orgs:read",
            "audit:read",
        ],
        Role::Department | Role::County | Role::Zone => &[
            "shared:read:all",
            "shared:create",
            "shared:write:own_org",
            "contacts:full:own_org",
            "contacts:masked:others",
            "orgs:read",
        ],
        Role::Agency => &[
            "shared:read:own_agency",
            "shared:write:own_agency",
            "contacts:full:own_agency",
            "orgs:read",
        ],
        Role::Reader => &["shared:read:all", "contacts:masked", "orgs:read"],
    }
}

pub(crate) fn perm_name(perm: Perm) -> &'static str {
    match perm {
        Perm::OrgsRead => "orgs:read",
        Perm::OrgsWrite => "orgs:write",
        Perm::UsersAdmin => "users:admin",
        Perm::ClientsAdmin => "clients:admin",
        Perm::AuditRead => "audit:read",
    }
}

/// Whether a role suits an organisation's kind (an agency user belongs to an agency, …).
pub fn role_fits_org(role: Role, org_kind: zhaoshang_types::OrgKind) -> bool {
    use zhaoshang_types::OrgKind as K;
    match role {
        Role::Admin | Role::Bureau => org_kind == K::Bureau,
        Role::Department => org_kind == K::Department,
        Role::County => org_kind == K::County,
        Role::Zone => org_kind == K::Zone,
        Role::Agency => org_kind == K::Agency,
        Role::Reader => org_kind != K::Agency,
    }
}

/// Who owns a record and who brought it.
#[derive(Debug, Clone, Copy)]
pub struct Owner<'a> {
    /// `investor`, `agency`, ...
    pub resource: &'a str,
    /// The record's id.
    pub id: &'a str,
    /// The owning organisation.
    pub owner_org_id: &'a str,
    /// The agency that brought it.
    pub source_agency_id: Option<&'a str>,
}

/// For agency callers: the agency they act for (the agency's id is its login org's id).
pub fn own_agency(p: &Principal) -> Option<&str> {
    (p.role == Role::Agency).then_some(p.org_id.as_str())
}

/// Whether an agency caller may see the record at all (others see everything).
pub fn agency_sees(p: &Principal, r: Owner<'_>) -> bool {
    match own_agency(p) {
        None => true,
        Some(agency) if r.resource == "agency" => r.id == agency,
        Some(agency) => r.source_agency_id == Some(agency),
    }
}

/// 404 unless the caller may see the record (agencies must not learn that other records exist).
pub fn require_visible(p: &Principal, r: Owner<'_>) -> Result<(), ApiError> {
    if agency_sees(p, r) {
        Ok(())
    } else {
        Err(ApiError::not_found("no such record"))
    }
}

/// Whether the caller may change or delete the record (visibility checked first).
pub fn can_write(p: &Principal, r: Owner<'_>) -> bool {
    match p.role {
        Role::Admin | Role::Bureau => true,
        Role::Department | Role::County | Role::Zone => r.owner_org_id == p.org_id,
        Role::Agency => agency_sees(p, r),
        Role::Reader => false,
    }
}

/// 403 unless the caller may change the record.
pub fn require_write(p: &Principal, r: Owner<'_>) -> Result<(), ApiError> {
    require_visible(p, r)?;
    if can_write(p, r) {
        Ok(())
    } else {
        Err(forbidden(
            p,
            "change this record: it belongs to another organisation",
        ))
    }
}

/// 403 unless the caller may create records of the resource.
pub fn require_create(p: &Principal, agency_sourced: bool) -> Result<(), ApiError> {
    match p.role {
        Role::Admin | Role::Bureau | Role::Department | Role::County | Role::Zone => Ok(()),
        Role::Agency if agency_sourced => Ok(()),
        _ => Err(forbidden(p, "create records of this kind")),
    }
}

/// Whether the caller sees the full contact details of the record's people.
pub fn contacts_in_full(p: &Principal, r: Owner<'_>) -> bool {
    match p.role {
        Role::Admin | Role::Bureau => true,
        Role::Department | Role::County | Role::Zone => r.owner_org_id == p.org_id,
        Role::Agency => agency_sees(p, r),
        Role::Reader => false,
    }
}

/// Whether the caller may see deleted records and restore them.
pub fn sees_deleted(p: &Principal) -> bool {
    matches!(p.role, Role::Admin | Role::Bureau)
}

/// Whether the caller may set another organisation as owner, or sync for any agency.
pub fn acts_for_all(p: &Principal) -> bool {
    matches!(p.role, Role::Admin | Role::Bureau)
}

fn forbidden(p: &Principal, what: &str) -> ApiError {
    ApiError::forbidden(format!("the role `{}` may not {what}", p.role.as_str()))
}
