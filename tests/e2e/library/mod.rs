//! The shared information library through the SDK, by feature: records and their lifecycle,
//! lists (filters, search, pagination), contacts and masking, agency isolation, batch syncs,
//! CSV, chains and gaps, who changes and deletes contacts and chain nodes, target regions and
//! reference data. This file holds only the helpers they share.

mod agency;
mod batch;
mod chains;
mod contacts;
mod csv;
mod nested;
mod records;
mod regions;
mod search;

use zhaoshang_client::Client;
use zhaoshang_e2e::{PASSWORD, TestApp, problem_field};
use zhaoshang_types::{AgencyFields, EnterpriseFields, InvestorFields, NewUser, Role};

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

/// `ids`, sorted.
fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

/// An agency user with its own agency record and login org.
pub(crate) async fn agency_user(app: &TestApp, admin: &Client, name: &str) -> (String, Client) {
    let agency = admin
        .agencies()
        .create(&AgencyFields {
            name: name.to_owned(),
            region_code: Some("310101".into()),
            ..AgencyFields::default()
        })
        .await
        .expect("agency");
    assert_eq!(
        agency.org_id.as_deref(),
        Some(agency.id.as_str()),
        "the agency's login org has its id"
    );
    let org = admin
        .get_org(&agency.id)
        .await
        .expect("org created with the agency");
    assert_eq!(org.kind, zhaoshang_types::OrgKind::Agency);
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
