//! The 衢州 demo: the JSON files under `api/data/demo/` (compiled into the binary, described in
//! their README), loaded into a [`Demo`].
//!
//! Records name each other (an owner organisation, a source agency, a chain node, an industry);
//! one walk over the data turns the names into ids as things are created, in the order of the
//! files, through a [`Sink`]. [`Demo::load`] makes that walk without a database (a dry run:
//! every name must be of something listed before it, every record must pass the library's field
//! rules); [`super::writer`] makes it in a transaction.

use std::collections::HashMap;

use anyhow::Context as _;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use zhaoshang_types::{
    AgencyFields, ChainNodeFields, ContactFields, EnterpriseFields, IndustryFields, InvestorFields,
    NodePosition, OrgKind, Role, TargetRegionFields,
};

use super::DEMO_ADMIN;
use super::strict::strict;
use crate::core::error::ApiError;
use crate::library::validate::Errors;
use crate::library::{Agencies, Enterprises, Industries, Investors, Resource, TargetRegions};

/// A data file: its name under `api/data/demo/` and its text.
type File = (&'static str, &'static str);

macro_rules! demo_file {
    ($name:literal) => {
        ($name, include_str!(concat!("../../data/demo/", $name)))
    };
}

const ORGS: File = demo_file!("orgs.json");
const USERS: File = demo_file!("users.json");
const AGENCIES: File = demo_file!("agencies.json");
const INDUSTRIES: File = demo_file!("industries.json");
const ENTERPRISES: File = demo_file!("enterprises.json");
const LINKS: File = demo_file!("links.json");
const INVESTORS: File = demo_file!("investors.json");
const TARGET_REGIONS: File = demo_file!("target_regions.json");

/// An organisation; `parent` names one listed before it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Org {
    pub(super) kind: OrgKind,
    pub(super) name: String,
    #[serde(default)]
    pub(super) region_code: Option<String>,
    #[serde(default)]
    parent: Option<String>,
}

/// A user; `org` names an organisation or an agency (its login organisation).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct User {
    pub(super) username: String,
    pub(super) display_name: String,
    pub(super) role: Role,
    org: String,
}

/// A record (agency or investor) with its contacts (`contacts` in the file's item).
#[derive(Debug, Clone)]
struct WithContacts<F> {
    fields: F,
    contacts: Vec<ContactFields>,
}

/// An industry with its chain (`chain` in the file's item).
#[derive(Debug, Clone)]
struct Industry {
    fields: IndustryFields,
    chain: Vec<Node>,
}

/// A node of an industry's chain; `parent` names a node of the same chain listed before it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Node {
    name: String,
    position: NodePosition,
    #[serde(default)]
    parent: Option<String>,
    #[serde(default)]
    key_products: Vec<String>,
    #[serde(default)]
    notes: Option<String>,
}

/// A supply link between two enterprises, by name.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Link {
    supplier: String,
    customer: String,
    #[serde(default)]
    pub(super) product: Option<String>,
    #[serde(default)]
    pub(super) notes: Option<String>,
}

/// The demo data, in the order it is written.
#[derive(Debug, Clone)]
pub(super) struct Demo {
    orgs: Vec<Org>,
    users: Vec<User>,
    agencies: Vec<WithContacts<AgencyFields>>,
    industries: Vec<Industry>,
    enterprises: Vec<EnterpriseFields>,
    links: Vec<Link>,
    investors: Vec<WithContacts<InvestorFields>>,
    target_regions: Vec<TargetRegionFields>,
}

impl Demo {
    /// Parses the data files and checks them by a dry run of the write.
    pub(super) fn load() -> anyhow::Result<Self> {
        let demo = Self {
            orgs: parse(ORGS)?,
            users: parse(USERS)?,
            agencies: parse_with(AGENCIES, "contacts", |fields, contacts| WithContacts {
                fields,
                contacts,
            })?,
            industries: parse_with(INDUSTRIES, "chain", |fields, chain| Industry {
                fields,
                chain,
            })?,
            enterprises: parse(ENTERPRISES)?,
            links: parse(LINKS)?,
            investors: parse_with(INVESTORS, "contacts", |fields, contacts| WithContacts {
                fields,
                contacts,
            })?,
            target_regions: parse(TARGET_REGIONS)?,
        };
        demo.walk(&mut DryRun)
            .map_err(ApiError::into_anyhow)
            .context("the demo data under api/data/demo does not hold together")?;
        Ok(demo)
    }

    /// The users' names and roles, in order.
    pub(super) fn users(&self) -> impl Iterator<Item = (&str, Role)> {
        self.users.iter().map(|u| (u.username.as_str(), u.role))
    }

    /// Creates everything through `sink`, resolving names to the ids it returns.
    pub(super) fn walk(&self, sink: &mut impl Sink) -> Result<(), ApiError> {
        let mut ids = Ids::default();
        self.orgs(sink, &mut ids)?;
        self.agencies(sink, &mut ids)?;
        self.users_of(sink, &ids)?;
        self.industries(sink, &mut ids)?;
        self.enterprises(sink, &mut ids)?;
        self.investors(sink, &ids)?;
        self.target_regions(sink, &ids)?;
        sink.finish(json!({
            "orgs": self.orgs.len(),
            "users": self.users.len(),
            "industries": self.industries.len(),
            "enterprises": self.enterprises.len(),
            "investors": self.investors.len(),
            "agencies": self.agencies.len(),
            "target_regions": self.target_regions.len(),
        }))
    }

    fn orgs(&self, sink: &mut impl Sink, ids: &mut Ids) -> Result<(), ApiError> {
        for org in &self.orgs {
            let at = At::new(ORGS, &org.name);
            let parent = match &org.parent {
                Some(p) => Some(ids.orgs.id(p, at, "parent")?),
                None => None,
            };
            let id = sink.org(org, parent)?;
            ids.orgs.add(&org.name, id, at)?;
        }
        Ok(())
    }

    /// Agencies, each with its login organisation (the same id): users and records name them
    /// as organisations too.
    fn agencies(&self, sink: &mut impl Sink, ids: &mut Ids) -> Result<(), ApiError> {
        for agency in &self.agencies {
            let at = At::new(AGENCIES, &agency.fields.name);
            let fields = resolve_common::<Agencies>(agency.fields.clone(), ids, at)?;
            let id = sink.record::<Agencies>(fields)?;
            for contact in &agency.contacts {
                sink.contact(&id, contact)?;
            }
            ids.orgs.add(&agency.fields.name, id.clone(), at)?;
            ids.agencies.add(&agency.fields.name, id, at)?;
        }
        Ok(())
    }

    fn users_of(&self, sink: &mut impl Sink, ids: &Ids) -> Result<(), ApiError> {
        if !self.users.iter().any(|u| u.username == DEMO_ADMIN) {
            return Err(ApiError::invalid_field(
                USERS.0,
                "required",
                format!("the demo needs its administrator {DEMO_ADMIN}"),
            ));
        }
        for (index, user) in self.users.iter().enumerate() {
            let org = ids
                .orgs
                .id(&user.org, At::new(USERS, &user.username), "org")?;
            sink.user(index, user, org)?;
        }
        Ok(())
    }

    /// Industries, then their chains' nodes (`industry/node` names a node elsewhere).
    fn industries(&self, sink: &mut impl Sink, ids: &mut Ids) -> Result<(), ApiError> {
        let mut industry_ids = Vec::with_capacity(self.industries.len());
        for industry in &self.industries {
            let at = At::new(INDUSTRIES, &industry.fields.name);
            let fields = resolve_common::<Industries>(industry.fields.clone(), ids, at)?;
            let id = sink.record::<Industries>(fields)?;
            ids.industries.add(&industry.fields.name, id.clone(), at)?;
            industry_ids.push(id);
        }
        for (industry, industry_id) in self.industries.iter().zip(&industry_ids) {
            let mut chain = Names::default();
            for node in &industry.chain {
                let key = format!("{}/{}", industry.fields.name, node.name);
                let at = At::new(INDUSTRIES, &key);
                let parent_id = match &node.parent {
                    Some(p) => Some(chain.id(p, at, "parent")?),
                    None => None,
                };
                let id = sink.node(
                    industry_id,
                    ChainNodeFields {
                        name: node.name.clone(),
                        position: node.position,
                        parent_id,
                        key_products: node.key_products.clone(),
                        notes: node.notes.clone(),
                    },
                )?;
                chain.add(&node.name, id.clone(), at)?;
                ids.nodes.add(&key, id, at)?;
            }
        }
        Ok(())
    }

    /// Enterprises (on chain nodes named `industry/node`), then the supply links between them.
    fn enterprises(&self, sink: &mut impl Sink, ids: &mut Ids) -> Result<(), ApiError> {
        for enterprise in &self.enterprises {
            let at = At::new(ENTERPRISES, &enterprise.name);
            let mut fields = resolve_common::<Enterprises>(enterprise.clone(), ids, at)?;
            for membership in &mut fields.chain_nodes {
                membership.node_id = ids.nodes.id(&membership.node_id, at, "chain_nodes")?;
            }
            let id = sink.record::<Enterprises>(fields)?;
            ids.enterprises.add(&enterprise.name, id, at)?;
        }
        for link in &self.links {
            let at = At::new(LINKS, &link.supplier);
            let supplier = ids.enterprises.id(&link.supplier, at, "supplier")?;
            let customer = ids.enterprises.id(&link.customer, at, "customer")?;
            sink.link(supplier, customer, link)?;
        }
        Ok(())
    }

    fn investors(&self, sink: &mut impl Sink, ids: &Ids) -> Result<(), ApiError> {
        for investor in &self.investors {
            let at = At::new(INVESTORS, &investor.fields.name);
            let fields = resolve_common::<Investors>(investor.fields.clone(), ids, at)?;
            let id = sink.record::<Investors>(fields)?;
            for contact in &investor.contacts {
                sink.contact(&id, contact)?;
            }
        }
        Ok(())
    }

    fn target_regions(&self, sink: &mut impl Sink, ids: &Ids) -> Result<(), ApiError> {
        for region in &self.target_regions {
            let at = At::new(TARGET_REGIONS, &region.name);
            let mut fields = resolve_common::<TargetRegions>(region.clone(), ids, at)?;
            for industry in &mut fields.industry_ids {
                *industry = ids.industries.id(industry, at, "industry_ids")?;
            }
            for org in &mut fields.responsible_org_ids {
                *org = ids.orgs.id(org, at, "responsible_org_ids")?;
            }
            sink.record::<TargetRegions>(fields)?;
        }
        Ok(())
    }
}

/// Resolves what every record names: its owner (required) and its source agency (if any).
fn resolve_common<R: Resource>(
    mut fields: R::Fields,
    ids: &Ids,
    at: At<'_>,
) -> Result<R::Fields, ApiError> {
    let owner = R::owner(&fields).ok_or_else(|| {
        ApiError::invalid_field(
            at.field("owner_org_id"),
            "required",
            "a demo record names its owner",
        )
    })?;
    let owner = ids.orgs.id(owner, at, "owner_org_id")?;
    R::set_owner(&mut fields, owner);
    if let Some(agency) = R::index(&fields).source_agency_id {
        let agency = ids.agencies.id(&agency, at, "source_agency_id")?;
        R::set_source_agency(&mut fields, Some(agency));
    }
    Ok(fields)
}

/// The ids of what was created so far, by name.
#[derive(Debug, Default)]
struct Ids {
    /// Organisations and agencies (an agency's login organisation has its id).
    orgs: Names,
    agencies: Names,
    industries: Names,
    /// Chain nodes, by `industry/node`.
    nodes: Names,
    enterprises: Names,
}

/// Ids by name.
#[derive(Debug, Default)]
struct Names(HashMap<String, String>);

impl Names {
    fn add(&mut self, name: &str, id: String, at: At<'_>) -> Result<(), ApiError> {
        if self.0.insert(name.to_owned(), id).is_some() {
            return Err(ApiError::invalid_field(
                at.field("name"),
                "duplicate",
                format!("{name} is listed twice"),
            ));
        }
        Ok(())
    }

    fn id(&self, name: &str, at: At<'_>, field: &str) -> Result<String, ApiError> {
        self.0.get(name).cloned().ok_or_else(|| {
            ApiError::invalid_field(
                at.field(field),
                "unknown_reference",
                format!("nothing named {name} is listed before it"),
            )
        })
    }
}

/// Where in the data a name is used: the file and the record.
#[derive(Debug, Clone, Copy)]
struct At<'a> {
    file: &'static str,
    record: &'a str,
}

impl<'a> At<'a> {
    fn new(file: File, record: &'a str) -> Self {
        Self {
            file: file.0,
            record,
        }
    }

    fn field(self, field: &str) -> String {
        format!("{} ({}) {field}", self.file, self.record)
    }
}

/// What the walk over the demo creates things with.
pub(super) trait Sink {
    fn org(&mut self, org: &Org, parent: Option<String>) -> Result<String, ApiError>;
    /// The `index`th user of the data.
    fn user(&mut self, index: usize, user: &User, org: String) -> Result<(), ApiError>;
    fn record<R: Resource>(&mut self, fields: R::Fields) -> Result<String, ApiError>;
    fn node(&mut self, industry: &str, fields: ChainNodeFields) -> Result<String, ApiError>;
    fn contact(&mut self, record: &str, fields: &ContactFields) -> Result<(), ApiError>;
    fn link(&mut self, supplier: String, customer: String, link: &Link) -> Result<(), ApiError>;
    /// After everything: the counts of what was created.
    fn finish(&mut self, counts: Value) -> Result<(), ApiError>;
}

/// Checks demo fields like any API caller's.
pub(super) fn checked<R: Resource>(mut fields: R::Fields) -> Result<R::Fields, ApiError> {
    let mut errors = Errors::default();
    R::normalize(&mut fields, &mut errors);
    if !errors.0.is_empty() {
        return Err(ApiError::validation(errors.0));
    }
    Ok(fields)
}

/// Creates nothing: ids are names. Records' fields are checked.
struct DryRun;

impl Sink for DryRun {
    fn org(&mut self, org: &Org, _parent: Option<String>) -> Result<String, ApiError> {
        Ok(org.name.clone())
    }

    fn user(&mut self, _index: usize, _user: &User, _org: String) -> Result<(), ApiError> {
        Ok(())
    }

    fn record<R: Resource>(&mut self, fields: R::Fields) -> Result<String, ApiError> {
        let fields = checked::<R>(fields)?;
        Ok(format!("{}:{}", R::RESOURCE, R::index(&fields).name))
    }

    fn node(&mut self, industry: &str, fields: ChainNodeFields) -> Result<String, ApiError> {
        Ok(format!("{industry}/{}", fields.name))
    }

    fn contact(&mut self, _record: &str, _fields: &ContactFields) -> Result<(), ApiError> {
        Ok(())
    }

    fn link(&mut self, _supplier: String, _customer: String, _link: &Link) -> Result<(), ApiError> {
        Ok(())
    }

    fn finish(&mut self, _counts: Value) -> Result<(), ApiError> {
        Ok(())
    }
}

/// The items of a data file, each decoded strictly.
fn parse<T: DeserializeOwned + Serialize>(file: File) -> anyhow::Result<Vec<T>> {
    items(file)?
        .into_iter()
        .map(|(at, item)| strict(item).context(at))
        .collect()
}

/// The items of a data file, each a record's fields with what goes with it under `key` (none:
/// an empty list), decoded strictly and put together by `make`.
fn parse_with<F, X, T>(file: File, key: &str, make: impl Fn(F, X) -> T) -> anyhow::Result<Vec<T>>
where
    F: DeserializeOwned + Serialize,
    X: DeserializeOwned + Serialize + Default,
{
    let mut parsed = Vec::new();
    for (at, mut item) in items(file)? {
        let extra = match item.as_object_mut().and_then(|o| o.remove(key)) {
            Some(extra) => strict(extra).with_context(|| format!("{at}.{key}"))?,
            None => X::default(),
        };
        parsed.push(make(strict(item).context(at)?, extra));
    }
    Ok(parsed)
}

/// The items of a data file (a JSON array), each with where it is.
fn items((name, text): File) -> anyhow::Result<Vec<(String, Value)>> {
    let items: Vec<Value> =
        serde_json::from_str(text).with_context(|| format!("api/data/demo/{name}"))?;
    Ok(items
        .into_iter()
        .enumerate()
        .map(|(i, item)| (format!("api/data/demo/{name}[{i}]"), item))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_data_loads_and_holds_together() {
        let demo = Demo::load().expect("the demo data loads");
        assert_eq!(demo.users().next(), Some((DEMO_ADMIN, Role::Admin)));
        assert_eq!(
            demo.users().map(|u| u.1).collect::<Vec<_>>(),
            Role::ALL.to_vec(),
            "a user for each role"
        );
        let nodes: usize = demo.industries.iter().map(|i| i.chain.len()).sum();
        assert_eq!(
            (
                demo.orgs.len(),
                demo.agencies.len(),
                demo.industries.len(),
                nodes,
                demo.enterprises.len(),
                demo.links.len(),
                demo.investors.len(),
                demo.target_regions.len(),
            ),
            (26, 3, 7, 17, 10, 6, 6, 4)
        );
    }

    #[test]
    fn a_name_of_nothing_listed_before_is_refused() {
        let mut demo = Demo::load().expect("the demo data loads");
        demo.enterprises[0].chain_nodes[0].node_id = "氟化工及新材料/不存在".into();
        let err = demo.walk(&mut DryRun).expect_err("unknown node");
        assert_eq!(err.code(), "validation_failed");
        let message = err.into_anyhow().to_string();
        assert!(
            message.contains("enterprises.json") && message.contains("不存在"),
            "{message}"
        );

        let mut demo = Demo::load().expect("the demo data loads");
        demo.orgs.swap(0, 1);
        let message = demo
            .walk(&mut DryRun)
            .expect_err("a parent after its child")
            .into_anyhow()
            .to_string();
        assert!(
            message.contains("orgs.json (衢州市本级) parent"),
            "{message}"
        );
    }

    #[test]
    fn demo_records_pass_the_library_rules() {
        let mut demo = Demo::load().expect("the demo data loads");
        demo.enterprises[0].credit_code = Some("913308020000100016".into());
        let message = demo
            .walk(&mut DryRun)
            .expect_err("a wrong check character")
            .into_anyhow()
            .to_string();
        assert!(message.contains("credit_code"), "{message}");
    }
}
