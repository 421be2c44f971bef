//! The server under test: the scratch directory and database it runs on, the commands that
//! prepare them (`seed-demo`, `admin create-user`), and starting, watching and stopping it.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

use crate::args::Args;
use crate::run_checked;

/// The administrator the load runs sign in as.
pub const ADMIN: &str = "bench.admin";
/// Its password.
pub const PASSWORD: &str = "bench password 0123456789";

/// What one run works in: a scratch directory (the SQLite file, the server's log, the load
/// scripts) and the database the server is given.
pub struct Workspace {
    pub dir: PathBuf,
    db_name: String,
    url: String,
}

impl Workspace {
    /// A fresh scratch directory, and the database URL for `backend`.
    pub fn create(args: &Args, backend: &str, scale: usize) -> anyhow::Result<Self> {
        let dir =
            std::env::temp_dir().join(format!("zs-bench-{}-{backend}-{scale}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let db_name = format!("zs_bench_{}_{scale}", std::process::id());
        let url = match backend {
            "sqlite" => format!("sqlite://{}", dir.join("bench.db").display()),
            "postgres" => format!(
                "{}/{db_name}?sslmode={}",
                args.pg.trim_end_matches('/'),
                args.pg_sslmode
            ),
            other => bail!("unknown backend {other}"),
        };
        Ok(Self { dir, db_name, url })
    }

    /// A command of the server binary, run on this workspace's database and directory.
    fn command(&self, binary: &Path) -> Command {
        let mut cmd = Command::new(binary);
        cmd.env("DATABASE_URL", &self.url)
            .env("ZHAOSHANG_DATA_DIR", &self.dir)
            .env("RUST_LOG", "warn");
        cmd
    }

    /// Drops the run's PostgreSQL database (if it has one) and removes the directory.
    pub fn remove(self, args: &Args, backend: &str) {
        if backend == "postgres" {
            let _ = Command::new("psql")
                .args([
                    &format!("{}/postgres", args.pg.trim_end_matches('/')),
                    "-qc",
                    &format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.db_name),
                ])
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Seeds the demo data and `scale` generated enterprises; returns the seconds it took.
pub fn seed(binary: &Path, work: &Workspace, scale: usize) -> anyhow::Result<f64> {
    let started = Instant::now();
    let mut seed = work.command(binary);
    seed.args(["seed-demo", "--scale", &scale.to_string(), "--seed", "1"]);
    run_checked(&mut seed, "seed-demo")?;
    Ok(started.elapsed().as_secs_f64())
}

/// Creates the administrator [`ADMIN`] with [`PASSWORD`].
pub fn create_admin(binary: &Path, work: &Workspace) -> anyhow::Result<()> {
    let mut admin = work.command(binary);
    admin.args([
        "admin",
        "create-user",
        "--username",
        ADMIN,
        "--org-kind",
        "bureau",
        "--org-name",
        "衢州市招商局",
        "--role",
        "admin",
        "--password-stdin",
    ]);
    admin
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = admin.spawn()?;
    child
        .stdin
        .take()
        .context("stdin")?
        .write_all(PASSWORD.as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!(
            "create-user failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// A running server; dropping it stops it (SIGTERM, then SIGKILL after ten seconds).
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Server {
    /// Starts the server on a free loopback port, logging to `server.log` in the workspace,
    /// and waits until `/readyz` answers; returns it with the milliseconds that took.
    pub async fn start(
        binary: &Path,
        work: &Workspace,
        http: &reqwest::Client,
    ) -> anyhow::Result<(Self, f64)> {
        let port = free_port()?;
        let base = format!("http://127.0.0.1:{port}");
        let log = std::fs::File::create(work.dir.join("server.log"))?;
        let mut serve = work.command(binary);
        serve.args(["serve", "--bind", &format!("127.0.0.1:{port}")]);
        serve
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log);
        let t0 = Instant::now();
        let server = Self {
            child: serve.spawn()?,
            base,
        };
        loop {
            if let Ok(r) = http.get(format!("{}/readyz", server.base)).send().await
                && r.status().is_success()
            {
                break;
            }
            if t0.elapsed() > Duration::from_secs(60) {
                bail!(
                    "the server did not become ready; see {}",
                    work.dir.join("server.log").display()
                );
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        Ok((server, t0.elapsed().as_secs_f64() * 1000.0))
    }

    /// The most memory the server has held so far (VmHWM), in MB.
    pub fn peak_rss_mb(&self) -> f64 {
        let pid = self.child.id();
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|s| {
                s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                    l.split_whitespace()
                        .nth(1)
                        .and_then(|kb| kb.parse::<f64>().ok())
                })
            })
            .map_or(0.0, |kb| kb / 1024.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}
