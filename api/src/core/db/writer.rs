//! The threads beside the pool: the writer that runs write transactions one at a time, and
//! SQLite's WAL checkpointer.

use super::*;

/// `f` in one transaction on a pooled connection, to be run on a thread that may block.
pub(crate) fn in_transaction<T, F>(
    pool: Pool,
    f: F,
) -> impl FnOnce() -> Result<T, ApiError> + Send + 'static
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
pub(crate) type WriteJob = Box<dyn FnOnce() + Send>;

/// SQLite has one writer at a time, so its write transactions run one after another on a
/// thread of their own rather than on whichever blocking thread is free: waiting for the
/// write lock becomes waiting in this queue (no `database is locked`), and the memory a
/// large batch sync works in is taken from, and given back to, one allocator arena instead
/// of one per blocking thread (glibc keeps each arena's high-water mark: peak RSS after a
/// series of batch syncs fell from about 280 to about 130 MB at a million records).
/// PostgreSQL's bulk writes (batch syncs, [`Database::write_bulk`]) take the same queue for
/// the same reason; its other writes run side by side on the blocking pool.
pub(crate) struct Writer {
    pub(crate) jobs: std::sync::mpsc::Sender<WriteJob>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").finish_non_exhaustive()
    }
}

impl Writer {
    pub(crate) fn start() -> anyhow::Result<Self> {
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
    pub(crate) stats: Arc<CheckpointStats>,
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

    pub(crate) fn start(manager: &ConnectionManager) -> anyhow::Result<Self> {
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
pub(crate) fn checkpoint(conn: &mut diesel::SqliteConnection) -> QueryResult<u64> {
    #[derive(QueryableByName)]
    struct Outcome {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        checkpointed: i32,
    }
    let outcome: Outcome = diesel::sql_query("PRAGMA wal_checkpoint(PASSIVE)").get_result(conn)?;
    Ok(u64::try_from(outcome.checkpointed).unwrap_or(0))
}
