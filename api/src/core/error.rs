//! One error type, rendered as RFC 9457 `application/problem+json` everywhere.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use zhaoshang_types::problem::PROBLEM_CONTENT_TYPE;
use zhaoshang_types::{FieldError, Problem};

use crate::core::telemetry::current_request_id;

/// Every problem `code` this API answers: a stable name, its HTTP status and its type URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    /// `bad_request` (bad request): The request is malformed.
    BadRequest,
    /// `invalid_request` (bad request): A token request lacks a field or cannot be read.
    InvalidRequest,
    /// `invalid_json` (bad request): The body is not the JSON expected.
    InvalidJson,
    /// `invalid_query` (bad request): A query parameter cannot be read.
    InvalidQuery,
    /// `invalid_if_match` (bad request): `If-Match` is not an ETag this API gives out.
    InvalidIfMatch,
    /// `invalid_grant` (bad request): Wrong username or password, or the account is deactivated.
    InvalidGrant,
    /// `unsupported_grant_type` (bad request): The `grant_type` is not `password` or `client_credentials`.
    UnsupportedGrantType,
    /// `unauthorized` (unauthorized): No bearer token was sent.
    Unauthorized,
    /// `invalid_token` (unauthorized): The token is invalid, expired or its caller no longer usable.
    InvalidToken,
    /// `invalid_client` (unauthorized): Wrong client id or secret, or the client is revoked or expired.
    InvalidClient,
    /// `forbidden` (forbidden): The caller may not do this.
    Forbidden,
    /// `not_found` (not found): No such record or route (or one the caller may not see).
    NotFound,
    /// `method_not_allowed` (method not allowed): The path exists, the method does not (see `Allow`).
    MethodNotAllowed,
    /// `conflict` (conflict): A unique value is taken (see `existing_id`), or the record is in use.
    Conflict,
    /// `precondition_failed` (precondition failed): `If-Match` names an older version: read again and retry.
    PreconditionFailed,
    /// `request_timeout` (request timeout): the request was not received in time.
    RequestTimeout,
    /// `uri_too_long` (uri too long): the request line is longer than the server reads.
    UriTooLong,
    /// `headers_too_large` (request header fields too large): the headers are larger than the server reads.
    HeadersTooLarge,
    /// `payload_too_large` (payload too large): The body is larger than the server accepts.
    PayloadTooLarge,
    /// `unsupported_media_type` (unsupported media type): The body is not of a content type the operation takes.
    UnsupportedMediaType,
    /// `validation_failed` (unprocessable entity): Fields are invalid: see `errors`.
    ValidationFailed,
    /// `too_many_attempts` (too many requests): Too many failed sign-ins: see `Retry-After`.
    TooManyAttempts,
    /// `rate_limited` (too many requests): The caller's requests per minute are used up: see `Retry-After`.
    RateLimited,
    /// `internal` (internal server error): An internal error: quote the request id.
    Internal,
    /// `not_ready` (service unavailable): The server cannot serve yet (the database does not answer).
    NotReady,
    /// `database_unavailable` (service unavailable): The database cannot be reached: try again shortly.
    DatabaseUnavailable,
}

impl Code {
    /// Every code, for documentation and tests.
    pub const ALL: [Code; 26] = [
        Code::BadRequest,
        Code::InvalidRequest,
        Code::InvalidJson,
        Code::InvalidQuery,
        Code::InvalidIfMatch,
        Code::InvalidGrant,
        Code::UnsupportedGrantType,
        Code::Unauthorized,
        Code::InvalidToken,
        Code::InvalidClient,
        Code::Forbidden,
        Code::NotFound,
        Code::MethodNotAllowed,
        Code::Conflict,
        Code::PreconditionFailed,
        Code::RequestTimeout,
        Code::UriTooLong,
        Code::HeadersTooLarge,
        Code::PayloadTooLarge,
        Code::UnsupportedMediaType,
        Code::ValidationFailed,
        Code::TooManyAttempts,
        Code::RateLimited,
        Code::Internal,
        Code::NotReady,
        Code::DatabaseUnavailable,
    ];

    /// The stable machine name (`code` in a problem body).
    pub fn as_str(self) -> &'static str {
        match self {
            Code::BadRequest => "bad_request",
            Code::InvalidRequest => "invalid_request",
            Code::InvalidJson => "invalid_json",
            Code::InvalidQuery => "invalid_query",
            Code::InvalidIfMatch => "invalid_if_match",
            Code::InvalidGrant => "invalid_grant",
            Code::UnsupportedGrantType => "unsupported_grant_type",
            Code::Unauthorized => "unauthorized",
            Code::InvalidToken => "invalid_token",
            Code::InvalidClient => "invalid_client",
            Code::Forbidden => "forbidden",
            Code::NotFound => "not_found",
            Code::MethodNotAllowed => "method_not_allowed",
            Code::Conflict => "conflict",
            Code::PreconditionFailed => "precondition_failed",
            Code::RequestTimeout => "request_timeout",
            Code::UriTooLong => "uri_too_long",
            Code::HeadersTooLarge => "headers_too_large",
            Code::PayloadTooLarge => "payload_too_large",
            Code::UnsupportedMediaType => "unsupported_media_type",
            Code::ValidationFailed => "validation_failed",
            Code::TooManyAttempts => "too_many_attempts",
            Code::RateLimited => "rate_limited",
            Code::Internal => "internal",
            Code::NotReady => "not_ready",
            Code::DatabaseUnavailable => "database_unavailable",
        }
    }

    /// The HTTP status it is answered with.
    pub fn status(self) -> StatusCode {
        match self {
            Code::BadRequest => StatusCode::BAD_REQUEST,
            Code::InvalidRequest => StatusCode::BAD_REQUEST,
            Code::InvalidJson => StatusCode::BAD_REQUEST,
            Code::InvalidQuery => StatusCode::BAD_REQUEST,
            Code::InvalidIfMatch => StatusCode::BAD_REQUEST,
            Code::InvalidGrant => StatusCode::BAD_REQUEST,
            Code::UnsupportedGrantType => StatusCode::BAD_REQUEST,
            Code::Unauthorized => StatusCode::UNAUTHORIZED,
            Code::InvalidToken => StatusCode::UNAUTHORIZED,
            Code::InvalidClient => StatusCode::UNAUTHORIZED,
            Code::Forbidden => StatusCode::FORBIDDEN,
            Code::NotFound => StatusCode::NOT_FOUND,
            Code::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Code::Conflict => StatusCode::CONFLICT,
            Code::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Code::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Code::UriTooLong => StatusCode::URI_TOO_LONG,
            Code::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Code::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Code::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::ValidationFailed => StatusCode::UNPROCESSABLE_ENTITY,
            Code::TooManyAttempts | Code::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Code::NotReady => StatusCode::SERVICE_UNAVAILABLE,
            Code::DatabaseUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The problem's `type`: a URI naming the code.
    pub fn type_uri(self) -> String {
        format!("urn:zhaoshang:problem:{}", self.as_str())
    }
}

/// An error answered to the client. Build it with the constructors; the `code` is stable and
/// documented, the `detail` is for people.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    code: Code,
    detail: String,
    errors: Vec<FieldError>,
    existing_id: Option<String>,
    headers: Vec<(HeaderName, String)>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code.as_str(),
            self.detail
        )
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    /// An error with the given code (and its status) and detail.
    pub fn new(code: Code, detail: impl Into<String>) -> Self {
        Self {
            status: code.status(),
            code,
            detail: detail.into(),
            errors: Vec::new(),
            existing_id: None,
            headers: Vec::new(),
        }
    }

    /// 400 `bad_request`.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(Code::BadRequest, detail)
    }

    /// 403 `forbidden`: the caller is known but may not do this.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(Code::Forbidden, detail)
    }

    /// 404 `not_found`.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(Code::NotFound, detail)
    }

    /// 409 `conflict`, naming the record that is in the way.
    pub fn conflict(detail: impl Into<String>, existing_id: Option<String>) -> Self {
        let mut e = Self::new(Code::Conflict, detail);
        e.existing_id = existing_id;
        e
    }

    /// 422 `validation_failed` with field errors.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] if one.field.is_empty() => one.message.clone(),
            [one] => format!("{}: {}", one.field, one.message),
            many => format!("{} fields are invalid", many.len()),
        };
        let mut e = Self::new(Code::ValidationFailed, detail);
        e.errors = errors;
        e
    }

    /// 422 `validation_failed` for one field.
    pub fn invalid_field(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::validation(vec![FieldError {
            index: None,
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }])
    }

    /// 503 `database_unavailable`.
    pub fn database_unavailable(err: impl std::fmt::Display) -> Self {
        tracing::warn!(error = %err, "database unavailable");
        Self::new(
            Code::DatabaseUnavailable,
            "the database cannot be reached; try again shortly",
        )
    }

    /// 500 `internal`: logs the cause, shows the client nothing of it.
    pub fn internal(err: impl std::fmt::Display) -> Self {
        tracing::error!(error = %err, "internal error");
        Self::new(
            Code::Internal,
            "an internal error occurred; quote the request id when reporting it",
        )
    }

    /// Adds a response header (e.g. `Allow`, `Retry-After`, `WWW-Authenticate`).
    pub fn with_header(mut self, name: HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Adds field errors.
    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors.extend(errors);
        self
    }

    /// For command-line use: one line with the detail and the field errors.
    pub fn into_anyhow(self) -> anyhow::Error {
        let fields: Vec<String> = self
            .errors
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect();
        if fields.is_empty() {
            anyhow::anyhow!("{}", self.detail)
        } else {
            anyhow::anyhow!("{}", fields.join("; "))
        }
    }

    /// The stable code's name.
    pub fn code(&self) -> &'static str {
        self.code.as_str()
    }

    /// The same error answered with another status (framework errors mapped to `bad_request`).
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// The problem body.
    pub fn problem(&self) -> Problem {
        Problem {
            type_uri: self.code.type_uri(),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: Some(self.detail.clone()),
            code: self.code.as_str().to_owned(),
            request_id: current_request_id(),
            errors: self.errors.clone(),
            existing_id: self.existing_id.clone(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        res.insert_header((header::CONTENT_TYPE, PROBLEM_CONTENT_TYPE));
        for (name, value) in &self.headers {
            if let Ok(value) = HeaderValue::from_str(value) {
                res.append_header((name.clone(), value));
            }
        }
        match serde_json::to_vec(&self.problem()) {
            Ok(body) => res.body(body),
            Err(_) => res.finish(),
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match &err {
            Error::NotFound => Self::not_found("no such record"),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => Self::conflict(
                format!(
                    "a record with these values exists already ({})",
                    info.message()
                ),
                None,
            ),
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => Self::invalid_field(
                "",
                "unknown_reference",
                "the request refers to a record that does not exist",
            ),
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => {
                Self::database_unavailable(err)
            }
            _ => Self::internal(err),
        }
    }
}

/// Maps actix-web's own extractor and payload errors to problems.
pub fn from_actix(err: &actix_web::Error) -> ApiError {
    use actix_web::error::{JsonPayloadError, PayloadError, QueryPayloadError, UrlencodedError};
    if let Some(e) = err.as_error::<ApiError>() {
        return e.clone();
    }
    if let Some(PayloadError::Overflow) = err.as_error::<PayloadError>() {
        return payload_too_large();
    }
    if let Some(e) = err.as_error::<JsonPayloadError>() {
        return match e {
            JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
                payload_too_large()
            }
            JsonPayloadError::ContentType => unsupported_media_type("application/json"),
            other => ApiError::new(Code::InvalidJson, other.to_string()),
        };
    }
    if let Some(e) = err.as_error::<UrlencodedError>() {
        return match e {
            UrlencodedError::Overflow { .. } => payload_too_large(),
            UrlencodedError::ContentType => {
                unsupported_media_type("application/x-www-form-urlencoded")
            }
            other => ApiError::bad_request(other.to_string()),
        };
    }
    if let Some(e) = err.as_error::<QueryPayloadError>() {
        return ApiError::new(Code::InvalidQuery, e.to_string());
    }
    let status = err.as_response_error().status_code();
    if status.is_server_error() {
        return ApiError::internal(err);
    }
    ApiError::new(Code::BadRequest, err.to_string()).with_status(status)
}

/// 413 `payload_too_large`.
pub fn payload_too_large() -> ApiError {
    ApiError::new(
        Code::PayloadTooLarge,
        "the request body is larger than the server accepts",
    )
}

/// 415 `unsupported_media_type`.
pub fn unsupported_media_type(expected: &str) -> ApiError {
    ApiError::new(
        Code::UnsupportedMediaType,
        format!("send the body as {expected}"),
    )
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::{ApiError, Code};

    #[test]
    fn codes_are_unique_and_errors_answer_with_their_status_and_type() {
        let names: HashSet<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), Code::ALL.len(), "a code name is used twice");
        for code in Code::ALL {
            assert!(code.status().is_client_error() || code.status().is_server_error());
            let problem = ApiError::new(code, "detail").problem();
            assert_eq!(problem.status, code.status().as_u16(), "{code:?}");
            assert_eq!(problem.code, code.as_str());
            assert_eq!(
                problem.type_uri,
                format!("urn:zhaoshang:problem:{}", code.as_str())
            );
        }
    }
}
