//! Chain nodes, enterprises' memberships, supply links and the counts the chain views need.

use super::*;

/// Live investors an agency brought, by status; and its live enterprises.
pub fn agency_stats(
    conn: &mut DbConnection,
    agency: &str,
) -> Result<(StatusCounts, i64), ApiError> {
    let by_status: Vec<(Option<String>, i64)> = records::table
        .filter(records::resource.eq("investor"))
        .filter(records::source_agency_id.eq(agency))
        .filter(records::deleted_at.is_null())
        .group_by(records::status)
        .select((records::status, diesel::dsl::count_star()))
        .load(conn)?;
    let enterprises: i64 = records::table
        .filter(records::resource.eq("enterprise"))
        .filter(records::source_agency_id.eq(agency))
        .filter(records::deleted_at.is_null())
        .count()
        .get_result(conn)?;
    Ok((by_status, enterprises))
}

// --- contacts ---

/// A `chain_nodes` row.
#[derive(Debug, Clone, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = chain_nodes, treat_none_as_null = true)]
pub struct NodeRow {
    pub id: String,
    pub industry_id: String,
    pub parent_id: Option<String>,
    pub name: String,
    pub position: String,
    pub key_products: String,
    pub notes: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

impl NodeRow {
    /// A new node of an industry's chain: a fresh time-ordered id, version 1.
    pub fn new(industry_id: String, fields: &ChainNodeFields) -> Self {
        let now = crate::core::db::now();
        let mut row = Self {
            id: uuid::Uuid::now_v7().to_string(),
            industry_id,
            parent_id: None,
            name: String::new(),
            position: String::new(),
            key_products: String::new(),
            notes: None,
            version: 1,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        };
        row.set_fields(fields);
        row
    }

    /// The fields.
    pub fn fields(&self) -> ChainNodeFields {
        ChainNodeFields {
            name: self.name.clone(),
            position: serde_json::from_value(serde_json::Value::String(self.position.clone()))
                .unwrap_or(NodePosition::Midstream),
            parent_id: self.parent_id.clone(),
            key_products: serde_json::from_str(&self.key_products).unwrap_or_default(),
            notes: self.notes.clone(),
        }
    }

    /// Sets the fields.
    pub fn set_fields(&mut self, f: &ChainNodeFields) {
        self.name = f.name.clone();
        self.position = serde_json::to_value(f.position)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| "midstream".to_owned());
        self.parent_id = f.parent_id.clone();
        self.key_products =
            serde_json::to_string(&f.key_products).unwrap_or_else(|_| "[]".to_owned());
        self.notes = f.notes.clone();
    }

    /// The wire form.
    pub fn to_wire(&self) -> ChainNode {
        ChainNode {
            id: self.id.clone(),
            industry_id: self.industry_id.clone(),
            version: self.version,
            created_at: utc(self.created_at),
            updated_at: utc(self.updated_at),
            fields: self.fields(),
        }
    }
}

/// A live chain node.
pub fn node(conn: &mut DbConnection, id: &str) -> Result<Option<NodeRow>, ApiError> {
    Ok(chain_nodes::table
        .filter(chain_nodes::id.eq(id))
        .filter(chain_nodes::deleted_at.is_null())
        .first(conn)
        .optional()?)
}

/// The live nodes of an industry's chain.
pub fn nodes_of(conn: &mut DbConnection, industry_id: &str) -> Result<Vec<NodeRow>, ApiError> {
    Ok(chain_nodes::table
        .filter(chain_nodes::industry_id.eq(industry_id))
        .filter(chain_nodes::deleted_at.is_null())
        .order(chain_nodes::id.asc())
        .load(conn)?)
}

/// Inserts a node.
pub fn insert_node(conn: &mut DbConnection, row: &NodeRow) -> Result<(), ApiError> {
    diesel::insert_into(chain_nodes::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Writes a node if its version is still `expected`.
pub fn update_node(
    conn: &mut DbConnection,
    row: &NodeRow,
    expected: i64,
) -> Result<bool, ApiError> {
    crate::update_versioned!(conn, chain_nodes, row, expected)
}

/// Replaces an enterprise's chain memberships (none while it is deleted), with its flags.
pub fn set_memberships(
    conn: &mut DbConnection,
    enterprise_id: &str,
    members: &[(String, Option<String>)],
    is_local: bool,
    is_leading: bool,
) -> Result<(), ApiError> {
    diesel::delete(
        enterprise_nodes::table.filter(enterprise_nodes::enterprise_id.eq(enterprise_id)),
    )
    .execute(conn)?;
    let rows: Vec<Membership> = members
        .iter()
        .map(|(node_id, role)| Membership {
            enterprise_id: enterprise_id.to_owned(),
            node_id: node_id.clone(),
            role: role.clone(),
            is_local,
            is_leading,
        })
        .collect();
    insert_memberships(conn, &rows)
}

/// An `enterprise_nodes` row: an enterprise on a chain node, with its flags copied so that
/// the chain views count from the index alone.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = enterprise_nodes, treat_none_as_default_value = false)]
pub struct Membership {
    pub enterprise_id: String,
    pub node_id: String,
    pub role: Option<String>,
    pub is_local: bool,
    pub is_leading: bool,
}

crate::bulk_insert!(
    /// Inserts membership rows, many per statement.
    pub fn insert_memberships(enterprise_nodes::table, Membership, 500, 5000)
);

/// A `supply_links` row.
#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = supply_links, treat_none_as_default_value = false)]
pub struct LinkRow {
    pub id: String,
    pub supplier_id: String,
    pub customer_id: String,
    pub product: Option<String>,
    pub notes: Option<String>,
    pub created_at: NaiveDateTime,
    pub created_by: Option<String>,
    pub deleted_at: Option<NaiveDateTime>,
}

impl LinkRow {
    /// The wire form.
    pub fn to_wire(&self) -> SupplyLink {
        SupplyLink {
            id: self.id.clone(),
            created_at: utc(self.created_at),
            fields: SupplyLinkFields {
                supplier_id: self.supplier_id.clone(),
                customer_id: self.customer_id.clone(),
                product: self.product.clone(),
                notes: self.notes.clone(),
            },
        }
    }
}

/// Live links in which the enterprises take part (as supplier or customer).
pub fn links_of(
    conn: &mut DbConnection,
    enterprise_ids: &[String],
) -> Result<Vec<LinkRow>, ApiError> {
    if enterprise_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(supply_links::table
        .filter(supply_links::deleted_at.is_null())
        .filter(
            supply_links::supplier_id
                .eq_any(enterprise_ids)
                .or(supply_links::customer_id.eq_any(enterprise_ids)),
        )
        .order(supply_links::id.asc())
        .load(conn)?)
}

/// Inserts a link.
pub fn insert_link(conn: &mut DbConnection, row: &LinkRow) -> Result<(), ApiError> {
    diesel::insert_into(supply_links::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Soft-deletes a link; false if there was no such live link of the enterprise.
pub fn delete_link(
    conn: &mut DbConnection,
    enterprise_id: &str,
    link_id: &str,
) -> Result<Option<LinkRow>, ApiError> {
    let link: Option<LinkRow> = supply_links::table
        .filter(supply_links::id.eq(link_id))
        .filter(supply_links::deleted_at.is_null())
        .filter(
            supply_links::supplier_id
                .eq(enterprise_id)
                .or(supply_links::customer_id.eq(enterprise_id)),
        )
        .first(conn)
        .optional()?;
    if link.is_some() {
        diesel::update(supply_links::table.filter(supply_links::id.eq(link_id)))
            .set(supply_links::deleted_at.eq(Some(crate::core::db::now())))
            .execute(conn)?;
    }
    Ok(link)
}

/// Per node: live enterprises counted by local (`true`) or not, from the membership index
/// alone.
pub fn node_counts(
    conn: &mut DbConnection,
    node_ids: &[String],
) -> Result<Vec<(String, bool, i64)>, ApiError> {
    if node_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(enterprise_nodes::table
        .filter(enterprise_nodes::node_id.eq_any(node_ids))
        .group_by((enterprise_nodes::node_id, enterprise_nodes::is_local))
        .select((
            enterprise_nodes::node_id,
            enterprise_nodes::is_local,
            diesel::dsl::count_star(),
        ))
        .load(conn)?)
}

/// Live enterprises on the nodes with the given flags: (node id, enterprise), at most `limit`,
/// in node then id order.
pub fn enterprises_on_where(
    conn: &mut DbConnection,
    node_ids: &[String],
    leading: Option<bool>,
    local: Option<bool>,
    limit: i64,
) -> Result<Vec<(String, RecordRow)>, ApiError> {
    if node_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut members = enterprise_nodes::table
        .select((enterprise_nodes::node_id, enterprise_nodes::enterprise_id))
        .filter(enterprise_nodes::node_id.eq_any(node_ids))
        .into_boxed();
    if let Some(v) = leading {
        members = members.filter(enterprise_nodes::is_leading.eq(v));
    }
    if let Some(v) = local {
        members = members.filter(enterprise_nodes::is_local.eq(v));
    }
    let pairs: Vec<(String, String)> = members
        .order((
            enterprise_nodes::node_id.asc(),
            enterprise_nodes::enterprise_id.asc(),
        ))
        .limit(limit)
        .load(conn)?;
    let ids: Vec<String> = pairs.iter().map(|(_, e)| e.clone()).collect();
    let mut rows: std::collections::HashMap<String, RecordRow> = std::collections::HashMap::new();
    for chunk in ids.chunks(1000) {
        for r in records_by_ids(conn, chunk)? {
            rows.insert(r.id.clone(), r);
        }
    }
    Ok(pairs
        .into_iter()
        .filter_map(|(n, e)| rows.get(&e).cloned().map(|r| (n, r)))
        .collect())
}
