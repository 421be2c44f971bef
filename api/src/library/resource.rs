//! One [`Resource`] description per kind of library record; the generic machinery in the
//! library's service, store and routes serves them all alike.

use serde::Serialize;
use serde::de::DeserializeOwned;
use zhaoshang_types::{
    AgencyFields, EnterpriseFields, IndustryFields, InvestorFields, TargetRegionFields,
};

use super::store;
use super::validate::Errors;
use crate::core::db::DbConnection;

use crate::core::error::ApiError;
use crate::identity::service as identity;

/// What the database indexes of a record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Index {
    pub name: String,
    pub also_known_as: Vec<String>,
    pub kind: Option<String>,
    pub status: Option<String>,
    pub priority: Option<String>,
    pub region_code: Option<String>,
    pub country: Option<String>,
    pub credit_code: Option<String>,
    pub industry_codes: Vec<String>,
    pub tags: Vec<String>,
    pub source_agency_id: Option<String>,
    pub external_id: Option<String>,
    pub is_local: Option<bool>,
    pub is_leading: Option<bool>,
}

/// One kind of library record.
pub trait Resource: 'static {
    /// The writable fields.
    type Fields: Serialize + DeserializeOwned + Clone + Default + Send + Sync + 'static;
    /// Stored in `records.resource` and in audit rows.
    const RESOURCE: &'static str;
    /// Path segment under `/api/v1`.
    const PATH: &'static str;
    /// The writable field names (anything else in a body is rejected by name).
    const FIELDS: &'static [&'static str];
    /// Agencies may create and sync these (investors, enterprises).
    const AGENCY_SOURCED: bool;

    /// The values the list filter `kind`, `status` or `priority` may take on this resource;
    /// empty when the resource has no such field.
    fn filter_values(_filter: EnumFilter) -> &'static [String] {
        &[]
    }

    /// Trims, normalises and checks the fields against the reference data.
    fn normalize(fields: &mut Self::Fields, errors: &mut Errors);
    /// What the database indexes.
    fn index(fields: &Self::Fields) -> Index;
    /// The owning organisation named in the fields.
    fn owner(fields: &Self::Fields) -> Option<&str>;
    /// Sets the owning organisation.
    fn set_owner(fields: &mut Self::Fields, owner: String);
    /// Sets the source agency (agency-sourced resources only).
    fn set_source_agency(_fields: &mut Self::Fields, _agency: Option<String>) {}

    /// Checks what the fields refer to in the database (nodes, organisations, industries).
    fn check_references(
        _conn: &mut DbConnection,
        _fields: &Self::Fields,
        _errors: &mut Errors,
    ) -> Result<(), ApiError> {
        Ok(())
    }

    /// After a soft delete (`deleted`) or a restore: keeps what indexes live records in step.
    fn after_soft_delete(
        _conn: &mut DbConnection,
        _id: &str,
        _fields: &Self::Fields,
        _deleted: bool,
    ) -> Result<(), ApiError> {
        Ok(())
    }

    /// Writes what goes with the record besides its row (chain memberships, the agency's login
    /// organisation), in the same transaction.
    fn after_write(
        _conn: &mut DbConnection,
        _id: &str,
        _fields: &Self::Fields,
        _created: bool,
    ) -> Result<(), ApiError> {
        Ok(())
    }

    /// `after_write` for many records inserted together (batch syncs); resources whose
    /// companions can be written with multi-row statements do so.
    fn after_insert_many(
        conn: &mut DbConnection,
        items: &[(String, Self::Fields)],
    ) -> Result<(), ApiError> {
        for (id, fields) in items {
            Self::after_write(conn, id, fields, true)?;
        }
        Ok(())
    }
}

/// `owner` and `set_owner` over the fields' `owner_org_id`, alike for every resource.
macro_rules! owner_field {
    ($fields:ty) => {
        fn owner(f: &$fields) -> Option<&str> {
            f.owner_org_id.as_deref()
        }

        fn set_owner(f: &mut $fields, owner: String) {
            f.owner_org_id = Some(owner);
        }
    };
}

/// `set_source_agency` over the fields' `source_agency_id` (agency-sourced resources).
macro_rules! source_agency_field {
    ($fields:ty) => {
        fn set_source_agency(f: &mut $fields, agency: Option<String>) {
            f.source_agency_id = agency;
        }
    };
}

/// A list filter over an enumerated field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnumFilter {
    Kind,
    Status,
    Priority,
}

impl EnumFilter {
    /// The query parameter.
    pub fn name(self) -> &'static str {
        match self {
            Self::Kind => "kind",
            Self::Status => "status",
            Self::Priority => "priority",
        }
    }
}

/// The wire values of an enumeration, as its schema in the API document lists them.
fn schema_values<T: utoipa::PartialSchema>() -> Vec<String> {
    use utoipa::openapi::{RefOr, Schema};
    match T::schema() {
        RefOr::T(Schema::Object(object)) => object
            .enum_values
            .unwrap_or_default()
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// `filter_values` of a resource: each arm names the enumeration of one filter.
macro_rules! filter_values {
    ($($filter:ident => $enum:ty),* $(,)?) => {
        fn filter_values(filter: EnumFilter) -> &'static [String] {
            match filter {
                $(EnumFilter::$filter => {
                    static VALUES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
                    VALUES.get_or_init(schema_values::<$enum>)
                })*
                #[allow(unreachable_patterns)]
                _ => &[],
            }
        }
    };
}

fn enum_str<T: Serialize>(value: &T) -> Option<String> {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
}

/// 重点客商.
pub struct Investors;
/// 中介机构.
pub struct Agencies;
/// 重点区域.
pub struct TargetRegions;
/// 重点产业.
pub struct Industries;
/// 相关企业.
pub struct Enterprises;

impl Resource for Investors {
    type Fields = InvestorFields;
    const RESOURCE: &'static str = "investor";
    const PATH: &'static str = "investors";
    const FIELDS: &'static [&'static str] = &[
        "name",
        "name_en",
        "aliases",
        "kind",
        "credit_code",
        "country",
        "region_code",
        "headquarters",
        "industry_codes",
        "interests",
        "fortune500_rank",
        "status",
        "priority",
        "source_agency_id",
        "external_id",
        "owner_org_id",
        "tags",
        "notes",
    ];
    const AGENCY_SOURCED: bool = true;
    filter_values!(Kind => zhaoshang_types::InvestorKind, Status => zhaoshang_types::InvestorStatus, Priority => zhaoshang_types::Priority);

    fn normalize(f: &mut InvestorFields, e: &mut Errors) {
        e.text("name", &mut f.name, 200);
        e.opt_text("name_en", &mut f.name_en, 200);
        e.list("aliases", &mut f.aliases, 20, 200);
        e.credit_code("credit_code", &mut f.credit_code);
        e.country("country", &mut f.country);
        e.region("region_code", &mut f.region_code);
        e.opt_text("headquarters", &mut f.headquarters, 200);
        e.industries("industry_codes", &mut f.industry_codes);
        e.opt_text("interests", &mut f.interests, 4000);
        if f.fortune500_rank.is_some_and(|r| !(1..=500).contains(&r)) {
            e.push(
                "fortune500_rank",
                "out_of_range",
                "fortune500_rank is between 1 and 500",
            );
        }
        e.opt_text("external_id", &mut f.external_id, 200);
        e.list("tags", &mut f.tags, 30, 50);
        e.opt_text("notes", &mut f.notes, 10_000);
    }

    fn index(f: &InvestorFields) -> Index {
        Index {
            name: f.name.clone(),
            also_known_as: f.aliases.iter().cloned().chain(f.name_en.clone()).collect(),
            kind: enum_str(&f.kind),
            status: enum_str(&f.status),
            priority: enum_str(&f.priority),
            region_code: f.region_code.clone(),
            country: f.country.clone(),
            credit_code: f.credit_code.clone(),
            industry_codes: f.industry_codes.clone(),
            tags: f.tags.clone(),
            source_agency_id: f.source_agency_id.clone(),
            external_id: f.external_id.clone(),
            ..Index::default()
        }
    }

    owner_field!(InvestorFields);
    source_agency_field!(InvestorFields);
}

impl Resource for Agencies {
    type Fields = AgencyFields;
    const RESOURCE: &'static str = "agency";
    const PATH: &'static str = "agencies";
    const FIELDS: &'static [&'static str] = &[
        "name",
        "kind",
        "credit_code",
        "country",
        "region_code",
        "covered_region_codes",
        "industry_codes",
        "agreement",
        "status",
        "owner_org_id",
        "tags",
        "notes",
    ];
    const AGENCY_SOURCED: bool = false;
    filter_values!(Kind => zhaoshang_types::AgencyKind, Status => zhaoshang_types::AgencyStatus);

    fn normalize(f: &mut AgencyFields, e: &mut Errors) {
        e.text("name", &mut f.name, 100);
        e.credit_code("credit_code", &mut f.credit_code);
        e.country("country", &mut f.country);
        e.region("region_code", &mut f.region_code);
        e.regions("covered_region_codes", &mut f.covered_region_codes);
        e.industries("industry_codes", &mut f.industry_codes);
        if let Some(a) = f.agreement.as_mut() {
            if a.expires_on.is_some_and(|x| x < a.signed_on) {
                e.push(
                    "agreement.expires_on",
                    "before_start",
                    "the agreement cannot expire before it was signed",
                );
            }
            e.opt_text("agreement.terms", &mut a.terms, 10_000);
        }
        e.list("tags", &mut f.tags, 30, 50);
        e.opt_text("notes", &mut f.notes, 10_000);
    }

    fn index(f: &AgencyFields) -> Index {
        Index {
            name: f.name.clone(),
            kind: enum_str(&f.kind),
            status: enum_str(&f.status),
            region_code: f.region_code.clone(),
            country: f.country.clone(),
            credit_code: f.credit_code.clone(),
            industry_codes: f.industry_codes.clone(),
            tags: f.tags.clone(),
            ..Index::default()
        }
    }

    owner_field!(AgencyFields);

    /// Creating an agency creates its login organisation (kind `agency`, the same id);
    /// renaming it renames the organisation.
    fn after_write(
        conn: &mut DbConnection,
        id: &str,
        f: &AgencyFields,
        created: bool,
    ) -> Result<(), ApiError> {
        identity::sync_agency_org(conn, id, &f.name, f.region_code.as_deref(), created)
    }
}

impl Resource for TargetRegions {
    type Fields = TargetRegionFields;
    const RESOURCE: &'static str = "target_region";
    const PATH: &'static str = "target-regions";
    const FIELDS: &'static [&'static str] = &[
        "name",
        "kind",
        "region_code",
        "country",
        "priority",
        "industry_ids",
        "industry_codes",
        "economy",
        "industries_overview",
        "transfer_conditions",
        "work_base",
        "responsible_org_ids",
        "stationed_group",
        "owner_org_id",
        "tags",
        "notes",
    ];
    const AGENCY_SOURCED: bool = false;
    filter_values!(Kind => zhaoshang_types::TargetRegionKind, Priority => zhaoshang_types::Priority);

    fn normalize(f: &mut TargetRegionFields, e: &mut Errors) {
        e.text("name", &mut f.name, 100);
        e.region("region_code", &mut f.region_code);
        e.country("country", &mut f.country);
        e.list("industry_ids", &mut f.industry_ids, 50, 36);
        e.industries("industry_codes", &mut f.industry_codes);
        for (field, value) in [
            ("economy", &mut f.economy),
            ("industries_overview", &mut f.industries_overview),
            ("transfer_conditions", &mut f.transfer_conditions),
            ("work_base", &mut f.work_base),
        ] {
            e.opt_text(field, value, 10_000);
        }
        e.list("responsible_org_ids", &mut f.responsible_org_ids, 50, 36);
        if let Some(g) = f.stationed_group.as_mut() {
            e.list("stationed_group.members", &mut g.members, 100, 50);
            e.opt_text("stationed_group.base_address", &mut g.base_address, 200);
        }
        e.list("tags", &mut f.tags, 30, 50);
        e.opt_text("notes", &mut f.notes, 10_000);
    }

    fn index(f: &TargetRegionFields) -> Index {
        Index {
            name: f.name.clone(),
            kind: enum_str(&f.kind),
            priority: enum_str(&f.priority),
            region_code: f.region_code.clone(),
            country: f.country.clone(),
            industry_codes: f.industry_codes.clone(),
            tags: f.tags.clone(),
            ..Index::default()
        }
    }

    owner_field!(TargetRegionFields);

    fn check_references(
        conn: &mut DbConnection,
        f: &TargetRegionFields,
        e: &mut Errors,
    ) -> Result<(), ApiError> {
        for (i, id) in f.industry_ids.iter().enumerate() {
            if store::record(conn, "industry", id, false)?.is_none() {
                e.push(
                    &format!("industry_ids[{i}]"),
                    "unknown_reference",
                    format!("no key industry {id}"),
                );
            }
        }
        for (i, id) in f.responsible_org_ids.iter().enumerate() {
            if !identity::org_exists(conn, id)? {
                e.push(
                    &format!("responsible_org_ids[{i}]"),
                    "unknown_reference",
                    format!("no organisation {id}"),
                );
            }
        }
        Ok(())
    }
}

impl Resource for Industries {
    type Fields = IndustryFields;
    const RESOURCE: &'static str = "industry";
    const PATH: &'static str = "industries";
    const FIELDS: &'static [&'static str] = &[
        "name",
        "industry_codes",
        "description",
        "priority",
        "owner_org_id",
        "tags",
        "notes",
    ];
    const AGENCY_SOURCED: bool = false;
    filter_values!(Priority => zhaoshang_types::Priority);

    fn normalize(f: &mut IndustryFields, e: &mut Errors) {
        e.text("name", &mut f.name, 100);
        e.industries("industry_codes", &mut f.industry_codes);
        e.opt_text("description", &mut f.description, 10_000);
        e.list("tags", &mut f.tags, 30, 50);
        e.opt_text("notes", &mut f.notes, 10_000);
    }

    fn index(f: &IndustryFields) -> Index {
        Index {
            name: f.name.clone(),
            priority: enum_str(&f.priority),
            industry_codes: f.industry_codes.clone(),
            tags: f.tags.clone(),
            ..Index::default()
        }
    }

    owner_field!(IndustryFields);
}

impl Resource for Enterprises {
    type Fields = EnterpriseFields;
    const RESOURCE: &'static str = "enterprise";
    const PATH: &'static str = "enterprises";
    const FIELDS: &'static [&'static str] = &[
        "name",
        "name_en",
        "aliases",
        "credit_code",
        "region_code",
        "country",
        "is_local",
        "is_leading",
        "main_products",
        "employees",
        "annual_output_yuan",
        "industry_codes",
        "chain_nodes",
        "source_agency_id",
        "external_id",
        "owner_org_id",
        "tags",
        "notes",
    ];
    const AGENCY_SOURCED: bool = true;

    fn normalize(f: &mut EnterpriseFields, e: &mut Errors) {
        e.text("name", &mut f.name, 200);
        e.opt_text("name_en", &mut f.name_en, 200);
        e.list("aliases", &mut f.aliases, 20, 200);
        e.credit_code("credit_code", &mut f.credit_code);
        e.region("region_code", &mut f.region_code);
        e.country("country", &mut f.country);
        e.list("main_products", &mut f.main_products, 50, 100);
        if f.annual_output_yuan.is_some_and(|v| v < 0) {
            e.push(
                "annual_output_yuan",
                "out_of_range",
                "annual_output_yuan cannot be negative",
            );
        }
        e.industries("industry_codes", &mut f.industry_codes);
        let mut seen = std::collections::HashSet::new();
        for (i, m) in f.chain_nodes.iter_mut().enumerate() {
            m.node_id = m.node_id.trim().to_owned();
            if !seen.insert(m.node_id.clone()) {
                e.push(
                    &format!("chain_nodes[{i}].node_id"),
                    "duplicate",
                    "the same node is listed twice",
                );
            }
            e.opt_text(&format!("chain_nodes[{i}].role"), &mut m.role, 50);
        }
        e.opt_text("external_id", &mut f.external_id, 200);
        e.list("tags", &mut f.tags, 30, 50);
        e.opt_text("notes", &mut f.notes, 10_000);
    }

    fn index(f: &EnterpriseFields) -> Index {
        Index {
            name: f.name.clone(),
            also_known_as: f.aliases.iter().cloned().chain(f.name_en.clone()).collect(),
            region_code: f.region_code.clone(),
            country: f.country.clone(),
            credit_code: f.credit_code.clone(),
            industry_codes: f.industry_codes.clone(),
            tags: f.tags.clone(),
            source_agency_id: f.source_agency_id.clone(),
            external_id: f.external_id.clone(),
            is_local: Some(f.is_local),
            is_leading: Some(f.is_leading),
            ..Index::default()
        }
    }

    owner_field!(EnterpriseFields);
    source_agency_field!(EnterpriseFields);

    fn check_references(
        conn: &mut DbConnection,
        f: &EnterpriseFields,
        e: &mut Errors,
    ) -> Result<(), ApiError> {
        for (i, m) in f.chain_nodes.iter().enumerate() {
            if store::node(conn, &m.node_id)?.is_none() {
                e.push(
                    &format!("chain_nodes[{i}].node_id"),
                    "unknown_reference",
                    format!("no chain node {}", m.node_id),
                );
            }
        }
        Ok(())
    }

    /// A deleted enterprise leaves the membership index (its `chain_nodes` stay in the record).
    fn after_soft_delete(
        conn: &mut DbConnection,
        id: &str,
        f: &EnterpriseFields,
        deleted: bool,
    ) -> Result<(), ApiError> {
        if deleted {
            store::set_memberships(conn, id, &[], f.is_local, f.is_leading)
        } else {
            Self::after_write(conn, id, f, false)
        }
    }

    /// Keeps the membership table (counted by the chain views) equal to `chain_nodes`.
    fn after_write(
        conn: &mut DbConnection,
        id: &str,
        f: &EnterpriseFields,
        _created: bool,
    ) -> Result<(), ApiError> {
        let members: Vec<(String, Option<String>)> = f
            .chain_nodes
            .iter()
            .map(|m| (m.node_id.clone(), m.role.clone()))
            .collect();
        store::set_memberships(conn, id, &members, f.is_local, f.is_leading)
    }

    fn after_insert_many(
        conn: &mut DbConnection,
        items: &[(String, EnterpriseFields)],
    ) -> Result<(), ApiError> {
        let rows: Vec<store::Membership> = items
            .iter()
            .flat_map(|(id, f)| {
                f.chain_nodes.iter().map(|m| store::Membership {
                    enterprise_id: id.clone(),
                    node_id: m.node_id.clone(),
                    role: m.role.clone(),
                    is_local: f.is_local,
                    is_leading: f.is_leading,
                })
            })
            .collect();
        store::insert_memberships(conn, &rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields_of<T: Serialize + Default>() -> Vec<String> {
        let mut keys: Vec<String> = serde_json::to_value(T::default())
            .ok()
            .and_then(|v| v.as_object().map(|o| o.keys().cloned().collect()))
            .unwrap_or_default();
        keys.sort();
        keys
    }

    fn declared<R: Resource>() -> Vec<String> {
        let mut keys: Vec<String> = R::FIELDS.iter().map(|s| (*s).to_owned()).collect();
        keys.sort();
        keys
    }

    #[test]
    fn declared_fields_are_exactly_the_wire_fields() {
        assert_eq!(declared::<Investors>(), fields_of::<InvestorFields>());
        assert_eq!(declared::<Agencies>(), fields_of::<AgencyFields>());
        assert_eq!(
            declared::<TargetRegions>(),
            fields_of::<TargetRegionFields>()
        );
        assert_eq!(declared::<Industries>(), fields_of::<IndustryFields>());
        assert_eq!(declared::<Enterprises>(), fields_of::<EnterpriseFields>());
    }
}
