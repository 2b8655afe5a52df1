//! A test runtime: System, Balances, the real device registry, the real epochs pallet and
//! Sensors, with weather stations in Berlin and one in Munich that keep real batches of
//! readings.

// Test code: an overflow panics, which fails the test.
#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing, clippy::unwrap_used)]

use crate::{self as pallet_sensors, types::*, ReadingsRevealOf, RuntimeHasher};
use depin_merkle::MerkleTree;
use depin_proving::ProvingEpochs;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64, ConstU8, Hooks, UnixTime},
	weights::Weight,
	BoundedVec,
};
use frame_system::EnsureRoot;
use h3o::{LatLng, Resolution};
use pallet_devices::{DeviceId, DeviceKind};
use sp_core::H256;
use sp_runtime::{BuildStorage, Perbill};

pub use depin_test_utils::enter_block;

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type Balance = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Devices: pallet_devices,
		Epochs: pallet_epochs,
		Sensors: pallet_sensors,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
	/// Reads and writes that weigh something, so tests see what the sweep counts.
	type DbWeight = frame_support::weights::constants::RocksDbWeight;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

/// The Unix time of block 0; a block lasts a minute.
pub const GENESIS_TIME: u64 = 1_800_000_000;

/// A block's length in the mock, in seconds.
pub const BLOCK_SECS: u64 = 60;

parameter_types! {
	pub const DepositBase: Balance = 100;
	pub const DepositPerByte: Balance = 1;
	pub const UnbondingPeriod: u64 = 10;
	pub const FraudSlash: Perbill = Perbill::from_percent(50);
	pub const UnverifiedQuality: Perbill = Perbill::from_percent(20);
	pub const DataFee: Perbill = Perbill::from_percent(20);
	pub const SubscriptionDeposit: Balance = 50;
	pub const TradeDeposit: Balance = 40;
	pub static NowSecs: u64 = GENESIS_TIME;
	/// Blocks of an epoch that take attestations and reveals (of 10).
	pub static ResponseWindow: u64 = 8;
}

/// The wall clock: [`NowSecs`], moved by [`run_to_block`].
pub struct MockTime;

impl UnixTime for MockTime {
	fn now() -> core::time::Duration {
		core::time::Duration::from_secs(NowSecs::get())
	}
}

impl pallet_devices::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Slashed = ();
	type OnDeviceChange = Sensors;
	type Rewards = ();
	type SuspendOrigin = EnsureRoot<AccountId>;
	type DepositBase = DepositBase;
	type DepositPerByte = DepositPerByte;
	type UnbondingPeriod = UnbondingPeriod;
	type MaxProofAge = ConstU64<5>;
	type MaxDevicesPerOwner = ConstU32<10>;
	type MinResolution = ConstU8<7>;
	type MaxResolution = ConstU8<12>;
	type DensityResolution = ConstU8<7>;
	type LocationChangeInterval = UnbondingPeriod;
	type MaxBatch = ConstU32<4>;
	type WeightInfo = ();
}

/// Randomness that exists only once its block does, like BABE's VRF output.
pub type TestRandomness = depin_test_utils::TestRandomness<Test>;

impl pallet_epochs::Config for Test {
	type Randomness = TestRandomness;
	type OnEpochEnd = ();
	type OnEpochStart = ();
	type ProvingPeriod = ConstU64<10>;
	type ResponseWindow = ResponseWindow;
	type WeightInfo = ();
}

impl pallet_sensors::Config for Test {
	type Registry = Devices;
	type Epochs = Epochs;
	type Time = MockTime;
	type SchemaOrigin = EnsureRoot<AccountId>;
	type OnProofAccepted = depin_test_utils::RecordPoints;
	type NeighbourhoodResolution = ConstU8<7>;
	type NeighbourhoodRings = ConstU32<1>;
	type MaxNeighbours = ConstU32<4>;
	type MinNeighbours = ConstU32<3>;
	type UnverifiedQuality = UnverifiedQuality;
	type Samples = ConstU32<3>;
	type MaxSamples = ConstU32<4>;
	type MaxSpan = ConstU64<3_600>;
	type MaxClockDrift = ConstU64<30>;
	type FraudSlash = FraudSlash;
	type MaxBatch = ConstU32<4>;
	type MaxRevealBatch = ConstU32<4>;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	/// Fees are dropped: burned.
	type FeeDestination = ();
	type DataFee = DataFee;
	type FeePerPoint = ConstU64<10>;
	type AreaResolution = ConstU8<5>;
	type MaxSubscriptions = ConstU32<2>;
	type MaxSubscriptionEpochs = ConstU32<10>;
	type SubscriptionDeposit = SubscriptionDeposit;
	type TradeDeposit = TradeDeposit;
	type TradeDisputeEpochs = ConstU32<2>;
	type MaxDeviceTrades = ConstU32<2>;
	type DisputeOrigin = EnsureRoot<AccountId>;
	type WeightInfo = ();
}

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const CHARLIE: AccountId = 3;
pub const DAVE: AccountId = 4;
/// Alice's fleet manager.
pub const MANAGER: AccountId = 5;
pub const EVE: AccountId = 6;
pub const FRANK: AccountId = 7;
pub const GRACE: AccountId = 8;
pub const INITIAL_BALANCE: Balance = 100_000;

/// Alice's station in Berlin.
pub const ALICE_STATION: DeviceId = 0;
/// Bob's, a few metres away.
pub const BOB_STATION: DeviceId = 1;
/// Charlie's, a few metres away.
pub const CHARLIE_STATION: DeviceId = 2;
/// Alice's second station, a few metres away.
pub const ALICES_OTHER: DeviceId = 3;
/// Dave's, in Munich: no neighbours.
pub const MUNICH: DeviceId = 4;
/// Eve's storage device in Berlin.
pub const STORAGE: DeviceId = 5;
/// Eve's station, a few metres away.
pub const EVE_STATION: DeviceId = 6;
/// Frank's, in the next cell at the neighbourhood resolution (7).
pub const NEXT_CELL: DeviceId = 7;
/// Grace's, two cells away at resolution 7.
pub const TWO_CELLS_AWAY: DeviceId = 8;
/// A data buyer.
pub const BUYER: AccountId = 9;
/// Another.
pub const OTHER_BUYER: AccountId = 10;

/// Test keys.
pub type TestKey = pallet_devices::DevicePair;

/// The key of a genesis device.
pub fn key_of(device: DeviceId) -> TestKey {
	depin_test_utils::device_key(device)
}

/// The H3 cell at resolution 12 of a point.
pub fn cell_at(lat: f64, lng: f64) -> u64 {
	u64::from(LatLng::new(lat, lng).unwrap().to_cell(Resolution::Twelve))
}

/// The centre (at resolution 12) of a cell at resolution 7 that lies `steps` grid steps from
/// the Berlin stations' cell.
pub fn cells_away(steps: u32) -> u64 {
	let home = LatLng::new(52.52, 13.405).unwrap().to_cell(Resolution::Seven);
	let cell = home
		.grid_disk::<Vec<_>>(steps)
		.into_iter()
		.find(|c| home.grid_distance(*c).ok() == Some(steps as i32))
		.unwrap();
	u64::from(cell.center_child(Resolution::Twelve).unwrap())
}

/// The area (at resolution 5) of the Berlin stations.
pub fn berlin_area() -> u64 {
	let cell = h3o::CellIndex::try_from(location_of(ALICE_STATION)).unwrap();
	u64::from(cell.parent(Resolution::Five).unwrap())
}

/// The area of the Munich station.
pub fn munich_area() -> u64 {
	let cell = h3o::CellIndex::try_from(location_of(MUNICH)).unwrap();
	u64::from(cell.parent(Resolution::Five).unwrap())
}

/// `who`'s funds held for subscriptions.
pub fn subscription_hold(who: AccountId) -> Balance {
	use frame_support::traits::fungible::InspectHold;
	Balances::balance_on_hold(&RuntimeHoldReason::Sensors(crate::HoldReason::Subscription), &who)
}

/// `who`'s free balance.
pub fn free(who: AccountId) -> Balance {
	Balances::free_balance(who)
}

/// Subscribe as `who` to the weather in `area` at `price` a point with `budget`, for epochs
/// `first..=last`.
pub fn subscribe(
	who: AccountId,
	area: u64,
	price: Balance,
	budget: Balance,
	first: u32,
	last: u32,
) {
	frame_support::assert_ok!(Sensors::subscribe(
		RuntimeOrigin::signed(who),
		WEATHER,
		area,
		price,
		budget,
		first,
		last
	));
}

/// The sales so far: `(subscription, device, paid, fee)`.
pub fn sales() -> Vec<(u64, DeviceId, Balance, Balance)> {
	sensor_events()
		.into_iter()
		.filter_map(|e| match e {
			crate::Event::DataSold { subscription, device, paid, fee, .. } => {
				Some((subscription, device, paid, fee))
			},
			_ => None,
		})
		.collect()
}

/// Where each genesis device is.
pub fn location_of(device: DeviceId) -> u64 {
	match device {
		ALICE_STATION => cell_at(52.52000, 13.40500),
		BOB_STATION => cell_at(52.52010, 13.40520),
		CHARLIE_STATION => cell_at(52.51990, 13.40490),
		ALICES_OTHER => cell_at(52.52020, 13.40470),
		MUNICH => cell_at(48.13700, 11.57500),
		STORAGE => cell_at(52.52000, 13.40510),
		EVE_STATION => cell_at(52.51995, 13.40530),
		NEXT_CELL => cells_away(1),
		TWO_CELLS_AWAY => cells_away(2),
		_ => unreachable!("no such genesis device"),
	}
}

fn genesis_devices() -> Vec<(AccountId, pallet_devices::DeviceKey, DeviceKind, u64, u64)> {
	let device =
		|owner, id, kind, capacity| (owner, key_of(id).public(), kind, location_of(id), capacity);
	vec![
		device(ALICE, ALICE_STATION, DeviceKind::Sensor, 0),
		device(BOB, BOB_STATION, DeviceKind::Sensor, 0),
		device(CHARLIE, CHARLIE_STATION, DeviceKind::Sensor, 0),
		device(ALICE, ALICES_OTHER, DeviceKind::Sensor, 0),
		device(DAVE, MUNICH, DeviceKind::Sensor, 0),
		device(EVE, STORAGE, DeviceKind::Storage, 1 << 20),
		device(EVE, EVE_STATION, DeviceKind::Sensor, 0),
		device(FRANK, NEXT_CELL, DeviceKind::Sensor, 0),
		device(GRACE, TWO_CELLS_AWAY, DeviceKind::Sensor, 0),
	]
}

/// The weather schema (number 0): temperature in hundredths of a degree, humidity in tenths of
/// a percent, a reading a minute at the most.
pub fn weather() -> Schema {
	let label = |s: &str| Label::truncate_from(s.as_bytes().to_vec());
	let field = |name, unit, decimals, min, max, tolerance| Field {
		name: label(name),
		unit: label(unit),
		decimals,
		min,
		max,
		tolerance,
	};
	Schema {
		name: label("weather-station"),
		fields: BoundedVec::truncate_from(vec![
			field("temperature", "degC", 2, -5_000, 6_000, 300),
			field("humidity", "percent", 1, 0, 1_000, 100),
		]),
		interval: 60,
	}
}

/// The schema every test station enrolls under.
pub const WEATHER: SchemaId = 0;

/// An energy meter's schema: watt-hours produced and consumed a minute, any two meters
/// agreeing (the tolerance is the whole range).
pub fn meter() -> Schema {
	Schema::of(
		"energy-meter",
		&[
			("produced", "Wh", 0, 0, 1_000_000, 1_000_000),
			("consumed", "Wh", 0, 0, 1_000_000, 1_000_000),
		],
		60,
	)
}

/// The meter schema's number, once a test registered it ([`meters`]).
pub const METER: SchemaId = 1;

/// Register the meter schema and enroll `devices` under it as their owners.
pub fn meters(devices: &[DeviceId]) {
	frame_support::assert_ok!(Sensors::register_schema(RuntimeOrigin::root(), meter()));
	for &device in devices {
		let owner = pallet_devices::Devices::<Test>::get(device).unwrap().owner;
		frame_support::assert_ok!(Sensors::enroll(RuntimeOrigin::signed(owner), device, METER));
	}
}

/// What `who` holds for its trades.
pub fn trade_hold(who: AccountId) -> Balance {
	use frame_support::traits::fungible::InspectHold;
	Balances::balance_on_hold(&RuntimeHoldReason::Sensors(crate::HoldReason::Trade), &who)
}

#[derive(Default)]
pub struct ExtBuilder;

impl ExtBuilder {
	pub fn build(self) -> sp_io::TestExternalities {
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> {
			balances: [ALICE, BOB, CHARLIE, DAVE, MANAGER, EVE, FRANK, GRACE, BUYER, OTHER_BUYER]
				.map(|who| (who, INITIAL_BALANCE))
				.to_vec(),
			..Default::default()
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		pallet_devices::GenesisConfig::<Test> { devices: genesis_devices() }
			.assimilate_storage(&mut storage)
			.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| {
			depin_test_utils::clear_points();
			NowSecs::set(GENESIS_TIME);
			run_to_block(1);
			frame_support::assert_ok!(Devices::set_manager(
				RuntimeOrigin::signed(ALICE),
				ALICE_STATION,
				Some(MANAGER)
			));
			frame_support::assert_ok!(Sensors::register_schema(RuntimeOrigin::root(), weather()));
		});
		ext
	}

	/// Build, run the test, then check every invariant.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			<Sensors as Hooks<u64>>::integrity_test();
			test();
			Sensors::do_try_state().expect("sensors invariants hold");
			#[cfg(feature = "try-runtime")]
			{
				Epochs::do_try_state(System::block_number()).expect("epochs invariants hold");
				Devices::do_try_state().expect("devices invariants hold");
			}
		});
	}
}

/// An externality for the benchmark tests.
#[cfg(feature = "runtime-benchmarks")]
pub fn new_bench_ext() -> sp_io::TestExternalities {
	let mut ext = ExtBuilder.build();
	ext.register_extension(sp_keystore::KeystoreExt::new(
		sp_keystore::testing::MemoryKeystore::new(),
	));
	ext
}

/// Run blocks up to `n`: each a minute after the last, with its VRF output, then the hooks,
/// then `on_idle` with `idle` weight.
pub fn run_to_block_with_idle(n: u64, idle: Weight) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		NowSecs::set(GENESIS_TIME + BLOCK_SECS * next);
		enter_block(next);
		Epochs::on_initialize(next);
		Sensors::on_initialize(next);
		Sensors::on_idle(next, idle);
	}
}

/// Run blocks up to `n`, with all the idle weight a sweep could want.
pub fn run_to_block(n: u64) {
	run_to_block_with_idle(n, Weight::MAX);
}

/// Run to the first block of epoch `e` (10-block epochs from block 0).
pub fn run_to_epoch(e: EpochIndex) {
	run_to_block(u64::from(e) * 10);
	assert_eq!(current_epoch(), e);
}

/// The epoch in progress.
pub fn current_epoch() -> EpochIndex {
	<Epochs as ProvingEpochs<u64>>::current().index
}

/// The chain's clock.
pub fn now_secs() -> u64 {
	NowSecs::get()
}

/// Enroll `device` under the weather schema as its owner.
pub fn enroll(device: DeviceId) {
	let owner = pallet_devices::Devices::<Test>::get(device).unwrap().owner;
	frame_support::assert_ok!(Sensors::enroll(RuntimeOrigin::signed(owner), device, WEATHER));
}

/// A station's batch of readings, kept as a provider keeps it: the readings, their tree, and
/// the summaries it attests (honest unless a test changes them).
pub struct Batch {
	pub device: DeviceId,
	pub epoch: EpochIndex,
	pub readings: Vec<Reading>,
	pub tree: MerkleTree<RuntimeHasher>,
	pub summaries: Vec<Summary>,
	pub start: u64,
	pub end: u64,
}

impl Batch {
	/// `count` readings a minute apart up to now: temperature about `temp` (hundredths of a
	/// degree), humidity `humidity` (tenths of a percent).
	pub fn now(device: DeviceId, count: u32, temp: i64, humidity: i64) -> Self {
		let end = now_secs();
		let start = end - u64::from(count - 1) * 60;
		let readings = (0..u64::from(count))
			.map(|i| Reading {
				time: start + 60 * i,
				values: vec![temp + (i % 3) as i64, humidity],
			})
			.collect();
		Self::of(device, readings)
	}

	/// A batch of the given readings, honestly summarized.
	pub fn of(device: DeviceId, readings: Vec<Reading>) -> Self {
		let leaves = reading_leaves::<RuntimeHasher>(&readings);
		let tree = MerkleTree::from_leaves(leaves).unwrap();
		let summaries = summarize(&readings, 2).unwrap();
		let start = readings.first().unwrap().time;
		let end = readings.last().unwrap().time;
		Self { device, epoch: current_epoch(), readings, tree, summaries, start, end }
	}

	/// The batch with reading `index` replaced by `values`, its tree rebuilt but its summaries
	/// kept: a station that attests summaries its readings do not have.
	pub fn with_values(mut self, index: usize, values: Vec<i64>) -> Self {
		self.readings[index].values = values;
		self.tree =
			MerkleTree::from_leaves(reading_leaves::<RuntimeHasher>(&self.readings)).unwrap();
		self
	}

	pub fn root(&self) -> H256 {
		H256(self.tree.root())
	}

	/// The signed attestation.
	pub fn attestation(&self) -> Attestation {
		let mut attestation = Attestation {
			device: self.device,
			epoch: self.epoch,
			schema: crate::Sensors::<Test>::get(self.device).map_or(WEATHER, |s| s.schema),
			root: self.root(),
			count: self.readings.len() as u32,
			start: self.start,
			end: self.end,
			summaries: BoundedVec::truncate_from(self.summaries.clone()),
			signature: key_of(self.device).sign(b"unsigned"),
		};
		self.sign(&mut attestation);
		attestation
	}

	/// Sign `attestation` with the batch's device key, at its registered location.
	pub fn sign(&self, attestation: &mut Attestation) {
		let cell = pallet_devices::Devices::<Test>::get(self.device).unwrap().location;
		let message = Sensors::attestation_message(attestation, cell);
		attestation.signature = key_of(self.device).sign(&message);
	}

	/// Reading `index` with its path.
	pub fn reading(&self, index: u32) -> RevealedReading {
		let reading = &self.readings[index as usize];
		RevealedReading {
			index,
			time: reading.time,
			values: BoundedVec::truncate_from(reading.values.clone()),
			path: BoundedVec::truncate_from(
				self.tree.proof(index).unwrap().into_iter().map(H256).collect(),
			),
		}
	}

	/// The readings the current epoch's seed samples from the batch.
	pub fn sampled(&self) -> Vec<u32> {
		let seed = <Epochs as ProvingEpochs<u64>>::current().seed;
		Sensors::sampled(&seed, self.device, self.epoch, self.readings.len() as u32)
	}

	/// The reveal of the sampled readings.
	pub fn reveal(&self) -> ReadingsRevealOf<Test> {
		self.reveal_of(&self.sampled())
	}

	/// A reveal of the given readings.
	pub fn reveal_of(&self, indices: &[u32]) -> ReadingsRevealOf<Test> {
		ReadingsReveal {
			device: self.device,
			epoch: self.epoch,
			readings: BoundedVec::truncate_from(indices.iter().map(|&i| self.reading(i)).collect()),
		}
	}
}

/// Attest in a batch of its own.
pub fn attest(batch: &Batch) {
	frame_support::assert_ok!(Sensors::attest(
		RuntimeOrigin::signed(EVE),
		BoundedVec::truncate_from(vec![batch.attestation()])
	));
}

/// Attest the given attestations in one batch.
pub fn attest_all(attestations: Vec<Attestation>) {
	frame_support::assert_ok!(Sensors::attest(
		RuntimeOrigin::signed(EVE),
		BoundedVec::truncate_from(attestations)
	));
}

/// Reveal in a batch of its own.
pub fn reveal(reveal: ReadingsRevealOf<Test>) {
	frame_support::assert_ok!(Sensors::reveal(
		RuntimeOrigin::signed(EVE),
		BoundedVec::truncate_from(vec![reveal])
	));
}

/// The pallet's events so far.
pub fn sensor_events() -> Vec<crate::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Sensors(e) => Some(e),
			_ => None,
		})
		.collect()
}

/// The rejections reported so far: `(device, error)`.
pub fn rejections() -> Vec<(u64, sp_runtime::DispatchError)> {
	sensor_events()
		.into_iter()
		.filter_map(|e| match e {
			crate::Event::ItemRejected { device, error, .. } => Some((device, error)),
			_ => None,
		})
		.collect()
}

/// The verdicts of audits so far: `(device, quality, points)`.
pub fn verified() -> Vec<(u64, Quality, u64)> {
	sensor_events()
		.into_iter()
		.filter_map(|e| match e {
			crate::Event::ReadingsVerified { device, quality, points, .. } => {
				Some((device, quality, points))
			},
			_ => None,
		})
		.collect()
}
