//! Organisations, users, clients, passwords and the audit trail through the SDK.

use futures_util::TryStreamExt as _;
use zhaoshang_api::testing::TestDb;
use zhaoshang_e2e::{PASSWORD, TestApp, db_test};
use zhaoshang_types::{
    AuditQuery, NewOrg, NewUser, OrgKind, OrgPatch, OrgQuery, Role, UserPatch, UserQuery,
};

db_test!(orgs_crud_with_versions_and_validation, orgs_crud);
async fn orgs_crud(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let county = admin
        .create_org(&NewOrg {
            kind: OrgKind::County,
            name: "柯城区".into(),
            region_code: Some("330802".into()),
            parent_id: None,
        })
        .await
        .expect("create");
    assert_eq!(county.version, 1);
    let zone = admin
        .create_org(&NewOrg {
            kind: OrgKind::Zone,
            name: "衢州智造新城".into(),
            region_code: None,
            parent_id: Some(county.id.clone()),
        })
        .await
        .expect("child");

    // Duplicate name → 409 with the existing id; county without region code → 422.
    let err = admin
        .create_org(&NewOrg {
            kind: OrgKind::County,
            name: "柯城区".into(),
            region_code: Some("330802".into()),
            parent_id: None,
        })
        .await
        .expect_err("duplicate");
    assert_eq!(
        (
            err.status(),
            err.problem().and_then(|p| p.existing_id.clone())
        ),
        (Some(409), Some(county.id.clone()))
    );
    let err = admin
        .create_org(&NewOrg {
            kind: OrgKind::County,
            name: "衢江区".into(),
            region_code: None,
            parent_id: None,
        })
        .await
        .expect_err("no code");
    let p = err.problem().expect("problem");
    assert_eq!(
        (
            p.status,
            p.errors[0].field.as_str(),
            p.errors[0].code.as_str()
        ),
        (422, "region_code", "required")
    );
    let err = admin
        .create_org(&NewOrg {
            kind: OrgKind::Zone,
            name: "x".into(),
            region_code: Some("33080".into()),
            parent_id: None,
        })
        .await
        .expect_err("bad code");
    assert_eq!(
        err.problem().map(|p| p.errors[0].code.clone()),
        Some("invalid_format".into())
    );
    let err = admin
        .create_org(&NewOrg {
            kind: OrgKind::County,
            name: "无此区".into(),
            region_code: Some("339999".into()),
            parent_id: None,
        })
        .await
        .expect_err("a code that is no division");
    assert_eq!(
        err.problem()
            .map(|p| (p.errors[0].field.clone(), p.errors[0].code.clone())),
        Some(("region_code".into(), "invalid_region_code".into()))
    );

    // PATCH with the right version, then a stale one → 412; a cycle → 422.
    let renamed = admin
        .update_org(
            &zone.id,
            &OrgPatch {
                name: Some("智造新城".into()),
                ..OrgPatch::default()
            },
            Some(zone.version),
        )
        .await
        .expect("patch");
    assert_eq!((renamed.version, renamed.name.as_str()), (2, "智造新城"));
    let err = admin
        .update_org(
            &zone.id,
            &OrgPatch {
                name: Some("again".into()),
                ..OrgPatch::default()
            },
            Some(zone.version),
        )
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
    assert_eq!(
        err.problem().map(|p| p.errors[0].code.clone()),
        Some("cycle".into())
    );
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
    assert_eq!(cleared.parent_id, None);

    // ETag on GET is the version.
    let res = app
        .http()
        .get(app.url(&format!("/api/v1/orgs/{}", zone.id)))
        .bearer_auth(admin.bearer().await.expect("t").expect("t"))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        res.headers().get("etag").and_then(|v| v.to_str().ok()),
        Some("\"3\"")
    );

    // Unknown fields are named.
    let res = app
        .http()
        .post(app.url("/api/v1/orgs"))
        .bearer_auth(admin.bearer().await.expect("t").expect("t"))
        .json(&serde_json::json!({"kind": "zone", "name": "x", "nmae": "typo"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 422);
    let problem: serde_json::Value = res.json().await.expect("json");
    assert_eq!(problem["errors"][0]["field"], "nmae");
    assert_eq!(problem["errors"][0]["code"], "unknown_field");

    // Soft delete: gone from lists, visible to admins with include_deleted; refused with members.
    let (_, _) = app.user_with_role(&admin, Role::County).await;
    admin.delete_org(&zone.id, Some(3)).await.expect("delete");
    let live: Vec<_> = admin
        .orgs(OrgQuery::default())
        .try_collect()
        .await
        .expect("list");
    assert!(live.iter().all(|o| o.id != zone.id));
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
            .any(|o| o.id == zone.id && o.deleted_at.is_some())
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
            .create_org(&NewOrg {
                kind: OrgKind::Department,
                name: format!("部门{i:02}"),
                region_code: None,
                parent_id: None,
            })
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
        .create_org(&NewOrg {
            kind: OrgKind::Department,
            name: "部门新增".into(),
            region_code: None,
            parent_id: None,
        })
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
    // Text search and bad parameters.
    let found = admin
        .list_orgs(&OrgQuery {
            q: Some("新增".into()),
            ..OrgQuery::default()
        })
        .await
        .expect("q");
    assert_eq!(found.items.len(), 1);
    let err = admin
        .list_orgs(&OrgQuery {
            limit: Some(501),
            ..OrgQuery::default()
        })
        .await
        .expect_err("limit");
    assert_eq!(
        err.problem().map(|p| p.errors[0].field.clone()),
        Some("limit".into())
    );
    let err = admin
        .list_orgs(&OrgQuery {
            cursor: Some("zz".into()),
            ..OrgQuery::default()
        })
        .await
        .expect_err("cursor");
    assert_eq!(
        err.problem().map(|p| p.errors[0].code.clone()),
        Some("invalid_cursor".into())
    );
    let res = app
        .http()
        .get(app.url("/api/v1/orgs?knd=zone"))
        .bearer_auth(admin.bearer().await.expect("t").expect("t"))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 400, "unknown query parameters are rejected");
}

db_test!(users_roles_and_passwords, users_and_passwords);
async fn users_and_passwords(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let county = app.org_for(&admin, Role::County).await;
    // A role must suit the organisation.
    let err = admin
        .create_user(&NewUser {
            username: "wrong".into(),
            display_name: "x".into(),
            org_id: county.id.clone(),
            role: Role::Agency,
            password: PASSWORD.into(),
        })
        .await
        .expect_err("role mismatch");
    assert_eq!(
        err.problem().map(|p| p.errors[0].code.clone()),
        Some("role_mismatch".into())
    );
    let err = admin
        .create_user(&NewUser {
            username: "Bad Name".into(),
            display_name: "x".into(),
            org_id: county.id.clone(),
            role: Role::County,
            password: PASSWORD.into(),
        })
        .await
        .expect_err("username");
    assert_eq!(
        err.problem().map(|p| p.errors[0].field.clone()),
        Some("username".into())
    );
    let err = admin
        .create_user(&NewUser {
            username: "short-pw".into(),
            display_name: "x".into(),
            org_id: county.id.clone(),
            role: Role::County,
            password: "short".into(),
        })
        .await
        .expect_err("password");
    assert_eq!(
        err.problem().map(|p| p.errors[0].code.clone()),
        Some("too_short".into())
    );

    let user = admin
        .create_user(&NewUser {
            username: "KeCheng.Liaison".into(),
            display_name: "柯城联络员".into(),
            org_id: county.id.clone(),
            role: Role::County,
            password: PASSWORD.into(),
        })
        .await
        .expect("create");
    assert_eq!(user.username, "kecheng.liaison");
    let err = admin
        .create_user(&NewUser {
            username: "kecheng.liaison".into(),
            display_name: "x".into(),
            org_id: county.id.clone(),
            role: Role::County,
            password: PASSWORD.into(),
        })
        .await
        .expect_err("taken");
    assert_eq!(
        (
            err.status(),
            err.problem().and_then(|p| p.existing_id.clone())
        ),
        (Some(409), Some(user.id.clone()))
    );
    let listed = admin
        .list_users(&UserQuery {
            org_id: Some(county.id.clone()),
            ..UserQuery::default()
        })
        .await
        .expect("list");
    assert_eq!(listed.items.len(), 1);
    assert!(
        !serde_json::to_string(&listed)
            .expect("json")
            .contains("argon2"),
        "no hash leaves the server"
    );

    // The user changes their own password.
    let me = app.sign_in(&user.username).await;
    let err = me
        .change_password("not my password", "a brand new password")
        .await
        .expect_err("wrong current");
    assert_eq!(
        err.problem().map(|p| p.errors[0].code.clone()),
        Some("wrong_password".into())
    );
    me.change_password(PASSWORD, "a brand new password")
        .await
        .expect("changed");
    zhaoshang_client::Client::with_password(&app.base_url, &user.username, "a brand new password")
        .await
        .expect("new works");
    assert!(
        zhaoshang_client::Client::with_password(&app.base_url, &user.username, PASSWORD)
            .await
            .is_err()
    );

    // Administrators cannot lock themselves out.
    let own = admin.me().await.expect("me");
    let err = admin
        .update_user(
            &own.id,
            &UserPatch {
                active: Some(false),
                ..UserPatch::default()
            },
            None,
        )
        .await
        .expect_err("self");
    assert_eq!(
        err.problem().map(|p| p.errors[0].code.clone()),
        Some("self_lockout".into())
    );
}

db_test!(every_change_and_login_is_audited, audit_trail);
async fn audit_trail(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let admin_me = admin.me().await.expect("me");
    let zone = admin
        .create_org(&NewOrg {
            kind: OrgKind::Zone,
            name: "龙游经济开发区".into(),
            region_code: None,
            parent_id: None,
        })
        .await
        .expect("create");
    let renamed = admin
        .update_org(
            &zone.id,
            &OrgPatch {
                name: Some("龙游开发区".into()),
                ..OrgPatch::default()
            },
            None,
        )
        .await
        .expect("update");
    let user = admin
        .create_user(&NewUser {
            username: "lyzone".into(),
            display_name: "龙游".into(),
            org_id: zone.id.clone(),
            role: Role::Zone,
            password: PASSWORD.into(),
        })
        .await
        .expect("user");
    let _ =
        zhaoshang_client::Client::with_password(&app.base_url, "lyzone", "wrong password!!").await;
    let zone_user = app.sign_in("lyzone").await;
    zone_user
        .change_password(PASSWORD, "another long password")
        .await
        .expect("password");
    admin.delete_user(&user.id, None).await.expect("deactivate");
    admin
        .delete_org(&zone.id, Some(renamed.version))
        .await
        .expect("delete org");

    let rows: Vec<_> = admin
        .audit(AuditQuery::default())
        .try_collect()
        .await
        .expect("audit");
    let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "strictly increasing: {seqs:?}"
    );

    let find = |action: &str, resource: &str, id: &str| {
        rows.iter()
            .find(|r| {
                r.action == action
                    && r.resource_type == resource
                    && r.resource_id.as_deref() == Some(id)
            })
            .unwrap_or_else(|| panic!("no {action} {resource} {id} in {rows:#?}"))
    };
    let created = find("create", "org", &zone.id);
    assert_eq!(created.actor_id.as_deref(), Some(admin_me.id.as_str()));
    assert_eq!(created.org_id.as_deref(), Some(admin_me.org.id.as_str()));
    assert_eq!(
        created.changes.as_ref().map(|c| c["name"]["after"].clone()),
        Some("龙游经济开发区".into())
    );
    assert!(created.request_id.is_some() && created.ip.as_deref() == Some("127.0.0.1"));
    let updated = find("update", "org", &zone.id);
    assert_eq!(
        updated.changes,
        Some(serde_json::json!({"name": {"before": "龙游经济开发区", "after": "龙游开发区"}}))
    );
    find("delete", "org", &zone.id);
    let user_created = find("create", "user", &user.id);
    let changes = user_created.changes.as_ref().expect("changes").to_string();
    assert!(
        !changes.contains(PASSWORD) && !changes.contains("argon2"),
        "no secret in the trail: {changes}"
    );
    find("login_failed", "user", &user.id);
    find("login", "user", &user.id);
    find("password_change", "user", &user.id);
    find("delete", "user", &user.id);

    // Filters.
    let only = admin
        .list_audit(&AuditQuery {
            resource_id: Some(zone.id.clone()),
            ..AuditQuery::default()
        })
        .await
        .expect("filter");
    assert_eq!(
        only.items
            .iter()
            .map(|r| r.action.as_str())
            .collect::<Vec<_>>(),
        ["create", "update", "delete"]
    );
    let failed = admin
        .list_audit(&AuditQuery {
            action: Some("login_failed".into()),
            ..AuditQuery::default()
        })
        .await
        .expect("filter");
    assert!(failed.items.iter().all(|r| r.action == "login_failed") && !failed.items.is_empty());

    // The request id of a change is the one the response carried.
    let res = app
        .http()
        .post(app.url("/api/v1/orgs"))
        .bearer_auth(admin.bearer().await.expect("t").expect("t"))
        .header("x-request-id", "audit-trace-1")
        .json(&serde_json::json!({"kind": "department", "name": "市发改委"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 201);
    let traced = admin
        .list_audit(&AuditQuery {
            resource_type: Some("org".into()),
            action: Some("create".into()),
            ..AuditQuery::default()
        })
        .await
        .expect("list");
    assert!(
        traced
            .items
            .iter()
            .any(|r| r.request_id.as_deref() == Some("audit-trace-1"))
    );

    // A rolled-back change leaves no audit row: a duplicate name is refused, nothing recorded.
    let before = admin
        .list_audit(&AuditQuery {
            limit: Some(500),
            ..AuditQuery::default()
        })
        .await
        .expect("list")
        .items
        .len();
    let _ = admin
        .create_org(&NewOrg {
            kind: OrgKind::Department,
            name: "市发改委".into(),
            region_code: None,
            parent_id: None,
        })
        .await
        .expect_err("duplicate");
    let after = admin
        .list_audit(&AuditQuery {
            limit: Some(500),
            ..AuditQuery::default()
        })
        .await
        .expect("list")
        .items
        .len();
    assert_eq!(before, after);
}
