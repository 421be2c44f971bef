//! Who is calling, and what they may do.
//!
//! [`Principal`] is the authenticated caller, extracted from the bearer token on every request
//! (and re-checked against the database, so deactivated users and revoked clients stop at
//! once). What a role may do is decided here and nowhere else: handlers call
//! [`Principal::require`] and the record-level checks below.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use zhaoshang_types::Role;

use crate::app::AppState;
use crate::db::identity::ActorState;
use crate::error::ApiError;
use crate::telemetry::current_request_id;

pub mod mask;
pub mod password;
pub mod token;

/// User or service client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActorKind {
    /// A person with a username and password.
    User,
    /// Another system with client credentials.
    Client,
}

impl ActorKind {
    /// `user` or `client`.
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::User => "user",
            ActorKind::Client => "client",
        }
    }
}

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

fn perm_name(perm: Perm) -> &'static str {
    match perm {
        Perm::OrgsRead => "orgs:read",
        Perm::OrgsWrite => "orgs:write",
        Perm::UsersAdmin => "users:admin",
        Perm::ClientsAdmin => "clients:admin",
        Perm::AuditRead => "audit:read",
    }
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    /// User or client.
    pub kind: ActorKind,
    /// User or client id.
    pub id: String,
    /// Username or client name.
    pub name: String,
    /// Organisation.
    pub org_id: String,
    /// Role (as stored now, not as at token issue).
    pub role: Role,
    /// Client IP address.
    pub ip: Option<String>,
}

impl Principal {
    /// Whether the role grants `perm`.
    pub fn has(&self, perm: Perm) -> bool {
        permissions(self.role).contains(&perm_name(perm))
    }

    /// 403 `forbidden` unless the role grants `perm`.
    pub fn require(&self, perm: Perm) -> Result<(), ApiError> {
        if self.has(perm) {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("the role `{}` may not do this", self.role.as_str()),
            ))
        }
    }

    /// Who to write into audit rows.
    pub fn audit_actor(&self) -> crate::db::audit::Actor {
        crate::db::audit::Actor {
            id: Some(self.id.clone()),
            name: Some(self.name.clone()),
            org_id: Some(self.org_id.clone()),
            request_id: current_request_id(),
            ip: self.ip.clone(),
        }
    }
}

/// 401 `invalid_token` with the `WWW-Authenticate` challenge of RFC 6750.
pub fn invalid_token(description: &str) -> ApiError {
    let description = description.replace('"', "'");
    ApiError::new(StatusCode::UNAUTHORIZED, "invalid_token", description.clone()).with_header(
        header::WWW_AUTHENTICATE,
        format!("Bearer realm=\"zhaoshang\", error=\"invalid_token\", error_description=\"{description}\""),
    )
}

/// 401 `unauthorized` when no token was sent.
pub fn missing_token() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "send a bearer token: Authorization: Bearer <token> (from POST /api/v1/auth/token)",
    )
    .with_header(header::WWW_AUTHENTICATE, "Bearer realm=\"zhaoshang\"")
}

/// The client's IP address (the TCP peer; proxies' headers are not trusted).
pub fn client_ip(req: &HttpRequest) -> Option<String> {
    req.peer_addr().map(|a| a.ip().to_string())
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let header = req
            .headers()
            .get(header::AUTHORIZATION)
            .map(|v| v.to_str().map(str::to_owned));
        let ip = client_ip(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let header = match header {
                None => return Err(missing_token()),
                Some(Err(_)) => {
                    return Err(invalid_token("the Authorization header is not readable"));
                }
                Some(Ok(h)) => h,
            };
            let token = match header.split_once(' ') {
                Some((scheme, token))
                    if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
                {
                    token.trim().to_owned()
                }
                _ => {
                    return Err(invalid_token(
                        "use the Bearer scheme: Authorization: Bearer <token>",
                    ));
                }
            };
            let claims = state
                .tokens
                .verify(&token)
                .map_err(|e| invalid_token(&e.0))?;
            let kind = match claims.kind.as_str() {
                "user" => ActorKind::User,
                "client" => ActorKind::Client,
                _ => return Err(invalid_token("the token names no known kind of caller")),
            };
            let actor = state.actors.get(&state, kind, &claims.sub).await?;
            match actor {
                Some(actor) if actor.usable => Ok(Principal {
                    kind,
                    id: claims.sub,
                    name: actor.name,
                    org_id: actor.org_id,
                    role: actor.role,
                    ip,
                }),
                Some(_) => Err(invalid_token(match kind {
                    ActorKind::User => "the user is deactivated",
                    ActorKind::Client => "the client is revoked or expired",
                })),
                None => Err(invalid_token("the token's subject no longer exists")),
            }
        })
    }
}

type ActorKey = (ActorKind, String);
type CachedActor = (Instant, Option<ActorState>);

/// A few seconds' cache of callers' current state, so that each request does not read the
/// database twice. Changes made through this server invalidate it at once; changes made by
/// another instance take effect within [`ActorCache::TTL`].
#[derive(Default)]
pub struct ActorCache {
    entries: Mutex<HashMap<ActorKey, CachedActor>>,
}

impl ActorCache {
    /// How long an entry is trusted.
    pub const TTL: Duration = Duration::from_secs(5);

    /// The caller's current state, from the cache or the database.
    pub async fn get(
        &self,
        state: &AppState,
        kind: ActorKind,
        id: &str,
    ) -> Result<Option<ActorState>, ApiError> {
        let key = (kind, id.to_owned());
        if let Ok(entries) = self.entries.lock()
            && let Some((at, actor)) = entries.get(&key)
            && at.elapsed() < Self::TTL
        {
            return Ok(actor.clone());
        }
        let id_owned = id.to_owned();
        let actor = state
            .db
            .read(move |conn| crate::db::identity::actor_state(conn, kind, &id_owned))
            .await?;
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() > 10_000 {
                entries.retain(|_, (at, _)| at.elapsed() < Self::TTL);
            }
            entries.insert(key, (Instant::now(), actor.clone()));
        }
        Ok(actor)
    }

    /// Forgets a caller (after a change to it).
    pub fn invalidate(&self, kind: ActorKind, id: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(&(kind, id.to_owned()));
        }
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

/// The library's record-level rules. Handlers ask these; nothing else decides.
pub mod records {
    use zhaoshang_types::Role;

    use super::Principal;
    use crate::error::ApiError;
    use actix_web::http::StatusCode;

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
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("the role `{}` may not {what}", p.role.as_str()),
        )
    }
}
