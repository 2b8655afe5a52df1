//! Bootstrap only: replaced by `scripts/weights.sh compute` before the pallet lands.
#![allow(missing_docs)]
use frame_support::weights::Weight;

pub trait WeightInfo {
	fn enroll() -> Weight;
	fn withdraw() -> Weight;
	fn draw_reveal_seed() -> Weight;
	fn commit_work(n: u32) -> Weight;
	fn reveal_work(s: u32) -> Weight;
	fn recompute_segment(m: u32) -> Weight;
	fn open_job() -> Weight;
	fn cancel_job() -> Weight;
	fn submit_receipts(n: u32) -> Weight;
	fn dispute() -> Weight;
	fn resolve_dispute() -> Weight;
	fn release_job() -> Weight;
}

pub struct SubstrateWeight<T>(core::marker::PhantomData<T>);
impl<T> WeightInfo for SubstrateWeight<T> {
	fn enroll() -> Weight {
		Weight::zero()
	}
	fn withdraw() -> Weight {
		Weight::zero()
	}
	fn draw_reveal_seed() -> Weight {
		Weight::zero()
	}
	fn commit_work(_n: u32) -> Weight {
		Weight::zero()
	}
	fn reveal_work(_s: u32) -> Weight {
		Weight::zero()
	}
	fn recompute_segment(_m: u32) -> Weight {
		Weight::zero()
	}
	fn open_job() -> Weight {
		Weight::zero()
	}
	fn cancel_job() -> Weight {
		Weight::zero()
	}
	fn submit_receipts(_n: u32) -> Weight {
		Weight::zero()
	}
	fn dispute() -> Weight {
		Weight::zero()
	}
	fn resolve_dispute() -> Weight {
		Weight::zero()
	}
	fn release_job() -> Weight {
		Weight::zero()
	}
}
impl WeightInfo for () {
	fn enroll() -> Weight {
		Weight::zero()
	}
	fn withdraw() -> Weight {
		Weight::zero()
	}
	fn draw_reveal_seed() -> Weight {
		Weight::zero()
	}
	fn commit_work(_n: u32) -> Weight {
		Weight::zero()
	}
	fn reveal_work(_s: u32) -> Weight {
		Weight::zero()
	}
	fn recompute_segment(_m: u32) -> Weight {
		Weight::zero()
	}
	fn open_job() -> Weight {
		Weight::zero()
	}
	fn cancel_job() -> Weight {
		Weight::zero()
	}
	fn submit_receipts(_n: u32) -> Weight {
		Weight::zero()
	}
	fn dispute() -> Weight {
		Weight::zero()
	}
	fn resolve_dispute() -> Weight {
		Weight::zero()
	}
	fn release_job() -> Weight {
		Weight::zero()
	}
}
