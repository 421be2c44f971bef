//! End-to-end test support: a real server on 127.0.0.1 (port 0) over a fresh database, and an
//! SDK client pointed at it.

use zhaoshang_api::testing::TestDb;
use zhaoshang_api::{Application, Config};
use zhaoshang_client::Client;

pub use zhaoshang_api::db_test;

/// A running server and what it runs on. Dropping it stops the server and the database.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// An SDK client without credentials.
    pub client: Client,
    _server: actix_web_handle::Handle,
    /// The database (dropped last).
    pub db: TestDb,
}

mod actix_web_handle {
    /// Stops the server when dropped.
    pub struct Handle(pub zhaoshang_api::ServerHandle);

    impl Drop for Handle {
        fn drop(&mut self) {
            // `stop` sends the command at once; the returned future only waits for completion.
            drop(self.0.stop(false));
        }
    }
}

impl TestApp {
    /// Starts the real server over `db`.
    pub async fn spawn(db: TestDb) -> Self {
        let config = Config::local(db.url.clone(), db.data_dir.clone());
        let app = Application::build(config).await.expect("the server starts");
        let base_url = app.base_url();
        let handle = app.handle();
        tokio::spawn(app.run());
        let client = Client::builder()
            .base_url(&base_url)
            .build()
            .expect("client");
        Self {
            base_url,
            client,
            _server: actix_web_handle::Handle(handle),
            db,
        }
    }

    /// A raw HTTP client for what the SDK deliberately cannot send (malformed requests).
    pub fn http(&self) -> reqwest::Client {
        reqwest::Client::new()
    }

    /// `base_url` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }
}
