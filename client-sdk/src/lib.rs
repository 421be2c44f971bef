//! Rust SDK for the 招商信息平台 (zhaoshang) API.
//!
//! ```no_run
//! # async fn demo() -> Result<(), zhaoshang_client::Error> {
//! use zhaoshang_client::Client;
//!
//! let client = Client::builder()
//!     .base_url("http://127.0.0.1:8080")
//!     .bearer_token("eyJ...")
//!     .build()?;
//! let health = client.health().await?;
//! assert_eq!(health.status, "ok");
//! match client.ready().await {
//!     Ok(ready) => println!("database: {}", ready.database),
//!     Err(err) => eprintln!("not ready: {} (request {:?})", err, err.request_id()),
//! }
//! # Ok(()) }
//! ```
//!
//! Every error the server answers arrives as [`Error::Api`] carrying the RFC 9457 problem body,
//! with its stable `code`, `status` and `request_id`.

mod client;
mod error;

pub use client::{Client, ClientBuilder};
pub use error::Error;
pub use zhaoshang_types as types;
