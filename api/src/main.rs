//! `zhaoshang-api`: the 招商信息平台 API server and its administration commands.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use zhaoshang_api::app::openapi;
use zhaoshang_api::cli as admin;
use zhaoshang_api::cli::healthcheck;
use zhaoshang_api::core::config::{Config, DatabaseArgs, ServeArgs};
use zhaoshang_api::db;
use zhaoshang_api::{Application, telemetry};
use zhaoshang_types::Role;

/// What `--help` says of the environment variables read besides the flags' own.
const LOG_HELP: &str = "Logging (every command):
  RUST_LOG              log filter in tracing's env-filter syntax [default: info]
  ZHAOSHANG_LOG_FORMAT  `json` for JSON lines; otherwise text, coloured only on a terminal";

/// 招商信息平台 API server. With no subcommand it runs `serve`.
#[derive(Parser, Debug)]
#[command(
    name = "zhaoshang-api",
    version,
    about,
    args_conflicts_with_subcommands = true,
    after_help = LOG_HELP
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Apply pending migrations, then serve the API (the default).
    Serve(ServeArgs),
    /// Apply pending migrations and exit.
    Migrate(DatabaseArgs),
    /// Print the OpenAPI document (regenerates `openapi/openapi.json`).
    Openapi,
    /// Fill the database with the 衢州 demo (users' passwords are printed once); with `--scale N`
    /// also add N generated enterprises (and N/10 investors, N/100 agencies) for benchmarks.
    SeedDemo {
        /// Generated enterprises to add.
        #[arg(long, default_value_t = 0)]
        scale: usize,
        /// Seed of the generator: the same seed gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Bootstrap: create users and service clients directly in the database.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Ask a running server's /healthz; exit 0 when it answers 200 (for container health checks).
    Healthcheck {
        /// The server's address (an unspecified host such as 0.0.0.0 is asked on loopback).
        #[arg(long, env = "ZHAOSHANG_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
        /// Seconds to wait for the answer.
        #[arg(long, default_value_t = 3)]
        timeout: u64,
    },
}

#[derive(Subcommand, Debug)]
enum AdminCommand {
    /// Create a user (and its organisation if missing), e.g. the first administrator.
    CreateUser {
        /// Login name.
        #[arg(long)]
        username: String,
        /// Name shown to people (default: the username).
        #[arg(long)]
        display_name: Option<String>,
        #[command(flatten)]
        org: admin::OrgArgs,
        /// Role: admin, bureau, department, county, zone, agency or reader.
        #[arg(long, value_parser = admin::parse_role)]
        role: Role,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Create a service client for another system; prints its id and secret once.
    CreateClient {
        /// Name of the system.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        org: admin::OrgArgs,
        /// Role: usually reader.
        #[arg(long, value_parser = admin::parse_role)]
        role: Role,
        /// Optional expiry (RFC 3339).
        #[arg(long)]
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init_logging();
    let result = match cli.command {
        None => serve(cli.serve),
        Some(Command::Serve(args)) => serve(args),
        Some(Command::Migrate(args)) => migrate(&args),
        Some(Command::Openapi) => {
            print!("{}", openapi::document_json());
            Ok(())
        }
        Some(Command::Admin(cmd)) => run_admin(cmd),
        Some(Command::SeedDemo { scale, seed, db }) => seed_demo(scale, seed, &db),
        Some(Command::Healthcheck { bind, timeout }) => healthcheck::target(&bind)
            .and_then(|addr| healthcheck::check(addr, Duration::from_secs(timeout))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line, whatever the database driver's message looks like.
            let message = format!("{err:#}");
            eprintln!(
                "error: {}",
                message.split_whitespace().collect::<Vec<_>>().join(" ")
            );
            ExitCode::FAILURE
        }
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = Config::from_args(&args)?;
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(config).await?;
        app.run().await?;
        tracing::info!("stopped");
        Ok(())
    })
}

fn migrate(args: &DatabaseArgs) -> anyhow::Result<()> {
    let url = args.database_url()?;
    let applied = db::prepare(&url)?;
    for name in &applied {
        println!("applied {name}");
    }
    println!(
        "{} is up to date ({} database)",
        url.redacted(),
        url.kind().as_str()
    );
    Ok(())
}

fn open_db(args: &DatabaseArgs) -> anyhow::Result<db::Database> {
    let url = args.database_url()?;
    db::Database::open(&url, 2)
}

fn run_admin(cmd: AdminCommand) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        match cmd {
            AdminCommand::CreateUser {
                username,
                display_name,
                org,
                role,
                password_stdin: _,
                db,
            } => {
                let password = admin::read_password_stdin()?;
                let database = open_db(&db)?;
                let id = admin::create_user(
                    &database,
                    &org,
                    &username,
                    display_name.as_deref(),
                    role,
                    password,
                )
                .await?;
                println!(
                    "created user {username} ({id}) with role {} in {} {}",
                    role.as_str(),
                    org.org_kind.as_str(),
                    org.org_name
                );
            }
            AdminCommand::CreateClient {
                name,
                org,
                role,
                expires_at,
                db,
            } => {
                let database = open_db(&db)?;
                let created =
                    admin::create_client(&database, &org, &name, role, expires_at).await?;
                println!("client_id={}", created.client_id);
                println!("client_secret={}", created.client_secret);
                eprintln!("Store the secret now: it is shown only this once.");
            }
        }
        Ok(())
    })
}

fn seed_demo(scale: usize, seed: u64, args: &DatabaseArgs) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let database = open_db(args)?;
        match zhaoshang_api::seed::seed_demo(&database).await? {
            None => println!("The demo data is there already: nothing changed."),
            Some(users) => {
                println!("Seeded the 衢州 demo. Passwords, shown only this once:");
                for (name, role, password) in users {
                    println!("  {name:<16} {:<10} {password}", role.as_str());
                }
            }
        }
        if scale > 0 {
            let report = zhaoshang_api::seed::seed_scale(&database, scale, seed).await?;
            println!(
                "Added {} enterprises, {} investors, {} agencies in {:.1} s (seed {seed}).",
                report.enterprises, report.investors, report.agencies, report.seconds
            );
        }
        Ok(())
    })
}
