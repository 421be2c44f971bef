//! End-to-end tests: each starts the real server on 127.0.0.1 over a fresh SQLite or
//! PostgreSQL database and drives it through the SDK (and raw HTTP where the SDK would refuse).

mod access;
mod foundation;
mod identity;
mod library;
mod robustness;
mod tokens;
