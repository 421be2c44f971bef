//! Key investors (重点客商).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Priority, Record};

/// Kind of investor. 客商类型。
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvestorKind {
    /// 企业.
    #[default]
    Enterprise,
    /// 集团.
    Group,
    /// 基金.
    Fund,
    /// 个人.
    Individual,
    /// 其他.
    Other,
}

/// Where the work with an investor stands. 跟进状态。
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvestorStatus {
    /// 潜在.
    #[default]
    Prospect,
    /// 接触中.
    Contacting,
    /// 洽谈中.
    Negotiating,
    /// 已投资.
    Invested,
    /// 休眠.
    Dormant,
}

/// A key investor (重点客商).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
pub struct InvestorFields {
    /// Name. 名称。
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: String,
    /// English name. 英文名称。
    #[serde(default)]
    #[schema(max_length = 200)]
    pub name_en: Option<String>,
    /// Other names (short names, former names). 别名。
    #[serde(default)]
    #[schema(max_items = 20, max_length = 200, pattern = r"\S")]
    pub aliases: Vec<String>,
    /// Kind. 类型。
    #[serde(default)]
    pub kind: InvestorKind,
    /// Unified social credit code (GB 32100), for Chinese entities. 统一社会信用代码。
    #[serde(default)]
    #[schema(pattern = r"^(\s{0,18}|[0-9A-HJ-NP-RTUW-Ya-hj-np-rtuw-y]{18})$")]
    pub credit_code: Option<String>,
    /// ISO 3166-1 alpha-2 country (default `CN`). 国家或地区。
    #[serde(default)]
    #[schema(pattern = r"^\s*([A-Za-z]{2})?\s*$")]
    pub country: Option<String>,
    /// GB/T 2260 origin region (Chinese investors). 来源地行政区划代码。
    #[serde(default)]
    #[schema(pattern = r"^(\s{0,6}|[0-9]{6})$")]
    pub region_code: Option<String>,
    /// Headquarters. 总部所在地。
    #[serde(default)]
    #[schema(max_length = 200)]
    pub headquarters: Option<String>,
    /// GB/T 4754 industry codes. 行业代码。
    #[serde(default)]
    #[schema(max_items = 50, pattern = r"^\s*([A-Za-z]|[0-9]{2,4})\s*$")]
    pub industry_codes: Vec<String>,
    /// Investment interests. 投资意向。
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub interests: Option<String>,
    /// Fortune Global 500 rank. 世界500强排名。
    #[serde(default)]
    #[schema(minimum = 1, maximum = 500)]
    pub fortune500_rank: Option<u32>,
    /// Status. 跟进状态。
    #[serde(default)]
    pub status: InvestorStatus,
    /// Priority. 优先级。
    #[serde(default)]
    pub priority: Priority,
    /// The agency that brought the investor. 引荐中介机构。
    #[serde(default)]
    pub source_agency_id: Option<String>,
    /// The agency's own id for it. 中介机构侧编号。
    #[serde(default)]
    #[schema(max_length = 200)]
    pub external_id: Option<String>,
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

/// A key investor. 重点客商。
pub type Investor = Record<InvestorFields>;
