//! 招商信息平台 (zhaoshang) API server.
//!
//! The crate is built in layers: [`app`] composes the domains ([`identity`], [`library`]) over
//! [`core`], which every domain shares and which imports none of them. Each domain has the same
//! parts: `routes` (parse, authorize, call the service, shape the answer), the service (rules,
//! transactions, audit) and `store` (queries). [`cli`] and [`seed`] call services, never handlers.
//!
//! [`app::build_app`] assembles the actix-web application; [`app::Application`] binds and runs
//! it. The binary (`zhaoshang-api`) and the tests use the same two.
//!
//! Indexing and slicing that can panic are refused outside tests: a request must never be
//! answered by a dropped connection because a client's input was shorter than expected.
#![cfg_attr(not(test), deny(clippy::indexing_slicing, clippy::string_slice))]

pub mod app;
pub mod cli;
pub mod core;
pub mod identity;
pub mod library;
pub mod seed;

#[cfg(any(test, feature = "test-support"))]
pub mod testing;

#[cfg(test)]
mod tests;

pub use crate::core::config::Config;
pub use crate::core::state::AppState;
pub use crate::core::{db, telemetry};
pub use actix_web::dev::ServerHandle;
pub use app::{Application, Services, build_app};
