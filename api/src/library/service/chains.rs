//! Industry chains (nodes, the chain tree, gap analysis), supply links between enterprises,
//! and agency statistics.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;
use zhaoshang_types::{
    AgencyStats, ChainGaps, ChainNode, ChainNodeFields, ChainTree, ChainTreeNode, EnterpriseRef,
    LeadingPartners, MissingNode, Partner, SupplyLink, SupplyLinkFields,
};

use super::{Library, merge_patch, visible_record, writable};
use crate::core::audit;
use crate::core::auth::Principal;
use crate::core::db::{self, DbConnection, Locked};
use crate::core::error::ApiError;
use crate::core::extract::{decode_object, unknown_keys};
use crate::core::http::{Precondition, check_version, to_json, version_conflict};
use crate::library::store::{self as store, LinkRow, NodeRow, RecordRow};
use crate::library::validate::Errors;
use crate::library::{Agencies, Enterprises, Industries};

/// The chain views count enterprises over whole chains, which costs a grouped query over every
/// membership of the chain. They are kept for [`ChainCache::TTL`]: counts may lag writes by
/// that much, which an overview tolerates; a change to the chain's nodes through this server
/// clears the industry's entries at once.
#[derive(Default)]
pub struct ChainCache {
    trees: std::sync::Mutex<HashMap<String, (std::time::Instant, ChainTree)>>,
    gaps: std::sync::Mutex<HashMap<String, (std::time::Instant, ChainGaps)>>,
    /// One computation at a time: callers that missed the cache together wait for the first
    /// one's result instead of all querying the database.
    computing: tokio::sync::Mutex<()>,
}

impl ChainCache {
    /// How long a computed view is served.
    pub const TTL: std::time::Duration = std::time::Duration::from_secs(5);

    fn get<T: Clone>(
        map: &std::sync::Mutex<HashMap<String, (std::time::Instant, T)>>,
        key: &str,
    ) -> Option<T> {
        let map = map.lock().ok()?;
        map.get(key)
            .filter(|(at, _)| at.elapsed() < Self::TTL)
            .map(|(_, v)| v.clone())
    }

    fn put<T>(
        map: &std::sync::Mutex<HashMap<String, (std::time::Instant, T)>>,
        key: &str,
        value: T,
    ) {
        if let Ok(mut map) = map.lock() {
            map.retain(|_, (at, _)| at.elapsed() < Self::TTL);
            map.insert(key.to_owned(), (std::time::Instant::now(), value));
        }
    }

    /// Forgets every view (after a change to enterprises, whose memberships they count).
    pub fn clear(&self) {
        if let Ok(mut m) = self.trees.lock() {
            m.clear();
        }
        if let Ok(mut m) = self.gaps.lock() {
            m.clear();
        }
    }

    /// Forgets an industry's views (after a change to its nodes).
    pub fn invalidate(&self, industry_id: &str) {
        if let Ok(mut m) = self.trees.lock() {
            m.remove(industry_id);
        }
        if let Ok(mut m) = self.gaps.lock() {
            m.remove(industry_id);
        }
    }
}

const NODE_FIELDS: [&str; 5] = ["name", "position", "parent_id", "key_products", "notes"];

fn decode_node(value: Value) -> Result<ChainNodeFields, ApiError> {
    let mut f: ChainNodeFields =
        decode_object(value, &NODE_FIELDS, None).map_err(ApiError::validation)?;
    let mut e = Errors::default();
    e.text("name", &mut f.name, 100);
    e.list("key_products", &mut f.key_products, 50, 100);
    e.opt_text("notes", &mut f.notes, 4000);
    if e.0.is_empty() {
        Ok(f)
    } else {
        Err(ApiError::validation(e.0))
    }
}

/// The parent is a live node of the same industry, and not the node itself or below it.
fn check_node_parent(
    conn: &mut DbConnection,
    industry_id: &str,
    node_id: Option<&str>,
    parent: &str,
) -> Result<(), ApiError> {
    crate::core::http::check_parent_chain(
        node_id,
        parent,
        "no such node on this industry's chain",
        |current| {
            Ok(store::node(conn, current)?
                .filter(|n| n.industry_id == industry_id)
                .map(|n| n.parent_id))
        },
    )
}

/// Add a node to an industry's chain. 新增产业链环节。
pub async fn create_node(
    lib: &Library,
    p: &Principal,
    industry_id: String,
    body: Value,
) -> Result<ChainNode, ApiError> {
    let industry = visible_record::<Industries>(lib, p, industry_id).await?;
    writable(p, &industry)?;
    let fields = decode_node(body)?;
    let actor = p.audit_actor();
    let node = lib
        .db
        .write(move |conn| {
            if let Some(parent) = &fields.parent_id {
                check_node_parent(conn, &industry.id, None, parent)?;
            }
            let row = NodeRow::new(industry.id.clone(), &fields);
            store::insert_node(conn, &row)?;
            audit::created(conn, &actor, "chain_node", &row.id, &to_json(&fields))?;
            Ok(row.to_wire())
        })
        .await?;
    lib.chain_cache.invalidate(&node.industry_id);
    Ok(node)
}

async fn node_and_industry(
    lib: &Library,
    p: &Principal,
    id: String,
) -> Result<(NodeRow, RecordRow), ApiError> {
    let node = lib
        .db
        .read(move |conn| store::node(conn, &id))
        .await?
        .ok_or_else(|| ApiError::not_found("no such chain node"))?;
    let industry = visible_record::<Industries>(lib, p, node.industry_id.clone()).await?;
    Ok((node, industry))
}

/// Read a chain node. 查看产业链环节。
pub async fn get_node(lib: &Library, p: &Principal, id: String) -> Result<ChainNode, ApiError> {
    let (node, _) = node_and_industry(lib, p, id).await?;
    Ok(node.to_wire())
}

/// Change a chain node (merge patch, `If-Match`). 修改产业链环节。
pub async fn update_node(
    lib: &Library,
    p: &Principal,
    id: String,
    expected: Precondition,
    patch: Value,
) -> Result<ChainNode, ApiError> {
    let (node, industry) = node_and_industry(lib, p, id).await?;
    writable(p, &industry)?;
    let Value::Object(patch_map) = &patch else {
        return Err(ApiError::invalid_field(
            "",
            "invalid_value",
            "a merge patch is a JSON object",
        ));
    };
    // Checked before merging: a `null` for a misspelt field would otherwise vanish silently.
    let unknown = unknown_keys(patch_map, &NODE_FIELDS, None);
    if !unknown.is_empty() {
        return Err(ApiError::validation(unknown));
    }
    let actor = p.audit_actor();
    let node = lib
        .db
        .write(move |conn| {
            db::lock_row(conn, Locked::ChainNodes, &node.id)?;
            let mut row = store::node(conn, &node.id)?
                .ok_or_else(|| ApiError::not_found("no such chain node"))?;
            check_version(&expected, row.version)?;
            let before = to_json(&row.fields());
            let mut merged = before.clone();
            merge_patch(&mut merged, &patch);
            let fields = decode_node(merged)?;
            if let Some(parent) = &fields.parent_id {
                check_node_parent(conn, &row.industry_id, Some(&row.id), parent)?;
            }
            row.set_fields(&fields);
            let previous = row.version;
            row.version += 1;
            row.updated_at = db::now();
            if !store::update_node(conn, &row, previous)? {
                return Err(version_conflict(previous + 1));
            }
            audit::record(
                conn,
                &actor,
                "update",
                "chain_node",
                Some(&row.id),
                Some(audit::diff(&before, &to_json(&fields))),
            )?;
            Ok(row.to_wire())
        })
        .await?;
    lib.chain_cache.invalidate(&node.industry_id);
    Ok(node)
}

/// Delete a chain node (soft; refused while it has live child nodes). 删除产业链环节。
pub async fn delete_node(
    lib: &Library,
    p: &Principal,
    id: String,
    expected: Precondition,
) -> Result<(), ApiError> {
    let (node, industry) = node_and_industry(lib, p, id).await?;
    writable(p, &industry)?;
    let actor = p.audit_actor();
    lib.db
        .write(move |conn| {
            db::lock_row(conn, Locked::ChainNodes, &node.id)?;
            let mut row = store::node(conn, &node.id)?
                .ok_or_else(|| ApiError::not_found("no such chain node"))?;
            check_version(&expected, row.version)?;
            let children = store::nodes_of(conn, &row.industry_id)?
                .into_iter()
                .filter(|n| n.parent_id.as_deref() == Some(row.id.as_str()))
                .count();
            if children > 0 {
                return Err(ApiError::conflict(
                    format!("the node has {children} child nodes: move or delete them first"),
                    None,
                ));
            }
            let previous = row.version;
            row.version += 1;
            row.updated_at = db::now();
            row.deleted_at = Some(row.updated_at);
            if !store::update_node(conn, &row, previous)? {
                return Err(version_conflict(previous + 1));
            }
            audit::record(conn, &actor, "delete", "chain_node", Some(&row.id), None)
        })
        .await?;
    lib.chain_cache.invalidate(&industry.id);
    Ok(())
}

/// The chain as a tree: per node the counts of local and external enterprises and the leading
/// enterprises. 产业链图谱。
pub async fn chain(
    lib: &Library,
    p: &Principal,
    industry_id: String,
) -> Result<ChainTree, ApiError> {
    let industry = visible_record::<Industries>(lib, p, industry_id).await?;
    if let Some(tree) = ChainCache::get(&lib.chain_cache.trees, &industry.id) {
        return Ok(tree);
    }
    let _computing = lib.chain_cache.computing.lock().await;
    if let Some(tree) = ChainCache::get(&lib.chain_cache.trees, &industry.id) {
        return Ok(tree);
    }
    let industry_id = industry.id.clone();
    let (nodes, counts, leading) = lib
        .db
        .read(move |conn| {
            let nodes = store::nodes_of(conn, &industry_id)?;
            let ids: Vec<String> = nodes.iter().map(|n| n.id.clone()).collect();
            let counts = store::node_counts(conn, &ids)?;
            let leading = store::enterprises_on_where(conn, &ids, Some(true), None, 10_000)?;
            Ok((nodes, counts, leading))
        })
        .await?;
    let mut stats: HashMap<String, (i64, i64, Vec<EnterpriseRef>)> = HashMap::new();
    for (node_id, local, n) in counts {
        let entry = stats.entry(node_id).or_default();
        if local {
            entry.0 += n;
        } else {
            entry.1 += n;
        }
    }
    for (node_id, e) in &leading {
        stats
            .entry(node_id.clone())
            .or_default()
            .2
            .push(e.enterprise_ref());
    }
    let mut children: HashMap<Option<String>, Vec<&NodeRow>> = HashMap::new();
    let ids: HashSet<&str> = nodes.iter().map(|n| n.id.as_str()).collect();
    for n in &nodes {
        // A node whose parent was deleted shows at the top rather than vanishing.
        let parent = n.parent_id.clone().filter(|p| ids.contains(p.as_str()));
        children.entry(parent).or_default().push(n);
    }
    fn build(
        parent: Option<String>,
        children: &HashMap<Option<String>, Vec<&NodeRow>>,
        stats: &HashMap<String, (i64, i64, Vec<EnterpriseRef>)>,
    ) -> Vec<ChainTreeNode> {
        children
            .get(&parent)
            .map(|list| {
                list.iter()
                    .map(|n| {
                        let (local, external, leading) =
                            stats.get(&n.id).cloned().unwrap_or_default();
                        ChainTreeNode {
                            node: n.to_wire(),
                            local_enterprises: local,
                            external_enterprises: external,
                            leading_enterprises: leading,
                            children: build(Some(n.id.clone()), children, stats),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
    let tree = ChainTree {
        industry_id: industry.id.clone(),
        industry_name: industry.name.clone(),
        nodes: build(None, &children, &stats),
    };
    ChainCache::put(&lib.chain_cache.trees, &industry.id, tree.clone());
    Ok(tree)
}

/// Gap analysis: nodes with no local enterprise and the external enterprises known there
/// (补链), and the non-local suppliers and customers of local leading enterprises (延链/强链).
/// 缺链分析。
pub async fn gaps(
    lib: &Library,
    p: &Principal,
    industry_id: String,
) -> Result<ChainGaps, ApiError> {
    let industry = visible_record::<Industries>(lib, p, industry_id).await?;
    if let Some(gaps) = ChainCache::get(&lib.chain_cache.gaps, &industry.id) {
        return Ok(gaps);
    }
    let _computing = lib.chain_cache.computing.lock().await;
    if let Some(gaps) = ChainCache::get(&lib.chain_cache.gaps, &industry.id) {
        return Ok(gaps);
    }
    let industry_id = industry.id.clone();
    let gaps = lib
        .db
        .read(move |conn| {
            let nodes = store::nodes_of(conn, &industry_id)?;
            let ids: Vec<String> = nodes.iter().map(|n| n.id.clone()).collect();
            let with_local: HashSet<String> = store::node_counts(conn, &ids)?
                .into_iter()
                .filter(|(_, local, n)| *local && *n > 0)
                .map(|(node, _, _)| node)
                .collect();
            let mut missing_nodes = Vec::new();
            for n in nodes.iter().filter(|n| !with_local.contains(&n.id)) {
                // The first 50 known external enterprises at the node: the targets to approach.
                let external = store::enterprises_on_where(
                    conn,
                    std::slice::from_ref(&n.id),
                    None,
                    Some(false),
                    50,
                )?;
                missing_nodes.push(MissingNode {
                    node: n.to_wire(),
                    external_enterprises: external
                        .iter()
                        .map(|(_, e)| e.enterprise_ref())
                        .collect(),
                });
            }
            let leading = store::enterprises_on_where(conn, &ids, Some(true), Some(true), 1000)?;
            let mut leaders: BTreeMap<String, &RecordRow> = BTreeMap::new();
            for (_, e) in &leading {
                leaders.insert(e.id.clone(), e);
            }
            let leader_ids: Vec<String> = leaders.keys().cloned().collect();
            let links = store::links_of(conn, &leader_ids)?;
            let partner_ids: Vec<String> = links
                .iter()
                .flat_map(|l| [l.supplier_id.clone(), l.customer_id.clone()])
                .collect();
            let partners: HashMap<String, RecordRow> = store::records_by_ids(conn, &partner_ids)?
                .into_iter()
                .map(|r| (r.id.clone(), r))
                .collect();
            let leading_partners = leaders
                .values()
                .map(|leader| {
                    let pick = |mine: fn(&LinkRow) -> &str,
                                theirs: fn(&LinkRow) -> &str|
                     -> Vec<Partner> {
                        links
                            .iter()
                            .filter(|l| mine(l) == leader.id)
                            .filter_map(|l| partners.get(theirs(l)).map(|r| (r, l)))
                            .filter(|(r, _)| r.is_local != Some(true))
                            .map(|(r, l)| Partner {
                                enterprise: r.enterprise_ref(),
                                product: l.product.clone(),
                            })
                            .collect()
                    };
                    LeadingPartners {
                        enterprise: leader.enterprise_ref(),
                        suppliers: pick(|l| &l.customer_id, |l| &l.supplier_id),
                        customers: pick(|l| &l.supplier_id, |l| &l.customer_id),
                    }
                })
                .filter(|lp| !lp.suppliers.is_empty() || !lp.customers.is_empty())
                .collect();
            Ok(ChainGaps {
                industry_id: industry_id.clone(),
                missing_nodes,
                leading_partners,
            })
        })
        .await?;
    ChainCache::put(&lib.chain_cache.gaps, &industry.id, gaps.clone());
    Ok(gaps)
}

/// Supply links in which the enterprise takes part. 供应关系。
pub async fn list_links(
    lib: &Library,
    p: &Principal,
    enterprise_id: String,
) -> Result<Vec<SupplyLink>, ApiError> {
    let e = visible_record::<Enterprises>(lib, p, enterprise_id).await?;
    let links = lib
        .db
        .read(move |conn| store::links_of(conn, std::slice::from_ref(&e.id)))
        .await?;
    Ok(links.iter().map(LinkRow::to_wire).collect())
}

/// Add a supply link; the enterprise must be the supplier or the customer. 新增供应关系。
pub async fn create_link(
    lib: &Library,
    p: &Principal,
    enterprise_id: String,
    body: Value,
) -> Result<SupplyLink, ApiError> {
    let e = visible_record::<Enterprises>(lib, p, enterprise_id).await?;
    writable(p, &e)?;
    let mut fields: SupplyLinkFields = decode_object(
        body,
        &["supplier_id", "customer_id", "product", "notes"],
        None,
    )
    .map_err(ApiError::validation)?;
    let mut errors = Errors::default();
    errors.opt_text("product", &mut fields.product, 100);
    errors.opt_text("notes", &mut fields.notes, 2000);
    if fields.supplier_id != e.id && fields.customer_id != e.id {
        errors.push(
            "supplier_id",
            "not_a_party",
            "the enterprise in the path must be the supplier or the customer",
        );
    }
    if fields.supplier_id == fields.customer_id {
        errors.push(
            "customer_id",
            "same_enterprise",
            "an enterprise does not supply itself",
        );
    }
    if !errors.0.is_empty() {
        return Err(ApiError::validation(errors.0));
    }
    let actor = p.audit_actor();
    let link = lib
        .db
        .write(move |conn| {
            let other = if fields.supplier_id == e.id {
                &fields.customer_id
            } else {
                &fields.supplier_id
            };
            if store::record(conn, "enterprise", other, false)?.is_none() {
                let field = if fields.supplier_id == e.id {
                    "customer_id"
                } else {
                    "supplier_id"
                };
                return Err(ApiError::invalid_field(
                    field,
                    "unknown_reference",
                    format!("no enterprise {other}"),
                ));
            }
            let row = LinkRow {
                id: uuid::Uuid::now_v7().to_string(),
                supplier_id: fields.supplier_id.clone(),
                customer_id: fields.customer_id.clone(),
                product: fields.product.clone(),
                notes: fields.notes.clone(),
                created_at: db::now(),
                created_by: actor.id.clone(),
                deleted_at: None,
            };
            store::insert_link(conn, &row)?;
            audit::created(conn, &actor, "supply_link", &row.id, &to_json(&fields))?;
            Ok(row.to_wire())
        })
        .await?;
    Ok(link)
}

/// Remove a supply link (soft). 删除供应关系。
pub async fn delete_link(
    lib: &Library,
    p: &Principal,
    enterprise_id: String,
    link_id: String,
) -> Result<(), ApiError> {
    let e = visible_record::<Enterprises>(lib, p, enterprise_id).await?;
    writable(p, &e)?;
    let actor = p.audit_actor();
    lib.db
        .write(move |conn| {
            store::delete_link(conn, &e.id, &link_id)?
                .ok_or_else(|| ApiError::not_found("no such link"))?;
            audit::record(conn, &actor, "delete", "supply_link", Some(&link_id), None)
        })
        .await?;
    Ok(())
}

/// Investors an agency brought, by status, and its enterprises. 中介机构引荐统计。
pub async fn agency_stats(
    lib: &Library,
    p: &Principal,
    agency_id: String,
) -> Result<AgencyStats, ApiError> {
    let agency = visible_record::<Agencies>(lib, p, agency_id).await?;
    let agency_id = agency.id.clone();
    let (by_status, enterprises) = lib
        .db
        .read(move |conn| store::agency_stats(conn, &agency_id))
        .await?;
    let investors_by_status: BTreeMap<String, i64> = by_status
        .into_iter()
        .map(|(s, n)| (s.unwrap_or_default(), n))
        .collect();
    Ok(AgencyStats {
        agency_id: agency.id,
        investors: investors_by_status.values().sum(),
        investors_by_status,
        enterprises,
    })
}
