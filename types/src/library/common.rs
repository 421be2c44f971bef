//! What every resource of the library shares: the stored record around its fields, the
//! duplicate hint and the priority, the batch sync types, and the lists' filters.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A stored record: its fields plus what the server keeps about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Record<T> {
    /// Id (UUID v7).
    pub id: String,
    /// Version, raised by every change; send it back as `If-Match`.
    pub version: i64,
    /// Created at (UTC). 创建时间。
    pub created_at: DateTime<Utc>,
    /// Last changed at (UTC). 更新时间。
    pub updated_at: DateTime<Utc>,
    /// The user or client that created it.
    pub created_by: Option<String>,
    /// When it was deleted (only shown with `include_deleted`). 删除时间。
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<DateTime<Utc>>,
    /// For agencies: the login organisation of the agency (the same id). 中介机构登录组织。
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    /// On create: live records whose names look the same (疑似重复).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub possible_duplicates: Vec<DuplicateHint>,
    /// The record's fields.
    #[serde(flatten)]
    pub fields: T,
}

/// A record whose name looks like the new one's. 疑似重复记录。
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DuplicateHint {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
}

/// Investor priority. 优先级。
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub enum Priority {
    /// Highest.
    A,
    /// Middle.
    B,
    /// Lowest.
    #[default]
    C,
}

/// A batch of records to upsert, keyed by (`source_agency_id`, `external_id`). 批量同步。
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Batch<T> {
    /// 1 to 1,000 records, each with `external_id` and `source_agency_id` (implied for an
    /// agency).
    #[schema(min_items = 1, max_items = 1000)]
    pub items: Vec<T>,
}

/// What happened to one batch item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BatchOutcome {
    /// New record.
    Created,
    /// Existing record changed.
    Updated,
    /// Existing record, same content.
    Unchanged,
}

/// One item's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BatchItemResult {
    /// Position in `items`.
    pub index: usize,
    /// The record's id.
    pub id: String,
    /// What happened.
    pub outcome: BatchOutcome,
}

/// The results of an accepted batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BatchResult {
    /// One per item, in order.
    pub results: Vec<BatchItemResult>,
}

/// Filters shared by the library's lists. Filters that a resource does not have match nothing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LibraryQuery {
    /// Text in the name, English name or aliases (2 to 200 characters). 名称检索。
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(pattern = r"\S[^\x00]*\S", max_length = 200)]
    pub q: Option<String>,
    /// GB/T 4754 code prefix, e.g. `C26`-style `26` or `261`. 行业代码前缀。
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industry: Option<String>,
    /// GB/T 2260 code prefix, e.g. `3308` for 衢州. 行政区划代码前缀。
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Country (ISO 3166-1 alpha-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Status: one of the resource's `status` values (investors, agencies). 状态。
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Priority (`A`, `B`, `C`; investors, target regions, industries). 优先级。
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// Kind: one of the resource's `kind` values (investors, agencies, target regions). 类型。
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Owning organisation. 所属组织。
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_org_id: Option<String>,
    /// Source agency. 引荐中介机构。
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_agency_id: Option<String>,
    /// The agency's own id. 中介机构侧编号。
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Tag. 标签。
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Changed at or after (RFC 3339). 更新时间起。
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_since: Option<DateTime<Utc>>,
    /// Enterprises: local (`true`) or external (`false`). 是否本地。
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_local: Option<bool>,
    /// Enterprises: leading ones only. 是否龙头。
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_leading: Option<bool>,
    /// Include deleted records (admin and bureau). 含已删除。
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_deleted: Option<bool>,
    /// `name`, `-name`, `created_at` (default) or `-created_at` (`id` and `-id` are the same as
    /// the last two). 排序。
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<ListSort>)]
    pub sort: Option<String>,
    /// `json` (default) or `csv` (also `Accept: text/csv`). 导出格式。
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<ExportFormat>)]
    pub format: Option<String>,
    /// Page size, 1–500 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(pattern = "^([0-9A-Fa-f]{2}){0,256}$")]
    pub cursor: Option<String>,
}

/// The order of a library list. 排序。
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum ListSort {
    /// By name.
    #[serde(rename = "name")]
    Name,
    /// By name, descending.
    #[serde(rename = "-name")]
    NameDesc,
    /// Oldest first (the default).
    #[serde(rename = "created_at")]
    CreatedAt,
    /// Newest first.
    #[serde(rename = "-created_at")]
    CreatedAtDesc,
    /// The same as `created_at` (ids are in creation order).
    #[serde(rename = "id")]
    Id,
    /// The same as `-created_at`.
    #[serde(rename = "-id")]
    IdDesc,
}

/// The format of a list: a JSON page, or every matching row as CSV. 导出格式。
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// A page of JSON (the default).
    Json,
    /// Every matching row as CSV (UTF-8 with BOM).
    Csv,
}
