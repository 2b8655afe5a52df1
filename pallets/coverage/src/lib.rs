//! # Coverage pallet
//!
//! Proof of wireless coverage, verified on chain. See `README.md` for the design; in short:
//!
//! - **Roster.** A coverage device's owner or manager `join`s it to the beacon roster (a
//!   dense, bounded index of devices ready to beacon) and may `leave` it.
//! - **The beacon lottery.** In each proving epoch (the proofs pallet's epochs, seeded by BABE's
//!   VRF output) a device on the roster beacons if its ticket, a hash of the seed, the epoch and
//!   its id, falls under the odds of one in [`Config::BeaconInterval`]
//!   ([`depin_primitives::coverage::wins_beacon`]): about once an interval, each epoch on its own,
//!   however large the roster. Nothing is drawn and nothing is written when an epoch starts: a
//!   winner's slot is made by its first beacon. Each winner gets a **challenge** derived from the
//!   seed, which it signs into its beacon: no beacon exists before its epoch.
//! - **Beacons and witnesses.** The beaconer transmits a [`BeaconReport`] signed with its
//!   device key; its id is a hash of the report's fields (never of the signature's bytes). Once
//!   recorded the id is public, so receipts are taken only from devices registered where they
//!   are before the beacon was sent, and only for [`Config::ReceiptWindow`] blocks after the
//!   block that recorded it. Witnesses sign [`WitnessReceipt`]s (signal, SNR, frequency, block,
//!   cell).
//!   Anyone submits [`BeaconBundle`]s (a beacon and up to [`Config::MaxWitnesses`] receipts)
//!   in batches; every receipt is checked against the registry and a set of anti-collusion
//!   and plausibility rules, and every rejected one is reported with its reason.
//! - **Points.** Each valid witness, and the beaconer once a valid witness confirms its
//!   beacon, earn points scaled down where coverage devices that are heard crowd one H3 cell
//!   ([`density::density_scale`] of [`HeardCount::density`]: devices heard this epoch or the
//!   one before; registered devices never heard do not count), reported to [`Config::OnProofAccepted`] (the emission
//!   pallet's coverage pool).
//! - **Rings** ([`rings`]). Pairs that keep meeting earn less and less, one device's receipts
//!   earn at most [`Config::WitnessCap`] times an epoch, a beacon's witnesses have distinct
//!   operators and cells, and a hotspot the heard hotspots of its cell keep not witnessing
//!   loses its coverage share. The beacons of an ended epoch are judged by their neighbours in
//!   the blocks after it, [`Config::JudgedPerBlock`] a block (`on_initialize`), and a vouching
//!   lapses [`Config::VouchingLasts`] intervals after the beacon that last renewed it.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

pub mod density;
mod impls;
pub mod migrations;
mod queries;
pub mod rings;
pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use types::*;
pub use weights::WeightInfo;

/// A recorded beacon's record as stored.
pub type BeaconSlotOf<T> =
	BeaconSlot<frame_system::pallet_prelude::BlockNumberFor<T>, <T as Config>::MaxWitnesses>;

/// A bundle as the pallet's calls take it.
pub type BeaconBundleOf<T> =
	BeaconBundle<frame_system::pallet_prelude::BlockNumberFor<T>, <T as Config>::MaxWitnesses>;

/// A batch of bundles.
pub type BeaconBundlesOf<T> = frame_support::BoundedVec<BeaconBundleOf<T>, <T as Config>::MaxBatch>;

/// A receipt as the pallet's calls take it.
pub type WitnessReceiptOf<T> = WitnessReceipt<frame_system::pallet_prelude::BlockNumberFor<T>>;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use depin_proving::{OnProofAccepted, ProvingEpochs};
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;
	use pallet_devices::{DeviceId, DeviceRegistry};
	use sp_core::H256;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(4);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The device registry: devices, keys, owners, locations and per-cell counts.
		type Registry: DeviceRegistry<Self::AccountId, BlockNumber = BlockNumberFor<Self>>;

		/// The proving epochs (the proofs pallet): their indices, seeds and deadlines.
		type Epochs: ProvingEpochs<BlockNumberFor<Self>>;

		/// Told about the points of every valid witness and confirmed beacon (the emission
		/// pallet).
		type OnProofAccepted: OnProofAccepted;

		/// The lottery's odds: a device on the roster beacons in about one epoch in this many
		/// ([`depin_primitives::coverage::wins_beacon`]). 0 or 1: every epoch.
		#[pallet::constant]
		type BeaconInterval: Get<u32>;

		/// The most beacons recorded in one epoch: bounds the beacons judged after it. A
		/// winner's bundle beyond it is refused (`BeaconsFull`).
		#[pallet::constant]
		type MaxBeacons: Get<u32>;

		/// The most beacons of ended epochs judged in one block ([`Pallet::judge_ended`]), so
		/// judging an epoch's beacons is spread over the blocks of the next.
		#[pallet::constant]
		type JudgedPerBlock: Get<u32>;

		/// How long a device stays vouched for without a beacon that renews it, in
		/// [`Config::BeaconInterval`]s: a hotspot that stops beaconing when it wins (so that
		/// it is never judged) goes back on probation.
		#[pallet::constant]
		type VouchingLasts: Get<u32>;

		/// The most witnesses counted for one beacon, and the most receipts in one bundle.
		#[pallet::constant]
		type MaxWitnesses: Get<u32>;

		/// The most devices in the beacon roster.
		#[pallet::constant]
		type MaxRoster: Get<u32>;

		/// The most bundles in one batch.
		#[pallet::constant]
		type MaxBatch: Get<u32>;

		/// A witness in the beaconer's own cell at this H3 resolution is too close to prove
		/// anything.
		#[pallet::constant]
		type ExclusionResolution: Get<u8>;

		/// The H3 resolution witness distances are measured at, in grid steps.
		#[pallet::constant]
		type DistanceResolution: Get<u8>;

		/// The farthest a witness may be from the beaconer, in grid steps at
		/// [`Config::DistanceResolution`].
		#[pallet::constant]
		type MaxWitnessDistance: Get<u32>;

		/// How many blocks after a beacon's transmission a receipt may say it was heard.
		#[pallet::constant]
		type FreshnessWindow: Get<BlockNumberFor<Self>>;

		/// How many blocks after the block that first recorded a beacon its receipts are taken.
		/// The recorded beacon's id is public, so a later receipt proves nothing: anyone who
		/// read the chain could sign one.
		#[pallet::constant]
		type ReceiptWindow: Get<BlockNumberFor<Self>>;

		/// The signal strengths (dBm) a receipt may report, inclusive.
		#[pallet::constant]
		type SignalRange: Get<(i16, i16)>;

		/// The signal-to-noise ratios (tenths of a dB) a receipt may report, inclusive.
		#[pallet::constant]
		type SnrRange: Get<(i16, i16)>;

		/// Points of a confirmed beacon, before density scaling.
		#[pallet::constant]
		type BeaconPoints: Get<u64>;

		/// Points of a valid witness, before density scaling.
		#[pallet::constant]
		type WitnessPoints: Get<u64>;

		/// Coverage devices a density cell supports at full points.
		#[pallet::constant]
		type DensityTarget: Get<u32>;

		/// Coverage devices beyond which a density cell earns nothing more.
		#[pallet::constant]
		type DensityMax: Get<u32>;

		/// Meetings of two devices (one witnessing the other's beacon) that pay in full before
		/// reciprocity scales them down ([`rings::pair_scale`]).
		#[pallet::constant]
		type ReciprocityFree: Get<u32>;

		/// Epochs after which a pair's count of meetings halves.
		#[pallet::constant]
		type ReciprocityHalfLife: Get<u32>;

		/// The most partners a device's [`Standing`] remembers.
		#[pallet::constant]
		type MaxPartners: Get<u32>;

		/// The most receipts of one device that earn points in one epoch.
		#[pallet::constant]
		type WitnessCap: Get<u32>;

		/// The share of the hotspots heard in a beaconer's density cell that must witness its
		/// beacon for it to count as heard by its neighbours ([`rings::neighbour_verdict`]).
		#[pallet::constant]
		type NeighbourQuorum: Get<sp_runtime::Perbill>;

		/// Beacons in a row unheard by its neighbours after which a device loses its coverage
		/// share.
		#[pallet::constant]
		type UnheardLimit: Get<u32>;

		/// Epochs without a judge (a vouched hotspot in good standing that witnessed) heard in
		/// a density cell after which a newcomer's beacon there makes it a pioneer. Until
		/// then the cell is inhabited: a newcomer there is on probation, and nobody vouches
		/// for itself by beaconing while its neighbours happen to be quiet.
		#[pallet::constant]
		type PioneerAfter: Get<u32>;

		/// Weights of the calls and hooks.
		type WeightInfo: WeightInfo;
	}

	/// The beacon roster: devices ready to beacon, by slot `0..RosterSize`.
	#[pallet::storage]
	pub type Roster<T: Config> = StorageMap<_, Twox64Concat, RosterSlot, DeviceId>;

	/// The number of devices in the roster.
	#[pallet::storage]
	pub type RosterSize<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// The roster slot of each device in it.
	#[pallet::storage]
	pub type RosterSlotOf<T: Config> = StorageMap<_, Twox64Concat, DeviceId, RosterSlot>;

	/// The beacons recorded in each epoch and not judged yet: those of the epoch in progress,
	/// and of ended epochs until [`Pallet::judge_ended`] reaches them.
	#[pallet::storage]
	pub type Beacons<T: Config> =
		StorageDoubleMap<_, Twox64Concat, EpochIndex, Twox64Concat, DeviceId, BeaconSlotOf<T>>;

	/// The beacons recorded in each epoch whose beacons are not all judged yet (at most
	/// `MaxBeacons`).
	#[pallet::storage]
	pub type BeaconCount<T: Config> = StorageMap<_, Twox64Concat, EpochIndex, u32, ValueQuery>;

	/// The first epoch whose beacons may not all be judged: every beacon of an earlier epoch
	/// is.
	#[pallet::storage]
	pub type JudgedFrom<T: Config> = StorageValue<_, EpochIndex, ValueQuery>;

	/// The coverage devices heard per density cell, this epoch and the one before: what
	/// points scale by.
	#[pallet::storage]
	pub type HeardInCell<T: Config> =
		StorageMap<_, Blake2_128Concat, pallet_devices::h3::H3Cell, HeardCount, ValueQuery>;

	/// The judges of each density cell: the exclusion cells (`ExclusionResolution`) in which
	/// a vouched device in good standing witnessed a beacon, this epoch and the one before
	/// (their `epoch` is the last epoch one did): what a beacon there is judged by. Cells,
	/// not devices: a beacon's witnesses stand in distinct exclusion cells, none in its own,
	/// so hotspots packed into one cell count once. Witnesses, not every hotspot heard: one
	/// that never witnesses (a deaf or lying receiver) cannot be expected to hear anyone.
	#[pallet::storage]
	pub type VouchedCellsIn<T: Config> =
		StorageMap<_, Blake2_128Concat, pallet_devices::h3::H3Cell, HeardCount, ValueQuery>;

	/// The last epoch each density cell was known to be inhabited: a device there was vouched
	/// for (its beacon judged heard, or a pioneer's), or a judge witnessed there. Within
	/// `PioneerAfter` epochs of it, a newcomer there is on probation and its beacon makes no
	/// pioneer: a quiet spell of the hotspots there is no empty place to claim.
	#[pallet::storage]
	pub type InhabitedIn<T: Config> =
		StorageMap<_, Blake2_128Concat, pallet_devices::h3::H3Cell, EpochIndex>;

	/// Whether a judge witnessed in each exclusion cell, this epoch and the one before (each
	/// count 0 or 1): so [`VouchedCellsIn`] is counted once per cell and epoch, and a beacon
	/// is judged without its own cell.
	#[pallet::storage]
	pub type LastVouchedIn<T: Config> =
		StorageMap<_, Blake2_128Concat, pallet_devices::h3::H3Cell, HeardCount, ValueQuery>;

	/// The last epoch each coverage device was heard in (counted in [`HeardInCell`] once per
	/// epoch). Removed when the device retires.
	#[pallet::storage]
	pub type LastHeard<T: Config> = StorageMap<_, Twox64Concat, DeviceId, EpochIndex>;

	/// What the ring rules remember of each coverage device: its earning receipts this epoch,
	/// its beacons unheard by its neighbours in a row, its recent partners. Removed when the
	/// device retires.
	#[pallet::storage]
	pub type Standings<T: Config> =
		StorageMap<_, Twox64Concat, DeviceId, Standing<T::MaxPartners>, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A device joined the beacon roster.
		Joined {
			/// The device.
			device: DeviceId,
			/// Its slot.
			slot: RosterSlot,
		},
		/// A device left the beacon roster.
		Left {
			/// The device.
			device: DeviceId,
		},
		/// A beacon was recorded.
		BeaconRecorded {
			/// The beaconer.
			device: DeviceId,
			/// The epoch.
			epoch: EpochIndex,
			/// The beacon's id.
			beacon: H256,
		},
		/// A bundle's valid witnesses confirmed a beacon: the beaconer earned `points`, once a
		/// bundle. Emitted again by a later bundle, with the points added, when a witness in it
		/// the beaconer met less often raises them.
		BeaconConfirmed {
			/// The beaconer.
			device: DeviceId,
			/// The epoch.
			epoch: EpochIndex,
			/// Points earned, after density scaling.
			points: u64,
		},
		/// A witness receipt was accepted.
		WitnessAccepted {
			/// The beaconer.
			beaconer: DeviceId,
			/// The witness.
			witness: DeviceId,
			/// The epoch.
			epoch: EpochIndex,
			/// Points the witness earned, after density scaling.
			points: u64,
		},
		/// A witness receipt was rejected; nothing of it was stored.
		WitnessRejected {
			/// The beaconer.
			beaconer: DeviceId,
			/// The witness it claimed to be from.
			witness: DeviceId,
			/// Why.
			reason: WitnessRejection,
		},
		/// A bundle in a batch was rejected as a whole; nothing of it was stored.
		ItemRejected {
			/// Its position in the batch.
			index: u32,
			/// The beaconer it claimed to be from.
			device: DeviceId,
			/// Why.
			error: DispatchError,
		},
		/// A beacon of an ended epoch was judged by the hotspots heard around its beaconer.
		NeighboursJudged {
			/// The beaconer.
			device: DeviceId,
			/// The beacon's epoch.
			epoch: EpochIndex,
			/// The exclusion cells of its density cell, its own aside, where a vouched device
			/// in good standing was heard in that epoch or the one before.
			heard: u32,
			/// How many of them witnessed the beacon.
			witnessed: u32,
			/// Its beacons unheard by its neighbours in a row, this one included (0 if heard).
			unheard: u32,
		},
		/// A batch was processed.
		BatchProcessed {
			/// Bundles accepted.
			accepted: u32,
			/// Bundles rejected (each reported by `ItemRejected`).
			rejected: u32,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No such device in the registry.
		UnknownDevice,
		/// Only the device's owner or manager may do this.
		NotDeviceOperator,
		/// Only coverage devices beacon.
		NotCoverageDevice,
		/// The device is suspended or retired; resume it first.
		DeviceNotActive,
		/// The device's location is coarser than the exclusion or distance resolution:
		/// register a finer location first.
		LocationTooCoarse,
		/// The device is already in the roster.
		AlreadyJoined,
		/// The device is not in the roster.
		NotJoined,
		/// The roster has `MaxRoster` devices.
		RosterFull,
		/// The batch is empty.
		EmptyBatch,
		/// The epoch has not started.
		EpochNotStarted,
		/// The epoch is over; only the current epoch's beacons count.
		StaleEpoch,
		/// The current epoch's response window has closed.
		DeadlinePassed,
		/// The device does not beacon in this epoch: it is not on the roster, or its lottery
		/// ticket did not win.
		NotBeaconer,
		/// The beacon says it was sent before its epoch started or after the current block.
		BadSentAt,
		/// The device key did not sign this beacon for this chain, epoch and challenge.
		BadSignature,
		/// Another beacon of this beaconer is already recorded in this epoch: receipts must
		/// come with that one.
		BeaconMismatch,
		/// This epoch has recorded `MaxBeacons` beacons: no more are taken until the next.
		BeaconsFull,
	}

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Devices on the beacon roster from genesis: each joined by its owner and checked as
		/// `join` checks it (a genesis coverage device, active, located at least as finely as
		/// the exclusion and distance resolutions, once, within `MaxRoster`). The load
		/// harness's hotspots (`depin-provider bench`), which then beacon from epoch 1.
		pub roster: alloc::vec::Vec<DeviceId>,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			depin_proving::devices::admit_at_genesis::<_, T::Registry, _>(
				&self.roster,
				"roster device",
				Pallet::<T>::do_join,
			);
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Judge the beacons of ended epochs, at most `JudgedPerBlock` a block.
		fn on_initialize(_n: BlockNumberFor<T>) -> Weight {
			Self::judge_ended()
		}

		fn integrity_test() {
			assert!(T::JudgedPerBlock::get() >= 1, "JudgedPerBlock must be at least 1");
			assert!(T::MaxWitnesses::get() >= 1, "MaxWitnesses must be at least 1");
			assert!(T::MaxBatch::get() >= 1, "MaxBatch must be at least 1");
			assert!(
				T::ExclusionResolution::get() <= pallet_devices::h3::MAX_RESOLUTION
					&& T::DistanceResolution::get() <= pallet_devices::h3::MAX_RESOLUTION,
				"the exclusion and distance resolutions must be H3 resolutions"
			);
			let (low, high) = T::SignalRange::get();
			assert!(low <= high, "SignalRange must not be empty");
			let (low, high) = T::SnrRange::get();
			assert!(low <= high, "SnrRange must not be empty");
			assert!(T::DensityTarget::get() >= 1, "DensityTarget must be at least 1");
			assert!(
				T::DensityMax::get() >= T::DensityTarget::get(),
				"DensityMax must not be below DensityTarget"
			);
			assert!(T::MaxPartners::get() >= 1, "MaxPartners must be at least 1");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Put a coverage device in the beacon roster, whose devices hold a ticket in each
		/// epoch's beacon lottery. By its owner or manager; the device must be active and located at least as
		/// finely as the exclusion and distance resolutions.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::join())]
		pub fn join(origin: OriginFor<T>, device: DeviceId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_join(who, device)
		}

		/// Take a device out of the beacon roster. By its owner or manager, or by anyone once
		/// the device is retired or gone. A beacon it recorded in this epoch stands; it wins no
		/// more.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::leave())]
		pub fn leave(origin: OriginFor<T>, device: DeviceId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_leave(who, device)
		}

		/// Submit beacons with their witness receipts, for any beaconers. Each bundle is
		/// checked on its own (`ItemRejected` with the reason, or its beacon recorded), and
		/// each receipt of an accepted bundle too (`WitnessAccepted` or `WitnessRejected`
		/// with the reason). The weight of rejected bundles is refunded.
		#[pallet::call_index(2)]
		#[pallet::weight((Pallet::<T>::bundles_weight(bundles), DispatchClass::Operational))]
		pub fn submit_beacons(
			origin: OriginFor<T>,
			bundles: BeaconBundlesOf<T>,
		) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			Self::do_submit_beacons(bundles)
		}
	}
}
