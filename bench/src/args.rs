//! The command line.

use std::path::PathBuf;

use clap::Parser;

#[derive(Parser, Debug)]
#[command(about = "Benchmark zhaoshang-api on loopback (SQLite and PostgreSQL) with wrk")]
pub struct Args {
    /// Smoke mode: 1,000 enterprises, 2-second runs; finishes in a minute or two.
    #[arg(long)]
    pub quick: bool,
    /// Backends to measure.
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    pub backends: Vec<String>,
    /// Enterprise counts (default: 10000,1000000; quick: 1000).
    #[arg(long, value_delimiter = ',')]
    pub scales: Option<Vec<usize>>,
    /// The server binary (build it with `cargo build --release -p zhaoshang-api`).
    #[arg(long, default_value = "target/release/zhaoshang-api")]
    pub binary: PathBuf,
    /// Concurrent connections of every load run.
    #[arg(long, default_value_t = 32)]
    pub connections: u32,
    /// Seconds per load run (default 10; quick: 2).
    #[arg(long)]
    pub duration: Option<u64>,
    /// PostgreSQL server (a database per run is created and dropped).
    #[arg(
        long,
        env = "ZHAOSHANG_TEST_PG_URL",
        default_value = "postgres://postgres@127.0.0.1:5432"
    )]
    pub pg: String,
    /// libpq's `sslmode` for the server's database connections. On loopback TLS only costs
    /// CPU: libpq's default (`prefer`) encrypts whenever the server offers it, as Debian's
    /// PostgreSQL does, and that took about a sixth of the throughput of `GET by id`.
    #[arg(long, default_value = "disable")]
    pub pg_sslmode: String,
    /// Where `latest.json` and `latest.md` go (default: bench/results; quick: bench/out).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

impl Args {
    /// The enterprise counts to measure.
    pub fn scales(&self) -> Vec<usize> {
        self.scales.clone().unwrap_or_else(|| {
            if self.quick {
                vec![1000]
            } else {
                vec![10_000, 1_000_000]
            }
        })
    }

    /// Seconds per load run.
    pub fn seconds(&self) -> u64 {
        self.duration.unwrap_or(if self.quick { 2 } else { 10 })
    }

    /// Where the results go.
    pub fn out(&self) -> PathBuf {
        self.out.clone().unwrap_or_else(|| {
            PathBuf::from(if self.quick {
                "bench/out"
            } else {
                "bench/results"
            })
        })
    }
}
