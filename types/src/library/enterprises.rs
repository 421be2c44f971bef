//! Enterprises (相关企业 / 龙头企业), their places on chains and their supply links.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Record;

/// An enterprise's place on a chain. 产业链环节归属。
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct ChainMembership {
    /// The chain node. 产业链环节。
    pub node_id: String,
    /// Its role there, e.g. 原料供应. 角色。
    #[serde(default)]
    #[schema(max_length = 50)]
    pub role: Option<String>,
}

/// An enterprise (相关企业 / 龙头企业).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
pub struct EnterpriseFields {
    /// Name. 名称。
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: String,
    /// English name. 英文名称。
    #[serde(default)]
    #[schema(max_length = 200)]
    pub name_en: Option<String>,
    /// Other names. 别名。
    #[serde(default)]
    #[schema(max_items = 20, max_length = 200, pattern = r"\S")]
    pub aliases: Vec<String>,
    /// Unified social credit code (unique among live enterprises). 统一社会信用代码。
    #[serde(default)]
    #[schema(pattern = r"^(\s{0,18}|[0-9A-HJ-NP-RTUW-Ya-hj-np-rtuw-y]{18})$")]
    pub credit_code: Option<String>,
    /// GB/T 2260 region code. 行政区划代码。
    #[serde(default)]
    #[schema(pattern = r"^(\s{0,6}|[0-9]{6})$")]
    pub region_code: Option<String>,
    /// ISO 3166-1 alpha-2 country (default `CN`). 国家或地区。
    #[serde(default)]
    #[schema(pattern = r"^\s*([A-Za-z]{2})?\s*$")]
    pub country: Option<String>,
    /// In the city (本地) or not (外地). 是否本地企业。
    #[serde(default)]
    pub is_local: bool,
    /// A leading enterprise (龙头企业). 是否龙头企业。
    #[serde(default)]
    pub is_leading: bool,
    /// Main products. 主要产品。
    #[serde(default)]
    #[schema(max_items = 50, max_length = 100, pattern = r"\S")]
    pub main_products: Vec<String>,
    /// Employees. 从业人数。
    #[serde(default)]
    #[schema(format = Int64, maximum = 4_294_967_295_u64)]
    pub employees: Option<u32>,
    /// Annual output in yuan. 年产值（元）。
    #[serde(default)]
    #[schema(minimum = 0)]
    pub annual_output_yuan: Option<i64>,
    /// GB/T 4754 industry codes. 行业代码。
    #[serde(default)]
    #[schema(max_items = 50, pattern = r"^\s*([A-Za-z]|[0-9]{2,4})\s*$")]
    pub industry_codes: Vec<String>,
    /// Places on industry chains. 产业链环节。
    #[serde(default)]
    pub chain_nodes: Vec<ChainMembership>,
    /// The agency that brought it. 引荐中介机构。
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

/// An enterprise. 企业。
pub type Enterprise = Record<EnterpriseFields>;

/// An enterprise named inside another answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EnterpriseRef {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Local or not.
    pub is_local: bool,
    /// Leading or not.
    pub is_leading: bool,
    /// Region code.
    pub region_code: Option<String>,
}

/// A supply relation: `supplier_id` supplies `customer_id`. 供应关系。
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct SupplyLinkFields {
    /// The supplier. 供应方。
    pub supplier_id: String,
    /// The customer. 采购方。
    pub customer_id: String,
    /// The product. 产品。
    #[serde(default)]
    #[schema(max_length = 100)]
    pub product: Option<String>,
    /// Notes. 备注。
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
}

/// A stored supply link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SupplyLink {
    /// Id.
    pub id: String,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// The fields.
    #[serde(flatten)]
    pub fields: SupplyLinkFields,
}
