//! Connections and the pool: opening either backend with its settings.

use super::*;

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

pub(crate) fn ensure_parent_dir(path: &Path) -> Result<(), ConnectError> {
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
