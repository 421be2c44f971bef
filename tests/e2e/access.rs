//! The permission matrix of the identity routes, role by role, over real HTTP; and that every
//! documented operation demands a token.

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::{Value, json};
use zhaoshang_api::testing::TestDb;
use zhaoshang_e2e::{PASSWORD, TestApp, db_test};
use zhaoshang_types::{NewClient, NewUser, Role};

const ROLES: [Role; 7] = Role::ALL;

/// `(method, path, body, roles allowed, status when allowed)`.
type Case = (Method, String, Option<Value>, Vec<Role>, u16);

/// What each role gets on each identity route: `(method, path, body, allowed roles, status when allowed)`.
/// Everyone else gets 403.
fn matrix(org: &str, user: &str, client: &str, fresh_org: &str, fresh_user: &str) -> Vec<Case> {
    use Role::*;
    let all = ROLES.to_vec();
    vec![
        (Method::GET, "/api/v1/me".into(), None, all.clone(), 200),
        (Method::GET, "/api/v1/orgs".into(), None, all.clone(), 200),
        (
            Method::GET,
            format!("/api/v1/orgs/{org}"),
            None,
            all.clone(),
            200,
        ),
        (
            Method::POST,
            "/api/v1/orgs".into(),
            Some(json!({"kind": "zone", "name": "{unique}"})),
            vec![Admin],
            201,
        ),
        (
            Method::PATCH,
            format!("/api/v1/orgs/{org}"),
            Some(json!({"name": "{unique}"})),
            vec![Admin],
            200,
        ),
        (
            Method::DELETE,
            format!("/api/v1/orgs/{fresh_org}"),
            None,
            vec![Admin],
            204,
        ),
        (Method::GET, "/api/v1/users".into(), None, vec![Admin], 200),
        (
            Method::GET,
            format!("/api/v1/users/{user}"),
            None,
            vec![Admin],
            200,
        ),
        (
            Method::POST,
            "/api/v1/users".into(),
            Some(
                json!({"username": "{unique}", "display_name": "x", "org_id": org, "role": "zone", "password": PASSWORD}),
            ),
            vec![Admin],
            201,
        ),
        (
            Method::PATCH,
            format!("/api/v1/users/{user}"),
            Some(json!({"display_name": "{unique}"})),
            vec![Admin],
            200,
        ),
        (
            Method::DELETE,
            format!("/api/v1/users/{fresh_user}"),
            None,
            vec![Admin],
            204,
        ),
        (
            Method::GET,
            "/api/v1/clients".into(),
            None,
            vec![Admin],
            200,
        ),
        (
            Method::GET,
            format!("/api/v1/clients/{client}"),
            None,
            vec![Admin],
            200,
        ),
        (
            Method::POST,
            "/api/v1/clients".into(),
            Some(json!({"name": "{unique}", "org_id": org, "role": "zone"})),
            vec![Admin],
            201,
        ),
        (
            Method::PATCH,
            format!("/api/v1/clients/{client}"),
            Some(json!({"name": "{unique}"})),
            vec![Admin],
            200,
        ),
        (
            Method::GET,
            "/api/v1/audit".into(),
            None,
            vec![Admin, Bureau],
            200,
        ),
    ]
}

/// How many cells of the matrix each role is allowed, counted by hand from the route table
/// (three routes for everyone, twelve more for administrators, the audit trail for the bureau
/// too): a check independent of `allowed` in [`matrix`].
const ALLOWED_PER_ROLE: [(Role, usize); 7] = [
    (Role::Admin, 16),
    (Role::Bureau, 4),
    (Role::Department, 3),
    (Role::County, 3),
    (Role::Zone, 3),
    (Role::Agency, 3),
    (Role::Reader, 3),
];

/// The number of identity routes in [`matrix`].
const ROUTES: usize = 16;

db_test!(
    identity_routes_obey_the_permission_matrix,
    permission_matrix
);
async fn permission_matrix(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let mut callers = Vec::new();
    for role in ROLES {
        let (_, client) = app.user_with_role(&admin, role).await;
        callers.push((role, client));
    }
    // The records the routes act on: a zone org with a user and a client.
    let zone = app.org_for(&admin, Role::Zone).await;
    let user = admin
        .create_user(&NewUser {
            username: "target-user".into(),
            display_name: "目标".into(),
            org_id: zone.id.clone(),
            role: Role::Zone,
            password: PASSWORD.into(),
        })
        .await
        .expect("user");
    let client = admin
        .create_client(&NewClient {
            name: "target".into(),
            org_id: zone.id.clone(),
            role: Role::Zone,
            expires_at: None,
        })
        .await
        .expect("client");

    // Every cell: (role, method and path) → (expected status, answered status, body).
    let mut cells: BTreeMap<(&str, String), (u16, u16, String)> = BTreeMap::new();
    for (role, caller) in &callers {
        // Fresh records for the destructive routes, so that every role meets one that exists.
        let fresh_org = app.org_for(&admin, Role::Zone).await;
        let fresh_user = admin
            .create_user(&NewUser {
                username: format!("fresh-{}", role.as_str()),
                display_name: "x".into(),
                org_id: zone.id.clone(),
                role: Role::Zone,
                password: PASSWORD.into(),
            })
            .await
            .expect("fresh user");
        let token = caller.bearer().await.expect("token").expect("some");
        let routes = matrix(
            &zone.id,
            &user.id,
            &client.client_id,
            &fresh_org.id,
            &fresh_user.id,
        );
        assert_eq!(routes.len(), ROUTES, "the routes of the matrix");
        for (i, (method, path, body, allowed, ok_status)) in routes.into_iter().enumerate() {
            let mut req = app
                .http()
                .request(method.clone(), app.url(&path))
                .bearer_auth(&token);
            if let Some(body) = body {
                let unique = format!("u{i}-{}", role.as_str());
                req = req.json(
                    &serde_json::from_str::<Value>(&body.to_string().replace("{unique}", &unique))
                        .expect("json"),
                );
            }
            let res = req.send().await.expect("sent");
            let expected = if allowed.contains(role) {
                ok_status
            } else {
                403
            };
            let status = res.status().as_u16();
            let text = res.text().await.unwrap_or_default();
            // The route, with the ids of the fresh records (which differ per role) left out.
            let route = format!(
                "{method} {}",
                route_of(&path, &fresh_org.id, &fresh_user.id)
            );
            let before = cells.insert((role.as_str(), route.clone()), (expected, status, text));
            assert!(before.is_none(), "{} {route} checked twice", role.as_str());
        }
    }
    assert_cells(&cells);
}

/// `path` with the fresh records' ids replaced by `{fresh}`.
fn route_of(path: &str, fresh_org: &str, fresh_user: &str) -> String {
    path.replace(fresh_org, "{fresh}")
        .replace(fresh_user, "{fresh}")
}

/// Every cell of the matrix was checked, once, and answered as expected: the allowed status
/// or 403 `forbidden`; each role was allowed exactly as many cells as [`ALLOWED_PER_ROLE`]
/// says.
fn assert_cells(cells: &BTreeMap<(&str, String), (u16, u16, String)>) {
    assert_eq!(
        ALLOWED_PER_ROLE.map(|(role, _)| role),
        ROLES,
        "a count for every role"
    );
    assert_eq!(
        cells.len(),
        ROLES.len() * ROUTES,
        "every role on every route"
    );
    let wrong: Vec<String> = cells
        .iter()
        .filter(|(_, (expected, status, _))| expected != status)
        .map(|((role, route), (expected, status, text))| {
            format!("{role} {route}: expected {expected}, got {status}: {text}")
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "{} cells wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    for ((role, route), (_, status, text)) in cells {
        if *status == 403 {
            let problem: Value = serde_json::from_str(text).expect("problem");
            assert_eq!(problem["code"], "forbidden", "{role} {route}");
        }
    }
    for (role, allowed) in ALLOWED_PER_ROLE {
        let role = role.as_str();
        let mine: Vec<u16> = cells
            .iter()
            .filter(|((r, _), _)| *r == role)
            .map(|(_, (_, status, _))| *status)
            .collect();
        let answered_ok = mine.iter().filter(|s| **s != 403).count();
        assert_eq!(
            (mine.len(), answered_ok),
            (ROUTES, allowed),
            "{role}: routes checked and allowed"
        );
    }
}

db_test!(
    every_documented_operation_demands_a_token,
    every_operation_demands_a_token
);
async fn every_operation_demands_a_token(db: TestDb) {
    let app = TestApp::spawn(db).await;
    // The document as the server publishes it.
    let res = app
        .http()
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 200, "the OpenAPI document is served");
    let doc: Value = res.json().await.expect("doc");
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            let public = op["security"].as_array().is_some_and(|s| {
                s.iter()
                    .all(|r| r.as_object().is_some_and(|o| o.is_empty()))
            });
            let concrete = path.replace("{id}", "0192f7d4-0000-7000-8000-000000000000");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let res = app
                .http()
                .request(method.clone(), app.url(&concrete))
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .expect("sent");
            if public {
                assert_ne!(res.status(), 401, "{method} {path} is public");
            } else {
                assert_eq!(res.status(), 401, "{method} {path} without a token");
                assert!(res.headers().contains_key("www-authenticate"));
                checked += 1;
            }
        }
    }
    assert!(checked >= 18, "checked {checked} operations");
}
