//! The contacts of records.

use super::*;

/// A `contacts` row.
#[derive(Debug, Clone, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = contacts, treat_none_as_default_value = false, treat_none_as_null = true)]
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
    /// A new contact of a record: a fresh time-ordered id, version 1.
    pub fn new(record_id: String, fields: ContactFields) -> Self {
        let now = crate::core::db::now();
        let mut row = Self {
            id: uuid::Uuid::now_v7().to_string(),
            record_id,
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
        row
    }

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

    /// The wire form, in full (the service masks what a caller may not see in full).
    pub fn to_wire(&self) -> Contact {
        Contact {
            id: self.id.clone(),
            record_id: self.record_id.clone(),
            version: self.version,
            masked: false,
            created_at: utc(self.created_at),
            updated_at: utc(self.updated_at),
            fields: self.fields(),
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
    crate::update_versioned!(conn, contacts, row, expected)
}

// --- chain nodes, memberships, supply links ---
