// Bootstrap: replaced by `scripts/weights.sh emission`.
#![allow(missing_docs)]
use core::marker::PhantomData;
use frame_support::weights::Weight;

pub trait WeightInfo {
	fn close_epoch(n: u32) -> Weight;
	fn proof_accepted() -> Weight;
	fn note_author() -> Weight;
	fn claim() -> Weight;
	fn claim_validator() -> Weight;
	fn clean_receipts(n: u32) -> Weight;
}

pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn close_epoch(_n: u32) -> Weight {
		Weight::from_parts(1_000_000, 0)
	}
	fn proof_accepted() -> Weight {
		Weight::from_parts(1_000_000, 0)
	}
	fn note_author() -> Weight {
		Weight::from_parts(1_000_000, 0)
	}
	fn claim() -> Weight {
		Weight::from_parts(1_000_000, 0)
	}
	fn claim_validator() -> Weight {
		Weight::from_parts(1_000_000, 0)
	}
	fn clean_receipts(n: u32) -> Weight {
		Weight::from_parts(1_000_000, 1_000).saturating_mul(n.into())
	}
}
impl WeightInfo for () {
	fn close_epoch(_n: u32) -> Weight {
		Weight::from_parts(1_000_000, 0)
	}
	fn proof_accepted() -> Weight {
		Weight::from_parts(1_000_000, 0)
	}
	fn note_author() -> Weight {
		Weight::from_parts(1_000_000, 0)
	}
	fn claim() -> Weight {
		Weight::from_parts(1_000_000, 0)
	}
	fn claim_validator() -> Weight {
		Weight::from_parts(1_000_000, 0)
	}
	fn clean_receipts(n: u32) -> Weight {
		Weight::from_parts(1_000_000, 1_000).saturating_mul(n.into())
	}
}
