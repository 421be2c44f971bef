//! Wire types of the 招商信息平台 (zhaoshang) API.
//!
//! These are the only types the server and the SDK share: plain serde structs with
//! utoipa schemas, free of any web framework or database code.

pub mod health;
pub mod identity;
pub mod library;
pub mod page;
pub mod patch;
pub mod problem;
pub mod reference;

pub use health::{Health, Readiness};
pub use identity::*;
pub use library::*;
pub use page::Page;
pub use problem::{FieldError, Problem};
