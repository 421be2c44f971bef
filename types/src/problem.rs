//! RFC 9457 problem details, the body of every error response.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The media type of every error body.
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// An error response (RFC 9457 `application/problem+json`).
///
/// 错误响应体。`code` 是稳定的机器可读错误码，集成方应按 `code` 而非 `title` 判断错误类型。
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:zhaoshang:problem:not_found",
    "title": "Not Found",
    "status": 404,
    "detail": "no route for GET /api/v1/nope",
    "code": "not_found",
    "request_id": "0192f7d4-6c1e-7a51-9b3e-2f4c1d0a9e11"
}))]
pub struct Problem {
    /// A URI naming the problem type: `urn:zhaoshang:problem:<code>`.
    #[serde(rename = "type")]
    pub type_uri: String,
    /// Short human-readable summary of the problem type (the HTTP reason phrase).
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Stable machine-readable error code, e.g. `not_found`, `validation_failed`.
    /// 稳定的错误码。
    pub code: String,
    /// The request id (also in the `X-Request-Id` header); quote it when reporting a problem.
    /// 请求编号，报告问题时请提供。
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Field-level errors of a rejected request body or query (validation).
    /// 字段级校验错误。
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For conflicts with an existing record: that record's id. 冲突时已存在记录的编号。
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing_id: Option<String>,
}

/// One rejected field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// For batch requests: the position of the rejected item in `items`. 批量请求中出错条目的序号。
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    /// Path of the field, e.g. `name` or `contacts[0].phone`; empty for the body as a whole.
    /// 出错字段路径。
    pub field: String,
    /// Stable machine-readable code, e.g. `required`, `unknown_field`, `invalid_format`.
    pub code: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} ({})", self.status, self.title, self.code)?;
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        for e in &self.errors {
            write!(f, "; {}: {} ({})", e.field, e.message, e.code)?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request {id}]")?;
        }
        Ok(())
    }
}
