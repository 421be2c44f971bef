//! Migrations, embedded in the binary and applied at start-up, and creating a missing
//! PostgreSQL database.

use super::*;

pub(crate) const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
pub(crate) const POSTGRES_MIGRATIONS: EmbeddedMigrations =
    embed_migrations!("../migrations/postgres");

/// Connects once (creating a missing PostgreSQL database or SQLite file) and applies pending
/// migrations; returns the names of those applied.
pub fn prepare(url: &DatabaseUrl) -> anyhow::Result<Vec<String>> {
    let mut conn = match url {
        DatabaseUrl::Postgres(raw) => connect_postgres_creating(raw)?,
        DatabaseUrl::Sqlite(_) => ConnectionManager::new(url.clone())
            .connect()
            .with_context(|| format!("cannot open {}", url.redacted()))?,
    };
    run_migrations(&mut conn)
}

/// Applies the pending migrations of the connection's backend; returns their names.
pub fn run_migrations(conn: &mut DbConnection) -> anyhow::Result<Vec<String>> {
    let applied = match conn {
        DbConnection::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
    }
    .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
    Ok(applied.iter().map(|m| m.to_string()).collect())
}

/// Connects to a PostgreSQL database, creating it first when the server says it does not exist.
pub(crate) fn connect_postgres_creating(raw: &str) -> anyhow::Result<DbConnection> {
    let shown = redact(raw);
    match diesel::PgConnection::establish(raw) {
        Ok(conn) => Ok(DbConnection::Postgres(conn)),
        Err(err) if err.to_string().contains("does not exist") => {
            let (admin_url, name) = postgres_admin_url(raw)?;
            if err.to_string().contains(&format!("database \"{name}\"")) {
                create_postgres_database(&admin_url, &name).with_context(|| {
                    format!("cannot create database {name} on {}", redact(&admin_url))
                })?;
                let conn = diesel::PgConnection::establish(raw)
                    .with_context(|| format!("cannot connect to {shown}"))?;
                tracing::info!(database = %name, "created PostgreSQL database");
                Ok(DbConnection::Postgres(conn))
            } else {
                Err(anyhow::Error::new(err).context(format!("cannot connect to {shown}")))
            }
        }
        Err(err) => Err(anyhow::Error::new(err).context(format!("cannot connect to {shown}"))),
    }
}

/// The URL of the `postgres` maintenance database on the same server, and the database name
/// the given URL names.
pub fn postgres_admin_url(raw: &str) -> anyhow::Result<(String, String)> {
    let mut url =
        url::Url::parse(raw).with_context(|| format!("invalid database URL {}", redact(raw)))?;
    let name = url.path().trim_start_matches('/').to_owned();
    if name.is_empty() {
        anyhow::bail!("the database URL {} names no database", redact(raw));
    }
    url.set_path("/postgres");
    Ok((url.to_string(), name))
}

/// `CREATE DATABASE name` (the name limited to letters, digits, `_` and `-`).
pub fn create_postgres_database(admin_url: &str, name: &str) -> anyhow::Result<()> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        anyhow::bail!(
            "refusing to create a database named {name:?}: use letters, digits, `_` and `-`"
        );
    }
    let mut admin = diesel::PgConnection::establish(admin_url)?;
    match admin.batch_execute(&format!("CREATE DATABASE \"{name}\"")) {
        Ok(()) => Ok(()),
        // Another process created it in the meantime.
        Err(e) if e.to_string().contains("already exists") => Ok(()),
        Err(e) => Err(e.into()),
    }
}
