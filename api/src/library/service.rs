//! The library's service: the state its rules need beside the database.

use std::sync::Arc;

use super::routes::chains::ChainCache;
use super::store::TermCounts;
use crate::core::db::Database;

/// The shared information library: the database and the caches over it, shared by all workers.
pub struct Library {
    /// The database.
    pub db: Database,
    /// Chain trees and gap analyses, recomputed at most every few seconds.
    pub chain_cache: Arc<ChainCache>,
    /// How many records hold each search term, for choosing how lists are read.
    pub term_counts: Arc<TermCounts>,
}

impl Library {
    /// The library over a database, with empty caches.
    pub fn new(db: Database) -> Self {
        Self {
            db,
            chain_cache: Arc::default(),
            term_counts: Arc::default(),
        }
    }
}
