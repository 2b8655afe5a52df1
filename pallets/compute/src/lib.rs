//! # Compute pallet
//!
//! Verifiable compute, checked on chain. See `README.md` for the design; in short:
//!
//! - **Capacity challenges.** A compute device's owner or manager `enroll`s it; from the next
//!   proving epoch on (the epochs pallet's epochs, seeded by BABE's VRF output) it must run a
//!   sequential workload sized by its declared capacity: a blake2 hash chain of
//!   `segments × segment_len` steps from a start derived from the epoch seed ([`work`]),
//!   `SegmentsPerUnit × SegmentLength` steps a unit, calibrated to a tenth of a second of one
//!   core on the reference machine (docs/compute-audits.md). Not every device every epoch:
//!   each is **audited** in an epoch with probability [`Config::AuditRate`], drawn on its own
//!   from the epoch's seed when its record enters the epoch ([`work::audited`]). It
//!   commits to the checkpoint at the end of every segment (a Merkle root, signed by its key)
//!   within the epoch's **commit window**. Then `on_initialize` draws the epoch's **reveal
//!   seed** from [`Config::Randomness`], which picks [`Config::Samples`] segments per device;
//!   the device reveals them with their Merkle paths before the epoch's deadline and the
//!   runtime recomputes each. A segment that does not recompute to its committed checkpoint
//!   is proof of faked work, signed by the device: it is suspended and slashed at once.
//! - **Faults.** An audited epoch without a correct reveal is a fault, counted lazily as
//!   for storage proofs, and by a weight-bounded sweep in `on_idle` (which enters every
//!   worker into each epoch; an epoch nobody entered a worker into is not held against it,
//!   since whether it was audited then is no longer known);
//!   [`Config::FaultThreshold`] in a row suspend the device and slash [`Config::FaultSlash`].
//! - **No reward.** A capacity challenge is an honesty and liveness audit, not a source of
//!   points: work nobody asked for is work anyone can fake the need for (one core can run the
//!   workloads of thousands of idle "devices"). Compute rewards follow paid jobs only, capped
//!   by the fees they burn: the jobs pallet's (`pallet-jobs`).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

mod capacity;
mod queries;
pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use depin_primitives::{work, RuntimeHasher};
pub use types::*;
pub use weights::WeightInfo;

/// A reveal as the pallet's calls take it.
pub type WorkRevealOf<T> = WorkReveal<<T as Config>::MaxSamples, <T as Config>::MaxTreeDepth>;

/// A batch of commitments.
pub type WorkCommitsOf<T> = frame_support::BoundedVec<WorkCommit, <T as Config>::MaxBatch>;

/// A batch of reveals.
pub type WorkRevealsOf<T> =
	frame_support::BoundedVec<WorkRevealOf<T>, <T as Config>::MaxRevealBatch>;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use depin_proving::ProvingEpochs;
	use frame_support::{pallet_prelude::*, traits::Randomness};
	use frame_system::pallet_prelude::*;
	use pallet_devices::{DeviceId, DeviceRegistry};
	use sp_core::H256;
	use sp_runtime::Perbill;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Why the pallet held funds: job payments, before jobs moved to the jobs pallet. Kept so
	/// that the runtime upgrade moving them (`pallet_jobs::migrations::MoveFromCompute`) can
	/// release what is held for it; remove it in the release after that upgrade.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A job's payment (moved to `pallet_jobs::HoldReason::JobPayment`).
		JobPayment,
	}

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The device registry: devices, keys, owners, faults, suspension and slashing.
		type Registry: DeviceRegistry<Self::AccountId, BlockNumber = BlockNumberFor<Self>>;

		/// The proving epochs (the epochs pallet): their indices, seeds and deadlines.
		type Epochs: ProvingEpochs<BlockNumberFor<Self>>;

		/// Where reveal seeds come from: BABE's VRF output in the runtime.
		type Randomness: Randomness<Self::Hash, BlockNumberFor<Self>>;

		/// For the benchmarks: makes [`Config::Randomness`] fresh, so that the reveal seed is
		/// drawn at the block after the commit window closes.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: depin_proving::epoch::FreshRandomness;

		/// Blocks from an epoch's start during which commitments are accepted; the reveal seed
		/// is drawn at the block after. Kept below the epoch's response window.
		#[pallet::constant]
		type CommitWindow: Get<BlockNumberFor<Self>>;

		/// Hash steps per segment (the checkpoint interval `M`), at most
		/// [`Config::MaxSegmentLength`].
		#[pallet::constant]
		type SegmentLength: Get<u32>;

		/// The bound of [`Config::SegmentLength`]: the most hashes one sampled segment costs.
		#[pallet::constant]
		type MaxSegmentLength: Get<u32>;

		/// Segments a device computes per unit of declared capacity.
		#[pallet::constant]
		type SegmentsPerUnit: Get<u32>;

		/// The deepest checkpoint tree: a workload has at most `2^MaxTreeDepth` segments.
		#[pallet::constant]
		type MaxTreeDepth: Get<u32>;

		/// The share of enrolled devices audited in an epoch, each drawn on its own from the
		/// epoch's seed ([`work::audited`]): a device is challenged in an epoch only if drawn.
		/// Nothing walks the devices to draw them.
		#[pallet::constant]
		type AuditRate: Get<Perbill>;

		/// Segments sampled per device and epoch (`s`), 1 to [`Config::MaxSamples`].
		#[pallet::constant]
		type Samples: Get<u32>;

		/// The bound of [`Config::Samples`].
		#[pallet::constant]
		type MaxSamples: Get<u32>;

		/// Epochs in a row with a missed challenge that suspend a device.
		#[pallet::constant]
		type FaultThreshold: Get<u32>;

		/// The fraction of its deposit a device loses when faults suspend it.
		#[pallet::constant]
		type FaultSlash: Get<Perbill>;

		/// The fraction of its deposit a device loses when it is caught faking work.
		#[pallet::constant]
		type FraudSlash: Get<Perbill>;

		/// The most commitments in one batch.
		#[pallet::constant]
		type MaxBatch: Get<u32>;

		/// The most reveals in one batch.
		#[pallet::constant]
		type MaxRevealBatch: Get<u32>;

		/// Weights of the calls and hooks.
		type WeightInfo: WeightInfo;
	}

	/// The record of every enrolled compute device.
	#[pallet::storage]
	pub type Workers<T: Config> = StorageMap<_, Twox64Concat, DeviceId, WorkerState>;

	/// The reveal seed of the epoch in progress, once drawn.
	#[pallet::storage]
	pub type RevealSeeds<T: Config> = StorageValue<_, RevealSeed, OptionQuery>;

	/// Where the idle-time fault sweep is.
	#[pallet::storage]
	pub type Sweep<T: Config> = StorageValue<_, SweepState, ValueQuery>;

	/// The segment length in force and the first epoch it applies to: a commitment of that
	/// epoch or later made for another length was made under the runtime before, and cannot be
	/// revealed under this one (`WorkloadChanged`): it is excused.
	#[pallet::storage]
	pub type SegmentLengthSince<T: Config> = StorageValue<_, LengthSince, OptionQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A compute device enrolled for capacity challenges.
		Enrolled {
			/// The device.
			device: DeviceId,
			/// The first epoch that challenges it.
			first_challenge: EpochIndex,
		},
		/// A compute device withdrew from capacity challenges.
		Withdrawn {
			/// The device.
			device: DeviceId,
		},
		/// The segments of an epoch's commitments can be sampled: reveals are open.
		RevealSeedDrawn {
			/// The epoch.
			epoch: EpochIndex,
			/// The seed.
			seed: H256,
		},
		/// A device committed to its workload.
		WorkCommitted {
			/// The device.
			device: DeviceId,
			/// The epoch.
			epoch: EpochIndex,
			/// The root over its checkpoints.
			root: H256,
			/// The workload's segments.
			segments: u32,
		},
		/// A device's sampled segments recomputed to its checkpoints: its capacity audit of
		/// the epoch passed. (It earns nothing: compute rewards follow paid jobs.)
		WorkProven {
			/// The device.
			device: DeviceId,
			/// The epoch.
			epoch: EpochIndex,
			/// The workload's segments.
			segments: u32,
		},
		/// A sampled segment did not recompute to the checkpoint the device committed to: the
		/// device is suspended and slashed.
		WorkFaked {
			/// The device.
			device: DeviceId,
			/// The epoch.
			epoch: EpochIndex,
			/// The segment that gave it away.
			segment: u32,
		},
		/// A device committed to a workload and did not reveal it by the deadline: it is
		/// suspended and slashed `FraudSlash`, as if caught faking.
		WorkUnrevealed {
			/// The device.
			device: DeviceId,
			/// The epoch of the commitment.
			epoch: EpochIndex,
		},
		/// An item of a batch was rejected; nothing of it was stored.
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
			/// Items accepted.
			accepted: u32,
			/// Items rejected (each reported by `ItemRejected`).
			rejected: u32,
		},
		/// A device missed capacity challenges.
		FaultsRecorded {
			/// The device.
			device: DeviceId,
			/// Epochs missed, counted now.
			missed: u32,
			/// Epochs in a row with a missed challenge.
			consecutive: u32,
		},
		/// A device missed too many epochs in a row: it is suspended and its deposit slashed.
		SuspendedForFaults {
			/// The device.
			device: DeviceId,
			/// Epochs in a row with a missed challenge.
			consecutive: u32,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No such device in the registry.
		UnknownDevice,
		/// Only the device's owner or manager may do this.
		NotDeviceOperator,
		/// Only compute devices run workloads and take jobs.
		NotComputeDevice,
		/// The device is suspended or retired; resume it first.
		DeviceNotActive,
		/// The device is already enrolled.
		AlreadyEnrolled,
		/// The device is not enrolled.
		NotEnrolled,
		/// The device's challenge of this epoch is still open: reveal, or wait for the
		/// deadline, then withdraw.
		ChallengeOpen,
		/// The batch is empty.
		EmptyBatch,
		/// The epoch has not started.
		EpochNotStarted,
		/// The epoch is over; only the current epoch's challenges count.
		StaleEpoch,
		/// The device is not challenged in this epoch: it enrolled in it, or was resumed
		/// during it. It is challenged from the next one.
		NotChallenged,
		/// The commit window of this epoch has closed.
		CommitWindowClosed,
		/// The device already committed in this epoch.
		AlreadyCommitted,
		/// The reveal seed is drawn when the commit window closes: wait for it.
		RevealNotOpen,
		/// The current epoch's response window has closed.
		DeadlinePassed,
		/// The device has not committed in this epoch, so it has nothing to reveal.
		NotCommitted,
		/// The device already revealed in this epoch.
		AlreadyRevealed,
		/// The reveal must carry exactly `Samples` segments.
		WrongSampleCount,
		/// A segment is not the one the reveal seed sampled.
		WrongSegment,
		/// The multiproof has more hashes than the paths of the revealed checkpoints at the
		/// commitment's tree depth.
		WrongPathLength,
		/// Segment 0 must start at the workload's start.
		WrongStart,
		/// The revealed checkpoints and the multiproof do not lead to the committed root (or a
		/// checkpoint is revealed with two values).
		InvalidMerkleProof,
		/// The device key did not sign this commitment for this chain, device, epoch and
		/// workload.
		BadSignature,
		/// The commitment was made for segments of another length, before an upgrade changed
		/// it: it is not checked, and its epoch is excused when the record is settled.
		WorkloadChanged,
	}

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Compute devices enrolled from genesis, each by its owner and checked as `enroll`
		/// checks it (a genesis compute device, active, once): challenged from epoch 1. The
		/// load harness's workers (`depin-provider bench --compute`).
		pub workers: alloc::vec::Vec<DeviceId>,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			SegmentLengthSince::<T>::put(LengthSince {
				segment_len: Pallet::<T>::segment_len(),
				epoch: 0,
			});
			depin_proving::devices::admit_at_genesis::<_, T::Registry, _>(
				&self.workers,
				"worker",
				Pallet::<T>::do_enroll,
			);
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::maybe_draw_reveal_seed(now)
		}

		fn on_idle(_now: BlockNumberFor<T>, remaining: Weight) -> Weight {
			Self::sweep_faults(remaining)
		}

		fn on_runtime_upgrade() -> Weight {
			Self::note_segment_length()
		}

		fn integrity_test() {
			assert!(
				T::SegmentLength::get() >= 1
					&& T::SegmentLength::get() <= T::MaxSegmentLength::get(),
				"SegmentLength must be within 1..=MaxSegmentLength"
			);
			assert!(
				T::Samples::get() >= 1 && T::Samples::get() <= T::MaxSamples::get(),
				"Samples must be within 1..=MaxSamples"
			);
			assert!(T::MaxTreeDepth::get() < 32, "MaxTreeDepth must be below 32");
			assert!(T::SegmentsPerUnit::get() >= 1, "SegmentsPerUnit must be at least 1");
			assert!(!T::CommitWindow::get().is_zero(), "CommitWindow must be positive");
			assert!(T::FaultThreshold::get() >= 1, "FaultThreshold must be at least 1");
			assert!(
				T::MaxBatch::get() >= 1 && T::MaxRevealBatch::get() >= 1,
				"batches must hold at least one item"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Enroll a compute device for capacity challenges, from the next epoch on. By its
		/// owner or manager; the device must be active.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::enroll())]
		pub fn enroll(origin: OriginFor<T>, device: DeviceId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_enroll(who, device)
		}

		/// Withdraw a device from capacity challenges. By its owner or manager (anyone once
		/// the device is gone), when its challenge of this epoch is answered or past its
		/// deadline. Faults up to now are recorded first.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::withdraw().saturating_add(Pallet::<T>::settle_weight()))]
		pub fn withdraw(origin: OriginFor<T>, device: DeviceId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_withdraw(who, device)
		}

		/// Submit workload commitments for any devices, within the commit window. Each is
		/// checked on its own (`WorkCommitted`, or `ItemRejected` with the reason). What the
		/// items refused before their signature did not use is refunded.
		#[pallet::call_index(2)]
		#[pallet::weight((Pallet::<T>::commits_weight(commits.len() as u32), DispatchClass::Operational))]
		pub fn commit_work(
			origin: OriginFor<T>,
			commits: WorkCommitsOf<T>,
		) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			Self::do_commit_work(commits)
		}

		/// Reveal the sampled segments of committed workloads, once the reveal seed is drawn
		/// and before the deadline. Each reveal is checked on its own: `WorkProven`,
		/// `WorkFaked` (a segment did not recompute: the device is suspended and slashed), or
		/// `ItemRejected` with the reason. Unused weight is refunded.
		#[pallet::call_index(3)]
		#[pallet::weight((Pallet::<T>::reveals_weight(reveals), DispatchClass::Operational))]
		pub fn reveal_work(
			origin: OriginFor<T>,
			reveals: WorkRevealsOf<T>,
		) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			Self::do_reveal_work(reveals)
		}
	}
}
