//! The `admin` commands' functions.

use zhaoshang_api::testing::TestDb;
use zhaoshang_types::{OrgKind, OrgQuery, Role};

use crate::support::{PASSWORD, TestApp};

zhaoshang_api::db_test!(
    a_refused_bootstrap_user_leaves_no_organisation_behind,
    bootstrap_is_atomic
);
async fn bootstrap_is_atomic(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let taken = admin.me().await.expect("me").name;
    let org = zhaoshang_api::cli::OrgArgs {
        org_kind: OrgKind::Department,
        org_name: "新设部门".into(),
        region_code: None,
    };
    let err = zhaoshang_api::cli::create_user(
        &app.database,
        &org,
        &taken,
        None,
        Role::Department,
        PASSWORD.to_owned(),
    )
    .await
    .expect_err("the username is taken");
    assert!(err.to_string().contains("taken"), "{err}");
    let found = admin
        .list_orgs(&OrgQuery {
            q: Some("新设部门".into()),
            ..OrgQuery::default()
        })
        .await
        .expect("list");
    assert!(
        found.items.is_empty(),
        "the organisation was not created: {found:?}"
    );
    let err = zhaoshang_api::cli::create_client(&app.database, &org, "  ", Role::Reader, None)
        .await
        .expect_err("no name");
    assert!(err.to_string().contains("name"), "{err}");
    assert!(
        admin
            .list_orgs(&OrgQuery {
                q: Some("新设部门".into()),
                ..OrgQuery::default()
            })
            .await
            .expect("list")
            .items
            .is_empty()
    );
}
