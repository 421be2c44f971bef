//! Reading, inserting and updating records by id and by their unique keys.

use super::*;

/// One record of a resource by id, read as `$row` (a `Selectable` of `records`), live only
/// unless `$include_deleted`. Not boxed, and on the backend's own connection: a fixed statement
/// is prepared once per connection and cached (through the MultiConnection it would be parsed
/// every time). The selection names its backend, hence one per arm.
macro_rules! record_by_id {
    ($row:ty, $conn:expr, $resource:expr, $id:expr, $include_deleted:expr) => {{
        let q = records::table
            .filter(records::id.eq($id))
            .filter(records::resource.eq($resource));
        let live = q.filter(records::deleted_at.is_null());
        match ($conn, $include_deleted) {
            (DbConnection::Sqlite(c), true) => q.select(<$row>::as_select()).first(c).optional()?,
            (DbConnection::Sqlite(c), false) => {
                live.select(<$row>::as_select()).first(c).optional()?
            }
            (DbConnection::Postgres(c), true) => {
                q.select(<$row>::as_select()).first(c).optional()?
            }
            (DbConnection::Postgres(c), false) => {
                live.select(<$row>::as_select()).first(c).optional()?
            }
        }
    }};
}

/// A record of a resource by id.
pub fn record(
    conn: &mut DbConnection,
    resource: &str,
    id: &str,
    include_deleted: bool,
) -> Result<Option<RecordRow>, ApiError> {
    Ok(record_by_id!(
        RecordRow,
        conn,
        resource,
        id,
        include_deleted
    ))
}

/// A record of a resource by id, read to be changed in the caller's write transaction: on
/// PostgreSQL the row is locked (`FOR UPDATE`), so that concurrent writers of one record take
/// turns and each sees the version the other wrote; SQLite's writes take turns already.
pub fn record_for_update(
    conn: &mut DbConnection,
    resource: &str,
    id: &str,
    include_deleted: bool,
) -> Result<Option<RecordRow>, ApiError> {
    let DbConnection::Postgres(c) = conn else {
        return record(conn, resource, id, include_deleted);
    };
    let q = records::table
        .filter(records::id.eq(id))
        .filter(records::resource.eq(resource))
        .select(RecordRow::as_select());
    Ok(if include_deleted {
        q.for_update().first(c).optional()?
    } else {
        q.filter(records::deleted_at.is_null())
            .for_update()
            .first(c)
            .optional()?
    })
}

/// A record of a resource by id, as `GET /{resources}/{id}` shows it ([`ShownRow`]).
pub fn shown(
    conn: &mut DbConnection,
    resource: &str,
    id: &str,
    include_deleted: bool,
) -> Result<Option<ShownRow>, ApiError> {
    Ok(record_by_id!(ShownRow, conn, resource, id, include_deleted))
}

/// Inserts a record.
pub fn insert(conn: &mut DbConnection, row: &RecordRow) -> Result<(), ApiError> {
    diesel::insert_into(records::table)
        .values(row)
        .execute(conn)?;
    insert_grams(conn, terms_of_record(row))
}

/// Multi-row inserts of borrowed rows: chunks of `$per` rows on SQLite in statements small
/// enough for its parameter limit (32,766; full chunks kept prepared), and a `COPY` per `$pg_per`
/// rows on PostgreSQL, as `insert_rows!` does for owned rows (whose notes apply: `$row` must be
/// derived with `treat_none_as_default_value = false`).
#[macro_export]
macro_rules! bulk_insert {
    ($(#[$doc:meta])* $vis:vis fn $name:ident($table:path, $row:ty, $per:expr, $pg_per:expr)) => {
        $(#[$doc])*
        $vis fn $name(
            conn: &mut $crate::core::db::DbConnection,
            rows: &[$row],
        ) -> Result<(), $crate::core::error::ApiError> {
            use diesel::RunQueryDsl as _;
            match conn {
                $crate::core::db::DbConnection::Postgres(c) => {
                    use diesel::ExecuteCopyFromDsl as _;
                    for chunk in rows.chunks($pg_per) {
                        diesel::copy_from($table).from_insertable(chunk).execute(c)?;
                    }
                }
                $crate::core::db::DbConnection::Sqlite(c) => {
                    for chunk in rows.chunks($per) {
                        match <&[$row; $per]>::try_from(chunk) {
                            Ok(full) => diesel::insert_into($table).values(full).execute(c)?,
                            Err(_) => diesel::insert_into($table).values(chunk).execute(c)?,
                        };
                    }
                }
            }
            Ok(())
        }
    };
}

bulk_insert!(fn insert_record_rows(records::table, RecordRow, 100, 1000));

/// Inserts many records (and their search index) with multi-row statements.
pub fn insert_many(conn: &mut DbConnection, rows: &[RecordRow]) -> Result<(), ApiError> {
    insert_record_rows(conn, rows)?;
    let terms: Vec<Posting> = rows.iter().flat_map(terms_of_record).collect();
    insert_grams(conn, terms)
}

/// Writes a record if its version is still `expected`, with its postings: `old` is what the
/// stored row indexes (the row as read before the change).
pub fn update(
    conn: &mut DbConnection,
    row: &RecordRow,
    old: Indexed<'_>,
    expected: i64,
) -> Result<bool, ApiError> {
    if !update_row(conn, row, expected)? {
        return Ok(false);
    }
    let mut postings = PostingChanges::default();
    postings.record(&row.id, old, Indexed::of(row));
    postings.apply(conn)?;
    Ok(true)
}

/// Writes a record's row (not its postings: see [`PostingChanges`]) if its version is still
/// `expected`.
pub fn update_row(
    conn: &mut DbConnection,
    row: &RecordRow,
    expected: i64,
) -> Result<bool, ApiError> {
    let n = diesel::update(
        records::table
            .filter(records::id.eq(&row.id))
            .filter(records::version.eq(expected)),
    )
    .set((
        records::name.eq(&row.name),
        records::name_key.eq(&row.name_key),
        records::search.eq(&row.search),
        records::kind.eq(&row.kind),
        records::status.eq(&row.status),
        records::priority.eq(&row.priority),
        records::region_code.eq(&row.region_code),
        records::country.eq(&row.country),
        records::credit_code.eq(&row.credit_code),
        records::industry_codes.eq(&row.industry_codes),
        records::tags.eq(&row.tags),
        records::owner_org_id.eq(&row.owner_org_id),
        records::source_agency_id.eq(&row.source_agency_id),
        records::external_id.eq(&row.external_id),
        records::is_local.eq(row.is_local),
        records::is_leading.eq(row.is_leading),
        records::data.eq(&row.data),
        records::version.eq(row.version),
        records::updated_at.eq(row.updated_at),
        records::deleted_at.eq(row.deleted_at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// The live record of a resource with this credit code, other than `except`.
pub fn by_credit_code(
    conn: &mut DbConnection,
    resource: &str,
    code: &str,
    except: Option<&str>,
) -> Result<Option<String>, ApiError> {
    let mut q = records::table
        .select(records::id)
        .filter(records::resource.eq(resource))
        .filter(records::credit_code.eq(code))
        .filter(records::deleted_at.is_null())
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(records::id.ne(id.to_owned()));
    }
    Ok(q.first(conn).optional()?)
}

/// The live record synced by an agency under its own id.
pub fn by_external_id(
    conn: &mut DbConnection,
    resource: &str,
    agency: &str,
    external_id: &str,
) -> Result<Option<RecordRow>, ApiError> {
    Ok(records::table
        .filter(records::resource.eq(resource))
        .filter(records::source_agency_id.eq(agency))
        .filter(records::external_id.eq(external_id))
        .filter(records::deleted_at.is_null())
        .first(conn)
        .optional()?)
}

/// Live records of a resource whose names look the same.
pub fn possible_duplicates(
    conn: &mut DbConnection,
    resource: &str,
    name: &str,
    except: &str,
    only_agency: Option<&str>,
) -> Result<Vec<DuplicateHint>, ApiError> {
    let mut query = records::table
        .select((records::id, records::name))
        .filter(records::resource.eq(resource))
        .filter(records::name_key.eq(name_key(name)))
        .filter(records::id.ne(except))
        .filter(records::deleted_at.is_null())
        .into_boxed();
    if let Some(agency) = only_agency {
        query = query.filter(records::source_agency_id.eq(agency));
    }
    let rows: Vec<(String, String)> = query.limit(20).load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| DuplicateHint { id, name })
        .collect())
}

/// The live records an agency synced under these external ids (locked for the transaction
/// on PostgreSQL).
pub fn by_external_ids(
    conn: &mut DbConnection,
    resource: &str,
    agency: &str,
    external_ids: &[String],
) -> Result<Vec<RecordRow>, ApiError> {
    let mut out = Vec::new();
    for chunk in external_ids.chunks(500) {
        let query = records::table
            .filter(records::resource.eq(resource))
            .filter(records::source_agency_id.eq(agency))
            .filter(records::external_id.eq_any(chunk))
            .filter(records::deleted_at.is_null());
        out.extend(match conn {
            // Locked until the batch commits: a change of one of them through PATCH waits
            // for the batch instead of failing its version check (or the batch's).
            DbConnection::Postgres(c) => {
                crate::core::db::pg_uncached(c, |c| query.for_update().load::<RecordRow>(c))?
            }
            DbConnection::Sqlite(c) => query.load::<RecordRow>(c)?,
        });
    }
    Ok(out)
}

/// The live records of a resource holding these credit codes: (credit code, id).
pub fn by_credit_codes(
    conn: &mut DbConnection,
    resource: &str,
    codes: &[String],
) -> Result<Vec<(String, String, Option<String>)>, ApiError> {
    let mut out = Vec::new();
    for chunk in codes.chunks(500) {
        let query = records::table
            .select((records::credit_code, records::id, records::source_agency_id))
            .filter(records::resource.eq(resource))
            .filter(records::credit_code.eq_any(chunk))
            .filter(records::deleted_at.is_null());
        let rows: Vec<(Option<String>, String, Option<String>)> = match conn {
            DbConnection::Postgres(c) => crate::core::db::pg_uncached(c, |c| query.load(c))?,
            DbConnection::Sqlite(c) => query.load(c)?,
        };
        out.extend(
            rows.into_iter()
                .filter_map(|(c, id, source)| Some((c?, id, source))),
        );
    }
    Ok(out)
}

/// Live records by id (any resource).
pub fn records_by_ids(conn: &mut DbConnection, ids: &[String]) -> Result<Vec<RecordRow>, ApiError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(records::table
        .filter(records::id.eq_any(ids))
        .filter(records::deleted_at.is_null())
        .load(conn)?)
}
