//! `DepinApi`: what dApps, provider tools and the node's `depin_*` RPC methods ask the runtime
//! about the network — devices (by id, key, owner or area), the proving epoch, a device's open
//! challenges and proving record, the coverage beacons of the epoch, a compute device's
//! capacity challenge and compute jobs, storage deals (by id, data root, client or device),
//! sensor schemas, records, data subscriptions and energy trades, and its rewards (receipts, what is claimable now, what the epoch in progress may pay).
//!
//! Every call reads state at the block it is called at and writes nothing. Lists come in pages
//! of at most [`MAX_PAGE`] entries: pass the last id (or the epoch after the last one) to get
//! the next page.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::Codec;

pub use depin_primitives::{
	compute::{Job, JobId, JobStatus, WorkChallenge, WorkStatus},
	coverage::{Beacon, BeaconStatus},
	deals::{
		permanent::{Permanent, PermanentId, Replica, ReplicaState},
		DataRoot, Deal, DealEnd, DealId, DealProgress, DealProposal, DealState,
	},
	device::{
		AreaPage, AreaQueryError, Device, DeviceId, DeviceKey, DeviceKind, DeviceMetadata,
		DeviceStatus, MAX_AREA_SCAN, MAX_PAGE,
	},
	epoch::{EpochIndex, EpochStatus},
	h3::H3Cell,
	rewards::{PendingRewards, RewardEstimate, RewardReceipt, RewardStatus},
	sensor::{
		EnergyTrade, MeterState, Owed, PendingAttestation, Schema, SchemaId, SchemaRecord,
		SensorStatus, Subscription, SubscriptionId, TradeId, TradeTerms,
	},
	storage::{OpenChallenge, ProofStatus, Sector, SectorStatus},
};

/// A page of deals with their ids.
pub type DealPage<AccountId, Balance, BlockNumber> =
	Vec<(DealId, Deal<AccountId, Balance, BlockNumber>)>;

/// A permanent deal as the runtime API returns it.
pub type PermanentDeal<AccountId, Balance, BlockNumber> =
	Permanent<AccountId, Balance, Vec<Replica<Balance, BlockNumber>>>;

/// A page of permanent deals with their ids.
pub type PermanentPage<AccountId, Balance, BlockNumber> =
	Vec<(PermanentId, PermanentDeal<AccountId, Balance, BlockNumber>)>;

/// A page of devices with their ids.
pub type DevicePage<AccountId, Balance, BlockNumber> =
	Vec<(DeviceId, Device<AccountId, Balance, BlockNumber>)>;

sp_api::decl_runtime_apis! {
	/// Queries about devices, proofs and rewards.
	///
	/// Version 2: `devices_in_area` walks at most [`MAX_AREA_SCAN`] entries of the cell's
	/// index per call and returns an [`AreaPage`] with a cursor (version 1 returned a plain
	/// list and walked the whole cell for a filtered query).
	///
	/// Version 3: storage deals (`deal`, `deal_by_root`, `deals_of_client`,
	/// `deals_of_device`).
	///
	/// Version 4: permanent deals (`permanent_deal`, `permanent_deals`, `replica_by_root`).
	///
	/// Version 5: lazy rewards. A receipt may be `RewardStatus::Accrued` (settled into the
	/// device's balance, which one claim pays); `reward_receipts` lists the epochs a device's
	/// earnings keep (the newest few), and `pending_rewards` what a claim pays now.
	///
	/// Version 6: the beacon lottery. `coverage_beacons` lists the beacons recorded in the
	/// epoch in progress (nobody is drawn); `coverage_ticket` says whether a hotspot beacons in
	/// it, with its challenge.
	///
	/// Version 7: sensor data (`sensor_schema`, `sensor_status`, `subscription`,
	/// `area_subscriptions`).
	///
	/// Version 8: energy trades between meters (`energy_trade`, `meter_trades`).
	#[api_version(8)]
	pub trait DepinApi<AccountId, Balance, BlockNumber>
	where
		AccountId: Codec,
		Balance: Codec,
		BlockNumber: Codec,
	{
		/// A device by id.
		fn device(id: DeviceId) -> Option<Device<AccountId, Balance, BlockNumber>>;

		/// The device registered with a key, and its id.
		fn device_by_key(key: DeviceKey) -> Option<(DeviceId, Device<AccountId, Balance, BlockNumber>)>;

		/// A page of an owner's devices (retired ones included until their deposit is
		/// claimed), after `start_after`, at most `limit` (capped at [`MAX_PAGE`]).
		fn devices_of(
			owner: AccountId,
			start_after: Option<DeviceId>,
			limit: u32,
		) -> DevicePage<AccountId, Balance, BlockNumber>;

		/// A page of the non-retired devices inside an H3 cell (raw index, at the registry's
		/// density resolution or finer), of one kind if given (version 1).
		#[changed_in(2)]
		fn devices_in_area(
			cell: u64,
			kind: Option<DeviceKind>,
			start_after: Option<DeviceId>,
			limit: u32,
		) -> Result<DevicePage<AccountId, Balance, BlockNumber>, AreaQueryError>;

		/// A page of the non-retired devices inside an H3 cell (raw index, at the registry's
		/// density resolution or finer), of one kind if given, after `start_after`, at most
		/// `limit` (1 to [`MAX_PAGE`]). One call walks at most [`MAX_AREA_SCAN`] entries of
		/// the cell's index, so a filtered page may hold fewer devices than asked (none,
		/// even): go on from its `next` until it is `None`.
		fn devices_in_area(
			cell: u64,
			kind: Option<DeviceKind>,
			start_after: Option<DeviceId>,
			limit: u32,
		) -> Result<AreaPage<Device<AccountId, Balance, BlockNumber>>, AreaQueryError>;

		/// The proving epoch in progress: index, start, proof deadline, next start, seed.
		fn epoch() -> EpochStatus<BlockNumber>;

		/// The challenges a storage device can answer now, with the chunk indices to reveal.
		fn open_challenges(device: DeviceId) -> Vec<OpenChallenge<BlockNumber>>;

		/// A storage device's proving record brought up to the epoch in progress (faults not
		/// recorded on chain yet included), or `None` if it is not a storage device.
		fn proof_status(device: DeviceId) -> Option<ProofStatus>;

		/// The beacons recorded in the epoch in progress: each beaconer's challenge, its
		/// beacon, the witnesses counted and the points earned.
		fn coverage_beacons() -> Vec<BeaconStatus<BlockNumber>>;

		/// A hotspot's beacon in the epoch in progress if it wins the lottery (its challenge,
		/// and once recorded its beacon, witnesses and points), or `None` if it does not
		/// beacon in it. (Since version 6.)
		fn coverage_ticket(device: DeviceId) -> Option<BeaconStatus<BlockNumber>>;

		/// A compute device's capacity challenge in the epoch in progress (what to compute,
		/// when to commit and reveal, and once drawn the segments to reveal), or `None` if it
		/// is not enrolled.
		fn compute_challenge(device: DeviceId) -> Option<WorkChallenge<BlockNumber>>;

		/// A compute job not settled yet.
		fn compute_job(job: JobId) -> Option<Job<AccountId, Balance, BlockNumber>>;

		/// A device's reward receipts from epoch `from_epoch` on (the oldest kept if `None`),
		/// oldest first, at most `limit` (capped at [`MAX_PAGE`]). A device keeps the epoch it
		/// earns in and its newest settled ones (version 5).
		fn reward_receipts(
			device: DeviceId,
			from_epoch: Option<EpochIndex>,
			limit: u32,
		) -> Vec<RewardReceipt<Balance>>;

		/// What a claim of the device pays now (its balance and its ended epoch not yet
		/// settled), with the receipts it still keeps of it.
		fn pending_rewards(device: DeviceId) -> PendingRewards<Balance>;

		/// What the epoch in progress may pay a device if it answers its open challenges, or
		/// `None` if the device is unknown.
		fn reward_estimate(device: DeviceId) -> Option<RewardEstimate<Balance>>;

		/// A storage deal by id (its proposal's hash; version 3), while it is kept: published, active,
		/// or closed before its activation deadline.
		fn deal(id: DealId) -> Option<Deal<AccountId, Balance, BlockNumber>>;

		/// The published or active deal of a data root on a device, if any.
		fn deal_by_root(
			device: DeviceId,
			root: DataRoot,
		) -> Option<(DealId, Deal<AccountId, Balance, BlockNumber>)>;

		/// A page of a client's deals after `start_after`, at most `limit` (capped at
		/// [`MAX_PAGE`]), in storage order.
		fn deals_of_client(
			client: AccountId,
			start_after: Option<DealId>,
			limit: u32,
		) -> DealPage<AccountId, Balance, BlockNumber>;

		/// A page of a storage device's deals after `start_after`, at most `limit` (capped at
		/// [`MAX_PAGE`]), in storage order.
		fn deals_of_device(
			device: DeviceId,
			start_after: Option<DealId>,
			limit: u32,
		) -> DealPage<AccountId, Balance, BlockNumber>;

		/// A permanent deal by number (version 4), while any of its replicas is not exhausted.
		fn permanent_deal(id: PermanentId) -> Option<PermanentDeal<AccountId, Balance, BlockNumber>>;

		/// A page of permanent deals after `start_after`, at most `limit` (capped at
		/// [`MAX_PAGE`]), in storage order: where a provider finds open replicas to take.
		fn permanent_deals(
			start_after: Option<PermanentId>,
			limit: u32,
		) -> PermanentPage<AccountId, Balance, BlockNumber>;

		/// The permanent deal and replica index a live replica's root is bound to.
		fn replica_by_root(root: DataRoot) -> Option<(PermanentId, u32)>;

		/// A sensor schema by number, and whether it is retired.
		fn sensor_schema(id: SchemaId) -> Option<SchemaRecord>;

		/// An enrolled sensor device's record: its schema, its last attested reading, its
		/// attestation waiting for its audit and, while the audit is open, the readings to
		/// reveal.
		fn sensor_status(device: DeviceId) -> Option<SensorStatus>;

		/// A data subscription by number.
		fn subscription(id: SubscriptionId) -> Option<Subscription<AccountId, Balance>>;

		/// The subscriptions to a schema's data in the area holding `cell` (its parent at the
		/// runtime's area resolution, 5): what the sensors there are paid by.
		fn area_subscriptions(
			schema: SchemaId,
			cell: H3Cell,
		) -> Vec<(SubscriptionId, Subscription<AccountId, Balance>)>;

		/// An energy trade by number, offered or accepted, until it closes.
		fn energy_trade(id: TradeId) -> Option<EnergyTrade<AccountId, Balance>>;

		/// The trades a meter is in: as the consuming meter from the offer, as the producing
		/// meter once accepted.
		fn meter_trades(device: DeviceId) -> Vec<(TradeId, EnergyTrade<AccountId, Balance>)>;
	}
}
