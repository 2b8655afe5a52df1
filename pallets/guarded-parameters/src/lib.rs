//! # Guarded parameters pallet
//!
//! Governance changes runtime parameters (stored by `pallet-parameters`) only through
//! [`Pallet::set_parameter`], which enforces each parameter's [`Guard`] on chain:
//!
//! - the new value lies within `[min, max]`;
//! - it moves at most `max(max_change × baseline, min_step)` away from the **baseline**: the
//!   value the parameter had when its current change window opened. A window opens with the
//!   first change after the last one closed and lasts [`Config::ChangeWindow`] blocks, so
//!   several referenda enacted together (or one after another within the window) cannot
//!   compound their steps: even a captured track can only nudge the network, once per window;
//! - the parameters' relations still hold ([`Guards::relations_hold`]: for example a response
//!   window within its proving period, and the compute reveal window above a floor).
//!
//! A change that breaks a guard fails with a clear error and changes nothing. Parameters
//! without a guard (for example the governance timing itself) are not settable here at all:
//! only root, through `pallet-parameters` directly.
//!
//! [`Pallet::check`] runs the same checks without writing anything; the runtime exposes it
//! through [`runtime_api::GuardedParametersApi`] so a proposer can preview a change.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use weights::WeightInfo;

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::traits::dynamic_params::AggregatedKeyValue;
use scale_info::TypeInfo;
use sp_runtime::Perbill;

/// The bounds of a parameter, with every value read as a `u128` (a `Perbill` by its parts).
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct Guard {
	/// The smallest allowed value.
	pub min: u128,
	/// The largest allowed value.
	pub max: u128,
	/// The largest change per enactment, relative to the current value.
	pub max_change: Perbill,
	/// A change of this much is always allowed (so small integers can move at all).
	pub min_step: u128,
}

impl Guard {
	/// The largest allowed distance from `current`.
	pub fn max_delta(&self, current: u128) -> u128 {
		self.max_change.mul_ceil(current).max(self.min_step)
	}
}

/// A parameter change as the guard sees it.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct Change {
	/// The parameter's guard.
	pub guard: Guard,
	/// Its value now (its default if never set).
	pub current: u128,
	/// The proposed value.
	pub proposed: u128,
	/// The value the step is measured from: the value when the parameter's change window
	/// opened, or the current one if no window is open.
	pub baseline: u128,
}

/// Where a parameter's change window started: its value then, and the block.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct Baseline<BlockNumber> {
	/// The value when the window opened.
	pub value: u128,
	/// The block the window opened at.
	pub since: BlockNumber,
}

/// The guards of a runtime's parameters.
pub trait Guards<P: AggregatedKeyValue> {
	/// For a proposed key-value: the parameter's guard, its current value, and the proposed
	/// value (`None` when the proposal unsets it). `None` for a parameter without a guard.
	fn inspect(key_value: &P) -> Option<(Guard, u128, Option<u128>)>;

	/// Whether the relations between parameters still hold with the proposed key-value set
	/// (the others at their current values). Guards bound each parameter alone; this bounds
	/// them together. Every relation holds by default.
	fn relations_hold(_key_value: &P) -> bool {
		true
	}
}

/// Why a change was refused, for the runtime API.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum Refusal {
	/// The parameter has no guard: only root may change it.
	NotGuarded,
	/// Parameters keep a value; unsetting one is not a guarded change.
	CannotUnset,
	/// The value is outside `[min, max]`.
	OutOfBounds,
	/// The value moves further from the baseline than the guard allows within one change
	/// window.
	ChangeTooLarge,
	/// The value would break a relation between parameters.
	BreaksRelation,
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;
	use sp_runtime::traits::Saturating;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config + pallet_parameters::Config {
		/// Who may change guarded parameters: the parameters track.
		type GuardedOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The guard of every parameter.
		type Guards: Guards<Self::RuntimeParameters>;

		/// How long a parameter's change window lasts, in blocks: within it, every change is
		/// measured from the value the window opened with.
		#[pallet::constant]
		type ChangeWindow: Get<BlockNumberFor<Self>>;

		/// Weights.
		type WeightInfo: WeightInfo;

		/// A change within its guard, for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: Get<Self::RuntimeParameters>;
	}

	/// The key of a runtime parameter.
	pub type KeyOf<T> =
		<<T as pallet_parameters::Config>::RuntimeParameters as AggregatedKeyValue>::Key;

	/// The open change window of each parameter changed lately. One entry per guarded
	/// parameter at most; a closed window's entry is replaced by the next change's.
	#[pallet::storage]
	pub type Baselines<T: Config> =
		StorageMap<_, Blake2_128Concat, KeyOf<T>, Baseline<BlockNumberFor<T>>>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A guarded parameter changed (`pallet-parameters` reports the key and values).
		GuardedChange {
			/// The value before, as a number.
			from: u128,
			/// The value after, as a number.
			to: u128,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The parameter has no guard: only root may change it.
		NotGuarded,
		/// Parameters keep a value; unsetting one is not a guarded change.
		CannotUnset,
		/// The value is outside the parameter's `[min, max]`.
		OutOfBounds,
		/// The value moves further from the value its change window opened with than the
		/// guard allows; wait for the window to close.
		ChangeTooLarge,
		/// The value would break a relation between parameters (for example a response
		/// window longer than its proving period).
		BreaksRelation,
	}

	impl<T> From<Refusal> for Error<T> {
		fn from(refusal: Refusal) -> Self {
			match refusal {
				Refusal::NotGuarded => Error::NotGuarded,
				Refusal::CannotUnset => Error::CannotUnset,
				Refusal::OutOfBounds => Error::OutOfBounds,
				Refusal::ChangeTooLarge => Error::ChangeTooLarge,
				Refusal::BreaksRelation => Error::BreaksRelation,
			}
		}
	}

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Parameter values at genesis, set without guards: SCALE-encoded key-values of the
		/// runtime's parameters (hex in JSON). Dev chains use them for short periods.
		pub parameters: alloc::vec::Vec<sp_core::Bytes>,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for raw in &self.parameters {
				let key_value = T::RuntimeParameters::decode(&mut &raw[..])
					.unwrap_or_else(|e| panic!("genesis parameter {raw:?} does not decode: {e:?}"));
				let (key, value) = key_value.into_parts();
				pallet_parameters::Parameters::<T>::set(key, value);
			}
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Set a parameter within its guard.
		#[pallet::call_index(0)]
		/// The benchmark's weight (the first change of a window: the baseline read and
		/// written).
		#[pallet::weight(<T as Config>::WeightInfo::set_parameter())]
		pub fn set_parameter(
			origin: OriginFor<T>,
			key_value: T::RuntimeParameters,
		) -> DispatchResult {
			T::GuardedOrigin::ensure_origin(origin)?;
			let change = Self::check(&key_value).map_err(Error::<T>::from)?;
			let key = key_value.clone().into_parts().0;
			if Self::open_window(&key).is_none() {
				let since = frame_system::Pallet::<T>::block_number();
				Baselines::<T>::insert(key, Baseline { value: change.current, since });
			}
			pallet_parameters::Pallet::<T>::set_parameter(
				frame_system::RawOrigin::Root.into(),
				key_value,
			)?;
			Self::deposit_event(Event::GuardedChange { from: change.current, to: change.proposed });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// Whether `key_value` is a change its guard allows; writes nothing.
		pub fn check(key_value: &T::RuntimeParameters) -> Result<Change, Refusal> {
			let (guard, current, proposed) =
				T::Guards::inspect(key_value).ok_or(Refusal::NotGuarded)?;
			let proposed = proposed.ok_or(Refusal::CannotUnset)?;
			if proposed < guard.min || proposed > guard.max {
				return Err(Refusal::OutOfBounds);
			}
			let key = key_value.clone().into_parts().0;
			let baseline = Self::open_window(&key).map_or(current, |window| window.value);
			if proposed.abs_diff(baseline) > guard.max_delta(baseline) {
				return Err(Refusal::ChangeTooLarge);
			}
			if !T::Guards::relations_hold(key_value) {
				return Err(Refusal::BreaksRelation);
			}
			Ok(Change { guard, current, proposed, baseline })
		}

		/// The parameter's change window, if one is open.
		pub fn open_window(key: &KeyOf<T>) -> Option<Baseline<BlockNumberFor<T>>> {
			let now = frame_system::Pallet::<T>::block_number();
			Baselines::<T>::get(key)
				.filter(|window| now < window.since.saturating_add(T::ChangeWindow::get()))
		}
	}
}

/// The runtime API: preview a parameter change before proposing it.
#[allow(clippy::multiple_bound_locations)]
pub mod runtime_api {
	use super::*;

	sp_api::decl_runtime_apis! {
		/// Guarded runtime parameters.
		pub trait GuardedParametersApi<RuntimeParameters: codec::Codec> {
			/// The guard, current and proposed values of a change, or why it would be refused.
			fn check_parameter(key_value: RuntimeParameters) -> Result<Change, Refusal>;
		}
	}
}
