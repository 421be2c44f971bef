//! The contacts of records.

use super::*;

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
