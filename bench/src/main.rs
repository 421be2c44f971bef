//! `zhaoshang-bench`: runs the benchmark suite against a zhaoshang-api binary on loopback, for
//! SQLite and PostgreSQL at the given scales, with `wrk` as the load generator. Writes the
//! results as JSON and Markdown. See BENCHMARKS.md.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::Parser;
use serde::Serialize;
use serde_json::{Value, json};

#[derive(Parser, Debug)]
#[command(about = "Benchmark zhaoshang-api on loopback (SQLite and PostgreSQL) with wrk")]
struct Args {
    /// Smoke mode: 1,000 enterprises, 2-second runs; finishes in a minute or two.
    #[arg(long)]
    quick: bool,
    /// Backends to measure.
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    backends: Vec<String>,
    /// Enterprise counts (default: 10000,1000000; quick: 1000).
    #[arg(long, value_delimiter = ',')]
    scales: Option<Vec<usize>>,
    /// The server binary (build it with `cargo build --release -p zhaoshang-api`).
    #[arg(long, default_value = "target/release/zhaoshang-api")]
    binary: PathBuf,
    /// Concurrent connections of every load run.
    #[arg(long, default_value_t = 32)]
    connections: u32,
    /// Seconds per load run (default 10; quick: 2).
    #[arg(long)]
    duration: Option<u64>,
    /// PostgreSQL server (a database per run is created and dropped).
    #[arg(
        long,
        env = "ZHAOSHANG_TEST_PG_URL",
        default_value = "postgres://postgres@127.0.0.1:5432"
    )]
    pg: String,
    /// libpq's `sslmode` for the server's database connections. On loopback TLS only costs
    /// CPU: libpq's default (`prefer`) encrypts whenever the server offers it, as Debian's
    /// PostgreSQL does, and that took about a sixth of the throughput of `GET by id`.
    #[arg(long, default_value = "disable")]
    pg_sslmode: String,
    /// Where `latest.json` and `latest.md` go (default: bench/results; quick: bench/out).
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Debug, Serialize, Clone)]
struct Scenario {
    name: String,
    requests_per_sec: f64,
    p50_ms: f64,
    p99_ms: f64,
    /// requests_per_sec / the /healthz ceiling of the same run.
    ratio_to_ceiling: f64,
}

#[derive(Debug, Serialize)]
struct Run {
    backend: String,
    enterprises: usize,
    seed_seconds: f64,
    cold_start_ms: f64,
    deep_page_rows: usize,
    scenarios: Vec<Scenario>,
    batch_records_per_sec: f64,
    peak_rss_mb: f64,
}

struct Server {
    child: Child,
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

fn machine() -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .map(|r| r.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    json!({"cores": cores, "model": model})
}

fn run_checked(cmd: &mut Command, what: &str) -> anyhow::Result<String> {
    let out = cmd.output().with_context(|| format!("cannot run {what}"))?;
    if !out.status.success() {
        bail!(
            "{what} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn peak_rss_mb(pid: u32) -> f64 {
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

/// `1.23ms`, `456.00us`, `1.02s` → milliseconds.
fn to_ms(text: &str) -> Option<f64> {
    let (num, unit) = text.split_at(text.find(|c: char| c.is_ascii_alphabetic())?);
    let n: f64 = num.parse().ok()?;
    Some(match unit {
        "us" => n / 1000.0,
        "ms" => n,
        "s" => n * 1000.0,
        "m" => n * 60_000.0,
        _ => return None,
    })
}

fn wrk(
    url: &str,
    script: &Path,
    connections: u32,
    seconds: u64,
    envs: &[(&str, &str)],
) -> anyhow::Result<(f64, f64, f64)> {
    let mut cmd = Command::new("wrk");
    cmd.args([
        "-t2",
        &format!("-c{connections}"),
        &format!("-d{seconds}s"),
        "--latency",
        "--timeout",
        "10s",
        "-s",
        &script.to_string_lossy(),
        url,
    ]);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = run_checked(&mut cmd, "wrk (install it: apt-get install wrk)")?;
    if let Some(line) = out.lines().find(|l| l.contains("Non-2xx or 3xx responses")) {
        bail!("{url}: {line}\n{out}");
    }
    let rps = out
        .lines()
        .find_map(|l| {
            l.strip_prefix("Requests/sec:")
                .map(|r| r.trim().parse::<f64>())
        })
        .context("wrk printed no Requests/sec")??;
    let pct = |p: &str| {
        out.lines()
            .find_map(|l| {
                let mut parts = l.split_whitespace();
                (parts.next() == Some(p))
                    .then(|| parts.next().and_then(to_ms))
                    .flatten()
            })
            .unwrap_or(f64::NAN)
    };
    Ok((rps, pct("50%"), pct("99%")))
}

const AUTH_LUA: &str = r#"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
"#;

const IDS_LUA: &str = r#"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
local ids = {}
for line in io.lines(os.getenv("BENCH_IDS")) do ids[#ids + 1] = line end
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
request = function()
  return wrk.format("GET", "/api/v1/enterprises/" .. ids[math.random(#ids)])
end
"#;

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn one_run(args: &Args, backend: &str, scale: usize, seconds: u64) -> anyhow::Result<Run> {
    let work =
        std::env::temp_dir().join(format!("zs-bench-{}-{backend}-{scale}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let db_name = format!("zs_bench_{}_{scale}", std::process::id());
    let url = match backend {
        "sqlite" => format!("sqlite://{}", work.join("bench.db").display()),
        "postgres" => format!(
            "{}/{db_name}?sslmode={}",
            args.pg.trim_end_matches('/'),
            args.pg_sslmode
        ),
        other => bail!("unknown backend {other}"),
    };
    let common = |cmd: &mut Command| {
        cmd.env("DATABASE_URL", &url)
            .env("ZHAOSHANG_DATA_DIR", &work)
            .env("RUST_LOG", "warn");
    };
    eprintln!("== {backend}, {scale} enterprises: seeding");
    let started = Instant::now();
    let mut seed = Command::new(&args.binary);
    seed.args(["seed-demo", "--scale", &scale.to_string(), "--seed", "1"]);
    common(&mut seed);
    run_checked(&mut seed, "seed-demo")?;
    let seed_seconds = started.elapsed().as_secs_f64();
    let password = "bench password 0123456789";
    let mut admin = Command::new(&args.binary);
    admin.args([
        "admin",
        "create-user",
        "--username",
        "bench.admin",
        "--org-kind",
        "bureau",
        "--org-name",
        "衢州市招商局",
        "--role",
        "admin",
        "--password-stdin",
    ]);
    common(&mut admin);
    admin
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = admin.spawn()?;
    child
        .stdin
        .take()
        .context("stdin")?
        .write_all(password.as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!(
            "create-user failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let log = std::fs::File::create(work.join("server.log"))?;
    let mut serve = Command::new(&args.binary);
    serve.args(["serve", "--bind", &format!("127.0.0.1:{port}")]);
    common(&mut serve);
    serve
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(log);
    let http = reqwest::Client::new();
    let t0 = Instant::now();
    let server = Server {
        child: serve.spawn()?,
    };
    loop {
        if let Ok(r) = http.get(format!("{base}/readyz")).send().await
            && r.status().is_success()
        {
            break;
        }
        if t0.elapsed() > Duration::from_secs(60) {
            bail!(
                "the server did not become ready; see {}",
                work.join("server.log").display()
            );
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let cold_start_ms = t0.elapsed().as_secs_f64() * 1000.0;
    eprintln!("   ready in {cold_start_ms:.0} ms");

    let token: Value = http
        .post(format!("{base}/api/v1/auth/token"))
        .form(&[
            ("grant_type", "password"),
            ("username", "bench.admin"),
            ("password", password),
        ])
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let token = token["access_token"]
        .as_str()
        .context("no token")?
        .to_owned();
    let get = |path: String| {
        let http = http.clone();
        let token = token.clone();
        let base = base.clone();
        async move {
            let v: Value = http
                .get(format!("{base}{path}"))
                .bearer_auth(&token)
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            anyhow::Ok(v)
        }
    };

    // Sample ids, and walk to a deep page by cursor.
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    let mut depth = 0;
    let max_pages = (scale / 2 / 500).clamp(1, 400);
    for page in 0..max_pages {
        let mut path = "/api/v1/enterprises?limit=500".to_owned();
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let v = get(path).await?;
        let items = v["items"].as_array().cloned().unwrap_or_default();
        depth += items.len();
        if page < 20 {
            ids.extend(
                items
                    .iter()
                    .filter_map(|i| i["id"].as_str().map(str::to_owned)),
            );
        }
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let deep_cursor = cursor.context("no deep cursor: too few rows")?;
    std::fs::write(work.join("ids.txt"), ids.join("\n"))?;
    std::fs::write(work.join("auth.lua"), AUTH_LUA)?;
    std::fs::write(work.join("ids.lua"), IDS_LUA)?;
    let fluoro = get(format!("/api/v1/industries?q={}", encode("氟化工"))).await?;
    let industry = fluoro["items"][0]["id"]
        .as_str()
        .context("the demo industry")?
        .to_owned();
    let agencies = get("/api/v1/agencies?limit=1".to_owned()).await?;
    let agency = agencies["items"][0]["id"]
        .as_str()
        .context("an agency")?
        .to_owned();

    let ids_path = work.join("ids.txt").to_string_lossy().into_owned();
    let envs = [
        ("BENCH_TOKEN", token.as_str()),
        ("BENCH_IDS", ids_path.as_str()),
    ];
    let auth = work.join("auth.lua");
    let ids_lua = work.join("ids.lua");
    let scenarios: Vec<(&str, String, &Path)> = vec![
        ("GET /healthz (ceiling)", format!("{base}/healthz"), &auth),
        (
            "GET /api/v1/enterprises/{id} (random)",
            base.clone(),
            &ids_lua,
        ),
        (
            "list: industry=26 & region=3308, 50 rows",
            format!("{base}/api/v1/enterprises?industry=26&region=3308&limit=50"),
            &auth,
        ),
        (
            "list: first page, 50 rows",
            format!("{base}/api/v1/enterprises?limit=50"),
            &auth,
        ),
        (
            "list: deep page by cursor, 50 rows",
            format!("{base}/api/v1/enterprises?limit=50&cursor={deep_cursor}"),
            &auth,
        ),
        (
            "q: 2 characters (华兴)",
            format!("{base}/api/v1/enterprises?limit=50&q={}", encode("华兴")),
            &auth,
        ),
        (
            "q: 4 characters (华兴科技)",
            format!(
                "{base}/api/v1/enterprises?limit=50&q={}",
                encode("华兴科技")
            ),
            &auth,
        ),
        (
            "chain tree of 氟化工",
            format!("{base}/api/v1/industries/{industry}/chain"),
            &auth,
        ),
        (
            "gap analysis of 氟化工",
            format!("{base}/api/v1/industries/{industry}/gaps"),
            &auth,
        ),
    ];
    let mut results: Vec<Scenario> = Vec::new();
    let mut ceiling = f64::NAN;
    for (name, url, script) in scenarios {
        let script = script.to_path_buf();
        let (rps, p50, p99) = wrk(&url, &script, args.connections, seconds, &envs)?;
        if results.is_empty() {
            ceiling = rps;
        }
        eprintln!("   {name:<45} {rps:>9.0} req/s  p50 {p50:>7.2} ms  p99 {p99:>7.2} ms");
        results.push(Scenario {
            name: name.to_owned(),
            requests_per_sec: rps,
            p50_ms: p50,
            p99_ms: p99,
            ratio_to_ceiling: rps / ceiling,
        });
    }

    // Batch upsert throughput: sequential batches of 1,000 new enterprises.
    let batches = if args.quick { 2 } else { 20 };
    let started = Instant::now();
    for b in 0..batches {
        let items: Vec<Value> = (0..1000)
            .map(|i| {
                let n = (b * 1000 + i) as u64;
                json!({"name": format!("批量企业{n}"), "external_id": format!("BENCH-{n}"), "source_agency_id": agency,
                       "region_code": "440305", "industry_codes": ["3985"], "credit_code": zhaoshang_api::seed::credit_code("440300", 500_000_000 + n)})
            })
            .collect();
        http.put(format!("{base}/api/v1/enterprises:batch"))
            .bearer_auth(&token)
            .json(&json!({"items": items}))
            .send()
            .await?
            .error_for_status()
            .context("batch upsert")?;
    }
    let batch_records_per_sec = (batches * 1000) as f64 / started.elapsed().as_secs_f64();
    eprintln!("   batch upsert {batch_records_per_sec:.0} records/s");
    let peak_rss_mb = peak_rss_mb(server.child.id());
    drop(server);
    if backend == "postgres" {
        let _ = Command::new("psql")
            .args([
                &format!("{}/postgres", args.pg.trim_end_matches('/')),
                "-qc",
                &format!("DROP DATABASE IF EXISTS \"{db_name}\" WITH (FORCE)"),
            ])
            .status();
    }
    let _ = std::fs::remove_dir_all(&work);
    Ok(Run {
        backend: backend.to_owned(),
        enterprises: scale,
        seed_seconds,
        cold_start_ms,
        deep_page_rows: depth,
        scenarios: results,
        batch_records_per_sec,
        peak_rss_mb,
    })
}

fn markdown(machine: &Value, mode: &str, runs: &[Run]) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "Machine: {} cores, {}. Mode: {mode}. Load: wrk, 2 threads.\n",
        machine["cores"],
        machine["model"].as_str().unwrap_or("?")
    );
    for run in runs {
        let _ = writeln!(
            md,
            "### {} — {} enterprises\n",
            run.backend, run.enterprises
        );
        let _ = writeln!(
            md,
            "| scenario | req/s | p50 ms | p99 ms | of ceiling |\n|---|---:|---:|---:|---:|"
        );
        for s in &run.scenarios {
            let _ = writeln!(
                md,
                "| {} | {:.0} | {:.2} | {:.2} | {:.0}% |",
                s.name,
                s.requests_per_sec,
                s.p50_ms,
                s.p99_ms,
                s.ratio_to_ceiling * 100.0
            );
        }
        let _ = writeln!(
            md,
            "\nBatch upsert: {:.0} records/s. Peak RSS: {:.1} MB. Cold start to ready: {:.0} ms. Seeding: {:.1} s. Deep page at row {}.\n",
            run.batch_records_per_sec,
            run.peak_rss_mb,
            run.cold_start_ms,
            run.seed_seconds,
            run.deep_page_rows
        );
    }
    md
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if !args.binary.exists() {
        bail!(
            "no server binary at {} (cargo build --release -p zhaoshang-api, or pass --binary)",
            args.binary.display()
        );
    }
    let scales = args.scales.clone().unwrap_or_else(|| {
        if args.quick {
            vec![1000]
        } else {
            vec![10_000, 1_000_000]
        }
    });
    let seconds = args.duration.unwrap_or(if args.quick { 2 } else { 10 });
    let connections = args.connections;
    let mut runs = Vec::new();
    for backend in &args.backends {
        for &scale in &scales {
            runs.push(
                one_run(&args, backend, scale, seconds)
                    .await
                    .with_context(|| format!("{backend} at {scale}"))?,
            );
        }
    }
    let machine = machine();
    let mode = if args.quick { "quick" } else { "full" };
    let mode = format!(
        "{mode}, {connections} connections, {seconds} s per run, binary {}",
        args.binary.display()
    );
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from(if args.quick {
            "bench/out"
        } else {
            "bench/results"
        })
    });
    std::fs::create_dir_all(&out)?;
    let json = json!({"machine": machine, "mode": mode, "runs": runs});
    std::fs::write(
        out.join("latest.json"),
        serde_json::to_string_pretty(&json)? + "\n",
    )?;
    let md = markdown(&machine, &mode, &runs);
    std::fs::write(out.join("latest.md"), &md)?;
    println!("{md}");
    println!(
        "bench: {} runs, {} scenarios each, results in {}",
        runs.len(),
        runs.first().map_or(0, |r| r.scenarios.len()),
        out.display()
    );
    Ok(())
}
