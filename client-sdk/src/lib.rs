//! Rust SDK for the 招商信息平台 (zhaoshang) API.
//!
//! ```no_run
//! # async fn demo() -> Result<(), zhaoshang_client::Error> {
//! use zhaoshang_client::Client;
//!
//! // Signs in now and renews its token before it expires.
//! let client = Client::with_password("http://127.0.0.1:8080", "analyst", "correct horse battery").await?;
//! let me = client.me().await?;
//! println!("{} ({})", me.name, me.role.as_str());
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
mod identity;
mod library;
mod pages;

pub use client::{Client, ClientBuilder};
pub use error::Error;
pub use library::{Collection, Contacts, CsvExport};
pub use pages::CursorQuery;
pub use zhaoshang_types as types;
