//! # Proofs pallet
//!
//! The chain checks that hardware does its job. See `README.md` for the design; in short:
//!
//! - **Epochs.** The proving epochs and their seeds come from [`Config::Epochs`] (the epochs
//!   pallet, `pallet-epochs`, in the runtime). Every challenge of an epoch derives from its
//!   seed and from the commitment it checks, so nobody knows a challenge before the epoch
//!   starts, and data committed in an epoch is only challenged from the next one.
//! - **Storage proofs.** A storage device commits **sectors**: the root of a blake2-256 Merkle
//!   tree over 1 KiB chunks and the chunk count, within its declared capacity. Each epoch the
//!   chain asks [`Config::ChallengesPerSector`] chunk indices per sector; the device answers
//!   with the chunks and their paths, signed with its key, before the epoch's deadline
//!   (the response window of the epochs pallet). The runtime recomputes the root.
//! - **Batches.** Anyone (a relayer, an aggregator) may submit up to [`Config::MaxBatch`]
//!   proofs for many devices in one call. Each is checked on its own; a rejected one is
//!   reported in an event and refunded, and does not fail the others.
//! - **Faults.** A device that misses a deadline gets a fault. Faults are counted lazily, in
//!   O(1) per device, whenever the device is next touched, and by a weight-bounded sweep in
//!   `on_idle`. [`Config::FaultThreshold`] epochs in a row suspend the device through the
//!   registry and slash [`Config::FaultSlash`] of its deposit.
//! - **Points.** Each accepted proof reports points to [`Config::OnProofAccepted`] (the
//!   emission pallet): this pallet knows nothing about money.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

mod impls;
mod queries;
pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use depin_proving::{OnProofAccepted, ProvingEpochs};
pub use types::*;
pub use weights::WeightInfo;

/// A storage proof as the pallet's calls take it.
pub type StorageProofOf<T> =
	StorageProof<<T as Config>::MaxChallengesPerSector, <T as Config>::MaxTreeDepth>;

/// A batch of storage proofs.
pub type StorageProofsOf<T> = frame_support::BoundedVec<StorageProofOf<T>, <T as Config>::MaxBatch>;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;
	use pallet_devices::{DeviceId, DeviceRegistry};
	use sp_core::H256;
	use sp_runtime::Perbill;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The device registry: look-ups, faults, suspension and slashing.
		type Registry: DeviceRegistry<Self::AccountId>;

		/// The proving epochs: their seeds and deadlines (the epochs pallet).
		type Epochs: ProvingEpochs<BlockNumberFor<Self>>;

		/// Told about every accepted proof (the emission pallet).
		type OnProofAccepted: OnProofAccepted;

		/// How many chunks each sector is challenged on per epoch (1 to
		/// [`Config::MaxChallengesPerSector`]).
		#[pallet::constant]
		type ChallengesPerSector: Get<u32>;

		/// The bound of [`Config::ChallengesPerSector`]: the most chunks a proof may carry.
		#[pallet::constant]
		type MaxChallengesPerSector: Get<u32>;

		/// The deepest sector tree (at most 31): sectors hold at most `2^depth` KiB.
		#[pallet::constant]
		type MaxTreeDepth: Get<u32>;

		/// The most live sectors a device may have.
		#[pallet::constant]
		type MaxSectorsPerDevice: Get<u32>;

		/// Epochs in a row with a missed proof that suspend a device.
		#[pallet::constant]
		type FaultThreshold: Get<u32>;

		/// The fraction of its deposit a device loses when faults suspend it.
		#[pallet::constant]
		type FaultSlash: Get<Perbill>;

		/// The most proofs in one batch.
		#[pallet::constant]
		type MaxBatch: Get<u32>;

		/// Weights of the calls and hooks.
		type WeightInfo: WeightInfo;
	}

	/// Committed sectors, by device and sector number.
	#[pallet::storage]
	pub type Sectors<T: Config> =
		StorageDoubleMap<_, Twox64Concat, DeviceId, Twox64Concat, SectorIndex, Sector>;

	/// The proving record of every device that has committed a sector.
	#[pallet::storage]
	pub type Provers<T: Config> = StorageMap<_, Twox64Concat, DeviceId, ProverState>;

	/// Where the idle-time fault sweep is.
	#[pallet::storage]
	pub type Sweep<T: Config> = StorageValue<_, SweepState, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A storage device committed a sector.
		SectorCommitted {
			/// The device.
			device: DeviceId,
			/// The sector's number.
			sector: SectorIndex,
			/// The Merkle root.
			root: H256,
			/// The chunk count.
			chunks: u32,
			/// The first epoch that challenges it.
			first_challenge: EpochIndex,
		},
		/// A sector was removed; its space is free again.
		SectorRemoved {
			/// The device.
			device: DeviceId,
			/// The sector.
			sector: SectorIndex,
		},
		/// A storage proof was accepted.
		StorageProofAccepted {
			/// The device.
			device: DeviceId,
			/// The sector.
			sector: SectorIndex,
			/// The epoch it answers.
			epoch: EpochIndex,
			/// Points earned (one per KiB of the sector).
			points: u64,
		},
		/// A proof in a batch was rejected; nothing of it was stored.
		ItemRejected {
			/// Its position in the batch.
			index: u32,
			/// The device it claimed to be from.
			device: DeviceId,
			/// Why.
			error: DispatchError,
		},
		/// A batch was processed.
		BatchProcessed {
			/// Proofs accepted.
			accepted: u32,
			/// Proofs rejected (each reported by `ItemRejected`).
			rejected: u32,
		},
		/// A device missed proofs.
		FaultsRecorded {
			/// The device.
			device: DeviceId,
			/// Epochs missed, counted now.
			missed: u32,
			/// Epochs in a row with a missed proof.
			consecutive: u32,
		},
		/// A device missed too many epochs in a row: it is suspended and its deposit slashed.
		SuspendedForFaults {
			/// The device.
			device: DeviceId,
			/// Epochs in a row with a missed proof.
			consecutive: u32,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No such device in the registry.
		UnknownDevice,
		/// Only storage devices commit sectors and answer storage challenges.
		NotStorageDevice,
		/// The device is suspended or retired; resume it first.
		DeviceNotActive,
		/// Only the device's owner or manager may do this.
		NotDeviceOperator,
		/// A sector needs at least one chunk.
		EmptySector,
		/// The sector's tree would be deeper than `MaxTreeDepth`; split the data.
		SectorTooLarge,
		/// The device's sectors would exceed its declared capacity.
		CapacityExceeded,
		/// The device has `MaxSectorsPerDevice` sectors; remove one first.
		TooManySectors,
		/// The device has no such sector.
		UnknownSector,
		/// The sector's challenge of this epoch is still open: answer it, or wait for the
		/// deadline, then remove the sector.
		ChallengeOpen,
		/// The batch is empty.
		EmptyBatch,
		/// The epoch has not started: its challenge does not exist yet.
		EpochNotStarted,
		/// The epoch is over; only the current epoch's challenges can be answered.
		StaleEpoch,
		/// The current epoch's response window has closed.
		DeadlinePassed,
		/// The sector is not challenged in this epoch: it was committed in it, or the device
		/// was resumed during it. It is challenged from the next one.
		SectorNotChallenged,
		/// The sector was already proven in this epoch.
		AlreadyProven,
		/// The proof must carry exactly `ChallengesPerSector` chunks.
		WrongChallengeCount,
		/// A chunk path does not have the sector's tree depth.
		WrongPathLength,
		/// A chunk is not at the index the challenge asked for.
		WrongChunkIndex,
		/// The device key did not sign this proof for this chain, device, sector, epoch and
		/// challenge.
		BadSignature,
		/// A chunk and its path do not lead to the sector's root.
		InvalidMerkleProof,
		/// The sector has more chunks than a `u32` index reaches, or another overflow.
		Overflow,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_idle(_now: BlockNumberFor<T>, remaining: Weight) -> Weight {
			Self::sweep_faults(remaining)
		}

		fn integrity_test() {
			assert!(
				T::ChallengesPerSector::get() >= 1
					&& T::ChallengesPerSector::get() <= T::MaxChallengesPerSector::get(),
				"ChallengesPerSector must be within 1..=MaxChallengesPerSector"
			);
			assert!(
				T::MaxTreeDepth::get() < depin_merkle::MAX_DEPTH,
				"MaxTreeDepth must be below 32, so that 2^depth chunks fit a u32"
			);
			assert!(T::FaultThreshold::get() >= 1, "FaultThreshold must be at least 1");
			assert!(T::MaxBatch::get() >= 1, "MaxBatch must be at least 1");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Commit a sector of a storage device: the Merkle `root` of `chunks` 1 KiB chunks.
		///
		/// By the device's owner or manager; the device must be active and the sectors must
		/// fit its declared capacity. The sector is challenged from the next epoch on.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::commit_sector().saturating_add(Pallet::<T>::settle_weight()))]
		pub fn commit_sector(
			origin: OriginFor<T>,
			device: DeviceId,
			root: H256,
			chunks: u32,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_commit_sector(who, device, root, chunks)
		}

		/// Remove a sector. Its challenge of this epoch must be answered or past its deadline
		/// (or the sector committed in this epoch). Anyone may clean up the sectors of a
		/// device that no longer exists.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::remove_sector().saturating_add(Pallet::<T>::settle_weight()))]
		pub fn remove_sector(
			origin: OriginFor<T>,
			device: DeviceId,
			sector: SectorIndex,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_remove_sector(who, device, sector)
		}

		/// Submit storage proofs for any devices. Each proof is checked on its own: an accepted
		/// one emits `StorageProofAccepted`, a rejected one `ItemRejected` with the reason,
		/// and the weight of the work not done is refunded. Operational: proofs have deadlines,
		/// so they keep the block space normal transactions cannot fill (see the runtime's
		/// `proofs_keep_block_space_when_normal_transactions_fill_the_block`).
		#[pallet::call_index(2)]
		#[pallet::weight((Pallet::<T>::storage_proofs_weight(proofs), DispatchClass::Operational))]
		pub fn submit_storage_proofs(
			origin: OriginFor<T>,
			proofs: StorageProofsOf<T>,
		) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			Self::do_submit_storage_proofs(proofs)
		}
	}
}
