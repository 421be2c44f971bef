//! Who is calling, and what they may do.
//!
//! [`Principal`] is the authenticated caller, extracted from the bearer token on every request
//! (and re-checked against the database, so deactivated users and revoked clients stop at
//! once). What a role may do is decided here and nowhere else: handlers call
//! [`Principal::require`] and the record-level checks below.

pub mod password;
pub mod policy;
pub mod principal;
pub mod token;

pub use policy::{Perm, permissions};
pub use principal::{ActorCache, ActorKind, Principal};
