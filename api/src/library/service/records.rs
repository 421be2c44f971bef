//! Reading and writing library records, written once for every resource: lists, reads,
//! creation, merge patches, soft deletion and restoring.

use std::sync::Arc;

use serde_json::Value;
use zhaoshang_types::{LibraryQuery, Record};

use super::{
    Library, Prepared, after_change, check_references, check_unique, decode, insert_record,
    merge_patch, owner_of, prepare, reject,
};
use crate::core::audit;
use crate::core::auth::Principal;
use crate::core::auth::policy::{self, Owner};
use crate::core::db::{self, DbKind};
use crate::core::error::ApiError;
use crate::core::extract::unknown_keys;
use crate::core::http::{
    Precondition, check_version, decode_cursor, encode_cursor, page_limit, to_json,
    version_conflict,
};
use crate::library::Resource;
use crate::library::resource::EnumFilter;
use crate::library::store::{self as store, Bounded, ListFilter, ListRow, Sort, TermCounts};
use crate::library::validate::Errors;

/// Most rows one CSV export holds.
pub const MAX_EXPORT: usize = 100_000;

/// Longest search text `q` (longer than any name a record may have).
pub const MAX_QUERY_CHARS: usize = 200;

/// What a list answers: one page, or every matching row (an export).
pub enum Listed {
    /// A page and the cursor of the next one.
    Page {
        /// The page's rows.
        rows: Vec<ListRow>,
        /// Where the next page starts, if there is one.
        next_cursor: Option<String>,
    },
    /// Every matching row, up to [`MAX_EXPORT`]; `truncated` when more matched.
    All {
        /// The rows.
        rows: Vec<ListRow>,
        /// More rows matched than an export holds.
        truncated: bool,
    },
}

/// The value of an enumerated list filter, if the resource has that field and the value is one
/// of its values; 422 `invalid_value` naming them otherwise (a filter that could match nothing
/// is a mistake, not an empty page).
fn enum_filter<R: Resource>(
    filter: EnumFilter,
    value: Option<String>,
) -> Result<Option<String>, ApiError> {
    let Some(value) = value else { return Ok(None) };
    let allowed = R::filter_values(filter);
    let value = value.trim();
    if allowed.iter().any(|v| v == value) {
        return Ok(Some(value.to_owned()));
    }
    let name = filter.name();
    Err(ApiError::invalid_field(
        name,
        "invalid_value",
        if allowed.is_empty() {
            format!("{} have no {name}", R::PATH)
        } else {
            format!("{name} of {} is one of: {}", R::PATH, allowed.join(", "))
        },
    ))
}

/// `GET /{resources}`: a page, or (for CSV) every matching row up to [`MAX_EXPORT`].
pub async fn list<R: Resource>(
    lib: &Library,
    p: &Principal,
    query: LibraryQuery,
    csv: bool,
) -> Result<Listed, ApiError> {
    let include_deleted = query.include_deleted.unwrap_or(false);
    if include_deleted && !policy::sees_deleted(p) {
        return Err(ApiError::forbidden(
            "only the bureau and administrators see deleted records",
        ));
    }
    if let Some(q) = &query.q {
        let length = q.trim().chars().count();
        if length < 2 {
            return Err(ApiError::invalid_field(
                "q",
                "too_short",
                "search with two characters or more",
            ));
        }
        // Counted as sent, as the document's maxLength is.
        if q.chars().count() > MAX_QUERY_CHARS {
            return Err(ApiError::invalid_field(
                "q",
                "too_long",
                format!("search with at most {MAX_QUERY_CHARS} characters"),
            ));
        }
    }
    let sort = Sort::parse(query.sort.as_deref())?;
    let limit = page_limit(query.limit)?;
    let after = match query.cursor.as_deref() {
        Some(c) => Some(parse_cursor(&decode_cursor(c)?, sort)?),
        None => None,
    };
    let status = enum_filter::<R>(EnumFilter::Status, query.status)?;
    let priority = enum_filter::<R>(EnumFilter::Priority, query.priority)?;
    let kind = enum_filter::<R>(EnumFilter::Kind, query.kind)?;
    let agency_only = !R::AGENCY_SOURCED && R::RESOURCE != "agency";
    if agency_only && policy::own_agency(p).is_some() {
        // Agencies see only what they brought; regions and industries are not theirs.
        return Ok(if csv {
            Listed::All {
                rows: Vec::new(),
                truncated: false,
            }
        } else {
            Listed::Page {
                rows: Vec::new(),
                next_cursor: None,
            }
        });
    }
    let filter = ListFilter {
        resource: R::RESOURCE,
        q: query.q.map(|q| q.trim().to_owned()),
        industry: query
            .industry
            .map(|c| c.trim().to_uppercase())
            .filter(|c| !c.is_empty()),
        region: query
            .region
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty()),
        country: query.country.map(|c| c.trim().to_uppercase()),
        status,
        priority,
        kind,
        owner_org_id: query.owner_org_id,
        source_agency_id: query.source_agency_id,
        external_id: query.external_id,
        tag: query.tag,
        updated_since: query.updated_since.map(|t| t.naive_utc()),
        is_local: query.is_local,
        is_leading: query.is_leading,
        include_deleted,
        only_agency: policy::own_agency(p).map(str::to_owned),
        sort: Some(sort),
        after,
    };
    let counts = lib.term_counts.clone();
    if csv {
        let rows = lib
            .db
            .read(move |conn| {
                // One row past the cap is read to learn whether there are more.
                let mut all: Vec<ListRow> = Vec::new();
                let mut f = filter;
                loop {
                    let want = (MAX_EXPORT + 1 - all.len()).min(1000);
                    let page = store::list(conn, &counts, &f, want as i64)?;
                    let done = page.len() < want;
                    if let Some(last) = page.last() {
                        f.after = Some((Some(last.name.clone()), last.id.clone()));
                    }
                    all.extend(page);
                    if done || all.len() > MAX_EXPORT {
                        let truncated = all.len() > MAX_EXPORT;
                        all.truncate(MAX_EXPORT);
                        return Ok((all, truncated));
                    }
                }
            })
            .await?;
        let (rows, truncated) = rows;
        return Ok(Listed::All { rows, truncated });
    }
    let mut rows = read_page(lib, counts, filter, limit + 1).await?;
    let next_cursor = if rows.len() as i64 > limit {
        rows.truncate(usize::try_from(limit).unwrap_or(0));
        rows.last().map(|r| encode_cursor(&cursor_key(r, sort)))
    } else {
        None
    };
    Ok(Listed::Page { rows, next_cursor })
}

/// Reads a page: on SQLite what of it bounded work finds is read on this worker thread (when
/// a connection is free at once), the rest, if any, on the blocking pool.
async fn read_page(
    lib: &Library,
    counts: Arc<TermCounts>,
    filter: ListFilter,
    limit: i64,
) -> Result<Vec<ListRow>, ApiError> {
    let (mut rows, rest) = if lib.db.kind() == DbKind::Sqlite {
        let counts = counts.clone();
        match lib
            .db
            .read_short(move |conn| store::list_bounded(conn, &counts, filter, limit))
            .await?
        {
            Bounded::Page(rows) => return Ok(rows),
            Bounded::Part(rows, rest) => (rows, rest),
            Bounded::Unbounded(filter) => (Vec::new(), filter),
        }
    } else {
        (Vec::new(), filter)
    };
    let wanted = limit - rows.len() as i64;
    rows.extend(
        lib.db
            .read(move |conn| store::list(conn, &counts, &rest, wanted))
            .await?,
    );
    Ok(rows)
}

pub(super) fn cursor_key(row: &ListRow, sort: Sort) -> String {
    match sort {
        Sort::Name | Sort::NameDesc => {
            format!("{}\u{1f}{}\u{1f}{}", sort.as_str(), row.name, row.id)
        }
        _ => format!("{}\u{1f}\u{1f}{}", sort.as_str(), row.id),
    }
}

fn parse_cursor(raw: &str, sort: Sort) -> Result<(Option<String>, String), ApiError> {
    let mut parts = raw.splitn(3, '\u{1f}');
    let (Some(s), Some(name), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(ApiError::invalid_field(
            "cursor",
            "invalid_cursor",
            "the cursor is not one this API gave out",
        ));
    };
    if s != sort.as_str() {
        return Err(ApiError::invalid_field(
            "cursor",
            "invalid_cursor",
            "the cursor belongs to another sort order",
        ));
    }
    Ok((
        Some(name.to_owned()).filter(|_| matches!(sort, Sort::Name | Sort::NameDesc)),
        id.to_owned(),
    ))
}

/// `GET /{resources}/{id}`.
pub async fn get<R: Resource>(
    lib: &Library,
    p: &Principal,
    id: String,
) -> Result<ListRow, ApiError> {
    let include_deleted = policy::sees_deleted(p);
    let shown = lib
        .db
        .read_short(move |conn| store::shown(conn, R::RESOURCE, &id, include_deleted))
        .await?
        .ok_or_else(|| ApiError::not_found("no such record"))?;
    let row = &shown.row;
    policy::require_visible(
        p,
        Owner {
            resource: &row.resource,
            id: &row.id,
            owner_org_id: &shown.owner_org_id,
            source_agency_id: shown.source_agency_id.as_deref(),
        },
    )?;
    Ok(shown.row)
}

/// `POST /{resources}`.
pub async fn create<R: Resource>(
    lib: &Library,
    p: &Principal,
    body: Value,
) -> Result<Record<R::Fields>, ApiError> {
    policy::require_create(p, R::AGENCY_SOURCED)?;
    let fields = decode::<R>(body, None).map_err(ApiError::validation)?;
    let (record, errors) = prepare::<R>(p, fields, None);
    reject(errors)?;
    let own_agency = policy::own_agency(p).map(str::to_owned);
    let actor = p.audit_actor();
    let record = lib
        .db
        .write(move |conn| {
            let mut errors = Errors::default();
            check_references::<R>(conn, &record, &mut errors)?;
            reject(errors)?;
            let own_agency = own_agency.as_deref();
            check_unique::<R>(conn, record.index.credit_code.as_deref(), None, own_agency)?;
            let index = &record.index;
            if let (Some(agency), Some(external)) = (&index.source_agency_id, &index.external_id)
                && let Some(existing) = store::by_external_id(conn, R::RESOURCE, agency, external)?
            {
                return Err(ApiError::conflict(
                    format!("the agency already has a record with external_id {external}"),
                    Some(existing.id),
                ));
            }
            let row = insert_record::<R>(conn, &record, actor.id.clone())?;
            let id = row.id.clone();
            let mut wire = row.to_wire::<R::Fields>()?;
            wire.possible_duplicates =
                store::possible_duplicates(conn, R::RESOURCE, &index.name, &id, own_agency)?;
            audit::created(conn, &actor, R::RESOURCE, &id, &to_json(&record.fields))?;
            Ok(wire)
        })
        .await?;
    after_change::<R>(lib);
    Ok(record)
}

/// `PATCH /{resources}/{id}`: a JSON merge patch of the fields.
pub async fn update<R: Resource>(
    lib: &Library,
    p: &Principal,
    id: String,
    expected: Precondition,
    patch: Value,
) -> Result<Record<R::Fields>, ApiError> {
    let Value::Object(patch_map) = &patch else {
        return Err(ApiError::invalid_field(
            "",
            "invalid_value",
            "a merge patch is a JSON object",
        ));
    };
    // Checked before merging: a `null` for a misspelt field would otherwise vanish silently.
    let unknown = unknown_keys(patch_map, R::FIELDS, None);
    if !unknown.is_empty() {
        return Err(ApiError::validation(unknown));
    }
    let principal = p.clone();
    let actor = p.audit_actor();
    let record = lib
        .db
        .write(move |conn| {
            let mut row = store::record_for_update(conn, R::RESOURCE, &id, false)?
                .ok_or_else(|| ApiError::not_found("no such record"))?;
            policy::require_write(&principal, owner_of(&row))?;
            check_version(&expected, row.version)?;
            let before: Value = serde_json::from_str(&row.data).map_err(ApiError::internal)?;
            let mut merged = before.clone();
            merge_patch(&mut merged, &patch);
            let fields = decode::<R>(merged, None).map_err(ApiError::validation)?;
            let (record, mut errors) = prepare::<R>(&principal, fields, Some(&row));
            check_references::<R>(conn, &record, &mut errors)?;
            reject(errors)?;
            check_unique::<R>(
                conn,
                record.index.credit_code.as_deref(),
                Some(&id),
                policy::own_agency(&principal),
            )?;
            let Prepared { fields, index } = record;
            let after = to_json(&fields);
            if after == before {
                return row.to_wire::<R::Fields>();
            }
            let stored = row.clone();
            row.set_fields(&index, &fields)?;
            row.owner_org_id = R::owner(&fields).unwrap_or(&row.owner_org_id).to_owned();
            let previous = row.version;
            row.version += 1;
            row.updated_at = db::now();
            if !store::update(conn, &row, store::Indexed::of(&stored), previous)? {
                return Err(version_conflict(previous + 1));
            }
            R::after_write(conn, &id, &fields, false)?;
            audit::record(
                conn,
                &actor,
                "update",
                R::RESOURCE,
                Some(&id),
                Some(audit::diff(&before, &after)),
            )?;
            row.to_wire::<R::Fields>()
        })
        .await?;
    after_change::<R>(lib);
    Ok(record)
}

/// `DELETE /{resources}/{id}` (soft: the record is hidden; its children and links stay).
pub async fn delete<R: Resource>(
    lib: &Library,
    p: &Principal,
    id: String,
    expected: Precondition,
) -> Result<(), ApiError> {
    set_deleted::<R>(lib, p, id, expected, true).await?;
    after_change::<R>(lib);
    Ok(())
}

/// `POST /{resources}/{id}/restore` (admin and bureau).
pub async fn restore<R: Resource>(
    lib: &Library,
    p: &Principal,
    id: String,
    expected: Precondition,
) -> Result<Record<R::Fields>, ApiError> {
    if !policy::sees_deleted(p) {
        return Err(ApiError::forbidden(
            "only the bureau and administrators restore records",
        ));
    }
    let record = set_deleted::<R>(lib, p, id, expected, false).await?;
    after_change::<R>(lib);
    Ok(record)
}

async fn set_deleted<R: Resource>(
    lib: &Library,
    p: &Principal,
    id: String,
    expected: Precondition,
    deleted: bool,
) -> Result<Record<R::Fields>, ApiError> {
    let principal = p.clone();
    let actor = p.audit_actor();
    lib
        .db
        .write(move |conn| {
            let mut row = store::record_for_update(conn, R::RESOURCE, &id, true)?.ok_or_else(|| ApiError::not_found("no such record"))?;
            policy::require_visible(&principal, owner_of(&row))?;
            let is_deleted = row.deleted_at.is_some();
            if deleted && is_deleted {
                // Deleted already (only those who see deleted records get this far).
                return Err(ApiError::not_found("no such record"));
            }
            if !deleted && !is_deleted {
                return row.to_wire();
            }
            if !deleted {
                check_unique::<R>(conn, row.credit_code.as_deref(), Some(&id), None)?;
            }
            policy::require_write(&principal, owner_of(&row))?;
            check_version(&expected, row.version)?;
            let previous = row.version;
            let now = db::now();
            let before = row.deleted_at;
            row.deleted_at = deleted.then_some(now);
            row.version += 1;
            row.updated_at = now;
            if !store::update_row(conn, &row, previous)? {
                return Err(version_conflict(previous + 1));
            }
            R::after_soft_delete(conn, &id, &row.fields()?, deleted)?;
            let fmt = |t: Option<chrono::NaiveDateTime>| t.map(|t| t.and_utc().to_rfc3339());
            audit::record(
                conn,
                &actor,
                if deleted { "delete" } else { "restore" },
                R::RESOURCE,
                Some(&id),
                Some(serde_json::json!({"deleted_at": {"before": fmt(before), "after": fmt(row.deleted_at)}})),
            )?;
            row.to_wire()
        })
        .await
}
