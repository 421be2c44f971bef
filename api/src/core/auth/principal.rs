//! The authenticated caller: [`Principal`] is extracted from the bearer token on every request
//! and re-checked against the database, so deactivated users and revoked clients stop at once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use diesel::prelude::*;
use futures_util::future::LocalBoxFuture;
use zhaoshang_types::Role;

use super::policy::{Perm, permissions};
use crate::core::db::DbConnection;
use crate::core::db::now;
use crate::core::db::schema::{clients, users};
use crate::core::error::{ApiError, Code};
use crate::core::state::AppState;
use crate::core::telemetry::current_request_id;

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
        permissions(self.role).contains(&super::policy::perm_name(perm))
    }

    /// 403 `forbidden` unless the role grants `perm`.
    pub fn require(&self, perm: Perm) -> Result<(), ApiError> {
        if self.has(perm) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "the role `{}` may not do this",
                self.role.as_str()
            )))
        }
    }

    /// Who to write into audit rows.
    pub fn audit_actor(&self) -> crate::core::audit::Actor {
        crate::core::audit::Actor {
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
    ApiError::new(Code::InvalidToken, description.clone()).with_header(
        header::WWW_AUTHENTICATE,
        format!("Bearer realm=\"zhaoshang\", error=\"invalid_token\", error_description=\"{description}\""),
    )
}

/// 401 `unauthorized` when no token was sent.
pub fn missing_token() -> ApiError {
    ApiError::new(
        Code::Unauthorized,
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
        let req = req.clone();
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
                Some(actor) if i64::try_from(claims.iat).unwrap_or(0) < actor.tokens_since => {
                    Err(invalid_token(
                        "the token was issued before the password was changed: sign in again",
                    ))
                }
                Some(actor) if actor.usable => {
                    if let Some(limiter) = &state.rate_limit {
                        limiter.check(&req, &format!("{}:{}", kind.as_str(), claims.sub))?;
                    }
                    Ok(Principal {
                        kind,
                        id: claims.sub,
                        name: actor.name,
                        org_id: actor.org_id,
                        role: actor.role,
                        ip,
                    })
                }
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
            .read(move |conn| actor_state(conn, kind, &id_owned))
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

/// What the authentication check needs to know about a caller now.
#[derive(Debug, Clone)]
pub struct ActorState {
    /// Active user, or unrevoked and unexpired client.
    pub usable: bool,
    /// Username or client name.
    pub name: String,
    /// Organisation.
    pub org_id: String,
    /// Role.
    pub role: Role,
    /// Tokens issued before this second (a user's last password change) are refused.
    pub tokens_since: i64,
}

fn role_of(s: &str) -> Result<Role, ApiError> {
    Role::parse(s).ok_or_else(|| ApiError::internal(format!("stored role {s:?} is unknown")))
}

/// The current state of a user or client, `None` if there is no such record.
pub fn actor_state(
    conn: &mut DbConnection,
    kind: ActorKind,
    id: &str,
) -> Result<Option<ActorState>, ApiError> {
    match kind {
        ActorKind::User => users::table
            .filter(users::id.eq(id))
            .select((
                users::active,
                users::username,
                users::org_id,
                users::role,
                users::password_changed_at,
            ))
            .first::<(bool, String, String, String, chrono::NaiveDateTime)>(conn)
            .optional()?
            .map(|(active, name, org_id, role, changed)| {
                Ok(ActorState {
                    usable: active,
                    name,
                    org_id,
                    role: role_of(&role)?,
                    tokens_since: changed.and_utc().timestamp(),
                })
            })
            .transpose(),
        ActorKind::Client => clients::table
            .filter(clients::id.eq(id))
            .select((
                clients::revoked_at,
                clients::expires_at,
                clients::name,
                clients::org_id,
                clients::role,
            ))
            .first::<(
                Option<chrono::NaiveDateTime>,
                Option<chrono::NaiveDateTime>,
                String,
                String,
                String,
            )>(conn)
            .optional()?
            .map(|(revoked_at, expires_at, name, org_id, role)| {
                Ok(ActorState {
                    usable: revoked_at.is_none() && expires_at.is_none_or(|e| e > now()),
                    name,
                    org_id,
                    role: role_of(&role)?,
                    tokens_since: 0,
                })
            })
            .transpose(),
    }
}
