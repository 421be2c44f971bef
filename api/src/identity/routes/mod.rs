//! The identity domain's HTTP handlers.

pub mod audit;
pub mod clients;
pub mod me;
pub mod orgs;
pub mod tokens;
pub mod users;
