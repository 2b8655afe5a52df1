//! The DePIN pallets: the device registry, the proofs (storage, coverage and compute) and the
//! emission.
//!
//! Their economic numbers are runtime parameters (`configs/parameters.rs`), changed by the
//! parameters track within guards.

use frame_support::{
	parameter_types,
	traits::{ConstU32, ConstU64, ConstU8, Get, Randomness},
	PalletId,
};
use frame_system::EnsureRoot;
use pallet_proofs::types::EpochIndex;
use sp_runtime::Perbill;

use crate::{
	configs::{
		governance::TreasuryAccount,
		parameters::{
			compute_params, coverage_params, device_params, emission_params, proof_params,
			sensor_params,
		},
	},
	AccountId, Balance, Balances, BlockNumber, Compute, Coverage, Devices, Emission, Hash, Proofs,
	Runtime, RuntimeHoldReason, Signature, HOURS, UNITS,
};

impl pallet_devices::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	/// Slashed deposits go to the treasury.
	/// To the treasury, or burned: the `emission.BurnSlashed` parameter.
	type Slashed = pallet_emission::SlashedFunds<Runtime>;
	/// Storage proofs and compute keep fault ledgers: settled before a device retires, moves
	/// or changes hands. Coverage forgets when a retiring device was last heard. A sensor is
	/// not sold or removed while its audit is open, and an audit it left unanswered is
	/// punished first.
	type OnDeviceChange = (Proofs, Compute, Coverage, crate::Sensors, Emission);
	/// A device is removed only once its rewards are claimed (or expired).
	type Rewards = crate::Emission;
	/// Root until governance provides a dedicated track.
	type SuspendOrigin = EnsureRoot<AccountId>;
	type DepositBase = device_params::DepositBase;
	type DepositPerByte = device_params::DepositPerByte;
	type UnbondingPeriod = device_params::UnbondingPeriod;
	/// A proof of possession is taken for an hour after the block it names; the unbonding
	/// period's guard keeps it at a day or more.
	type MaxProofAge = ConstU32<HOURS>;
	type MaxDevicesPerOwner = device_params::MaxDevicesPerOwner;
	/// Resolution 7 cells average 5.2 km²; resolution 12 cells 307 m².
	type MinResolution = ConstU8<7>;
	type MaxResolution = ConstU8<12>;
	/// Density is counted per resolution-7 cell (about 5 km²).
	type DensityResolution = ConstU8<7>;
	type LocationChangeInterval = device_params::LocationChangeInterval;
	type MaxBatch = ConstU32<50>;
	type WeightInfo = pallet_devices::weights::SubstrateWeight<Runtime>;
}

/// Epoch seeds: BABE's VRF output of the parent block (fresh every block: every block of
/// ours carries a primary or secondary VRF output), or, if a block had none, the randomness
/// BABE collected over the previous epoch.
pub struct ChallengeRandomness;

impl Randomness<Hash, BlockNumber> for ChallengeRandomness {
	fn random(subject: &[u8]) -> (Hash, BlockNumber) {
		match pallet_babe::ParentBlockRandomness::<Runtime>::random(subject) {
			(Some(random), known_since) => (random, known_since),
			(None, _) => pallet_babe::RandomnessFromOneEpochAgo::<Runtime>::random(subject),
		}
	}
}

/// A benchmark's state has no VRF output: one is put in, as every block of a running chain has.
#[cfg(feature = "runtime-benchmarks")]
impl depin_proving::epoch::FreshRandomness for ChallengeRandomness {
	fn make_fresh() {
		pallet_babe::AuthorVrfRandomness::<Runtime>::put(Some([7u8; 32]));
	}
}

/// The proving clock every proof kind reads. Its period and window are governed parameters
/// (kept under `proofs`, where they were set before the clock had a pallet of its own).
impl pallet_epochs::Config for Runtime {
	type Randomness = ChallengeRandomness;
	/// Ended epochs are paid out by the emission pallet. The clock adds the hooks' own
	/// benchmarked weights to its own, so its benchmark runs without them (else they would
	/// count twice).
	#[cfg(not(feature = "runtime-benchmarks"))]
	type OnEpochEnd = crate::Emission;
	#[cfg(feature = "runtime-benchmarks")]
	type OnEpochEnd = ();
	/// Nothing happens when an epoch starts: coverage's beacon lottery needs no draw.
	type OnEpochStart = ();
	type ProvingPeriod = proof_params::ProvingPeriod;
	type ResponseWindow = proof_params::ResponseWindow;
	type WeightInfo = pallet_epochs::weights::SubstrateWeight<Runtime>;
}

impl pallet_proofs::Config for Runtime {
	type Registry = Devices;
	type Epochs = crate::Epochs;
	/// Points become rewards by the emission pallet. The proofs pallet adds the hook's own
	/// benchmarked weight to its own, so its benchmarks run without it (else it would count
	/// twice).
	#[cfg(not(feature = "runtime-benchmarks"))]
	type OnProofAccepted = crate::Emission;
	#[cfg(feature = "runtime-benchmarks")]
	type OnProofAccepted = ();
	/// Two chunks per sector per epoch: a provider keeping a fraction `f` of a sector passes
	/// an epoch with probability `f^2`, and a day of epochs with `f^48`.
	type ChallengesPerSector = proof_params::ChallengesPerSector;
	type MaxChallengesPerSector = depin_primitives::storage::MaxChallengesPerSector;
	/// Sectors up to 2^30 chunks: 1 TiB.
	type MaxTreeDepth = depin_primitives::storage::MaxTreeDepth;
	type MaxSectorsPerDevice = ConstU32<64>;
	type FaultThreshold = proof_params::FaultThreshold;
	type FaultSlash = proof_params::FaultSlash;
	/// 1,000 proofs of two chunks at depth 20 are about 3.4 MB: inside the normal share of a block.
	type MaxBatch = ConstU32<1_000>;
	/// 100 proposals, each a signature check and two holds: a few percent of a block.
	type MaxProposals = ConstU32<100>;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	/// Deal fees are burned (and counted by the emission pallet).
	type FeeDestination = pallet_emission::Burn<Runtime>;
	/// Clients sign proposals with their account keys (sr25519, ed25519 or ECDSA).
	type ClientSignature = Signature;
	type ClientPublic = <Signature as sp_runtime::traits::Verify>::Signer;
	type DealFee = proof_params::DealFee;
	type MissSlash = proof_params::DealMissSlash;
	type MaxMissesInRow = proof_params::DealMaxMisses;
	type AuditRate = proof_params::AuditRate;
	/// A proposal may wait a day for its sector.
	type MaxActivationDelay = ConstU32<{ crate::DAYS }>;
	/// Deals of up to five years of hourly epochs.
	type MaxDealDuration = ConstU32<{ 5 * 365 * 24 }>;
	type MinDealPrice = proof_params::DealMinPrice;
	/// A storage point is a micro-DPN of deal fee burned.
	type FeePerPoint = frame_support::traits::ConstU128<{ crate::MICRO_UNITS }>;
	type DealDeposit = DealDeposit;
	type EndowmentPalletId = EndowmentPalletId;
	type EpochsPerYear = EpochsPerYear;
	type EndowmentDecline = EndowmentDecline;
	/// Up to 16 replicas (or erasure-coded shards) of one file.
	type MaxReplicas = ConstU32<16>;
	type WeightInfo = pallet_proofs::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = depin_proving::Sr25519Account;
}

parameter_types! {
	/// Received signal strengths a LoRa-class radio can report, dBm.
	pub const CoverageSignalRange: (i16, i16) = (-140, 0);
	/// Signal-to-noise ratios it can report, tenths of a dB (-30 dB to +30 dB).
	pub const CoverageSnrRange: (i16, i16) = (-300, 300);
}

impl pallet_coverage::Config for Runtime {
	type Registry = Devices;
	type Epochs = crate::Epochs;
	/// Coverage points feed the emission pallet's coverage pool. As for proofs, the hook's own
	/// benchmarked weight is added to ours, so our benchmarks run without it.
	#[cfg(not(feature = "runtime-benchmarks"))]
	type OnProofAccepted = crate::Emission;
	#[cfg(feature = "runtime-benchmarks")]
	type OnProofAccepted = ();
	/// The lottery's odds: each hotspot beacons about once a day on hourly epochs (governed).
	type BeaconInterval = coverage_params::BeaconInterval;
	/// 50,000 beacons an hour: a network of 1.2 million hotspots beaconing daily.
	type MaxBeacons = ConstU32<50_000>;
	/// 256 beacons judged a block: an hour's 600 blocks judge 153,600, three times the most an
	/// epoch records.
	type JudgedPerBlock = ConstU32<256>;
	/// A week of daily beacons: a hotspot that beacons no more (so that it is never judged)
	/// is back on probation a week after its last beacon.
	type VouchingLasts = ConstU32<7>;
	/// 25 witnesses a beacon, as Helium counted.
	type MaxWitnesses = depin_primitives::coverage::MaxWitnesses;
	type MaxRoster = ConstU32<1_000_000>;
	type MaxBatch = ConstU32<64>;
	/// Resolution 8 cells average 0.74 km² (edges of about 530 m): a witness in the beaconer's
	/// own cell proves nothing about coverage.
	type ExclusionResolution = ConstU8<8>;
	type DistanceResolution = ConstU8<8>;
	/// 40 steps between resolution-8 cells: about 37 km, beyond which a LoRa receipt is not
	/// plausible.
	type MaxWitnessDistance = ConstU32<40>;
	/// A receipt must be heard within 5 blocks (30 s) of the beacon.
	type FreshnessWindow = ConstU32<5>;
	/// Receipts of a recorded beacon are taken for 2 blocks (12 s) after the block that recorded
	/// it: honest hotspots' receipts travel with the beacon; later ones could come from anyone
	/// who read the beacon's id on chain.
	type ReceiptWindow = ConstU32<2>;
	type SignalRange = CoverageSignalRange;
	type SnrRange = CoverageSnrRange;
	type BeaconPoints = ConstU64<400>;
	type WitnessPoints = ConstU64<100>;
	/// Per resolution-7 cell (about 5 km², the registry's density cells): 4 hotspots earn in
	/// full, up to 12 add half a hotspot's worth each, more add nothing.
	type DensityTarget = ConstU32<4>;
	type DensityMax = ConstU32<12>;
	type ReciprocityFree = coverage_params::ReciprocityFree;
	type ReciprocityHalfLife = coverage_params::ReciprocityHalfLife;
	/// 32 partners (a hotspot's neighbours within 37 km, in all but the densest places).
	type MaxPartners = ConstU32<32>;
	type WitnessCap = coverage_params::WitnessCap;
	type NeighbourQuorum = coverage_params::NeighbourQuorum;
	type UnheardLimit = coverage_params::UnheardLimit;
	type PioneerAfter = coverage_params::PioneerAfter;
	type WeightInfo = pallet_coverage::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// The account the permanent deals' endowments are held on.
	pub const EndowmentPalletId: PalletId = PalletId(*b"dpn/endw");
	/// The assumption permanent deals are priced on: keeping a byte gets at least 0.5 % cheaper
	/// a year (Arweave's, far below what storage has done for decades). An endowment is then
	/// 200 years of the first year's price.
	pub const EndowmentDecline: Perbill = Perbill::from_parts(5_000_000);
}

/// A permanent deal's schedule year: a year of proving epochs at the governed
/// `proofs.ProvingPeriod` when the deal is made (8,766 hourly epochs).
pub struct EpochsPerYear;

impl frame_support::traits::Get<EpochIndex> for EpochsPerYear {
	fn get() -> EpochIndex {
		crate::YEARS.checked_div(proof_params::ProvingPeriod::get()).unwrap_or(1).max(1)
	}
}

/// Compute commitments are accepted in the first half of the response window (the governed
/// `proofs.ResponseWindow` parameter), reveals in the second.
pub struct ComputeCommitWindow;

impl frame_support::traits::Get<BlockNumber> for ComputeCommitWindow {
	fn get() -> BlockNumber {
		crate::configs::parameters::compute_commit_window(proof_params::ResponseWindow::get())
	}
}

impl pallet_compute::Config for Runtime {
	type Registry = Devices;
	type Epochs = crate::Epochs;
	type Randomness = ChallengeRandomness;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ChallengeRandomness;
	type CommitWindow = ComputeCommitWindow;
	/// 256 blake2 steps a checkpoint: a sampled segment costs the runtime 256 hashes (1,024
	/// until `spec_version` 116; a commitment keeps the length it was made with).
	type SegmentLength = ConstU32<{ depin_primitives::compute::SEGMENT_LENGTH }>;
	type MaxSegmentLength = ConstU32<16_384>;
	/// A compute unit is 2,048 segments: 524,288 sequential hashes, about a tenth of a second of
	/// one core of the reference machine (docs/compute-audits.md, measured by
	/// `scripts/calibrate-compute.sh`).
	type SegmentsPerUnit = ConstU32<{ depin_primitives::compute::SEGMENTS_PER_UNIT }>;
	/// At most 2^22 segments (a billion hashes: 2,048 units, about three minutes of a core)
	/// per audit; a device declaring more is audited for that much.
	type MaxTreeDepth = depin_primitives::compute::MaxWorkTreeDepth;
	/// Governed (a quarter by default, every device on the dev chains, see `compute_params`).
	type AuditRate = compute_params::AuditRate;
	/// Governed (8 by default, see `compute_params`); the bound below caps what any
	/// parameter change can ask of a reveal's weight.
	type Samples = compute_params::Samples;
	type MaxSamples = depin_primitives::compute::MaxSamples;
	type FaultThreshold = proof_params::FaultThreshold;
	type FaultSlash = proof_params::FaultSlash;
	/// Faked work is proven fraud, signed by the device: half its deposit by default.
	type FraudSlash = compute_params::FraudSlash;
	type MaxBatch = ConstU32<64>;
	type MaxRevealBatch = ConstU32<32>;
	type WeightInfo = pallet_compute::weights::SubstrateWeight<Runtime>;
}

/// Compute jobs: consumers pay devices on co-signed receipts. The dispute window and the job
/// timeout are governed parameters (kept under `compute`, where they were set before jobs had a
/// pallet of their own).
impl pallet_jobs::Config for Runtime {
	type Registry = Devices;
	type Epochs = crate::Epochs;
	/// Paid jobs are the compute pool's only points: their fees, burned, in micro-DPN (as for
	/// storage deals); as for proofs, the hook's own benchmarked weight is added to ours.
	#[cfg(not(feature = "runtime-benchmarks"))]
	type OnProofAccepted = crate::Emission;
	#[cfg(feature = "runtime-benchmarks")]
	type OnProofAccepted = ();
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	/// Job fees are burned (and counted by the emission pallet).
	type FeeDestination = pallet_emission::Burn<Runtime>;
	type JobFee = compute_params::JobFee;
	/// A compute point is a micro-DPN of job fee burned.
	type FeePerPoint = frame_support::traits::ConstU128<{ crate::MICRO_UNITS }>;
	/// Consumers sign receipts with their account keys (sr25519, ed25519 or ECDSA).
	type ConsumerSignature = Signature;
	type ConsumerPublic = <Signature as sp_runtime::traits::Verify>::Signer;
	/// Root until governance provides a dispute track.
	type DisputeOrigin = EnsureRoot<AccountId>;
	type MaxBatch = ConstU32<64>;
	type DisputeWindow = compute_params::DisputeWindow;
	type JobTimeout = compute_params::JobTimeout;
	type WeightInfo = pallet_jobs::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = depin_proving::Sr25519Account;
}

/// A deal's storage deposit: the device registry's price of a byte of state
/// (`devices.DepositPerByte`) for the bytes a deal keeps, its record and its three index
/// entries (its root's holder, and by client and by device), each at its largest.
pub struct DealDeposit;

impl Get<Balance> for DealDeposit {
	fn get() -> Balance {
		use codec::MaxEncodedLen;
		// An index entry's key: the map's prefix (32 bytes) and a hashed key of at most 48
		// bytes (an account or a root under Blake2_128Concat); by client and by device, the
		// deal id (32 bytes) after it; by root, the holder's record as the value.
		const KEY: usize = 32 + 48;
		let root_entry = KEY.saturating_add(pallet_proofs::RootHolder::max_encoded_len());
		let bytes = pallet_proofs::DealOf::<Runtime>::max_encoded_len()
			.saturating_add(32 + 32)
			.saturating_add(KEY.saturating_add(32).saturating_mul(2))
			.saturating_add(root_entry);
		device_params::DepositPerByte::get().saturating_mul(bytes as Balance)
	}
}

/// The kinds rewarded for paid usage, whose rewards the fees of that usage cap: storage (deal
/// fees), compute (job fees) and sensor (data sales' fees). Coverage is rewarded for proofs of
/// presence, which nobody pays for.
pub struct PaidUsageKinds;

impl frame_support::traits::Contains<pallet_devices::DeviceKind> for PaidUsageKinds {
	fn contains(kind: &pallet_devices::DeviceKind) -> bool {
		use pallet_devices::DeviceKind::*;
		matches!(kind, Storage | Compute | Sensor)
	}
}

/// A subscription's storage deposit: the device registry's price of a byte of state
/// (`devices.DepositPerByte`) for the bytes it keeps, its record and its entry in its area's
/// list, each at its largest.
pub struct SubscriptionDeposit;

impl Get<Balance> for SubscriptionDeposit {
	fn get() -> Balance {
		use codec::MaxEncodedLen;
		// The record's key: the map's prefix (32 bytes) and its id (Twox64Concat: 16 bytes);
		// its id in the area's list, and that list's key and length byte (an area's first
		// subscription creates it): the prefix, a Blake2_128Concat hash (16 bytes) and the
		// (schema, cell) key.
		let area_key = pallet_sensors::AreaKey::max_encoded_len().saturating_add(32 + 16 + 1);
		let bytes = pallet_sensors::SubscriptionOf::<Runtime>::max_encoded_len()
			.saturating_add(32 + 16)
			.saturating_add(pallet_sensors::SubscriptionId::max_encoded_len())
			.saturating_add(area_key);
		device_params::DepositPerByte::get().saturating_mul(bytes as Balance)
	}
}

/// An energy trade's storage deposit: the device registry's price of a byte of state for the
/// bytes it keeps, its record and its entries in its two meters' lists.
pub struct TradeDeposit;

impl Get<Balance> for TradeDeposit {
	fn get() -> Balance {
		use codec::MaxEncodedLen;
		// The record's key: the map's prefix (32 bytes) and its id (Twox64Concat: 16 bytes);
		// its id in each meter's list, and that list's key and length byte (a meter's first
		// trade creates it): the prefix, a Twox64Concat device id (16 bytes) and a byte.
		let list = pallet_sensors::TradeId::max_encoded_len().saturating_add(32 + 16 + 1);
		let bytes = pallet_sensors::EnergyTradeOf::<Runtime>::max_encoded_len()
			.saturating_add(32 + 16)
			.saturating_add(list.saturating_mul(2));
		device_params::DepositPerByte::get().saturating_mul(bytes as Balance)
	}
}

impl pallet_sensors::Config for Runtime {
	type Registry = Devices;
	type Epochs = crate::Epochs;
	type Time = crate::Timestamp;
	/// Root until governance provides a dedicated track.
	type SchemaOrigin = EnsureRoot<AccountId>;
	/// Data sales are the sensor pool's only points: their fees, burned, in micro-DPN (as for
	/// deals and jobs); the hook's own benchmarked weight is added to ours.
	#[cfg(not(feature = "runtime-benchmarks"))]
	type OnProofAccepted = crate::Emission;
	#[cfg(feature = "runtime-benchmarks")]
	type OnProofAccepted = ();
	/// Resolution 7, the registry's coarsest: home cells of about 5 km², a neighbourhood of
	/// seven (about 36 km²).
	type NeighbourhoodResolution = ConstU8<7>;
	type NeighbourhoodRings = ConstU32<1>;
	type MaxNeighbours = ConstU32<16>;
	type MinNeighbours = ConstU32<3>;
	/// Data no neighbour of another owner vouches for earns nothing: nothing on chain tells a
	/// made-up lone station from a real one.
	type UnverifiedQuality = UnverifiedQuality;
	/// Four readings sampled at random from each batch, and its last: a batch with a tenth of
	/// its readings outside its summaries is caught with 34 % (at least), one with half with
	/// 94 %, and the slash is half a deposit.
	type Samples = ConstU32<4>;
	type MaxSamples = ConstU32<8>;
	/// Two hours: an epoch's batch and the one before it.
	type MaxSpan = ConstU64<{ 2 * 3_600 }>;
	type MaxClockDrift = ConstU64<60>;
	type FraudSlash = SensorFraudSlash;
	type MaxBatch = ConstU32<32>;
	type MaxRevealBatch = ConstU32<16>;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	/// Data fees are burned (and counted by the emission pallet).
	type FeeDestination = pallet_emission::Burn<Runtime>;
	type DataFee = sensor_params::DataFee;
	/// A sensor point is a micro-DPN of data fee burned.
	type FeePerPoint = frame_support::traits::ConstU128<{ crate::MICRO_UNITS }>;
	/// Resolution 5: areas of about 250 km², 343 home cells each.
	type AreaResolution = ConstU8<5>;
	type MaxSubscriptions = ConstU32<8>;
	/// Thirty days of hourly epochs.
	type MaxSubscriptionEpochs = ConstU32<720>;
	type SubscriptionDeposit = SubscriptionDeposit;
	type TradeDeposit = TradeDeposit;
	/// A day of hourly epochs: a settlement is paid a day after both meters' audits.
	type TradeDisputeEpochs = ConstU32<24>;
	type MaxDeviceTrades = ConstU32<4>;
	/// Root until governance provides a dispute track (as for jobs).
	type DisputeOrigin = EnsureRoot<AccountId>;
	type WeightInfo = pallet_sensors::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	pub const UnverifiedQuality: Perbill = Perbill::zero();
	pub const SensorFraudSlash: Perbill = Perbill::from_percent(50);
}

parameter_types! {
	pub const EmissionPalletId: PalletId = PalletId(*b"dpn/emis");
	/// The hard cap on total issuance: one billion DPN. A constant: only a runtime upgrade
	/// (the root track) can move it.
	pub const MaxSupply: Balance = 1_000_000_000 * UNITS;
}

/// Each kind's pool: its share of every epoch's emission is a guarded parameter of its own
/// (`emission.storageShare`, …). The match is exhaustive: a new kind does not compile until its
/// pool is configured here (and its guard's maximum in `configs/parameters.rs`).
pub struct PoolShares;

impl pallet_emission::PoolShares for PoolShares {
	fn share(kind: pallet_devices::DeviceKind) -> sp_runtime::Perbill {
		use pallet_devices::DeviceKind::*;
		match kind {
			Storage => emission_params::StorageShare::get(),
			Coverage => emission_params::CoverageShare::get(),
			Compute => emission_params::ComputeShare::get(),
			Sensor => emission_params::SensorShare::get(),
		}
	}
}

impl pallet_emission::Config for Runtime {
	type Currency = Balances;
	type Registry = Devices;
	type PalletId = EmissionPalletId;
	type TreasuryAccount = TreasuryAccount;
	type BlockReward = emission_params::BlockReward;
	type HalvingPeriod = emission_params::HalvingPeriod;
	type MaxSupply = MaxSupply;
	type PoolShares = PoolShares;
	type ValidatorShare = emission_params::ValidatorShare;
	type ClaimWindow = emission_params::ClaimWindow;
	type BurnSlashed = emission_params::BurnSlashed;
	/// Storage, compute and sensor rewards are capped by the deal, job and data fees burned
	/// (HIP-10): a provider paying itself for storage, compute or data can never earn more
	/// from the pool than its usage burned.
	type UsageCapped = PaidUsageKinds;
	type WeightInfo = pallet_emission::weights::SubstrateWeight<Runtime>;
}
