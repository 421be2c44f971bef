//! The rows of records and their wire form: a record's stored fields are spliced into its JSON
//! as they are, without a round trip through `serde_json::Value`.

use super::*;

pub(crate) fn utc(t: NaiveDateTime) -> DateTime<Utc> {
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
    #[allow(
        clippy::indexing_slicing,
        reason = "text shorter than 19 bytes is refused first; the rest is read within its length"
    )]
    pub(crate) fn parse(text: &str) -> Option<NaiveDateTime> {
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
pub(crate) fn joined(values: &[String]) -> String {
    if values.is_empty() {
        String::new()
    } else {
        format!(",{},", values.join(","))
    }
}

/// Each industry code with its ancestors (section letter, division, group), so that a prefix
/// filter by section letter finds classes too.
pub(crate) fn with_ancestors(codes: &[String]) -> Vec<String> {
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
pub(crate) struct WireTime(pub(crate) NaiveDateTime);

impl Serialize for WireTime {
    #[allow(
        clippy::indexing_slicing,
        reason = "a fixed buffer of 30 bytes, written at positions up to 29"
    )]
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
pub(crate) fn write_wire_json(
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
