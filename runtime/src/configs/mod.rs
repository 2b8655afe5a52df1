//! Pallet configurations, one file per concern.

mod consensus;
mod depin;
mod monetary;
mod system;
mod utility;

pub use consensus::*;
pub use depin::*;
pub use monetary::*;
pub use system::*;
