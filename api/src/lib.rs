//! 招商信息平台 (zhaoshang) API server.
//!
//! [`app::build_app`] assembles the actix-web application; [`app::Application`] binds and runs
//! it. The binary (`zhaoshang-api`) and the tests use the same two.

pub mod admin;
pub mod app;
pub mod auth;
pub mod config;
pub mod db;
pub mod error;
pub mod extract;
pub mod library;
pub mod openapi;
pub mod reference;
pub mod routes;
pub mod seed;
pub mod telemetry;

#[cfg(any(test, feature = "test-support"))]
pub mod testing;

#[cfg(test)]
mod tests;

pub use actix_web::dev::ServerHandle;
pub use app::{AppState, Application, build_app};
pub use config::Config;
