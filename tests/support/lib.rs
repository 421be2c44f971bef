//! End-to-end test support: a real server on 127.0.0.1 (port 0) over a fresh database, and SDK
//! clients signed in with each role.

use zhaoshang_api::db::Database;
use zhaoshang_api::testing::TestDb;
use zhaoshang_api::{Application, Config};
use zhaoshang_client::Client;
use zhaoshang_types::{NewOrg, NewUser, Org, OrgKind, Role, User};

pub use zhaoshang_api::db_test;

/// The password every test user gets.
pub const PASSWORD: &str = "correct horse battery staple";

/// A running server and what it runs on. Dropping it stops the server and the database.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// An SDK client without credentials.
    pub client: Client,
    /// The server's database handle, only for bootstrapping the first administrator: the
    /// tests drive the server through the SDK and HTTP (tests of internals belong to `api`).
    database: Database,
    _server: StopOnDrop,
    /// The database (dropped last).
    pub db: TestDb,
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
        Self::spawn_with(db, |_| {}).await
    }

    /// Starts the real server over `db`, after `tweak` adjusted the configuration.
    pub async fn spawn_with(db: TestDb, tweak: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config::local(db.url.clone(), db.data_dir.clone());
        tweak(&mut config);
        let app = Application::build(config).await.expect("the server starts");
        let base_url = app.base_url();
        let handle = app.handle();
        let database = app.state().db.clone();
        tokio::spawn(app.run());
        let client = Client::builder()
            .base_url(&base_url)
            .build()
            .expect("client");
        Self {
            base_url,
            client,
            database,
            _server: StopOnDrop(handle),
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

    /// A raw request to `path` carrying `client`'s bearer token.
    pub async fn request_as(
        &self,
        client: &Client,
        method: reqwest::Method,
        path: &str,
    ) -> reqwest::RequestBuilder {
        self.http()
            .request(method, self.url(path))
            .bearer_auth(token(client).await)
    }

    /// The token-signing secret the server generated in its data directory.
    pub fn jwt_secret(&self) -> Vec<u8> {
        std::fs::read(self.db.data_dir.join("jwt-secret"))
            .expect("generated secret")
            .trim_ascii()
            .to_vec()
    }

    /// Creates the first administrator the way an operator does (`admin create-user`) and
    /// returns a client signed in as it.
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

    /// Creates (through the API, as `admin`) an organisation of the kind the role needs.
    pub async fn org_for(&self, admin: &Client, role: Role) -> Org {
        let kind = match role {
            Role::Admin | Role::Bureau => OrgKind::Bureau,
            Role::Department | Role::Reader => OrgKind::Department,
            Role::County => OrgKind::County,
            Role::Zone => OrgKind::Zone,
            Role::Agency => OrgKind::Agency,
        };
        admin
            .create_org(&NewOrg {
                kind,
                name: format!("{} {}", kind.as_str(), uuid::Uuid::now_v7().simple()),
                region_code: (kind == OrgKind::County).then(|| "330802".to_owned()),
                parent_id: None,
            })
            .await
            .expect("create org")
    }

    /// Creates a user with `role` in a new organisation and signs it in.
    pub async fn user_with_role(&self, admin: &Client, role: Role) -> (User, Client) {
        let org = self.org_for(admin, role).await;
        let user = admin
            .create_user(&NewUser {
                username: format!("{}-{}", role.as_str(), uuid::Uuid::now_v7().simple()),
                display_name: format!("{} user", role.as_str()),
                org_id: org.id,
                role,
                password: PASSWORD.to_owned(),
            })
            .await
            .expect("create user");
        let client = self.sign_in(&user.username).await;
        (user, client)
    }
}

/// The bearer token `client` currently holds.
pub async fn token(client: &Client) -> String {
    client
        .bearer()
        .await
        .expect("a token")
        .expect("a signed-in client")
}

/// Sends `req` and returns the status and the body: JSON when it is JSON, else the text as a
/// JSON string (so that assertion messages show whatever the server answered).
pub async fn answer(req: reqwest::RequestBuilder) -> (u16, serde_json::Value) {
    let res = req.send().await.expect("sent");
    let status = res.status().as_u16();
    let text = res.text().await.expect("a body");
    let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    (status, body)
}

/// The field and code of the first field error of a problem.
pub fn problem_field(err: &zhaoshang_client::Error) -> (String, String) {
    let p = err
        .problem()
        .unwrap_or_else(|| panic!("a problem: {err:?}"));
    let e = p
        .errors
        .first()
        .unwrap_or_else(|| panic!("field errors: {p:?}"));
    (e.field.clone(), e.code.clone())
}

/// A well-formed id (a UUIDv7) that no record has.
pub const UNKNOWN_ID: &str = "0192f7d4-0000-7000-8000-000000000000";

/// A valid unified social credit code (GB 32100) made from a number, registered in 衢州.
pub fn credit_code(n: u64) -> String {
    zhaoshang_api::seed::credit_code("330800", n)
}
