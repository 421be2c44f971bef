//! The audit trail: every change and sign-in recorded with who, where and what; its filters;
//! the request id; nothing recorded for a refused change; and a write that fails after its
//! first statement rolled back whole, audit row included.

use serde_json::json;
use zhaoshang_api::testing::TestDb;
use zhaoshang_client::Client;
use zhaoshang_e2e::{PASSWORD, TestApp, db_test};
use zhaoshang_types::{
    AgencyFields, AuditEntry, AuditQuery, LibraryQuery, Me, NewUser, Org, OrgKind, OrgPatch,
    OrgQuery, Role, User,
};

use super::{audit_rows, new_org};

db_test!(every_change_and_login_is_audited, audit_trail);
async fn audit_trail(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let admin_me = admin.me().await.expect("me");
    let (zone, user) = audited_changes(&app, &admin).await;
    let rows = audit_rows(&admin).await;
    let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "strictly increasing: {seqs:?}"
    );
    rows_say_who_and_what(&rows, &admin_me, &zone, &user);
    filters(&admin, &zone).await;
    request_id_is_the_responses(&app, &admin).await;
    refused_change_is_not_recorded(&admin).await;
}

/// A zone created, renamed and deleted; a user created, failing to sign in, signing in,
/// changing its password and deactivated. Returns the zone (as created) and the user.
async fn audited_changes(app: &TestApp, admin: &Client) -> (Org, User) {
    let zone = admin
        .create_org(&new_org(OrgKind::Zone, "龙游经济开发区", None))
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
    let err = Client::with_password(&app.base_url, "lyzone", "wrong password!!")
        .await
        .expect_err("a wrong password");
    assert_eq!(err.code(), Some("invalid_grant"));
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
    (zone, user)
}

/// Each change above has its row, with the actor, its organisation, the request and the
/// changes, and no secret.
fn rows_say_who_and_what(rows: &[AuditEntry], admin: &Me, zone: &Org, user: &User) {
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
    assert_eq!(created.actor_id.as_deref(), Some(admin.id.as_str()));
    assert_eq!(created.org_id.as_deref(), Some(admin.org.id.as_str()));
    assert_eq!(
        created.changes.as_ref().map(|c| c["name"]["after"].clone()),
        Some("龙游经济开发区".into())
    );
    assert!(created.request_id.is_some() && created.ip.as_deref() == Some("127.0.0.1"));
    let updated = find("update", "org", &zone.id);
    assert_eq!(
        updated.changes,
        Some(json!({"name": {"before": "龙游经济开发区", "after": "龙游开发区"}}))
    );
    find("delete", "org", &zone.id);
    let user_created = find("create", "user", &user.id);
    let changes = user_created.changes.as_ref().expect("changes").to_string();
    assert!(
        !changes.contains(PASSWORD) && !changes.contains("argon2"),
        "no secret in the trail: {changes}"
    );
    for action in ["login_failed", "login", "password_change", "delete"] {
        find(action, "user", &user.id);
    }
}

/// Filtering by resource id and by action.
async fn filters(admin: &Client, zone: &Org) {
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
}

/// The request id of a change is the one the request carried.
async fn request_id_is_the_responses(app: &TestApp, admin: &Client) {
    let res = app
        .request_as(admin, reqwest::Method::POST, "/api/v1/orgs")
        .await
        .header("x-request-id", "audit-trace-1")
        .json(&json!({"kind": "department", "name": "市发改委"}))
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
}

/// A change refused before anything is written (a duplicate name: 409 with the existing id)
/// leaves no audit row.
async fn refused_change_is_not_recorded(admin: &Client) {
    let existing = admin
        .list_orgs(&OrgQuery {
            q: Some("市发改委".into()),
            ..OrgQuery::default()
        })
        .await
        .expect("list")
        .items;
    assert_eq!(existing.len(), 1, "{existing:?}");
    let before = audit_rows(admin).await;
    let err = admin
        .create_org(&new_org(OrgKind::Department, "市发改委", None))
        .await
        .expect_err("duplicate");
    assert_eq!(
        (
            err.status(),
            err.code(),
            err.problem().and_then(|p| p.existing_id.clone())
        ),
        (Some(409), Some("conflict"), Some(existing[0].id.clone()))
    );
    assert_eq!(audit_rows(admin).await, before, "no audit row");
}

db_test!(
    a_write_failing_after_its_first_statement_is_rolled_back_whole,
    rollback
);
/// Creating an agency inserts its record, then its login organisation; renaming one updates
/// its record, then renames its organisation. When an agency organisation of that name exists
/// already the second statement fails (409), and the first, with its search terms and its audit
/// row, must be undone.
async fn rollback(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    // An agency organisation without an agency record holds the name.
    let holder = admin
        .create_org(&new_org(OrgKind::Agency, "杭州某招商咨询", None))
        .await
        .expect("agency org");
    let agency = admin
        .agencies()
        .create(&AgencyFields {
            name: "宁波某商会".into(),
            ..AgencyFields::default()
        })
        .await
        .expect("an agency to rename");
    let before = audit_rows(&admin).await;

    let created = admin
        .agencies()
        .create(&AgencyFields {
            name: holder.name.clone(),
            ..AgencyFields::default()
        })
        .await;
    let renamed = admin
        .agencies()
        .update(
            &agency.id,
            &json!({"name": holder.name}),
            Some(agency.version),
        )
        .await;
    for (case, result) in [
        ("create", created.map(|_| ())),
        ("rename", renamed.map(|_| ())),
    ] {
        let err = result.expect_err(case);
        assert_eq!(
            (
                err.status(),
                err.code(),
                err.problem().and_then(|p| p.existing_id.clone())
            ),
            (Some(409), Some("conflict"), Some(holder.id.clone())),
            "{case}: {err:?}"
        );
    }

    nothing_of_it_remains(&admin, &holder, &agency.id).await;
    assert_eq!(audit_rows(&admin).await, before, "no audit row");
}

/// No agency record of the holder's name (deleted or not, listed or found by its name), the
/// renamed agency and its organisation as they were, the holder unchanged.
async fn nothing_of_it_remains(admin: &Client, holder: &Org, agency_id: &str) {
    let all = admin
        .agencies()
        .list(&LibraryQuery {
            include_deleted: Some(true),
            ..LibraryQuery::default()
        })
        .await
        .expect("agencies");
    assert_eq!(
        all.items
            .iter()
            .map(|a| (a.id.as_str(), a.fields.name.as_str(), a.version))
            .collect::<Vec<_>>(),
        [(agency_id, "宁波某商会", 1)],
        "only the agency made before, unchanged"
    );
    let found = admin
        .agencies()
        .list(&LibraryQuery {
            q: Some("杭州某招商".into()),
            ..LibraryQuery::default()
        })
        .await
        .expect("search");
    assert!(found.items.is_empty(), "no search terms: {found:?}");
    let org = admin.get_org(agency_id).await.expect("its login org");
    assert_eq!((org.name.as_str(), org.version), ("宁波某商会", 1));
    let holders = admin
        .list_orgs(&OrgQuery {
            kind: Some(OrgKind::Agency),
            q: Some(holder.name.clone()),
            ..OrgQuery::default()
        })
        .await
        .expect("orgs");
    assert_eq!(
        holders.items,
        std::slice::from_ref(holder),
        "the holder alone, unchanged"
    );
}
