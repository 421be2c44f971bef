//! Organisations, users, service clients, sign-in tokens and the audit trail's reader.

pub mod routes;
pub mod service;
pub mod store;
