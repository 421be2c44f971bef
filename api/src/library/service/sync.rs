//! Batch syncs: up to [`MAX_BATCH`] records of one resource keyed by the agency's external ids,
//! applied all or nothing.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};
use zhaoshang_types::{BatchItemResult, BatchOutcome, FieldError};

use super::{
    KnownReferences, Library, Prepared, after_change, check_references_memo, decode, new_row,
    owner_of, prepare,
};
use crate::core::audit;
use crate::core::auth::Principal;
use crate::core::auth::policy;
use crate::core::db::{self, DbConnection};
use crate::core::error::ApiError;
use crate::core::extract::unknown_keys;
use crate::core::http::{to_json, version_conflict};
use crate::library::Resource;
use crate::library::store::{self as store, RecordRow};
use crate::library::validate::Errors;

/// Largest batch.
pub const MAX_BATCH: usize = 1000;

/// `PUT /{resources}:batch`: upserts up to 1,000 records keyed by (`source_agency_id`,
/// `external_id`), all or nothing.
pub async fn batch<R: Resource>(
    lib: &Library,
    p: &Principal,
    body: Value,
) -> Result<Vec<BatchItemResult>, ApiError> {
    if !(policy::acts_for_all(p) || policy::own_agency(p).is_some()) {
        return Err(ApiError::forbidden(
            "batch syncs are for agencies, the bureau and administrators",
        ));
    }
    let mut body = match body {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    let Some(Value::Array(items)) = body.remove("items") else {
        return Err(ApiError::invalid_field(
            "items",
            "required",
            "send {\"items\": [...]}",
        ));
    };
    let unknown = unknown_keys(&body, &["items"], None);
    if !unknown.is_empty() {
        return Err(ApiError::validation(unknown));
    }
    if items.is_empty() || items.len() > MAX_BATCH {
        return Err(ApiError::invalid_field(
            "items",
            "out_of_range",
            format!("send 1 to {MAX_BATCH} items (got {})", items.len()),
        ));
    }
    let mut errors: Vec<FieldError> = Vec::new();
    let mut prepared = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        match decode::<R>(item, Some(i)) {
            Err(e) => errors.extend(e),
            Ok(fields) => {
                let (record, e) = prepare::<R>(p, fields, None);
                errors.extend(e.0.into_iter().map(|mut f| {
                    f.index = Some(i);
                    f
                }));
                let index = &record.index;
                if index.external_id.is_none() {
                    errors.push(FieldError {
                        index: Some(i),
                        field: "external_id".into(),
                        code: "required".into(),
                        message: "batch items need the agency's external_id".into(),
                    });
                }
                if index.source_agency_id.is_none() {
                    errors.push(FieldError {
                        index: Some(i),
                        field: "source_agency_id".into(),
                        code: "required".into(),
                        message: "name the agency whose records these are".into(),
                    });
                }
                prepared.push(record);
            }
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let principal = p.clone();
    let actor = p.audit_actor();
    let results = lib
        .db
        .write_bulk(move |conn| sync_batch::<R>(conn, &principal, &actor, prepared))
        .await?;
    after_change::<R>(lib);
    Ok(results)
}

/// Applies a checked batch in one transaction, as if item after item, with a few queries per
/// batch rather than per item: the existing records of all external ids and the holders of all
/// credit codes are read up front, new records and audit rows go in with multi-row statements.
fn sync_batch<R: Resource>(
    conn: &mut DbConnection,
    principal: &Principal,
    actor: &audit::Actor,
    prepared: Vec<Prepared<R>>,
) -> Result<Vec<BatchItemResult>, ApiError> {
    let keys: Vec<(String, String)> = prepared
        .iter()
        .map(|r| {
            (
                r.index.source_agency_id.clone().unwrap_or_default(),
                r.index.external_id.clone().unwrap_or_default(),
            )
        })
        .collect();
    let mut per_agency: HashMap<&str, Vec<String>> = HashMap::new();
    for (agency, external) in &keys {
        per_agency.entry(agency).or_default().push(external.clone());
    }
    let mut existing: HashMap<(String, String), RecordRow> = HashMap::new();
    for (agency, externals) in per_agency {
        for row in store::by_external_ids(conn, R::RESOURCE, agency, &externals)? {
            if let Some(external) = row.external_id.clone() {
                existing.insert((agency.to_owned(), external), row);
            }
        }
    }
    // Who holds each credit code named in the batch, kept up to date item by item.
    let codes: Vec<String> = prepared
        .iter()
        .filter_map(|r| r.index.credit_code.clone())
        .collect();
    // What an agency may be told of a holder: its id only when the record is the agency's own
    // (an agency must not learn that records it cannot see exist by their ids).
    let own_agency = policy::own_agency(principal);
    let mut hidden: HashSet<String> = HashSet::new();
    let mut holders: HashMap<String, String> = HashMap::new();
    for (code, id, source) in store::by_credit_codes(conn, R::RESOURCE, &codes)? {
        if own_agency.is_some_and(|a| source.as_deref() != Some(a)) {
            hidden.insert(id.clone());
        }
        holders.insert(code, id);
    }

    let mut known = KnownReferences::default();
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    let mut errors: Vec<FieldError> = Vec::new();
    let mut results = Vec::with_capacity(prepared.len());
    let mut new_rows = Vec::new();
    let mut new_items = Vec::new();
    let mut postings = store::PostingChanges::default();
    let mut entries = Vec::new();
    for (i, (record, key)) in prepared.into_iter().zip(keys).enumerate() {
        if let Some(first) = seen.insert(key.clone(), i) {
            errors.push(FieldError {
                index: Some(i),
                field: "external_id".into(),
                code: "duplicate".into(),
                message: format!("item {first} has the same external_id"),
            });
            continue;
        }
        let mut item_errors = Errors::default();
        check_references_memo::<R>(conn, &record, &mut item_errors, &mut known)?;
        let existing = existing.remove(&key);
        if let Some(row) = &existing
            && !policy::can_write(principal, owner_of(row))
        {
            item_errors.push(
                "external_id",
                "forbidden",
                "the existing record belongs to another organisation",
            );
        }
        if let Some(code) = &record.index.credit_code
            && let Some(other) = holders.get(code)
            && existing.as_ref().is_none_or(|r| &r.id != other)
        {
            let message = if hidden.contains(other) {
                "a record the agency cannot see has this credit code: ask the bureau".to_owned()
            } else {
                format!("record {other} has this credit code")
            };
            item_errors.push("credit_code", "conflict", message);
        }
        if !item_errors.0.is_empty() {
            errors.extend(item_errors.0.into_iter().map(|mut f| {
                f.index = Some(i);
                f
            }));
            continue;
        }
        let Some(row) = existing else {
            let row = new_row::<R>(&record, actor.id.clone())?;
            let Prepared { fields, index } = record;
            if let Some(code) = &index.credit_code {
                holders.insert(code.clone(), row.id.clone());
            }
            entries.push(audit::Entry {
                action: "create",
                resource_id: row.id.clone(),
                changes: audit::creation(&to_json(&fields))?,
            });
            results.push(BatchItemResult {
                index: i,
                id: row.id.clone(),
                outcome: BatchOutcome::Created,
            });
            new_items.push((row.id.clone(), fields));
            new_rows.push(row);
            continue;
        };
        let id = row.id.clone();
        let outcome =
            match update_existing(conn, principal, row, record, &mut holders, &mut postings)? {
                Some(entry) => {
                    entries.push(entry);
                    BatchOutcome::Updated
                }
                None => BatchOutcome::Unchanged,
            };
        results.push(BatchItemResult {
            index: i,
            id,
            outcome,
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    postings.apply(conn)?;
    store::insert_many(conn, &new_rows)?;
    R::after_insert_many(conn, &new_items)?;
    audit::record_many(conn, actor, R::RESOURCE, entries)?;
    Ok(results)
}

/// Brings an existing record of a batch up to the item's fields, keeping `holders` (credit code
/// → record) current and adding its postings' changes to `postings` (written once for the
/// batch): the audit entry of the change, `None` when nothing changed.
fn update_existing<R: Resource>(
    conn: &mut DbConnection,
    principal: &Principal,
    mut row: RecordRow,
    record: Prepared<R>,
    holders: &mut HashMap<String, String>,
    postings: &mut store::PostingChanges,
) -> Result<Option<audit::Entry>, ApiError> {
    let before: Value = serde_json::from_str(&row.data).map_err(ApiError::internal)?;
    // The existing owner stays unless the caller may and did name another.
    let Prepared { mut fields, index } = record;
    if !policy::acts_for_all(principal) {
        R::set_owner(&mut fields, row.owner_org_id.clone());
    }
    let after = to_json(&fields);
    if before == after {
        return Ok(None);
    }
    if let Some(old) = &row.credit_code
        && holders.get(old) == Some(&row.id)
    {
        holders.remove(old);
    }
    if let Some(code) = &index.credit_code {
        holders.insert(code.clone(), row.id.clone());
    }
    let stored = row.clone();
    row.set_fields(&index, &fields)?;
    row.owner_org_id = R::owner(&fields).unwrap_or(&row.owner_org_id).to_owned();
    let previous = row.version;
    row.version += 1;
    row.updated_at = db::now();
    if !store::update_row(conn, &row, previous)? {
        return Err(version_conflict(previous + 1));
    }
    postings.record(
        &row.id,
        store::Indexed::of(&stored),
        store::Indexed::of(&row),
    );
    R::after_write(conn, &row.id, &fields, false)?;
    Ok(Some(audit::Entry {
        action: "update",
        resource_id: row.id,
        changes: audit::diff(&before, &after).to_string(),
    }))
}
