//! # Devices pallet
//!
//! The registry of the hardware that serves the network: storage servers, wireless hotspots
//! and compute boxes. See `README.md` for the design; in short:
//!
//! - A device is identified by its own key (sr25519, ed25519 or ECDSA secp256k1), distinct
//!   from its owner's account. Registering one needs a **proof of possession**: the device key
//!   signs a [`types::Possession`] (in the signed-payload envelope) binding the genesis hash,
//!   the owner, the key and the block it was signed at, so nobody can register hardware they
//!   do not hold, and a proof cannot be used on another chain, for another owner, or after
//!   `MaxProofAge` blocks. The registry keeps no per-key record once a device is gone.
//! - The owner pays a **deposit**, held with `fungible` holds: a base plus a price per byte of
//!   metadata. Deregistering retires the device; the deposit stays held (and slashable) for an
//!   unbonding period, then the owner claims it back.
//! - Devices live in an **H3 cell** (validated, resolution within a configured range); moves
//!   are rate-limited. The registry counts devices per cell at a coarse density resolution.
//! - Other pallets use the [`DeviceRegistry`] trait: look-ups, faults, suspension, slashing.
//!
//! Every economic number comes from `Config` as a `Get<_>`, so governance can drive it.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
pub mod benchmark_keys;
mod impls;
pub mod migrations;
mod queries;
pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use depin_primitives::h3;
#[cfg(feature = "std")]
pub use depin_primitives::DevicePair;
pub use depin_proving::{genesis_hash, DeviceRegistry};
pub use types::*;
pub use weights::WeightInfo;

use frame_support::traits::fungible;

/// The balance type of the pallet's currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// Imbalance of slashed deposits, handed to [`Config::Slashed`].
pub type CreditOf<T> =
	fungible::Credit<<T as frame_system::Config>::AccountId, <T as Config>::Currency>;

/// A device record as stored.
pub type DeviceOf<T> = Device<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	frame_system::pallet_prelude::BlockNumberFor<T>,
>;

/// A batch of registrations.
pub type RegistrationsOf<T> = frame_support::BoundedVec<
	Registration<<T as frame_system::Config>::AccountId>,
	<T as Config>::MaxBatch,
>;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use crate::h3::H3Cell;
	use frame_support::{
		pallet_prelude::*,
		traits::{fungible::MutateHold, OnUnbalanced},
	};
	use frame_system::pallet_prelude::*;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Why the pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit of a registered device.
		#[codec(index = 0)]
		DeviceDeposit,
	}

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The native currency, with holds.
		type Currency: fungible::Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ fungible::BalancedHold<Self::AccountId>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// Where slashed deposits go (the treasury, or dropped to burn them).
		type Slashed: OnUnbalanced<CreditOf<Self>>;

		/// The proof kinds, told before a device retires, moves or changes hands so they settle
		/// what it owes first (`depin_proving::OnDeviceChange`).
		type OnDeviceChange: depin_proving::OnDeviceChange;

		/// Rewards the device earned and its owner has not claimed yet: the device is not
		/// removed (`claim_deposit`) while there are any, so they can still be paid to its owner.
		type Rewards: depin_proving::UnclaimedRewards;

		/// Who may suspend and resume devices (governance).
		type SuspendOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The deposit every device holds, whatever its metadata.
		#[pallet::constant]
		type DepositBase: Get<BalanceOf<Self>>;

		/// The deposit per byte of device metadata.
		#[pallet::constant]
		type DepositPerByte: Get<BalanceOf<Self>>;

		/// How long a retired device's deposit stays held (and slashable) before its owner can
		/// claim it.
		#[pallet::constant]
		type UnbondingPeriod: Get<BlockNumberFor<Self>>;

		/// How many blocks after the block it names (`signed_at`) a proof of possession is
		/// taken. Shorter than `UnbondingPeriod`: a retired device keeps its key registered for
		/// that long, so every proof of the key is stale before the key is free again.
		#[pallet::constant]
		type MaxProofAge: Get<BlockNumberFor<Self>>;

		/// The most devices one account may own (retired ones count until claimed).
		#[pallet::constant]
		type MaxDevicesPerOwner: Get<u32>;

		/// The coarsest H3 resolution a device location may have.
		#[pallet::constant]
		type MinResolution: Get<u8>;

		/// The finest H3 resolution a device location may have.
		#[pallet::constant]
		type MaxResolution: Get<u8>;

		/// The H3 resolution devices are counted at for density rules. Changing it needs a
		/// migration of [`CellDeviceCount`]; it must not be above [`Config::MinResolution`].
		#[pallet::constant]
		type DensityResolution: Get<u8>;

		/// The fewest blocks between two location changes of a device.
		#[pallet::constant]
		type LocationChangeInterval: Get<BlockNumberFor<Self>>;

		/// The most registrations in one `register_batch` call.
		#[pallet::constant]
		type MaxBatch: Get<u32>;

		/// Weights of the calls, generated by `scripts/weights.sh`.
		type WeightInfo: WeightInfo;
	}

	/// The id the next registered device gets.
	#[pallet::storage]
	pub type NextDeviceId<T> = StorageValue<_, DeviceId, ValueQuery>;

	/// Registered devices, retired ones included until their deposit is claimed.
	#[pallet::storage]
	pub type Devices<T: Config> = StorageMap<_, Twox64Concat, DeviceId, DeviceOf<T>>;

	/// The device registered with a key.
	#[pallet::storage]
	pub type DeviceByKey<T> = StorageMap<_, Blake2_128Concat, DeviceKey, DeviceId>;

	/// The key each device signed with before its last rotation, and the block of the
	/// rotation (see `DeviceRegistry::previous_key`). Removed with the device.
	#[pallet::storage]
	pub type PreviousKeys<T: Config> =
		StorageMap<_, Twox64Concat, DeviceId, (DeviceKey, BlockNumberFor<T>)>;

	/// The devices of each owner.
	#[pallet::storage]
	pub type OwnerDevices<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Twox64Concat,
		DeviceId,
		(),
		OptionQuery,
	>;

	/// How many devices each owner has (the size of its [`OwnerDevices`] prefix).
	#[pallet::storage]
	pub type OwnerDeviceCount<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// Non-retired devices per H3 cell at [`Config::DensityResolution`] and kind.
	#[pallet::storage]
	pub type CellDeviceCount<T> =
		StorageDoubleMap<_, Blake2_128Concat, H3Cell, Twox64Concat, DeviceKind, u32, ValueQuery>;

	/// The non-retired devices in each H3 cell at [`Config::DensityResolution`] (an index for
	/// queries by area; [`CellDeviceCount`] has the counts).
	#[pallet::storage]
	pub type CellDevices<T> =
		StorageDoubleMap<_, Blake2_128Concat, H3Cell, Twox64Concat, DeviceId, (), OptionQuery>;

	/// Ownership offers: the account a device's owner offered it to.
	#[pallet::storage]
	pub type PendingOwner<T: Config> = StorageMap<_, Twox64Concat, DeviceId, T::AccountId>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A device was registered.
		DeviceRegistered {
			/// The new device's id.
			device: DeviceId,
			/// Its owner.
			owner: T::AccountId,
			/// Its key.
			key: DeviceKey,
			/// What it does.
			kind: DeviceKind,
			/// Where it is.
			location: H3Cell,
			/// The deposit held from the owner.
			deposit: BalanceOf<T>,
		},
		/// A registration in a batch was rejected; nothing of it was stored, and the other
		/// items were processed.
		ItemRejected {
			/// The item's position in the batch.
			index: u32,
			/// Why it was rejected.
			error: DispatchError,
		},
		/// A batch was processed.
		BatchProcessed {
			/// Devices registered.
			accepted: u32,
			/// Items rejected (each reported by `ItemRejected`).
			rejected: u32,
		},
		/// A device's metadata changed, and its deposit with it.
		MetadataUpdated {
			/// The device.
			device: DeviceId,
			/// The deposit now held for it.
			deposit: BalanceOf<T>,
		},
		/// A device moved.
		LocationChanged {
			/// The device.
			device: DeviceId,
			/// The old cell.
			from: H3Cell,
			/// The new cell.
			to: H3Cell,
		},
		/// A device's key was replaced.
		KeyRotated {
			/// The device.
			device: DeviceId,
			/// The key it had.
			old_key: DeviceKey,
			/// The key it has now.
			new_key: DeviceKey,
		},
		/// An owner offered a device to another account.
		OwnershipOffered {
			/// The device.
			device: DeviceId,
			/// The account that may accept.
			to: T::AccountId,
		},
		/// An owner withdrew its ownership offer.
		OwnershipOfferWithdrawn {
			/// The device.
			device: DeviceId,
		},
		/// A device changed hands; the new owner now holds its deposit.
		OwnershipTransferred {
			/// The device.
			device: DeviceId,
			/// The previous owner.
			from: T::AccountId,
			/// The new owner.
			to: T::AccountId,
		},
		/// A device's fleet manager was set or cleared.
		ManagerSet {
			/// The device.
			device: DeviceId,
			/// The new manager, `None` when cleared.
			manager: Option<T::AccountId>,
		},
		/// A device was retired by its owner.
		DeviceDeregistered {
			/// The device.
			device: DeviceId,
			/// The first block its deposit can be claimed in.
			unbonds_at: BlockNumberFor<T>,
		},
		/// A retired device's deposit was released and the device removed.
		DepositClaimed {
			/// The device.
			device: DeviceId,
			/// Its owner, who got the deposit back.
			owner: T::AccountId,
			/// The amount released.
			amount: BalanceOf<T>,
		},
		/// A device was suspended.
		DeviceSuspended {
			/// The device.
			device: DeviceId,
		},
		/// A suspended device was resumed.
		DeviceResumed {
			/// The device.
			device: DeviceId,
		},
		/// A proof pallet recorded a fault against a device.
		FaultRecorded {
			/// The device.
			device: DeviceId,
			/// Its fault count.
			faults: u32,
		},
		/// Part of a device's deposit was slashed.
		DepositSlashed {
			/// The device.
			device: DeviceId,
			/// The owner who paid.
			owner: T::AccountId,
			/// The amount taken.
			amount: BalanceOf<T>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The location is not a valid H3 cell index.
		InvalidLocation,
		/// The location's H3 resolution is outside the allowed range (see the
		/// `MinResolution` and `MaxResolution` constants).
		LocationResolutionOutOfRange,
		/// The device is already at this location.
		SameLocation,
		/// The device moved too recently; wait `LocationChangeInterval` blocks between moves.
		LocationChangeTooSoon,
		/// Storage and compute devices must declare a capacity above zero; coverage and sensor
		/// devices declare zero.
		InvalidCapacity,
		/// The key is already registered to a device.
		KeyAlreadyRegistered,
		/// The proof's `signed_at` is not one of the last `MaxProofAge` blocks (it is older, or
		/// ahead of the chain). Sign again at the best block.
		StalePossessionProof,
		/// The proof of possession does not verify: it was not signed by the device key over
		/// this chain's genesis hash, this owner, this key and this `signed_at`.
		BadPossessionProof,
		/// The account owns the most devices allowed (`MaxDevicesPerOwner`).
		TooManyDevices,
		/// The account cannot pay the device deposit.
		InsufficientDeposit,
		/// No device has this id.
		UnknownDevice,
		/// Only the device's owner may do this.
		NotOwner,
		/// Only the device's owner or fleet manager may do this.
		NotOwnerOrManager,
		/// The device is retired; only claiming its deposit is left.
		DeviceRetired,
		/// The device is not retired.
		NotRetired,
		/// The deposit is still unbonding; claim it at the block in the device's status.
		StillUnbonding,
		/// The device has rewards its owner has not claimed: claim them first (or wait until
		/// they expire), or they could no longer be paid.
		UnclaimedRewards,
		/// The device is already suspended.
		AlreadySuspended,
		/// The device is not suspended.
		NotSuspended,
		/// The new key is the device's current key.
		SameKey,
		/// The device is not offered to this account.
		NotOfferedToYou,
		/// The device has no pending ownership offer.
		NoOwnershipOffer,
		/// The owner cannot offer a device to itself.
		TransferToSelf,
		/// The batch is empty.
		EmptyBatch,
		/// Device ids are exhausted.
		DeviceIdOverflow,
	}

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Devices registered at genesis, without possession proofs: `(owner, key, kind,
		/// raw H3 location, capacity)`. Owners need funds for the deposits.
		pub devices: alloc::vec::Vec<(T::AccountId, DeviceKey, DeviceKind, u64, u64)>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for (owner, key, kind, location, capacity) in &self.devices {
				if let Err(error) = Pallet::<T>::insert_device(
					owner.clone(),
					*key,
					*kind,
					*location,
					*capacity,
					DeviceMetadata::default(),
					None,
				) {
					panic!("genesis device {key:?} of {owner:?} is invalid: {error:?}");
				}
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			let (min, max, density) =
				(T::MinResolution::get(), T::MaxResolution::get(), T::DensityResolution::get());
			assert!(min <= max, "MinResolution must not be above MaxResolution");
			assert!(max <= h3::MAX_RESOLUTION, "MaxResolution must be a real H3 resolution");
			assert!(density <= min, "DensityResolution must not be finer than MinResolution");
			assert!(T::MaxBatch::get() > 0, "MaxBatch must allow at least one registration");
			assert!(T::MaxDevicesPerOwner::get() > 0, "owners must be able to own a device");
			assert!(
				T::MaxProofAge::get() < T::UnbondingPeriod::get(),
				"a proof of possession must go stale before a retired key is free"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Register a device owned by the caller. `proof` is the device key's signature of
		/// the enveloped [`Possession`] for (genesis hash, caller, `key`, `signed_at`). Holds the
		/// deposit for `metadata`.
		#[pallet::call_index(0)]
		#[pallet::weight(Pallet::<T>::register_weight(&registration.key))]
		pub fn register(
			origin: OriginFor<T>,
			registration: Registration<T::AccountId>,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			Self::do_register(owner, registration).map(|_| ())
		}

		/// Register several devices owned by the caller, each with its own proof. An item
		/// that fails is reported in a `ItemRejected` event and leaves no trace; the others
		/// are registered. What the items refused before their proof did not use is refunded.
		#[pallet::call_index(1)]
		#[pallet::weight(Pallet::<T>::registrations_weight(registrations))]
		pub fn register_batch(
			origin: OriginFor<T>,
			registrations: RegistrationsOf<T>,
		) -> DispatchResultWithPostInfo {
			let owner = ensure_signed(origin)?;
			Self::do_register_batch(owner, registrations)
		}

		/// Replace a device's metadata; the deposit follows the new size. Owner or manager.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::update_metadata())]
		pub fn update_metadata(
			origin: OriginFor<T>,
			device: DeviceId,
			metadata: DeviceMetadata,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_update_metadata(who, device, metadata)
		}

		/// Move a device to another H3 cell, at most once per `LocationChangeInterval`.
		/// Owner or manager.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::update_location().saturating_add(
			<T::OnDeviceChange as depin_proving::OnDeviceChange>::weight(depin_proving::DeviceChange::Move)
		))]
		pub fn update_location(
			origin: OriginFor<T>,
			device: DeviceId,
			location: u64,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_update_location(who, device, location)
		}

		/// Replace a device's key; `proof` is the new key's signature of the rotation
		/// enveloped [`Possession`] for (genesis hash, owner, `new_key`, `signed_at`). Owner only.
		#[pallet::call_index(4)]
		#[pallet::weight(Pallet::<T>::rotate_weight(new_key))]
		pub fn rotate_key(
			origin: OriginFor<T>,
			device: DeviceId,
			new_key: DeviceKey,
			proof: DeviceSignature,
			signed_at: u32,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_rotate_key(who, device, new_key, proof, signed_at)
		}

		/// Offer a device to another account (`Some`), or withdraw the offer (`None`). The
		/// device changes hands when that account accepts. Owner only.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::transfer_ownership())]
		pub fn transfer_ownership(
			origin: OriginFor<T>,
			device: DeviceId,
			to: Option<T::AccountId>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_transfer_ownership(who, device, to)
		}

		/// Accept a device offered to the caller: the caller's deposit is held and the previous
		/// owner's released.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::accept_ownership().saturating_add(
			<T::OnDeviceChange as depin_proving::OnDeviceChange>::weight(depin_proving::DeviceChange::Transfer)
		))]
		pub fn accept_ownership(origin: OriginFor<T>, device: DeviceId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_accept_ownership(who, device)
		}

		/// Set (`Some`) or clear (`None`) a device's fleet manager. Owner only.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::set_manager())]
		pub fn set_manager(
			origin: OriginFor<T>,
			device: DeviceId,
			manager: Option<T::AccountId>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_set_manager(who, device, manager)
		}

		/// Retire a device. Its deposit stays held, and slashable, for `UnbondingPeriod`
		/// blocks; then `claim_deposit` releases it. Owner only.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::deregister().saturating_add(
			<T::OnDeviceChange as depin_proving::OnDeviceChange>::weight(depin_proving::DeviceChange::Retire)
		))]
		pub fn deregister(origin: OriginFor<T>, device: DeviceId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_deregister(who, device)
		}

		/// Release the deposit of a retired device whose unbonding period is over and remove
		/// the device. Anyone may call it; the deposit goes back to the owner.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::claim_deposit()
			.saturating_add(<T::Rewards as depin_proving::UnclaimedRewards>::weight())
			.saturating_add(<T::OnDeviceChange as depin_proving::OnDeviceChange>::weight(
				depin_proving::DeviceChange::Remove
			)))]
		pub fn claim_deposit(origin: OriginFor<T>, device: DeviceId) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_claim_deposit(device)
		}

		/// Suspend an active device.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::suspend())]
		pub fn suspend(origin: OriginFor<T>, device: DeviceId) -> DispatchResult {
			T::SuspendOrigin::ensure_origin(origin)?;
			Self::do_suspend(device)
		}

		/// Resume a suspended device.
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::resume())]
		pub fn resume(origin: OriginFor<T>, device: DeviceId) -> DispatchResult {
			T::SuspendOrigin::ensure_origin(origin)?;
			Self::do_resume(device)
		}
	}
}
