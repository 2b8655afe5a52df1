//! # The proving kit
//!
//! What every proof pallet (storage proofs, coverage, compute, and the kinds to come) needs
//! and would otherwise write again, in one place, so that each proof pallet holds only its own
//! verification and state:
//!
//! - [`epoch`]: whether a submission is for the epoch in progress and on time, and the
//!   per-epoch seeds drawn from the chain's randomness;
//! - [`faults`]: the fault ledger — a per-device record settled lazily in O(1) whatever the
//!   gap, the registry's fault count, suspension and slash at a threshold — and the
//!   weight-bounded `on_idle` sweep that settles devices nobody touched;
//! - [`traits`]: the proving epochs every kind shares ([`ProvingEpochs`]), accepted proofs
//!   turned into reward points ([`OnProofAccepted`]), the start of an epoch ([`OnEpochStart`],
//!   instead of each kind polling for it) and its end ([`OnEpochEnd`]);
//! - [`registry`]: the device registry as proof pallets see it ([`DeviceRegistry`], which the
//!   devices pallet implements), and [`genesis_hash`], which every signed statement binds;
//! - [`batch`]: batches with a verdict per item (an item's rejection is an event, not the
//!   batch's failure) and the weight each item's check spent;
//! - [`devices`]: the registry checks a call makes before it touches a device (it exists, the
//!   caller operates it, it is of the pallet's kind, it is active);
//! - [`usage`]: paid usage (a deal's epoch, a compute job): the payment out of the client's
//!   hold less a burned protocol fee, and the fee as the device's points, capped by it.
//!
//! The kit is a library, not a pallet: it has no storage of its own. A pallet keeps its
//! ledger and sweep cursor in its own storage and passes them in, and reports what happened
//! in its own events and errors, so clients see one shape across every proof kind. The
//! signed-payload envelope and the wire types live in `depin_primitives`, which the provider
//! tools share.

#![cfg_attr(not(feature = "std"), no_std)]

/// The genesis block hash of the chain `T` runs in: what the envelope of every signed
/// statement binds (see `depin_primitives::envelope`). Every pallet that checks a signed
/// statement takes it from here.
pub fn genesis_hash<T: frame_system::Config>() -> sp_core::H256 {
	use sp_runtime::traits::Zero;
	let zero = frame_system::pallet_prelude::BlockNumberFor::<T>::zero();
	let hash = frame_system::Pallet::<T>::block_hash(zero);
	<[u8; 32]>::try_from(hash.as_ref()).map(sp_core::H256).unwrap_or_default()
}

pub mod batch;
pub mod devices;
pub mod epoch;
pub mod faults;
pub mod registry;
#[cfg(feature = "runtime-benchmarks")]
pub mod signer;
pub mod traits;
pub mod usage;

pub use devices::DeviceRefusal;
pub use epoch::EpochRefusal;
pub use faults::{FaultEvent, Ledger, Settled, SweepState};
pub use registry::DeviceRegistry;
#[cfg(feature = "runtime-benchmarks")]
pub use signer::{AccountSigner, Sr25519Account};
pub use traits::{
	DeviceChange, OnDeviceChange, OnEpochEnd, OnEpochStart, OnProofAccepted, ProvingEpochs,
	UnclaimedRewards,
};

/// Implement `From<EpochRefusal>` and `From<DeviceRefusal>` for the calling pallet's
/// `Error<T>`, naming its errors the kit's way: `EpochNotStarted`, `StaleEpoch`,
/// `DeadlinePassed`, `UnknownDevice`, `NotDeviceOperator`, the given wrong-kind error (such as
/// `NotStorageDevice`) and `DeviceNotActive`. Invoke it where `Config` and `Error` are in scope.
#[macro_export]
macro_rules! impl_refusal_errors {
	($wrong_kind:ident) => {
		impl<T: Config> From<$crate::EpochRefusal> for Error<T> {
			fn from(refusal: $crate::EpochRefusal) -> Self {
				match refusal {
					$crate::EpochRefusal::NotStarted => Error::<T>::EpochNotStarted,
					$crate::EpochRefusal::Stale => Error::<T>::StaleEpoch,
					$crate::EpochRefusal::DeadlinePassed => Error::<T>::DeadlinePassed,
				}
			}
		}

		impl<T: Config> From<$crate::DeviceRefusal> for Error<T> {
			fn from(refusal: $crate::DeviceRefusal) -> Self {
				match refusal {
					$crate::DeviceRefusal::Unknown => Error::<T>::UnknownDevice,
					$crate::DeviceRefusal::NotOperator => Error::<T>::NotDeviceOperator,
					$crate::DeviceRefusal::WrongKind => Error::<T>::$wrong_kind,
					$crate::DeviceRefusal::NotActive => Error::<T>::DeviceNotActive,
				}
			}
		}
	};
}

/// Implement `From<(DeviceId, FaultEvent)>` for the calling pallet's `Event<T>`, with its
/// events of the kit's shape: `FaultsRecorded { device, missed, consecutive }` and
/// `SuspendedForFaults { device, consecutive }`. Invoke it where `Config` and `Event` are in
/// scope; then `faults::settle` reports with `|event| Self::deposit_event((device,
/// event).into())`.
#[macro_export]
macro_rules! impl_fault_events {
	() => {
		impl<T: Config> From<($crate::depin_primitives::DeviceId, $crate::FaultEvent)>
			for Event<T>
		{
			fn from(
				(device, event): ($crate::depin_primitives::DeviceId, $crate::FaultEvent),
			) -> Self {
				match event {
					$crate::FaultEvent::Recorded { missed, consecutive } => {
						Event::<T>::FaultsRecorded { device, missed, consecutive }
					},
					$crate::FaultEvent::Suspended { consecutive } => {
						Event::<T>::SuspendedForFaults { device, consecutive }
					},
				}
			}
		}
	};
}

#[doc(hidden)]
pub use depin_primitives;
