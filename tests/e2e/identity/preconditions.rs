//! What the identity routes answer for an id no record has (404), a stale `If-Match` (412), a
//! list of entity tags, and a malformed `If-Match` (400), on organisations, users and clients
//! alike; and that in each failing case nothing changed.

use reqwest::Method;
use serde_json::{Value, json};
use zhaoshang_api::testing::TestDb;
use zhaoshang_client::Client;
use zhaoshang_e2e::{PASSWORD, TestApp, UNKNOWN_ID, answer, db_test};
use zhaoshang_types::{NewClient, NewUser, Role};

use super::audit_rows;

/// A record of an identity collection, and the name field a PATCH changes.
struct Target {
    /// `orgs`, `users` or `clients`.
    collection: &'static str,
    id: String,
    /// `name` or `display_name`.
    name_field: &'static str,
    /// Whether the record as read is live (not deleted, deactivated or revoked).
    live: fn(&Value) -> bool,
}

impl Target {
    fn path(&self) -> String {
        format!("/api/v1/{}/{}", self.collection, self.id)
    }

    /// A merge patch renaming the record.
    fn rename(&self, name: &str) -> Value {
        json!({ self.name_field: name })
    }
}

/// A fresh organisation without members, a user and a client (both in another organisation),
/// each at version 1.
async fn targets(app: &TestApp, admin: &Client) -> Vec<Target> {
    let org = app.org_for(admin, Role::Zone).await;
    let home = app.org_for(admin, Role::Zone).await;
    let user = admin
        .create_user(&NewUser {
            username: format!("target-{}", uuid::Uuid::now_v7().simple()),
            display_name: "目标用户".into(),
            org_id: home.id.clone(),
            role: Role::Zone,
            password: PASSWORD.into(),
        })
        .await
        .expect("user");
    let client = admin
        .create_client(&NewClient {
            name: "目标系统".into(),
            org_id: home.id,
            role: Role::Zone,
            expires_at: None,
        })
        .await
        .expect("client");
    vec![
        Target {
            collection: "orgs",
            id: org.id,
            name_field: "name",
            live: |v| v.get("deleted_at").is_none_or(Value::is_null),
        },
        Target {
            collection: "users",
            id: user.id,
            name_field: "display_name",
            live: |v| v["active"] == true,
        },
        Target {
            collection: "clients",
            id: client.client_id,
            name_field: "name",
            live: |v| v["revoked_at"].is_null(),
        },
    ]
}

/// The record as `admin` reads it (200).
async fn read(app: &TestApp, admin: &Client, target: &Target) -> Value {
    let (status, body) = answer(app.request_as(admin, Method::GET, &target.path()).await).await;
    assert_eq!(status, 200, "GET {}: {body}", target.path());
    body
}

/// PATCH (renaming the record to `name`) or DELETE of the target with an `If-Match` header.
async fn with_if_match(
    app: &TestApp,
    admin: &Client,
    target: &Target,
    if_match: &str,
    rename_to: Option<&str>,
) -> (u16, Value) {
    let method = if rename_to.is_some() {
        Method::PATCH
    } else {
        Method::DELETE
    };
    let mut req = app
        .request_as(admin, method, &target.path())
        .await
        .header("if-match", if_match);
    if let Some(name) = rename_to {
        req = req.json(&target.rename(name));
    }
    answer(req).await
}

db_test!(unknown_ids_are_404_on_identity_routes, unknown_ids);
async fn unknown_ids(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let before = audit_rows(&admin).await;
    let mut checked = Vec::new();
    for (collection, patch) in [
        ("orgs", json!({"name": "无此组织"})),
        ("users", json!({"display_name": "无此用户"})),
        ("clients", json!({"name": "无此系统"})),
    ] {
        let path = format!("/api/v1/{collection}/{UNKNOWN_ID}");
        for (method, if_match) in [
            (Method::GET, None),
            (Method::PATCH, None),
            (Method::PATCH, Some("\"1\"")),
            (Method::DELETE, None),
            (Method::DELETE, Some("\"1\"")),
        ] {
            let case = format!("{method} {path} (If-Match: {if_match:?})");
            let mut req = app.request_as(&admin, method.clone(), &path).await;
            if method == Method::PATCH {
                req = req.json(&patch);
            }
            if let Some(tag) = if_match {
                req = req.header("if-match", tag);
            }
            let (status, problem) = answer(req).await;
            assert_eq!(
                (status, problem["code"].as_str()),
                (404, Some("not_found")),
                "{case}: {problem}"
            );
            checked.push(case);
        }
    }
    assert_eq!(checked.len(), 3 * 5, "{checked:#?}");
    assert_eq!(audit_rows(&admin).await, before, "nothing recorded");
}

db_test!(
    stale_if_match_on_orgs_users_and_clients_is_412,
    stale_patches
);
async fn stale_patches(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    for target in targets(&app, &admin).await {
        let case = target.path();
        // Changed once, naming the version read (1)...
        let (status, changed) = with_if_match(&app, &admin, &target, "\"1\"", Some("改名一")).await;
        assert_eq!(
            (status, &changed["version"]),
            (200, &json!(2)),
            "{case}: {changed}"
        );
        // ...then changed again naming the same, now stale, version.
        let (status, problem) = with_if_match(&app, &admin, &target, "\"1\"", Some("改名二")).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (412, Some("precondition_failed")),
            "{case}: {problem}"
        );
        // Well-formed tags that name no version of it are 412 too: a weak tag (If-Match
        // compares strongly), a tag this API never gives out, a list of stale ones.
        for tag in ["W/\"2\"", "\"abc\"", "\"02\"", "\"1\", \"3\""] {
            let (status, problem) = with_if_match(&app, &admin, &target, tag, Some("改名三")).await;
            assert_eq!(
                (status, problem["code"].as_str()),
                (412, Some("precondition_failed")),
                "{case} with If-Match: {tag}: {problem}"
            );
        }
        assert_eq!(
            read(&app, &admin, &target).await,
            changed,
            "{case}: unchanged by the stale PATCHes"
        );
        // A list that names the current version among others passes.
        let (status, again) =
            with_if_match(&app, &admin, &target, "\"1\", \"2\"", Some("改名四")).await;
        assert_eq!(
            (status, &again["version"]),
            (200, &json!(3)),
            "{case}: {again}"
        );
    }
}

db_test!(a_stale_delete_is_412_and_leaves_the_record, stale_deletes);
async fn stale_deletes(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    for target in targets(&app, &admin).await {
        let case = target.path();
        let (status, changed) = with_if_match(&app, &admin, &target, "\"1\"", Some("改名")).await;
        assert_eq!(status, 200, "{case}: {changed}");
        let (status, problem) = with_if_match(&app, &admin, &target, "\"1\"", None).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (412, Some("precondition_failed")),
            "{case}: DELETE naming version 1 of version 2: {problem}"
        );
        let after = read(&app, &admin, &target).await;
        assert!((target.live)(&after), "{case}: still live: {after}");
        assert_eq!(after, changed, "{case}: unchanged by the stale DELETE");
        // The version it names was all that stopped it.
        let (status, body) = with_if_match(&app, &admin, &target, "\"2\"", None).await;
        assert_eq!(
            status, 204,
            "{case}: DELETE naming the current version: {body}"
        );
        let gone = read(&app, &admin, &target).await;
        assert!(!(target.live)(&gone), "{case}: deleted: {gone}");
    }
}

db_test!(
    if_match_takes_star_and_lists_of_entity_tags,
    entity_tag_lists
);
/// `If-Match` as RFC 9110 has it: `*`, or a comma-separated list of entity tags, met when one of
/// them names the current version. A well-formed tag this API does not give out names none: 412,
/// not 400.
async fn entity_tag_lists(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    for target in targets(&app, &admin).await {
        let case = target.path();
        let before = read(&app, &admin, &target).await;
        for foreign in ["\"abc\"", "W/\"x\", \"\"", "\"2\", \"3\""] {
            let (status, problem) =
                with_if_match(&app, &admin, &target, foreign, Some("不该改名")).await;
            assert_eq!(
                (status, problem["code"].as_str()),
                (412, Some("precondition_failed")),
                "{case} with If-Match: {foreign}: {problem}"
            );
        }
        assert_eq!(
            read(&app, &admin, &target).await,
            before,
            "{case}: unchanged"
        );
        // A list naming the current version (1), among others and a quoted comma.
        let (status, changed) = with_if_match(
            &app,
            &admin,
            &target,
            "W/\"7\", \"x,y\" , \"1\"",
            Some("改名一"),
        )
        .await;
        assert_eq!(
            (status, &changed["version"]),
            (200, &json!(2)),
            "{case}: {changed}"
        );
        let (status, changed) = with_if_match(&app, &admin, &target, "*", Some("改名二")).await;
        assert_eq!(
            (status, &changed["version"]),
            (200, &json!(3)),
            "{case}: {changed}"
        );
        let (status, body) = with_if_match(&app, &admin, &target, "\"9\", \"3\"", None).await;
        assert_eq!(
            status, 204,
            "{case}: DELETE naming the current version: {body}"
        );
    }
}

db_test!(
    a_malformed_if_match_is_400_and_changes_nothing,
    malformed_if_match
);
async fn malformed_if_match(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let targets = targets(&app, &admin).await;
    let mut before = Vec::new();
    for target in &targets {
        before.push(read(&app, &admin, target).await);
    }
    let trail = audit_rows(&admin).await;
    for target in &targets {
        for rename_to in [Some("不该改名"), None] {
            // Not entity tags at all (an entity tag is quoted, a list is comma-separated).
            for tag in ["abc", "W/abc", "1.5", "1", "\"1", "\"1\" \"2\""] {
                let method = if rename_to.is_some() {
                    "PATCH"
                } else {
                    "DELETE"
                };
                let case = format!("{method} {} with If-Match: {tag}", target.path());
                let (status, problem) = with_if_match(&app, &admin, target, tag, rename_to).await;
                assert_eq!(
                    (status, problem["code"].as_str()),
                    (400, Some("invalid_if_match")),
                    "{case}: {problem}"
                );
            }
        }
    }
    for (target, before) in targets.iter().zip(&before) {
        assert_eq!(
            &read(&app, &admin, target).await,
            before,
            "{}: unchanged",
            target.path()
        );
    }
    assert_eq!(audit_rows(&admin).await, trail, "nothing recorded");
}
