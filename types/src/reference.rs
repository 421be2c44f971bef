//! Reference data: administrative divisions and industry codes.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A GB/T 2260 administrative division. 行政区划。
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Division {
    /// Six-digit code, e.g. `330802`. 行政区划代码。
    pub code: String,
    /// Name, e.g. 柯城区. 名称。
    pub name: String,
    /// `province`, `city` or `county`. 级别。
    pub level: String,
    /// The code of the division above.
    pub parent_code: Option<String>,
}

/// A GB/T 4754-2017 industry code. 国民经济行业分类代码。
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct IndustryCode {
    /// Code: a section letter (`C`), division (`26`), group (`261`) or class (`2614`).
    pub code: String,
    /// Name. 名称。
    pub name: String,
    /// 1 section (门类), 2 division (大类), 3 group (中类), 4 class (小类).
    pub level: u8,
    /// 门类, 大类, 中类 or 小类.
    pub level_name: String,
    /// The code above.
    pub parent_code: Option<String>,
    /// The section letter.
    pub section: String,
    /// What it covers. 说明。
    pub description: Option<String>,
}

/// Filters of `GET /api/v1/reference/divisions`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DivisionQuery {
    /// Code prefix or part of the Chinese name. 代码前缀或名称。
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// Only the divisions directly below this code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Page size, 1–500 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(pattern = "^([0-9A-Fa-f]{2}){0,256}$")]
    pub cursor: Option<String>,
}

/// Filters of `GET /api/v1/reference/industry-codes`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct IndustryCodeQuery {
    /// Code prefix or part of the Chinese name. 代码前缀或名称。
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// Only the codes directly below this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Only this level (1–4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(minimum = 1, maximum = 4)]
    pub level: Option<u8>,
    /// Page size, 1–500 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(pattern = "^([0-9A-Fa-f]{2}){0,256}$")]
    pub cursor: Option<String>,
}
