//! `seed-demo --scale N`: generated enterprises, investors, agencies, chain memberships and
//! supply links, deterministic for a seed, for benchmarks.

use std::time::Instant;

use anyhow::Context as _;
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use serde_json::json;
use zhaoshang_types::{
    AgencyFields, ChainMembership, ContactFields, EnterpriseFields, InvestorFields, InvestorStatus,
    OrgKind, Priority,
};

use super::credit_code;
use crate::core::audit;
use crate::core::db::schema::{contacts, supply_links};
use crate::core::db::{self, Database, DbConnection};
use crate::core::error::ApiError;
use crate::identity::store as identity;
use crate::library::store::{self as store, ContactRow, LinkRow, RecordRow};
use crate::library::{Agencies, Enterprises, Investors, Resource};

/// What `--scale` added and how long it took.
#[derive(Debug, Clone, Copy)]
pub struct ScaleReport {
    pub enterprises: usize,
    pub investors: usize,
    pub agencies: usize,
    pub seconds: f64,
}

const SYLLABLES: [&str; 40] = [
    "华", "兴", "泰", "宏", "瑞", "鑫", "隆", "恒", "诚", "信", "通", "达", "润", "丰", "盛", "源",
    "嘉", "德", "安", "康", "永", "昌", "明", "远", "新", "科", "创", "力", "方", "圆", "金", "银",
    "星", "辰", "海", "山", "江", "川", "凯", "越",
];
const TRADES: [&str; 16] = [
    "新材料",
    "化工",
    "电气",
    "机械",
    "科技",
    "食品",
    "矿业",
    "物流",
    "装备",
    "电子",
    "能源",
    "环保",
    "生物",
    "建材",
    "精密",
    "智能",
];
const SUFFIXES: [&str; 4] = ["有限公司", "股份有限公司", "集团有限公司", "有限责任公司"];

/// See [`super::seed_scale`].
pub(super) async fn seed(database: &Database, n: usize, seed: u64) -> anyhow::Result<ScaleReport> {
    let started = Instant::now();
    let mut generator = Generator::new(database, seed).await?;
    let agencies = generator.agencies((n / 100).max(1))?;
    let enterprises = generator.enterprises(n, &agencies)?;
    let investors = generator.investors(n / 10)?;
    let links = generator.links(n, &enterprises.ids);
    let report = ScaleReport {
        enterprises: n,
        investors: investors.rows.len(),
        agencies: agencies.rows.len(),
        seconds: 0.0,
    };
    write(database, agencies, enterprises, investors, links, seed).await?;
    analyze(database).await?;
    Ok(ScaleReport {
        seconds: started.elapsed().as_secs_f64(),
        ..report
    })
}

/// What the generator draws from, and its random numbers.
struct Generator {
    rng: StdRng,
    seed: u64,
    /// The bureau: it owns every generated record.
    owner: String,
    /// Live chain nodes, by id.
    nodes: Vec<String>,
    /// Every county-level division.
    counties: Vec<String>,
    /// The county-level divisions of 衢州.
    local: Vec<String>,
    /// GB/T 4754 classes (level 4).
    classes: Vec<String>,
    /// Where generated credit codes' organisation codes start.
    base: u64,
}

/// Generated agencies: their ids with their fields, and their rows.
struct GeneratedAgencies {
    ids: Vec<(String, AgencyFields)>,
    rows: Vec<RecordRow>,
}

/// Generated enterprises: rows, chain memberships and ids (in the order generated).
struct GeneratedEnterprises {
    rows: Vec<RecordRow>,
    memberships: Vec<store::Membership>,
    ids: Vec<String>,
}

/// Generated investors and a contact of each.
struct GeneratedInvestors {
    rows: Vec<RecordRow>,
    contacts: Vec<ContactRow>,
}

impl Generator {
    async fn new(database: &Database, seed: u64) -> anyhow::Result<Self> {
        let owner = database
            .read(|conn| identity::org_by_name(conn, OrgKind::Bureau, "衢州市招商局"))
            .await
            .map_err(ApiError::into_anyhow)?
            .context("seed the demo first (the bureau 衢州市招商局 owns generated records)")?
            .id;
        let nodes: Vec<String> = database
            .read(|conn| {
                use crate::core::db::schema::chain_nodes;
                Ok(chain_nodes::table
                    .select(chain_nodes::id)
                    .filter(chain_nodes::deleted_at.is_null())
                    .order(chain_nodes::id)
                    .load::<String>(conn)?)
            })
            .await
            .map_err(ApiError::into_anyhow)?;
        let reference = crate::core::reference::get();
        let counties: Vec<String> = reference
            .divisions
            .iter()
            .filter(|d| d.level == "county")
            .map(|d| d.code.clone())
            .collect();
        let local = counties
            .iter()
            .filter(|c| c.starts_with("3308"))
            .cloned()
            .collect();
        let classes = reference
            .industries
            .iter()
            .filter(|c| c.level == 4)
            .map(|c| c.code.clone())
            .collect();
        Ok(Self {
            rng: StdRng::seed_from_u64(seed),
            seed,
            owner,
            nodes,
            counties,
            local,
            classes,
            base: seed.wrapping_mul(1_000_003) % 900_000_000,
        })
    }

    /// A company name: the place, two syllables, a trade, the number and a legal form.
    fn name(&mut self, place: &str, i: usize) -> String {
        let a = SYLLABLES[self.rng.random_range(0..SYLLABLES.len())];
        let b = SYLLABLES[self.rng.random_range(0..SYLLABLES.len())];
        let trade = TRADES[self.rng.random_range(0..TRADES.len())];
        let suffix = SUFFIXES[self.rng.random_range(0..SUFFIXES.len())];
        format!("{place}{a}{b}{trade}{i}{suffix}")
    }

    /// Up to three characters of a division's name, without its 区, 县 or 市.
    fn place_of(code: &str) -> String {
        crate::core::reference::get()
            .division(code)
            .map(|d| {
                d.name
                    .trim_end_matches(['区', '县', '市'])
                    .chars()
                    .take(3)
                    .collect::<String>()
            })
            .unwrap_or_default()
    }

    fn random_county(&mut self) -> String {
        self.counties[self.rng.random_range(0..self.counties.len())].clone()
    }

    fn random_class(&mut self) -> String {
        self.classes[self.rng.random_range(0..self.classes.len())].clone()
    }

    fn agencies(&mut self, count: usize) -> anyhow::Result<GeneratedAgencies> {
        let mut ids = Vec::with_capacity(count);
        let mut rows = Vec::with_capacity(count);
        for i in 0..count {
            let region = self.random_county();
            let fields = AgencyFields {
                name: format!(
                    "{}{}招商咨询{}",
                    Self::place_of(&region),
                    SYLLABLES[i % 40],
                    i
                ),
                region_code: Some(region),
                owner_org_id: Some(self.owner.clone()),
                ..Default::default()
            };
            let id = uuid::Uuid::now_v7().to_string();
            rows.push(self.row::<Agencies>(id.clone(), &fields)?);
            ids.push((id, fields));
        }
        Ok(GeneratedAgencies { ids, rows })
    }

    fn enterprises(
        &mut self,
        n: usize,
        agencies: &GeneratedAgencies,
    ) -> anyhow::Result<GeneratedEnterprises> {
        let mut rows = Vec::with_capacity(n);
        let mut memberships = Vec::new();
        let mut ids = Vec::with_capacity(n);
        for i in 0..n {
            let is_local = self.rng.random_bool(0.3);
            let region = if is_local {
                self.local[self.rng.random_range(0..self.local.len())].clone()
            } else {
                self.random_county()
            };
            let id = uuid::Uuid::now_v7().to_string();
            let is_leading = self.rng.random_bool(0.02);
            let mut chain_nodes = Vec::new();
            if !self.nodes.is_empty() && self.rng.random_bool(0.5) {
                let node_id = self.nodes[self.rng.random_range(0..self.nodes.len())].clone();
                memberships.push(store::Membership {
                    enterprise_id: id.clone(),
                    node_id: node_id.clone(),
                    role: None,
                    is_local,
                    is_leading,
                });
                chain_nodes.push(ChainMembership {
                    node_id,
                    role: None,
                });
            }
            let sourced = self.rng.random_bool(0.2);
            let agency = sourced.then(|| {
                agencies.ids[self.rng.random_range(0..agencies.ids.len())]
                    .0
                    .clone()
            });
            let fields = EnterpriseFields {
                name: self.name(&Self::place_of(&region), i),
                credit_code: Some(credit_code(&region, self.base + i as u64)),
                region_code: Some(region),
                is_local,
                is_leading,
                industry_codes: vec![self.random_class()],
                employees: Some(self.rng.random_range(5..5000)),
                annual_output_yuan: Some(self.rng.random_range(1_000_000..5_000_000_000)),
                chain_nodes,
                external_id: agency.as_ref().map(|_| format!("GEN-{}-{i}", self.seed)),
                source_agency_id: agency,
                owner_org_id: Some(self.owner.clone()),
                ..Default::default()
            };
            rows.push(self.row::<Enterprises>(id.clone(), &fields)?);
            ids.push(id);
        }
        Ok(GeneratedEnterprises {
            rows,
            memberships,
            ids,
        })
    }

    fn investors(&mut self, count: usize) -> anyhow::Result<GeneratedInvestors> {
        let mut rows = Vec::with_capacity(count);
        let mut contacts = Vec::with_capacity(count);
        for i in 0..count {
            let region = self.random_county();
            let fields = InvestorFields {
                name: self.name(&Self::place_of(&region), i),
                region_code: Some(region),
                industry_codes: vec![self.random_class()],
                status: [
                    InvestorStatus::Prospect,
                    InvestorStatus::Contacting,
                    InvestorStatus::Negotiating,
                    InvestorStatus::Invested,
                    InvestorStatus::Dormant,
                ][self.rng.random_range(0..5)],
                priority: [Priority::A, Priority::B, Priority::C][self.rng.random_range(0..3)],
                owner_org_id: Some(self.owner.clone()),
                ..Default::default()
            };
            let id = uuid::Uuid::now_v7().to_string();
            contacts.push(ContactRow::new(
                id.clone(),
                ContactFields {
                    name: format!("联系人{i}"),
                    title: Some("总经理".into()),
                    phone: Some(format!(
                        "139{:08}",
                        self.rng.random_range(0..100_000_000u32)
                    )),
                    email: Some(format!("contact{i}@example.com")),
                    ..ContactFields::default()
                },
            ));
            rows.push(self.row::<Investors>(id, &fields)?);
        }
        Ok(GeneratedInvestors { rows, contacts })
    }

    /// n/10 draws of a supplier and a customer among the enterprises (a draw of the same
    /// enterprise twice adds no link).
    fn links(&mut self, n: usize, enterprises: &[String]) -> Vec<LinkRow> {
        let mut rows = Vec::with_capacity(n / 10);
        for _ in 0..n / 10 {
            let a = self.rng.random_range(0..n);
            let b = self.rng.random_range(0..n);
            if a != b {
                rows.push(LinkRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    supplier_id: enterprises[a].clone(),
                    customer_id: enterprises[b].clone(),
                    product: Some(TRADES[self.rng.random_range(0..TRADES.len())].to_owned()),
                    notes: None,
                    created_at: db::now(),
                    created_by: None,
                    deleted_at: None,
                });
            }
        }
        rows
    }

    /// The row of a generated record, owned by the bureau.
    fn row<R: Resource>(&self, id: String, fields: &R::Fields) -> anyhow::Result<RecordRow> {
        RecordRow::new(
            id,
            R::RESOURCE,
            self.owner.clone(),
            None,
            &R::index(fields),
            fields,
        )
        .map_err(ApiError::into_anyhow)
    }
}

/// Writes what was generated: the agencies with their login organisations first, then the
/// enterprises and the investors in transactions of 50,000 rows (fast, and a failure loses at
/// most one chunk's work), then contacts, memberships, links and the audit row.
async fn write(
    database: &Database,
    agencies: GeneratedAgencies,
    enterprises: GeneratedEnterprises,
    investors: GeneratedInvestors,
    links: Vec<LinkRow>,
    seed: u64,
) -> anyhow::Result<()> {
    let orgs: Vec<identity::OrgRow> = agencies
        .ids
        .iter()
        .map(|(id, f)| identity::OrgRow {
            id: id.clone(),
            ..identity::OrgRow::new(OrgKind::Agency, f.name.clone(), f.region_code.clone(), None)
        })
        .collect();
    let counts = json!({
        "enterprises": enterprises.rows.len(),
        "investors": investors.rows.len(),
        "agencies": agencies.rows.len(),
        "seed": seed,
    });
    let agency_rows = agencies.rows;
    database
        .write(move |conn| {
            for o in &orgs {
                identity::insert_org(conn, o)?;
            }
            store::insert_many(conn, &agency_rows)?;
            Ok(())
        })
        .await
        .map_err(ApiError::into_anyhow)?;
    for rows in [&enterprises.rows, &investors.rows] {
        for chunk in rows.chunks(50_000) {
            let chunk = chunk.to_vec();
            database
                .write(move |conn| store::insert_many(conn, &chunk))
                .await
                .map_err(ApiError::into_anyhow)?;
        }
    }
    let (contact_rows, memberships) = (investors.contacts, enterprises.memberships);
    database
        .write(move |conn| {
            bulk_contacts(conn, &contact_rows)?;
            store::insert_memberships(conn, &memberships)?;
            bulk_links(conn, &links)?;
            audit::record(
                conn,
                &audit::Actor::cli(),
                "seed",
                "scale",
                None,
                Some(counts),
            )
        })
        .await
        .map_err(ApiError::into_anyhow)
}

/// Fresh statistics, so that the query planners choose the indexes they should. On PostgreSQL
/// also VACUUM: it marks the new pages all-visible, without which index-only scans (search-term
/// postings, chain counts) fetch every row from the table as well (a four-character search at a
/// million: 120 ms p99 before, measured), until autovacuum gets round to the tables.
async fn analyze(database: &Database) -> anyhow::Result<()> {
    database
        .read(|conn| {
            use diesel::connection::SimpleConnection as _;
            let sql = match conn {
                DbConnection::Postgres(_) => "VACUUM ANALYZE",
                DbConnection::Sqlite(_) => "ANALYZE",
            };
            conn.batch_execute(sql)?;
            Ok(())
        })
        .await
        .map_err(ApiError::into_anyhow)
}

crate::bulk_insert!(fn bulk_contacts(contacts::table, ContactRow, 2000, 2000));
crate::bulk_insert!(fn bulk_links(supply_links::table, LinkRow, 3000, 3000));
