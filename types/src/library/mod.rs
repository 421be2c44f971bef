//! The shared information library: investors, agencies, target regions, industries with
//! their chains, and enterprises.

mod agencies;
mod common;
mod contacts;
mod enterprises;
mod industries;
mod investors;
mod regions;

pub use agencies::*;
pub use common::*;
pub use contacts::*;
pub use enterprises::*;
pub use industries::*;
pub use investors::*;
pub use regions::*;
