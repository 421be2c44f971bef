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

pub mod schema;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

/// A connection to either backend. The SQLite variant stays last (diesel tries variants in order).
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// PostgreSQL, the production database.
    Postgres(diesel::PgConnection),
    /// Embedded SQLite, the zero-setup default.
    Sqlite(diesel::SqliteConnection),
}

/// Which backend a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    /// Embedded SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl DbKind {
    /// `sqlite` or `postgres`.
    pub fn as_str(self) -> &'static str {
        match self {
            DbKind::Sqlite => "sqlite",
            DbKind::Postgres => "postgres",
        }
    }
}

/// A parsed database URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite database file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL.
    Postgres(String),
}

impl DatabaseUrl {
    /// Parses `postgres://…`, `postgresql://…`, `sqlite://path` or a bare file path.
    pub fn parse(raw: &str) -> anyhow::Result<Self> {
        let raw = raw.trim();
        if raw.is_empty() {
            anyhow::bail!("the database URL is empty");
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            let parsed = url::Url::parse(raw)
                .with_context(|| format!("the database URL {} is not a valid URL", redact(raw)))?;
            if parsed.host_str().is_none() {
                anyhow::bail!("the database URL {} names no host", redact(raw));
            }
            return Ok(Self::Postgres(raw.to_owned()));
        }
        if let Some(path) = raw.strip_prefix("sqlite://") {
            if path.is_empty() {
                anyhow::bail!("the SQLite URL {raw} names no file");
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if let Some(scheme_end) = raw.find("://") {
            anyhow::bail!(
                "unsupported database URL scheme `{}`: use postgres://, sqlite:// or a file path",
                &raw[..scheme_end]
            );
        }
        Ok(Self::Sqlite(PathBuf::from(raw)))
    }

    /// A SQLite database file.
    pub fn sqlite(path: impl Into<PathBuf>) -> Self {
        Self::Sqlite(path.into())
    }

    /// The backend.
    pub fn kind(&self) -> DbKind {
        match self {
            Self::Sqlite(_) => DbKind::Sqlite,
            Self::Postgres(_) => DbKind::Postgres,
        }
    }

    /// The URL with any password replaced by `***`, for logs and error messages.
    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("sqlite://{}", path.display()),
            Self::Postgres(url) => redact(url),
        }
    }
}

fn redact(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => raw.to_owned(),
    }
}

/// Why a connection could not be made or checked.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The database refused or could not be reached.
    #[error(transparent)]
    Connection(#[from] diesel::ConnectionError),
    /// A set-up statement failed.
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    /// The SQLite file's directory could not be created.
    #[error("cannot create directory {0}: {1}")]
    Directory(PathBuf, std::io::Error),
}

/// Opens connections of the backend the URL names (never guessing from the other backend).
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl ConnectionManager {
    /// A manager for this URL.
    pub fn new(url: DatabaseUrl) -> Self {
        Self { url }
    }

    /// Opens one connection, with SQLite's pragmas set.
    pub fn connect(&self) -> Result<DbConnection, ConnectError> {
        match &self.url {
            DatabaseUrl::Postgres(url) => Ok(DbConnection::Postgres(
                diesel::PgConnection::establish(url)?,
            )),
            DatabaseUrl::Sqlite(path) => {
                ensure_parent_dir(path)?;
                let mut conn = diesel::SqliteConnection::establish(&path.to_string_lossy())?;
                // The WAL is copied back into the database by the pool's checkpointer thread
                // (`Checkpointer`); a commit does it itself only when that falls far behind.
                // `temp_store = MEMORY` also keeps statement journals in memory: a multi-row
                // insert inside a transaction journals the pages it changes, and past 64 KiB
                // SQLite spilled that journal to a temporary file (batch syncs at a million:
                // about 10,300 → 12,500 records/s, measured). Sorts that do not fit in the page
                // cache stay in memory too: lists sort at most a rare term's candidates, but a
                // future migration that builds an index on `records` sorts in memory.
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                     PRAGMA wal_autocheckpoint = 16000; PRAGMA temp_store = MEMORY;",
                )?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

fn ensure_parent_dir(path: &Path) -> Result<(), ConnectError> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => {
            std::fs::create_dir_all(dir).map_err(|e| ConnectError::Directory(dir.to_owned(), e))
        }
        _ => Ok(()),
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<DbConnection, ConnectError> {
        ConnectionManager::connect(self)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectError> {
        Ok(conn.batch_execute("SELECT 1")?)
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

/// The pool type.
pub type Pool = r2d2::Pool<ConnectionManager>;

/// The database handle shared by all workers.
#[derive(Clone)]
pub struct Database {
    pool: Pool,
    kind: DbKind,
    /// The thread that runs SQLite's write transactions and either backend's bulk writes
    /// (see [`Writer`]).
    writer: Arc<Writer>,
    /// SQLite: the thread that checkpoints the WAL; it stops when the last handle is dropped.
    checkpointer: Option<Arc<Checkpointer>>,
}

/// `f` in one transaction on a pooled connection, to be run on a thread that may block.
fn in_transaction<T, F>(pool: Pool, f: F) -> impl FnOnce() -> Result<T, ApiError> + Send + 'static
where
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    move || {
        let mut conn = pool.get().map_err(ApiError::database_unavailable)?;
        let conn: &mut DbConnection = &mut conn;
        conn.transaction(f)
    }
}

/// A write transaction handed to the [`Writer`].
type WriteJob = Box<dyn FnOnce() + Send>;

/// SQLite has one writer at a time, so its write transactions run one after another on a
/// thread of their own rather than on whichever blocking thread is free: waiting for the
/// write lock becomes waiting in this queue (no `database is locked`), and the memory a
/// large batch sync works in is taken from, and given back to, one allocator arena instead
/// of one per blocking thread (glibc keeps each arena's high-water mark: peak RSS after a
/// series of batch syncs fell from about 280 to about 130 MB at a million records).
/// PostgreSQL's bulk writes (batch syncs, [`Database::write_bulk`]) take the same queue for
/// the same reason; its other writes run side by side on the blocking pool.
struct Writer {
    jobs: std::sync::mpsc::Sender<WriteJob>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").finish_non_exhaustive()
    }
}

impl Writer {
    fn start() -> anyhow::Result<Self> {
        let (jobs, queue) = std::sync::mpsc::channel::<WriteJob>();
        std::thread::Builder::new()
            .name("db-writer".into())
            .spawn(move || {
                // Ends when the last handle of the database is dropped.
                while let Ok(job) = queue.recv() {
                    // A panicking job answers its caller with an error (its reply channel
                    // is dropped) and the writer goes on with the next one.
                    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).is_err() {
                        tracing::error!("a write transaction panicked");
                    }
                }
            })
            .context("cannot start the writer thread")?;
        Ok(Self { jobs })
    }
}

/// Copies SQLite's write-ahead log back into the database file every half second on a
/// connection of its own (`PRAGMA wal_checkpoint(PASSIVE)`: it never waits for readers or
/// the writer). Without it the commit that crosses SQLite's auto-checkpoint threshold does the
/// copying, and its fsync, while its caller waits — a sixth of the time of a batch sync.
#[derive(Debug)]
pub struct Checkpointer {
    /// Dropping the sender ends the thread.
    _stop: std::sync::mpsc::Sender<()>,
    stats: Arc<CheckpointStats>,
}

/// What the checkpointer has done, for `/metrics`.
#[derive(Debug, Default)]
pub struct CheckpointStats {
    /// Checkpoints run.
    pub runs: std::sync::atomic::AtomicU64,
    /// WAL frames copied into the database.
    pub frames: std::sync::atomic::AtomicU64,
    /// Checkpoints that failed (the error is logged).
    pub failures: std::sync::atomic::AtomicU64,
}

impl Checkpointer {
    const EVERY: Duration = Duration::from_millis(500);

    fn start(manager: &ConnectionManager) -> anyhow::Result<Self> {
        let mut conn = match manager.connect()? {
            DbConnection::Sqlite(c) => c,
            DbConnection::Postgres(_) => anyhow::bail!("only SQLite has a write-ahead log to copy"),
        };
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let stats = Arc::new(CheckpointStats::default());
        let counts = stats.clone();
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                use std::sync::atomic::Ordering::Relaxed;
                use std::sync::mpsc::RecvTimeoutError;
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(Self::EVERY) {
                    match checkpoint(&mut conn) {
                        Ok(frames) => {
                            counts.runs.fetch_add(1, Relaxed);
                            counts.frames.fetch_add(frames, Relaxed);
                        }
                        Err(e) => {
                            counts.failures.fetch_add(1, Relaxed);
                            tracing::warn!(error = %e, "WAL checkpoint failed");
                        }
                    }
                }
            })
            .context("cannot start the checkpoint thread")?;
        Ok(Self { _stop: stop, stats })
    }
}

/// One passive checkpoint: the number of frames it copied.
fn checkpoint(conn: &mut diesel::SqliteConnection) -> QueryResult<u64> {
    #[derive(QueryableByName)]
    struct Outcome {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        checkpointed: i32,
    }
    let outcome: Outcome = diesel::sql_query("PRAGMA wal_checkpoint(PASSIVE)").get_result(conn)?;
    Ok(u64::try_from(outcome.checkpointed).unwrap_or(0))
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// Pool numbers for `/metrics`.
#[derive(Debug, Clone, Copy)]
pub struct PoolStats {
    /// Open connections.
    pub connections: u32,
    /// Open connections not in use.
    pub idle: u32,
    /// Largest number of connections.
    pub max_size: u32,
}

impl Database {
    /// Connects (creating a missing PostgreSQL database or SQLite file), applies pending
    /// migrations and opens the pool. Fails fast with the database's own error message.
    pub fn open(url: &DatabaseUrl, pool_size: u32) -> anyhow::Result<Self> {
        let applied = prepare(url)?;
        if !applied.is_empty() {
            tracing::info!(migrations = ?applied, "applied migrations");
        }
        let manager = ConnectionManager::new(url.clone());
        let checkpointer = match url.kind() {
            DbKind::Sqlite => Some(Arc::new(Checkpointer::start(&manager)?)),
            DbKind::Postgres => None,
        };
        let pool = r2d2::Pool::builder()
            .max_size(pool_size)
            .min_idle(Some(pool_size.min(2)))
            // A broken connection fails its query and is replaced; testing each checkout
            // would cost a round trip per query.
            .test_on_check_out(false)
            .connection_timeout(Duration::from_secs(10))
            .build(manager)
            .with_context(|| format!("cannot open a connection pool to {}", url.redacted()))?;
        Ok(Self {
            pool,
            kind: url.kind(),
            writer: Arc::new(Writer::start()?),
            checkpointer,
        })
    }

    /// What the WAL checkpointer has done (SQLite only).
    pub fn checkpoint_stats(&self) -> Option<&CheckpointStats> {
        self.checkpointer.as_deref().map(|c| &*c.stats)
    }

    /// The backend.
    pub fn kind(&self) -> DbKind {
        self.kind
    }

    /// Pool numbers.
    pub fn pool_stats(&self) -> PoolStats {
        let state = self.pool.state();
        PoolStats {
            connections: state.connections,
            idle: state.idle_connections,
            max_size: self.pool.max_size(),
        }
    }

    /// Checks that a connection can be had and answers within `timeout`.
    pub async fn ping(&self, timeout: Duration) -> Result<(), ApiError> {
        let pool = self.pool.clone();
        actix_web::web::block(move || -> Result<(), ApiError> {
            let mut conn = pool
                .get_timeout(timeout)
                .map_err(ApiError::database_unavailable)?;
            conn.batch_execute("SELECT 1")?;
            Ok(())
        })
        .await
        .map_err(ApiError::internal)?
    }

    /// Runs read-only work on a pooled connection on the blocking thread pool.
    pub async fn read<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            let mut conn = pool.get().map_err(ApiError::database_unavailable)?;
            f(&mut conn)
        })
        .await
        .map_err(ApiError::internal)?
    }

    /// Runs a short read (a lookup by primary key, a list whose work is bounded) on the calling
    /// worker thread when the database is SQLite and a connection is free at once; otherwise as
    /// [`Self::read`]. Such a read takes microseconds of CPU in the embedded database (a bounded
    /// list at most about 2 ms) and never waits for a writer (WAL): less than the hand-over to
    /// the blocking pool and back costs. Anything whose work has no bound must use
    /// [`Self::read`], or it would hold up every request of the worker.
    pub async fn read_short<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        if self.kind == DbKind::Sqlite
            && let Some(mut conn) = self.pool.try_get()
        {
            return f(&mut conn);
        }
        self.read(f).await
    }

    /// Runs `f` in one transaction on the blocking thread pool: everything it wrote is
    /// committed if it returns `Ok`, nothing if it returns `Err`.
    pub async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let run = in_transaction(self.pool.clone(), f);
        if self.kind == DbKind::Postgres {
            return actix_web::web::block(run)
                .await
                .map_err(ApiError::internal)?;
        }
        self.queue_write(run).await
    }

    /// As [`Self::write`], for a large write (a batch sync): on either backend it waits its
    /// turn on the writer thread, so that large writes do not run side by side, each growing
    /// the memory of another thread.
    pub async fn write_bulk<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        self.queue_write(in_transaction(self.pool.clone(), f)).await
    }

    async fn queue_write<T: Send + 'static>(
        &self,
        run: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.writer
            .jobs
            .send(Box::new(move || {
                let _ = reply.send(run());
            }))
            .map_err(|_| ApiError::internal("the writer thread has stopped"))?;
        answer
            .await
            .map_err(|_| ApiError::internal("the write transaction failed without an answer"))?
    }

    /// A connection for work outside a request (CLI commands, seeding).
    pub fn blocking_conn(&self) -> anyhow::Result<r2d2::PooledConnection<ConnectionManager>> {
        Ok(self.pool.get()?)
    }
}

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
fn connect_postgres_creating(raw: &str) -> anyhow::Result<DbConnection> {
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

/// Now, in UTC, to the microsecond (what both databases keep).
pub fn now() -> chrono::NaiveDateTime {
    use chrono::{SubsecRound as _, Utc};
    Utc::now().naive_utc().trunc_subsecs(6)
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
/// emptied afterwards). Measured, not explained: with the cache on, PostgreSQL batch syncs ran
/// at about 1,900 records/s, with it off around their multi-row statements (since replaced by
/// `COPY`) and their `IN` lookups at about 3,500 (10,000 records, session 3's machine),
/// although diesel keeps none of those statements.
///
/// An uncached statement is also planned for its parameters every time: PostgreSQL plans a
/// kept statement once for any parameters after five runs when that plan looks no dearer, and
/// such a plan of a list (candidates by key, `id = ANY($n)`) walked a region's index testing
/// every row against the candidates (12 ms instead of 0.3 at 10,000 records, measured).
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
