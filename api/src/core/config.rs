//! One [`Config`] from command-line flags and environment variables.

use std::path::PathBuf;

use crate::core::db::DatabaseUrl;

/// Database flags shared by every subcommand that opens the database.
#[derive(clap::Args, Debug, Clone)]
pub struct DatabaseArgs {
    /// Database URL: `postgres://user@host:port/db`, `sqlite://path/to/file.db` or a bare file
    /// path. Default: the SQLite file `zhaoshang.db` in the data directory.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,

    /// Directory for the embedded database and the generated token-signing key (created if
    /// missing).
    #[arg(long, env = "ZHAOSHANG_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
}

impl DatabaseArgs {
    /// The database URL these flags name.
    pub fn database_url(&self) -> anyhow::Result<DatabaseUrl> {
        match &self.database_url {
            Some(url) => DatabaseUrl::parse(url),
            None => Ok(DatabaseUrl::sqlite(self.data_dir.join("zhaoshang.db"))),
        }
    }
}

/// Flags of `serve`.
#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on (`host:port`; port 0 picks a free port).
    #[arg(long, env = "ZHAOSHANG_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,

    #[command(flatten)]
    pub db: DatabaseArgs,

    /// Maximum number of pooled database connections.
    #[arg(long, env = "ZHAOSHANG_DB_POOL_SIZE", default_value_t = 16,
          value_parser = clap::value_parser!(u32).range(1..=512))]
    pub db_pool_size: u32,

    /// Largest accepted request body in bytes; larger bodies are answered with 413.
    #[arg(long, env = "ZHAOSHANG_BODY_LIMIT", default_value_t = 1024 * 1024)]
    pub body_limit: usize,

    /// Number of HTTP worker threads (default: one per CPU core).
    #[arg(long, env = "ZHAOSHANG_WORKERS")]
    pub workers: Option<usize>,

    /// Seconds that in-flight requests get to finish after SIGTERM/SIGINT.
    #[arg(long, env = "ZHAOSHANG_SHUTDOWN_TIMEOUT", default_value_t = 30)]
    pub shutdown_timeout: u64,

    #[command(flatten)]
    pub auth: AuthArgs,
}

/// Token and login flags.
#[derive(clap::Args, Debug, Clone)]
pub struct AuthArgs {
    /// File holding the HS256 token-signing secret (at least 32 bytes). Without it and without
    /// ZHAOSHANG_JWT_SECRET, a secret is generated once into `<data-dir>/jwt-secret` (mode 0600).
    #[arg(long, env = "ZHAOSHANG_JWT_SECRET_FILE")]
    pub jwt_secret_file: Option<PathBuf>,

    /// The token-signing secret itself (at least 32 bytes); prefer the file.
    #[arg(long, env = "ZHAOSHANG_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<Secret>,

    /// Lifetime of issued access tokens, in seconds.
    #[arg(long, env = "ZHAOSHANG_TOKEN_TTL", default_value_t = 3600,
          value_parser = clap::value_parser!(u64).range(60..=86_400))]
    pub token_ttl: u64,

    /// Consecutive failed logins of one name that lock it.
    #[arg(long, env = "ZHAOSHANG_LOGIN_MAX_FAILURES", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub login_max_failures: u32,

    /// Seconds a name stays locked after too many failed logins.
    #[arg(long, env = "ZHAOSHANG_LOGIN_LOCK_SECS", default_value_t = 300)]
    pub login_lock_secs: u64,

    /// Failed logins from one address, less than a minute apart, after which the address is
    /// refused sign-in for a minute (0: no limit). Behind a reverse proxy every request comes
    /// from the proxy's address: raise it or set 0 there.
    #[arg(
        long,
        env = "ZHAOSHANG_LOGIN_MAX_FAILURES_PER_ADDRESS",
        default_value_t = 30
    )]
    pub login_max_failures_per_address: u32,

    /// Requests a signed-in caller may make per minute, counted by this process (0: no
    /// limit). Over it the caller is answered 429 with `Retry-After`; answers carry
    /// `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`.
    #[arg(long, env = "ZHAOSHANG_RATE_LIMIT_PER_MINUTE", default_value_t = 0)]
    pub rate_limit_per_minute: u32,
}

/// A secret given in configuration: `Debug` shows `***`, never the value, so a logged or
/// printed configuration does not leak it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The secret itself, for the one place that uses it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

/// Everything the server needs to start, resolved from flags and environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on.
    pub bind: String,
    /// Which database to use.
    pub database_url: DatabaseUrl,
    /// Directory for local state (SQLite file, generated secrets).
    pub data_dir: PathBuf,
    /// Maximum pooled database connections.
    pub db_pool_size: u32,
    /// Largest accepted request body in bytes.
    pub body_limit: usize,
    /// HTTP worker threads; `None` for one per core.
    pub workers: Option<usize>,
    /// Graceful-shutdown grace period in seconds.
    pub shutdown_timeout: u64,
    /// The token-signing secret, if given (else from the file or the data dir).
    pub jwt_secret: Option<Secret>,
    /// File holding the token-signing secret.
    pub jwt_secret_file: Option<PathBuf>,
    /// Access token lifetime in seconds.
    pub token_ttl: u64,
    /// Failed logins that lock a name.
    pub login_max_failures: u32,
    /// Seconds a locked name stays locked.
    pub login_lock_secs: u64,
    /// Failed logins from one address that lock it for a minute (0: no limit).
    pub login_max_failures_per_address: u32,
    /// Requests per signed-in caller per minute (0: no limit).
    pub rate_limit_per_minute: u32,
}

impl Config {
    /// Resolves `serve` flags into a configuration.
    pub fn from_args(args: &ServeArgs) -> anyhow::Result<Self> {
        Ok(Self {
            bind: args.bind.clone(),
            database_url: args.db.database_url()?,
            data_dir: args.db.data_dir.clone(),
            db_pool_size: args.db_pool_size,
            body_limit: args.body_limit,
            workers: args.workers,
            shutdown_timeout: args.shutdown_timeout,
            jwt_secret: args.auth.jwt_secret.clone(),
            jwt_secret_file: args.auth.jwt_secret_file.clone(),
            token_ttl: args.auth.token_ttl,
            login_max_failures: args.auth.login_max_failures,
            login_lock_secs: args.auth.login_lock_secs,
            login_max_failures_per_address: args.auth.login_max_failures_per_address,
            rate_limit_per_minute: args.auth.rate_limit_per_minute,
        })
    }

    /// A configuration with the defaults, for the given database and data directory, bound to
    /// a free port on 127.0.0.1. Used by tests and embedders.
    pub fn local(database_url: DatabaseUrl, data_dir: PathBuf) -> Self {
        Self {
            bind: "127.0.0.1:0".to_owned(),
            database_url,
            data_dir,
            db_pool_size: 8,
            body_limit: 1024 * 1024,
            workers: Some(2),
            shutdown_timeout: 5,
            jwt_secret: None,
            jwt_secret_file: None,
            token_ttl: 3600,
            login_max_failures: 5,
            login_lock_secs: 300,
            login_max_failures_per_address: 30,
            rate_limit_per_minute: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Config, Secret};
    use crate::core::db::DatabaseUrl;

    #[test]
    fn a_secret_is_not_shown_by_debug() {
        let secret: Secret = "a-signing-secret-of-thirty-two-bytes!"
            .parse()
            .expect("secret");
        let mut config = Config::local(DatabaseUrl::sqlite("x.db"), "data".into());
        config.jwt_secret = Some(secret.clone());
        let shown = format!("{config:?} {secret:?}");
        assert!(!shown.contains("signing-secret"), "{shown}");
        assert!(shown.contains("***"), "{shown}");
        assert_eq!(secret.expose(), "a-signing-secret-of-thirty-two-bytes!");
    }
}
