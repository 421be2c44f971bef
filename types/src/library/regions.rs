//! Target regions (重点区域) and the groups stationed there.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Priority, Record};

/// Kind of target region. 区域类型。
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetRegionKind {
    /// 城市.
    #[default]
    City,
    /// 省份.
    Province,
    /// 经济区 (e.g. 长三角).
    EconomicZone,
    /// 国家.
    Country,
    /// 其他.
    Other,
}

/// A group stationed in a target region (定点长驻). 驻点工作组。
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct StationedGroup {
    /// Members' names. 成员。
    #[serde(default)]
    #[schema(max_items = 100, max_length = 50, pattern = r"\S")]
    pub members: Vec<String>,
    /// Where they are based. 驻点地址。
    #[serde(default)]
    #[schema(max_length = 200)]
    pub base_address: Option<String>,
    /// Stationed since. 进驻日期。
    #[serde(default)]
    #[schema(pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub since: Option<NaiveDate>,
}

/// A target region (重点区域).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
pub struct TargetRegionFields {
    /// Name, e.g. 上海 or 长三角. 名称。
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: String,
    /// Kind. 类型。
    #[serde(default)]
    pub kind: TargetRegionKind,
    /// GB/T 2260 code, for a Chinese division. 行政区划代码。
    #[serde(default)]
    #[schema(pattern = r"^(\s{0,6}|[0-9]{6})$")]
    pub region_code: Option<String>,
    /// ISO 3166-1 alpha-2 country (default `CN`). 国家或地区。
    #[serde(default)]
    #[schema(pattern = r"^\s*([A-Za-z]{2})?\s*$")]
    pub country: Option<String>,
    /// Priority. 优先级。
    #[serde(default)]
    pub priority: Priority,
    /// Ids of the key industries matched to it. 匹配的重点产业。
    #[serde(default)]
    #[schema(max_items = 50, max_length = 36, pattern = r"\S")]
    pub industry_ids: Vec<String>,
    /// GB/T 4754 codes of the industries matched to it. 匹配行业代码。
    #[serde(default)]
    #[schema(max_items = 50, pattern = r"^\s*([A-Za-z]|[0-9]{2,4})\s*$")]
    pub industry_codes: Vec<String>,
    /// Economy. 经济概况。
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub economy: Option<String>,
    /// Industries there. 产业概况。
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub industries_overview: Option<String>,
    /// Conditions for industry transfer. 产业转移条件。
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub transfer_conditions: Option<String>,
    /// Work base there. 工作基础。
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub work_base: Option<String>,
    /// Responsible organisations. 责任单位。
    #[serde(default)]
    #[schema(max_items = 50, max_length = 36, pattern = r"\S")]
    pub responsible_org_ids: Vec<String>,
    /// The stationed work group. 驻点工作组。
    #[serde(default)]
    pub stationed_group: Option<StationedGroup>,
    /// The owning organisation (default: the caller's). 所属组织。
    #[serde(default)]
    pub owner_org_id: Option<String>,
    /// Free tags. 标签。
    #[serde(default)]
    #[schema(max_items = 30, max_length = 50, pattern = r"^[^,]*[^,\s][^,]*$")]
    pub tags: Vec<String>,
    /// Notes. 备注。
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
}

/// A target region. 重点区域。
pub type TargetRegion = Record<TargetRegionFields>;
