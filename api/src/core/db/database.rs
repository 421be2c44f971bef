//! The database handle: the pool, the writer and the ways work reaches a connection.

use super::*;

/// The database handle shared by all workers.
#[derive(Clone)]
pub struct Database {
    pub(crate) pool: Pool,
    kind: DbKind,
    /// The thread that runs SQLite's write transactions and either backend's bulk writes
    /// (see [`Writer`]).
    writer: Arc<Writer>,
    /// SQLite: the thread that checkpoints the WAL; it stops when the last handle is dropped.
    checkpointer: Option<Arc<Checkpointer>>,
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
