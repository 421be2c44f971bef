//! Key industries (重点产业) with their chains: nodes, the chain tree and the gap analysis.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{EnterpriseRef, Priority, Record};

/// A key industry (重点产业).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
pub struct IndustryFields {
    /// Name, e.g. 氟化工及新材料. 名称。
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: String,
    /// GB/T 4754 codes it spans. 行业代码。
    #[serde(default)]
    #[schema(max_items = 50, pattern = r"^\s*([A-Za-z]|[0-9]{2,4})\s*$")]
    pub industry_codes: Vec<String>,
    /// Description. 产业说明。
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    /// Priority. 优先级。
    #[serde(default)]
    pub priority: Priority,
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

/// A key industry. 重点产业。
pub type Industry = Record<IndustryFields>;

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
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: String,
    /// Position. 位置。
    #[serde(default)]
    pub position: NodePosition,
    /// The node above, on the same industry's chain. 上级环节。
    #[serde(default)]
    pub parent_id: Option<String>,
    /// Key products. 关键产品。
    #[serde(default)]
    #[schema(max_items = 50, max_length = 100, pattern = r"\S")]
    pub key_products: Vec<String>,
    /// Notes. 备注。
    #[serde(default)]
    #[schema(max_length = 4000)]
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
