//! `POST /api/v1/auth/token`: access tokens for users (password) and systems (client
//! credentials), with failed-login throttling.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, post, web};
use serde_json::json;
use zhaoshang_types::{Problem, Role, TokenRequest, TokenResponse};

use crate::core::audit;
use crate::core::auth::principal::client_ip;
use crate::core::auth::{ActorKind, password};
use crate::core::db::{self};
use crate::core::error::{self, ApiError};
use crate::core::extract::{Body, is_json, parse_json};
use crate::core::state::AppState;
use crate::core::telemetry::current_request_id;
use crate::identity::store as identity;

/// Get an access token. 获取访问令牌。
///
/// OAuth 2.0 style (RFC 6749): send `grant_type=password` with `username` and `password`, or
/// `grant_type=client_credentials` with `client_id` and `client_secret`, as
/// `application/x-www-form-urlencoded` or JSON. After repeated failures a name is locked for a
/// while (429 with `Retry-After`); the answer never tells whether a name exists.
#[utoipa::path(
    tag = "auth",
    security(()),
    request_body(content(
        (TokenRequest = "application/x-www-form-urlencoded"),
        (TokenRequest = "application/json"),
    )),
    responses(
        (status = 200, description = "A bearer token", body = TokenResponse),
        (status = 400, description = "`invalid_grant` (wrong username or password), `unsupported_grant_type` or a missing field",
         body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`invalid_client`: wrong client id or secret, or the client is revoked or expired",
         body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too_many_attempts`: the name is locked; see `Retry-After`",
         body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/token")]
pub async fn token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Body,
) -> Result<HttpResponse, ApiError> {
    let request = parse_token_request(&req, &body.0)?;
    let ip = client_ip(&req);
    let (kind, name, secret) = match request.grant_type.as_str() {
        "password" => (
            ActorKind::User,
            required(request.username, "username")?
                .trim()
                .to_lowercase(),
            required(request.password, "password")?,
        ),
        "client_credentials" => (
            ActorKind::Client,
            required(request.client_id, "client_id")?.trim().to_owned(),
            required(request.client_secret, "client_secret")?,
        ),
        other => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                format!(
                    "grant_type {other:?} is not supported: use password or client_credentials"
                ),
            ));
        }
    };
    let outcome = authenticate(&state, kind, name, secret, ip).await?;
    match outcome {
        Outcome::Granted { id, org_id, role } => {
            let token = state
                .tokens
                .issue(kind.as_str(), &id, &org_id, role.as_str())
                .map_err(ApiError::internal)?;
            Ok(HttpResponse::Ok()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .json(TokenResponse {
                    access_token: token,
                    token_type: "Bearer".to_owned(),
                    expires_in: state.tokens.ttl_secs,
                }))
        }
        Outcome::Refused => Err(match kind {
            ActorKind::User => ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "the username or password is wrong, or the account is deactivated",
            ),
            ActorKind::Client => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "the client id or secret is wrong, or the client is revoked or expired",
            ),
        }),
        Outcome::Locked { retry_after } => Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!("too many failed attempts: try again in {retry_after} s"),
        )
        .with_header(header::RETRY_AFTER, retry_after.to_string())),
    }
}

fn parse_token_request(req: &HttpRequest, body: &[u8]) -> Result<TokenRequest, ApiError> {
    if is_json(req) {
        return parse_json(body);
    }
    let form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    if !form {
        return Err(error::unsupported_media_type(
            "application/x-www-form-urlencoded or application/json",
        ));
    }
    serde_urlencoded::from_bytes(body).map_err(|e| {
        let message = e.to_string();
        let field = message
            .split('`')
            .nth(1)
            .filter(|_| message.contains("field"))
            .unwrap_or("")
            .to_owned();
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", message.clone()).with_errors(
            vec![zhaoshang_types::FieldError {
                index: None,
                field,
                code: "invalid_value".to_owned(),
                message,
            }],
        )
    })
}

fn required(value: Option<String>, field: &str) -> Result<String, ApiError> {
    match value {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!("{field} is required"),
        )
        .with_errors(vec![zhaoshang_types::FieldError {
            index: None,
            field: field.to_owned(),
            code: "required".to_owned(),
            message: format!("{field} is required for this grant_type"),
        }])),
    }
}

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

async fn authenticate(
    state: &AppState,
    kind: ActorKind,
    name: String,
    secret: String,
    ip: Option<String>,
) -> Result<Outcome, ApiError> {
    let key = format!("{}:{name}", kind.as_str());
    let lookup_key = key.clone();
    let lookup_name = name.clone();
    let (throttle, candidate) = state
        .db
        .read(move |conn| {
            let throttle = identity::throttle(conn, &lookup_key)?;
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
            Ok((throttle, candidate))
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

    if let Some(until) = throttle.as_ref().and_then(|t| t.locked_until)
        && until > now
    {
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
                    Some(json!({"reason": "locked"})),
                )
            })
            .await?;
        return Ok(Outcome::Locked { retry_after });
    }

    // Verify on the blocking pool; an unknown name costs the same as a known one.
    let stored = candidate.as_ref().map(|c| c.3.clone());
    let verified = web::block(move || match stored {
        Some(hash) => password::verify(&secret, &hash),
        None => {
            password::verify(&secret, password::dummy_hash());
            false
        }
    })
    .await
    .map_err(ApiError::internal)?;

    let granted = match (&candidate, verified) {
        (Some((id, org_id, role, _, true)), true) => Some((id.clone(), org_id.clone(), *role)),
        _ => None,
    };
    let max_failures = i32::try_from(state.login_max_failures).unwrap_or(5);
    let lock = chrono::Duration::from_std(state.login_lock).unwrap_or(chrono::Duration::minutes(5));
    let failures_before = throttle
        .as_ref()
        .filter(|t| t.locked_until.is_none() && now - t.updated_at < chrono::Duration::minutes(15))
        .map_or(0, |t| t.failures);
    let resource_id = actor.id.clone();
    let success = granted.is_some();
    state
        .db
        .write(move |conn| {
            if success {
                identity::clear_throttle(conn, &key)?;
                audit::record(
                    conn,
                    &actor,
                    "login",
                    resource,
                    resource_id.as_deref(),
                    None,
                )
            } else {
                let failures = failures_before + 1;
                if failures >= max_failures {
                    identity::save_throttle(conn, &key, 0, Some(now + lock))?;
                } else {
                    identity::save_throttle(conn, &key, failures, None)?;
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
                )
            }
        })
        .await?;
    Ok(match granted {
        Some((id, org_id, role)) => Outcome::Granted { id, org_id, role },
        None => Outcome::Refused,
    })
}
