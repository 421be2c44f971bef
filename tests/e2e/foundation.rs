//! Health, readiness, typed errors over real HTTP.

use zhaoshang_api::testing::TestDb;
use zhaoshang_e2e::{TestApp, db_test};

db_test!(health_and_ready_through_the_sdk, health_and_ready);
async fn health_and_ready(db: TestDb) {
    let kind = db.url.kind();
    let app = TestApp::spawn(db).await;
    let health = app.client.health().await.expect("health");
    assert_eq!(health.status, "ok");
    assert_eq!(health.version, env!("CARGO_PKG_VERSION"));
    let ready = app.client.ready().await.expect("ready");
    assert_eq!(ready.database, kind.as_str());
}

db_test!(errors_are_problems_over_http, errors_are_problems);
async fn errors_are_problems(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let res = app
        .http()
        .get(app.url("/api/v1/no-such-thing"))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 404);
    let rid = res
        .headers()
        .get("x-request-id")
        .expect("request id header")
        .to_str()
        .expect("ascii")
        .to_owned();
    assert_eq!(
        res.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["code"], "not_found");
    assert_eq!(body["request_id"], rid.as_str());

    let res = app
        .http()
        .delete(app.url("/readyz"))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 405);
    assert_eq!(
        res.headers().get("allow").and_then(|v| v.to_str().ok()),
        Some("GET")
    );
}

/// When the database goes away, `/readyz` answers 503 and the SDK reports it as a typed error,
/// while `/healthz` stays up. PostgreSQL only: a SQLite file cannot be taken away from under
/// open connections.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_fails_when_postgres_goes_away() {
    let Some(db) = TestDb::new(zhaoshang_api::db::DbKind::Postgres) else {
        return;
    };
    let mut app = TestApp::spawn(db).await;
    app.client.ready().await.expect("ready at first");
    app.db.drop_now();
    let client = zhaoshang_client::Client::builder()
        .base_url(&app.base_url)
        .retries(0)
        .build()
        .expect("client");
    let err = client
        .ready()
        .await
        .expect_err("not ready without a database");
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.code(), Some("not_ready"));
    assert!(err.request_id().is_some());
    assert_eq!(app.client.health().await.expect("still alive").status, "ok");
}

#[tokio::test]
async fn transport_errors_are_typed() {
    // Nothing listens on port 1.
    let client = zhaoshang_client::Client::builder()
        .base_url("http://127.0.0.1:1")
        .retries(0)
        .build()
        .expect("client");
    let err = client.health().await.expect_err("connection refused");
    assert!(
        matches!(err, zhaoshang_client::Error::Transport(_)),
        "{err:?}"
    );
    assert!(err.is_retryable());
}
