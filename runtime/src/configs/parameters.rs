//! Runtime parameters: every DePIN economic number lives in `pallet-parameters`, and the
//! parameters track changes it only through `pallet-guarded-parameters`, within the guards
//! below. Root (the root track, or sudo on dev chains) may still set any value directly with
//! `parameters.set_parameter`.

use frame_support::{
	dynamic_params::{dynamic_pallet_params, dynamic_params},
	traits::{AsEnsureOriginWithArg, ConstU32, Get},
};
use frame_system::EnsureRoot;
use pallet_devices::DeviceKind;
use pallet_guarded_parameters::{Guard, Guards};
use sp_runtime::Perbill;

use crate::{
	governance::pallet_custom_origins, AccountId, Balance, BlockNumber, Runtime, RuntimeEvent,
	DAYS, HOURS, MILLI_UNITS, MINUTES, UNITS, YEARS,
};

#[dynamic_params(RuntimeParameters, pallet_parameters::Parameters::<Runtime>)]
pub mod dynamic_params {
	use super::*;

	/// The device registry.
	#[dynamic_pallet_params]
	#[codec(index = 0)]
	pub mod devices {
		/// Every device holds at least this deposit.
		#[codec(index = 0)]
		pub static DepositBase: Balance = 5 * UNITS;
		/// Plus this per byte of metadata (at most 162 bytes).
		#[codec(index = 1)]
		pub static DepositPerByte: Balance = 10 * MILLI_UNITS;
		/// A retired device's deposit stays slashable this long.
		#[codec(index = 2)]
		pub static UnbondingPeriod: BlockNumber = 7 * DAYS;
		/// The most devices one account may own.
		#[codec(index = 3)]
		pub static MaxDevicesPerOwner: u32 = 1_000;
		/// The fewest blocks between two moves of a device.
		#[codec(index = 4)]
		pub static LocationChangeInterval: BlockNumber = DAYS;
	}

	/// The proofs.
	#[dynamic_pallet_params]
	#[codec(index = 1)]
	pub mod proofs {
		/// The length of a proving epoch.
		#[codec(index = 0)]
		pub static ProvingPeriod: BlockNumber = HOURS;
		/// Proofs are due this long after an epoch starts.
		#[codec(index = 1)]
		pub static ResponseWindow: BlockNumber = 45 * MINUTES;
		/// Chunks challenged per sector per epoch.
		#[codec(index = 2)]
		pub static ChallengesPerSector: u32 = 2;
		/// Epochs missed in a row that suspend a device.
		#[codec(index = 3)]
		pub static FaultThreshold: u32 = 3;
		/// The part of its deposit a device loses when faults suspend it.
		#[codec(index = 4)]
		pub static FaultSlash: Perbill = Perbill::from_percent(5);
		/// The protocol fee of every storage deal payment, burned. It is also the most a
		/// deal-backed sector's points may draw from the storage pool in the epoch (HIP-10),
		/// so self-dealing never pays: see pallets/proofs/README.md.
		#[codec(index = 5)]
		pub static DealFee: Perbill = Perbill::from_percent(20);
		/// The part of its provider collateral a deal pays its client for each missed epoch.
		#[codec(index = 6)]
		pub static DealMissSlash: Perbill = Perbill::from_percent(10);
		/// Missed epochs in a row that end a deal, its provider collateral paid to the client.
		#[codec(index = 7)]
		pub static DealMaxMisses: u32 = 6;
		/// The lowest price of a GiB for an epoch a storage deal may offer: every storage
		/// point costs its deal at least the fee on this (see `pallet_proofs::Config`).
		#[codec(index = 8)]
		pub static DealMinPrice: Balance = MILLI_UNITS;
		/// The share of storage devices audited in an epoch, each drawn on its own from the
		/// epoch's seed: a quarter, so a million devices' proofs take a quarter of the
		/// bytes, and a device that dropped a sector's data is caught about four epochs later,
		/// losing every epoch since its last audit passed (its deals pay in arrears). At most
		/// 90 % by a change; the dev chains audit every device every epoch, from genesis.
		#[codec(index = 9)]
		pub static AuditRate: Perbill = Perbill::from_percent(25);
	}

	/// Token emission.
	#[dynamic_pallet_params]
	#[codec(index = 3)]
	pub mod emission {
		/// The reward of each block before the first halving: 8 DPN, 4,800 DPN an hour.
		#[codec(index = 0)]
		pub static BlockReward: Balance = 8 * UNITS;
		/// Blocks between halvings: four years of 6-second blocks.
		#[codec(index = 1)]
		pub static HalvingPeriod: BlockNumber = 4 * YEARS;
		/// The storage providers' share of each epoch's emission.
		#[codec(index = 2)]
		pub static StorageShare: Perbill = Perbill::from_percent(40);
		/// The coverage providers' share.
		#[codec(index = 3)]
		pub static CoverageShare: Perbill = Perbill::from_percent(20);
		/// The compute providers' share.
		#[codec(index = 4)]
		pub static ComputeShare: Perbill = Perbill::from_percent(15);
		/// The sensor providers' share, paid for the data buyers bought (each device's
		/// reward capped by the fees its sales burned): 5 %, out of the treasury's 15 % before
		/// the sensor pallet.
		#[codec(index = 8)]
		pub static SensorShare: Perbill = Perbill::from_percent(5);
		/// The block authors' share; the treasury gets the rest (10 %).
		#[codec(index = 5)]
		pub static ValidatorShare: Perbill = Perbill::from_percent(10);
		/// Epochs during which an ended epoch's rewards can be claimed: 30 days of hourly epochs.
		#[codec(index = 6)]
		pub static ClaimWindow: u32 = 720;
		/// Burn slashed device deposits (true) or send them to the treasury (false).
		#[codec(index = 7)]
		pub static BurnSlashed: bool = false;
	}

	/// Compute capacity challenges and jobs.
	#[dynamic_pallet_params]
	#[codec(index = 4)]
	pub mod compute {
		/// Segments sampled from each capacity commitment: 8 catch a device that skipped
		/// 10 % of its work with probability 57 %, one that skipped half with 99.6 %. At most
		/// the runtime's `MaxSamples` (16), which bounds a reveal's weight.
		#[codec(index = 0)]
		pub static Samples: u32 = 8;
		/// The part of its deposit a device loses when a revealed segment proves faked work.
		#[codec(index = 1)]
		pub static FraudSlash: Perbill = Perbill::from_percent(50);
		/// A consumer may dispute a receipt this long after it was submitted; the device is
		/// paid after it.
		#[codec(index = 2)]
		pub static DisputeWindow: BlockNumber = DAYS;
		/// A consumer may cancel a job without a receipt this long after opening it.
		#[codec(index = 3)]
		pub static JobTimeout: BlockNumber = 3 * DAYS;
		/// The protocol fee of every paid job, burned at settlement: what the job earns in
		/// compute points and the most they are paid (a provider paying itself never earns
		/// more than it burns).
		#[codec(index = 4)]
		pub static JobFee: Perbill = Perbill::from_percent(20);
		/// The share of enrolled compute devices audited in an epoch, each drawn on its own
		/// from the epoch's seed: a quarter, so a device is audited about six times a day and
		/// a process carrying many devices pays the work of a quarter of them every hour, at
		/// random. The dev chains audit every device every epoch.
		#[codec(index = 5)]
		pub static AuditRate: Perbill = Perbill::from_percent(25);
	}

	/// The coverage rules against rings of hotspots (see pallets/coverage/README.md).
	#[dynamic_pallet_params]
	#[codec(index = 5)]
	pub mod coverage {
		/// Meetings of two hotspots (one witnessing the other's beacon, either way round) that
		/// pay in full; the `n`-th after them pays `free / n`.
		#[codec(index = 0)]
		pub static ReciprocityFree: u32 = 4;
		/// Epochs after which a pair's count of meetings halves: a day of hourly epochs.
		#[codec(index = 1)]
		pub static ReciprocityHalfLife: u32 = 24;
		/// The most receipts of one hotspot that earn points in an epoch.
		#[codec(index = 2)]
		pub static WitnessCap: u32 = 10;
		/// The share of the hotspots heard in a beaconer's density cell that must witness its
		/// beacon: half, so a ring must outnumber the honest hotspots of every cell it claims.
		#[codec(index = 3)]
		pub static NeighbourQuorum: Perbill = Perbill::from_percent(50);
		/// Beacons in a row its neighbours did not witness after which a hotspot loses its
		/// coverage share.
		#[codec(index = 4)]
		pub static UnheardLimit: u32 = 3;
		/// Epochs without a judge heard in a density cell (a vouched hotspot in good standing
		/// that witnessed) after which a newcomer there becomes a pioneer by beaconing: a day
		/// of hourly epochs. Until then it is on probation, so a ring cannot vouch for itself
		/// while the hotspots around it happen to be quiet or out of good standing.
		#[codec(index = 5)]
		pub static PioneerAfter: u32 = 24;
		/// The beacon lottery's odds: a hotspot on the roster beacons in about one epoch in
		/// this many, whatever the roster's size: a day of hourly epochs.
		#[codec(index = 6)]
		pub static BeaconInterval: u32 = 24;
	}

	/// Sensor data and its buyers.
	#[dynamic_pallet_params]
	#[codec(index = 6)]
	pub mod sensors {
		/// The protocol fee of every sale of sensor data, burned at the audit that pays it:
		/// what the sale earns in sensor points and the most they are paid (a provider buying
		/// its own data never earns more than it burns).
		#[codec(index = 0)]
		pub static DataFee: Perbill = Perbill::from_percent(20);
	}

	/// Governance timing: root only (no guard).
	#[dynamic_pallet_params]
	#[codec(index = 2)]
	pub mod governance {
		/// Every governance period (tracks, vote locks, spends) is divided by this; 1 in
		/// production, `DAYS` on dev chains (a day lasts one block).
		#[codec(index = 0)]
		pub static PeriodDivisor: BlockNumber = 1;
	}
}

pub use dynamic_params::{
	compute as compute_params, coverage as coverage_params, devices as device_params,
	emission as emission_params, governance as governance_params, proofs as proof_params,
	sensors as sensor_params,
};

impl pallet_parameters::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeParameters = RuntimeParameters;
	/// Root directly; the parameters track through the guards.
	type AdminOrigin = AsEnsureOriginWithArg<EnsureRoot<AccountId>>;
	/// The SDK's reference weights (the crate exports only these; RocksDB's heavier database
	/// weights make them conservative for our ParityDB). Our own call on top,
	/// `guarded_parameters.set_parameter`, is benchmarked here.
	type WeightInfo = ();
}

/// `[min, max]`, a relative step of `step_percent` per change and an absolute step of
/// `min_step`.
const fn guard(min: u128, max: u128, step_percent: u32, min_step: u128) -> Guard {
	Guard { min, max, max_change: Perbill::from_percent(step_percent), min_step }
}

/// A guard of a share (a `Perbill`) between `min` and `max` percent, a relative step of
/// `step_percent` per change and an absolute step of one percent.
const fn percent_guard(min: u32, max: u32, step_percent: u32) -> Guard {
	guard(parts(min), parts(max), step_percent, parts(1))
}

/// `percent` in a `Perbill`'s parts.
const fn parts(percent: u32) -> u128 {
	Perbill::from_percent(percent).deconstruct() as u128
}

/// The guard of a protocol fee on paid usage (`proofs.DealFee`, `compute.JobFee`,
/// `sensors.DataFee`): 5 % to 50 %,
/// a fifth of itself at a time. The fee is what paid usage earns in points and the most those
/// points are paid: with no fee paid usage would draw nothing from its pool, and with half the
/// price honest usage is dear.
const fn protocol_fee_guard() -> Guard {
	percent_guard(5, 50, 20)
}

/// The most the parameters track may set a kind's pool share to, in percent of an epoch's
/// emission. A new kind gets its maximum here; the match is exhaustive. Sensor's 10 came out of
/// storage's (50 before) and coverage's (25 before), each still above its default (40, 20).
pub const fn max_pool_share_percent(kind: DeviceKind) -> u32 {
	match kind {
		DeviceKind::Storage => 45,
		DeviceKind::Coverage => 20,
		DeviceKind::Compute => 15,
		DeviceKind::Sensor => 10,
	}
}

/// The most the parameters track may set the validators' share to, in percent.
pub const MAX_VALIDATOR_SHARE_PERCENT: u32 = 10;

// Every pool's maximum and the validators' add up to at most 100 %, so no guarded change can
// overcommit an epoch's emission: checked when the runtime compiles, over every kind.
#[allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]
const _: () = {
	let mut sum = MAX_VALIDATOR_SHARE_PERCENT;
	let mut i = 0;
	while i < DeviceKind::COUNT {
		sum += max_pool_share_percent(DeviceKind::ALL[i]);
		i += 1;
	}
	assert!(sum <= 100, "the shares' maxima must not add up to more than 100 %");
};

/// An emission share: 0 to `max_percent`, moving by a fifth of itself or 1 % per change.
const fn share_guard(max_percent: u32) -> Guard {
	percent_guard(0, max_percent, 20)
}

const fn blocks(n: BlockNumber) -> u128 {
	n as u128
}

/// The guard of every DePIN parameter.
pub struct DepinGuards;

impl DepinGuards {
	/// A guard with the current value and the proposed one, as numbers.
	fn view<V: Copy + Into<u128>>(
		g: Guard,
		current: V,
		proposed: &Option<V>,
	) -> Option<(Guard, u128, Option<u128>)> {
		Some((g, current.into(), proposed.map(Into::into)))
	}

	fn view_perbill(
		g: Guard,
		current: Perbill,
		proposed: &Option<Perbill>,
	) -> Option<(Guard, u128, Option<u128>)> {
		Some((g, current.deconstruct().into(), proposed.map(|p| p.deconstruct().into())))
	}
}

/// The shortest compute reveal window the parameters may leave: the blocks between the
/// reveal seed (half-way through the response window) and the deadline.
pub const MIN_REVEAL_WINDOW: BlockNumber = 4;

/// The compute commit window a response window gives: its first half (at least a block).
pub const fn compute_commit_window(response_window: BlockNumber) -> BlockNumber {
	let half = response_window / 2;
	if half == 0 {
		1
	} else {
		half
	}
}

impl Guards<RuntimeParameters> for DepinGuards {
	/// What one guard per parameter cannot see: the response window stays within its proving
	/// period (else a short period cuts the reveals off), and leaves a compute reveal window
	/// of at least [`MIN_REVEAL_WINDOW`] blocks.
	fn relations_hold(key_value: &RuntimeParameters) -> bool {
		use proof_params::Parameters as P;
		let (period, window) = match key_value {
			RuntimeParameters::Proofs(P::ProvingPeriod(_, Some(v))) => {
				(*v, proof_params::ResponseWindow::get())
			},
			RuntimeParameters::Proofs(P::ResponseWindow(_, Some(v))) => {
				(proof_params::ProvingPeriod::get(), *v)
			},
			_ => return true,
		};
		window <= period
			&& window.saturating_sub(compute_commit_window(window)) >= MIN_REVEAL_WINDOW
	}

	fn inspect(key_value: &RuntimeParameters) -> Option<(Guard, u128, Option<u128>)> {
		use compute_params::Parameters as C;
		use coverage_params::Parameters as V;
		use device_params::Parameters as D;
		use emission_params::Parameters as E;
		use proof_params::Parameters as P;
		use sensor_params::Parameters as S;
		match key_value {
			RuntimeParameters::Sensors(p) => match p {
				S::DataFee(_, v) => {
					Self::view_perbill(protocol_fee_guard(), sensor_params::DataFee::get(), v)
				},
			},
			RuntimeParameters::Devices(p) => match p {
				D::DepositBase(_, v) => Self::view(
					guard(UNITS, 100 * UNITS, 25, UNITS),
					device_params::DepositBase::get(),
					v,
				),
				D::DepositPerByte(_, v) => Self::view(
					guard(MILLI_UNITS, 100 * MILLI_UNITS, 25, MILLI_UNITS),
					device_params::DepositPerByte::get(),
					v,
				),
				D::UnbondingPeriod(_, v) => Self::view(
					guard(blocks(DAYS), blocks(28 * DAYS), 50, blocks(DAYS)),
					device_params::UnbondingPeriod::get(),
					v,
				),
				D::MaxDevicesPerOwner(_, v) => Self::view(
					guard(10, 100_000, 50, 10),
					device_params::MaxDevicesPerOwner::get(),
					v,
				),
				D::LocationChangeInterval(_, v) => Self::view(
					guard(blocks(HOURS), blocks(7 * DAYS), 50, blocks(HOURS)),
					device_params::LocationChangeInterval::get(),
					v,
				),
			},
			RuntimeParameters::Compute(p) => match p {
				// Never below 4 samples (a device skipping half its work caught with 94 %),
				// never above `MaxSamples`.
				C::Samples(_, v) => {
					Self::view(guard(4, 16, 0, 2), compute_params::Samples::get(), v)
				},
				C::FraudSlash(_, v) => Self::view_perbill(
					percent_guard(10, 100, 20),
					compute_params::FraudSlash::get(),
					v,
				),
				C::DisputeWindow(_, v) => Self::view(
					guard(blocks(HOURS), blocks(7 * DAYS), 50, blocks(HOURS)),
					compute_params::DisputeWindow::get(),
					v,
				),
				C::JobTimeout(_, v) => Self::view(
					guard(blocks(DAYS), blocks(30 * DAYS), 50, blocks(DAYS)),
					compute_params::JobTimeout::get(),
					v,
				),
				C::JobFee(_, v) => {
					Self::view_perbill(protocol_fee_guard(), compute_params::JobFee::get(), v)
				},
				// Never below 5 % (a device audited about once a day on hourly epochs), up to
				// every device every epoch; half of itself at a time.
				C::AuditRate(_, v) => Self::view_perbill(
					percent_guard(5, 100, 50),
					compute_params::AuditRate::get(),
					v,
				),
			},
			RuntimeParameters::Coverage(p) => match p {
				V::ReciprocityFree(_, v) => {
					Self::view(guard(1, 64, 50, 1), coverage_params::ReciprocityFree::get(), v)
				},
				// An hour to a month of hourly epochs.
				V::ReciprocityHalfLife(_, v) => {
					Self::view(guard(1, 720, 50, 1), coverage_params::ReciprocityHalfLife::get(), v)
				},
				V::WitnessCap(_, v) => {
					Self::view(guard(1, 256, 50, 1), coverage_params::WitnessCap::get(), v)
				},
				// A tenth to nine tenths of the neighbours heard.
				V::NeighbourQuorum(_, v) => Self::view_perbill(
					percent_guard(10, 90, 20),
					coverage_params::NeighbourQuorum::get(),
					v,
				),
				V::UnheardLimit(_, v) => {
					Self::view(guard(1, 48, 50, 1), coverage_params::UnheardLimit::get(), v)
				},
				// At least the epochs a cell's judges take to recover when all of them fall
				// out of good standing together (two quiet epochs, then a beacon), at most a
				// month of hourly epochs.
				V::PioneerAfter(_, v) => {
					Self::view(guard(4, 720, 50, 1), coverage_params::PioneerAfter::get(), v)
				},
				// From 21 epochs (a full roster of `MaxRoster`, a million hotspots, then wins
				// 47,600 beacons an epoch, 11 standard deviations under `MaxBeacons`' 50,000, so
				// no crowd of winners can shut honest ones out) to a week of hourly epochs, half
				// of itself at a time. Dev chains start at 1 (genesis), below the guard.
				V::BeaconInterval(_, v) => {
					Self::view(guard(21, 168, 50, 1), coverage_params::BeaconInterval::get(), v)
				},
			},
			// Root only.
			RuntimeParameters::Governance(_) => None,
			// The shares' maxima add up to at most 100 % (checked at compile time above), so no
			// guarded change can overcommit an epoch's emission.
			RuntimeParameters::Emission(p) => match p {
				E::BlockReward(_, v) => Self::view(
					guard(0, 16 * UNITS, 10, 100 * MILLI_UNITS),
					emission_params::BlockReward::get(),
					v,
				),
				E::HalvingPeriod(_, v) => Self::view(
					guard(blocks(YEARS), blocks(8 * YEARS), 10, blocks(DAYS)),
					emission_params::HalvingPeriod::get(),
					v,
				),
				E::StorageShare(_, v) => Self::view_perbill(
					share_guard(max_pool_share_percent(DeviceKind::Storage)),
					emission_params::StorageShare::get(),
					v,
				),
				E::CoverageShare(_, v) => Self::view_perbill(
					share_guard(max_pool_share_percent(DeviceKind::Coverage)),
					emission_params::CoverageShare::get(),
					v,
				),
				E::ComputeShare(_, v) => Self::view_perbill(
					share_guard(max_pool_share_percent(DeviceKind::Compute)),
					emission_params::ComputeShare::get(),
					v,
				),
				E::SensorShare(_, v) => Self::view_perbill(
					share_guard(max_pool_share_percent(DeviceKind::Sensor)),
					emission_params::SensorShare::get(),
					v,
				),
				E::ValidatorShare(_, v) => Self::view_perbill(
					share_guard(MAX_VALIDATOR_SHARE_PERCENT),
					emission_params::ValidatorShare::get(),
					v,
				),
				E::ClaimWindow(_, v) => {
					Self::view(guard(24, 90 * 24, 50, 24), emission_params::ClaimWindow::get(), v)
				},
				E::BurnSlashed(_, v) => {
					Self::view(guard(0, 1, 0, 1), emission_params::BurnSlashed::get(), v)
				},
			},
			RuntimeParameters::Proofs(p) => match p {
				P::ProvingPeriod(_, v) => Self::view(
					guard(10, blocks(DAYS), 50, 10),
					proof_params::ProvingPeriod::get(),
					v,
				),
				P::ResponseWindow(_, v) => Self::view(
					guard(10, blocks(DAYS), 50, 10),
					proof_params::ResponseWindow::get(),
					v,
				),
				P::ChallengesPerSector(_, v) => {
					Self::view(guard(1, 8, 0, 1), proof_params::ChallengesPerSector::get(), v)
				},
				P::FaultThreshold(_, v) => {
					Self::view(guard(1, 10, 0, 1), proof_params::FaultThreshold::get(), v)
				},
				P::FaultSlash(_, v) => {
					Self::view_perbill(percent_guard(0, 50, 20), proof_params::FaultSlash::get(), v)
				},
				P::DealFee(_, v) => {
					Self::view_perbill(protocol_fee_guard(), proof_params::DealFee::get(), v)
				},
				P::DealMissSlash(_, v) => Self::view_perbill(
					percent_guard(0, 50, 20),
					proof_params::DealMissSlash::get(),
					v,
				),
				P::DealMaxMisses(_, v) => {
					Self::view(guard(1, 48, 50, 1), proof_params::DealMaxMisses::get(), v)
				},
				// A hundredth of a milli-DPN to one DPN a GiB-hour: never free.
				P::DealMinPrice(_, v) => Self::view(
					guard(MILLI_UNITS / 100, UNITS, 50, MILLI_UNITS / 100),
					proof_params::DealMinPrice::get(),
					v,
				),
				// Never below a tenth (a device that dropped its data is caught about ten
				// epochs later, and its deals' epochs since are missed), never above nine
				// tenths: a rate of one, under which the ledger counts every untouched epoch and
				// a deal's misses in a row by epochs, is a dev chain's from genesis, never a
				// change (raised to one, a run of unaudited epochs would count as missed audits).
				// Half of itself at a time.
				P::AuditRate(_, v) => {
					Self::view_perbill(percent_guard(10, 90, 50), proof_params::AuditRate::get(), v)
				},
			},
		}
	}
}

/// A proving-period change within its guard, for the benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct GuardedBenchmarkChange;

#[cfg(feature = "runtime-benchmarks")]
impl Get<RuntimeParameters> for GuardedBenchmarkChange {
	/// Half the current proving period longer (at least a block): one guard step from the
	/// value the benchmark's genesis has, whichever preset it uses.
	fn get() -> RuntimeParameters {
		let current = proof_params::ProvingPeriod::get();
		RuntimeParameters::Proofs(proof_params::Parameters::ProvingPeriod(
			proof_params::ProvingPeriod,
			Some(current.saturating_add((current / 2).max(1))),
		))
	}
}

impl pallet_guarded_parameters::Config for Runtime {
	type GuardedOrigin = pallet_custom_origins::ParameterAdmin;
	type Guards = DepinGuards;
	/// A parameter moves at most one guard step a week, however many referenda pass.
	type ChangeWindow = ConstU32<{ 7 * DAYS }>;
	type WeightInfo = pallet_guarded_parameters::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = GuardedBenchmarkChange;
}
