//! `POST /api/v1/auth/token`: access tokens for users (password) and systems (client
//! credentials), with failed-login throttling.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, post, web};
use zhaoshang_types::{Problem, TokenRequest, TokenResponse};

use crate::core::auth::ActorKind;
use crate::core::auth::principal::client_ip;
use crate::core::error::{self, ApiError, Code};
use crate::core::extract::{Body, is_json, parse_json};
use crate::core::state::AppState;
use crate::identity::service::tokens as service;

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
                Code::UnsupportedGrantType,
                format!(
                    "grant_type {other:?} is not supported: use password or client_credentials"
                ),
            ));
        }
    };
    let token = service::sign_in(&state, kind, name, secret, ip).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(token))
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
        ApiError::new(Code::InvalidRequest, message.clone()).with_errors(vec![
            zhaoshang_types::FieldError {
                index: None,
                field,
                code: "invalid_value".to_owned(),
                message,
            },
        ])
    })
}

fn required(value: Option<String>, field: &str) -> Result<String, ApiError> {
    match value {
        Some(v) if v.contains('\0') => Err(ApiError::new(
            Code::InvalidRequest,
            format!("{field} may not contain the character U+0000"),
        )
        .with_errors(vec![zhaoshang_types::FieldError {
            index: None,
            field: field.to_owned(),
            code: "invalid_character".to_owned(),
            message: "text may not contain the character U+0000".to_owned(),
        }])),
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(
            ApiError::new(Code::InvalidRequest, format!("{field} is required")).with_errors(vec![
                zhaoshang_types::FieldError {
                    index: None,
                    field: field.to_owned(),
                    code: "required".to_owned(),
                    message: format!("{field} is required for this grant_type"),
                },
            ]),
        ),
    }
}
