//! What every domain shares and no domain owns: configuration, errors, extractors, telemetry,
//! the database, authentication and policy, the audit trail and the reference data. Nothing in
//! `core` imports a domain.

pub mod audit;
pub mod auth;
pub mod config;
pub mod csv;
pub mod db;
pub mod error;
pub mod extract;
pub mod http;
pub mod rate_limit;
pub mod reference;
pub mod state;
pub mod telemetry;
