//! The library's service: its rules (who may see and change what, validation, uniqueness),
//! its transactions and its audit rows. Routes call it; so does the demo seeding.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;
use zhaoshang_types::FieldError;

use super::store::{self as store, RecordRow, TermCounts};
use crate::core::auth::Principal;
use crate::core::auth::policy::{self, Owner};
use crate::core::db::{Database, DbConnection};
use crate::core::error::ApiError;
use crate::core::extract::decode_object;
use crate::identity::service as identity;
use crate::library::validate::Errors;
use crate::library::{Index, Resource};
use chains::ChainCache;

pub mod chains;
pub mod contacts;
pub mod records;
pub mod sync;

/// The shared information library: the database and the caches over it, shared by all workers.
pub struct Library {
    /// The database.
    pub db: Database,
    /// Chain trees and gap analyses, recomputed at most every few seconds.
    pub chain_cache: Arc<ChainCache>,
    /// How many records hold each search term, for choosing how lists are read.
    pub term_counts: Arc<TermCounts>,
}

impl Library {
    /// The library over a database, with empty caches.
    pub fn new(db: Database) -> Self {
        Self {
            db,
            chain_cache: Arc::default(),
            term_counts: Arc::default(),
        }
    }
}

pub(crate) fn owner_of(row: &RecordRow) -> Owner<'_> {
    Owner {
        resource: &row.resource,
        id: &row.id,
        owner_org_id: &row.owner_org_id,
        source_agency_id: row.source_agency_id.as_deref(),
    }
}

/// Decodes a body object into the resource's fields: unknown keys are named, wrong values
/// located (`chain_nodes[0].node_id`). `index` marks errors of batch items.
pub(crate) fn decode<R: Resource>(
    value: Value,
    index: Option<usize>,
) -> Result<R::Fields, Vec<FieldError>> {
    decode_object(value, R::FIELDS, index)
}

/// A record's fields after normalising and who-may-set-what, with what the database indexes of
/// them: built once per write, then used by every check and by the insert or update.
pub struct Prepared<R: Resource> {
    /// The fields as they will be stored.
    pub fields: R::Fields,
    /// What the database indexes of them.
    pub index: Index,
}

impl<R: Resource> Prepared<R> {
    /// Fields checked already (the demo seeding's): only their index is computed.
    pub fn new(fields: R::Fields) -> Self {
        let index = R::index(&fields);
        Self { fields, index }
    }
}

/// Normalises the fields and applies who-may-set-what: owners and source agencies. Only the
/// bureau and administrators name or change another agency as a record's source: an agency's
/// records are its own, and a source opens the record and its contacts to that agency.
pub(crate) fn prepare<R: Resource>(
    p: &Principal,
    mut fields: R::Fields,
    existing: Option<&RecordRow>,
) -> (Prepared<R>, Errors) {
    let mut errors = Errors::default();
    R::normalize(&mut fields, &mut errors);
    let current_owner = existing.map(|r| r.owner_org_id.clone());
    let wanted = R::owner(&fields).map(str::to_owned);
    let owner = match (wanted, current_owner) {
        (Some(o), current)
            if policy::acts_for_all(p)
                || Some(&o) == current.as_ref()
                || (current.is_none() && o == p.org_id) =>
        {
            o
        }
        (Some(_), _) => {
            errors.push(
                "owner_org_id",
                "forbidden_owner",
                "only the bureau and administrators may give a record to another organisation",
            );
            p.org_id.clone()
        }
        (None, Some(current)) => current,
        (None, None) => p.org_id.clone(),
    };
    R::set_owner(&mut fields, owner);
    let mut index = R::index(&fields);
    if R::AGENCY_SOURCED {
        if let Some(agency) = policy::own_agency(p) {
            if index
                .source_agency_id
                .as_deref()
                .is_some_and(|s| s != agency)
            {
                errors.push(
                    "source_agency_id",
                    "forbidden_source",
                    "an agency can only record what it brought itself",
                );
            }
            R::set_source_agency(&mut fields, Some(agency.to_owned()));
            index.source_agency_id = Some(agency.to_owned());
        } else if !policy::acts_for_all(p)
            && index.source_agency_id.as_ref() != existing.and_then(|e| e.source_agency_id.as_ref())
        {
            errors.push(
                "source_agency_id",
                "forbidden_source",
                "only the bureau and administrators may name or change the source agency",
            );
        }
    }
    (Prepared { fields, index }, errors)
}

/// Checks the references that need the database: owner, source agency and the resource's own.
pub(crate) fn check_references<R: Resource>(
    conn: &mut DbConnection,
    record: &Prepared<R>,
    errors: &mut Errors,
) -> Result<(), ApiError> {
    check_references_memo::<R>(conn, record, errors, &mut KnownReferences::default())
}

/// Owners and agencies already looked up (a batch of a thousand items usually names one of
/// each).
#[derive(Default)]
pub(crate) struct KnownReferences {
    orgs: HashMap<String, bool>,
    agencies: HashMap<String, bool>,
}

/// Whether `key` exists, looked up once per batch.
fn remembered(
    known: &mut HashMap<String, bool>,
    key: &str,
    lookup: impl FnOnce() -> Result<bool, ApiError>,
) -> Result<bool, ApiError> {
    if let Some(exists) = known.get(key) {
        return Ok(*exists);
    }
    let exists = lookup()?;
    known.insert(key.to_owned(), exists);
    Ok(exists)
}

pub(crate) fn check_references_memo<R: Resource>(
    conn: &mut DbConnection,
    record: &Prepared<R>,
    errors: &mut Errors,
    known: &mut KnownReferences,
) -> Result<(), ApiError> {
    if let Some(owner) = R::owner(&record.fields)
        && !remembered(&mut known.orgs, owner, || identity::org_exists(conn, owner))?
    {
        errors.push(
            "owner_org_id",
            "unknown_reference",
            format!("no organisation {owner}"),
        );
    }
    if let Some(agency) = &record.index.source_agency_id
        && !remembered(&mut known.agencies, agency, || {
            Ok(store::record(conn, "agency", agency, false)?.is_some())
        })?
    {
        errors.push(
            "source_agency_id",
            "unknown_reference",
            format!("no agency {agency}"),
        );
    }
    R::check_references(conn, &record.fields, errors)
}

pub(crate) fn reject(errors: Errors) -> Result<(), ApiError> {
    if errors.0.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors.0))
    }
}

/// 409 when a live record of the resource (other than `except`) has the credit code, naming
/// it in `existing_id`, except to an agency (`own_agency`) that cannot see it: an agency must
/// not learn the ids of records it cannot see.
pub(crate) fn check_unique<R: Resource>(
    conn: &mut DbConnection,
    credit_code: Option<&str>,
    except: Option<&str>,
    own_agency: Option<&str>,
) -> Result<(), ApiError> {
    if let Some(code) = credit_code
        && let Some(existing) = store::by_credit_code(conn, R::RESOURCE, code, except)?
    {
        if let Some(agency) = own_agency
            && store::record(conn, R::RESOURCE, &existing, false)?
                .is_none_or(|r| r.source_agency_id.as_deref() != Some(agency))
        {
            return Err(ApiError::conflict(
                format!(
                    "the credit code {code} is registered to a record outside the agency's: \
                     ask the bureau"
                ),
                None,
            ));
        }
        return Err(ApiError::conflict(
            format!(
                "a {} with the credit code {code} exists already",
                R::RESOURCE
            ),
            Some(existing),
        ));
    }
    Ok(())
}

/// Inserts a new record of checked fields with what goes with it (memberships, the agency's
/// organisation). Used by create and the demo seeding.
pub fn insert_record<R: Resource>(
    conn: &mut DbConnection,
    record: &Prepared<R>,
    created_by: Option<String>,
) -> Result<RecordRow, ApiError> {
    let row = new_row::<R>(record, created_by)?;
    store::insert(conn, &row)?;
    R::after_write(conn, &row.id, &record.fields, true)?;
    Ok(row)
}

/// The row of a new record (a fresh time-ordered id).
pub(crate) fn new_row<R: Resource>(
    record: &Prepared<R>,
    created_by: Option<String>,
) -> Result<RecordRow, ApiError> {
    RecordRow::new(
        uuid::Uuid::now_v7().to_string(),
        R::RESOURCE,
        R::owner(&record.fields).unwrap_or_default().to_owned(),
        created_by,
        &record.index,
        &record.fields,
    )
}

/// Enterprises are counted by the chain views: a change to them clears the cached views.
pub(crate) fn after_change<R: Resource>(lib: &Library) {
    if R::RESOURCE == "enterprise" {
        lib.chain_cache.clear();
    }
}

/// RFC 7396 JSON merge patch.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    // An object patch turns anything else into an object first, so that its `null`s remove
    // rather than land (RFC 7396, section 2).
    if !target.is_object() {
        *target = Value::Object(serde_json::Map::new());
    }
    if let Value::Object(t) = target {
        for (k, v) in p {
            if v.is_null() {
                t.remove(k);
            } else {
                merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    }
}

/// A record of a resource the caller may see, for sub-resource handlers.
pub async fn visible_record<R: Resource>(
    lib: &Library,
    p: &Principal,
    id: String,
) -> Result<RecordRow, ApiError> {
    contacts::parent_for_contacts::<R>(lib, p, id).await
}

/// A record the caller may change, for sub-resource handlers.
pub fn writable(p: &Principal, row: &RecordRow) -> Result<(), ApiError> {
    policy::require_write(p, owner_of(row))
}
