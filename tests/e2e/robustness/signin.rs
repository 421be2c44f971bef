//! Sign-in throttling per name and per address, tokens after a password change, and the
//! optional rate limit per caller.

use super::*;

db_test!(
    wrong_passwords_sent_at_once_all_count,
    parallel_failures_lock
);
/// Twelve wrong passwords sent together lock the name as five in a row do: the right one
/// afterwards is refused with 429.
async fn parallel_failures_lock(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let (user, _) = app.user_with_role(&admin, Role::Department).await;
    let attempts = (0..12).map(|_| {
        app.http()
            .post(app.url("/api/v1/auth/token"))
            .form(&[
                ("grant_type", "password"),
                ("username", user.username.as_str()),
                ("password", "wrong password!!"),
            ])
            .send()
    });
    let statuses: Vec<u16> = join_all(attempts)
        .await
        .into_iter()
        .map(|r| r.expect("sent").status().as_u16())
        .collect();
    assert!(
        statuses.iter().all(|s| [400, 429].contains(s)),
        "{statuses:?}"
    );
    let (status, body) = answer(app.http().post(app.url("/api/v1/auth/token")).form(&[
        ("grant_type", "password"),
        ("username", user.username.as_str()),
        ("password", PASSWORD),
    ]))
    .await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["code"], "too_many_attempts");
}

db_test!(
    one_address_guessing_many_names_is_refused,
    address_failures_lock
);
/// One address that fails to sign in 30 times within a minute, each time with another name
/// (so no name locks), is refused for a minute: even the right password of a real user is 429
/// with `Retry-After`. The failures are sent together, so each must count.
async fn address_failures_lock(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let (user, _) = app.user_with_role(&admin, Role::Department).await;
    let sign_in = |username: String, password: &'static str| {
        app.http()
            .post(app.url("/api/v1/auth/token"))
            .form(&[
                ("grant_type", "password".to_owned()),
                ("username", username),
                ("password", password.to_owned()),
            ])
            .send()
    };
    // Sent together, as a guessing run would: every failure counts.
    let answers =
        join_all((0..40).map(|i| sign_in(format!("guess-{i}"), "wrong password!!"))).await;
    let statuses: Vec<u16> = answers
        .into_iter()
        .map(|a| a.expect("sent").status().as_u16())
        .collect();
    assert!(
        statuses.iter().all(|s| [400, 429].contains(s))
            && statuses.iter().filter(|s| **s == 400).count() >= 30,
        "{statuses:?}"
    );
    let refused = sign_in(user.username.clone(), PASSWORD)
        .await
        .expect("sent");
    assert_eq!(refused.status().as_u16(), 429);
    let retry_after: u64 = refused
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let body: Value = refused.json().await.expect("problem");
    assert_eq!(body["code"], "too_many_attempts");
}

db_test!(
    tokens_issued_before_a_password_change_stop_working,
    tokens_before_password_change
);
/// A password changed (by its user or reset by an administrator) ends the tokens issued
/// before it; a token issued afterwards works.
async fn tokens_before_password_change(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let (user, old) = app.user_with_role(&admin, Role::County).await;
    old.me().await.expect("the token works");
    // Tokens carry whole seconds: let the change fall in a later second than the issue.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    admin
        .update_user(
            &user.id,
            &zhaoshang_types::UserPatch {
                password: Some("a new password of enough length".into()),
                ..zhaoshang_types::UserPatch::default()
            },
            None,
        )
        .await
        .expect("reset");
    let (status, body) = answer(app.request_as(&old, Method::GET, "/api/v1/me").await).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["code"], "invalid_token", "{body}");
    let fresh = Client::with_password(
        &app.base_url,
        &user.username,
        "a new password of enough length",
    )
    .await
    .expect("sign in again");
    let me: Value =
        serde_json::to_value(fresh.me().await.expect("the new token works")).expect("json");
    assert_eq!(me["id"], user.id);
}

db_test!(
    a_rate_limited_caller_is_told_its_quota_and_when_to_retry,
    rate_limit
);
/// With `--rate-limit-per-minute 5`, every answer to a signed-in caller carries its quota; the
/// sixth request in a minute is 429 `rate_limited` with `Retry-After`; another caller keeps its
/// own quota.
async fn rate_limit(db: TestDb) {
    let app = TestApp::spawn_with(db, |c| c.rate_limit_per_minute = 5).await;
    let admin = app.admin().await;
    let (_, other) = app.user_with_role(&admin, Role::Department).await;
    let header = |r: &reqwest::Response, name: &str| -> Option<u64> {
        r.headers().get(name)?.to_str().ok()?.parse().ok()
    };
    // Signing in and creating the other user used some of the admin's quota: count from here.
    let mut remaining = Vec::new();
    loop {
        let r = app
            .request_as(&admin, Method::GET, "/api/v1/me")
            .await
            .send()
            .await
            .expect("sent");
        if r.status().as_u16() == 429 {
            let retry_after = header(&r, "retry-after").expect("Retry-After");
            assert!((1..=60).contains(&retry_after), "{retry_after}");
            assert_eq!(header(&r, "ratelimit-remaining"), Some(0));
            let body: Value = r.json().await.expect("problem");
            assert_eq!(body["code"], "rate_limited");
            break;
        }
        assert_eq!(r.status().as_u16(), 200);
        assert_eq!(header(&r, "ratelimit-limit"), Some(5));
        remaining.push(header(&r, "ratelimit-remaining").expect("RateLimit-Remaining"));
        // At most one turn of the minute can come in between.
        assert!(remaining.len() <= 10, "never refused: {remaining:?}");
    }
    // Counting down to zero (unless the minute turned over in between, which starts again).
    assert!(
        remaining
            .windows(2)
            .all(|w| w[1] + 1 == w[0] || w[1] > w[0]),
        "{remaining:?}"
    );
    let theirs = other.me().await;
    assert!(
        theirs.is_ok(),
        "another caller has its own quota: {theirs:?}"
    );
}
