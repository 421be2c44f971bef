use zhaoshang_api::db::Database;
use zhaoshang_api::testing::TestDb;
use zhaoshang_api::{Application, Config};
use zhaoshang_client::Client;
use zhaoshang_types::{OrgKind, Role};

/// The password every test user gets.
pub const PASSWORD: &str = "correct horse battery staple";

/// A running server and what it runs on. Dropping it stops the server and the database.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The server's database handle.
    pub database: Database,
    _server: StopOnDrop,
    /// The database (dropped last).
    _db: TestDb,
}

/// Stops the server when dropped.
struct StopOnDrop(zhaoshang_api::ServerHandle);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        // `stop` sends the command at once; the returned future only waits for completion.
        drop(self.0.stop(false));
    }
}

impl TestApp {
    /// Starts the real server over `db` with the default test configuration.
    pub async fn spawn(db: TestDb) -> Self {
        let config = Config::local(db.url.clone(), db.data_dir.clone());
        let app = Application::build(config).await.expect("the server starts");
        let base_url = app.base_url();
        let handle = app.handle();
        let database = app.state().db.clone();
        tokio::spawn(app.run());
        Self {
            base_url,
            database,
            _server: StopOnDrop(handle),
            _db: db,
        }
    }

    /// Creates an administrator the way an operator does (`admin create-user`) and returns
    /// a client signed in as it.
    pub async fn admin(&self) -> Client {
        let org = zhaoshang_api::cli::OrgArgs {
            org_kind: OrgKind::Bureau,
            org_name: "招商局".to_owned(),
            region_code: None,
        };
        let username = format!("admin-{}", uuid::Uuid::now_v7().simple());
        zhaoshang_api::cli::create_user(
            &self.database,
            &org,
            &username,
            Some("管理员"),
            Role::Admin,
            PASSWORD.to_owned(),
        )
        .await
        .expect("bootstrap admin");
        self.sign_in(&username).await
    }

    /// A client signed in with the shared test password.
    pub async fn sign_in(&self, username: &str) -> Client {
        Client::with_password(&self.base_url, username, PASSWORD)
            .await
            .expect("sign in")
    }
}

/// A valid unified social credit code (GB 32100) made from a number, registered in 衢州.
pub fn credit_code(n: u64) -> String {
    zhaoshang_api::seed::credit_code("330800", n)
}
