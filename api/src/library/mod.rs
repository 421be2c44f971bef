//! The shared information library (共享信息库): key investors, intermediary agencies, target
//! regions, key industries with their chains, and enterprises; their contacts and supply links.
//!
//! `resource` describes each kind of record; `routes` parse and shape HTTP; `store` holds the
//! queries; `validate` the field checks.

pub mod mask;
pub mod resource;
pub mod routes;
pub mod service;
pub mod store;
pub mod validate;

pub use resource::{Agencies, Enterprises, Index, Industries, Investors, Resource, TargetRegions};
pub use service::Library;
