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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use zhaoshang_types::Role;

    use super::*;
    use crate::core::auth::ActorKind;

    const ROLES: [Role; 7] = [
        Role::Admin,
        Role::Bureau,
        Role::Department,
        Role::County,
        Role::Zone,
        Role::Agency,
        Role::Reader,
    ];

    fn caller(role: Role) -> Principal {
        Principal {
            kind: ActorKind::User,
            id: "u".into(),
            name: "u".into(),
            org_id: "mine".into(),
            role,
            ip: None,
        }
    }

    /// What `/me` lists of the shared library and contacts, worked out from the record-level
    /// rules the services apply, on three records: one owned by the caller's organisation, one
    /// owned by another, and one another organisation owns that the caller's agency brought.
    fn derived(p: &Principal) -> BTreeSet<&'static str> {
        let own = Owner {
            resource: "investor",
            id: "r1",
            owner_org_id: "mine",
            source_agency_id: None,
        };
        let foreign = Owner {
            owner_org_id: "theirs",
            id: "r2",
            ..own
        };
        let brought = Owner {
            source_agency_id: Some("mine"),
            id: "r3",
            ..foreign
        };
        let mut out = BTreeSet::new();
        let mut grant = |yes: bool, perm: &'static str| {
            if yes {
                out.insert(perm);
            }
        };
        grant(agency_sees(p, foreign), "shared:read:all");
        grant(
            !agency_sees(p, foreign) && agency_sees(p, brought),
            "shared:read:own_agency",
        );
        grant(can_write(p, foreign), "shared:write:all");
        grant(
            can_write(p, own) && !can_write(p, foreign),
            "shared:write:own_org",
        );
        grant(
            can_write(p, brought) && !can_write(p, own) && !can_write(p, foreign),
            "shared:write:own_agency",
        );
        grant(
            require_create(p, false).is_ok() && !can_write(p, foreign),
            "shared:create",
        );
        grant(contacts_in_full(p, foreign), "contacts:full");
        grant(
            contacts_in_full(p, own) && !contacts_in_full(p, foreign),
            "contacts:full:own_org",
        );
        grant(
            agency_sees(p, foreign) && contacts_in_full(p, own) && !contacts_in_full(p, foreign),
            "contacts:masked:others",
        );
        grant(
            contacts_in_full(p, brought) && !contacts_in_full(p, own),
            "contacts:full:own_agency",
        );
        grant(
            agency_sees(p, foreign) && !contacts_in_full(p, own) && !contacts_in_full(p, foreign),
            "contacts:masked",
        );
        out
    }

    #[test]
    fn the_listed_permissions_are_what_the_rules_allow() {
        for role in ROLES {
            let p = caller(role);
            let listed: BTreeSet<&str> = permissions(role)
                .iter()
                .copied()
                .filter(|perm| perm.starts_with("shared:") || perm.starts_with("contacts:"))
                .collect();
            assert_eq!(listed, derived(&p), "{role:?}");
        }
    }

    #[test]
    fn role_permissions_are_what_principals_are_checked_against() {
        let perms = [
            Perm::OrgsRead,
            Perm::OrgsWrite,
            Perm::UsersAdmin,
            Perm::ClientsAdmin,
            Perm::AuditRead,
        ];
        for role in ROLES {
            let p = caller(role);
            for perm in perms {
                assert_eq!(
                    p.has(perm),
                    permissions(role).contains(&perm_name(perm)),
                    "{role:?} {perm:?}"
                );
            }
            // Deleted records are seen and restored by exactly those who write everything.
            assert_eq!(sees_deleted(&p), acts_for_all(&p), "{role:?}");
            assert_eq!(
                acts_for_all(&p),
                permissions(role).contains(&"shared:write:all"),
                "{role:?}"
            );
        }
    }
}
