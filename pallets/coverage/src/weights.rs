//! Bootstrap only: replaced by `scripts/weights.sh coverage` before this pallet lands.
#![allow(missing_docs)]
use core::marker::PhantomData;
use frame_support::weights::Weight;
pub trait WeightInfo {
	fn join() -> Weight;
	fn leave() -> Weight;
	fn draw_beaconers(n: u32) -> Weight;
	fn submit_beacon(w: u32) -> Weight;
	fn submit_beacons_rejected(n: u32) -> Weight;
}
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn join() -> Weight {
		Weight::zero()
	}
	fn leave() -> Weight {
		Weight::zero()
	}
	fn draw_beaconers(_n: u32) -> Weight {
		Weight::zero()
	}
	fn submit_beacon(_w: u32) -> Weight {
		Weight::zero()
	}
	fn submit_beacons_rejected(_n: u32) -> Weight {
		Weight::zero()
	}
}
impl WeightInfo for () {
	fn join() -> Weight {
		Weight::zero()
	}
	fn leave() -> Weight {
		Weight::zero()
	}
	fn draw_beaconers(_n: u32) -> Weight {
		Weight::zero()
	}
	fn submit_beacon(_w: u32) -> Weight {
		Weight::zero()
	}
	fn submit_beacons_rejected(_n: u32) -> Weight {
		Weight::zero()
	}
}
