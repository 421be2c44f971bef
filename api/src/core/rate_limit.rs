//! An optional limit on requests per caller per minute (`--rate-limit-per-minute`), counted per
//! signed-in caller in fixed one-minute windows, in this process. Every authenticated answer
//! carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`; a caller over its
//! limit is answered 429 `rate_limited` with `Retry-After` until the window ends.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::HttpMessage as _;
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{HeaderName, HeaderValue, RETRY_AFTER};

use crate::core::error::{ApiError, Code};

/// Length of a window, in seconds.
const WINDOW_SECS: u64 = 60;

/// What a caller has left in the current window; kept in the request's extensions so that
/// the response carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Requests allowed per window.
    pub limit: u32,
    /// Requests left in this window.
    pub remaining: u32,
    /// Seconds until the window ends.
    pub reset: u64,
}

/// The counters: per caller, the window they count and the requests in it.
pub struct RateLimiter {
    per_minute: u32,
    counts: Mutex<HashMap<String, (u64, u32)>>,
}

impl RateLimiter {
    /// A limiter allowing `per_minute` requests per caller; `None` for 0 (no limit).
    pub fn new(per_minute: u32) -> Option<Self> {
        (per_minute > 0).then(|| Self {
            per_minute,
            counts: Mutex::new(HashMap::new()),
        })
    }

    /// Counts one request of `caller` at `now` (seconds since the epoch): its quota, or 429
    /// `rate_limited` when the window's requests are used up.
    pub fn check_at(&self, caller: &str, now: u64) -> Result<Quota, ApiError> {
        let window = now / WINDOW_SECS;
        let reset = (window + 1) * WINDOW_SECS - now;
        let used = {
            let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
            if counts.len() > 100_000 {
                // Callers seen only in past windows count nothing any more.
                counts.retain(|_, (w, _)| *w == window);
            }
            let entry = counts.entry(caller.to_owned()).or_insert((window, 0));
            if entry.0 != window {
                *entry = (window, 0);
            }
            entry.1 = entry.1.saturating_add(1);
            entry.1
        };
        if used > self.per_minute {
            return Err(ApiError::new(
                Code::RateLimited,
                format!(
                    "more than {} requests in a minute: try again in {reset} s",
                    self.per_minute
                ),
            )
            .with_header(RETRY_AFTER, reset.to_string())
            .with_header(LIMIT.clone(), self.per_minute.to_string())
            .with_header(REMAINING.clone(), "0")
            .with_header(RESET.clone(), reset.to_string()));
        }
        Ok(Quota {
            limit: self.per_minute,
            remaining: self.per_minute - used,
            reset,
        })
    }

    /// [`check_at`](Self::check_at) now; the quota is kept in `req`'s extensions.
    pub fn check(&self, req: &actix_web::HttpRequest, caller: &str) -> Result<(), ApiError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let quota = self.check_at(caller, now)?;
        req.extensions_mut().insert(quota);
        Ok(())
    }
}

static LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
static REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
static RESET: HeaderName = HeaderName::from_static("ratelimit-reset");

/// Copies the request's [`Quota`], if it was counted, into the response's headers.
pub fn add_headers<B>(res: &mut ServiceResponse<B>) {
    let Some(quota) = res.request().extensions().get::<Quota>().copied() else {
        return;
    };
    let headers = res.headers_mut();
    for (name, value) in [
        (&LIMIT, u64::from(quota.limit)),
        (&REMAINING, u64::from(quota.remaining)),
        (&RESET, quota.reset),
    ] {
        headers.insert(name.clone(), HeaderValue::from(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_caller_in_one_minute_windows() {
        let limiter = RateLimiter::new(3).expect("a limit");
        let start = 60 * 1000 + 10;
        for left in [2, 1, 0] {
            let quota = limiter.check_at("a", start).expect("within the limit");
            assert_eq!((quota.remaining, quota.reset), (left, 50));
        }
        let refused = limiter
            .check_at("a", start + 5)
            .expect_err("over the limit");
        assert_eq!(refused.code(), "rate_limited");
        // Another caller has its own count; the next window starts afresh.
        assert_eq!(
            limiter.check_at("b", start).map(|q| q.remaining).ok(),
            Some(2)
        );
        let next = limiter.check_at("a", start + 50).expect("a new window");
        assert_eq!((next.remaining, next.reset), (2, 60));
        assert!(RateLimiter::new(0).is_none());
    }
}
