//! One error type, rendered as RFC 9457 `application/problem+json` everywhere.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use zhaoshang_types::problem::PROBLEM_CONTENT_TYPE;
use zhaoshang_types::{FieldError, Problem};

use crate::core::telemetry::current_request_id;

/// An error answered to the client. Build it with the constructors; the `code` is stable and
/// documented, the `detail` is for people.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    detail: String,
    errors: Vec<FieldError>,
    existing_id: Option<String>,
    headers: Vec<(HeaderName, String)>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    /// An error with the given status, stable code and detail.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            errors: Vec::new(),
            existing_id: None,
            headers: Vec::new(),
        }
    }

    /// 400 `bad_request`.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", detail)
    }

    /// 403 `forbidden`: the caller is known but may not do this.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }

    /// 404 `not_found`.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", detail)
    }

    /// 409 `conflict`, naming the record that is in the way.
    pub fn conflict(detail: impl Into<String>, existing_id: Option<String>) -> Self {
        let mut e = Self::new(StatusCode::CONFLICT, "conflict", detail);
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
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            detail,
        );
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
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            "the database cannot be reached; try again shortly",
        )
    }

    /// 500 `internal`: logs the cause, shows the client nothing of it.
    pub fn internal(err: impl std::fmt::Display) -> Self {
        tracing::error!(error = %err, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
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

    /// The stable code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The problem body.
    pub fn problem(&self) -> Problem {
        Problem {
            type_uri: format!("urn:zhaoshang:problem:{}", self.code),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: Some(self.detail.clone()),
            code: self.code.to_owned(),
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
            other => ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", other.to_string()),
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
        return ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", e.to_string());
    }
    let status = err.as_response_error().status_code();
    if status.is_server_error() {
        return ApiError::internal(err);
    }
    ApiError::new(status, "bad_request", err.to_string())
}

/// 413 `payload_too_large`.
pub fn payload_too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "the request body is larger than the server accepts",
    )
}

/// 415 `unsupported_media_type`.
pub fn unsupported_media_type(expected: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        format!("send the body as {expected}"),
    )
}
