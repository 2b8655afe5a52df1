//! A test runtime with three guarded parameters and one without a guard.

#![allow(clippy::arithmetic_side_effects)]

use crate::{self as pallet_guarded_parameters, Guard, Guards};
use frame_support::{
	derive_impl,
	dynamic_params::{dynamic_pallet_params, dynamic_params},
	traits::{AsEnsureOriginWithArg, EnsureOrigin, Get},
};
use frame_system::{EnsureRoot, EnsureSignedBy};
use sp_runtime::{BuildStorage, Perbill};

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Parameters: pallet_parameters,
		Guarded: pallet_guarded_parameters,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

#[dynamic_params(RuntimeParameters, pallet_parameters::Parameters::<Test>)]
pub mod dynamic_params {
	use super::*;

	#[dynamic_pallet_params]
	#[codec(index = 0)]
	pub mod network {
		/// Guarded: 10..=1000, 50% per change.
		#[codec(index = 0)]
		pub static EpochLength: u32 = 100;
		/// Guarded: 0..=20%, 10% of itself per change, at least 1% (10_000_000 parts).
		#[codec(index = 1)]
		pub static Slash: Perbill = Perbill::from_percent(5);
		/// Guarded: 1..=10, one step at a time.
		#[codec(index = 2)]
		pub static Threshold: u32 = 3;
		/// Not guarded: root only.
		#[codec(index = 3)]
		pub static Unguarded: u32 = 1;
	}
}

pub use dynamic_params::network;

#[derive_impl(pallet_parameters::config_preludes::TestDefaultConfig)]
impl pallet_parameters::Config for Test {
	type RuntimeParameters = RuntimeParameters;
	type AdminOrigin = AsEnsureOriginWithArg<EnsureRoot<u64>>;
}

/// The parameters track's stand-in: account 42.
pub const TRACK: u64 = 42;

frame_support::parameter_types! {
	pub const Track: u64 = TRACK;
}

pub struct TestGuards;

impl Guards<RuntimeParameters> for TestGuards {
	fn inspect(key_value: &RuntimeParameters) -> Option<(Guard, u128, Option<u128>)> {
		use network::Parameters as P;
		let RuntimeParameters::Network(p) = key_value;
		match p {
			P::EpochLength(_, v) => Some((
				Guard { min: 10, max: 1000, max_change: Perbill::from_percent(50), min_step: 1 },
				network::EpochLength::get().into(),
				v.map(Into::into),
			)),
			P::Slash(_, v) => Some((
				Guard {
					min: 0,
					max: Perbill::from_percent(20).deconstruct().into(),
					max_change: Perbill::from_percent(10),
					min_step: Perbill::from_percent(1).deconstruct().into(),
				},
				network::Slash::get().deconstruct().into(),
				v.map(|p| p.deconstruct().into()),
			)),
			P::Threshold(_, v) => Some((
				Guard { min: 1, max: 10, max_change: Perbill::zero(), min_step: 1 },
				network::Threshold::get().into(),
				v.map(Into::into),
			)),
			P::Unguarded(..) => None,
		}
	}

	/// A fault threshold of `n` epochs needs epochs of at least `10 n` blocks.
	fn relations_hold(key_value: &RuntimeParameters) -> bool {
		use network::Parameters as P;
		let RuntimeParameters::Network(p) = key_value;
		let (threshold, epoch) = match p {
			P::Threshold(_, Some(v)) => (*v, network::EpochLength::get()),
			P::EpochLength(_, Some(v)) => (network::Threshold::get(), *v),
			_ => return true,
		};
		threshold.saturating_mul(10) <= epoch
	}
}

/// Blocks a change window lasts.
pub const WINDOW: u64 = 10;

/// Move past the open change windows.
pub fn next_window() {
	System::set_block_number(System::block_number() + WINDOW);
}

/// An `EpochLength` change, for the benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct BenchmarkChange;

#[cfg(feature = "runtime-benchmarks")]
impl frame_support::traits::Get<RuntimeParameters> for BenchmarkChange {
	fn get() -> RuntimeParameters {
		RuntimeParameters::Network(network::Parameters::EpochLength(
			network::EpochLength,
			Some(150),
		))
	}
}

impl pallet_guarded_parameters::Config for Test {
	type GuardedOrigin = EnsureSignedBy<TrackMembers, u64>;
	type Guards = TestGuards;
	type ChangeWindow = frame_support::traits::ConstU64<WINDOW>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchmarkChange;
}

/// Only [`TRACK`] is a member.
pub struct TrackMembers;

impl frame_support::traits::SortedMembers<u64> for TrackMembers {
	fn sorted_members() -> Vec<u64> {
		vec![TRACK]
	}
}

/// The origin of the parameters track.
pub fn track() -> RuntimeOrigin {
	RuntimeOrigin::signed(TRACK)
}

/// Assert `EnsureOrigin` works as the runtime's would (used in a test).
pub fn track_is_the_guarded_origin() -> bool {
	<Test as pallet_guarded_parameters::Config>::GuardedOrigin::try_origin(track()).is_ok()
}

pub fn new_test_ext() -> sp_io::TestExternalities {
	let storage =
		frame_system::GenesisConfig::<Test>::default().build_storage().unwrap_or_default();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}
