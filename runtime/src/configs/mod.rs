//! Pallet configurations, one file per concern.

mod consensus;
mod monetary;
mod system;
mod utility;

pub use consensus::*;
pub use monetary::*;
pub use system::*;
