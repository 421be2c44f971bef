//! What a run measured, and the results written as JSON and Markdown.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;
use serde_json::{Value, json};

#[derive(Debug, Serialize, Clone)]
pub struct Scenario {
    pub name: String,
    pub requests_per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// requests_per_sec / the /healthz ceiling of the same run.
    pub ratio_to_ceiling: f64,
}

#[derive(Debug, Serialize)]
pub struct Run {
    pub backend: String,
    pub enterprises: usize,
    pub seed_seconds: f64,
    pub cold_start_ms: f64,
    pub deep_page_rows: usize,
    pub scenarios: Vec<Scenario>,
    /// Batch syncs creating records.
    pub batch_records_per_sec: f64,
    /// Batch syncs updating every record they name.
    pub batch_update_records_per_sec: f64,
    /// The slowest single batch of 1,000, creating or updating.
    pub slowest_batch_ms: f64,
    pub peak_rss_mb: f64,
}

pub fn machine() -> Value {
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

pub fn markdown(machine: &Value, mode: &str, runs: &[Run]) -> String {
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
            "\nBatch upsert: {:.0} records/s creating, {:.0} updating; slowest batch of 1,000: {:.0} ms. Peak RSS: {:.1} MB. Cold start to ready: {:.0} ms. Seeding: {:.1} s. Deep page at row {}.\n",
            run.batch_records_per_sec,
            run.batch_update_records_per_sec,
            run.slowest_batch_ms,
            run.peak_rss_mb,
            run.cold_start_ms,
            run.seed_seconds,
            run.deep_page_rows
        );
    }
    md
}

/// Writes `latest.json` and `latest.md` into `out` and returns the Markdown.
pub fn write(out: &Path, mode: &str, runs: &[Run]) -> anyhow::Result<String> {
    let machine = machine();
    std::fs::create_dir_all(out)?;
    let json = json!({"machine": machine, "mode": mode, "runs": runs});
    std::fs::write(
        out.join("latest.json"),
        serde_json::to_string_pretty(&json)? + "\n",
    )?;
    let md = markdown(&machine, mode, runs);
    std::fs::write(out.join("latest.md"), &md)?;
    Ok(md)
}
