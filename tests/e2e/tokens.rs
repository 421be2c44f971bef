//! The token endpoint and every way a token is rejected.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use zhaoshang_api::testing::TestDb;
use zhaoshang_client::Client;
use zhaoshang_e2e::{PASSWORD, TestApp, db_test};
use zhaoshang_types::{ClientCreated, Me, NewClient, Role, UserPatch};

db_test!(password_and_client_credentials_grants, grants);
async fn grants(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let me = admin.me().await.expect("me");
    assert_eq!(me.role, Role::Admin);
    assert!(me.permissions.contains(&"users:admin".to_owned()));
    password_grant_bodies(&app, &me).await;
    let created = client_credentials(&app, &admin).await;
    refused_credentials(&app, &me, &created).await;
    refused_requests(&app).await;
}

/// Form-encoded (OAuth style) and JSON bodies both work; the answer is not cached.
async fn password_grant_bodies(app: &TestApp, me: &Me) {
    let form = app
        .http()
        .post(app.url("/api/v1/auth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=password&username={}&password={}",
            me.name,
            PASSWORD.replace(' ', "+")
        ))
        .send()
        .await
        .expect("sent");
    assert_eq!(form.status(), 200);
    assert_eq!(
        form.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let body: Value = form.json().await.expect("json");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    let json_res = app
        .http()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({"grant_type": "password", "username": me.name.to_uppercase(), "password": PASSWORD}))
        .send()
        .await
        .expect("sent");
    assert_eq!(json_res.status(), 200, "usernames are case-insensitive");
}

/// A service client signs in with its id and secret, acts with its role and organisation, and
/// its secret is never shown again. Returns it as created.
async fn client_credentials(app: &TestApp, admin: &Client) -> ClientCreated {
    let org = app.org_for(admin, Role::Reader).await;
    let created = admin
        .create_client(&NewClient {
            name: "统计局数据平台".to_owned(),
            org_id: org.id.clone(),
            role: Role::Reader,
            expires_at: None,
        })
        .await
        .expect("create client");
    assert!(created.client_secret.starts_with("zss_"));
    let system =
        Client::with_client_credentials(&app.base_url, &created.client_id, &created.client_secret)
            .await
            .expect("client credentials");
    let who = system.me().await.expect("me");
    assert_eq!(
        (who.kind.as_str(), who.role, who.org.id.as_str()),
        ("client", Role::Reader, org.id.as_str())
    );
    let fetched = serde_json::to_value(admin.get_client(&created.client_id).await.expect("get"))
        .expect("json");
    assert!(!fetched.to_string().contains(&created.client_secret));
    assert!(fetched.get("client_secret").is_none());
    created
}

/// A wrong secret, a wrong password, and an unknown name answered exactly like a wrong
/// password.
async fn refused_credentials(app: &TestApp, me: &Me, created: &ClientCreated) {
    let err = Client::with_client_credentials(&app.base_url, &created.client_id, "zss_wrong")
        .await
        .expect_err("wrong secret");
    assert_eq!(
        (err.status(), err.code()),
        (Some(401), Some("invalid_client"))
    );
    let err = Client::with_password(&app.base_url, &me.name, "wrong password!!")
        .await
        .expect_err("wrong password");
    assert_eq!(
        (err.status(), err.code()),
        (Some(400), Some("invalid_grant"))
    );
    let unknown = Client::with_password(&app.base_url, "nobody-here", "wrong password!!")
        .await
        .expect_err("unknown user");
    assert_eq!(
        unknown.problem().map(|p| (&p.code, &p.detail)),
        err.problem().map(|p| (&p.code, &p.detail)),
        "an unknown name is answered exactly like a wrong password"
    );
}

/// An unsupported grant, a missing field, an unknown field, a wrong media type and an
/// oversized body.
async fn refused_requests(app: &TestApp) {
    for (body, code) in [
        (
            json!({"grant_type": "authorization_code"}),
            "unsupported_grant_type",
        ),
        (
            json!({"grant_type": "password", "username": "x"}),
            "invalid_request",
        ),
        (
            json!({"grant_type": "password", "usernme": "x"}),
            "validation_failed",
        ),
    ] {
        let res = app
            .http()
            .post(app.url("/api/v1/auth/token"))
            .json(&body)
            .send()
            .await
            .expect("sent");
        let status = res.status().as_u16();
        let problem: Value = res.json().await.expect("json");
        assert_eq!(problem["code"], code, "{body}: {problem}");
        assert!(status == 400 || status == 422, "{body}: {status}");
    }
    let res = app
        .http()
        .post(app.url("/api/v1/auth/token"))
        .header("content-type", "text/plain")
        .body("grant_type=password")
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 415);

    // An oversized body is refused with 413 and a problem body.
    let huge = format!(
        "{{\"grant_type\":\"password\",\"username\":\"{}\"}}",
        "x".repeat(2 * 1024 * 1024)
    );
    let res = app
        .http()
        .post(app.url("/api/v1/auth/token"))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 413);
    let problem: Value = res.json().await.expect("problem body");
    assert_eq!(problem["code"], "payload_too_large");
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).expect("json"))
}

fn claims(sub: &str, org: &str, overrides: Value) -> Value {
    let now = chrono::Utc::now().timestamp();
    let mut c = json!({
        "iss": "zhaoshang", "aud": "zhaoshang-api", "sub": sub, "kind": "user", "org": org,
        "role": "admin", "iat": now, "nbf": now, "exp": now + 600, "jti": "t"
    });
    if let (Some(c), Some(o)) = (c.as_object_mut(), overrides.as_object()) {
        for (k, v) in o {
            c.insert(k.clone(), v.clone());
        }
    }
    c
}

fn sign(claims: &Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .expect("sign")
}

/// Tokens that must be refused, by what is wrong with them; `None` sends none, and the Basic
/// scheme case sends Basic credentials instead.
fn bad_token_cases(
    sub: &str,
    org: &str,
    secret: &[u8],
    good: &str,
) -> Vec<(&'static str, Option<String>)> {
    let now = chrono::Utc::now().timestamp();
    vec![
        ("no token", None),
        ("garbled", Some("not.a.jwt".to_owned())),
        (
            "alg none",
            Some(format!(
                "{}.{}.",
                b64(&json!({"alg": "none", "typ": "JWT"})),
                b64(&claims(sub, org, json!({})))
            )),
        ),
        (
            "another key",
            Some(sign(
                &claims(sub, org, json!({})),
                b"another secret of at least thirty-two bytes",
            )),
        ),
        (
            "RS256 header (algorithm confusion)",
            Some(format!(
                "{}.{}.{}",
                b64(&json!({"alg": "RS256", "typ": "JWT"})),
                b64(&claims(sub, org, json!({}))),
                good.rsplit('.').next().unwrap_or("")
            )),
        ),
        (
            "expired",
            Some(sign(
                &claims(
                    sub,
                    org,
                    json!({"exp": now - 3600, "iat": now - 7200, "nbf": now - 7200}),
                ),
                secret,
            )),
        ),
        (
            "not yet valid",
            Some(sign(&claims(sub, org, json!({"nbf": now + 3600})), secret)),
        ),
        (
            "wrong issuer",
            Some(sign(
                &claims(sub, org, json!({"iss": "someone-else"})),
                secret,
            )),
        ),
        (
            "wrong audience",
            Some(sign(
                &claims(sub, org, json!({"aud": "another-api"})),
                secret,
            )),
        ),
        (
            "unknown subject",
            Some(sign(
                &claims("0192f7d4-0000-7000-8000-000000000000", org, json!({})),
                secret,
            )),
        ),
        ("Basic scheme", Some(String::new())),
    ]
}

db_test!(every_bad_token_is_rejected_with_a_challenge, bad_tokens);
async fn bad_tokens(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let me = admin.me().await.expect("me");
    let secret = app.jwt_secret();
    let (sub, org) = (me.id.as_str(), me.org.id.as_str());

    // The server's own key and claims work: the cases differ from it in one thing each.
    let good = sign(&claims(sub, org, json!({})), &secret);
    let cases = bad_token_cases(sub, org, &secret, &good);
    let ok = app
        .http()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&good)
        .send()
        .await
        .expect("sent");
    assert_eq!(ok.status(), 200, "a correctly made token is accepted");

    for (name, token) in cases {
        let mut req = app.http().get(app.url("/api/v1/me"));
        req = match (name, &token) {
            ("Basic scheme", _) => req.header("authorization", "Basic YWRtaW46cGFzcw=="),
            (_, Some(t)) => req.bearer_auth(t),
            (_, None) => req,
        };
        let res = req.send().await.expect("sent");
        assert_eq!(res.status(), 401, "{name}");
        let challenge = res
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let problem: Value = res.json().await.expect("problem");
        if token.is_none() {
            assert_eq!(problem["code"], "unauthorized", "{name}");
            assert_eq!(challenge, "Bearer realm=\"zhaoshang\"", "{name}");
        } else {
            assert_eq!(problem["code"], "invalid_token", "{name}: {problem}");
            assert!(
                challenge.starts_with("Bearer realm=\"zhaoshang\", error=\"invalid_token\""),
                "{name}: {challenge}"
            );
        }
    }
}

db_test!(
    deactivated_users_and_revoked_clients_stop_at_once,
    deactivation
);
async fn deactivation(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    deactivated_user(&app, &admin).await;
    revoked_client(&app, &admin).await;
    expired_client(&app, &admin).await;
}

/// A deactivated user's token stops working at once and it cannot sign in; reactivated, it
/// can.
async fn deactivated_user(app: &TestApp, admin: &Client) {
    let (user, client) = app.user_with_role(admin, Role::Department).await;
    let token = client.bearer().await.expect("token").expect("some");
    client.me().await.expect("works while active");

    let updated = admin
        .update_user(
            &user.id,
            &UserPatch {
                active: Some(false),
                ..UserPatch::default()
            },
            Some(user.version),
        )
        .await
        .expect("deactivate");
    assert!(!updated.active);
    let res = app
        .http()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 401);
    let problem: Value = res.json().await.expect("problem");
    assert_eq!(problem["detail"], "the user is deactivated");
    // Nor can it sign in again.
    let err = Client::with_password(&app.base_url, &user.username, PASSWORD)
        .await
        .expect_err("inactive");
    assert_eq!(err.code(), Some("invalid_grant"));

    admin
        .update_user(
            &user.id,
            &UserPatch {
                active: Some(true),
                ..UserPatch::default()
            },
            None,
        )
        .await
        .expect("reactivate");
    app.sign_in(&user.username)
        .await
        .me()
        .await
        .expect("works again");
}

/// A revoked client's token stops working at once and it cannot get another.
async fn revoked_client(app: &TestApp, admin: &Client) {
    let org = app.org_for(admin, Role::Reader).await;
    let created = admin
        .create_client(&NewClient {
            name: "OA".to_owned(),
            org_id: org.id,
            role: Role::Reader,
            expires_at: None,
        })
        .await
        .expect("client");
    let system =
        Client::with_client_credentials(&app.base_url, &created.client_id, &created.client_secret)
            .await
            .expect("sign in");
    let token = system.bearer().await.expect("token").expect("some");
    admin
        .revoke_client(&created.client_id, None)
        .await
        .expect("revoke");
    let res = app
        .http()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 401);
    let err =
        Client::with_client_credentials(&app.base_url, &created.client_id, &created.client_secret)
            .await
            .expect_err("revoked");
    assert_eq!(err.code(), Some("invalid_client"));
    assert!(
        admin
            .get_client(&created.client_id)
            .await
            .expect("get")
            .revoked_at
            .is_some()
    );
}

/// A client past its expiry can no longer get tokens either.
async fn expired_client(app: &TestApp, admin: &Client) {
    let org = app.org_for(admin, Role::Reader).await;
    let soon = admin
        .create_client(&NewClient {
            name: "short-lived".to_owned(),
            org_id: org.id,
            role: Role::Reader,
            expires_at: Some(chrono::Utc::now() + chrono::Duration::seconds(2)),
        })
        .await
        .expect("client");
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let err = Client::with_client_credentials(&app.base_url, &soon.client_id, &soon.client_secret)
        .await
        .expect_err("expired");
    assert_eq!(err.code(), Some("invalid_client"));
}

db_test!(repeated_failures_lock_the_name, lockout);
async fn lockout(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let (user, _) = app.user_with_role(&admin, Role::County).await;

    for name in [user.username.as_str(), "no-such-user"] {
        for attempt in 1..=5 {
            let err = Client::with_password(&app.base_url, name, "wrong password!!")
                .await
                .expect_err("wrong");
            assert_eq!(
                err.code(),
                Some("invalid_grant"),
                "{name} attempt {attempt}"
            );
        }
        // Locked now: even the right password is refused, and the answer says when to retry.
        let res = app
            .http()
            .post(app.url("/api/v1/auth/token"))
            .form(&[
                ("grant_type", "password"),
                ("username", name),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .expect("sent");
        assert_eq!(res.status(), 429, "{name}");
        let retry: u64 = res
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .expect("Retry-After seconds");
        assert!((1..=300).contains(&retry), "{retry}");
        let problem: Value = res.json().await.expect("problem");
        assert_eq!(problem["code"], "too_many_attempts");
    }
    // Others are not affected.
    app.admin().await.me().await.expect("another name signs in");
}

db_test!(a_short_lived_token_is_renewed_by_the_sdk, renewal);
async fn renewal(db: TestDb) {
    let app = TestApp::spawn_with(db, |c| c.token_ttl = 2).await;
    let admin = app.admin().await;
    let first = admin.bearer().await.expect("token").expect("some");
    admin.me().await.expect("me");
    tokio::time::sleep(std::time::Duration::from_millis(1800)).await;
    admin.me().await.expect("me after renewal");
    let second = admin.bearer().await.expect("token").expect("some");
    assert_ne!(
        first, second,
        "the SDK fetched a new token before the old one expired"
    );
}
