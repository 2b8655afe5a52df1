//! `depin_*` JSON-RPC methods: the runtime API [`DepinApi`] in JSON for dApps and provider
//! tools that do not decode SCALE. Documented with examples in `docs/rpc.md`.
//!
//! JSON conventions: accounts are SS58 addresses; hashes, keys and signatures `0x` hex;
//! H3 cells the usual 15-digit lowercase hex string (`"891f1d48177ffff"`); balances decimal
//! strings in planck (1 DPN = 10¹² planck; JSON numbers cannot hold them); block numbers,
//! epochs, ids and counts numbers. Every method takes an optional block hash last (the best
//! block if omitted).

use std::sync::Arc;

use depin_runtime::{opaque::Block, AccountId, Balance, BlockNumber};
use depin_runtime_api::{
	AreaQueryError, DepinApi, DeviceId, DeviceKey, DeviceKind, DeviceStatus, EpochStatus,
	OpenChallenge, PendingRewards, ProofStatus, RewardEstimate, RewardReceipt, RewardStatus,
};
use jsonrpsee::{
	core::RpcResult,
	proc_macros::rpc,
	types::{error::ErrorCode, ErrorObjectOwned},
};
use serde::{Deserialize, Serialize};
use sp_api::{ApiExt, ProvideRuntimeApi};
use sp_blockchain::HeaderBackend;
use sp_core::{ecdsa, ed25519, sr25519, ByteArray, H256};

type Hash = <Block as sp_runtime::traits::Block>::Hash;
type Device = depin_runtime_api::Device<AccountId, Balance, BlockNumber>;

/// Entries a list method returns when no limit is given.
pub const DEFAULT_LIMIT: u32 = 100;

/// JSON-RPC error code of a failed runtime API call.
pub const RUNTIME_ERROR: i32 = 1;

/// A device key: its signature scheme and public key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyJson {
	/// `sr25519`, `ed25519` or `ecdsa`.
	pub scheme: String,
	/// The public key, `0x` hex (32 bytes; 33 for a compressed ECDSA key).
	pub public: String,
}

/// A registered device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceJson {
	pub id: DeviceId,
	pub key: KeyJson,
	pub owner: AccountId,
	pub manager: Option<AccountId>,
	/// `storage`, `coverage` or `compute`.
	pub kind: String,
	/// H3 cell.
	pub location: String,
	pub location_resolution: u8,
	/// Bytes (storage), compute units (compute), 0 (coverage).
	pub capacity: u64,
	pub model: String,
	pub firmware: String,
	pub serial_hash: H256,
	/// `active`, `suspended` or `retired`.
	pub status: String,
	/// For a retired device: the block its deposit can be claimed from.
	pub unbonds_at: Option<BlockNumber>,
	pub registered_at: BlockNumber,
	pub location_changed_at: BlockNumber,
	/// Planck held.
	pub deposit: String,
	pub faults: u32,
}

/// A page of the devices in an area.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AreaPageJson {
	pub devices: Vec<DeviceJson>,
	/// The id to pass as `startAfter` for the next page; `null` when nothing is left. A page
	/// filtered by kind or by a finer cell may hold fewer devices than asked, or none, and
	/// still have a next: each call walks at most `MAX_AREA_SCAN` (2,000) devices of the cell.
	pub next: Option<DeviceId>,
}

/// The proving epoch in progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EpochJson {
	pub index: u32,
	pub start: BlockNumber,
	/// The last block proofs of this epoch are accepted at.
	pub deadline: BlockNumber,
	pub next_start: BlockNumber,
	pub seed: H256,
	pub challenges_per_sector: u32,
}

/// A challenge a storage device can answer now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChallengeJson {
	pub sector: u32,
	pub root: H256,
	pub chunks: u32,
	pub epoch: u32,
	pub challenge: H256,
	/// The chunks to reveal, in order.
	pub indices: Vec<u32>,
	pub deadline: BlockNumber,
}

/// A coverage beacon of the epoch in progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BeaconJson {
	/// The drawn beaconer.
	pub device: DeviceId,
	pub epoch: u32,
	/// What the beaconer signs.
	pub challenge: H256,
	/// The beacon's id once submitted (what witnesses sign), else `null`.
	pub beacon: Option<H256>,
	/// The block it says it transmitted at, once submitted.
	pub sent_at: Option<BlockNumber>,
	/// Its frequency in kHz, once submitted.
	pub frequency: Option<u32>,
	/// Witnesses counted so far.
	pub witnesses: Vec<DeviceId>,
	/// Points the beaconer earned (after density scaling).
	pub points: u64,
	/// The last block beacons and receipts of the epoch are accepted at.
	pub deadline: BlockNumber,
}

/// A compute device's capacity challenge in the epoch in progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkChallengeJson {
	pub epoch: u32,
	/// The workload's first hash.
	pub start: H256,
	/// Segments to compute, and blake2 steps in each.
	pub segments: u32,
	pub segment_length: u32,
	/// Commitments are accepted before this block; the reveal seed is drawn at it.
	pub reveal_at: BlockNumber,
	/// The last block reveals are accepted at.
	pub deadline: BlockNumber,
	/// `notChallenged`, `challenged`, `committed`, `proven` or `faked`.
	pub status: String,
	/// The committed root, once committed.
	pub root: Option<H256>,
	/// The segments to reveal, once the reveal seed is drawn.
	pub sampled: Vec<u32>,
	/// Epochs missed in a row, counting those not recorded on chain yet.
	pub consecutive_faults: u32,
}

/// A live sector.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SectorJson {
	pub index: u32,
	pub root: H256,
	pub chunks: u32,
	pub committed_in: u32,
	pub proven_in: Option<u32>,
	/// Challenged in the epoch in progress and not proven yet.
	pub open: bool,
}

/// A storage device's proving record, up to the epoch in progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProofStatusJson {
	pub epoch: u32,
	pub sectors: Vec<SectorJson>,
	pub committed_bytes: u64,
	pub challenged: u32,
	pub proven: u32,
	pub consecutive_faults: u32,
	pub unrecorded_faults: u32,
	pub fault_threshold: u32,
}

/// A device's reward for one epoch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptJson {
	pub epoch: u32,
	pub kind: String,
	pub points: u64,
	pub category_points: u64,
	/// Planck.
	pub pool: String,
	/// Planck: paid, in the balance, or what settling it would add.
	pub amount: String,
	/// `inProgress`, `claimable` (ended, not settled yet), `accrued` (in the device's
	/// balance, paid by the next claim), `claimed` or `expired`.
	pub status: String,
	/// For a claimable reward: the last epoch during which the claim is accepted.
	pub claimable_until: Option<u32>,
}

/// What a claim of a device pays now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingJson {
	/// Planck: the device's balance and its ended epoch not yet settled.
	pub total: String,
	pub receipts: Vec<ReceiptJson>,
}

/// What the epoch in progress may pay a device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EstimateJson {
	pub epoch: u32,
	pub points: u64,
	pub potential_points: u64,
	pub category_points: u64,
	/// Planck.
	pub pool: String,
	/// Planck.
	pub amount: String,
}

/// A storage deal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DealJson {
	/// The deal's id: its proposal's blake2-256 hash.
	pub id: H256,
	pub client: AccountId,
	pub device: DeviceId,
	pub root: H256,
	pub chunks: u32,
	/// Planck per GiB and epoch, as proposed.
	pub price_per_gib: String,
	pub activation_deadline: BlockNumber,
	/// Epochs paid for.
	pub duration: u32,
	/// Planck.
	pub provider_collateral: String,
	/// Planck.
	pub client_collateral: String,
	/// The operator that published the deal: the provider's collateral and the deposit are
	/// held from it.
	pub provider: AccountId,
	/// Planck held from `provider` while the deal's record is kept.
	pub deposit: String,
	/// Planck per proven epoch, and the protocol fee out of it (burned).
	pub epoch_price: String,
	pub epoch_fee: String,
	/// Planck of provider collateral paid to the client for each missed epoch.
	pub miss_penalty: String,
	/// Planck of provider collateral still held.
	pub collateral_left: String,
	/// `published`, `active` or `closed`.
	pub state: String,
	/// For an active deal: its sector, first and last epochs, and its counts.
	pub sector: Option<u32>,
	pub first_epoch: Option<u32>,
	pub last_epoch: Option<u32>,
	pub settled_through: Option<u32>,
	pub paid: u32,
	pub missed: u32,
	pub misses_in_row: u32,
	/// Paid epochs whose money has moved (`depin_*` callers settle the rest with
	/// `proofs.settleDeal`).
	pub collected: u32,
	pub refunded: u32,
}

/// A permanent deal: a client's one payment, the schedule it pays its replicas on, and the
/// replicas.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PermanentJson {
	/// The deal's number.
	pub id: u64,
	/// Who made and paid it.
	pub client: AccountId,
	/// Planck per GiB and epoch in the first schedule year.
	pub price_per_gib: String,
	/// How much cheaper each schedule year is, in parts per billion.
	pub decline_per_billion: u32,
	/// Paid epochs in a schedule year.
	pub epochs_per_year: u32,
	/// Planck each tranche's provider stakes.
	pub provider_collateral: String,
	pub replicas: Vec<ReplicaJson>,
}

/// A permanent deal's replica and its endowment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplicaJson {
	/// Its index in the deal (`proofs.takeReplica` takes it by deal and index).
	pub index: u32,
	pub root: H256,
	pub chunks: u32,
	/// `open` (any storage device may take it), `dealt` (a tranche keeps it) or `exhausted`.
	pub state: String,
	/// The tranche keeping it: a deal whose client is the endowment pot (`depin_deal`).
	pub tranche: Option<H256>,
	/// The device that may take it before anyone else, and until which block.
	pub reserved_for: Option<DeviceId>,
	pub reserved_until: Option<BlockNumber>,
	/// The device whose tranche failed, which may not take it again before a block.
	pub barred: Option<DeviceId>,
	pub barred_until: Option<BlockNumber>,
	/// Planck of endowment not committed to a tranche.
	pub left: String,
	/// Epochs the endowment has paid.
	pub served: u32,
	/// Planck per GiB and epoch in the schedule year it is in.
	pub year_price: String,
}

/// A field of a sensor schema. Values are integers: the quantity times `10^decimals`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldJson {
	pub name: String,
	pub unit: String,
	pub decimals: u8,
	pub min: i64,
	pub max: i64,
	/// How far a device's min, mean and max may lie from its neighbours' medians.
	pub tolerance: u64,
}

/// A sensor schema.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaJson {
	pub id: u32,
	pub name: String,
	pub fields: Vec<FieldJson>,
	/// The fewest seconds between two readings.
	pub interval: u32,
	/// Retired by governance: no device enrolls or attests under it any more.
	pub retired: bool,
}

/// A sensor's attestation waiting for its audit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingAttestationJson {
	pub epoch: u32,
	/// The epoch its sampled readings are revealed in.
	pub audit_in: u32,
	pub root: H256,
	pub count: u32,
	/// Unix seconds of the first and last readings.
	pub start: u64,
	pub end: u64,
}

/// An enrolled sensor device's record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SensorStatusJson {
	pub device: DeviceId,
	pub schema: u32,
	/// Unix seconds of the last reading attested: the next batch starts an interval after.
	pub last_end: u64,
	pub pending: Option<PendingAttestationJson>,
	/// While the pending attestation's audit is open: the indices of the readings to reveal,
	/// in order.
	pub sampled: Vec<u32>,
}

/// A data buyer's subscription to a schema's data in an area.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionJson {
	pub id: u64,
	pub buyer: AccountId,
	pub schema: u32,
	/// H3 cell at resolution 5.
	pub area: String,
	/// Planck a point (a second of coverage at full quality).
	pub price: String,
	/// Planck of budget left.
	pub left: String,
	/// Planck held for its storage until it closes.
	pub deposit: String,
	/// The epochs whose attestations it pays for.
	pub first: u32,
	pub last: u32,
}

/// An energy trade between two meters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnergyTradeJson {
	pub id: u64,
	/// Who offered it (the consuming meter's owner), whose hold pays.
	pub buyer: AccountId,
	/// Who accepted it (the producing meter's owner), who is paid; `null` for an offer.
	pub seller: Option<AccountId>,
	pub producer: DeviceId,
	pub consumer: DeviceId,
	/// The producer's register counted as produced, and the consumer's counted as consumed.
	pub produced_field: u8,
	pub consumed_field: u8,
	/// Planck a unit of the fields (a watt-hour for the dev chain's meter).
	pub price: String,
	/// The most units settled in one epoch.
	pub cap: u64,
	/// Planck of budget left.
	pub left: String,
	/// Planck held for its storage until it closes.
	pub deposit: String,
	/// The epochs whose readings it settles.
	pub first: u32,
	pub last: u32,
	/// Settlements waiting out their dispute window: `[epoch settled in, planck]`.
	pub owed: Vec<(u32, String)>,
	/// The epoch a party disputed it in, if it did.
	pub disputed: Option<u32>,
}

/// The `depin_*` methods.
#[rpc(server, namespace = "depin")]
pub trait DepinRpc {
	/// A device by id; `null` if there is none.
	#[method(name = "device")]
	fn device(&self, id: DeviceId, at: Option<Hash>) -> RpcResult<Option<DeviceJson>>;

	/// The device registered with a key; `null` if there is none.
	#[method(name = "deviceByKey")]
	fn device_by_key(&self, key: KeyJson, at: Option<Hash>) -> RpcResult<Option<DeviceJson>>;

	/// A page of an owner's devices.
	#[method(name = "devicesOf")]
	fn devices_of(
		&self,
		owner: AccountId,
		start_after: Option<DeviceId>,
		limit: Option<u32>,
		at: Option<Hash>,
	) -> RpcResult<Vec<DeviceJson>>;

	/// A page of the devices inside an H3 cell, of one kind if given, and where the next page
	/// starts.
	#[method(name = "devicesInArea")]
	fn devices_in_area(
		&self,
		cell: String,
		kind: Option<String>,
		start_after: Option<DeviceId>,
		limit: Option<u32>,
		at: Option<Hash>,
	) -> RpcResult<AreaPageJson>;

	/// The proving epoch in progress.
	#[method(name = "epoch")]
	fn epoch(&self, at: Option<Hash>) -> RpcResult<EpochJson>;

	/// The challenges a storage device can answer now.
	#[method(name = "openChallenges")]
	fn open_challenges(&self, device: DeviceId, at: Option<Hash>) -> RpcResult<Vec<ChallengeJson>>;

	/// The coverage beacons recorded in the epoch in progress.
	#[method(name = "coverageBeacons")]
	fn coverage_beacons(&self, at: Option<Hash>) -> RpcResult<Vec<BeaconJson>>;

	/// A hotspot's beacon in the epoch in progress if it wins the beacon lottery (its
	/// challenge; once recorded, its beacon, witnesses and points); `null` if it does not
	/// beacon in it.
	#[method(name = "coverageTicket")]
	fn coverage_ticket(&self, device: DeviceId, at: Option<Hash>) -> RpcResult<Option<BeaconJson>>;

	/// A compute device's capacity challenge in the epoch in progress; `null` if it is not
	/// enrolled.
	#[method(name = "computeChallenge")]
	fn compute_challenge(
		&self,
		device: DeviceId,
		at: Option<Hash>,
	) -> RpcResult<Option<WorkChallengeJson>>;

	/// A storage device's proving record; `null` if it is not a storage device.
	#[method(name = "proofStatus")]
	fn proof_status(
		&self,
		device: DeviceId,
		at: Option<Hash>,
	) -> RpcResult<Option<ProofStatusJson>>;

	/// A page of a device's reward receipts, oldest first.
	#[method(name = "rewardReceipts")]
	fn reward_receipts(
		&self,
		device: DeviceId,
		from_epoch: Option<u32>,
		limit: Option<u32>,
		at: Option<Hash>,
	) -> RpcResult<Vec<ReceiptJson>>;

	/// A device's rewards claimable now.
	#[method(name = "pendingRewards")]
	fn pending_rewards(&self, device: DeviceId, at: Option<Hash>) -> RpcResult<PendingJson>;

	/// What the epoch in progress may pay a device; `null` if it is unknown.
	#[method(name = "rewardEstimate")]
	fn reward_estimate(
		&self,
		device: DeviceId,
		at: Option<Hash>,
	) -> RpcResult<Option<EstimateJson>>;

	/// A storage deal by id; `null` if it is not kept (never published, or over and past its
	/// activation deadline).
	#[method(name = "deal")]
	fn deal(&self, id: H256, at: Option<Hash>) -> RpcResult<Option<DealJson>>;

	/// The published or active deal of a data root on a device; `null` if none.
	#[method(name = "dealByRoot")]
	fn deal_by_root(
		&self,
		device: DeviceId,
		root: H256,
		at: Option<Hash>,
	) -> RpcResult<Option<DealJson>>;

	/// A client's deals, a page after `startAfter` (a deal id), at most `limit` (default 100,
	/// at most 100).
	#[method(name = "dealsOfClient")]
	fn deals_of_client(
		&self,
		client: AccountId,
		start_after: Option<H256>,
		limit: Option<u32>,
		at: Option<Hash>,
	) -> RpcResult<Vec<DealJson>>;

	/// A storage device's deals, a page after `startAfter`, at most `limit`.
	#[method(name = "dealsOfDevice")]
	fn deals_of_device(
		&self,
		device: DeviceId,
		start_after: Option<H256>,
		limit: Option<u32>,
		at: Option<Hash>,
	) -> RpcResult<Vec<DealJson>>;

	/// A permanent deal by number; `null` once every replica is exhausted (or never made).
	#[method(name = "permanentDeal")]
	fn permanent_deal(&self, id: u64, at: Option<Hash>) -> RpcResult<Option<PermanentJson>>;

	/// Permanent deals, a page after `startAfter` (a deal number) in storage order, at most
	/// `limit` (default 100, at most 100): where a provider finds open replicas.
	#[method(name = "permanentDeals")]
	fn permanent_deals(
		&self,
		start_after: Option<u64>,
		limit: Option<u32>,
		at: Option<Hash>,
	) -> RpcResult<Vec<PermanentJson>>;

	/// The permanent deal a live replica's root is bound to, and the replica's index; `null`
	/// if none.
	#[method(name = "replicaByRoot")]
	fn replica_by_root(&self, root: H256, at: Option<Hash>) -> RpcResult<Option<(u64, u32)>>;

	/// A sensor schema by number; `null` if there is none.
	#[method(name = "sensorSchema")]
	fn sensor_schema(&self, id: u32, at: Option<Hash>) -> RpcResult<Option<SchemaJson>>;

	/// An enrolled sensor device's record, with the readings its open audit asks for; `null`
	/// if the device is not enrolled.
	#[method(name = "sensorStatus")]
	fn sensor_status(
		&self,
		device: DeviceId,
		at: Option<Hash>,
	) -> RpcResult<Option<SensorStatusJson>>;

	/// A data subscription by number; `null` once it closed (or never was).
	#[method(name = "subscription")]
	fn subscription(&self, id: u64, at: Option<Hash>) -> RpcResult<Option<SubscriptionJson>>;

	/// The subscriptions to a schema's data in the area (resolution 5) holding `cell`, an H3
	/// cell at resolution 5 or finer: what the sensors there are paid by.
	#[method(name = "areaSubscriptions")]
	fn area_subscriptions(
		&self,
		schema: u32,
		cell: String,
		at: Option<Hash>,
	) -> RpcResult<Vec<SubscriptionJson>>;

	/// An energy trade by number; `null` once it closed (or never was).
	#[method(name = "energyTrade")]
	fn energy_trade(&self, id: u64, at: Option<Hash>) -> RpcResult<Option<EnergyTradeJson>>;

	/// The trades a meter is in (as the consuming meter from the offer, as the producing one
	/// once accepted).
	#[method(name = "meterTrades")]
	fn meter_trades(&self, device: DeviceId, at: Option<Hash>) -> RpcResult<Vec<EnergyTradeJson>>;
}

/// The `depin_*` methods over a client.
pub struct Depin<C> {
	client: Arc<C>,
}

impl<C> Depin<C> {
	pub fn new(client: Arc<C>) -> Self {
		Self { client }
	}
}

fn invalid_params(message: impl Into<String>) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(ErrorCode::InvalidParams.code(), message.into(), None::<()>)
}

fn runtime_error(error: impl std::fmt::Display) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(RUNTIME_ERROR, "runtime API call failed", Some(error.to_string()))
}

fn kind_name(kind: DeviceKind) -> String {
	match kind {
		DeviceKind::Storage => "storage",
		DeviceKind::Coverage => "coverage",
		DeviceKind::Compute => "compute",
		DeviceKind::Sensor => "sensor",
	}
	.into()
}

fn parse_kind(kind: &str) -> Result<DeviceKind, ErrorObjectOwned> {
	match kind {
		"storage" => Ok(DeviceKind::Storage),
		"coverage" => Ok(DeviceKind::Coverage),
		"compute" => Ok(DeviceKind::Compute),
		"sensor" => Ok(DeviceKind::Sensor),
		other => Err(invalid_params(format!(
			"unknown device kind {other:?}: expected storage, coverage, compute or sensor"
		))),
	}
}

/// An H3 cell as the usual hex string.
pub fn cell_string(raw: u64) -> String {
	format!("{raw:x}")
}

/// Parse an H3 cell from its hex string (with or without `0x`).
pub fn parse_cell(cell: &str) -> Result<u64, ErrorObjectOwned> {
	let digits = cell.strip_prefix("0x").unwrap_or(cell);
	u64::from_str_radix(digits, 16)
		.map_err(|_| invalid_params(format!("{cell:?} is not an H3 cell index in hex")))
}

fn key_json(key: &DeviceKey) -> KeyJson {
	let (scheme, public) = match key {
		DeviceKey::Sr25519(k) => ("sr25519", k.as_slice()),
		DeviceKey::Ed25519(k) => ("ed25519", k.as_slice()),
		DeviceKey::Ecdsa(k) => ("ecdsa", k.as_slice()),
	};
	KeyJson { scheme: scheme.into(), public: format!("0x{}", hex_string(public)) }
}

fn hex_string(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_key(key: &KeyJson) -> Result<DeviceKey, ErrorObjectOwned> {
	let digits = key.public.strip_prefix("0x").unwrap_or(&key.public);
	let bytes = (0..digits.len())
		.step_by(2)
		.map(|i| digits.get(i..i + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok()))
		.collect::<Option<Vec<u8>>>()
		.ok_or_else(|| invalid_params("the public key is not hex"))?;
	let wrong_length = || invalid_params(format!("wrong public key length for {}", key.scheme));
	match key.scheme.as_str() {
		"sr25519" => {
			sr25519::Public::from_slice(&bytes).map(DeviceKey::Sr25519).map_err(|_| wrong_length())
		},
		"ed25519" => {
			ed25519::Public::from_slice(&bytes).map(DeviceKey::Ed25519).map_err(|_| wrong_length())
		},
		"ecdsa" => {
			ecdsa::Public::from_slice(&bytes).map(DeviceKey::Ecdsa).map_err(|_| wrong_length())
		},
		other => Err(invalid_params(format!(
			"unknown key scheme {other:?}: expected sr25519, ed25519 or ecdsa"
		))),
	}
}

fn device_json(id: DeviceId, device: Device) -> DeviceJson {
	let (status, unbonds_at) = match device.status {
		DeviceStatus::Active => ("active", None),
		DeviceStatus::Suspended => ("suspended", None),
		DeviceStatus::Retired { unbonds_at } => ("retired", Some(unbonds_at)),
	};
	DeviceJson {
		id,
		key: key_json(&device.key),
		owner: device.owner,
		manager: device.manager,
		kind: kind_name(device.kind),
		location: cell_string(device.location.raw()),
		location_resolution: device.location.resolution(),
		capacity: device.capacity,
		model: String::from_utf8_lossy(&device.metadata.model).into_owned(),
		firmware: String::from_utf8_lossy(&device.metadata.firmware).into_owned(),
		serial_hash: device.metadata.serial_hash,
		status: status.into(),
		unbonds_at,
		registered_at: device.registered_at,
		location_changed_at: device.location_changed_at,
		deposit: device.deposit.to_string(),
		faults: device.faults,
	}
}

fn epoch_json(epoch: EpochStatus<BlockNumber>) -> EpochJson {
	EpochJson {
		index: epoch.index,
		start: epoch.start,
		deadline: epoch.deadline,
		next_start: epoch.next_start,
		seed: epoch.seed,
		challenges_per_sector: epoch.challenges_per_sector,
	}
}

fn beacon_json(b: depin_runtime_api::BeaconStatus<BlockNumber>) -> BeaconJson {
	BeaconJson {
		device: b.device,
		epoch: b.epoch,
		challenge: b.challenge,
		beacon: b.beacon.map(|x| x.id),
		sent_at: b.beacon.map(|x| x.sent_at),
		frequency: b.beacon.map(|x| x.frequency),
		witnesses: b.witnesses,
		points: b.points,
		deadline: b.deadline,
	}
}

fn challenge_json(challenge: OpenChallenge<BlockNumber>) -> ChallengeJson {
	ChallengeJson {
		sector: challenge.sector,
		root: challenge.root,
		chunks: challenge.chunks,
		epoch: challenge.epoch,
		challenge: challenge.challenge,
		indices: challenge.indices,
		deadline: challenge.deadline,
	}
}

fn proof_status_json(status: ProofStatus) -> ProofStatusJson {
	ProofStatusJson {
		epoch: status.epoch,
		sectors: status
			.sectors
			.into_iter()
			.map(|s| SectorJson {
				index: s.index,
				root: s.sector.root,
				chunks: s.sector.chunks,
				committed_in: s.sector.committed_in,
				proven_in: s.sector.proven_in,
				open: s.open,
			})
			.collect(),
		committed_bytes: status.committed_bytes,
		challenged: status.challenged,
		proven: status.proven,
		consecutive_faults: status.consecutive_faults,
		unrecorded_faults: status.unrecorded_faults,
		fault_threshold: status.fault_threshold,
	}
}

fn receipt_json(receipt: RewardReceipt<Balance>) -> ReceiptJson {
	let (status, claimable_until) = match receipt.status {
		RewardStatus::InProgress => ("inProgress", None),
		RewardStatus::Claimable { until } => ("claimable", Some(until)),
		RewardStatus::Claimed => ("claimed", None),
		RewardStatus::Expired => ("expired", None),
		RewardStatus::Accrued => ("accrued", None),
	};
	ReceiptJson {
		epoch: receipt.epoch,
		kind: kind_name(receipt.kind),
		points: receipt.points,
		category_points: receipt.category_points,
		pool: receipt.pool.to_string(),
		amount: receipt.amount.to_string(),
		status: status.into(),
		claimable_until,
	}
}

fn pending_json(pending: PendingRewards<Balance>) -> PendingJson {
	PendingJson {
		total: pending.total.to_string(),
		receipts: pending.receipts.into_iter().map(receipt_json).collect(),
	}
}

fn estimate_json(estimate: RewardEstimate<Balance>) -> EstimateJson {
	EstimateJson {
		epoch: estimate.epoch,
		points: estimate.points,
		potential_points: estimate.potential_points,
		category_points: estimate.category_points,
		pool: estimate.pool.to_string(),
		amount: estimate.amount.to_string(),
	}
}

fn deal_json(id: H256, deal: depin_runtime_api::Deal<AccountId, Balance, BlockNumber>) -> DealJson {
	use depin_runtime_api::DealState;
	let p = deal.proposal;
	let (state, progress) = match deal.state {
		DealState::Published => ("published", None),
		DealState::Active(progress) => ("active", Some(progress)),
		DealState::Closed => ("closed", None),
	};
	DealJson {
		id,
		client: p.client,
		device: p.device,
		root: p.root,
		chunks: p.chunks,
		price_per_gib: p.price_per_gib.to_string(),
		activation_deadline: p.activation_deadline,
		duration: p.duration,
		provider_collateral: p.provider_collateral.to_string(),
		client_collateral: p.client_collateral.to_string(),
		provider: deal.provider,
		deposit: deal.deposit.to_string(),
		epoch_price: deal.epoch_price.to_string(),
		epoch_fee: deal.epoch_fee.to_string(),
		miss_penalty: deal.miss_penalty.to_string(),
		collateral_left: deal.collateral_left.to_string(),
		state: state.into(),
		sector: progress.map(|x| x.sector),
		first_epoch: progress.map(|x| x.first_epoch),
		last_epoch: progress.map(|x| x.last_epoch(p.duration)),
		settled_through: progress.map(|x| x.settled_through),
		paid: progress.map_or(0, |x| x.paid),
		missed: progress.map_or(0, |x| x.missed),
		misses_in_row: progress.map_or(0, |x| x.misses_in_row),
		collected: progress.map_or(0, |x| x.collected),
		refunded: progress.map_or(0, |x| x.refunded),
	}
}

fn permanent_json(
	id: u64,
	deal: depin_runtime_api::PermanentDeal<AccountId, Balance, BlockNumber>,
) -> PermanentJson {
	let replicas = deal
		.replicas
		.into_iter()
		.zip(0u32..)
		.map(|(r, index)| {
			let (state, tranche) = r.state.name_and_tranche();
			ReplicaJson {
				index,
				root: r.root,
				chunks: r.chunks,
				state: state.into(),
				tranche,
				reserved_for: r.reserved.map(|(device, _)| device),
				reserved_until: r.reserved.map(|(_, until)| until),
				barred: r.barred.map(|(device, _)| device),
				barred_until: r.barred.map(|(_, until)| until),
				left: r.left.to_string(),
				served: r.served,
				year_price: r.year_price.to_string(),
			}
		})
		.collect();
	PermanentJson {
		id,
		client: deal.client,
		price_per_gib: deal.price_per_gib.to_string(),
		decline_per_billion: deal.decline.deconstruct(),
		epochs_per_year: deal.epochs_per_year,
		provider_collateral: deal.provider_collateral.to_string(),
		replicas,
	}
}

fn area_error(error: AreaQueryError) -> ErrorObjectOwned {
	match error {
		AreaQueryError::InvalidCell => invalid_params("not a valid H3 cell"),
		AreaQueryError::CellTooCoarse { min_resolution } => invalid_params(format!(
			"the cell is coarser than the indexed resolution {min_resolution}: query its \
			 children at resolution {min_resolution} or finer"
		)),
	}
}

impl<C> Depin<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: DepinApi<Block, AccountId, Balance, BlockNumber>,
{
	/// Calls the runtime API at `at` (the best block if `None`); a failed call is the JSON-RPC
	/// error [`RUNTIME_ERROR`]. Every method below is one such call and a conversion to JSON.
	fn query<R>(
		&self,
		at: Option<Hash>,
		call: impl FnOnce(&C::Api, Hash) -> Result<R, sp_api::ApiError>,
	) -> RpcResult<R> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		call(&self.client.runtime_api(), at).map_err(runtime_error)
	}
}

impl<C> DepinRpcServer for Depin<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: DepinApi<Block, AccountId, Balance, BlockNumber>,
{
	fn device(&self, id: DeviceId, at: Option<Hash>) -> RpcResult<Option<DeviceJson>> {
		Ok(self.query(at, |api, at| api.device(at, id))?.map(|device| device_json(id, device)))
	}

	fn device_by_key(&self, key: KeyJson, at: Option<Hash>) -> RpcResult<Option<DeviceJson>> {
		let key = parse_key(&key)?;
		let found = self.query(at, |api, at| api.device_by_key(at, key))?;
		Ok(found.map(|(id, device)| device_json(id, device)))
	}

	fn devices_of(
		&self,
		owner: AccountId,
		start_after: Option<DeviceId>,
		limit: Option<u32>,
		at: Option<Hash>,
	) -> RpcResult<Vec<DeviceJson>> {
		let limit = limit.unwrap_or(DEFAULT_LIMIT);
		let devices = self.query(at, |api, at| api.devices_of(at, owner, start_after, limit))?;
		Ok(devices.into_iter().map(|(id, device)| device_json(id, device)).collect())
	}

	fn devices_in_area(
		&self,
		cell: String,
		kind: Option<String>,
		start_after: Option<DeviceId>,
		limit: Option<u32>,
		at: Option<Hash>,
	) -> RpcResult<AreaPageJson> {
		let cell = parse_cell(&cell)?;
		let kind = kind.as_deref().map(parse_kind).transpose()?;
		let limit = limit.unwrap_or(DEFAULT_LIMIT);
		let page = self.query(at, |api, at| {
			let version = api
				.api_version::<dyn DepinApi<Block, AccountId, Balance, BlockNumber>>(at)?
				.unwrap_or(1);
			if version >= 2 {
				api.devices_in_area(at, cell, kind, start_after, limit)
			} else {
				// A block of a runtime from before the bounded walk: a plain list, no cursor.
				#[allow(deprecated)]
				let devices = api.devices_in_area_before_version_2(at, cell, kind, start_after, limit)?;
				Ok(devices.map(|devices| depin_runtime_api::AreaPage { devices, next: None }))
			}
		})?;
		let page = page.map_err(area_error)?;
		Ok(AreaPageJson {
			devices: page.devices.into_iter().map(|(id, device)| device_json(id, device)).collect(),
			next: page.next,
		})
	}

	fn epoch(&self, at: Option<Hash>) -> RpcResult<EpochJson> {
		Ok(epoch_json(self.query(at, |api, at| api.epoch(at))?))
	}

	fn open_challenges(&self, device: DeviceId, at: Option<Hash>) -> RpcResult<Vec<ChallengeJson>> {
		let open = self.query(at, |api, at| api.open_challenges(at, device))?;
		Ok(open.into_iter().map(challenge_json).collect())
	}

	fn coverage_beacons(&self, at: Option<Hash>) -> RpcResult<Vec<BeaconJson>> {
		let beacons = self.query(at, |api, at| api.coverage_beacons(at))?;
		Ok(beacons.into_iter().map(beacon_json).collect())
	}

	fn coverage_ticket(&self, device: DeviceId, at: Option<Hash>) -> RpcResult<Option<BeaconJson>> {
		let ticket = self.query(at, |api, at| api.coverage_ticket(at, device))?;
		Ok(ticket.map(beacon_json))
	}

	fn compute_challenge(
		&self,
		device: DeviceId,
		at: Option<Hash>,
	) -> RpcResult<Option<WorkChallengeJson>> {
		use depin_runtime_api::WorkStatus;
		let challenge = self.query(at, |api, at| api.compute_challenge(at, device))?;
		Ok(challenge.map(|c| {
			let (status, root) = match c.status {
				WorkStatus::NotChallenged => ("notChallenged", None),
				WorkStatus::Challenged => ("challenged", None),
				WorkStatus::Committed(w) => ("committed", Some(w.root)),
				WorkStatus::Proven => ("proven", None),
				WorkStatus::Faked => ("faked", None),
			};
			WorkChallengeJson {
				epoch: c.epoch,
				start: c.start,
				segments: c.segments,
				segment_length: c.segment_len,
				reveal_at: c.reveal_at,
				deadline: c.deadline,
				status: status.into(),
				root,
				sampled: c.sampled,
				consecutive_faults: c.consecutive_faults,
			}
		}))
	}

	fn proof_status(
		&self,
		device: DeviceId,
		at: Option<Hash>,
	) -> RpcResult<Option<ProofStatusJson>> {
		Ok(self.query(at, |api, at| api.proof_status(at, device))?.map(proof_status_json))
	}

	fn reward_receipts(
		&self,
		device: DeviceId,
		from_epoch: Option<u32>,
		limit: Option<u32>,
		at: Option<Hash>,
	) -> RpcResult<Vec<ReceiptJson>> {
		let limit = limit.unwrap_or(DEFAULT_LIMIT);
		let receipts =
			self.query(at, |api, at| api.reward_receipts(at, device, from_epoch, limit))?;
		Ok(receipts.into_iter().map(receipt_json).collect())
	}

	fn pending_rewards(&self, device: DeviceId, at: Option<Hash>) -> RpcResult<PendingJson> {
		Ok(pending_json(self.query(at, |api, at| api.pending_rewards(at, device))?))
	}

	fn reward_estimate(
		&self,
		device: DeviceId,
		at: Option<Hash>,
	) -> RpcResult<Option<EstimateJson>> {
		Ok(self.query(at, |api, at| api.reward_estimate(at, device))?.map(estimate_json))
	}

	fn deal(&self, id: H256, at: Option<Hash>) -> RpcResult<Option<DealJson>> {
		Ok(self.query(at, |api, at| api.deal(at, id))?.map(|deal| deal_json(id, deal)))
	}

	fn deal_by_root(
		&self,
		device: DeviceId,
		root: H256,
		at: Option<Hash>,
	) -> RpcResult<Option<DealJson>> {
		let found = self.query(at, |api, at| api.deal_by_root(at, device, root))?;
		Ok(found.map(|(id, deal)| deal_json(id, deal)))
	}

	fn deals_of_client(
		&self,
		client: AccountId,
		start_after: Option<H256>,
		limit: Option<u32>,
		at: Option<Hash>,
	) -> RpcResult<Vec<DealJson>> {
		let limit = limit.unwrap_or(DEFAULT_LIMIT);
		let deals =
			self.query(at, |api, at| api.deals_of_client(at, client, start_after, limit))?;
		Ok(deals.into_iter().map(|(id, deal)| deal_json(id, deal)).collect())
	}

	fn deals_of_device(
		&self,
		device: DeviceId,
		start_after: Option<H256>,
		limit: Option<u32>,
		at: Option<Hash>,
	) -> RpcResult<Vec<DealJson>> {
		let limit = limit.unwrap_or(DEFAULT_LIMIT);
		let deals =
			self.query(at, |api, at| api.deals_of_device(at, device, start_after, limit))?;
		Ok(deals.into_iter().map(|(id, deal)| deal_json(id, deal)).collect())
	}

	fn permanent_deal(&self, id: u64, at: Option<Hash>) -> RpcResult<Option<PermanentJson>> {
		Ok(self.query(at, |api, at| api.permanent_deal(at, id))?.map(|d| permanent_json(id, d)))
	}

	fn permanent_deals(
		&self,
		start_after: Option<u64>,
		limit: Option<u32>,
		at: Option<Hash>,
	) -> RpcResult<Vec<PermanentJson>> {
		let limit = limit.unwrap_or(DEFAULT_LIMIT);
		let deals = self.query(at, |api, at| api.permanent_deals(at, start_after, limit))?;
		Ok(deals.into_iter().map(|(id, deal)| permanent_json(id, deal)).collect())
	}

	fn replica_by_root(&self, root: H256, at: Option<Hash>) -> RpcResult<Option<(u64, u32)>> {
		self.query(at, |api, at| api.replica_by_root(at, root))
	}

	fn sensor_schema(&self, id: u32, at: Option<Hash>) -> RpcResult<Option<SchemaJson>> {
		Ok(self.query(at, |api, at| api.sensor_schema(at, id))?.map(|r| schema_json(id, r)))
	}

	fn sensor_status(
		&self,
		device: DeviceId,
		at: Option<Hash>,
	) -> RpcResult<Option<SensorStatusJson>> {
		let status = self.query(at, |api, at| api.sensor_status(at, device))?;
		Ok(status.map(|s| SensorStatusJson {
			device,
			schema: s.schema,
			last_end: s.last_end,
			pending: s.pending.map(|p| PendingAttestationJson {
				epoch: p.epoch,
				audit_in: p.audit_in,
				root: p.root,
				count: p.count,
				start: p.start,
				end: p.end,
			}),
			sampled: s.sampled,
		}))
	}

	fn subscription(&self, id: u64, at: Option<Hash>) -> RpcResult<Option<SubscriptionJson>> {
		Ok(self.query(at, |api, at| api.subscription(at, id))?.map(|s| subscription_json(id, s)))
	}

	fn area_subscriptions(
		&self,
		schema: u32,
		cell: String,
		at: Option<Hash>,
	) -> RpcResult<Vec<SubscriptionJson>> {
		let raw = parse_cell(&cell)?;
		let cell = depin_runtime_api::H3Cell::new(raw)
			.map_err(|_| invalid_params(format!("{cell:?} is not a valid H3 cell")))?;
		let subscriptions = self.query(at, |api, at| api.area_subscriptions(at, schema, cell))?;
		Ok(subscriptions.into_iter().map(|(id, s)| subscription_json(id, s)).collect())
	}

	fn energy_trade(&self, id: u64, at: Option<Hash>) -> RpcResult<Option<EnergyTradeJson>> {
		Ok(self.query(at, |api, at| api.energy_trade(at, id))?.map(|t| trade_json(id, t)))
	}

	fn meter_trades(&self, device: DeviceId, at: Option<Hash>) -> RpcResult<Vec<EnergyTradeJson>> {
		let trades = self.query(at, |api, at| api.meter_trades(at, device))?;
		Ok(trades.into_iter().map(|(id, t)| trade_json(id, t)).collect())
	}
}

fn label(bytes: &[u8]) -> String {
	String::from_utf8_lossy(bytes).into_owned()
}

fn schema_json(id: u32, record: depin_runtime_api::SchemaRecord) -> SchemaJson {
	let schema = record.schema;
	SchemaJson {
		id,
		name: label(&schema.name),
		fields: schema
			.fields
			.iter()
			.map(|f| FieldJson {
				name: label(&f.name),
				unit: label(&f.unit),
				decimals: f.decimals,
				min: f.min,
				max: f.max,
				tolerance: f.tolerance,
			})
			.collect(),
		interval: schema.interval,
		retired: record.retired,
	}
}

fn subscription_json(
	id: u64,
	s: depin_runtime_api::Subscription<AccountId, Balance>,
) -> SubscriptionJson {
	SubscriptionJson {
		id,
		buyer: s.buyer,
		schema: s.schema,
		area: cell_string(s.area.raw()),
		price: s.price.to_string(),
		left: s.left.to_string(),
		deposit: s.deposit.to_string(),
		first: s.first,
		last: s.last,
	}
}

fn trade_json(id: u64, t: depin_runtime_api::EnergyTrade<AccountId, Balance>) -> EnergyTradeJson {
	EnergyTradeJson {
		id,
		buyer: t.buyer,
		seller: t.seller,
		producer: t.producer,
		consumer: t.consumer,
		produced_field: t.produced_field,
		consumed_field: t.consumed_field,
		price: t.price.to_string(),
		cap: t.cap,
		left: t.left.to_string(),
		deposit: t.deposit.to_string(),
		first: t.first,
		last: t.last,
		owed: t.owed.into_iter().map(|o| (o.settled_in, o.amount.to_string())).collect(),
		disputed: t.disputed,
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn keys_and_cells_round_trip_through_their_json_forms() {
		for key in [
			DeviceKey::Sr25519(sr25519::Public::from_raw([7; 32])),
			DeviceKey::Ed25519(ed25519::Public::from_raw([8; 32])),
			DeviceKey::Ecdsa(ecdsa::Public::from_raw([2; 33])),
		] {
			assert_eq!(parse_key(&key_json(&key)).ok(), Some(key));
		}
		let raw = 0x891f1d48177ffff;
		assert_eq!(cell_string(raw), "891f1d48177ffff");
		assert_eq!(parse_cell("891f1d48177ffff").ok(), Some(raw));
		assert_eq!(parse_cell("0x891f1d48177ffff").ok(), Some(raw));
		for kind in DeviceKind::ALL {
			assert_eq!(parse_kind(&kind_name(kind)).ok(), Some(kind));
		}
		assert_eq!(kind_name(DeviceKind::Sensor), "sensor");
	}

	#[test]
	fn bad_keys_cells_and_kinds_are_invalid_params() {
		let bad = [
			parse_key(&KeyJson { scheme: "rsa".into(), public: "0x00".into() }).err(),
			parse_key(&KeyJson { scheme: "sr25519".into(), public: "0x0102".into() }).err(),
			parse_key(&KeyJson { scheme: "ed25519".into(), public: "0xzz".into() }).err(),
			parse_cell("not hex").err(),
			parse_kind("toaster").err(),
		];
		for error in bad {
			assert_eq!(error.map(|e| e.code()), Some(ErrorCode::InvalidParams.code()));
		}
	}
}
