//! Organisations: creation and its validation, versions and parents, the ETag, unknown fields,
//! soft deletion; and lists walked page by page.

use futures_util::TryStreamExt as _;
use zhaoshang_api::testing::TestDb;
use zhaoshang_client::Client;
use zhaoshang_e2e::{TestApp, db_test, problem_field, token};
use zhaoshang_types::{NewOrg, Org, OrgKind, OrgPatch, OrgQuery, Role};

use super::new_org;

db_test!(orgs_crud_with_versions_and_validation, orgs_crud);
async fn orgs_crud(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let (county, zone) = created_with_validation(&admin).await;
    let zone = versions_and_parents(&admin, &county, &zone).await;
    etag_is_the_version(&app, &admin, &zone).await;
    unknown_fields_are_named(&app, &admin).await;
    soft_delete(&app, &admin, &zone).await;
}

/// A county and a zone under it are created at version 1; a duplicate name is 409 with the
/// existing id; bad region codes are named. Returns the county and the zone.
async fn created_with_validation(admin: &Client) -> (Org, Org) {
    let county = admin
        .create_org(&new_org(OrgKind::County, "柯城区", Some("330802")))
        .await
        .expect("create");
    assert_eq!(county.version, 1);
    let zone = admin
        .create_org(&NewOrg {
            parent_id: Some(county.id.clone()),
            ..new_org(OrgKind::Zone, "衢州智造新城", None)
        })
        .await
        .expect("child");

    let err = admin
        .create_org(&new_org(OrgKind::County, "柯城区", Some("330802")))
        .await
        .expect_err("duplicate");
    assert_eq!(
        (
            err.status(),
            err.problem().and_then(|p| p.existing_id.clone())
        ),
        (Some(409), Some(county.id.clone())),
        "a duplicate name"
    );
    for (case, org, field, code) in [
        (
            "a county without a region code",
            new_org(OrgKind::County, "衢江区", None),
            "region_code",
            "required",
        ),
        (
            "a code of five digits",
            new_org(OrgKind::Zone, "x", Some("33080")),
            "region_code",
            "invalid_format",
        ),
        (
            "a code that is no division",
            new_org(OrgKind::County, "无此区", Some("339999")),
            "region_code",
            "invalid_region_code",
        ),
    ] {
        let err = admin.create_org(&org).await.expect_err(case);
        assert_eq!(err.status(), Some(422), "{case}");
        assert_eq!(problem_field(&err), (field.into(), code.into()), "{case}");
    }
    (county, zone)
}

/// PATCH with the right version, then a stale one → 412; a cycle → 422; the parent cleared.
/// Returns the zone as it is then (version 3).
async fn versions_and_parents(admin: &Client, county: &Org, zone: &Org) -> Org {
    let rename = |name: &str| OrgPatch {
        name: Some(name.into()),
        ..OrgPatch::default()
    };
    let renamed = admin
        .update_org(&zone.id, &rename("智造新城"), Some(zone.version))
        .await
        .expect("patch");
    assert_eq!((renamed.version, renamed.name.as_str()), (2, "智造新城"));
    let err = admin
        .update_org(&zone.id, &rename("again"), Some(zone.version))
        .await
        .expect_err("stale");
    assert_eq!(
        (err.status(), err.code()),
        (Some(412), Some("precondition_failed"))
    );
    let err = admin
        .update_org(
            &county.id,
            &OrgPatch {
                parent_id: Some(Some(zone.id.clone())),
                ..OrgPatch::default()
            },
            None,
        )
        .await
        .expect_err("cycle");
    assert_eq!(problem_field(&err).1, "cycle");
    let cleared = admin
        .update_org(
            &zone.id,
            &OrgPatch {
                parent_id: Some(None),
                ..OrgPatch::default()
            },
            None,
        )
        .await
        .expect("clear parent");
    assert_eq!((cleared.parent_id.as_deref(), cleared.version), (None, 3));
    cleared
}

/// The ETag of a GET is the version.
async fn etag_is_the_version(app: &TestApp, admin: &Client, zone: &Org) {
    let res = app
        .request_as(
            admin,
            reqwest::Method::GET,
            &format!("/api/v1/orgs/{}", zone.id),
        )
        .await
        .send()
        .await
        .expect("sent");
    assert_eq!(
        res.headers().get("etag").and_then(|v| v.to_str().ok()),
        Some("\"3\"")
    );
}

/// A misspelt field in a body is named.
async fn unknown_fields_are_named(app: &TestApp, admin: &Client) {
    let res = app
        .http()
        .post(app.url("/api/v1/orgs"))
        .bearer_auth(token(admin).await)
        .json(&serde_json::json!({"kind": "zone", "name": "x", "nmae": "typo"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 422);
    let problem: serde_json::Value = res.json().await.expect("json");
    assert_eq!(problem["errors"][0]["field"], "nmae");
    assert_eq!(problem["errors"][0]["code"], "unknown_field");
}

/// Soft delete: gone from lists, visible to admins with include_deleted; refused while the
/// organisation has members.
async fn soft_delete(app: &TestApp, admin: &Client, zone: &Org) {
    let (_, _) = app.user_with_role(admin, Role::County).await;
    admin.delete_org(&zone.id, Some(3)).await.expect("delete");
    let live: Vec<_> = admin
        .orgs(OrgQuery::default())
        .try_collect()
        .await
        .expect("list");
    assert!(live.iter().all(|o| o.id != zone.id), "gone from the list");
    let all: Vec<_> = admin
        .orgs(OrgQuery {
            include_deleted: Some(true),
            ..OrgQuery::default()
        })
        .try_collect()
        .await
        .expect("list");
    assert!(
        all.iter()
            .any(|o| o.id == zone.id && o.deleted_at.is_some()),
        "listed as deleted with include_deleted"
    );
    let bureau = admin.me().await.expect("me").org;
    let err = admin
        .delete_org(&bureau.id, None)
        .await
        .expect_err("has members");
    assert_eq!(err.status(), Some(409));
}

db_test!(lists_walk_every_row_once_while_rows_are_added, pagination);
async fn pagination(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    for i in 0..12 {
        admin
            .create_org(&new_org(OrgKind::Department, &format!("部门{i:02}"), None))
            .await
            .expect("create");
    }
    let query = OrgQuery {
        kind: Some(OrgKind::Department),
        limit: Some(5),
        ..OrgQuery::default()
    };
    let first = admin.list_orgs(&query).await.expect("page 1");
    assert_eq!(first.items.len(), 5);
    // Rows added while walking are seen once, never twice.
    admin
        .create_org(&new_org(OrgKind::Department, "部门新增", None))
        .await
        .expect("create");
    let mut seen: Vec<String> = first.items.iter().map(|o| o.id.clone()).collect();
    let mut cursor = first.next_cursor;
    while let Some(c) = cursor {
        let page = admin
            .list_orgs(&OrgQuery {
                cursor: Some(c),
                ..query.clone()
            })
            .await
            .expect("page");
        seen.extend(page.items.iter().map(|o| o.id.clone()));
        cursor = page.next_cursor;
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no row twice");
    assert_eq!(
        seen.len(),
        13,
        "every row, including the one added mid-walk"
    );
    search_and_bad_parameters(&app, &admin).await;
}

/// Text search, and what bad list parameters answer.
async fn search_and_bad_parameters(app: &TestApp, admin: &Client) {
    let found = admin
        .list_orgs(&OrgQuery {
            q: Some("新增".into()),
            ..OrgQuery::default()
        })
        .await
        .expect("q");
    assert_eq!(found.items.len(), 1);
    for (case, query, expected) in [
        (
            "a limit over 500",
            OrgQuery {
                limit: Some(501),
                ..OrgQuery::default()
            },
            ("limit", "out_of_range"),
        ),
        (
            "a cursor the API never gave out",
            OrgQuery {
                cursor: Some("zz".into()),
                ..OrgQuery::default()
            },
            ("cursor", "invalid_cursor"),
        ),
    ] {
        let err = admin.list_orgs(&query).await.expect_err(case);
        assert_eq!(err.status(), Some(422), "{case}");
        assert_eq!(
            problem_field(&err),
            (expected.0.into(), expected.1.into()),
            "{case}"
        );
    }
    let res = app
        .request_as(admin, reqwest::Method::GET, "/api/v1/orgs?knd=zone")
        .await
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 400, "unknown query parameters are rejected");
}
