//! # Sensors pallet
//!
//! Sensor data, checked on chain: weather stations, vehicle telematics, map capture, energy
//! meters. See `README.md` for the design; in short:
//!
//! - **Schemas.** Governance ([`Config::SchemaOrigin`]) registers what a kind of station
//!   measures: its fields, each with a unit, a valid range and a neighbour tolerance, and the
//!   fewest seconds between two readings. A sensor device's operator `enroll`s it under one.
//! - **Attestations.** Each epoch a device attests its batch of readings: the Merkle root over
//!   them, their count and time span, and a summary (min, max, mean) per field, signed by its
//!   key for its registered cell. One signature covers up to 2^20 readings; the readings stay
//!   with the provider. The chain checks the summaries against the schema's ranges, the span
//!   against the clock and the device's previous batch (no overlap, no backfill older than
//!   [`Config::MaxSpan`]), and the count against the span (no more readings than the
//!   schema's interval allows).
//! - **Audits.** The next epoch's seed samples [`Config::Samples`] readings by index; the
//!   device reveals them with their Merkle paths in that epoch. A revealed reading outside its
//!   own attested summary, or outside the time slot its index leaves it, is fraud signed by
//!   the device: it is suspended and slashed [`Config::FraudSlash`]. An attestation left
//!   unrevealed past its audit's deadline is punished the same way (a liar whose sample would
//!   expose it cannot just stay silent).
//! - **Quality.** At its audit, an attestation is compared with the devices of the same
//!   schema and other owners that attested in the same epoch in its neighbourhood: the cells
//!   within [`Config::NeighbourhoodRings`] grid steps of its home cell (its registered cell's
//!   parent at [`Config::NeighbourhoodResolution`]). A field passes when its min, mean and max
//!   lie within the schema's tolerance of the neighbours' medians. With fewer than
//!   [`Config::MinNeighbours`] neighbours the data is unverified and earns
//!   [`Config::UnverifiedQuality`]. A full home cell keeps the devices of the lowest ranks,
//!   drawn from the epoch's seed; an epoch's home cells are swept in `on_idle` once no audit
//!   reads them.
//! - **Points.** An audited attestation earns a point a second of coverage (`count ×
//!   interval`) times its quality, reported to [`Config::OnProofAccepted`] (the emission
//!   pallet's sensor pool) in the audit's epoch. On chain, nothing tells made-up readings that
//!   agree with real ones from real ones, so the pool is meant to be capped by what data buyers
//!   pay (HIP-10, as storage and compute are): see `README.md`.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

mod impls;
pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use depin_primitives::RuntimeHasher;
pub use depin_proving::{OnProofAccepted, ProvingEpochs};
pub use types::*;
pub use weights::WeightInfo;

/// A batch of attestations.
pub type AttestationsOf<T> = frame_support::BoundedVec<Attestation, <T as Config>::MaxBatch>;

/// A reveal as the pallet's calls take it.
pub type ReadingsRevealOf<T> = ReadingsReveal<<T as Config>::MaxSamples>;

/// A batch of reveals.
pub type RevealsOf<T> =
	frame_support::BoundedVec<ReadingsRevealOf<T>, <T as Config>::MaxRevealBatch>;

/// A sensor device's record with the runtime's types.
pub type SensorStateOf<T> = SensorState<<T as frame_system::Config>::AccountId>;

/// An attestation waiting for its audit, with the runtime's types.
pub type PendingOf<T> = Pending<<T as frame_system::Config>::AccountId>;

/// The devices counted in a home cell in an epoch, with the runtime's types.
pub type MembersOf<T> = frame_support::BoundedVec<
	Neighbour<<T as frame_system::Config>::AccountId>,
	<T as Config>::MaxNeighbours,
>;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{pallet_prelude::*, traits::UnixTime};
	use frame_system::pallet_prelude::*;
	use pallet_devices::{DeviceId, DeviceRegistry};
	use sp_runtime::Perbill;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The device registry: devices, keys, owners, locations, suspension and slashing.
		type Registry: DeviceRegistry<Self::AccountId, BlockNumber = BlockNumberFor<Self>>;

		/// The proving epochs (the epochs pallet): their indices, seeds and deadlines.
		type Epochs: ProvingEpochs<BlockNumberFor<Self>>;

		/// The wall clock (the timestamp pallet): what readings' times are checked against.
		type Time: UnixTime;

		/// Who registers and retires schemas (governance).
		type SchemaOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Told about every audited attestation: the emission pallet's sensor pool.
		type OnProofAccepted: OnProofAccepted;

		/// The resolution neighbourhoods are measured at: a device's home cell is its
		/// registered cell's parent at this resolution. At most the registry's coarsest
		/// allowed resolution, so that every home cell is at this resolution.
		#[pallet::constant]
		type NeighbourhoodResolution: Get<u8>;

		/// The radius of a neighbourhood, in cells at `NeighbourhoodResolution`: a device's
		/// neighbours are the devices whose home cells lie within this many grid steps of its
		/// own (a k-ring; 1 to `depin_primitives::h3::MAX_DISK_K`).
		#[pallet::constant]
		type NeighbourhoodRings: Get<u32>;

		/// The most devices of one schema counted in a home cell in an epoch: those of the
		/// lowest ranks (drawn from the epoch's seed). The others are audited and scored against
		/// their neighbours, but not counted as anyone's neighbour.
		#[pallet::constant]
		type MaxNeighbours: Get<u32>;

		/// The fewest neighbours (of other owners) an attestation is compared with, at least 3
		/// (the median of two is their mean, which one liar drags); with fewer, its data is
		/// unverified.
		#[pallet::constant]
		type MinNeighbours: Get<u32>;

		/// The quality of unverified data: the share of its readings it earns points for.
		#[pallet::constant]
		type UnverifiedQuality: Get<Perbill>;

		/// Readings sampled per attestation, 1 to [`Config::MaxSamples`] (fewer if the batch
		/// has fewer readings).
		#[pallet::constant]
		type Samples: Get<u32>;

		/// The bound of [`Config::Samples`].
		#[pallet::constant]
		type MaxSamples: Get<u32>;

		/// The longest span (seconds) one attestation covers, and how long ago its first
		/// reading may be.
		#[pallet::constant]
		type MaxSpan: Get<u64>;

		/// How far (seconds) a reading's time may be ahead of the chain's clock.
		#[pallet::constant]
		type MaxClockDrift: Get<u64>;

		/// The fraction of its deposit a device loses when its reveal gives it away, or when
		/// it leaves an attestation unrevealed.
		#[pallet::constant]
		type FraudSlash: Get<Perbill>;

		/// The most attestations in one batch.
		#[pallet::constant]
		type MaxBatch: Get<u32>;

		/// The most reveals in one batch.
		#[pallet::constant]
		type MaxRevealBatch: Get<u32>;

		/// Weights of the calls.
		type WeightInfo: WeightInfo;
	}

	/// Every schema ever registered.
	#[pallet::storage]
	pub type Schemas<T: Config> = StorageMap<_, Twox64Concat, SchemaId, SchemaRecord>;

	/// The number the next schema gets.
	#[pallet::storage]
	pub type NextSchema<T: Config> = StorageValue<_, SchemaId, ValueQuery>;

	/// The record of every enrolled sensor device.
	#[pallet::storage]
	pub type Sensors<T: Config> = StorageMap<_, Twox64Concat, DeviceId, SensorStateOf<T>>;

	/// The devices of each schema that attested in each home cell, by epoch: what their
	/// neighbours' audits compare with. An epoch's are swept in `on_idle` once no audit reads
	/// them ([`AUDIT_EPOCHS`] after it). Cells are chosen by registrants.
	#[pallet::storage]
	pub type Neighbourhoods<T: Config> =
		StorageDoubleMap<_, Twox64Concat, EpochIndex, Blake2_128Concat, HomeKey, MembersOf<T>>;

	/// The sweep of old neighbourhoods: every epoch before this one is swept.
	#[pallet::storage]
	pub type SweptTo<T: Config> = StorageValue<_, EpochIndex, ValueQuery>;

	/// Where the sweep of epoch [`SweptTo`] stopped, if it did.
	#[pallet::storage]
	pub type SweepCursor<T: Config> = StorageValue<_, BoundedVec<u8, ConstU32<256>>>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Governance registered a schema.
		SchemaRegistered {
			/// Its number.
			schema: SchemaId,
			/// Its fields.
			fields: u32,
		},
		/// Governance retired a schema: no device enrolls or attests under it any more.
		SchemaRetired {
			/// The schema.
			schema: SchemaId,
		},
		/// A sensor device enrolled under a schema.
		Enrolled {
			/// The device.
			device: DeviceId,
			/// The schema.
			schema: SchemaId,
		},
		/// A sensor device withdrew.
		Withdrawn {
			/// The device.
			device: DeviceId,
		},
		/// A device attested a batch of readings.
		Attested {
			/// The device.
			device: DeviceId,
			/// The epoch.
			epoch: EpochIndex,
			/// The root over the readings.
			root: sp_core::H256,
			/// The readings.
			readings: u32,
			/// The epoch its audit is in.
			audit_in: EpochIndex,
			/// Whether it was counted in its home cell as a neighbour of others (a full cell
			/// keeps the `MaxNeighbours` devices of the lowest ranks; a later one of lower rank
			/// may take its place).
			counted: bool,
		},
		/// A device's sampled readings matched its attestation: its readings earn points by
		/// their quality.
		ReadingsVerified {
			/// The device.
			device: DeviceId,
			/// The epoch of the attestation.
			epoch: EpochIndex,
			/// The readings attested.
			readings: u32,
			/// How they compared with their neighbours.
			quality: Quality,
			/// The points earned, in the epoch of the audit.
			points: u64,
		},
		/// A revealed reading lay outside the device's own attested summary, or outside the
		/// time its index leaves it: the device is suspended and slashed.
		ReadingsFaked {
			/// The device.
			device: DeviceId,
			/// The epoch of the attestation.
			epoch: EpochIndex,
			/// The reading that gave it away.
			index: u32,
		},
		/// A device did not reveal its sampled readings by its audit's deadline: it is
		/// suspended and slashed `FraudSlash`, as if caught faking.
		ReadingsUnrevealed {
			/// The device.
			device: DeviceId,
			/// The epoch of the attestation.
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
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No such device in the registry.
		UnknownDevice,
		/// Only the device's owner or manager may do this.
		NotDeviceOperator,
		/// Only sensor devices attest readings.
		NotSensorDevice,
		/// The device is suspended or retired; resume it first.
		DeviceNotActive,
		/// The epoch has not started.
		EpochNotStarted,
		/// The epoch is over; only the current epoch's attestations count.
		StaleEpoch,
		/// The current epoch's response window has closed.
		DeadlinePassed,
		/// A schema needs at least one field, every field a range with `min ≤ max`, and an
		/// interval of at least a second.
		InvalidSchema,
		/// No schema has this number.
		UnknownSchema,
		/// The schema is retired.
		SchemaRetired,
		/// The device is already enrolled.
		AlreadyEnrolled,
		/// The device is not enrolled.
		NotEnrolled,
		/// The device's last attestation waits for its audit: reveal its sampled readings
		/// first (or, after its deadline, it is punished when the device is next touched).
		AuditPending,
		/// The device already attested in this epoch.
		AlreadyAttested,
		/// The attestation is not under the schema the device enrolled with.
		WrongSchema,
		/// The attestation must carry one summary per field of the schema.
		WrongFieldCount,
		/// A summary is impossible (`min ≤ mean ≤ max` fails) or leaves its field's range.
		OutOfRange,
		/// An attestation covers at least one reading.
		NoReadings,
		/// More readings than `2^20`, or than the span allows at the schema's interval.
		TooManyReadings,
		/// The last reading is before the first.
		BadTimeSpan,
		/// A reading is later than the chain's clock (plus `MaxClockDrift`).
		FromTheFuture,
		/// The first reading is older than `MaxSpan`, or not after the device's last attested
		/// reading.
		Overlaps,
		/// The device key did not sign this attestation for this chain, device, epoch and cell.
		BadSignature,
		/// The batch is empty.
		EmptyBatch,
		/// The device has no attestation of this epoch waiting for its audit.
		NotAttested,
		/// The audit of this attestation is in a later epoch (its seed is not drawn yet).
		AuditNotOpen,
		/// The reveal must carry exactly `Samples` readings (all of them, for a smaller
		/// batch).
		WrongSampleCount,
		/// A reading is not the one the seed sampled.
		WrongReading,
		/// A Merkle path does not have the batch's tree depth.
		WrongPathLength,
		/// A reading and its path do not lead to the attested root.
		InvalidMerkleProof,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_idle(_now: BlockNumberFor<T>, remaining: Weight) -> Weight {
			Self::sweep_neighbourhoods(remaining)
		}

		fn integrity_test() {
			assert!(
				T::Samples::get() >= 1 && T::Samples::get() <= T::MaxSamples::get(),
				"Samples must be within 1..=MaxSamples"
			);
			assert!(
				T::MaxSamples::get() <= depin_primitives::sensor::MAX_SAMPLES,
				"MaxSamples must be at most the tools' bound"
			);
			assert!(
				T::MinNeighbours::get() >= 3,
				"MinNeighbours must be at least 3: the median of two is dragged by one liar"
			);
			assert!(
				T::MaxNeighbours::get() > T::MinNeighbours::get(),
				"MaxNeighbours must be above MinNeighbours"
			);
			assert!(
				T::NeighbourhoodResolution::get() <= depin_primitives::h3::MAX_RESOLUTION,
				"NeighbourhoodResolution must be a resolution"
			);
			assert!(
				(1..=depin_primitives::h3::MAX_DISK_K).contains(&T::NeighbourhoodRings::get()),
				"NeighbourhoodRings must be within 1..=MAX_DISK_K"
			);
			assert!(T::MaxSpan::get() >= 1, "MaxSpan must be positive");
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
		/// Register a schema (governance). Its number is `NextSchema`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_schema())]
		pub fn register_schema(origin: OriginFor<T>, schema: Schema) -> DispatchResult {
			T::SchemaOrigin::ensure_origin(origin)?;
			Self::do_register_schema(schema)
		}

		/// Retire a schema (governance): devices enrolled under it attest no more, and none
		/// enrolls under it; audits of attestations already made go on.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::retire_schema())]
		pub fn retire_schema(origin: OriginFor<T>, schema: SchemaId) -> DispatchResult {
			T::SchemaOrigin::ensure_origin(origin)?;
			Self::do_retire_schema(schema)
		}

		/// Enroll a sensor device under a schema. By its owner or manager; the device must be
		/// active.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::enroll())]
		pub fn enroll(origin: OriginFor<T>, device: DeviceId, schema: SchemaId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_enroll(who, device, schema)
		}

		/// Withdraw a device. By its owner or manager (anyone once the device is gone), when
		/// no audit of it is open; an attestation left unrevealed past its deadline is
		/// punished first.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::withdraw().saturating_add(Pallet::<T>::punish_weight()))]
		pub fn withdraw(origin: OriginFor<T>, device: DeviceId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_withdraw(who, device)
		}

		/// Submit attestations for any devices. Each is checked on its own (`Attested`, or
		/// `ItemRejected` with the reason).
		#[pallet::call_index(4)]
		#[pallet::weight(Pallet::<T>::attestations_weight(attestations.len() as u32))]
		pub fn attest(
			origin: OriginFor<T>,
			attestations: AttestationsOf<T>,
		) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			Self::do_attest(attestations)
		}

		/// Reveal the sampled readings of attestations, in their audit's epoch and before its
		/// deadline. Each is checked on its own: `ReadingsVerified`, `ReadingsFaked` (the
		/// device is suspended and slashed), or `ItemRejected` with the reason.
		#[pallet::call_index(5)]
		#[pallet::weight(Pallet::<T>::reveals_weight(reveals.len() as u32))]
		pub fn reveal(origin: OriginFor<T>, reveals: RevealsOf<T>) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			Self::do_reveal(reveals)
		}
	}
}
