//! The shared information library: investors, agencies, target regions, industries with
//! their chains, and enterprises.

use chrono::{DateTime, NaiveDate, Utc};
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
    pub name: String,
    /// English name. 英文名称。
    #[serde(default)]
    pub name_en: Option<String>,
    /// Other names (short names, former names). 别名。
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Kind. 类型。
    #[serde(default)]
    pub kind: InvestorKind,
    /// Unified social credit code (GB 32100), for Chinese entities. 统一社会信用代码。
    #[serde(default)]
    pub credit_code: Option<String>,
    /// ISO 3166-1 alpha-2 country (default `CN`). 国家或地区。
    #[serde(default)]
    pub country: Option<String>,
    /// GB/T 2260 origin region (Chinese investors). 来源地行政区划代码。
    #[serde(default)]
    pub region_code: Option<String>,
    /// Headquarters. 总部所在地。
    #[serde(default)]
    pub headquarters: Option<String>,
    /// GB/T 4754 industry codes. 行业代码。
    #[serde(default)]
    pub industry_codes: Vec<String>,
    /// Investment interests. 投资意向。
    #[serde(default)]
    pub interests: Option<String>,
    /// Fortune Global 500 rank. 世界500强排名。
    #[serde(default)]
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
    pub external_id: Option<String>,
    /// The owning organisation (default: the caller's). 所属组织。
    #[serde(default)]
    pub owner_org_id: Option<String>,
    /// Free tags. 标签。
    #[serde(default)]
    pub tags: Vec<String>,
    /// Notes. 备注。
    #[serde(default)]
    pub notes: Option<String>,
}

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
    pub signed_on: NaiveDate,
    /// Expires on. 到期日期。
    #[serde(default)]
    pub expires_on: Option<NaiveDate>,
    /// Terms. 主要条款。
    #[serde(default)]
    pub terms: Option<String>,
}

/// An intermediary agency (中介机构).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
pub struct AgencyFields {
    /// Name. 名称。
    pub name: String,
    /// Kind. 类型。
    #[serde(default)]
    pub kind: AgencyKind,
    /// Unified social credit code. 统一社会信用代码。
    #[serde(default)]
    pub credit_code: Option<String>,
    /// ISO 3166-1 alpha-2 country of its base (default `CN`). 国家或地区。
    #[serde(default)]
    pub country: Option<String>,
    /// GB/T 2260 code of its base. 所在地行政区划代码。
    #[serde(default)]
    pub region_code: Option<String>,
    /// GB/T 2260 codes of the regions it covers. 覆盖区域。
    #[serde(default)]
    pub covered_region_codes: Vec<String>,
    /// GB/T 4754 codes of the industries it covers. 覆盖行业。
    #[serde(default)]
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
    pub tags: Vec<String>,
    /// Notes. 备注。
    #[serde(default)]
    pub notes: Option<String>,
}

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
    pub members: Vec<String>,
    /// Where they are based. 驻点地址。
    #[serde(default)]
    pub base_address: Option<String>,
    /// Stationed since. 进驻日期。
    #[serde(default)]
    pub since: Option<NaiveDate>,
}

/// A target region (重点区域).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
pub struct TargetRegionFields {
    /// Name, e.g. 上海 or 长三角. 名称。
    pub name: String,
    /// Kind. 类型。
    #[serde(default)]
    pub kind: TargetRegionKind,
    /// GB/T 2260 code, for a Chinese division. 行政区划代码。
    #[serde(default)]
    pub region_code: Option<String>,
    /// ISO 3166-1 alpha-2 country (default `CN`). 国家或地区。
    #[serde(default)]
    pub country: Option<String>,
    /// Priority. 优先级。
    #[serde(default)]
    pub priority: Priority,
    /// Ids of the key industries matched to it. 匹配的重点产业。
    #[serde(default)]
    pub industry_ids: Vec<String>,
    /// GB/T 4754 codes of the industries matched to it. 匹配行业代码。
    #[serde(default)]
    pub industry_codes: Vec<String>,
    /// Economy. 经济概况。
    #[serde(default)]
    pub economy: Option<String>,
    /// Industries there. 产业概况。
    #[serde(default)]
    pub industries_overview: Option<String>,
    /// Conditions for industry transfer. 产业转移条件。
    #[serde(default)]
    pub transfer_conditions: Option<String>,
    /// Work base there. 工作基础。
    #[serde(default)]
    pub work_base: Option<String>,
    /// Responsible organisations. 责任单位。
    #[serde(default)]
    pub responsible_org_ids: Vec<String>,
    /// The stationed work group. 驻点工作组。
    #[serde(default)]
    pub stationed_group: Option<StationedGroup>,
    /// The owning organisation (default: the caller's). 所属组织。
    #[serde(default)]
    pub owner_org_id: Option<String>,
    /// Free tags. 标签。
    #[serde(default)]
    pub tags: Vec<String>,
    /// Notes. 备注。
    #[serde(default)]
    pub notes: Option<String>,
}

/// A key industry (重点产业).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
pub struct IndustryFields {
    /// Name, e.g. 氟化工及新材料. 名称。
    pub name: String,
    /// GB/T 4754 codes it spans. 行业代码。
    #[serde(default)]
    pub industry_codes: Vec<String>,
    /// Description. 产业说明。
    #[serde(default)]
    pub description: Option<String>,
    /// Priority. 优先级。
    #[serde(default)]
    pub priority: Priority,
    /// The owning organisation (default: the caller's). 所属组织。
    #[serde(default)]
    pub owner_org_id: Option<String>,
    /// Free tags. 标签。
    #[serde(default)]
    pub tags: Vec<String>,
    /// Notes. 备注。
    #[serde(default)]
    pub notes: Option<String>,
}

/// An enterprise's place on a chain. 产业链环节归属。
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct ChainMembership {
    /// The chain node. 产业链环节。
    pub node_id: String,
    /// Its role there, e.g. 原料供应. 角色。
    #[serde(default)]
    pub role: Option<String>,
}

/// An enterprise (相关企业 / 龙头企业).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
pub struct EnterpriseFields {
    /// Name. 名称。
    pub name: String,
    /// English name. 英文名称。
    #[serde(default)]
    pub name_en: Option<String>,
    /// Other names. 别名。
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Unified social credit code (unique among live enterprises). 统一社会信用代码。
    #[serde(default)]
    pub credit_code: Option<String>,
    /// GB/T 2260 region code. 行政区划代码。
    #[serde(default)]
    pub region_code: Option<String>,
    /// ISO 3166-1 alpha-2 country (default `CN`). 国家或地区。
    #[serde(default)]
    pub country: Option<String>,
    /// In the city (本地) or not (外地). 是否本地企业。
    #[serde(default)]
    pub is_local: bool,
    /// A leading enterprise (龙头企业). 是否龙头企业。
    #[serde(default)]
    pub is_leading: bool,
    /// Main products. 主要产品。
    #[serde(default)]
    pub main_products: Vec<String>,
    /// Employees. 从业人数。
    #[serde(default)]
    pub employees: Option<u32>,
    /// Annual output in yuan. 年产值（元）。
    #[serde(default)]
    pub annual_output_yuan: Option<i64>,
    /// GB/T 4754 industry codes. 行业代码。
    #[serde(default)]
    pub industry_codes: Vec<String>,
    /// Places on industry chains. 产业链环节。
    #[serde(default)]
    pub chain_nodes: Vec<ChainMembership>,
    /// The agency that brought it. 引荐中介机构。
    #[serde(default)]
    pub source_agency_id: Option<String>,
    /// The agency's own id for it. 中介机构侧编号。
    #[serde(default)]
    pub external_id: Option<String>,
    /// The owning organisation (default: the caller's). 所属组织。
    #[serde(default)]
    pub owner_org_id: Option<String>,
    /// Free tags. 标签。
    #[serde(default)]
    pub tags: Vec<String>,
    /// Notes. 备注。
    #[serde(default)]
    pub notes: Option<String>,
}

/// A key investor. 重点客商。
pub type Investor = Record<InvestorFields>;
/// An intermediary agency. 中介机构。
pub type Agency = Record<AgencyFields>;
/// A target region. 重点区域。
pub type TargetRegion = Record<TargetRegionFields>;
/// A key industry. 重点产业。
pub type Industry = Record<IndustryFields>;
/// An enterprise. 企业。
pub type Enterprise = Record<EnterpriseFields>;

/// A contact person of an investor or agency (personal data: masked for callers not entitled).
/// 联系人。
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct ContactFields {
    /// Name. 姓名。
    pub name: String,
    /// Title. 职务。
    #[serde(default)]
    pub title: Option<String>,
    /// Phone. 电话。
    #[serde(default)]
    pub phone: Option<String>,
    /// E-mail. 邮箱。
    #[serde(default)]
    pub email: Option<String>,
    /// WeChat id. 微信。
    #[serde(default)]
    pub wechat: Option<String>,
    /// Notes. 备注。
    #[serde(default)]
    pub notes: Option<String>,
}

/// A stored contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Contact {
    /// Id.
    pub id: String,
    /// The investor or agency.
    pub record_id: String,
    /// Version; send it back as `If-Match`.
    pub version: i64,
    /// Whether phone, e-mail and WeChat are masked for this caller. 是否已脱敏。
    pub masked: bool,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
    /// The fields.
    #[serde(flatten)]
    pub fields: ContactFields,
}

/// Position on a chain. 产业链位置。
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NodePosition {
    /// 上游.
    Upstream,
    /// 中游.
    #[default]
    Midstream,
    /// 下游.
    Downstream,
    /// 配套.
    Supporting,
}

/// A chain node's fields. 产业链环节。
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct ChainNodeFields {
    /// Name, e.g. 萤石开采. 名称。
    pub name: String,
    /// Position. 位置。
    #[serde(default)]
    pub position: NodePosition,
    /// The node above, on the same industry's chain. 上级环节。
    #[serde(default)]
    pub parent_id: Option<String>,
    /// Key products. 关键产品。
    #[serde(default)]
    pub key_products: Vec<String>,
    /// Notes. 备注。
    #[serde(default)]
    pub notes: Option<String>,
}

/// A stored chain node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChainNode {
    /// Id.
    pub id: String,
    /// The industry.
    pub industry_id: String,
    /// Version; send it back as `If-Match`.
    pub version: i64,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
    /// The fields.
    #[serde(flatten)]
    pub fields: ChainNodeFields,
}

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

/// One node of the chain tree with its enterprises. 产业链图谱节点。
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChainTreeNode {
    /// The node.
    pub node: ChainNode,
    /// Local enterprises at this node. 本地企业数。
    pub local_enterprises: i64,
    /// External enterprises at this node. 外地企业数。
    pub external_enterprises: i64,
    /// The leading enterprises at this node. 龙头企业。
    pub leading_enterprises: Vec<EnterpriseRef>,
    /// Nodes below.
    #[schema(no_recursion)]
    pub children: Vec<ChainTreeNode>,
}

/// An industry's chain as a tree. 产业链图谱。
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChainTree {
    /// The industry's id.
    pub industry_id: String,
    /// The industry's name.
    pub industry_name: String,
    /// The top nodes.
    pub nodes: Vec<ChainTreeNode>,
}

/// A chain node without a local enterprise (补链). 缺失环节。
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MissingNode {
    /// The node.
    pub node: ChainNode,
    /// External enterprises known at the node: investment targets. 可招引的外地企业。
    pub external_enterprises: Vec<EnterpriseRef>,
}

/// A partner of a leading enterprise. 上下游伙伴。
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Partner {
    /// The partner.
    pub enterprise: EnterpriseRef,
    /// The product it supplies or buys. 产品。
    pub product: Option<String>,
}

/// The non-local partners of one local leading enterprise (延链/强链). 龙头企业外地上下游。
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LeadingPartners {
    /// The local leading enterprise.
    pub enterprise: EnterpriseRef,
    /// Its suppliers outside the city. 外地供应商。
    pub suppliers: Vec<Partner>,
    /// Its customers outside the city. 外地客户。
    pub customers: Vec<Partner>,
}

/// Chain gap analysis. 产业链缺链分析。
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChainGaps {
    /// The industry.
    pub industry_id: String,
    /// Nodes with no local enterprise (补链 targets).
    pub missing_nodes: Vec<MissingNode>,
    /// Non-local partners of local leading enterprises (延链/强链 targets).
    pub leading_partners: Vec<LeadingPartners>,
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
    pub product: Option<String>,
    /// Notes. 备注。
    #[serde(default)]
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

/// A batch of records to upsert, keyed by (`source_agency_id`, `external_id`). 批量同步。
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Batch<T> {
    /// Up to 1,000 records, each with `external_id`.
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
    /// Text in the name, English name or aliases (two characters or more). 名称检索。
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
    /// Status. 状态。
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Priority (`A`, `B`, `C`). 优先级。
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// Kind. 类型。
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
    /// `name`, `-name`, `created_at` (default) or `-created_at`. 排序。
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<String>,
    /// `json` (default) or `csv` (also `Accept: text/csv`). 导出格式。
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Page size, 1–500 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}
