//! Signing in: access tokens for users (password) and systems (client credentials), with
//! failed-login throttling per name and per address.

use actix_web::http::header;
use serde_json::json;
use zhaoshang_types::{Role, TokenResponse};

use super::verify_blocking;
use crate::core::audit;
use crate::core::auth::{ActorKind, password};
use crate::core::db;
use crate::core::error::{ApiError, Code};
use crate::core::state::AppState;
use crate::core::telemetry::current_request_id;
use crate::identity::store as identity;

/// A token for the caller whose name and secret match, or why not: `invalid_grant` (users) or
/// `invalid_client` (clients) without telling whether the name exists, `too_many_attempts`
/// while the name is locked.
pub async fn sign_in(
    state: &AppState,
    kind: ActorKind,
    name: String,
    secret: String,
    ip: Option<String>,
) -> Result<TokenResponse, ApiError> {
    match authenticate(state, kind, name, secret, ip).await? {
        Outcome::Granted { id, org_id, role } => {
            let token = state
                .tokens
                .issue(kind.as_str(), &id, &org_id, role.as_str())
                .map_err(ApiError::internal)?;
            Ok(TokenResponse {
                access_token: token,
                token_type: "Bearer".to_owned(),
                expires_in: state.tokens.ttl_secs,
            })
        }
        Outcome::Refused => Err(match kind {
            ActorKind::User => ApiError::new(
                Code::InvalidGrant,
                "the username or password is wrong, or the account is deactivated",
            ),
            ActorKind::Client => ApiError::new(
                Code::InvalidClient,
                "the client id or secret is wrong, or the client is revoked or expired",
            ),
        }),
        Outcome::Locked { retry_after } => Err(ApiError::new(
            Code::TooManyAttempts,
            format!("too many failed attempts: try again in {retry_after} s"),
        )
        .with_header(header::RETRY_AFTER, retry_after.to_string())),
    }
}

/// What a sign-in attempt came to.
enum Outcome {
    Granted {
        id: String,
        org_id: String,
        role: Role,
    },
    Refused,
    Locked {
        retry_after: u64,
    },
}

/// The stored secret of a name: (id, org, role, hash, usable).
type Candidate = (String, String, Role, String, bool);

/// Checks a name and secret against the stored hash, with the name's failure count and lock.
async fn authenticate(
    state: &AppState,
    kind: ActorKind,
    name: String,
    secret: String,
    ip: Option<String>,
) -> Result<Outcome, ApiError> {
    let key = format!("{}:{name}", kind.as_str());
    // Failures from one address, whatever names they try (`addr:` cannot begin a name key).
    let address_key = ip
        .as_deref()
        .filter(|_| state.login_max_failures_per_address > 0)
        .map(|ip| format!("addr:{ip}"));
    let lookup_key = key.clone();
    let lookup_address = address_key.clone();
    let lookup_name = name.clone();
    let (throttle, address_throttle, candidate) = state
        .db
        .read(move |conn| {
            let throttle = identity::throttle(conn, &lookup_key)?;
            let address_throttle = match &lookup_address {
                Some(k) => identity::throttle(conn, k)?,
                None => None,
            };
            let candidate: Option<Candidate> = match kind {
                ActorKind::User => identity::user_by_username(conn, &lookup_name)?
                    .map(|u| {
                        let role = u.to_wire()?.role;
                        Ok::<_, ApiError>((u.id, u.org_id, role, u.password_hash, u.active))
                    })
                    .transpose()?,
                ActorKind::Client => identity::client(conn, &lookup_name)?
                    .map(|c| {
                        let role = c.to_wire()?.role;
                        let usable = c.usable(db::now());
                        Ok::<_, ApiError>((c.id, c.org_id, role, c.secret_hash, usable))
                    })
                    .transpose()?,
            };
            Ok((throttle, address_throttle, candidate))
        })
        .await?;

    let now = db::now();
    let actor = audit::Actor {
        id: candidate.as_ref().map(|c| c.0.clone()),
        name: Some(name.clone()),
        org_id: candidate.as_ref().map(|c| c.1.clone()),
        request_id: current_request_id(),
        ip,
    };
    let resource = kind.as_str();

    let name_lock = throttle.as_ref().and_then(|t| t.locked_until);
    let address_lock = address_throttle.as_ref().and_then(|t| t.locked_until);
    if let Some(until) = [name_lock, address_lock].into_iter().flatten().max()
        && until > now
    {
        let reason = if name_lock.is_some_and(|u| u > now) {
            "locked"
        } else {
            "address_locked"
        };
        let retry_after = u64::try_from((until - now).num_seconds())
            .unwrap_or(0)
            .max(1);
        let resource_id = actor.id.clone();
        state
            .db
            .write(move |conn| {
                audit::record(
                    conn,
                    &actor,
                    "login_failed",
                    resource,
                    resource_id.as_deref(),
                    Some(json!({"reason": reason})),
                )
            })
            .await?;
        return Ok(Outcome::Locked { retry_after });
    }

    // Verify on the blocking pool; an unknown name costs the same as a known one.
    let stored = candidate.as_ref().map(|c| c.3.clone());
    let verified = match stored {
        Some(hash) => verify_blocking(secret, hash).await?,
        None => {
            verify_blocking(secret, password::dummy_hash().to_owned()).await?;
            false
        }
    };

    let granted = match (&candidate, verified) {
        (Some((id, org_id, role, _, true)), true) => Some((id.clone(), org_id.clone(), *role)),
        _ => None,
    };
    let max_failures = i32::try_from(state.login_max_failures).unwrap_or(5);
    let max_per_address = i32::try_from(state.login_max_failures_per_address).unwrap_or(30);
    let lock = chrono::Duration::from_std(state.login_lock).unwrap_or(chrono::Duration::minutes(5));
    let resource_id = actor.id.clone();
    let success = granted.is_some();
    let locked_meanwhile = state
        .db
        .write(move |conn| {
            if success {
                // Attempts sent together are all checked before any is counted: a lock of the
                // name or the address set by failures that finished first holds for the right
                // password too (its answer is the lock's, so it tells nothing).
                let locked = |conn: &mut db::DbConnection, key: &str| {
                    identity::throttle(conn, key)
                        .map(|t| t.and_then(|t| t.locked_until).is_some_and(|u| u > now))
                };
                let mut lock = locked(conn, &key)?;
                if let Some(address_key) = &address_key {
                    lock = lock || locked(conn, address_key)?;
                }
                if lock {
                    audit::record(
                        conn,
                        &actor,
                        "login_failed",
                        resource,
                        resource_id.as_deref(),
                        Some(json!({"reason": "locked"})),
                    )?;
                    return Ok(true);
                }
                identity::clear_throttle(conn, &key)?;
                audit::record(
                    conn,
                    &actor,
                    "login",
                    resource,
                    resource_id.as_deref(),
                    None,
                )?;
                Ok(false)
            } else {
                // Failures more than a quarter of an hour apart are not counted together.
                let since = now - chrono::Duration::minutes(15);
                let counted = identity::count_failure(conn, &key, now, since)?;
                if counted.locked_until.is_none() && counted.failures >= max_failures {
                    identity::lock_name(conn, &key, now + lock)?;
                }
                // An address is counted over failures less than a minute apart, and refused
                // for a minute once it reaches its limit. A success does not clear it: one
                // valid account must not reset a guessing run over other names.
                if let Some(address_key) = &address_key {
                    let minute = chrono::Duration::minutes(1);
                    let counted = identity::count_failure(conn, address_key, now, now - minute)?;
                    if counted.locked_until.is_none() && counted.failures >= max_per_address {
                        identity::lock_name(conn, address_key, now + minute)?;
                    }
                }
                let reason = if resource_id.is_some() && verified {
                    "inactive"
                } else {
                    "bad_credentials"
                };
                audit::record(
                    conn,
                    &actor,
                    "login_failed",
                    resource,
                    resource_id.as_deref(),
                    Some(json!({"reason": reason})),
                )?;
                Ok(false)
            }
        })
        .await?;
    Ok(match granted {
        Some(_) if locked_meanwhile => Outcome::Locked {
            retry_after: u64::try_from(lock.num_seconds()).unwrap_or(60).max(1),
        },
        Some((id, org_id, role)) => Outcome::Granted { id, org_id, role },
        None => Outcome::Refused,
    })
}
