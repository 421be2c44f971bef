//! The SDK's error type.

use zhaoshang_types::Problem;

/// What can go wrong with a call.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server answered with an error (a problem body).
    #[error("{0}")]
    Api(Box<Problem>),
    /// The request could not be sent or the response not received (connection, timeout, TLS).
    #[error("transport error: {0}")]
    Transport(#[from] reqwest::Error),
    /// The server's answer was not what the API documents.
    #[error("unexpected response (HTTP {status}): {message}")]
    Decode {
        /// HTTP status of the response.
        status: u16,
        /// What did not fit.
        message: String,
    },
    /// The client was configured wrongly (e.g. an invalid base URL).
    #[error("invalid client configuration: {0}")]
    Config(String),
}

impl Error {
    /// The problem body, when the server answered with an error.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            Error::Api(problem) => Some(problem),
            _ => None,
        }
    }

    /// HTTP status of an error answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(problem) => Some(problem.status),
            Error::Decode { status, .. } => Some(*status),
            Error::Transport(e) => e.status().map(|s| s.as_u16()),
            Error::Config(_) => None,
        }
    }

    /// The stable error code (`not_found`, `validation_failed`, ...) of an error answer.
    pub fn code(&self) -> Option<&str> {
        self.problem().map(|p| p.code.as_str())
    }

    /// The server's request id of an error answer.
    pub fn request_id(&self) -> Option<&str> {
        self.problem().and_then(|p| p.request_id.as_deref())
    }

    /// Whether retrying the same call may succeed (transport failures, 429, 502, 503, 504).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport(e) => e.is_connect() || e.is_timeout(),
            Error::Api(p) => matches!(p.status, 429 | 502 | 503 | 504),
            _ => false,
        }
    }
}
