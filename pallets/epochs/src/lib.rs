//! # Epochs pallet
//!
//! The proving clock every proof kind shares. See `README.md`; in short:
//!
//! - Time is cut into proving epochs of [`Config::ProvingPeriod`] blocks. When an epoch
//!   starts, `on_initialize` draws its **seed** from [`Config::Randomness`] (BABE's VRF output
//!   in the runtime), so nobody knows an epoch's challenges before it starts.
//! - Proofs for an epoch are accepted until its **deadline**, [`Config::ResponseWindow`]
//!   blocks after its start; the rest of the epoch is for late blocks to settle.
//! - In the block that starts an epoch, [`Config::OnEpochEnd`] hears that the previous one
//!   ended (the emission pallet pays it out), then [`Config::OnEpochStart`] that the new one
//!   started (the runtime wires nothing there now: coverage's beacon lottery needs no draw).
//!   Nobody else polls for a new epoch.
//! - Proof pallets read the clock through [`depin_proving::ProvingEpochs`], which this pallet
//!   implements: none of them depends on another proof kind for the time.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

pub mod migrations;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use depin_primitives::epoch::{EpochIndex, EpochInfo};
pub use depin_proving::{OnEpochEnd, OnEpochStart, ProvingEpochs};
pub use weights::WeightInfo;

/// What the seed of an epoch is drawn for (kept from when the storage-proofs pallet kept the
/// clock, so seeds stay what they were).
pub const SEED_SUBJECT: &[u8] = b"depin/proofs/epoch-seed";

use frame_system::pallet_prelude::BlockNumberFor;

/// The epoch record as stored.
pub type EpochInfoOf<T> = EpochInfo<BlockNumberFor<T>>;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{pallet_prelude::*, traits::Randomness};
	use sp_core::H256;
	use sp_runtime::traits::{One, Saturating};

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// Where epoch seeds come from: BABE's VRF output in the runtime. Never a source the
		/// block author alone controls, such as the parent hash.
		type Randomness: Randomness<Self::Hash, BlockNumberFor<Self>>;

		/// Told when an epoch ends and its points are final (the emission pallet).
		type OnEpochEnd: OnEpochEnd<BlockNumberFor<Self>>;

		/// Told when an epoch starts, after the previous one's end (the proof kinds that draw
		/// from its seed: coverage).
		type OnEpochStart: OnEpochStart<BlockNumberFor<Self>>;

		/// The length of a proving epoch, in blocks. A change applies from the next epoch.
		#[pallet::constant]
		type ProvingPeriod: Get<BlockNumberFor<Self>>;

		/// How many blocks after an epoch's start its proofs are accepted (at most the
		/// proving period). Later ones are too late and the challenge counts as missed.
		#[pallet::constant]
		type ResponseWindow: Get<BlockNumberFor<Self>>;

		/// Weights of the hook.
		type WeightInfo: WeightInfo;
	}

	/// The proving epoch in progress.
	#[pallet::storage]
	pub type CurrentEpoch<T: Config> = StorageValue<_, EpochInfoOf<T>, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A proving epoch started; its challenges derive from `seed`.
		EpochStarted {
			/// The epoch.
			epoch: EpochIndex,
			/// Its challenge seed.
			seed: H256,
		},
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::maybe_start_epoch(now)
		}

		fn integrity_test() {
			assert!(!T::ProvingPeriod::get().is_zero(), "ProvingPeriod must be positive");
			assert!(
				!T::ResponseWindow::get().is_zero()
					&& T::ResponseWindow::get() <= T::ProvingPeriod::get(),
				"ResponseWindow must be within 1..=ProvingPeriod"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(now: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state(now)
		}
	}

	impl<T: Config> Pallet<T> {
		/// Start the next epoch if the current one has run its course; O(1) otherwise.
		pub fn maybe_start_epoch(now: BlockNumberFor<T>) -> Weight {
			let current = CurrentEpoch::<T>::get();
			if now < Self::next_start(current.start) {
				return T::DbWeight::get().reads(1);
			}
			let index = current.index.saturating_add(1);
			let seed = depin_proving::epoch::draw_seed::<_, _, T::Randomness>(SEED_SUBJECT, index);
			let epoch = EpochInfo { index, start: now, seed };
			CurrentEpoch::<T>::put(epoch);
			Self::deposit_event(Event::EpochStarted { epoch: index, seed });
			let ended = T::OnEpochEnd::epoch_ended(current.index, current.start, now);
			let started = T::OnEpochStart::epoch_started(&epoch);
			T::WeightInfo::start_epoch().saturating_add(ended).saturating_add(started)
		}

		/// The first block of the epoch after the one that started at `start`, with the
		/// proving period as it stands now.
		pub fn next_start(start: BlockNumberFor<T>) -> BlockNumberFor<T> {
			start.saturating_add(T::ProvingPeriod::get().max(One::one()))
		}

		/// The last block at which proofs for the epoch starting at `start` are accepted: the
		/// response window, at least one block and at most the proving period.
		pub fn deadline(start: BlockNumberFor<T>) -> BlockNumberFor<T> {
			let window = T::ResponseWindow::get().min(T::ProvingPeriod::get()).max(One::one());
			start.saturating_add(window).saturating_sub(One::one())
		}

		/// The epoch in progress started no later than `now`, and, past genesis, its index
		/// counts the epochs since.
		#[cfg(any(feature = "try-runtime", test))]
		pub fn do_try_state(now: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			let epoch = CurrentEpoch::<T>::get();
			ensure!(epoch.start <= now, "the epoch in progress starts after the current block");
			ensure!(
				epoch.index > 0 || epoch.start.is_zero(),
				"epoch 0 is the genesis epoch and starts at block 0"
			);
			Ok(())
		}
	}
}

impl<T: Config> ProvingEpochs<BlockNumberFor<T>> for Pallet<T> {
	fn current() -> EpochInfoOf<T> {
		CurrentEpoch::<T>::get()
	}

	fn deadline(start: BlockNumberFor<T>) -> BlockNumberFor<T> {
		Pallet::<T>::deadline(start)
	}

	fn next_start(start: BlockNumberFor<T>) -> BlockNumberFor<T> {
		Pallet::<T>::next_start(start)
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn set_benchmark_epoch(epoch: EpochInfoOf<T>) {
		CurrentEpoch::<T>::put(epoch);
	}
}
