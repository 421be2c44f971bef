//! The database: one code path over SQLite and PostgreSQL.
//!
//! [`DbConnection`] is a diesel `MultiConnection` over both backends; the backend is chosen at
//! run time by the database URL. A request's queries run through [`Database`]: reads on the
//! blocking thread pool ([`Database::read`]) or, when short and on SQLite, on the worker thread
//! ([`Database::read_short`]); writes in one transaction each ([`Database::write`]), large ones
//! one at a time ([`Database::write_bulk`]). Work outside a request (commands, seeding) takes a
//! connection with [`Database::blocking_conn`].

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use diesel::connection::SimpleConnection as _;
use diesel::prelude::*;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::core::error::ApiError;

mod database;
mod migrate;
mod pool;
pub mod schema;
mod urls;
mod writer;

pub use database::*;
pub use migrate::*;
pub use pool::*;
pub use urls::*;
pub use writer::*;

/// A connection to either backend. The SQLite variant stays last (diesel tries variants in order).
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// PostgreSQL, the production database.
    Postgres(diesel::PgConnection),
    /// Embedded SQLite, the zero-setup default.
    Sqlite(diesel::SqliteConnection),
}

/// Now, in UTC, to the microsecond (what both databases keep).
pub fn now() -> chrono::NaiveDateTime {
    use chrono::{SubsecRound as _, Utc};
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// Tables whose rows a write transaction may lock with [`lock_row`].
#[derive(Debug, Clone, Copy)]
pub enum Locked {
    Orgs,
    Users,
    Clients,
    Contacts,
    ChainNodes,
}

/// On PostgreSQL, locks the row `id` of `table` until the transaction ends (`FOR UPDATE`), so
/// concurrent writers of one row take turns instead of failing each other's version check. On
/// SQLite writes are already one at a time, and this does nothing.
pub fn lock_row(conn: &mut DbConnection, table: Locked, id: &str) -> Result<(), ApiError> {
    let DbConnection::Postgres(c) = conn else {
        return Ok(());
    };
    let sql = match table {
        Locked::Orgs => "SELECT 1 FROM orgs WHERE id = $1 FOR UPDATE",
        Locked::Users => "SELECT 1 FROM users WHERE id = $1 FOR UPDATE",
        Locked::Clients => "SELECT 1 FROM clients WHERE id = $1 FOR UPDATE",
        Locked::Contacts => "SELECT 1 FROM contacts WHERE id = $1 FOR UPDATE",
        Locked::ChainNodes => "SELECT 1 FROM chain_nodes WHERE id = $1 FOR UPDATE",
    };
    diesel::sql_query(sql)
        .bind::<diesel::sql_types::Text, _>(id)
        .execute(c)?;
    Ok(())
}

/// A `LIKE` pattern matching `text` anywhere, with `%`, `_` and `\\` escaped (use `ESCAPE '\\'`).
pub fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Inserts owned rows (tuples of `column.eq(value)`, or `Insertable` values) with multi-row
/// statements on the backend's own connection (the MultiConnection has none); evaluates to a
/// `diesel::QueryResult<()>`.
///
/// diesel keeps a statement prepared only when its text cannot vary: a multi-row insert of a
/// slice or `Vec` (its text changes with the number of rows) or an `IN` list is prepared for
/// each use and never kept. On SQLite full chunks are therefore passed as arrays (`[T; N]`),
/// whose statement each connection prepares once; only a shorter last chunk is parsed each
/// time (parsing statements of a thousand rows took a tenth of the time of a batch sync). Keep
/// the SQLite chunk modest: each connection holds one such statement. On PostgreSQL each chunk
/// is one `COPY … FROM STDIN (FORMAT binary)` (diesel's `copy_from`): nothing to parse or plan,
/// where a multi-row `INSERT` of thousands of parameters was parsed and planned every time (a
/// sixth of PostgreSQL's work in a batch sync). Rows whose `Option` fields are derived as
/// `Insertable` must say `treat_none_as_default_value = false` (`None` is `NULL`): `COPY` has no
/// `DEFAULT`, and on SQLite a row holding a `DEFAULT` made diesel insert the chunk row by row.
/// Writes a row's `AsChangeset` columns where its id and the version it was read at still hold:
/// `Ok(false)` when another writer changed it first. `$table` is the schema module.
#[macro_export]
macro_rules! update_versioned {
    ($conn:expr, $table:ident, $row:expr, $expected:expr) => {{
        use diesel::{ExpressionMethods as _, QueryDsl as _, RunQueryDsl as _};
        diesel::update(
            $table::table
                .filter($table::id.eq(&$row.id))
                .filter($table::version.eq($expected)),
        )
        .set($row)
        .execute($conn)
        .map(|n| n == 1)
        .map_err($crate::core::error::ApiError::from)
    }};
}

#[macro_export]
macro_rules! insert_rows {
    ($conn:expr, $table:path, $rows:expr, sqlite = $per:literal, postgres = $pg_per:literal) => {{
        use diesel::RunQueryDsl as _;
        let conn: &mut $crate::core::db::DbConnection = $conn;
        let mut rows = $rows.into_iter().peekable();
        (|| -> diesel::QueryResult<()> {
            match conn {
                $crate::core::db::DbConnection::Postgres(c) => {
                    use diesel::ExecuteCopyFromDsl as _;
                    while rows.peek().is_some() {
                        let chunk: Vec<_> = rows.by_ref().take($pg_per).collect();
                        diesel::copy_from($table)
                            .from_insertable(chunk)
                            .execute(c)?;
                    }
                }
                $crate::core::db::DbConnection::Sqlite(c) => {
                    while rows.peek().is_some() {
                        let chunk: Vec<_> = rows.by_ref().take($per).collect();
                        match <[_; $per]>::try_from(chunk) {
                            Ok(full) => diesel::insert_into($table).values(full).execute(c)?,
                            Err(chunk) => diesel::insert_into($table).values(chunk).execute(c)?,
                        };
                    }
                }
            }
            Ok(())
        })()
    }};
}

/// Runs `f` on a PostgreSQL connection with diesel's statement cache switched off (and
/// emptied afterwards), so that each statement is planned for its parameters: PostgreSQL plans
/// a kept statement once for any parameters after five runs when that plan looks no dearer,
/// and such a plan of a list (candidates by key, `id = ANY($n)`) walks a region's index
/// testing every row against the candidates. The batch syncs' `IN` lookups run so too: with
/// the cache on they were measurably slower, for reasons not understood (see BENCHMARKS.md).
pub fn pg_uncached<T, E>(
    conn: &mut diesel::PgConnection,
    f: impl FnOnce(&mut diesel::PgConnection) -> Result<T, E>,
) -> Result<T, E> {
    use diesel::connection::CacheSize;
    conn.set_prepared_statement_cache_size(CacheSize::Disabled);
    let result = f(conn);
    conn.set_prepared_statement_cache_size(CacheSize::Unbounded);
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::Ordering::Relaxed;

    /// A database in a new SQLite file (the directory lives as long as the returned guard).
    fn sqlite_db(pool_size: u32) -> (tempfile::TempDir, Database) {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = DatabaseUrl::parse(&format!("sqlite://{}", dir.path().join("t.db").display()))
            .expect("url");
        let db = Database::open(&url, pool_size).expect("open");
        (dir, db)
    }

    /// Writes reach the database file through the background checkpointer, not only when a
    /// commit crosses SQLite's auto-checkpoint threshold (16,000 pages, far above these writes).
    #[test]
    fn sqlite_wal_is_checkpointed_in_the_background() {
        let (_dir, db) = sqlite_db(2);
        let stats = db.checkpoint_stats().expect("SQLite has a checkpointer");
        let mut conn = db.pool.get().expect("connection");
        conn.batch_execute(
            "CREATE TABLE wal_probe (n INTEGER); INSERT INTO wal_probe VALUES (1), (2), (3);",
        )
        .expect("write");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while stats.frames.load(Relaxed) == 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(stats.runs.load(Relaxed) > 0);
        assert!(stats.frames.load(Relaxed) > 0, "nothing was checkpointed");
        assert_eq!(stats.failures.load(Relaxed), 0);
    }

    /// Concurrent write transactions queue on the writer thread (none fails with `database is
    /// locked`); one that panics answers its caller with an error and the next still runs.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_writes_queue_on_one_writer_that_survives_a_panic() {
        let (_dir, db) = sqlite_db(4);
        db.write(|c| Ok(c.batch_execute("CREATE TABLE w (n INTEGER)")?))
            .await
            .expect("create");
        let writes = (0..40).map(|n| {
            let db = db.clone();
            tokio::spawn(async move {
                db.write(move |c| {
                    Ok(diesel::sql_query("INSERT INTO w VALUES (?)")
                        .bind::<diesel::sql_types::Integer, _>(n)
                        .execute(c)?)
                })
                .await
            })
        });
        for write in writes.collect::<Vec<_>>() {
            assert_eq!(write.await.expect("joined").expect("written"), 1);
        }
        let err = db
            .write(|_| -> Result<(), ApiError> { panic!("a bug in a write") })
            .await
            .expect_err("the panic is an error");
        assert!(err.to_string().starts_with("500 "), "{err}");
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let count = db
            .write(|c| Ok(diesel::sql_query("SELECT COUNT(*) AS n FROM w").get_result::<Count>(c)?))
            .await
            .expect("the writer goes on");
        assert_eq!(count.n, 40);
    }
}
