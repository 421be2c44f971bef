//! Tests that reach into the server's internals (the database handle and its connections, the
//! library's store, migrations' SQL, the `admin` and `seed-demo` commands' functions). The
//! end-to-end crate `tests/` drives the server through the SDK and HTTP only; what must look
//! underneath is tested here.

use zhaoshang_client::Client;
use zhaoshang_types::{AgencyFields, EnterpriseFields, InvestorFields, NewUser, Role};

use support::{PASSWORD, TestApp};

/// A running server over a fresh database, and clients for it (a copy of the parts of
/// `tests/support/lib.rs` that these tests use).
mod support;

/// An investor with only a name.
fn investor(name: &str) -> InvestorFields {
    InvestorFields {
        name: name.to_owned(),
        ..InvestorFields::default()
    }
}

/// An enterprise with a name, a region, industry codes and whether it is local.
fn enterprise(name: &str, region: &str, codes: &[&str], local: bool) -> EnterpriseFields {
    EnterpriseFields {
        name: name.to_owned(),
        region_code: Some(region.to_owned()),
        industry_codes: codes.iter().map(|c| (*c).to_owned()).collect(),
        is_local: local,
        ..EnterpriseFields::default()
    }
}

/// An agency user with its own agency record and login org.
async fn agency_user(app: &TestApp, admin: &Client, name: &str) -> (String, Client) {
    let agency = admin
        .agencies()
        .create(&AgencyFields {
            name: name.to_owned(),
            region_code: Some("310101".into()),
            ..AgencyFields::default()
        })
        .await
        .expect("agency");
    let user = admin
        .create_user(&NewUser {
            username: format!("agency-{}", uuid::Uuid::now_v7().simple()),
            display_name: name.to_owned(),
            org_id: agency.id.clone(),
            role: Role::Agency,
            password: PASSWORD.into(),
        })
        .await
        .expect("agency user");
    (agency.id, app.sign_in(&user.username).await)
}

/// A migration's SQL (`up.sql` or `down.sql`) for the backend the app runs on, as embedded
/// in the server.
macro_rules! migration_sql {
    ($app:expr, $name:literal, $file:literal) => {
        match $app.database.kind() {
            zhaoshang_api::db::DbKind::Sqlite => {
                include_str!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../migrations/sqlite/",
                    $name,
                    "/",
                    $file
                ))
            }
            zhaoshang_api::db::DbKind::Postgres => {
                include_str!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../migrations/postgres/",
                    $name,
                    "/",
                    $file
                ))
            }
        }
    };
}

mod admin;
mod audit;
mod decoders;
mod lists;
mod migrations;
mod seed;
