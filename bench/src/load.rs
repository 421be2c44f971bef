//! The load: the API client that samples what to ask for, the `wrk` runs and the reading of
//! their output, and the batch upserts.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde_json::{Value, json};

use crate::report::Scenario;
use crate::run_checked;
use crate::server::{ADMIN, PASSWORD};

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

/// The server's API, signed in as the bench administrator.
pub struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    pub async fn sign_in(http: reqwest::Client, base: &str) -> anyhow::Result<Self> {
        let token: Value = http
            .post(format!("{base}/api/v1/auth/token"))
            .form(&[
                ("grant_type", "password"),
                ("username", ADMIN),
                ("password", PASSWORD),
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
        Ok(Self {
            http,
            base: base.to_owned(),
            token,
        })
    }

    async fn get(&self, path: &str) -> anyhow::Result<Value> {
        let v: Value = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(v)
    }
}

/// What the scenarios ask for, sampled from the seeded data.
pub struct Targets {
    /// Enterprise ids of the first pages, for random reads by id.
    pub ids: Vec<String>,
    /// How many rows deep the deep page's cursor is.
    pub depth: usize,
    /// The cursor of a deep page.
    pub deep_cursor: String,
    /// The demo industry 氟化工.
    pub industry: String,
    /// An agency, the source of the batch-upserted enterprises.
    pub agency: String,
}

impl Targets {
    /// Samples ids, and walks to a deep page by cursor.
    pub async fn sample(api: &Api, scale: usize) -> anyhow::Result<Self> {
        let mut ids = Vec::new();
        let mut cursor: Option<String> = None;
        let mut depth = 0;
        let max_pages = (scale / 2 / 500).clamp(1, 400);
        for page in 0..max_pages {
            let mut path = "/api/v1/enterprises?limit=500".to_owned();
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let v = api.get(&path).await?;
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
        let fluoro = api
            .get(&format!("/api/v1/industries?q={}", encode("氟化工")))
            .await?;
        let industry = fluoro["items"][0]["id"]
            .as_str()
            .context("the demo industry")?
            .to_owned();
        let agencies = api.get("/api/v1/agencies?limit=1").await?;
        let agency = agencies["items"][0]["id"]
            .as_str()
            .context("an agency")?
            .to_owned();
        Ok(Self {
            ids,
            depth,
            deep_cursor,
            industry,
            agency,
        })
    }
}

/// The `wrk` scripts of a run, written into its directory.
struct Scripts {
    auth: PathBuf,
    ids_lua: PathBuf,
    ids_txt: String,
}

impl Scripts {
    fn write(dir: &Path, ids: &[String]) -> anyhow::Result<Self> {
        std::fs::write(dir.join("ids.txt"), ids.join("\n"))?;
        std::fs::write(dir.join("auth.lua"), AUTH_LUA)?;
        std::fs::write(dir.join("ids.lua"), IDS_LUA)?;
        Ok(Self {
            auth: dir.join("auth.lua"),
            ids_lua: dir.join("ids.lua"),
            ids_txt: dir.join("ids.txt").to_string_lossy().into_owned(),
        })
    }
}

/// The scenarios: a name, the URL `wrk` loads and its script. The first is the ceiling.
fn scenarios<'a>(
    base: &str,
    targets: &Targets,
    scripts: &'a Scripts,
) -> Vec<(&'static str, String, &'a Path)> {
    let (auth, ids_lua) = (scripts.auth.as_path(), scripts.ids_lua.as_path());
    let Targets {
        deep_cursor,
        industry,
        ..
    } = targets;
    vec![
        ("GET /healthz (ceiling)", format!("{base}/healthz"), auth),
        (
            "GET /api/v1/enterprises/{id} (random)",
            base.to_owned(),
            ids_lua,
        ),
        (
            "list: industry=26 & region=3308, 50 rows",
            format!("{base}/api/v1/enterprises?industry=26&region=3308&limit=50"),
            auth,
        ),
        (
            "list: first page, 50 rows",
            format!("{base}/api/v1/enterprises?limit=50"),
            auth,
        ),
        (
            "list: deep page by cursor, 50 rows",
            format!("{base}/api/v1/enterprises?limit=50&cursor={deep_cursor}"),
            auth,
        ),
        (
            "q: 2 characters (华兴)",
            format!("{base}/api/v1/enterprises?limit=50&q={}", encode("华兴")),
            auth,
        ),
        (
            "q: 4 characters (华兴科技)",
            format!(
                "{base}/api/v1/enterprises?limit=50&q={}",
                encode("华兴科技")
            ),
            auth,
        ),
        (
            "chain tree of 氟化工",
            format!("{base}/api/v1/industries/{industry}/chain"),
            auth,
        ),
        (
            "gap analysis of 氟化工",
            format!("{base}/api/v1/industries/{industry}/gaps"),
            auth,
        ),
    ]
}

/// Writes the scripts into `dir` and loads every scenario with `wrk` in turn.
pub fn measure(
    api: &Api,
    targets: &Targets,
    dir: &Path,
    connections: u32,
    seconds: u64,
) -> anyhow::Result<Vec<Scenario>> {
    let scripts = Scripts::write(dir, &targets.ids)?;
    let envs = [
        ("BENCH_TOKEN", api.token.as_str()),
        ("BENCH_IDS", scripts.ids_txt.as_str()),
    ];
    let mut results: Vec<Scenario> = Vec::new();
    let mut ceiling = f64::NAN;
    for (name, url, script) in scenarios(&api.base, targets, &scripts) {
        let (rps, p50, p99) = wrk(&url, script, connections, seconds, &envs)?;
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
    Ok(results)
}

/// How fast batch syncs went: records per second over all batches, and the slowest batch
/// (while one runs, other writes wait).
pub struct BatchTiming {
    pub records_per_sec: f64,
    pub slowest_ms: f64,
}

/// Syncs `batches` sequential batches of 1,000 enterprises. With `update`, the same external
/// ids again with another name and region, so every item updates an existing record (and its
/// search postings).
pub async fn batch_upsert(
    api: &Api,
    agency: &str,
    batches: usize,
    update: bool,
) -> anyhow::Result<BatchTiming> {
    let started = Instant::now();
    let mut slowest = Duration::ZERO;
    for b in 0..batches {
        let items: Vec<Value> = (0..1000)
            .map(|i| {
                let n = (b * 1000 + i) as u64;
                let (name, region) = if update {
                    (format!("批量更新企业{n}"), "440304")
                } else {
                    (format!("批量企业{n}"), "440305")
                };
                json!({"name": name, "external_id": format!("BENCH-{n}"), "source_agency_id": agency,
                       "region_code": region, "industry_codes": ["3985"], "credit_code": zhaoshang_api::seed::credit_code("440300", 500_000_000 + n)})
            })
            .collect();
        let sent = Instant::now();
        api.http
            .put(format!("{}/api/v1/enterprises:batch", api.base))
            .bearer_auth(&api.token)
            .json(&json!({"items": items}))
            .send()
            .await?
            .error_for_status()
            .context("batch upsert")?;
        slowest = slowest.max(sent.elapsed());
    }
    Ok(BatchTiming {
        records_per_sec: (batches * 1000) as f64 / started.elapsed().as_secs_f64(),
        slowest_ms: slowest.as_secs_f64() * 1000.0,
    })
}

/// Loads `url` with `wrk`; returns requests per second and the median and 99th percentile
/// latencies in milliseconds. Any non-2xx/3xx answer fails the run.
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
