//! `zhaoshang-bench`: runs the benchmark suite against a zhaoshang-api binary on loopback, for
//! SQLite and PostgreSQL at the given scales, with `wrk` as the load generator. Writes the
//! results as JSON and Markdown. See BENCHMARKS.md.

mod args;
mod load;
mod report;
mod server;

use std::process::Command;

use anyhow::{Context as _, bail};
use clap::Parser;

use args::Args;
use load::{Api, Targets};
use report::Run;
use server::{Server, Workspace};

/// Runs `cmd` to completion; its standard output, or an error with both outputs.
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

/// One backend at one scale: seed, start the server, sign in, sample the data, load every
/// scenario, time the batch upserts, then stop the server and clean up.
async fn one_run(args: &Args, backend: &str, scale: usize, seconds: u64) -> anyhow::Result<Run> {
    let work = Workspace::create(args, backend, scale)?;
    eprintln!("== {backend}, {scale} enterprises: seeding");
    let seed_seconds = server::seed(&args.binary, &work, scale)?;
    server::create_admin(&args.binary, &work)?;

    let http = reqwest::Client::new();
    let (server, cold_start_ms) = Server::start(&args.binary, &work, &http).await?;
    eprintln!("   ready in {cold_start_ms:.0} ms");
    let api = Api::sign_in(http, &server.base).await?;
    let targets = Targets::sample(&api, scale).await?;
    let scenarios = load::measure(&api, &targets, &work.dir, args.connections, seconds)?;

    let batches = if args.quick { 2 } else { 20 };
    let create = load::batch_upsert(&api, &targets.agency, batches, false).await?;
    let update = load::batch_upsert(&api, &targets.agency, batches, true).await?;
    eprintln!(
        "   batch upsert {:.0} records/s creating, {:.0} updating; slowest batch {:.0} ms",
        create.records_per_sec,
        update.records_per_sec,
        create.slowest_ms.max(update.slowest_ms)
    );
    let peak_rss_mb = server.peak_rss_mb();
    drop(server);
    work.remove(args, backend);
    Ok(Run {
        backend: backend.to_owned(),
        enterprises: scale,
        seed_seconds,
        cold_start_ms,
        deep_page_rows: targets.depth,
        scenarios,
        batch_records_per_sec: create.records_per_sec,
        batch_update_records_per_sec: update.records_per_sec,
        slowest_batch_ms: create.slowest_ms.max(update.slowest_ms),
        peak_rss_mb,
    })
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
    let scales = args.scales();
    let seconds = args.seconds();
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
    let mode = if args.quick { "quick" } else { "full" };
    let mode = format!(
        "{mode}, {connections} connections, {seconds} s per run, binary {}",
        args.binary.display()
    );
    let out = args.out();
    let md = report::write(&out, &mode, &runs)?;
    println!("{md}");
    println!(
        "bench: {} runs, {} scenarios each, results in {}",
        runs.len(),
        runs.first().map_or(0, |r| r.scenarios.len()),
        out.display()
    );
    Ok(())
}
