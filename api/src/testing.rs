//! Throw-away databases for tests: a SQLite file in a temporary directory, or a fresh
//! PostgreSQL database per test (so tests run in parallel), dropped afterwards.

use std::path::PathBuf;

use diesel::Connection as _;
use diesel::connection::SimpleConnection as _;

use crate::core::db::{self, DatabaseUrl, DbKind};

/// Where the test PostgreSQL server is: `ZHAOSHANG_TEST_PG_URL`, default
/// `postgres://postgres@127.0.0.1:5432`.
pub fn postgres_server_url() -> String {
    std::env::var("ZHAOSHANG_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
}

/// Whether a missing PostgreSQL fails the tests (in CI, `CI=true`) instead of skipping them.
pub fn postgres_required() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
        || std::env::var("ZHAOSHANG_TEST_REQUIRE_PG").is_ok_and(|v| v == "1")
}

/// A database that exists for one test.
pub struct TestDb {
    /// The URL to give the server.
    pub url: DatabaseUrl,
    /// A data directory for the server (token keys and the like).
    pub data_dir: PathBuf,
    _dir: tempfile::TempDir,
    drop_postgres: Option<(String, String)>,
}

impl TestDb {
    /// A fresh database of the given kind, or `None` when PostgreSQL is unreachable and not
    /// required (the skip is printed, never silent). Panics when PostgreSQL is required but
    /// unreachable.
    pub fn new(kind: DbKind) -> Option<Self> {
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let data_dir = dir.path().join("data");
        match kind {
            DbKind::Sqlite => Some(Self {
                url: DatabaseUrl::sqlite(data_dir.join("test.db")),
                data_dir,
                _dir: dir,
                drop_postgres: None,
            }),
            DbKind::Postgres => {
                let server = postgres_server_url();
                let name = format!("zs_test_{}", uuid::Uuid::now_v7().simple());
                let url = format!("{}/{name}", server.trim_end_matches('/'));
                let (admin_url, _) =
                    db::postgres_admin_url(&url).expect("valid ZHAOSHANG_TEST_PG_URL");
                if let Err(err) = db::create_postgres_database(&admin_url, &name) {
                    if postgres_required() {
                        panic!("PostgreSQL at {server} is required (CI) but unreachable: {err:#}");
                    }
                    eprintln!(
                        "SKIPPED (PostgreSQL variant): no PostgreSQL at {server} ({err:#}); \
                         set ZHAOSHANG_TEST_PG_URL or start PostgreSQL. In CI this is a failure."
                    );
                    return None;
                }
                Some(Self {
                    url: DatabaseUrl::Postgres(url),
                    data_dir,
                    _dir: dir,
                    drop_postgres: Some((admin_url, name)),
                })
            }
        }
    }

    /// Drops the database now (every connection to it is terminated). Used to test behaviour
    /// when the database goes away.
    pub fn drop_now(&mut self) {
        if let Some((admin_url, name)) = self.drop_postgres.take() {
            drop_database(&admin_url, &name);
        }
    }
}

fn drop_database(admin_url: &str, name: &str) {
    if let Ok(mut conn) = diesel::PgConnection::establish(admin_url) {
        let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        self.drop_now();
    }
}

/// Defines one test per backend: `mod name { fn sqlite(); fn postgres(); }`, each calling
/// `body(TestDb)` on a fresh database.
#[macro_export]
macro_rules! db_test {
    ($(#[$meta:meta])* $name:ident, $body:ident) => {
        $(#[$meta])*
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = $crate::testing::TestDb::new($crate::core::db::DbKind::Sqlite).expect("SQLite is always available");
                super::$body(db).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = $crate::testing::TestDb::new($crate::core::db::DbKind::Postgres) {
                    super::$body(db).await;
                }
            }
        }
    };
}
