//! `zhaoshang-api seed-demo`: a realistic example modelled on 衢州 (Quzhou), and `--scale N`
//! generated data for benchmarks.
//!
//! The demo is data: the JSON files under `api/data/demo/`, compiled into the binary, loaded
//! and checked by [`demo`] and written by [`writer`]. The generator for `--scale` is [`scale`].
//!
//! Not a request path: the generator indexes its own fixed tables with numbers it draws in
//! range, and runs from the command line only; indexing is allowed here.
#![allow(clippy::indexing_slicing)]

mod demo;
mod scale;
mod strict;
mod writer;

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use zhaoshang_types::Role;

use crate::core::auth::password;
use crate::core::db::Database;
use crate::core::error::ApiError;
use crate::identity::store as identity;

pub use scale::ScaleReport;

/// The name of the first demo user; its presence means the demo data is there.
pub const DEMO_ADMIN: &str = "demo.admin";

/// A demo user: (username, role, password shown once).
pub type DemoUser = (String, Role, String);

/// A valid unified social credit code: `91` + region + 9-digit organisation code + check.
pub fn credit_code(region: &str, org_code: u64) -> String {
    let body = format!("91{region}{:09}", org_code % 1_000_000_000);
    let check = crate::core::reference::credit_check_char(&body).unwrap_or('0');
    format!("{body}{check}")
}

/// Fills the database with the 衢州 example. `None` when it is there already (nothing changes).
pub async fn seed_demo(database: &Database) -> anyhow::Result<Option<Vec<DemoUser>>> {
    let already = database
        .read(|conn| identity::user_by_username(conn, DEMO_ADMIN))
        .await
        .map_err(ApiError::into_anyhow)?;
    if already.is_some() {
        return Ok(None);
    }
    let data = demo::Demo::load()?;
    let mut rng = StdRng::from_os_rng();
    let mut shown = Vec::new();
    let mut hashes = Vec::new();
    for (name, role) in data.users() {
        let pw = random_password(&mut rng);
        hashes.push(password::hash(&pw).map_err(ApiError::into_anyhow)?);
        shown.push((name.to_owned(), role, pw));
    }
    database
        .write(move |conn| writer::write(conn, &data, hashes))
        .await
        .map_err(ApiError::into_anyhow)?;
    Ok(Some(shown))
}

/// Adds `n` generated enterprises (and n/10 investors with a contact each, n/100 agencies, chain
/// memberships and supply links), deterministic for `seed`, written in large transactions.
pub async fn seed_scale(database: &Database, n: usize, seed: u64) -> anyhow::Result<ScaleReport> {
    scale::seed(database, n, seed).await
}

fn random_password(rng: &mut StdRng) -> String {
    const CHARS: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    (0..16)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}
