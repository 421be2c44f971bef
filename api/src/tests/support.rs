//! Building the app over a test database.

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test;

use crate::app::{Services, build_app};
use crate::core::config::Config;
use crate::core::db::Database;
use crate::testing::TestDb;

/// The app over `db`, ready for `test::call_service`.
pub async fn app(
    db: &TestDb,
) -> impl Service<
    actix_http::Request,
    Response = ServiceResponse<impl MessageBody>,
    Error = actix_web::Error,
> {
    let config = Config::local(db.url.clone(), db.data_dir.clone());
    let url = db.url.clone();
    let database = tokio::task::spawn_blocking(move || Database::open(&url, 4))
        .await
        .expect("join")
        .expect("open test database");
    test::init_service(build_app(
        Services::new(&config, database).expect("services"),
    ))
    .await
}

/// The body of a response as JSON.
pub async fn json(res: ServiceResponse<impl MessageBody>) -> serde_json::Value {
    let bytes = test::read_body(res).await;
    serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)))
}
