//! The HTTP client: configuration, authentication and the request machinery.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;
use url::Url;
use zhaoshang_types::{Health, Problem, Readiness, TokenRequest, TokenResponse};

use crate::Error;

/// How the client authenticates.
#[derive(Clone)]
enum Credentials {
    None,
    Bearer(String),
    Password {
        username: String,
        password: String,
    },
    Client {
        client_id: String,
        client_secret: String,
    },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Credentials::None => "None",
            Credentials::Bearer(_) => "Bearer(***)",
            Credentials::Password { .. } => "Password(***)",
            Credentials::Client { .. } => "ClientCredentials(***)",
        })
    }
}

/// Builds a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    base_url: Option<String>,
    credentials: Credentials,
    timeout: Duration,
    connect_timeout: Duration,
    retries: u32,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            base_url: None,
            credentials: Credentials::None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            retries: 2,
        }
    }
}

impl ClientBuilder {
    /// The server, e.g. `http://127.0.0.1:8080` (required).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// A fixed bearer token sent with every call (not renewed).
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.credentials = Credentials::Bearer(token.into());
        self
    }

    /// Sign in as a user; tokens are obtained and renewed before expiry by the client.
    pub fn password(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.credentials = Credentials::Password {
            username: username.into(),
            password: password.into(),
        };
        self
    }

    /// Sign in as a service client; tokens are obtained and renewed by the client.
    pub fn client_credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.credentials = Credentials::Client {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
        };
        self
    }

    /// Time limit for a whole call (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time limit for connecting (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How often a safe (idempotent) call is retried after a retryable failure (default 2).
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// Builds the client (no network traffic yet).
    pub fn build(self) -> Result<Client, Error> {
        let raw = self
            .base_url
            .ok_or_else(|| Error::Config("base_url is required".to_owned()))?;
        let mut base =
            Url::parse(&raw).map_err(|e| Error::Config(format!("base_url {raw:?}: {e}")))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(Error::Config(format!(
                "base_url {raw:?} must be http or https"
            )));
        }
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let http = reqwest::Client::builder()
            .user_agent(concat!("zhaoshang-client-rust/", env!("CARGO_PKG_VERSION")))
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .build()?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                credentials: self.credentials,
                token: Mutex::new(None),
                retries: self.retries,
            }),
        })
    }
}

#[derive(Debug)]
struct CachedToken {
    token: String,
    renew_at: Instant,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    base: Url,
    credentials: Credentials,
    token: Mutex<Option<CachedToken>>,
    retries: u32,
}

/// A client of the zhaoshang API. Cheap to clone; clones share connections and tokens.
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl Client {
    /// Starts building a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client signed in as a user. Checks the credentials now; renews tokens by itself.
    pub async fn with_password(
        base_url: impl Into<String>,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Result<Self, Error> {
        let client = Self::builder()
            .base_url(base_url)
            .password(username, password)
            .build()?;
        client.bearer().await?;
        Ok(client)
    }

    /// A client signed in as a service client. Checks the credentials now; renews tokens by
    /// itself.
    pub async fn with_client_credentials(
        base_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Result<Self, Error> {
        let client = Self::builder()
            .base_url(base_url)
            .client_credentials(client_id, client_secret)
            .build()?;
        client.bearer().await?;
        Ok(client)
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// `GET /healthz`: the process is up.
    pub async fn health(&self) -> Result<Health, Error> {
        self.get("healthz", &()).await
    }

    /// `GET /readyz`: the server reaches its database (an [`Error::Api`] with status 503 when
    /// not).
    pub async fn ready(&self) -> Result<Readiness, Error> {
        self.get("readyz", &()).await
    }

    /// `POST /api/v1/auth/token` with the given request (form-encoded).
    pub async fn request_token(&self, request: &TokenRequest) -> Result<TokenResponse, Error> {
        let req = self
            .url_request(Method::POST, "api/v1/auth/token")?
            .form(request);
        decode(req.send().await?).await
    }

    /// The current access token, obtained or renewed as needed. `None` without credentials.
    pub async fn bearer(&self) -> Result<Option<String>, Error> {
        let request = match &self.inner.credentials {
            Credentials::None => return Ok(None),
            Credentials::Bearer(token) => return Ok(Some(token.clone())),
            Credentials::Password { username, password } => TokenRequest {
                grant_type: "password".to_owned(),
                username: Some(username.clone()),
                password: Some(password.clone()),
                ..TokenRequest::default()
            },
            Credentials::Client {
                client_id,
                client_secret,
            } => TokenRequest {
                grant_type: "client_credentials".to_owned(),
                client_id: Some(client_id.clone()),
                client_secret: Some(client_secret.clone()),
                ..TokenRequest::default()
            },
        };
        let mut cached = self.inner.token.lock().await;
        if let Some(c) = cached.as_ref()
            && Instant::now() < c.renew_at
        {
            return Ok(Some(c.token.clone()));
        }
        let started = Instant::now();
        let response = self.request_token(&request).await?;
        // Renew when 80% of the lifetime has passed, so no call goes out with a token about to expire.
        let lifetime = Duration::from_secs(response.expires_in);
        *cached = Some(CachedToken {
            token: response.access_token.clone(),
            renew_at: started + lifetime.mul_f64(0.8),
        });
        Ok(Some(response.access_token))
    }

    async fn forget_token(&self) {
        *self.inner.token.lock().await = None;
    }

    fn renewable(&self) -> bool {
        matches!(
            self.inner.credentials,
            Credentials::Password { .. } | Credentials::Client { .. }
        )
    }

    fn url_request(&self, method: Method, path: &str) -> Result<RequestBuilder, Error> {
        let url = self
            .inner
            .base
            .join(path.trim_start_matches('/'))
            .map_err(|e| Error::Config(format!("path {path:?}: {e}")))?;
        Ok(self.inner.http.request(method, url))
    }

    /// Sends a request built by `build` with the bearer token. Safe methods are retried on
    /// retryable failures; a rejected token is renewed once.
    pub(crate) async fn execute(
        &self,
        method: Method,
        path: &str,
        build: impl Fn(RequestBuilder) -> RequestBuilder,
    ) -> Result<Response, Error> {
        let idempotent = matches!(
            method,
            Method::GET | Method::PUT | Method::DELETE | Method::HEAD
        );
        let mut attempt = 0;
        let mut renewed = false;
        loop {
            let mut req = build(self.url_request(method.clone(), path)?);
            if let Some(token) = self.bearer().await? {
                req = req.bearer_auth(token);
            }
            let err = match req.send().await {
                Ok(res) if res.status().is_success() => return Ok(res),
                Ok(res) => problem_of(res).await,
                Err(e) => Error::Transport(e),
            };
            if err.status() == Some(401) && self.renewable() && !renewed {
                renewed = true;
                self.forget_token().await;
                continue;
            }
            if idempotent && err.is_retryable() && attempt < self.inner.retries {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(100 * 2u64.pow(attempt))).await;
                continue;
            }
            return Err(err);
        }
    }

    /// `GET` with query parameters, decoding JSON.
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &(impl Serialize + ?Sized),
    ) -> Result<T, Error> {
        decode(self.execute(Method::GET, path, |r| r.query(query)).await?).await
    }

    /// A write with a JSON body (and `If-Match` when a version is given), decoding JSON.
    pub(crate) async fn send_json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &(impl Serialize + ?Sized),
        if_match: Option<i64>,
    ) -> Result<T, Error> {
        let res = self
            .execute(method, path, |r| with_if_match(r.json(body), if_match))
            .await?;
        decode(res).await
    }

    /// A `DELETE` (with `If-Match` when a version is given) answered with 204.
    pub(crate) async fn delete(&self, path: &str, if_match: Option<i64>) -> Result<(), Error> {
        self.execute(Method::DELETE, path, |r| with_if_match(r, if_match))
            .await?;
        Ok(())
    }

    /// A body-carrying call answered with 204.
    pub(crate) async fn send_no_content(
        &self,
        method: Method,
        path: &str,
        body: &(impl Serialize + ?Sized),
    ) -> Result<(), Error> {
        self.execute(method, path, |r| r.json(body)).await?;
        Ok(())
    }
}

fn with_if_match(req: RequestBuilder, version: Option<i64>) -> RequestBuilder {
    match version {
        Some(v) => req.header("If-Match", format!("\"{v}\"")),
        None => req,
    }
}

/// Decodes a JSON answer, or the problem of an error answer.
pub(crate) async fn decode<T: DeserializeOwned>(res: Response) -> Result<T, Error> {
    let status = res.status();
    if !status.is_success() {
        return Err(problem_of(res).await);
    }
    let bytes = res.bytes().await?;
    serde_json::from_slice(&bytes).map_err(|e| Error::Decode {
        status: status.as_u16(),
        message: e.to_string(),
    })
}

/// The error a non-success response stands for.
pub(crate) async fn problem_of(res: Response) -> Error {
    let status = res.status();
    let request_id = res
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = match res.bytes().await {
        Ok(bytes) => bytes,
        Err(e) => return Error::Transport(e),
    };
    match serde_json::from_slice::<Problem>(&bytes) {
        Ok(problem) => Error::Api(Box::new(problem)),
        Err(_) => Error::Api(Box::new(Problem {
            type_uri: "about:blank".to_owned(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: Some(String::from_utf8_lossy(&bytes).chars().take(500).collect()),
            code: fallback_code(status),
            request_id,
            errors: Vec::new(),
            existing_id: None,
        })),
    }
}

fn fallback_code(status: StatusCode) -> String {
    format!("http_{}", status.as_u16())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_is_validated_and_normalised() {
        assert!(matches!(Client::builder().build(), Err(Error::Config(_))));
        assert!(matches!(
            Client::builder().base_url("not a url").build(),
            Err(Error::Config(_))
        ));
        assert!(matches!(
            Client::builder().base_url("ftp://x").build(),
            Err(Error::Config(_))
        ));
        let client = Client::builder()
            .base_url("http://127.0.0.1:1/prefix")
            .build()
            .expect("valid");
        assert_eq!(client.base_url().as_str(), "http://127.0.0.1:1/prefix/");
        let req = client
            .url_request(Method::GET, "/healthz")
            .expect("request")
            .build()
            .expect("built");
        assert_eq!(req.url().as_str(), "http://127.0.0.1:1/prefix/healthz");
    }

    #[test]
    fn credentials_never_show_in_debug_output() {
        let client = Client::builder()
            .base_url("http://127.0.0.1:1")
            .password("alice", "very secret words")
            .build()
            .expect("valid");
        assert!(!format!("{client:?}").contains("very secret words"));
    }
}
