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
//! - **Points.** An audited attestation is worth a point a second of coverage (`count ×
//!   interval`) times its quality; a device its full home cell did not count is worth none.
//! - **Data buyers.** A buyer subscribes to a schema's data in an area (a cell at
//!   [`Config::AreaResolution`]) at a price a point, with a held budget, for a span of epochs.
//!   Each audit in the area pays the device's owner `points × price` from every such
//!   subscription, less the protocol fee [`Config::DataFee`], burned; the fee is the device's
//!   usage (`depin_proving::usage`): its points in the emission pallet's sensor pool and the
//!   most they are paid. Nothing on chain tells made-up readings that agree with real ones from
//!   real ones, so data nobody buys earns nothing, and buying one's own data burns at least
//!   what the pool pays back.
//! - **Energy trades.** A consuming meter's owner offers a producing meter's owner a
//!   price a unit (a watt-hour) for a span of epochs; once both meters' batches of an epoch
//!   passed their audits, the epoch settles at the smaller of the advances of one's produced
//!   register and the other's consumed register (every audit reveals a batch's last reading).
//!   Settlements wait out a dispute window before they are paid; a disputed trade is decided
//!   by [`Config::DisputeOrigin`]. See `energy.rs` and `README.md`.
//! - **Makers.** Governance trusts makers of a schema's hardware (`add_maker`), each with a
//!   key and a cap of devices; a device's operator `certify`s it with its maker's signature of
//!   its key. A schema that governance has made `require_certificates` takes attestations from
//!   devices whose current key a trusted maker of that schema certified only: a station that
//!   copies its neighbours' data needs a real device of its own. See `makers.rs`.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

mod energy;
mod impls;
mod makers;
mod market;
pub mod migrations;
mod queries;
pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod energy_tests;
#[cfg(test)]
mod makers_tests;
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

/// The balance type of the pallet's currency.
pub type BalanceOf<T> = <<T as Config>::Currency as frame_support::traits::fungible::Inspect<
	<T as frame_system::Config>::AccountId,
>>::Balance;

/// What the pallet's currency moves when it burns a fee.
pub type CreditOf<T> = frame_support::traits::fungible::Credit<
	<T as frame_system::Config>::AccountId,
	<T as Config>::Currency,
>;

/// A subscription with the runtime's types.
pub type SubscriptionOf<T> = Subscription<<T as frame_system::Config>::AccountId, BalanceOf<T>>;

/// An area's subscriptions.
pub type AreaSubscriptionsOf<T> =
	frame_support::BoundedVec<SubscriptionId, <T as Config>::MaxSubscriptions>;

/// An energy trade with the runtime's types.
pub type EnergyTradeOf<T> = EnergyTrade<<T as frame_system::Config>::AccountId, BalanceOf<T>>;

/// The terms of a trade offer, with the runtime's types.
pub type TradeTermsOf<T> = TradeTerms<BalanceOf<T>>;

/// A meter's trades.
pub type DeviceTradesOf<T> = frame_support::BoundedVec<TradeId, <T as Config>::MaxDeviceTrades>;

/// The devices counted in a home cell in an epoch, with the runtime's types.
pub type MembersOf<T> = frame_support::BoundedVec<
	Neighbour<<T as frame_system::Config>::AccountId>,
	<T as Config>::MaxNeighbours,
>;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		traits::{fungible, OnUnbalanced, UnixTime},
	};
	use frame_system::pallet_prelude::*;
	use pallet_devices::{DeviceId, DeviceKey, DeviceRegistry, DeviceSignature};
	use sp_runtime::Perbill;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Why the pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A subscription's budget and deposit, until they are paid out or it closes.
		Subscription,
		/// An energy trade's budget, its settlements until paid, and its deposit.
		Trade,
	}

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

		/// Told about the data sold at every audit and the fee it burned (the emission
		/// pallet: its sensor pool, each device's reward capped by its fees).
		type OnProofAccepted: OnProofAccepted;

		/// Holds subscriptions' budgets, pays them out and takes the protocol fee.
		type Currency: fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ fungible::BalancedHold<Self::AccountId>
			+ fungible::Mutate<Self::AccountId>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// Takes the protocol fee of every sale (the runtime burns it).
		type FeeDestination: OnUnbalanced<CreditOf<Self>>;

		/// The share of every payment for data taken as the protocol fee. The fee is what the
		/// sale earns in sensor points and the most those points are paid.
		#[pallet::constant]
		type DataFee: Get<Perbill>;

		/// The data fee that earns one sensor point.
		#[pallet::constant]
		type FeePerPoint: Get<BalanceOf<Self>>;

		/// The resolution of the areas buyers subscribe to: at most `NeighbourhoodResolution`,
		/// so each home cell lies in one area.
		#[pallet::constant]
		type AreaResolution: Get<u8>;

		/// The most subscriptions to a schema's data in an area: each audit there pays them
		/// all. A full area takes a new one in place of a spent one, or of the lowest price if
		/// the newcomer offers more.
		#[pallet::constant]
		type MaxSubscriptions: Get<u32>;

		/// The most epochs one subscription spans.
		#[pallet::constant]
		type MaxSubscriptionEpochs: Get<EpochIndex>;

		/// The deposit for a subscription's storage, held until it closes.
		#[pallet::constant]
		type SubscriptionDeposit: Get<BalanceOf<Self>>;

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

		/// Readings sampled at random per attestation, 1 to [`Config::MaxSamples`] − 1; the
		/// last reading is revealed too (all of a smaller batch).
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

		/// The deposit for an energy trade's storage, held until it closes.
		#[pallet::constant]
		type TradeDeposit: Get<BalanceOf<Self>>;

		/// Epochs a trade's settlement waits, disputable, before it is paid (at most
		/// `depin_primitives::sensor::MAX_DISPUTE_EPOCHS`).
		#[pallet::constant]
		type TradeDisputeEpochs: Get<u32>;

		/// The most trades one meter is in (offers included for the consuming meter): each of
		/// its audits settles them all.
		#[pallet::constant]
		type MaxDeviceTrades: Get<u32>;

		/// Decides disputed trades.
		type DisputeOrigin: EnsureOrigin<Self::RuntimeOrigin>;

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

	/// Every open subscription.
	#[pallet::storage]
	pub type Subscriptions<T: Config> =
		StorageMap<_, Twox64Concat, SubscriptionId, SubscriptionOf<T>>;

	/// The open subscriptions to each schema's data in each area: what an audit there pays.
	/// Areas are chosen by buyers.
	#[pallet::storage]
	pub type AreaSubscriptions<T: Config> =
		StorageMap<_, Blake2_128Concat, AreaKey, AreaSubscriptionsOf<T>>;

	/// The number the next subscription gets.
	#[pallet::storage]
	pub type NextSubscription<T: Config> = StorageValue<_, SubscriptionId, ValueQuery>;

	/// Every open energy trade, offered or accepted.
	#[pallet::storage]
	pub type Trades<T: Config> = StorageMap<_, Twox64Concat, TradeId, EnergyTradeOf<T>>;

	/// The trades of each meter: the consuming meter's from the offer, the producing meter's
	/// once accepted. What its audits settle.
	#[pallet::storage]
	pub type DeviceTrades<T: Config> = StorageMap<_, Twox64Concat, DeviceId, DeviceTradesOf<T>>;

	/// The registers of each meter in a trade, as its last audit left them. Taken when it enters
	/// its first trade, forgotten when it leaves its last.
	#[pallet::storage]
	pub type Meters<T: Config> = StorageMap<_, Twox64Concat, DeviceId, MeterState>;

	/// The number the next trade gets.
	#[pallet::storage]
	pub type NextTrade<T: Config> = StorageValue<_, TradeId, ValueQuery>;

	/// The makers governance trusts to vouch for device keys, by number.
	#[pallet::storage]
	pub type Makers<T: Config> = StorageMap<_, Twox64Concat, MakerId, Maker>;

	/// The number the next maker gets.
	#[pallet::storage]
	pub type NextMaker<T: Config> = StorageValue<_, MakerId, ValueQuery>;

	/// The maker that certified each device key: the certificate belongs to the key (the
	/// hardware), whatever device record holds it, so a key re-registered keeps it and a
	/// maker's cap counts it once. At most the certificates makers were ever allowed.
	#[pallet::storage]
	pub type Certificates<T: Config> = StorageMap<_, Blake2_128Concat, DeviceKey, MakerId>;

	/// The schemas that take attestations from certified devices only.
	#[pallet::storage]
	pub type CertificatesRequired<T: Config> = StorageMap<_, Twox64Concat, SchemaId, ()>;

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
		/// A device's sampled readings matched its attestation: the area's subscriptions pay
		/// for its points (`DataSold`).
		ReadingsVerified {
			/// The device.
			device: DeviceId,
			/// The epoch of the attestation.
			epoch: EpochIndex,
			/// The readings attested.
			readings: u32,
			/// How they compared with their neighbours.
			quality: Quality,
			/// The points it is paid for: a second of coverage at full quality each (`count ×
			/// interval`, times the share its quality passes). None for a device its full home
			/// cell did not count.
			points: u64,
		},
		/// A buyer subscribed to a schema's data in an area; its budget and deposit are held.
		Subscribed {
			/// The subscription.
			subscription: SubscriptionId,
			/// The buyer.
			buyer: T::AccountId,
			/// The schema.
			schema: SchemaId,
			/// The area.
			area: H3Cell,
			/// The price of a point.
			price: BalanceOf<T>,
			/// The budget.
			budget: BalanceOf<T>,
			/// The first epoch whose data it buys.
			first: EpochIndex,
			/// The last.
			last: EpochIndex,
		},
		/// A subscription paid for an audited attestation: the device's owner was paid and the
		/// protocol fee burned. The buyer's tool fetches the batch by its root.
		DataSold {
			/// The subscription.
			subscription: SubscriptionId,
			/// The device.
			device: DeviceId,
			/// The epoch of the attestation.
			epoch: EpochIndex,
			/// The root over its readings.
			root: sp_core::H256,
			/// The readings.
			readings: u32,
			/// Paid to the device's owner.
			paid: BalanceOf<T>,
			/// Burned as the protocol fee.
			fee: BalanceOf<T>,
		},
		/// A subscription closed (its span over, or its budget spent): the rest of its budget
		/// and its deposit went back to the buyer.
		SubscriptionClosed {
			/// The subscription.
			subscription: SubscriptionId,
			/// What went back.
			refunded: BalanceOf<T>,
		},
		/// A subscription was outbid in its full area, or had spent its budget there: it
		/// closed, and the rest of its budget and its deposit went back to the buyer.
		SubscriptionOutbid {
			/// The subscription.
			subscription: SubscriptionId,
			/// The one that took its place.
			by: SubscriptionId,
			/// What went back.
			refunded: BalanceOf<T>,
		},
		/// A consuming meter's owner offered an energy trade; its budget and deposit are held.
		TradeOffered {
			/// The trade.
			trade: TradeId,
			/// The buyer.
			buyer: T::AccountId,
			/// The producing meter.
			producer: DeviceId,
			/// The consuming meter.
			consumer: DeviceId,
			/// The price of a unit.
			price: BalanceOf<T>,
			/// The most units an epoch.
			cap: u64,
			/// The budget.
			budget: BalanceOf<T>,
			/// The first epoch it settles.
			first: EpochIndex,
			/// The last.
			last: EpochIndex,
		},
		/// The producing meter's owner accepted a trade.
		TradeAccepted {
			/// The trade.
			trade: TradeId,
			/// Who is paid.
			seller: T::AccountId,
		},
		/// Both meters' batches of an epoch passed their audits: the epoch settled at the
		/// smaller of their registers' advances (not yet settled elsewhere), and its amount is
		/// held until its dispute window is over.
		EnergySettled {
			/// The trade.
			trade: TradeId,
			/// The epoch of the batches.
			epoch: EpochIndex,
			/// The units settled: the smaller of what one produced and the other consumed, at
			/// most the cap and what the budget left buys.
			quantity: u64,
			/// What it costs the buyer (at most what was left of the budget).
			amount: BalanceOf<T>,
		},
		/// Settlements past their dispute window were paid to the seller.
		TradePaid {
			/// The trade.
			trade: TradeId,
			/// What moved, the burned fee included.
			paid: BalanceOf<T>,
		},
		/// A party ended a trade: no epoch after `last` settles.
		TradeEnded {
			/// The trade.
			trade: TradeId,
			/// The last epoch it settles.
			last: EpochIndex,
		},
		/// A party disputed a trade (what was ripe was paid first): nothing more settles, and
		/// what is owed waits for the dispute origin, or for the dispute to lapse a dispute
		/// window later.
		TradeDisputed {
			/// The trade.
			trade: TradeId,
			/// The party.
			by: T::AccountId,
		},
		/// A trade closed: what was owed (or what the dispute origin decided) went to the
		/// seller, the rest and the deposit back to the buyer.
		TradeClosed {
			/// The trade.
			trade: TradeId,
			/// Paid to the seller, the burned fee included.
			paid: BalanceOf<T>,
			/// Released to the buyer.
			refunded: BalanceOf<T>,
		},
		/// A meter's register went back (below its previous audit's, or within its batch), or
		/// its previous audit was not the epoch before: its advance starts again from this
		/// batch, which settles nothing.
		RegisterReset {
			/// The meter.
			device: DeviceId,
			/// The epoch of its batch.
			epoch: EpochIndex,
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
		/// Governance trusts a maker of a schema's devices to vouch for their keys.
		MakerAdded {
			/// Its number.
			maker: MakerId,
			/// The schema of its devices.
			schema: SchemaId,
			/// The most device keys it may certify.
			cap: u32,
		},
		/// Governance changed how many device keys a maker may certify.
		MakerCapSet {
			/// The maker.
			maker: MakerId,
			/// The new cap (at most the certificates taken stops it).
			cap: u32,
		},
		/// Governance no longer trusts a maker: its certificates count no more.
		MakerRemoved {
			/// The maker.
			maker: MakerId,
		},
		/// Governance made a schema take attestations from certified devices only, or lifted
		/// that.
		CertificatesRequired {
			/// The schema.
			schema: SchemaId,
			/// Whether they are required now.
			required: bool,
		},
		/// A maker's certificate of a device's key was taken.
		DeviceCertified {
			/// The device.
			device: DeviceId,
			/// The maker.
			maker: MakerId,
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
		/// The area is not an H3 cell at `AreaResolution`.
		InvalidArea,
		/// A subscription needs a price and a budget.
		EmptySubscription,
		/// A subscription's epochs start no earlier than the current one, end no earlier than
		/// they start, and span at most `MaxSubscriptionEpochs`.
		InvalidSpan,
		/// The area has `MaxSubscriptions` subscriptions, none spent, none at a lower price.
		AreaFull,
		/// No open subscription has this number.
		UnknownSubscription,
		/// The subscription may still pay: it closes once every attestation of its span has
		/// had its audit (or, for its buyer, once its budget is spent).
		SubscriptionRunning,
		/// The amount overflows.
		Overflow,
		/// No open trade has this number.
		UnknownTrade,
		/// A meter does not trade with itself.
		SameMeter,
		/// A meter's schema has no such field, or the two fields differ in unit or scale.
		WrongField,
		/// The two meters are not in one home cell.
		NotInOneCell,
		/// A trade needs a price, a cap and a budget.
		EmptyTrade,
		/// The meter is in `MaxDeviceTrades` trades.
		TooManyTrades,
		/// The trade is already accepted.
		TradeAccepted,
		/// The trade is not accepted yet.
		TradeNotAccepted,
		/// The buyer and the seller are one account.
		SelfTrade,
		/// Only the trade's buyer or seller, or either meter's owner, may do this.
		NotTradeParty,
		/// The trade is disputed: the dispute origin decides it, or it lapses a dispute window
		/// after it was raised.
		TradeDisputed,
		/// The trade is not disputed.
		NotDisputed,
		/// The trade already ends with the current epoch or earlier.
		TradeEnding,
		/// The trade may still settle or pay: it closes once its last settlement's dispute
		/// window is over.
		TradeRunning,
		/// Only the meter's owner commits it to a trade (a manager runs it, but the trade holds
		/// it where it is).
		NotMeterOwner,
		/// The consuming meter already buys in an accepted trade: one supplier at a time, so that
		/// its consumption cannot be routed away from the seller.
		MeterBuying,
		/// The trade's settlements are over: close it.
		TradeOver,
		/// The meter is in a trade: end the trade first (its parties, cell and schema are what
		/// was agreed).
		MeterInTrade,
		/// No trusted maker has this number.
		UnknownMaker,
		/// The maker has certified as many device keys as its cap allows.
		MakerFull,
		/// The maker's key did not sign this device's key for this chain and schema.
		BadCertificate,
		/// A trusted maker already certified the device's key.
		AlreadyCertified,
		/// The schema takes attestations from devices whose key a trusted maker of it
		/// certified only: `certify` the device first.
		NotCertified,
	}

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Schemas registered from genesis, numbered from 0 in order (the dev chains' weather
		/// station and energy meter); each must pass `register_schema`'s checks.
		pub schemas: alloc::vec::Vec<Schema>,
		/// Makers trusted from genesis, numbered from 0 in order: each the schema of its
		/// devices, its key and its cap.
		#[serde(default)]
		pub makers: alloc::vec::Vec<(SchemaId, DeviceKey, u32)>,
		/// The schemas that take certified devices only from genesis.
		#[serde(default)]
		pub certificates_required: alloc::vec::Vec<SchemaId>,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for (i, schema) in self.schemas.iter().enumerate() {
				if let Err(error) = Pallet::<T>::do_register_schema(schema.clone()) {
					panic!("genesis schema {i} is refused: {error:?}");
				}
			}
			for (i, (schema, key, cap)) in self.makers.iter().enumerate() {
				if let Err(error) = Pallet::<T>::do_add_maker(*schema, *key, *cap) {
					panic!("genesis maker {i} is refused: {error:?}");
				}
			}
			for schema in &self.certificates_required {
				if let Err(error) = Pallet::<T>::do_require_certificates(*schema, true) {
					panic!("genesis schema {schema} cannot require certificates: {error:?}");
				}
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_idle(_now: BlockNumberFor<T>, remaining: Weight) -> Weight {
			Self::sweep_neighbourhoods(remaining)
		}

		fn integrity_test() {
			assert!(
				T::Samples::get() >= 1 && T::Samples::get() < T::MaxSamples::get(),
				"Samples must be within 1..MaxSamples: the last reading is revealed too"
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
			assert!(
				T::AreaResolution::get() <= T::NeighbourhoodResolution::get(),
				"AreaResolution must be at most NeighbourhoodResolution: a home cell lies in one area"
			);
			assert!(T::MaxSubscriptions::get() >= 1, "an area takes a subscription");
			assert!(T::MaxSubscriptionEpochs::get() >= 1, "a subscription spans an epoch");
			assert!(
				T::TradeDisputeEpochs::get() <= depin_primitives::sensor::MAX_DISPUTE_EPOCHS,
				"TradeDisputeEpochs must be at most MAX_DISPUTE_EPOCHS"
			);
			assert!(T::MaxDeviceTrades::get() >= 1, "a meter takes a trade");
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

		/// Buy a schema's data in `area` (an H3 cell at `AreaResolution`) for the attestations
		/// of epochs `first..=last`: every one of them audited there pays its device's owner
		/// `points × price`, less the protocol fee (burned), out of `budget`. The budget and
		/// `SubscriptionDeposit` are held. It cannot be withdrawn before its span's audits are
		/// over (the data is the buyer's to fetch once attested), unless another buyer outbids
		/// it in a full area: then it closes and its rest goes back.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::subscribe())]
		pub fn subscribe(
			origin: OriginFor<T>,
			schema: SchemaId,
			area: u64,
			price: BalanceOf<T>,
			budget: BalanceOf<T>,
			first: EpochIndex,
			last: EpochIndex,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_subscribe(who, schema, area, price, budget, first, last)
		}

		/// Close a subscription and release the rest of its budget and its deposit to its
		/// buyer: by anyone once every attestation of its span has had its audit, or by its
		/// buyer once its budget is spent.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::close_subscription())]
		pub fn close_subscription(
			origin: OriginFor<T>,
			subscription: SubscriptionId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_close_subscription(who, subscription)
		}

		/// Offer an energy trade: the producing meter's owner is paid `price` a unit of the
		/// smaller of the advances of `producer`'s register `produced_field` and `consumer`'s
		/// register `consumed_field` over each epoch of `first..=last` (their audited last
		/// readings), at most `cap` units an epoch, out of `budget` (all in `terms`). By the owner
		/// of `consumer`; the budget and `TradeDeposit` are held. Both meters are enrolled, in
		/// one home cell, and the fields have one unit and scale.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::offer_trade())]
		pub fn offer_trade(origin: OriginFor<T>, terms: TradeTermsOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_offer_trade(who, terms)
		}

		/// Accept an offered trade, as the owner of its producing meter, who is paid.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::accept_trade())]
		pub fn accept_trade(origin: OriginFor<T>, trade: TradeId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_accept_trade(who, trade)
		}

		/// End a trade, as its buyer or seller or either meter's owner: an offer (or a trade
		/// whose span has not begun) closes at once and its budget goes back; an accepted trade
		/// pays what is ripe, settles no epoch after the current one and closes when its last
		/// settlement's window is over. The producing meter's owner may decline an offer.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::end_trade().saturating_add(Pallet::<T>::sale_report_weight()))]
		pub fn end_trade(origin: OriginFor<T>, trade: TradeId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_end_trade(who, trade)
		}

		/// Close a trade whose last settlement's dispute window is over, whose dispute lapsed,
		/// or an offer whose span is over, by anyone: what is owed is paid to the seller, the
		/// rest of the budget and the deposit go back to the buyer.
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::close_trade().saturating_add(Pallet::<T>::sale_report_weight()))]
		pub fn close_trade(origin: OriginFor<T>, trade: TradeId) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_close_trade(trade)
		}

		/// Dispute an accepted trade, as a party: what is ripe is paid, then nothing more
		/// settles and what is owed waits until the dispute origin decides, or the dispute
		/// lapses `TradeDisputeEpochs` later (then the meters' word stands: anyone closes it).
		#[pallet::call_index(12)]
		#[pallet::weight(T::WeightInfo::dispute_trade().saturating_add(Pallet::<T>::sale_report_weight()))]
		pub fn dispute_trade(origin: OriginFor<T>, trade: TradeId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_dispute_trade(who, trade)
		}

		/// Decide a disputed trade (the dispute origin): the seller is paid `pay` of what is owed
		/// (at most all of it) less the protocol fee, and the rest, the budget left and the
		/// deposit go back to the buyer. The trade closes.
		#[pallet::call_index(13)]
		#[pallet::weight(T::WeightInfo::resolve_trade().saturating_add(Pallet::<T>::sale_report_weight()))]
		pub fn resolve_trade(
			origin: OriginFor<T>,
			trade: TradeId,
			pay: BalanceOf<T>,
		) -> DispatchResult {
			T::DisputeOrigin::ensure_origin(origin)?;
			Self::do_resolve_trade(trade, pay)
		}

		/// Trust a maker of `schema`'s devices to vouch for their keys (governance), up to
		/// `cap` devices. Its number is `NextMaker`.
		#[pallet::call_index(14)]
		#[pallet::weight(T::WeightInfo::add_maker())]
		pub fn add_maker(
			origin: OriginFor<T>,
			schema: SchemaId,
			key: DeviceKey,
			cap: u32,
		) -> DispatchResult {
			T::SchemaOrigin::ensure_origin(origin)?;
			Self::do_add_maker(schema, key, cap)
		}

		/// Change how many device keys a maker may certify (governance); a cap at or below
		/// what it certified stops it, and its certificates stand.
		#[pallet::call_index(15)]
		#[pallet::weight(T::WeightInfo::set_maker_cap())]
		pub fn set_maker_cap(origin: OriginFor<T>, maker: MakerId, cap: u32) -> DispatchResult {
			T::SchemaOrigin::ensure_origin(origin)?;
			Self::do_set_maker_cap(maker, cap)
		}

		/// Stop trusting a maker (governance): its certificates count no more, and its devices
		/// may be certified by another.
		#[pallet::call_index(16)]
		#[pallet::weight(T::WeightInfo::remove_maker())]
		pub fn remove_maker(origin: OriginFor<T>, maker: MakerId) -> DispatchResult {
			T::SchemaOrigin::ensure_origin(origin)?;
			Self::do_remove_maker(maker)
		}

		/// Make `schema` take attestations (and enrolments) from certified devices only, or
		/// lift that (governance).
		#[pallet::call_index(17)]
		#[pallet::weight(T::WeightInfo::require_certificates())]
		pub fn require_certificates(
			origin: OriginFor<T>,
			schema: SchemaId,
			required: bool,
		) -> DispatchResult {
			T::SchemaOrigin::ensure_origin(origin)?;
			Self::do_require_certificates(schema, required)
		}

		/// Take `maker`'s certificate of a sensor device's key: the maker's signature of
		/// [`CertificateStatement`] (its number, its schema, the device's current key) for
		/// this chain. By the device's owner or manager.
		#[pallet::call_index(18)]
		#[pallet::weight(T::WeightInfo::certify())]
		pub fn certify(
			origin: OriginFor<T>,
			device: DeviceId,
			maker: MakerId,
			signature: DeviceSignature,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_certify(who, device, maker, signature)
		}
	}
}
