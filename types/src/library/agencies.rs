//! Intermediary agencies (中介机构), their agreements and what they brought.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Record;

/// Kind of intermediary agency. 中介机构类型。
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    /// 咨询机构.
    #[default]
    Consultancy,
    /// 商会.
    ChamberOfCommerce,
    /// 律师事务所.
    LawFirm,
    /// 银行.
    Bank,
    /// 招商代理机构.
    InvestmentPromotionAgency,
    /// 个人引荐人.
    IndividualReferrer,
    /// 其他.
    Other,
}

/// State of the relationship with an agency. 合作状态。
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgencyStatus {
    /// 合作中.
    #[default]
    Active,
    /// 暂停.
    Suspended,
    /// 已终止.
    Ended,
}

/// The agreement with an agency. 委托协议。
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct Agreement {
    /// Signed on. 签约日期。
    #[schema(pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub signed_on: NaiveDate,
    /// Expires on. 到期日期。
    #[serde(default)]
    #[schema(pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub expires_on: Option<NaiveDate>,
    /// Terms. 主要条款。
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub terms: Option<String>,
}

/// An intermediary agency (中介机构).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
pub struct AgencyFields {
    /// Name. 名称。
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: String,
    /// Kind. 类型。
    #[serde(default)]
    pub kind: AgencyKind,
    /// Unified social credit code. 统一社会信用代码。
    #[serde(default)]
    #[schema(pattern = r"^(\s{0,18}|[0-9A-HJ-NP-RTUW-Ya-hj-np-rtuw-y]{18})$")]
    pub credit_code: Option<String>,
    /// ISO 3166-1 alpha-2 country of its base (default `CN`). 国家或地区。
    #[serde(default)]
    #[schema(pattern = r"^\s*([A-Za-z]{2})?\s*$")]
    pub country: Option<String>,
    /// GB/T 2260 code of its base. 所在地行政区划代码。
    #[serde(default)]
    #[schema(pattern = r"^(\s{0,6}|[0-9]{6})$")]
    pub region_code: Option<String>,
    /// GB/T 2260 codes of the regions it covers. 覆盖区域。
    #[serde(default)]
    #[schema(max_items = 100, pattern = "^[0-9]{6}$")]
    pub covered_region_codes: Vec<String>,
    /// GB/T 4754 codes of the industries it covers. 覆盖行业。
    #[serde(default)]
    #[schema(max_items = 50, pattern = r"^\s*([A-Za-z]|[0-9]{2,4})\s*$")]
    pub industry_codes: Vec<String>,
    /// The agreement. 委托协议。
    #[serde(default)]
    pub agreement: Option<Agreement>,
    /// Status. 合作状态。
    #[serde(default)]
    pub status: AgencyStatus,
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

/// An intermediary agency. 中介机构。
pub type Agency = Record<AgencyFields>;

/// Investors an agency brought, by status. 中介机构引荐统计。
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AgencyStats {
    /// The agency.
    pub agency_id: String,
    /// Live investors it brought. 引荐客商数。
    pub investors: i64,
    /// Of those, by status. 按状态统计。
    pub investors_by_status: std::collections::BTreeMap<String, i64>,
    /// Live enterprises it brought. 引荐企业数。
    pub enterprises: i64,
}
