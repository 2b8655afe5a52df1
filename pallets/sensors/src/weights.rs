//! Weights for `pallet_sensors`: NOT YET MEASURED.
//!
//! `scripts/weights.sh sensors` overwrites this file with the benchmarks' measurements (it needs
//! the release build of `depin-node` with `runtime-benchmarks`). Until then the pallet is not
//! in the runtime, and only its mock uses the zero weights below: no chain charges them.

#![allow(missing_docs)]

use frame_support::weights::Weight;

/// Weight functions needed by `pallet_sensors`.
pub trait WeightInfo {
	fn register_schema() -> Weight;
	fn retire_schema() -> Weight;
	fn enroll() -> Weight;
	fn withdraw() -> Weight;
	fn attest(n: u32) -> Weight;
	fn reveal(n: u32) -> Weight;
	fn subscribe() -> Weight;
	fn close_subscription() -> Weight;
}

/// The mock's weights, until the benchmarks are run: nothing.
impl WeightInfo for () {
	fn register_schema() -> Weight {
		Weight::zero()
	}
	fn retire_schema() -> Weight {
		Weight::zero()
	}
	fn enroll() -> Weight {
		Weight::zero()
	}
	fn withdraw() -> Weight {
		Weight::zero()
	}
	fn attest(_n: u32) -> Weight {
		Weight::zero()
	}
	fn reveal(_n: u32) -> Weight {
		Weight::zero()
	}
	fn subscribe() -> Weight {
		Weight::zero()
	}
	fn close_subscription() -> Weight {
		Weight::zero()
	}
}
