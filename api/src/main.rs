//! `zhaoshang-api`: the 招商信息平台 API server and its administration commands.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use zhaoshang_api::config::{Config, DatabaseArgs, ServeArgs};
use zhaoshang_api::db;
use zhaoshang_api::{Application, openapi, telemetry};

/// 招商信息平台 API server. With no subcommand it runs `serve`.
#[derive(Parser, Debug)]
#[command(
    name = "zhaoshang-api",
    version,
    about,
    args_conflicts_with_subcommands = true
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
