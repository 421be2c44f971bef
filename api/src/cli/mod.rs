//! `zhaoshang-api admin …`: bootstrap commands that work on the database directly; and
//! `healthcheck`, which asks a running server.

pub mod healthcheck;

use std::io::Read as _;

use anyhow::Context as _;
use zhaoshang_types::{ClientCreated, NewClient, OrgKind, Role};

use crate::core::audit;
use crate::core::auth::password;
use crate::core::db::{Database, DbConnection};
use crate::core::error::ApiError;
use crate::core::http::required_text;
use crate::identity::service;
use crate::identity::store as identity;

/// Which organisation a command acts in (created when missing).
#[derive(clap::Args, Debug, Clone)]
pub struct OrgArgs {
    /// Kind of the organisation: bureau, department, county, zone or agency.
    #[arg(long, value_parser = parse_org_kind)]
    pub org_kind: OrgKind,
    /// Name of the organisation, e.g. 招商局 (created when missing).
    #[arg(long, alias = "org")]
    pub org_name: String,
    /// GB/T 2260 code, needed when a county is created.
    #[arg(long)]
    pub region_code: Option<String>,
}

fn parse_org_kind(s: &str) -> Result<OrgKind, String> {
    OrgKind::parse(s)
        .ok_or_else(|| "use one of bureau, department, county, zone, agency".to_owned())
}

/// Parses a role name for clap.
pub fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| {
        "use one of admin, bureau, department, county, zone, agency, reader".to_owned()
    })
}

/// The organisation's checked name and region code.
fn org_fields(args: &OrgArgs) -> anyhow::Result<(OrgKind, String, Option<String>)> {
    let name = required_text("org_name", &args.org_name, 100).map_err(ApiError::into_anyhow)?;
    let region_code = service::check_region_code(args.org_kind, args.region_code.as_deref())
        .map_err(ApiError::into_anyhow)?;
    Ok((args.org_kind, name, region_code))
}

/// Finds or creates the organisation, inside the caller's transaction; returns its id.
fn ensure_org(
    conn: &mut DbConnection,
    (kind, name, region_code): (OrgKind, String, Option<String>),
) -> Result<String, ApiError> {
    service::orgs::ensure_org(conn, &audit::Actor::cli(), kind, name, region_code)
}

fn check_role_fits(role: Role, kind: OrgKind) -> anyhow::Result<()> {
    if crate::core::auth::policy::role_fits_org(role, kind) {
        Ok(())
    } else {
        anyhow::bail!(
            "the role `{}` does not suit an organisation of kind `{}`",
            role.as_str(),
            kind.as_str()
        )
    }
}

/// Reads a password from standard input (the first line, without its line break).
pub fn read_password_stdin() -> anyhow::Result<String> {
    let mut raw = String::new();
    std::io::stdin()
        .read_to_string(&mut raw)
        .context("cannot read the password from standard input")?;
    let line = raw.lines().next().unwrap_or("").to_owned();
    Ok(line)
}

/// `admin create-user`: creates the user (and the organisation if missing). Returns the user id.
pub async fn create_user(
    db: &Database,
    org: &OrgArgs,
    username: &str,
    display_name: Option<&str>,
    role: Role,
    password_text: String,
) -> anyhow::Result<String> {
    let username = service::check_username(username).map_err(ApiError::into_anyhow)?;
    password::check_strength("password", &password_text).map_err(ApiError::into_anyhow)?;
    let display_name = required_text("display_name", display_name.unwrap_or(&username), 100)
        .map_err(ApiError::into_anyhow)?;
    check_role_fits(role, org.org_kind)?;
    let org = org_fields(org)?;
    let hash = service::hash_blocking(password_text)
        .await
        .map_err(ApiError::into_anyhow)?;
    // One transaction: a refused user leaves no new organisation behind.
    db.write(move |conn| {
        let org_id = ensure_org(conn, org)?;
        let row = identity::UserRow::new(username, display_name, org_id, role, hash);
        Ok(service::users::insert_new(conn, &audit::Actor::cli(), row)?.id)
    })
    .await
    .map_err(ApiError::into_anyhow)
}

/// `admin create-client`: creates a service client (and the organisation if missing).
pub async fn create_client(
    db: &Database,
    org: &OrgArgs,
    name: &str,
    role: Role,
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
) -> anyhow::Result<ClientCreated> {
    check_role_fits(role, org.org_kind)?;
    let org = org_fields(org)?;
    let new = NewClient {
        name: name.to_owned(),
        org_id: String::new(),
        role,
        expires_at,
    };
    // One transaction: a refused client leaves no new organisation behind.
    service::clients::create_client(db, audit::Actor::cli(), new, move |conn| {
        ensure_org(conn, org)
    })
    .await
    .map_err(ApiError::into_anyhow)
}
