//! A test runtime: System and the epochs pallet, with recorders for its two hooks.

// Test code: an overflow panics, which fails the test.
#![allow(clippy::arithmetic_side_effects, clippy::unwrap_used)]

use crate::{self as pallet_epochs, EpochIndex, EpochInfo, OnEpochEnd, OnEpochStart};
use frame_support::{derive_impl, parameter_types, traits::Hooks, weights::Weight};
use sp_runtime::BuildStorage;
use std::cell::RefCell;

pub use depin_test_utils::{enter_block, vrf_output};

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Epochs: pallet_epochs,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

thread_local! {
	/// What the hooks heard, in order.
	static HEARD: RefCell<Vec<Heard>> = const { RefCell::new(vec![]) };
}

/// A hook call.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Heard {
	/// An epoch ended: (epoch, first block, end block).
	Ended(EpochIndex, u64, u64),
	/// An epoch started.
	Started(EpochInfo<u64>),
}

/// Records every ended epoch.
pub struct RecordEnds;

impl OnEpochEnd<u64> for RecordEnds {
	fn epoch_ended(ended: EpochIndex, start: u64, end: u64) -> Weight {
		HEARD.with(|h| h.borrow_mut().push(Heard::Ended(ended, start, end)));
		Self::weight()
	}

	fn weight() -> Weight {
		Weight::from_parts(2_000, 0)
	}
}

/// Records every started epoch.
pub struct RecordStarts;

impl OnEpochStart<u64> for RecordStarts {
	fn epoch_started(epoch: &EpochInfo<u64>) -> Weight {
		HEARD.with(|h| h.borrow_mut().push(Heard::Started(*epoch)));
		Self::weight()
	}

	fn weight() -> Weight {
		Weight::from_parts(3_000, 0)
	}
}

/// The hook calls so far.
pub fn heard() -> Vec<Heard> {
	HEARD.with(|h| h.borrow().clone())
}

parameter_types! {
	pub static ProvingPeriod: u64 = 10;
	pub static ResponseWindow: u64 = 8;
}

impl pallet_epochs::Config for Test {
	type Randomness = depin_test_utils::TestRandomness<Test>;
	type OnEpochEnd = RecordEnds;
	type OnEpochStart = RecordStarts;
	type ProvingPeriod = ProvingPeriod;
	type ResponseWindow = ResponseWindow;
	type WeightInfo = ();
}

/// Fresh externalities at block 0.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		HEARD.with(|h| h.borrow_mut().clear());
	});
	ext
}

/// Run a test, then check the pallet's invariants.
pub fn execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		<Epochs as Hooks<u64>>::integrity_test();
		test();
		Epochs::do_try_state(System::block_number()).expect("epochs invariants hold");
	});
}

/// Run blocks up to `n`: each gets its VRF output, then `on_initialize`.
pub fn run_to_block(n: u64) -> Weight {
	let mut weight = Weight::zero();
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		enter_block(next);
		weight = Epochs::on_initialize(next);
	}
	weight
}
