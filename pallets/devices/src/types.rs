//! Types stored and passed by the devices pallet: the registry's vocabulary lives in
//! `depin_primitives::device`, shared with the runtime API and the provider tools.

pub use depin_primitives::device::*;
