//! Health, errors, limits and the OpenAPI document.

use actix_web::http::{StatusCode, header};
use actix_web::test::{self, TestRequest};

use super::support::{app, json};
use crate::db_test;
use crate::testing::TestDb;

db_test!(health_and_readiness, health_and_readiness_body);
async fn health_and_readiness_body(db: TestDb) {
    let app = app(&db).await;
    let res = test::call_service(&app, TestRequest::get().uri("/healthz").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = json(res).await;
    assert_eq!(body["status"], "ok");

    let res = test::call_service(&app, TestRequest::get().uri("/readyz").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = json(res).await;
    assert_eq!(body["status"], "ready");
    assert_eq!(body["database"], db.url.kind().as_str());
}

db_test!(request_ids_are_echoed_or_generated, request_ids_body);
async fn request_ids_body(db: TestDb) {
    let app = app(&db).await;
    let req = TestRequest::get()
        .uri("/healthz")
        .insert_header(("X-Request-Id", "abc-123"))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(
        res.headers().get("x-request-id").map(|v| v.to_str().ok()),
        Some(Some("abc-123"))
    );

    let res = test::call_service(&app, TestRequest::get().uri("/healthz").to_request()).await;
    let generated = res
        .headers()
        .get("x-request-id")
        .expect("generated id")
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        uuid::Uuid::parse_str(&generated).is_ok(),
        "generated id is a UUID: {generated}"
    );

    // An unprintable or oversized id is replaced, not echoed.
    let long = "x".repeat(200);
    let req = TestRequest::get()
        .uri("/healthz")
        .insert_header(("X-Request-Id", long.as_str()))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_ne!(
        res.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some(long.as_str())
    );
}

db_test!(unknown_route_is_a_problem, unknown_route_body);
async fn unknown_route_body(db: TestDb) {
    let app = app(&db).await;
    let req = TestRequest::get()
        .uri("/api/v1/nope")
        .insert_header(("X-Request-Id", "rid-404"))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        res.headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    let body = json(res).await;
    assert_eq!(body["code"], "not_found");
    assert_eq!(body["status"], 404);
    assert_eq!(body["request_id"], "rid-404");
    assert_eq!(body["type"], "urn:zhaoshang:problem:not_found");
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("/api/v1/nope"))
    );
}

db_test!(wrong_method_is_405_with_allow, wrong_method_body);
async fn wrong_method_body(db: TestDb) {
    let app = app(&db).await;
    let res = test::call_service(&app, TestRequest::post().uri("/healthz").to_request()).await;
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        res.headers()
            .get(header::ALLOW)
            .and_then(|v| v.to_str().ok()),
        Some("GET")
    );
    let body = json(res).await;
    assert_eq!(body["code"], "method_not_allowed");

    // Inside a resource's scope: a known path with another method, and an unknown sub-path.
    let res = test::call_service(
        &app,
        TestRequest::put()
            .uri("/api/v1/enterprises/e-1")
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        res.headers()
            .get(header::ALLOW)
            .and_then(|v| v.to_str().ok()),
        Some("GET, DELETE, PATCH")
    );
    let res = test::call_service(
        &app,
        TestRequest::get()
            .uri("/api/v1/enterprises/e-1/nope")
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(json(res).await["code"], "not_found");
}

db_test!(metrics_count_requests_by_route, metrics_body);
async fn metrics_body(db: TestDb) {
    let app = app(&db).await;
    for _ in 0..3 {
        test::call_service(&app, TestRequest::get().uri("/healthz").to_request()).await;
    }
    test::call_service(&app, TestRequest::get().uri("/no/such/thing").to_request()).await;
    let res = test::call_service(&app, TestRequest::get().uri("/metrics").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let text = String::from_utf8(test::read_body(res).await.to_vec()).expect("utf-8");
    assert!(
        text.contains(r#"http_requests_total{method="GET",route="/healthz",status="200"} 3"#),
        "{text}"
    );
    assert!(
        text.contains(r#"http_requests_total{method="GET",route="unmatched",status="404"} 1"#),
        "{text}"
    );
    assert!(text.contains(r#"http_request_duration_seconds_bucket{method="GET",route="/healthz",status="200",le="+Inf"} 3"#));
    assert!(text.contains("db_pool_max_connections 4"), "{text}");

    // Routes in a resource's scope are labelled with their whole pattern.
    test::call_service(
        &app,
        TestRequest::get()
            .uri("/api/v1/enterprises/e-1")
            .to_request(),
    )
    .await;
    let res = test::call_service(&app, TestRequest::get().uri("/metrics").to_request()).await;
    let text = String::from_utf8(test::read_body(res).await.to_vec()).expect("utf-8");
    assert!(
        text.contains(r#"route="/api/v1/enterprises/{id}",status="401""#),
        "{text}"
    );
}

db_test!(docs_are_served, docs_body);
async fn docs_body(db: TestDb) {
    let app = app(&db).await;
    let res = test::call_service(
        &app,
        TestRequest::get().uri("/api/v1/openapi.json").to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let served = json(res).await;
    let generated = serde_json::to_value(crate::app::openapi::document()).expect("serializable");
    assert_eq!(served, generated);
    assert_eq!(served["openapi"], "3.1.0");

    let res = test::call_service(&app, TestRequest::get().uri("/docs").to_request()).await;
    assert_eq!(res.status(), StatusCode::PERMANENT_REDIRECT);
    let res = test::call_service(&app, TestRequest::get().uri("/docs/").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = String::from_utf8(test::read_body(res).await.to_vec()).expect("utf-8");
    assert!(html.contains("swagger-ui"), "Swagger UI page: {html}");
    let res = test::call_service(
        &app,
        TestRequest::get()
            .uri("/docs/swagger-ui-bundle.js")
            .to_request(),
    )
    .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "Swagger UI assets are served from the binary"
    );
}

#[test]
fn committed_openapi_document_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let generated = crate::app::openapi::document_json();
    assert!(
        committed == generated,
        "openapi/openapi.json is out of date with the code; regenerate it with\n  \
         cargo run -q -p zhaoshang-api -- openapi > openapi/openapi.json"
    );
}

#[test]
fn every_operation_is_documented_with_responses_and_a_tag() {
    let doc = serde_json::to_value(crate::app::openapi::document()).expect("serializable");
    let paths = doc["paths"].as_object().expect("paths");
    assert!(
        paths.contains_key("/healthz")
            && paths.contains_key("/readyz")
            && paths.contains_key("/metrics")
    );
    for (path, item) in paths {
        for (method, op) in item.as_object().expect("path item") {
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{method} {path} has a tag"
            );
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{method} {path} has responses"
            );
            assert!(
                op["description"].is_string() || op["summary"].is_string(),
                "{method} {path} is described"
            );
        }
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}
