//! The library's handlers, written once for every resource (investors, agencies, target
//! regions, industries, enterprises). `routes::resources` wires them to paths with their
//! OpenAPI descriptions.

use actix_web::http::{StatusCode, header};
use std::collections::HashMap;
use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse};
use serde_json::{Map, Value};
use zhaoshang_types::{
    BatchItemResult, BatchOutcome, BatchResult, ContactFields, FieldError, LibraryQuery, Page,
    Record,
};

use crate::core::audit;
use crate::core::auth::Principal;
use crate::core::auth::policy::{self as policy, Owner};
use crate::core::db::{self, DbConnection, DbKind};
use crate::core::error::ApiError;
use crate::core::extract::{decode_object, unknown_keys};
use crate::core::http::{
    check_version, created, decode_cursor, encode_cursor, etag, if_match, page_limit, to_json,
    version_conflict, with_etag,
};
use crate::identity::store as identity;
use crate::library::Library;
use crate::library::Resource;
use crate::library::store::{
    self as store, Bounded, ContactRow, ListFilter, ListRow, RecordRow, Sort, TermCounts,
};
use crate::library::validate::Errors;

/// Largest batch.
pub const MAX_BATCH: usize = 1000;

fn owner_of(row: &RecordRow) -> Owner<'_> {
    Owner {
        resource: &row.resource,
        id: &row.id,
        owner_org_id: &row.owner_org_id,
        source_agency_id: row.source_agency_id.as_deref(),
    }
}

/// Decodes a body object into the resource's fields: unknown keys are named, wrong values
/// located (`chain_nodes[0].node_id`). `index` marks errors of batch items.
fn decode<R: Resource>(value: Value, index: Option<usize>) -> Result<R::Fields, Vec<FieldError>> {
    decode_object(value, R::FIELDS, index)
}

/// Normalises the fields and applies who-may-set-what: owners and source agencies.
fn prepare<R: Resource>(
    p: &Principal,
    fields: &mut R::Fields,
    existing: Option<&RecordRow>,
) -> Errors {
    let mut errors = Errors::default();
    R::normalize(fields, &mut errors);
    let current_owner = existing.map(|r| r.owner_org_id.clone());
    let wanted = R::owner(fields).map(str::to_owned);
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
    R::set_owner(fields, owner);
    if R::AGENCY_SOURCED {
        let index = R::index(fields);
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
            R::set_source_agency(fields, Some(agency.to_owned()));
        } else if let Some(existing) = existing
            && index.source_agency_id != existing.source_agency_id
            && !policy::acts_for_all(p)
        {
            errors.push(
                "source_agency_id",
                "forbidden_source",
                "only the bureau and administrators may change the source agency",
            );
        }
    }
    errors
}

/// Checks the references that need the database: owner, source agency and the resource's own.
fn check_references<R: Resource>(
    conn: &mut DbConnection,
    fields: &R::Fields,
    errors: &mut Errors,
) -> Result<(), ApiError> {
    check_references_memo::<R>(conn, fields, errors, &mut KnownReferences::default())
}

/// Owners and agencies already looked up (a batch of a thousand items usually names one of
/// each).
#[derive(Default)]
struct KnownReferences {
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

fn check_references_memo<R: Resource>(
    conn: &mut DbConnection,
    fields: &R::Fields,
    errors: &mut Errors,
    known: &mut KnownReferences,
) -> Result<(), ApiError> {
    if let Some(owner) = R::owner(fields)
        && !remembered(&mut known.orgs, owner, || {
            Ok(identity::org(conn, owner, false)?.is_some())
        })?
    {
        errors.push(
            "owner_org_id",
            "unknown_reference",
            format!("no organisation {owner}"),
        );
    }
    if let Some(agency) = R::index(fields).source_agency_id
        && !remembered(&mut known.agencies, &agency, || {
            Ok(store::record(conn, "agency", &agency, false)?.is_some())
        })?
    {
        errors.push(
            "source_agency_id",
            "unknown_reference",
            format!("no agency {agency}"),
        );
    }
    R::check_references(conn, fields, errors)
}

fn reject(errors: Errors) -> Result<(), ApiError> {
    if errors.0.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors.0))
    }
}

/// 409 when a live record of the resource has the same credit code.
fn check_unique<R: Resource>(
    conn: &mut DbConnection,
    fields: &R::Fields,
    except: Option<&str>,
) -> Result<(), ApiError> {
    if let Some(code) = R::index(fields).credit_code
        && let Some(existing) = store::by_credit_code(conn, R::RESOURCE, &code, except)?
    {
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

/// `GET /{resources}`: a page as JSON, or every matching row as CSV.
pub async fn list<R: Resource>(
    state: &Library,
    p: &Principal,
    req: &HttpRequest,
    query: LibraryQuery,
) -> Result<HttpResponse, ApiError> {
    let csv = match query.format.as_deref() {
        Some("csv") => true,
        Some("json") => false,
        Some(other) => {
            return Err(ApiError::invalid_field(
                "format",
                "invalid_value",
                format!("format {other:?} is not json or csv"),
            ));
        }
        None => accepts_csv(req),
    };
    let include_deleted = query.include_deleted.unwrap_or(false);
    if include_deleted && !policy::sees_deleted(p) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "only the bureau and administrators see deleted records",
        ));
    }
    if let Some(q) = &query.q
        && q.trim().chars().count() < 2
    {
        return Err(ApiError::invalid_field(
            "q",
            "too_short",
            "search with two characters or more",
        ));
    }
    let sort = Sort::parse(query.sort.as_deref())?;
    let limit = page_limit(query.limit)?;
    let after = match query.cursor.as_deref() {
        Some(c) => Some(parse_cursor(&decode_cursor(c)?, sort)?),
        None => None,
    };
    let agency_only = !R::AGENCY_SOURCED && R::RESOURCE != "agency";
    if agency_only && policy::own_agency(p).is_some() {
        // Agencies see only what they brought; regions and industries are not theirs.
        return if csv {
            Ok(csv_response::<R>(Vec::new(), p))
        } else {
            Ok(HttpResponse::Ok().json(Page::<Record<R::Fields>> {
                items: Vec::new(),
                next_cursor: None,
            }))
        };
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
        status: query.status,
        priority: query.priority,
        kind: query.kind,
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
    let counts = state.term_counts.clone();
    if csv {
        let rows = state
            .db
            .read(move |conn| {
                let mut all = Vec::new();
                let mut f = filter;
                loop {
                    let page = store::list(conn, &counts, &f, 1000)?;
                    let done = page.len() < 1000 || all.len() >= 100_000;
                    if let Some(last) = page.last() {
                        f.after = Some((Some(last.name.clone()), last.id.clone()));
                    }
                    all.extend(page);
                    if done {
                        return Ok(all);
                    }
                }
            })
            .await?;
        return Ok(csv_response::<R>(rows, p));
    }
    let mut rows = read_page(state, counts, filter, limit + 1).await?;
    let next_cursor = if rows.len() as i64 > limit {
        rows.truncate(usize::try_from(limit).unwrap_or(0));
        rows.last().map(|r| encode_cursor(&cursor_key(r, sort)))
    } else {
        None
    };
    Ok(HttpResponse::Ok()
        .insert_header(header::ContentType::json())
        .body(page_json(&rows, next_cursor.as_deref())?))
}

/// Reads a page: on SQLite what of it bounded work finds is read on this worker thread (when
/// a connection is free at once), the rest, if any, on the blocking pool.
async fn read_page(
    state: &Library,
    counts: Arc<TermCounts>,
    filter: ListFilter,
    limit: i64,
) -> Result<Vec<ListRow>, ApiError> {
    let (mut rows, rest) = if state.db.kind() == DbKind::Sqlite {
        let counts = counts.clone();
        match state
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
        state
            .db
            .read(move |conn| store::list(conn, &counts, &rest, wanted))
            .await?,
    );
    Ok(rows)
}

/// A [`Page`] of records as JSON, each record's stored fields spliced in.
fn page_json(rows: &[ListRow], next_cursor: Option<&str>) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::with_capacity(64 + rows.iter().map(|r| r.data.len() + 256).sum::<usize>());
    out.extend_from_slice(b"{\"items\":[");
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        row.write_wire_json(&mut out)?;
    }
    out.extend_from_slice(b"],\"next_cursor\":");
    serde_json::to_writer(&mut out, &next_cursor).map_err(ApiError::internal)?;
    out.push(b'}');
    Ok(out)
}

fn accepts_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim().starts_with("text/csv")))
}

fn cursor_key(row: &ListRow, sort: Sort) -> String {
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

/// CSV with a UTF-8 byte-order mark so that Excel reads Chinese correctly.
fn csv_response<R: Resource>(rows: Vec<ListRow>, _p: &Principal) -> HttpResponse {
    let mut out = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let mut header = vec!["id", "version", "created_at", "updated_at", "deleted_at"];
    header.extend(R::FIELDS.iter().copied());
    let _ = out.write_record(&header);
    for row in rows {
        let data: Map<String, Value> = serde_json::from_str(&row.data).unwrap_or_default();
        let mut line = vec![
            row.id.clone(),
            row.version.to_string(),
            row.created_at.0.and_utc().to_rfc3339(),
            row.updated_at.0.and_utc().to_rfc3339(),
            row.deleted_at
                .map(|d| d.0.and_utc().to_rfc3339())
                .unwrap_or_default(),
        ];
        for field in R::FIELDS {
            line.push(csv_cell(data.get(*field).unwrap_or(&Value::Null)));
        }
        let _ = out.write_record(&line);
    }
    let body = out.into_inner().unwrap_or_default();
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}.csv\"", R::PATH),
        ))
        .body(body)
}

fn csv_cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(";"),
        other => other.to_string(),
    }
}

/// `GET /{resources}/{id}`.
pub async fn get<R: Resource>(
    state: &Library,
    p: &Principal,
    id: String,
) -> Result<HttpResponse, ApiError> {
    let include_deleted = policy::sees_deleted(p);
    let shown = state
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
    let mut body = Vec::with_capacity(row.data.len() + 256);
    row.write_wire_json(&mut body)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(row.version)))
        .insert_header(header::ContentType::json())
        .body(body))
}

/// `POST /{resources}`.
pub async fn create<R: Resource>(
    state: &Library,
    p: &Principal,
    body: Value,
) -> Result<HttpResponse, ApiError> {
    policy::require_create(p, R::AGENCY_SOURCED)?;
    let mut fields = decode::<R>(body, None).map_err(ApiError::validation)?;
    reject(prepare::<R>(p, &mut fields, None))?;
    let actor = p.audit_actor();
    let record = state
        .db
        .write(move |conn| {
            let mut errors = Errors::default();
            check_references::<R>(conn, &fields, &mut errors)?;
            reject(errors)?;
            check_unique::<R>(conn, &fields, None)?;
            let index = R::index(&fields);
            if let (Some(agency), Some(external)) = (&index.source_agency_id, &index.external_id)
                && let Some(existing) = store::by_external_id(conn, R::RESOURCE, agency, external)?
            {
                return Err(ApiError::conflict(
                    format!("the agency already has a record with external_id {external}"),
                    Some(existing.id),
                ));
            }
            let row = insert_record::<R>(conn, &fields, actor.id.clone())?;
            let id = row.id.clone();
            let mut record = row.to_wire::<R::Fields>()?;
            record.possible_duplicates =
                store::possible_duplicates(conn, R::RESOURCE, &index.name, &id)?;
            audit::record(
                conn,
                &actor,
                "create",
                R::RESOURCE,
                Some(&id),
                Some(audit::diff(&Value::Null, &to_json(&fields))),
            )?;
            Ok(record)
        })
        .await?;
    after_change::<R>(state);
    Ok(created(
        format!("/api/v1/{}/{}", R::PATH, record.id),
        &record,
        record.version,
    ))
}

/// Inserts a new record of checked fields with what goes with it (memberships, the agency's
/// organisation). Used by create, batch and the demo seeding.
pub fn insert_record<R: Resource>(
    conn: &mut DbConnection,
    fields: &R::Fields,
    created_by: Option<String>,
) -> Result<RecordRow, ApiError> {
    let row = new_row::<R>(fields, created_by)?;
    store::insert(conn, &row)?;
    R::after_write(conn, &row.id, fields, true)?;
    Ok(row)
}

/// The row of a new record (a fresh time-ordered id).
fn new_row<R: Resource>(
    fields: &R::Fields,
    created_by: Option<String>,
) -> Result<RecordRow, ApiError> {
    RecordRow::new(
        uuid::Uuid::now_v7().to_string(),
        R::RESOURCE,
        R::owner(fields).unwrap_or_default().to_owned(),
        created_by,
        &R::index(fields),
        fields,
    )
}

/// Enterprises are counted by the chain views: a change to them clears the cached views.
fn after_change<R: Resource>(state: &Library) {
    if R::RESOURCE == "enterprise" {
        state.chain_cache.clear();
    }
}

/// RFC 7396 JSON merge patch.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}

/// `PATCH /{resources}/{id}`: a JSON merge patch of the fields.
pub async fn update<R: Resource>(
    state: &Library,
    p: &Principal,
    req: &HttpRequest,
    id: String,
    patch: Value,
) -> Result<HttpResponse, ApiError> {
    let expected = if_match(req)?;
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
    let record = state
        .db
        .write(move |conn| {
            let mut row = store::record(conn, R::RESOURCE, &id, false)?
                .ok_or_else(|| ApiError::not_found("no such record"))?;
            policy::require_write(&principal, owner_of(&row))?;
            check_version(expected, row.version)?;
            let before: Value = serde_json::from_str(&row.data).map_err(ApiError::internal)?;
            let mut merged = before.clone();
            merge_patch(&mut merged, &patch);
            let mut fields = decode::<R>(merged, None).map_err(ApiError::validation)?;
            let mut errors = prepare::<R>(&principal, &mut fields, Some(&row));
            check_references::<R>(conn, &fields, &mut errors)?;
            reject(errors)?;
            check_unique::<R>(conn, &fields, Some(&id))?;
            let after = to_json(&fields);
            if after == before {
                return row.to_wire::<R::Fields>();
            }
            let index = R::index(&fields);
            row.set_fields(&index, &fields)?;
            row.owner_org_id = R::owner(&fields).unwrap_or(&row.owner_org_id).to_owned();
            let previous = row.version;
            row.version += 1;
            row.updated_at = db::now();
            if !store::update(conn, &row, previous)? {
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
    after_change::<R>(state);
    Ok(with_etag(StatusCode::OK, &record, record.version))
}

/// `DELETE /{resources}/{id}` (soft: the record is hidden; its children and links stay).
pub async fn delete<R: Resource>(
    state: &Library,
    p: &Principal,
    req: &HttpRequest,
    id: String,
) -> Result<HttpResponse, ApiError> {
    set_deleted::<R>(state, p, req, id, true).await?;
    after_change::<R>(state);
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /{resources}/{id}/restore` (admin and bureau).
pub async fn restore<R: Resource>(
    state: &Library,
    p: &Principal,
    req: &HttpRequest,
    id: String,
) -> Result<HttpResponse, ApiError> {
    if !policy::sees_deleted(p) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "only the bureau and administrators restore records",
        ));
    }
    let record = set_deleted::<R>(state, p, req, id, false).await?;
    after_change::<R>(state);
    Ok(with_etag(StatusCode::OK, &record, record.version))
}

async fn set_deleted<R: Resource>(
    state: &Library,
    p: &Principal,
    req: &HttpRequest,
    id: String,
    deleted: bool,
) -> Result<Record<R::Fields>, ApiError> {
    let expected = if_match(req)?;
    let principal = p.clone();
    let actor = p.audit_actor();
    state
        .db
        .write(move |conn| {
            let mut row = store::record(conn, R::RESOURCE, &id, true)?.ok_or_else(|| ApiError::not_found("no such record"))?;
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
                let fields: R::Fields = row.fields()?;
                check_unique::<R>(conn, &fields, Some(&id))?;
            }
            policy::require_write(&principal, owner_of(&row))?;
            check_version(expected, row.version)?;
            let previous = row.version;
            let now = db::now();
            let before = row.deleted_at;
            row.deleted_at = deleted.then_some(now);
            row.version += 1;
            row.updated_at = now;
            if !store::update(conn, &row, previous)? {
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

/// `PUT /{resources}:batch`: upserts up to 1,000 records keyed by (`source_agency_id`,
/// `external_id`), all or nothing.
pub async fn batch<R: Resource>(
    state: &Library,
    p: &Principal,
    body: Value,
) -> Result<HttpResponse, ApiError> {
    if !(policy::acts_for_all(p) || policy::own_agency(p).is_some()) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
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
            Ok(mut fields) => {
                let e = prepare::<R>(p, &mut fields, None);
                errors.extend(e.0.into_iter().map(|mut f| {
                    f.index = Some(i);
                    f
                }));
                let index = R::index(&fields);
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
                prepared.push(fields);
            }
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let principal = p.clone();
    let actor = p.audit_actor();
    let results = state
        .db
        .write_bulk(move |conn| sync_batch::<R>(conn, &principal, &actor, prepared))
        .await?;
    after_change::<R>(state);
    Ok(HttpResponse::Ok().json(BatchResult { results }))
}

/// Applies a checked batch in one transaction, as if item after item, with a few queries per
/// batch rather than per item: the existing records of all external ids and the holders of all
/// credit codes are read up front, new records and audit rows go in with multi-row statements.
fn sync_batch<R: Resource>(
    conn: &mut DbConnection,
    principal: &Principal,
    actor: &audit::Actor,
    prepared: Vec<R::Fields>,
) -> Result<Vec<BatchItemResult>, ApiError> {
    let keys: Vec<(String, String)> = prepared
        .iter()
        .map(|f| {
            let index = R::index(f);
            (
                index.source_agency_id.unwrap_or_default(),
                index.external_id.unwrap_or_default(),
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
        .filter_map(|f| R::index(f).credit_code)
        .collect();
    let mut holders: HashMap<String, String> = store::by_credit_codes(conn, R::RESOURCE, &codes)?
        .into_iter()
        .collect();

    let mut known = KnownReferences::default();
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    let mut errors: Vec<FieldError> = Vec::new();
    let mut results = Vec::with_capacity(prepared.len());
    let mut new_rows = Vec::new();
    let mut new_items = Vec::new();
    let mut entries = Vec::new();
    for (i, (fields, key)) in prepared.into_iter().zip(keys).enumerate() {
        if let Some(first) = seen.insert(key.clone(), i) {
            errors.push(FieldError {
                index: Some(i),
                field: "external_id".into(),
                code: "duplicate".into(),
                message: format!("item {first} has the same external_id"),
            });
            continue;
        }
        let index = R::index(&fields);
        let mut item_errors = Errors::default();
        check_references_memo::<R>(conn, &fields, &mut item_errors, &mut known)?;
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
        if let Some(code) = &index.credit_code
            && let Some(other) = holders.get(code)
            && existing.as_ref().is_none_or(|r| &r.id != other)
        {
            item_errors.push(
                "credit_code",
                "conflict",
                format!("record {other} has this credit code"),
            );
        }
        if !item_errors.0.is_empty() {
            errors.extend(item_errors.0.into_iter().map(|mut f| {
                f.index = Some(i);
                f
            }));
            continue;
        }
        let Some(mut row) = existing else {
            let row = new_row::<R>(&fields, actor.id.clone())?;
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
        let before: Value = serde_json::from_str(&row.data).map_err(ApiError::internal)?;
        // The existing owner stays unless the caller may and did name another.
        let mut fields = fields;
        if !policy::acts_for_all(principal) {
            R::set_owner(&mut fields, row.owner_org_id.clone());
        }
        let after = to_json(&fields);
        if before == after {
            results.push(BatchItemResult {
                index: i,
                id: row.id,
                outcome: BatchOutcome::Unchanged,
            });
            continue;
        }
        if let Some(old) = &row.credit_code
            && holders.get(old) == Some(&row.id)
        {
            holders.remove(old);
        }
        if let Some(code) = &index.credit_code {
            holders.insert(code.clone(), row.id.clone());
        }
        row.set_fields(&index, &fields)?;
        row.owner_org_id = R::owner(&fields).unwrap_or(&row.owner_org_id).to_owned();
        let previous = row.version;
        row.version += 1;
        row.updated_at = db::now();
        if !store::update(conn, &row, previous)? {
            return Err(version_conflict(previous + 1));
        }
        R::after_write(conn, &row.id, &fields, false)?;
        entries.push(audit::Entry {
            action: "update",
            resource_id: row.id.clone(),
            changes: audit::diff(&before, &after).to_string(),
        });
        results.push(BatchItemResult {
            index: i,
            id: row.id,
            outcome: BatchOutcome::Updated,
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    store::insert_many(conn, &new_rows)?;
    R::after_insert_many(conn, &new_items)?;
    audit::record_many(conn, actor, R::RESOURCE, entries)?;
    Ok(results)
}

// --- contacts ---

async fn parent_for_contacts<R: Resource>(
    state: &Library,
    p: &Principal,
    id: String,
) -> Result<RecordRow, ApiError> {
    let row = state
        .db
        .read(move |conn| store::record(conn, R::RESOURCE, &id, false))
        .await?
        .ok_or_else(|| ApiError::not_found("no such record"))?;
    policy::require_visible(p, owner_of(&row))?;
    Ok(row)
}

fn check_contact(fields: &mut ContactFields) -> Result<(), ApiError> {
    let mut e = Errors::default();
    e.text("name", &mut fields.name, 50);
    e.opt_text("title", &mut fields.title, 100);
    e.phone("phone", &mut fields.phone);
    e.email("email", &mut fields.email);
    e.opt_text("wechat", &mut fields.wechat, 50);
    e.opt_text("notes", &mut fields.notes, 2000);
    reject(e)
}

const CONTACT_FIELDS: [&str; 6] = ["name", "title", "phone", "email", "wechat", "notes"];

fn decode_contact(value: Value) -> Result<ContactFields, ApiError> {
    decode_object(value, &CONTACT_FIELDS, None).map_err(ApiError::validation)
}

/// `GET /{resources}/{id}/contacts`: masked unless the caller is entitled (JSON or CSV).
pub async fn list_contacts<R: Resource>(
    state: &Library,
    p: &Principal,
    req: &HttpRequest,
    id: String,
    format: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let parent = parent_for_contacts::<R>(state, p, id).await?;
    let full = policy::contacts_in_full(p, owner_of(&parent));
    let parent_id = parent.id.clone();
    let rows = state
        .db
        .read(move |conn| store::contacts_of(conn, &parent_id))
        .await?;
    let items: Vec<_> = rows.iter().map(|r| r.to_wire(full)).collect();
    let csv = format.as_deref() == Some("csv") || (format.is_none() && accepts_csv(req));
    if csv {
        let mut out = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
        let _ = out.write_record([
            "id",
            "record_id",
            "name",
            "title",
            "phone",
            "email",
            "wechat",
            "notes",
            "masked",
        ]);
        for c in &items {
            let f = &c.fields;
            let opt = |v: &Option<String>| v.clone().unwrap_or_default();
            let _ = out.write_record([
                c.id.clone(),
                c.record_id.clone(),
                f.name.clone(),
                opt(&f.title),
                opt(&f.phone),
                opt(&f.email),
                opt(&f.wechat),
                opt(&f.notes),
                c.masked.to_string(),
            ]);
        }
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .body(out.into_inner().unwrap_or_default()));
    }
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: None,
    }))
}

/// `POST /{resources}/{id}/contacts`.
pub async fn create_contact<R: Resource>(
    state: &Library,
    p: &Principal,
    id: String,
    body: Value,
) -> Result<HttpResponse, ApiError> {
    let parent = parent_for_contacts::<R>(state, p, id).await?;
    policy::require_write(p, owner_of(&parent))?;
    let mut fields = decode_contact(body)?;
    check_contact(&mut fields)?;
    let actor = p.audit_actor();
    let contact = state
        .db
        .write(move |conn| {
            let now = db::now();
            let mut row = ContactRow {
                id: uuid::Uuid::now_v7().to_string(),
                record_id: parent.id.clone(),
                name: String::new(),
                title: None,
                phone: None,
                email: None,
                wechat: None,
                notes: None,
                version: 1,
                created_at: now,
                updated_at: now,
                deleted_at: None,
            };
            row.set_fields(fields);
            store::insert_contact(conn, &row)?;
            audit::record(
                conn,
                &actor,
                "create",
                "contact",
                Some(&row.id),
                Some(audit::diff(&Value::Null, &to_json(&row.fields()))),
            )?;
            Ok(row.to_wire(true))
        })
        .await?;
    Ok(created(
        format!(
            "/api/v1/{}/{}/contacts/{}",
            R::PATH,
            contact.record_id,
            contact.id
        ),
        &contact,
        contact.version,
    ))
}

/// `PATCH /{resources}/{id}/contacts/{contact_id}` (merge patch).
pub async fn update_contact<R: Resource>(
    state: &Library,
    p: &Principal,
    req: &HttpRequest,
    id: String,
    contact_id: String,
    patch: Value,
) -> Result<HttpResponse, ApiError> {
    let expected = if_match(req)?;
    let parent = parent_for_contacts::<R>(state, p, id).await?;
    policy::require_write(p, owner_of(&parent))?;
    if !patch.is_object() {
        return Err(ApiError::invalid_field(
            "",
            "invalid_value",
            "a merge patch is a JSON object",
        ));
    }
    let actor = p.audit_actor();
    let contact = state
        .db
        .write(move |conn| {
            let mut row = store::contact(conn, &parent.id, &contact_id)?
                .ok_or_else(|| ApiError::not_found("no such contact"))?;
            check_version(expected, row.version)?;
            let before = to_json(&row.fields());
            let mut merged = before.clone();
            merge_patch(&mut merged, &patch);
            let mut fields = decode_contact(merged)?;
            check_contact(&mut fields)?;
            row.set_fields(fields);
            let previous = row.version;
            row.version += 1;
            row.updated_at = db::now();
            if !store::update_contact(conn, &row, previous)? {
                return Err(version_conflict(previous + 1));
            }
            audit::record(
                conn,
                &actor,
                "update",
                "contact",
                Some(&row.id),
                Some(audit::diff(&before, &to_json(&row.fields()))),
            )?;
            Ok(row.to_wire(true))
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &contact, contact.version))
}

/// `DELETE /{resources}/{id}/contacts/{contact_id}` (soft).
pub async fn delete_contact<R: Resource>(
    state: &Library,
    p: &Principal,
    req: &HttpRequest,
    id: String,
    contact_id: String,
) -> Result<HttpResponse, ApiError> {
    let expected = if_match(req)?;
    let parent = parent_for_contacts::<R>(state, p, id).await?;
    policy::require_write(p, owner_of(&parent))?;
    let actor = p.audit_actor();
    state
        .db
        .write(move |conn| {
            let mut row = store::contact(conn, &parent.id, &contact_id)?
                .ok_or_else(|| ApiError::not_found("no such contact"))?;
            check_version(expected, row.version)?;
            let previous = row.version;
            row.version += 1;
            row.updated_at = db::now();
            row.deleted_at = Some(row.updated_at);
            if !store::update_contact(conn, &row, previous)? {
                return Err(version_conflict(previous + 1));
            }
            audit::record(conn, &actor, "delete", "contact", Some(&row.id), None)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A record of a resource the caller may see, for sub-resource handlers.
pub async fn visible_record<R: Resource>(
    state: &Library,
    p: &Principal,
    id: String,
) -> Result<RecordRow, ApiError> {
    parent_for_contacts::<R>(state, p, id).await
}

/// A record the caller may change, for sub-resource handlers.
pub fn writable(p: &Principal, row: &RecordRow) -> Result<(), ApiError> {
    policy::require_write(p, owner_of(row))
}
