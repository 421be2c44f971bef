//! Queries for organisations, users, service clients and login throttling.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use zhaoshang_types::{Org, OrgKind, Role, ServiceClient, User};

use crate::core::db::DbConnection;
use crate::core::db::schema::{clients, login_throttle, orgs, users};
use crate::core::error::ApiError;

fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    DateTime::<Utc>::from_naive_utc_and_offset(t, Utc)
}

fn role_of(s: &str) -> Result<Role, ApiError> {
    Role::parse(s).ok_or_else(|| ApiError::internal(format!("stored role {s:?} is unknown")))
}

/// An `orgs` row.
#[derive(Debug, Clone, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = orgs, treat_none_as_null = true)]
pub struct OrgRow {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub region_code: Option<String>,
    pub parent_id: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

impl OrgRow {
    /// A new organisation: a fresh time-ordered id, version 1.
    pub fn new(
        kind: OrgKind,
        name: String,
        region_code: Option<String>,
        parent_id: Option<String>,
    ) -> Self {
        let now = crate::core::db::now();
        Self {
            id: uuid::Uuid::now_v7().to_string(),
            kind: kind.as_str().to_owned(),
            name,
            region_code,
            parent_id,
            version: 1,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        }
    }

    /// The wire form.
    pub fn to_wire(&self) -> Result<Org, ApiError> {
        Ok(Org {
            id: self.id.clone(),
            kind: OrgKind::parse(&self.kind).ok_or_else(|| {
                ApiError::internal(format!("stored org kind {:?} is unknown", self.kind))
            })?,
            name: self.name.clone(),
            region_code: self.region_code.clone(),
            parent_id: self.parent_id.clone(),
            version: self.version,
            created_at: utc(self.created_at),
            updated_at: utc(self.updated_at),
            deleted_at: self.deleted_at.map(utc),
        })
    }
}

/// An organisation by id (deleted ones only when asked for).
pub fn org(
    conn: &mut DbConnection,
    id: &str,
    include_deleted: bool,
) -> Result<Option<OrgRow>, ApiError> {
    let mut q = orgs::table.filter(orgs::id.eq(id)).into_boxed();
    if !include_deleted {
        q = q.filter(orgs::deleted_at.is_null());
    }
    Ok(q.first(conn).optional()?)
}

/// A live organisation by kind and name.
pub fn org_by_name(
    conn: &mut DbConnection,
    kind: OrgKind,
    name: &str,
) -> Result<Option<OrgRow>, ApiError> {
    Ok(orgs::table
        .filter(orgs::kind.eq(kind.as_str()))
        .filter(orgs::name.eq(name))
        .filter(orgs::deleted_at.is_null())
        .first(conn)
        .optional()?)
}

/// Filters of the organisation list.
#[derive(Debug, Default, Clone)]
pub struct OrgFilter {
    pub kind: Option<OrgKind>,
    pub parent_id: Option<String>,
    pub q: Option<String>,
    pub include_deleted: bool,
    pub after_id: Option<String>,
}

/// Organisations in id (creation) order.
pub fn list_orgs(
    conn: &mut DbConnection,
    f: &OrgFilter,
    limit: i64,
) -> Result<Vec<OrgRow>, ApiError> {
    let mut q = orgs::table.into_boxed();
    if let Some(kind) = f.kind {
        q = q.filter(orgs::kind.eq(kind.as_str()));
    }
    if let Some(parent) = &f.parent_id {
        q = q.filter(orgs::parent_id.eq(parent.clone()));
    }
    if let Some(text) = &f.q {
        q = q.filter(
            orgs::name
                .like(crate::core::db::like_pattern(text))
                .escape('\\'),
        );
    }
    if !f.include_deleted {
        q = q.filter(orgs::deleted_at.is_null());
    }
    if let Some(after) = &f.after_id {
        q = q.filter(orgs::id.gt(after.clone()));
    }
    Ok(q.order(orgs::id.asc()).limit(limit).load(conn)?)
}

/// Inserts an organisation.
pub fn insert_org(conn: &mut DbConnection, row: &OrgRow) -> Result<(), ApiError> {
    diesel::insert_into(orgs::table).values(row).execute(conn)?;
    Ok(())
}

/// Writes a changed organisation if its version is still `expected`; false if it moved on.
pub fn update_org(conn: &mut DbConnection, row: &OrgRow, expected: i64) -> Result<bool, ApiError> {
    crate::update_versioned!(conn, orgs, row, expected)
}

/// How many active users and unrevoked clients belong to an organisation.
pub fn org_member_count(conn: &mut DbConnection, org_id: &str) -> Result<i64, ApiError> {
    let u: i64 = users::table
        .filter(users::org_id.eq(org_id))
        .filter(users::active.eq(true))
        .count()
        .get_result(conn)?;
    let c: i64 = clients::table
        .filter(clients::org_id.eq(org_id))
        .filter(clients::revoked_at.is_null())
        .count()
        .get_result(conn)?;
    Ok(u + c)
}

/// A `users` row.
#[derive(Debug, Clone, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = users, treat_none_as_null = true)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub org_id: String,
    pub role: String,
    pub active: bool,
    pub password_hash: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub password_changed_at: NaiveDateTime,
}

impl UserRow {
    /// A new, active user: a fresh time-ordered id, version 1.
    pub fn new(
        username: String,
        display_name: String,
        org_id: String,
        role: Role,
        password_hash: String,
    ) -> Self {
        let now = crate::core::db::now();
        Self {
            id: uuid::Uuid::now_v7().to_string(),
            username,
            display_name,
            org_id,
            role: role.as_str().to_owned(),
            active: true,
            password_hash,
            version: 1,
            created_at: now,
            updated_at: now,
            password_changed_at: now,
        }
    }

    /// The wire form (never the hash).
    pub fn to_wire(&self) -> Result<User, ApiError> {
        Ok(User {
            id: self.id.clone(),
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            org_id: self.org_id.clone(),
            role: role_of(&self.role)?,
            active: self.active,
            version: self.version,
            created_at: utc(self.created_at),
            updated_at: utc(self.updated_at),
        })
    }
}

/// A user by id.
pub fn user(conn: &mut DbConnection, id: &str) -> Result<Option<UserRow>, ApiError> {
    Ok(users::table
        .filter(users::id.eq(id))
        .first(conn)
        .optional()?)
}

/// A user by (lower-case) username.
pub fn user_by_username(
    conn: &mut DbConnection,
    username: &str,
) -> Result<Option<UserRow>, ApiError> {
    Ok(users::table
        .filter(users::username.eq(username))
        .first(conn)
        .optional()?)
}

/// Filters of the user list.
#[derive(Debug, Default, Clone)]
pub struct UserFilter {
    pub org_id: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    pub q: Option<String>,
    pub after_id: Option<String>,
}

/// Users in id order.
pub fn list_users(
    conn: &mut DbConnection,
    f: &UserFilter,
    limit: i64,
) -> Result<Vec<UserRow>, ApiError> {
    let mut q = users::table.into_boxed();
    if let Some(v) = &f.org_id {
        q = q.filter(users::org_id.eq(v.clone()));
    }
    if let Some(v) = f.role {
        q = q.filter(users::role.eq(v.as_str()));
    }
    if let Some(v) = f.active {
        q = q.filter(users::active.eq(v));
    }
    if let Some(text) = &f.q {
        let pattern = crate::core::db::like_pattern(text);
        q = q.filter(
            users::username
                .like(pattern.clone())
                .escape('\\')
                .or(users::display_name.like(pattern).escape('\\')),
        );
    }
    if let Some(after) = &f.after_id {
        q = q.filter(users::id.gt(after.clone()));
    }
    Ok(q.order(users::id.asc()).limit(limit).load(conn)?)
}

/// Inserts a user.
pub fn insert_user(conn: &mut DbConnection, row: &UserRow) -> Result<(), ApiError> {
    diesel::insert_into(users::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Writes a changed user if its version is still `expected`.
pub fn update_user(
    conn: &mut DbConnection,
    row: &UserRow,
    expected: i64,
) -> Result<bool, ApiError> {
    crate::update_versioned!(conn, users, row, expected)
}

/// A `clients` row.
#[derive(Debug, Clone, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = clients, treat_none_as_null = true)]
pub struct ClientRow {
    pub id: String,
    pub name: String,
    pub org_id: String,
    pub role: String,
    pub secret_hash: String,
    pub expires_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl ClientRow {
    /// The wire form (never the hash).
    pub fn to_wire(&self) -> Result<ServiceClient, ApiError> {
        Ok(ServiceClient {
            id: self.id.clone(),
            name: self.name.clone(),
            org_id: self.org_id.clone(),
            role: role_of(&self.role)?,
            expires_at: self.expires_at.map(utc),
            revoked_at: self.revoked_at.map(utc),
            version: self.version,
            created_at: utc(self.created_at),
            updated_at: utc(self.updated_at),
        })
    }

    /// Not revoked and not expired.
    pub fn usable(&self, now: NaiveDateTime) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| e > now)
    }
}

/// A client by id.
pub fn client(conn: &mut DbConnection, id: &str) -> Result<Option<ClientRow>, ApiError> {
    Ok(clients::table
        .filter(clients::id.eq(id))
        .first(conn)
        .optional()?)
}

/// Clients in id order.
pub fn list_clients(
    conn: &mut DbConnection,
    org_id: Option<&str>,
    after_id: Option<&str>,
    limit: i64,
) -> Result<Vec<ClientRow>, ApiError> {
    let mut q = clients::table.into_boxed();
    if let Some(v) = org_id {
        q = q.filter(clients::org_id.eq(v.to_owned()));
    }
    if let Some(v) = after_id {
        q = q.filter(clients::id.gt(v.to_owned()));
    }
    Ok(q.order(clients::id.asc()).limit(limit).load(conn)?)
}

/// Inserts a client.
pub fn insert_client(conn: &mut DbConnection, row: &ClientRow) -> Result<(), ApiError> {
    diesel::insert_into(clients::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Writes a changed client if its version is still `expected`.
pub fn update_client(
    conn: &mut DbConnection,
    row: &ClientRow,
    expected: i64,
) -> Result<bool, ApiError> {
    crate::update_versioned!(conn, clients, row, expected)
}

/// Login throttling state of one name: consecutive failures and the lock, if any.
#[derive(Debug, Clone, Queryable)]
pub struct Throttle {
    pub username: String,
    pub failures: i32,
    pub locked_until: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

/// The throttle row of a key (`user:<name>` or `client:<id>`).
pub fn throttle(conn: &mut DbConnection, key: &str) -> Result<Option<Throttle>, ApiError> {
    Ok(login_throttle::table
        .filter(login_throttle::username.eq(key))
        .first(conn)
        .optional()?)
}

/// The failures in a row of a key and the lock in force, after counting one more failure.
#[derive(Debug, QueryableByName)]
pub struct Counted {
    /// Failures in a row, this one included (kept as it was while a lock is in force).
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub failures: i32,
    /// The lock in force, if any.
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamp>)]
    pub locked_until: Option<NaiveDateTime>,
}

/// Counts one failed sign-in of a key in one statement, so that failures sent in parallel all
/// count: a failure after a quiet spell (the last before `since`) or after a lock ran out
/// starts again at one; a lock in force is kept as it is.
pub fn count_failure(
    conn: &mut DbConnection,
    key: &str,
    now: NaiveDateTime,
    since: NaiveDateTime,
) -> Result<Counted, ApiError> {
    use diesel::sql_types::{Text, Timestamp};
    const UPSERT: &str = "INSERT INTO login_throttle (username, failures, locked_until, updated_at) \
        VALUES ($1, 1, NULL, $2) ON CONFLICT (username) DO UPDATE SET \
        failures = CASE WHEN login_throttle.locked_until > $2 THEN login_throttle.failures \
            WHEN login_throttle.locked_until IS NULL AND login_throttle.updated_at > $3 \
            THEN login_throttle.failures + 1 ELSE 1 END, \
        locked_until = CASE WHEN login_throttle.locked_until > $2 \
            THEN login_throttle.locked_until ELSE NULL END, \
        updated_at = $2 RETURNING failures, locked_until";
    let query = diesel::sql_query(UPSERT)
        .bind::<Text, _>(key)
        .bind::<Timestamp, _>(now)
        .bind::<Timestamp, _>(since);
    // One statement on the backend's own connection (SQLite numbers `$n` parameters too).
    Ok(match conn {
        DbConnection::Postgres(c) => query.get_result(c)?,
        DbConnection::Sqlite(c) => query.get_result(c)?,
    })
}

/// Locks a key until `until`, its failures forgotten, unless a lock is in force already.
pub fn lock_name(conn: &mut DbConnection, key: &str, until: NaiveDateTime) -> Result<(), ApiError> {
    diesel::update(
        login_throttle::table
            .filter(login_throttle::username.eq(key))
            .filter(login_throttle::locked_until.is_null()),
    )
    .set((
        login_throttle::failures.eq(0),
        login_throttle::locked_until.eq(Some(until)),
    ))
    .execute(conn)?;
    Ok(())
}

/// Forgets a key's failures (after a successful login).
pub fn clear_throttle(conn: &mut DbConnection, key: &str) -> Result<(), ApiError> {
    diesel::delete(login_throttle::table.filter(login_throttle::username.eq(key))).execute(conn)?;
    Ok(())
}
