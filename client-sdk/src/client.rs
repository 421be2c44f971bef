//! The HTTP client.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;
use url::Url;
use zhaoshang_types::{Health, Problem, Readiness};

use crate::Error;

/// Builds a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    base_url: Option<String>,
    token: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    retries: u32,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            base_url: None,
            token: None,
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

    /// A bearer token sent with every call.
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
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

    /// Builds the client.
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
                token: self.token,
                retries: self.retries,
            }),
        })
    }
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    base: Url,
    token: Option<String>,
    retries: u32,
}

/// A client of the zhaoshang API. Cheap to clone; clones share connections.
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl Client {
    /// Starts building a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// `GET /healthz`: the process is up.
    pub async fn health(&self) -> Result<Health, Error> {
        self.get_json("healthz").await
    }

    /// `GET /readyz`: the server reaches its database (an [`Error::Api`] with status 503 when
    /// not).
    pub async fn ready(&self) -> Result<Readiness, Error> {
        self.get_json("readyz").await
    }

    /// `GET` a path below the base URL and decode the JSON answer. Retried when safe.
    pub(crate) async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        let mut attempt = 0;
        loop {
            let result = self.send(self.request(Method::GET, path)?).await;
            match result {
                Err(err) if err.is_retryable() && attempt < self.inner.retries => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(100 * 2u64.pow(attempt))).await;
                }
                other => return other,
            }
        }
    }

    /// A request to a path below the base URL, with the bearer token.
    pub(crate) fn request(&self, method: Method, path: &str) -> Result<RequestBuilder, Error> {
        let url = self
            .inner
            .base
            .join(path.trim_start_matches('/'))
            .map_err(|e| Error::Config(format!("path {path:?}: {e}")))?;
        let mut req = self.inner.http.request(method, url);
        if let Some(token) = &self.inner.token {
            req = req.bearer_auth(token);
        }
        Ok(req)
    }

    /// Sends a request and decodes a JSON answer or the problem.
    pub(crate) async fn send<T: DeserializeOwned>(&self, req: RequestBuilder) -> Result<T, Error> {
        let res = req.send().await?;
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
            .request(Method::GET, "/healthz")
            .expect("request")
            .build()
            .expect("built");
        assert_eq!(req.url().as_str(), "http://127.0.0.1:1/prefix/healthz");
    }
}
