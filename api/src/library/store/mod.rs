//! Queries of the shared information library.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use zhaoshang_types::{
    ChainNode, ChainNodeFields, Contact, ContactFields, DuplicateHint, EnterpriseRef, NodePosition,
    Record, SupplyLink, SupplyLinkFields,
};

use crate::core::db::DbConnection;
use crate::core::db::schema::{
    chain_nodes, contacts, enterprise_nodes, record_grams, records, supply_links,
};
use crate::core::error::ApiError;
use crate::library::Index;
use crate::library::validate::name_key;

fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    DateTime::<Utc>::from_naive_utc_and_offset(t, Utc)
}

/// A `records` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = records, treat_none_as_default_value = false)]
pub struct RecordRow {
    pub id: String,
    pub resource: String,
    pub name: String,
    pub name_key: String,
    pub search: String,
    pub kind: Option<String>,
    pub status: Option<String>,
    pub priority: Option<String>,
    pub region_code: Option<String>,
    pub country: Option<String>,
    pub credit_code: Option<String>,
    pub industry_codes: String,
    pub tags: String,
    pub owner_org_id: String,
    pub source_agency_id: Option<String>,
    pub external_id: Option<String>,
    pub is_local: Option<bool>,
    pub is_leading: Option<bool>,
    pub data: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub created_by: Option<String>,
    pub deleted_at: Option<NaiveDateTime>,
}

/// The columns of a record that a list shows (its wire form, its cursor, its CSV line): lists
/// read only these, not the indexed copies of the fields beside them.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = records)]
pub struct ListRow {
    pub id: String,
    pub resource: String,
    pub name: String,
    pub data: String,
    pub version: i64,
    pub created_at: Stamp,
    pub updated_at: Stamp,
    pub created_by: Option<String>,
    pub deleted_at: Option<Stamp>,
}

/// The columns of a record that `GET /{resources}/{id}` needs: what a list shows and who owns
/// the record (for the caller's right to see it). Reading all 24 columns cost PostgreSQL a
/// row description and a tuple of each per request, and SQLite the parsing of its timestamps
/// by chrono and a `String` per indexed copy of a field.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = records)]
pub struct ShownRow {
    #[diesel(embed)]
    pub row: ListRow,
    pub owner_org_id: String,
    pub source_agency_id: Option<String>,
}

/// A `TIMESTAMP` column. On SQLite it is text, which diesel parses by trying chrono format
/// strings one after another (a tenth of the CPU of a 50-row list): the form diesel writes
/// (`2026-11-27 03:41:40.087016`) is read here by position, anything else as diesel reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, diesel::deserialize::FromSqlRow)]
pub struct Stamp(pub NaiveDateTime);

impl Stamp {
    /// `YYYY-MM-DD HH:MM:SS` with an optional fraction of one to nine digits.
    fn parse(text: &str) -> Option<NaiveDateTime> {
        let b = text.as_bytes();
        if b.len() < 19
            || b[4] != b'-'
            || b[7] != b'-'
            || b[10] != b' '
            || b[13] != b':'
            || b[16] != b':'
        {
            return None;
        }
        let num = |from: usize, to: usize| -> Option<u32> {
            b[from..to].iter().try_fold(0u32, |n, &c| {
                c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
            })
        };
        let date = chrono::NaiveDate::from_ymd_opt(
            i32::try_from(num(0, 4)?).ok()?,
            num(5, 7)?,
            num(8, 10)?,
        )?;
        let nanos = match &b[19..] {
            [] => 0,
            [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
                num(20, b.len())? * 10u32.pow(9 - digits.len() as u32)
            }
            _ => return None,
        };
        let time =
            chrono::NaiveTime::from_hms_nano_opt(num(11, 13)?, num(14, 16)?, num(17, 19)?, nanos)?;
        Some(date.and_time(time))
    }
}

impl diesel::deserialize::FromSql<diesel::sql_types::Timestamp, diesel::sqlite::Sqlite> for Stamp {
    fn from_sql(
        mut value: diesel::sqlite::SqliteValue<'_, '_, '_>,
    ) -> diesel::deserialize::Result<Self> {
        if let Some(t) = Self::parse(value.read_text()) {
            return Ok(Self(t));
        }
        <NaiveDateTime as diesel::deserialize::FromSql<
            diesel::sql_types::Timestamp,
            diesel::sqlite::Sqlite,
        >>::from_sql(value)
        .map(Self)
    }
}

impl diesel::deserialize::FromSql<diesel::sql_types::Timestamp, diesel::pg::Pg> for Stamp {
    fn from_sql(value: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
        <NaiveDateTime as diesel::deserialize::FromSql<
            diesel::sql_types::Timestamp,
            diesel::pg::Pg,
        >>::from_sql(value)
        .map(Self)
    }
}

impl ListRow {
    /// Writes the wire form as JSON, its stored fields spliced in (`write_wire_json`).
    pub fn write_wire_json(&self, out: &mut Vec<u8>) -> Result<(), ApiError> {
        write_wire_json(
            &self.id,
            &self.resource,
            self.version,
            (
                self.created_at.0,
                self.updated_at.0,
                self.deleted_at.map(|d| d.0),
            ),
            self.created_by.as_ref(),
            &self.data,
            out,
        )
    }
}

/// `,a,b,` — so that `LIKE '%,a%'` matches a code prefix and `LIKE '%,a,%'` a whole entry.
fn joined(values: &[String]) -> String {
    if values.is_empty() {
        String::new()
    } else {
        format!(",{},", values.join(","))
    }
}

/// Each industry code with its ancestors (section letter, division, group), so that a prefix
/// filter by section letter finds classes too.
fn with_ancestors(codes: &[String]) -> Vec<String> {
    let reference = crate::core::reference::get();
    let mut out: Vec<String> = Vec::new();
    for code in codes {
        let mut current = Some(code.clone());
        while let Some(c) = current {
            if !out.contains(&c) {
                out.push(c.clone());
            }
            current = reference.industry(&c).and_then(|i| i.parent_code.clone());
        }
    }
    out
}

impl RecordRow {
    /// Sets the indexed columns and the JSON of `fields`.
    pub fn set_fields<T: Serialize>(&mut self, index: &Index, fields: &T) -> Result<(), ApiError> {
        self.name = index.name.clone();
        self.name_key = name_key(&index.name);
        let mut search = index.name.to_lowercase();
        for other in &index.also_known_as {
            search.push('\u{1f}');
            search.push_str(&other.to_lowercase());
        }
        self.search = search;
        self.kind = index.kind.clone();
        self.status = index.status.clone();
        self.priority = index.priority.clone();
        self.region_code = index.region_code.clone();
        self.country = index.country.clone();
        self.credit_code = index.credit_code.clone();
        self.industry_codes = joined(&with_ancestors(&index.industry_codes));
        self.tags = joined(&index.tags);
        self.source_agency_id = index.source_agency_id.clone();
        self.external_id = index.external_id.clone();
        self.is_local = index.is_local;
        self.is_leading = index.is_leading;
        self.data = serde_json::to_string(fields).map_err(ApiError::internal)?;
        Ok(())
    }

    /// A new row for `fields`.
    pub fn new<T: Serialize>(
        id: String,
        resource: &str,
        owner_org_id: String,
        created_by: Option<String>,
        index: &Index,
        fields: &T,
    ) -> Result<Self, ApiError> {
        let now = crate::core::db::now();
        let mut row = Self {
            id,
            resource: resource.to_owned(),
            name: String::new(),
            name_key: String::new(),
            search: String::new(),
            kind: None,
            status: None,
            priority: None,
            region_code: None,
            country: None,
            credit_code: None,
            industry_codes: String::new(),
            tags: String::new(),
            owner_org_id,
            source_agency_id: None,
            external_id: None,
            is_local: None,
            is_leading: None,
            data: String::new(),
            version: 1,
            created_at: now,
            updated_at: now,
            created_by,
            deleted_at: None,
        };
        row.set_fields(index, fields)?;
        Ok(row)
    }

    /// The stored fields.
    pub fn fields<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        serde_json::from_str(&self.data)
            .map_err(|e| ApiError::internal(format!("record {} does not decode: {e}", self.id)))
    }

    /// The wire form.
    pub fn to_wire<T: DeserializeOwned>(&self) -> Result<Record<T>, ApiError> {
        Ok(Record {
            id: self.id.clone(),
            version: self.version,
            created_at: utc(self.created_at),
            updated_at: utc(self.updated_at),
            created_by: self.created_by.clone(),
            deleted_at: self.deleted_at.map(utc),
            org_id: (self.resource == "agency").then(|| self.id.clone()),
            possible_duplicates: Vec::new(),
            fields: self.fields()?,
        })
    }

    /// Writes the wire form as JSON, its stored fields spliced in (`write_wire_json`).
    pub fn write_wire_json(&self, out: &mut Vec<u8>) -> Result<(), ApiError> {
        write_wire_json(
            &self.id,
            &self.resource,
            self.version,
            (self.created_at, self.updated_at, self.deleted_at),
            self.created_by.as_ref(),
            &self.data,
            out,
        )
    }

    /// A short reference to an enterprise.
    pub fn enterprise_ref(&self) -> EnterpriseRef {
        EnterpriseRef {
            id: self.id.clone(),
            name: self.name.clone(),
            is_local: self.is_local.unwrap_or(false),
            is_leading: self.is_leading.unwrap_or(false),
            region_code: self.region_code.clone(),
        }
    }
}

/// A timestamp as the wire form writes it (chrono's RFC 3339 in UTC: `Z`, and a fraction of
/// 0, 3, 6 or 9 digits as needed), without chrono's formatting machinery, which took a twentieth
/// of the CPU of a 50-row list. Years outside 0–9999 and leap seconds go through chrono.
struct WireTime(NaiveDateTime);

impl Serialize for WireTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use chrono::{Datelike, Timelike};
        let t = self.0;
        let nanos = t.nanosecond();
        if !(0..=9999).contains(&t.year()) || nanos >= 1_000_000_000 {
            return utc(t).serialize(s);
        }
        let mut buf = [0u8; 30];
        let mut put = |at: usize, value: u32, digits: usize| {
            let mut v = value;
            for i in (at..at + digits).rev() {
                buf[i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(0, t.year().unsigned_abs(), 4);
        put(5, t.month(), 2);
        put(8, t.day(), 2);
        put(11, t.hour(), 2);
        put(14, t.minute(), 2);
        put(17, t.second(), 2);
        let len = match nanos {
            0 => 19,
            n if n % 1_000_000 == 0 => {
                put(20, n / 1_000_000, 3);
                23
            }
            n if n % 1_000 == 0 => {
                put(20, n / 1_000, 6);
                26
            }
            n => {
                put(20, n, 9);
                29
            }
        };
        for (i, c) in [
            (4, b'-'),
            (7, b'-'),
            (10, b'T'),
            (13, b':'),
            (16, b':'),
            (19, b'.'),
        ] {
            buf[i] = c;
        }
        buf[len] = b'Z';
        let text = std::str::from_utf8(&buf[..=len]).map_err(serde::ser::Error::custom)?;
        s.serialize_str(text)
    }
}

/// The wire form of a record as JSON: the server's fields (as [`Record`] names and orders them),
/// then the stored JSON of the record's fields spliced in as it is (it was written from the
/// same fields type, so decoding and encoding it again would give the same text at a cost per
/// record). Equal to serialising [`RecordRow::to_wire`] (tested).
fn write_wire_json(
    id: &str,
    resource: &str,
    version: i64,
    (created_at, updated_at, deleted_at): (NaiveDateTime, NaiveDateTime, Option<NaiveDateTime>),
    created_by: Option<&String>,
    data: &str,
    out: &mut Vec<u8>,
) -> Result<(), ApiError> {
    /// The server's fields of [`Record`] (`possible_duplicates` is only shown on create).
    #[derive(Serialize)]
    struct Meta<'a> {
        id: &'a str,
        version: i64,
        created_at: WireTime,
        updated_at: WireTime,
        created_by: Option<&'a String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        deleted_at: Option<WireTime>,
        #[serde(skip_serializing_if = "Option::is_none")]
        org_id: Option<&'a str>,
    }
    let meta = Meta {
        id,
        version,
        created_at: WireTime(created_at),
        updated_at: WireTime(updated_at),
        created_by,
        deleted_at: deleted_at.map(WireTime),
        org_id: (resource == "agency").then_some(id),
    };
    let data = data.trim();
    let inner = data
        .strip_prefix('{')
        .and_then(|d| d.strip_suffix('}'))
        .ok_or_else(|| ApiError::internal(format!("record {id} holds no JSON object")))?;
    serde_json::to_writer(&mut *out, &meta).map_err(ApiError::internal)?;
    if !inner.trim().is_empty() {
        out.pop(); // the closing brace
        out.push(b',');
        out.extend_from_slice(inner.as_bytes());
        out.push(b'}');
    }
    Ok(())
}

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

/// The distinct bigrams of a text (lower case), within each `\u{1f}`-separated part, without
/// pairs that hold white space.
pub fn grams(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in text.split('\u{1f}') {
        let chars: Vec<char> = part.to_lowercase().chars().collect();
        for pair in chars.windows(2) {
            if pair.iter().any(|c| c.is_whitespace()) {
                continue;
            }
            let gram: String = pair.iter().collect();
            if !out.contains(&gram) {
                out.push(gram);
            }
        }
    }
    out
}

/// The term of the search index for records classified under an industry code (or under
/// one of its subclasses). Bigrams have two characters, so the two never meet.
pub fn industry_term(code: &str) -> String {
    format!("industry:{code}")
}

/// A posting of the search index: a term, its record and the record's region code (so that a
/// region filter is tested on the posting).
pub type Posting = (String, String, Option<String>);

/// The `record_grams` rows of a record: the bigrams of its searchable text and a term per
/// industry code it is classified under (ancestors included).
pub fn terms_of_record(row: &RecordRow) -> Vec<Posting> {
    grams(&row.search)
        .into_iter()
        .chain(
            row.industry_codes
                .split(',')
                .filter(|c| !c.is_empty())
                .map(industry_term),
        )
        .map(|g| (g, row.id.clone(), row.region_code.clone()))
        .collect()
}

/// Inserts postings, many per statement.
pub fn insert_grams(conn: &mut DbConnection, rows: Vec<Posting>) -> Result<(), ApiError> {
    let rows = rows.into_iter().map(|(g, id, region)| {
        (
            record_grams::gram.eq(g),
            record_grams::record_id.eq(id),
            record_grams::region_code.eq(region),
        )
    });
    Ok(crate::insert_rows!(
        conn,
        record_grams::table,
        rows,
        sqlite = 500,
        postgres = 5000
    )?)
}

/// How many records hold a term, counted up to `cap` (from the index alone).
fn term_frequency(conn: &mut DbConnection, term: &str, cap: i64) -> Result<i64, ApiError> {
    use diesel::sql_types::{BigInt, Text};
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let count: Count = match conn {
        DbConnection::Postgres(c) => diesel::sql_query(
            "SELECT COUNT(*) AS n FROM (SELECT 1 FROM record_grams WHERE gram = $1 LIMIT $2) t",
        )
        .bind::<Text, _>(term)
        .bind::<BigInt, _>(cap)
        .get_result(c)?,
        DbConnection::Sqlite(c) => diesel::sql_query(
            "SELECT COUNT(*) AS n FROM (SELECT 1 FROM record_grams WHERE gram = ? LIMIT ?) t",
        )
        .bind::<Text, _>(term)
        .bind::<BigInt, _>(cap)
        .get_result(c)?,
    };
    Ok(count.n)
}

/// Writes a record if its version is still `expected`.
pub fn update(conn: &mut DbConnection, row: &RecordRow, expected: i64) -> Result<bool, ApiError> {
    // The postings are written again when what they hold changes: the terms, or the region
    // they carry.
    let old: Option<(String, String, Option<String>)> = records::table
        .select((
            records::search,
            records::industry_codes,
            records::region_code,
        ))
        .filter(records::id.eq(&row.id))
        .first(conn)
        .optional()?;
    if old.as_ref().is_none_or(|(search, industries, region)| {
        *search != row.search || *industries != row.industry_codes || *region != row.region_code
    }) {
        diesel::delete(record_grams::table.filter(record_grams::record_id.eq(&row.id)))
            .execute(conn)?;
        insert_grams(conn, terms_of_record(row))?;
    }
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
) -> Result<Vec<DuplicateHint>, ApiError> {
    let rows: Vec<(String, String)> = records::table
        .select((records::id, records::name))
        .filter(records::resource.eq(resource))
        .filter(records::name_key.eq(name_key(name)))
        .filter(records::id.ne(except))
        .filter(records::deleted_at.is_null())
        .limit(20)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| DuplicateHint { id, name })
        .collect())
}

/// Sort orders of lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Oldest first (the id order; the default).
    Created,
    /// Newest first.
    CreatedDesc,
    /// By name.
    Name,
    /// By name, Z to A.
    NameDesc,
}

impl Sort {
    /// Parses `sort`.
    pub fn parse(s: Option<&str>) -> Result<Self, ApiError> {
        match s.unwrap_or("created_at") {
            "created_at" | "id" => Ok(Self::Created),
            "-created_at" | "-id" => Ok(Self::CreatedDesc),
            "name" => Ok(Self::Name),
            "-name" => Ok(Self::NameDesc),
            other => Err(ApiError::invalid_field(
                "sort",
                "invalid_value",
                format!("sort {other:?} is not one of name, -name, created_at, -created_at"),
            )),
        }
    }

    /// The name in cursors.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created_at",
            Self::CreatedDesc => "-created_at",
            Self::Name => "name",
            Self::NameDesc => "-name",
        }
    }
}

/// Filters of the library lists.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub resource: &'static str,
    pub q: Option<String>,
    pub industry: Option<String>,
    pub region: Option<String>,
    pub country: Option<String>,
    pub status: Option<String>,
    pub priority: Option<String>,
    pub kind: Option<String>,
    pub owner_org_id: Option<String>,
    pub source_agency_id: Option<String>,
    pub external_id: Option<String>,
    pub tag: Option<String>,
    pub updated_since: Option<NaiveDateTime>,
    pub is_local: Option<bool>,
    pub is_leading: Option<bool>,
    pub include_deleted: bool,
    /// For agency callers: only records this agency brought (or the agency itself).
    pub only_agency: Option<String>,
    pub sort: Option<Sort>,
    /// Keyset position: (name, id) or (id).
    pub after: Option<(Option<String>, String)>,
}

/// The upper bound of a prefix range (`3308` → `3309`), for index-friendly prefix filters.
fn prefix_end(prefix: &str) -> String {
    let mut bytes = prefix.as_bytes().to_vec();
    if let Some(last) = bytes.last_mut() {
        *last = last.saturating_add(1);
    }
    String::from_utf8(bytes).unwrap_or_else(|_| format!("{prefix}\u{10ffff}"))
}

/// Applies the filters of a list other than the choice of rows by the search index: every
/// condition is checked on the record itself, so a page is right whichever way its rows were
/// found. A macro because the two query shapes (records alone, records by postings) are
/// different types.
macro_rules! record_filters {
    ($q:expr, $f:expr, $sort:expr) => {{
        let f: &ListFilter = $f;
        let mut q = $q.filter(records::resource.eq(f.resource));
        if !f.include_deleted {
            q = q.filter(records::deleted_at.is_null());
        }
        if let Some(agency) = &f.only_agency {
            q = if f.resource == "agency" {
                q.filter(records::id.eq(agency.clone()))
            } else {
                q.filter(records::source_agency_id.eq(agency.clone()))
            };
        }
        if let Some(text) = &f.q {
            q = q.filter(
                records::search
                    .like(crate::core::db::like_pattern(&text.to_lowercase()))
                    .escape('\\'),
            );
        }
        if let Some(code) = &f.industry {
            q = q.filter(
                records::industry_codes
                    .like(format!("%,{}%", escape_like(code)))
                    .escape('\\'),
            );
        }
        if let Some(region) = &f.region {
            q = q
                .filter(records::region_code.ge(region.clone()))
                .filter(records::region_code.lt(prefix_end(region)));
        }
        if let Some(v) = &f.country {
            q = q.filter(records::country.eq(v.clone()));
        }
        if let Some(v) = &f.status {
            q = q.filter(records::status.eq(v.clone()));
        }
        if let Some(v) = &f.priority {
            q = q.filter(records::priority.eq(v.clone()));
        }
        if let Some(v) = &f.kind {
            q = q.filter(records::kind.eq(v.clone()));
        }
        if let Some(v) = &f.owner_org_id {
            q = q.filter(records::owner_org_id.eq(v.clone()));
        }
        if let Some(v) = &f.source_agency_id {
            q = q.filter(records::source_agency_id.eq(v.clone()));
        }
        if let Some(v) = &f.external_id {
            q = q.filter(records::external_id.eq(v.clone()));
        }
        if let Some(tag) = &f.tag {
            q = q.filter(
                records::tags
                    .like(format!("%,{},%", escape_like(tag)))
                    .escape('\\'),
            );
        }
        if let Some(t) = f.updated_since {
            q = q.filter(records::updated_at.ge(t));
        }
        if let Some(v) = f.is_local {
            q = q.filter(records::is_local.eq(v));
        }
        if let Some(v) = f.is_leading {
            q = q.filter(records::is_leading.eq(v));
        }
        if let Some((name, id)) = &f.after {
            let id = id.clone();
            q = match ($sort, name) {
                (Sort::Created, _) => q.filter(records::id.gt(id)),
                (Sort::CreatedDesc, _) => q.filter(records::id.lt(id)),
                (Sort::Name, Some(n)) => q.filter(
                    records::name
                        .gt(n.clone())
                        .or(records::name.eq(n.clone()).and(records::id.gt(id))),
                ),
                (Sort::NameDesc, Some(n)) => q.filter(
                    records::name
                        .lt(n.clone())
                        .or(records::name.eq(n.clone()).and(records::id.lt(id))),
                ),
                (_, None) => {
                    return Err(ApiError::invalid_field(
                        "cursor",
                        "invalid_cursor",
                        "the cursor does not fit the sort order",
                    ));
                }
            };
        }
        q
    }};
}

/// Terms held by more records than this are not worth driving a list from: matches are dense
/// enough that walking the records themselves in order finds a page as quickly.
const COMMON: i64 = 200_000;
/// In name order the candidates of the driving term are all read and sorted: only when fewer.
const FEW: i64 = 5_000;
/// How long a counted term is trusted: counts only choose the way a list is read, never what
/// it holds, so a stale count costs speed at worst.
const COUNT_TTL: Duration = Duration::from_secs(60);

/// Values kept for [`COUNT_TTL`], at most 10,000 (when full, the stale ones are dropped, or
/// else all).
#[derive(Debug)]
struct Kept<K, V> {
    entries: Mutex<HashMap<K, (V, Instant)>>,
}

impl<K, V> Default for Kept<K, V> {
    fn default() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + std::hash::Hash, V: Clone> Kept<K, V> {
    const MAX: usize = 10_000;

    fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + std::hash::Hash + ?Sized,
    {
        let entries = self.entries.lock().ok()?;
        let (value, at) = entries.get(key)?;
        (at.elapsed() < COUNT_TTL).then(|| value.clone())
    }

    fn put(&self, key: K, value: V) {
        let now = Instant::now();
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= Self::MAX {
                entries.retain(|_, (_, at)| now.duration_since(*at) < COUNT_TTL);
                if entries.len() >= Self::MAX {
                    entries.clear();
                }
            }
            entries.insert(key, (value, now));
        }
    }
}

/// Posting counts of search terms (capped at [`COMMON`]), counted from the index and kept for
/// a minute: a common bigram or industry costs one index walk a minute instead of one per
/// request. Beside them, where bounded first pages stop (see [`list_bounded`]).
#[derive(Debug, Default)]
pub struct TermCounts {
    counts: Kept<String, i64>,
    /// The record id of a term's `n`-th posting in id order, by (term, n).
    bounds: Kept<(String, i64), String>,
}

impl TermCounts {
    /// The count of a term counted less than a minute ago.
    fn cached(&self, term: &str) -> Option<i64> {
        self.counts.get(term)
    }

    fn get(&self, conn: &mut DbConnection, term: &str) -> Result<i64, ApiError> {
        if let Some(n) = self.cached(term) {
            return Ok(n);
        }
        let n = term_frequency(conn, term, COMMON)?;
        self.counts.put(term.to_owned(), n);
        Ok(n)
    }
}

/// The terms of the search index every match must hold: the bigrams of `q`, the industry
/// filter's.
fn search_terms(f: &ListFilter) -> Vec<String> {
    let mut terms =
        f.q.as_deref()
            .map(|t| grams(&t.to_lowercase()))
            .unwrap_or_default();
    if let Some(code) = &f.industry
        && crate::core::reference::get().industry(code).is_some()
    {
        terms.push(industry_term(code));
    }
    terms
}

/// Of counted terms, those that are not common, rarest first.
fn uncommon(mut counted: Vec<(i64, String)>) -> Vec<(i64, String)> {
    counted.retain(|(n, _)| *n < COMMON);
    counted.sort();
    counted
}

impl ListFilter {
    /// Whether a page is simply the first records in its order: no condition that a walk of
    /// the records would test row by row (only the resource, deleted rows, a cursor).
    fn is_plain(&self) -> bool {
        // Every field named (no `..`), so that a new filter is placed on one side or the other.
        matches!(
            self,
            Self {
                resource: _,
                q: None,
                industry: None,
                region: None,
                country: None,
                status: None,
                priority: None,
                kind: None,
                owner_org_id: None,
                source_agency_id: None,
                external_id: None,
                tag: None,
                updated_since: None,
                is_local: None,
                is_leading: None,
                include_deleted: _,
                only_agency: None,
                sort: _,
                after: _,
            }
        )
    }
}

/// Keeps the postings (`record_grams` rows) of a query whose record also holds each of `others`,
/// probed in the index by record id, rarest first.
macro_rules! probe_terms {
    ($q:expr, $others:expr) => {{
        let other_term = diesel::alias!(record_grams as other_term);
        let mut q = $q;
        for (_, other) in $others {
            q = q.filter(diesel::dsl::exists(
                other_term
                    .select(other_term.field(record_grams::gram))
                    .filter(other_term.field(record_grams::gram).eq(other.clone()))
                    .filter(
                        other_term
                            .field(record_grams::record_id)
                            .eq(record_grams::record_id),
                    )
                    .limit(1),
            ));
        }
        q
    }};
}

/// Keeps the postings whose record lies in the filter's region, by the code each posting
/// carries: tested as the postings are walked, before any record is read.
macro_rules! postings_in_region {
    ($q:expr, $f:expr) => {{
        let (q, f): (_, &ListFilter) = ($q, $f);
        match &f.region {
            Some(region) => q
                .filter(record_grams::region_code.ge(region.clone()))
                .filter(record_grams::region_code.lt(prefix_end(region))),
            None => q,
        }
    }};
}

/// Orders a query of postings by record id, ascending or descending, starting after the id
/// `after` (a cursor's position) when there is one.
macro_rules! postings_in_id_order {
    ($q:expr, $after:expr, $ascending:expr) => {{
        let (mut q, after, ascending): (_, Option<String>, bool) = ($q, $after, $ascending);
        if let Some(id) = after {
            q = if ascending {
                q.filter(record_grams::record_id.gt(id))
            } else {
                q.filter(record_grams::record_id.lt(id))
            };
        }
        if ascending {
            q.order(record_grams::record_id.asc())
        } else {
            q.order(record_grams::record_id.desc())
        }
    }};
}

/// A page read from the candidates of a rare term (fewer than [`FEW`]) by key, or else by
/// walking the records in the page's order; on either backend's own connection.
macro_rules! list_on {
    ($c:expr, $f:expr, $sort:expr, $driver:expr, $limit:expr) => {{
        let (c, f, sort, limit) = ($c, $f, $sort, $limit);
        match $driver {
            Some((n, term)) if n < FEW => {
                let candidates: Vec<String> = postings_in_region!(
                    record_grams::table
                        .select(record_grams::record_id)
                        .filter(record_grams::gram.eq(term))
                        .into_boxed(),
                    f
                )
                .load(c)?;
                // Ordering by an expression no index provides keeps the planners from walking
                // the name index and testing each row against the candidates: they look the
                // candidates up and sort those.
                let q = record_filters!(
                    records::table.select(ListRow::as_select()).into_boxed(),
                    f,
                    sort
                )
                .filter(records::id.eq_any(candidates));
                let id = records::id.concat("");
                let name = records::name.concat("");
                let q = match sort {
                    Sort::Created => q.order(id.asc()),
                    Sort::CreatedDesc => q.order(id.desc()),
                    Sort::Name => q.order((name.asc(), id.asc())),
                    Sort::NameDesc => q.order((name.desc(), id.desc())),
                };
                Ok(q.limit(limit).load(c)?)
            }
            _ => {
                let q = record_filters!(
                    records::table.select(ListRow::as_select()).into_boxed(),
                    f,
                    sort
                );
                let q = match sort {
                    Sort::Created => q.order(records::id.asc()),
                    Sort::CreatedDesc => q.order(records::id.desc()),
                    Sort::Name => q.order((records::name.asc(), records::id.asc())),
                    Sort::NameDesc => q.order((records::name.desc(), records::id.desc())),
                };
                Ok(q.limit(limit).load(c)?)
            }
        }
    }};
}
/// One page of records (`limit` rows).
///
/// With a term among the filters that is not common, a page in id order is read along that
/// term's postings, whose records also hold the other terms: on SQLite in one statement (each
/// candidate checked against every filter, stopping at `limit`), on PostgreSQL a chunk of
/// postings at a time. In name order a rare term's candidates are read and sorted. Failing
/// these, records are walked in the page's order through the table's indexes.
///
/// The statements run on the backend's own connection, whose statement cache keeps them by
/// their text (through the `MultiConnection` every list would be parsed again).
pub fn list(
    conn: &mut DbConnection,
    counts: &TermCounts,
    f: &ListFilter,
    limit: i64,
) -> Result<Vec<ListRow>, ApiError> {
    let sort = f.sort.unwrap_or(Sort::Created);
    let terms = uncommon(
        search_terms(f)
            .into_iter()
            .map(|t| Ok((counts.get(conn, &t)?, t)))
            .collect::<Result<_, ApiError>>()?,
    );
    let by_id = matches!(sort, Sort::Created | Sort::CreatedDesc);
    match conn {
        DbConnection::Sqlite(c) => match terms.split_first() {
            Some(((_, term), others)) if by_id => {
                by_postings(c, f, sort, term, others, limit, None)
            }
            _ => list_on!(c, f, sort, terms.into_iter().next(), limit),
        },
        DbConnection::Postgres(c) => match terms.split_first() {
            Some(((_, term), others)) if by_id => {
                by_posting_chunks(c, f, sort, term, others, limit)
            }
            // Planned for the filters' values each time (see `pg_uncached`).
            _ => crate::core::db::pg_uncached(c, |c| {
                list_on!(c, f, sort, terms.into_iter().next(), limit)
            }),
        },
    }
}

/// A page read along the postings of `term` in id order (PostgreSQL), a chunk at a time: the
/// next postings whose records hold the other terms too (index-only: PostgreSQL merges the
/// terms' postings), then those of their records that pass every filter, in id order, until the
/// page is full or the postings end. PostgreSQL plans a join of the postings with the records
/// as a scan of the whole term sorted afterwards (1.1 s for a rare industry at a million,
/// measured), and a walk of the records in id order tests every row (5,000 rows for a page of
/// the bench's filtered list).
fn by_posting_chunks(
    c: &mut diesel::PgConnection,
    f: &ListFilter,
    sort: Sort,
    term: &str,
    others: &[(i64, String)],
    limit: i64,
) -> Result<Vec<ListRow>, ApiError> {
    let ascending = sort == Sort::Created;
    let mut out: Vec<ListRow> = Vec::new();
    let mut after = f.after.as_ref().map(|(_, id)| id.clone());
    // Enough postings for a page when one in four passes the other filters; more each round.
    let mut chunk = (limit * 4).max(200);
    loop {
        let postings = probe_terms!(
            postings_in_region!(
                record_grams::table
                    .select(record_grams::record_id)
                    .filter(record_grams::gram.eq(term.to_owned()))
                    .into_boxed(),
                f
            ),
            others
        );
        let postings = postings_in_id_order!(postings, after.take(), ascending);
        let ids: Vec<String> = postings.limit(chunk).load(c)?;
        let last_chunk = (ids.len() as i64) < chunk;
        after = ids.last().cloned();
        if ids.is_empty() {
            return Ok(out);
        }
        let q = record_filters!(
            records::table.select(ListRow::as_select()).into_boxed(),
            f,
            sort
        )
        .filter(records::id.eq_any(ids));
        let q = if ascending {
            q.order(records::id.asc())
        } else {
            q.order(records::id.desc())
        };
        let wanted = limit - out.len() as i64;
        // Planned for the candidates each time: a plan for any candidates walked an index of
        // the filters and tested every row against them (see `pg_uncached`).
        out.extend(crate::core::db::pg_uncached(c, |c| {
            q.limit(wanted).load(c)
        })?);
        if out.len() as i64 >= limit || last_chunk {
            return Ok(out);
        }
        chunk = (chunk * 2).min(20_000);
    }
}

/// Postings a list may read on the calling worker thread per row it asks for (see
/// [`list_bounded`]): each costs an index step, probes of the other terms when it passes the
/// region, and a read of its record when it passes those, so a page of 50 rows costs a few
/// hundred microseconds at most; never fewer than [`BOUNDED_POSTINGS.0`](BOUNDED_POSTINGS) nor
/// more than [`BOUNDED_POSTINGS.1`](BOUNDED_POSTINGS) (about 2 ms, with a probe or two each).
const BOUNDED_POSTINGS_PER_ROW: i64 = 4;
/// The least and the most postings a bounded list reads.
const BOUNDED_POSTINGS: (i64, i64) = (64, 512);

/// A page, or as much of it as a bounded amount of work finds (see [`list_bounded`]).
#[derive(Debug)]
pub enum Bounded {
    /// The whole page.
    Page(Vec<ListRow>),
    /// The page's first rows; the rest is read with [`list`] and the filter given, which
    /// starts after the postings read.
    Part(Vec<ListRow>, ListFilter),
    /// Nothing read: the page needs work that is not bounded; read it with [`list`].
    Unbounded(ListFilter),
}

/// Reads what of a page a bounded amount of work finds, so that it may run on the worker
/// thread that serves the request instead of being handed to the blocking pool and back
/// (the hand-over cost a fifth of the CPU of a filtered list). Bounded are a plain page (the
/// first records in its order) and, on SQLite, a page in id order along a search term's
/// postings, of which at most `BOUNDED_POSTINGS_PER_ROW` per row are read (see there); a
/// term whose count is not at hand is counted by [`list`]. A plain page skips deleted
/// records as it walks, and is taken to be bounded: records are deleted one by one.
pub fn list_bounded(
    conn: &mut DbConnection,
    counts: &TermCounts,
    mut f: ListFilter,
    limit: i64,
) -> Result<Bounded, ApiError> {
    let DbConnection::Sqlite(c) = conn else {
        return Ok(Bounded::Unbounded(f));
    };
    let sort = f.sort.unwrap_or(Sort::Created);
    if f.is_plain() {
        let rows: Result<Vec<ListRow>, ApiError> =
            list_on!(c, &f, sort, None::<(i64, String)>, limit);
        return Ok(Bounded::Page(rows?));
    }
    let ascending = match sort {
        Sort::Created => true,
        Sort::CreatedDesc => false,
        Sort::Name | Sort::NameDesc => return Ok(Bounded::Unbounded(f)),
    };
    let Some(counted) = search_terms(&f)
        .into_iter()
        .map(|t| counts.cached(&t).map(|n| (n, t)))
        .collect::<Option<Vec<_>>>()
    else {
        return Ok(Bounded::Unbounded(f));
    };
    let terms = uncommon(counted);
    let Some(((_, term), others)) = terms.split_first() else {
        return Ok(Bounded::Unbounded(f));
    };
    // The last posting within the bound, if there are more. Where a first page in id order
    // stops is kept beside the term's count: it only divides the page's work between this
    // thread and the pool, never what the page holds, and new records sort after it.
    let n = (limit * BOUNDED_POSTINGS_PER_ROW).clamp(BOUNDED_POSTINGS.0, BOUNDED_POSTINGS.1);
    let first_page = ascending && f.after.is_none();
    let key = (term.clone(), n);
    let last = match first_page.then(|| counts.bounds.get(&key)).flatten() {
        Some(last) => Some(last),
        None => {
            let after = f.after.as_ref().map(|(_, id)| id.clone());
            let last: Option<String> = postings_in_id_order!(
                record_grams::table
                    .select(record_grams::record_id)
                    .filter(record_grams::gram.eq(term.clone()))
                    .into_boxed(),
                after,
                ascending
            )
            .offset(n - 1)
            .first(c)
            .optional()?;
            // A term with fewer postings is read whole; that is not kept, as new postings
            // would join it.
            if first_page && let Some(last) = &last {
                counts.bounds.put(key, last.clone());
            }
            last
        }
    };
    let rows = by_postings(c, &f, sort, term, others, limit, last.clone())?;
    match last {
        Some(last) if (rows.len() as i64) < limit => {
            f.after = Some((None, last));
            Ok(Bounded::Part(rows, f))
        }
        _ => Ok(Bounded::Page(rows)),
    }
}

/// A page read along the postings of `term` in id order (SQLite): they are the page itself,
/// each candidate checked against every filter, stopping at `limit`, or at the posting of
/// record `through` when there is one.
fn by_postings(
    c: &mut diesel::SqliteConnection,
    f: &ListFilter,
    sort: Sort,
    term: &str,
    others: &[(i64, String)],
    limit: i64,
    through: Option<String>,
) -> Result<Vec<ListRow>, ApiError> {
    let mut q = record_filters!(
        record_grams::table
            .inner_join(records::table.on(records::id.eq(record_grams::record_id)))
            .select(ListRow::as_select())
            .filter(record_grams::gram.eq(term.to_owned()))
            .into_boxed(),
        f,
        sort
    );
    q = postings_in_region!(q, f);
    // The other terms are probed in the index (compact, and near at hand) before a
    // candidate's record is read from the table, rarest first. `LIMIT 1` keeps SQLite
    // (3.53+) from turning each EXISTS into a join whose order it would choose itself
    // without knowing which term is rare: walking a common term's postings for every
    // candidate made a four-character search five times slower.
    q = probe_terms!(q, others);
    // The cursor bounds the postings too, so that their index starts there.
    let ascending = sort == Sort::Created;
    if let Some(id) = through {
        q = if ascending {
            q.filter(record_grams::record_id.le(id))
        } else {
            q.filter(record_grams::record_id.ge(id))
        };
    }
    let after = f.after.as_ref().map(|(_, id)| id.clone());
    let q = postings_in_id_order!(q, after, ascending);
    Ok(q.limit(limit).load(c)?)
}

fn escape_like(text: &str) -> String {
    let pattern = crate::core::db::like_pattern(text);
    pattern[1..pattern.len() - 1].to_owned()
}

/// Counts by status (`None` for records without one).
pub type StatusCounts = Vec<(Option<String>, i64)>;

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

/// A `contacts` row.
#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = contacts, treat_none_as_default_value = false)]
pub struct ContactRow {
    pub id: String,
    pub record_id: String,
    pub name: String,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub wechat: Option<String>,
    pub notes: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

impl ContactRow {
    /// The fields as entered.
    pub fn fields(&self) -> ContactFields {
        ContactFields {
            name: self.name.clone(),
            title: self.title.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            wechat: self.wechat.clone(),
            notes: self.notes.clone(),
        }
    }

    /// Sets the fields.
    pub fn set_fields(&mut self, f: ContactFields) {
        self.name = f.name;
        self.title = f.title;
        self.phone = f.phone;
        self.email = f.email;
        self.wechat = f.wechat;
        self.notes = f.notes;
    }

    /// The wire form, masked unless `full`. Masking happens here, before anything is serialised.
    pub fn to_wire(&self, full: bool) -> Contact {
        use crate::library::mask;
        let mut fields = self.fields();
        if !full {
            fields.phone = fields.phone.as_deref().map(mask::phone);
            fields.email = fields.email.as_deref().map(mask::email);
            fields.wechat = fields.wechat.as_deref().map(mask::other);
        }
        Contact {
            id: self.id.clone(),
            record_id: self.record_id.clone(),
            version: self.version,
            masked: !full,
            created_at: utc(self.created_at),
            updated_at: utc(self.updated_at),
            fields,
        }
    }
}

/// Live contacts of a record.
pub fn contacts_of(conn: &mut DbConnection, record_id: &str) -> Result<Vec<ContactRow>, ApiError> {
    Ok(contacts::table
        .filter(contacts::record_id.eq(record_id))
        .filter(contacts::deleted_at.is_null())
        .order(contacts::id.asc())
        .load(conn)?)
}

/// One live contact of a record.
pub fn contact(
    conn: &mut DbConnection,
    record_id: &str,
    id: &str,
) -> Result<Option<ContactRow>, ApiError> {
    Ok(contacts::table
        .filter(contacts::record_id.eq(record_id))
        .filter(contacts::id.eq(id))
        .filter(contacts::deleted_at.is_null())
        .first(conn)
        .optional()?)
}

/// Inserts a contact.
pub fn insert_contact(conn: &mut DbConnection, row: &ContactRow) -> Result<(), ApiError> {
    diesel::insert_into(contacts::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Writes a contact if its version is still `expected`.
pub fn update_contact(
    conn: &mut DbConnection,
    row: &ContactRow,
    expected: i64,
) -> Result<bool, ApiError> {
    let n = diesel::update(
        contacts::table
            .filter(contacts::id.eq(&row.id))
            .filter(contacts::version.eq(expected)),
    )
    .set((
        contacts::name.eq(&row.name),
        contacts::title.eq(&row.title),
        contacts::phone.eq(&row.phone),
        contacts::email.eq(&row.email),
        contacts::wechat.eq(&row.wechat),
        contacts::notes.eq(&row.notes),
        contacts::version.eq(row.version),
        contacts::updated_at.eq(row.updated_at),
        contacts::deleted_at.eq(row.deleted_at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

// --- chain nodes, memberships, supply links ---

/// A `chain_nodes` row.
#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = chain_nodes)]
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
    let n = diesel::update(
        chain_nodes::table
            .filter(chain_nodes::id.eq(&row.id))
            .filter(chain_nodes::version.eq(expected)),
    )
    .set((
        chain_nodes::name.eq(&row.name),
        chain_nodes::position.eq(&row.position),
        chain_nodes::parent_id.eq(&row.parent_id),
        chain_nodes::key_products.eq(&row.key_products),
        chain_nodes::notes.eq(&row.notes),
        chain_nodes::version.eq(row.version),
        chain_nodes::updated_at.eq(row.updated_at),
        chain_nodes::deleted_at.eq(row.deleted_at),
    ))
    .execute(conn)?;
    Ok(n == 1)
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

bulk_insert!(
    /// Inserts membership rows, many per statement.
    pub fn insert_memberships(enterprise_nodes::table, Membership, 500, 5000)
);

/// The live records an agency synced under these external ids, by external id.
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
            DbConnection::Postgres(c) => {
                crate::core::db::pg_uncached(c, |c| query.load::<RecordRow>(c))?
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
) -> Result<Vec<(String, String)>, ApiError> {
    let mut out = Vec::new();
    for chunk in codes.chunks(500) {
        let query = records::table
            .select((records::credit_code, records::id))
            .filter(records::resource.eq(resource))
            .filter(records::credit_code.eq_any(chunk))
            .filter(records::deleted_at.is_null());
        let rows: Vec<(Option<String>, String)> = match conn {
            DbConnection::Postgres(c) => crate::core::db::pg_uncached(c, |c| query.load(c))?,
            DbConnection::Sqlite(c) => query.load(c)?,
        };
        out.extend(rows.into_iter().filter_map(|(c, id)| Some((c?, id))));
    }
    Ok(out)
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};
    use zhaoshang_types::{AgencyFields, ChainMembership, EnterpriseFields};

    fn row<T: Serialize>(resource: &str, fields: &T) -> RecordRow {
        RecordRow::new(
            "0190a0b0-0000-7000-8000-000000000001".into(),
            resource,
            "org".into(),
            Some("user".into()),
            &Index {
                name: "x".into(),
                ..Index::default()
            },
            fields,
        )
        .expect("row")
    }

    fn spliced(row: &RecordRow) -> Value {
        let mut out = Vec::new();
        row.write_wire_json(&mut out).expect("json");
        serde_json::from_slice(&out).expect("valid JSON")
    }

    #[test]
    fn spliced_json_equals_the_wire_form() {
        let enterprise = EnterpriseFields {
            name: "巨化股份 \"引号\"".into(),
            region_code: Some("330802".into()),
            industry_codes: vec!["2614".into()],
            chain_nodes: vec![ChainMembership {
                node_id: "n".into(),
                role: Some("龙头".into()),
            }],
            ..EnterpriseFields::default()
        };
        let mut r = row("enterprise", &enterprise);
        let wire =
            serde_json::to_value(r.to_wire::<EnterpriseFields>().expect("wire")).expect("value");
        assert_eq!(spliced(&r), wire);
        assert_eq!(wire["chain_nodes"][0]["role"], json!("龙头"));

        r.deleted_at = Some(r.updated_at);
        let wire =
            serde_json::to_value(r.to_wire::<EnterpriseFields>().expect("wire")).expect("value");
        assert!(wire.get("deleted_at").is_some());
        assert_eq!(spliced(&r), wire);

        let agency = row("agency", &AgencyFields::default());
        let wire =
            serde_json::to_value(agency.to_wire::<AgencyFields>().expect("wire")).expect("value");
        assert_eq!(wire["org_id"], json!(agency.id));
        assert_eq!(spliced(&agency), wire);

        // A record with no stored fields at all still gives one object.
        let mut empty = agency.clone();
        empty.data = "{}".into();
        assert_eq!(spliced(&empty)["id"], json!(agency.id));
        empty.data = "[]".into();
        assert!(empty.write_wire_json(&mut Vec::new()).is_err());
    }

    /// Timestamps are written as chrono writes `DateTime<Utc>`, for every fraction length, the
    /// ends of the range it handles itself, and what it leaves to chrono.
    #[test]
    fn wire_times_are_written_as_chrono_writes_them() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
        let cases = [
            day.and_hms_opt(0, 0, 0),
            day.and_hms_nano_opt(3, 41, 40, 87_016_000),
            day.and_hms_nano_opt(23, 59, 59, 120_000_000),
            day.and_hms_nano_opt(12, 5, 9, 1),
            day.and_hms_nano_opt(12, 5, 9, 999_999_999),
            day.and_hms_nano_opt(23, 59, 59, 1_500_000_000), // a leap second
            chrono::NaiveDate::from_ymd_opt(1, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0)),
            chrono::NaiveDate::from_ymd_opt(9999, 12, 31).and_then(|d| d.and_hms_opt(23, 59, 59)),
            chrono::NaiveDate::from_ymd_opt(-1, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0)),
            chrono::NaiveDate::from_ymd_opt(10000, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0)),
        ];
        for t in cases.into_iter().map(|t| t.expect("time")) {
            assert_eq!(
                serde_json::to_string(&WireTime(t)).expect("json"),
                serde_json::to_string(&utc(t)).expect("json"),
                "{t:?}"
            );
        }
    }

    /// SQLite's text timestamps are read by position as chrono reads them, other forms (and
    /// nonsense) as diesel does.
    #[test]
    fn stamps_parse_as_diesel_writes_them() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
        for t in [
            day.and_hms_opt(0, 0, 0),
            day.and_hms_nano_opt(3, 41, 40, 87_016_000),
            day.and_hms_nano_opt(12, 5, 9, 1),
            day.and_hms_nano_opt(12, 5, 9, 120_000_000),
        ] {
            let t = t.expect("time");
            assert_eq!(Stamp::parse(&t.format("%F %T%.f").to_string()), Some(t));
        }
        assert_eq!(
            Stamp::parse("2026-11-27 03:41:40.5"),
            day.and_hms_milli_opt(3, 41, 40, 500)
        );
        for other in [
            "2026-11-27T03:41:40",
            "2026-11-27 03:41",
            "2026-02-30 00:00:00",
            "2026-11-27 24:00:00",
            "2026-11-27 03:41:40.",
            "2026-11-27 03:41:40.1234567890",
            "2026-11-27 03:41:4x",
            "２０２６-11-27 03:41:40",
        ] {
            assert_eq!(Stamp::parse(other), None, "{other}");
        }
    }

    #[test]
    fn industry_terms_never_meet_bigrams() {
        let mut r = row("enterprise", &EnterpriseFields::default());
        r.search = "巨化".into();
        r.industry_codes = ",C,26,261,2614,".into();
        let terms: Vec<String> = terms_of_record(&r).into_iter().map(|(t, _, _)| t).collect();
        assert_eq!(
            terms,
            [
                "巨化",
                "industry:C",
                "industry:26",
                "industry:261",
                "industry:2614"
            ]
        );
        assert!(grams("industry:26").iter().all(|g| g.chars().count() == 2));
    }
}
