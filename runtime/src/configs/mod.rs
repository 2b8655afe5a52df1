//! Pallet configurations, one file per concern.

mod consensus;
pub mod depin;
pub mod governance;
mod monetary;
pub mod parameters;
pub mod system;
mod utility;

pub use consensus::*;
pub use depin::*;
pub use monetary::*;
pub use parameters::{RuntimeParameters, RuntimeParametersKey, RuntimeParametersValue};
pub use system::*;
