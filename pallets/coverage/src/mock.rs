//! A test runtime: System, Balances, the real device registry, the real epochs pallet and Coverage, with coverage devices on real H3 cells around Berlin.

// Test code: an overflow panics, which fails the test.
#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing, clippy::unwrap_used)]

use crate::{self as pallet_coverage, types::*, BeaconBundleOf, WitnessReceiptOf};
use depin_proving::ProvingEpochs;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU8, Hooks},
	BoundedVec,
};
use frame_system::EnsureRoot;
use h3o::{LatLng, Resolution};
use pallet_devices::{DeviceId, DeviceKind};
use sp_runtime::BuildStorage;

pub use depin_test_utils::{clear_points, enter_block, points, RecordPoints};

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type Balance = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Devices: pallet_devices,
		Epochs: pallet_epochs,
		Coverage: pallet_coverage,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
	/// Reads and writes that weigh something, so tests see what a refund saves.
	type DbWeight = frame_support::weights::constants::RocksDbWeight;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

parameter_types! {
	pub const DepositBase: Balance = 100;
	pub const DepositPerByte: Balance = 1;
	pub const UnbondingPeriod: u64 = 10;
}

impl pallet_devices::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Slashed = ();
	type OnDeviceChange = Coverage;
	type Rewards = ();
	type SuspendOrigin = EnsureRoot<AccountId>;
	type DepositBase = DepositBase;
	type DepositPerByte = DepositPerByte;
	type UnbondingPeriod = UnbondingPeriod;
	type MaxProofAge = frame_support::traits::ConstU64<5>;
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
	type ResponseWindow = ConstU64<8>;
	type WeightInfo = ();
}

use frame_support::traits::ConstU64;

parameter_types! {
	pub static BeaconInterval: u32 = 1;
	pub static MaxBeacons: u32 = 64;
	pub static JudgedPerBlock: u32 = 16;
	pub static VouchingLasts: u32 = 1_000;
	pub static MaxRoster: u32 = 16;
	pub const SignalRange: (i16, i16) = (-140, 0);
	pub const SnrRange: (i16, i16) = (-300, 300);
	pub static DensityTarget: u32 = 2;
	pub static DensityMax: u32 = 4;
	// The ring rules, loose unless a test tightens them.
	pub static ReciprocityFree: u32 = 1_000;
	pub static WitnessCap: u32 = 1_000;
	pub static NeighbourQuorum: sp_runtime::Perbill = sp_runtime::Perbill::from_percent(50);
	pub static UnheardLimit: u32 = u32::MAX;
	pub static PioneerAfter: u32 = 24;
}

impl pallet_coverage::Config for Test {
	type Registry = Devices;
	type Epochs = Epochs;
	type OnProofAccepted = RecordPoints;
	type BeaconInterval = BeaconInterval;
	type MaxBeacons = MaxBeacons;
	type JudgedPerBlock = JudgedPerBlock;
	type VouchingLasts = VouchingLasts;
	type MaxWitnesses = ConstU32<6>;
	type MaxRoster = MaxRoster;
	type MaxBatch = ConstU32<4>;
	type ExclusionResolution = ConstU8<8>;
	type DistanceResolution = ConstU8<8>;
	type MaxWitnessDistance = ConstU32<10>;
	type FreshnessWindow = ConstU64<3>;
	type ReceiptWindow = ConstU64<2>;
	type SignalRange = SignalRange;
	type SnrRange = SnrRange;
	type BeaconPoints = ConstU64<400>;
	type WitnessPoints = ConstU64<100>;
	type DensityTarget = DensityTarget;
	type DensityMax = DensityMax;
	type ReciprocityFree = ReciprocityFree;
	type ReciprocityHalfLife = ConstU32<4>;
	type MaxPartners = ConstU32<4>;
	type WitnessCap = WitnessCap;
	type NeighbourQuorum = NeighbourQuorum;
	type UnheardLimit = UnheardLimit;
	type PioneerAfter = PioneerAfter;
	type WeightInfo = ();
}

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const CHARLIE: AccountId = 3;
/// Alice's fleet manager.
pub const MANAGER: AccountId = 4;
pub const DAVE: AccountId = 5;
pub const EVE: AccountId = 6;
pub const INITIAL_BALANCE: Balance = 100_000;

/// Alice's coverage device in Berlin: the beaconer of most tests (sr25519).
pub const BEACONER: DeviceId = 0;
/// Bob's, about 1.5 km away (ed25519).
pub const NEAR_BOB: DeviceId = 1;
/// Charlie's, about 2 km away on the other side (ECDSA).
pub const NEAR_CHARLIE: DeviceId = 2;
/// Alice's second one, near: same owner as the beaconer.
pub const ALICES_OTHER: DeviceId = 3;
/// Dave's, in the beaconer's own resolution-8 cell.
pub const CLOSE_DAVE: DeviceId = 4;
/// Eve's, in Potsdam, about 25 km away.
pub const FAR_EVE: DeviceId = 5;
/// Bob's storage device, near.
pub const STORAGE_BOB: DeviceId = 6;
/// Dave's, near, managed by Alice's manager.
pub const MANAGED_DAVE: DeviceId = 7;
/// Eve's, in New York: another H3 base cell.
pub const NEW_YORK_EVE: DeviceId = 8;
/// Bob's, near but registered at resolution 7 only.
pub const COARSE_BOB: DeviceId = 9;

/// Test keys.
pub type TestKey = pallet_devices::DevicePair;

/// The key of a genesis device.
pub fn key_of(device: DeviceId) -> TestKey {
	depin_test_utils::device_key(device)
}

/// The H3 cell at `resolution` of a point.
pub fn cell_at(lat: f64, lng: f64, resolution: u8) -> u64 {
	u64::from(LatLng::new(lat, lng).unwrap().to_cell(Resolution::try_from(resolution).unwrap()))
}

/// Where each genesis device is (resolution 12 unless said).
pub fn location_of(device: DeviceId) -> u64 {
	match device {
		BEACONER => cell_at(52.5200, 13.4050, 12),
		NEAR_BOB | STORAGE_BOB => cell_at(52.5300, 13.4200, 12),
		NEAR_CHARLIE => cell_at(52.5080, 13.3900, 12),
		ALICES_OTHER | MANAGED_DAVE => cell_at(52.5250, 13.4300, 12),
		CLOSE_DAVE => cell_at(52.5201, 13.4052, 12),
		FAR_EVE => cell_at(52.3906, 13.0645, 12),
		NEW_YORK_EVE => cell_at(40.7128, -74.0060, 12),
		COARSE_BOB => cell_at(52.5300, 13.4200, 7),
		_ => unreachable!("no such genesis device"),
	}
}

fn genesis_devices() -> Vec<(AccountId, pallet_devices::DeviceKey, DeviceKind, u64, u64)> {
	let owner_of = |device| match device {
		BEACONER | ALICES_OTHER => ALICE,
		NEAR_BOB | STORAGE_BOB | COARSE_BOB => BOB,
		NEAR_CHARLIE => CHARLIE,
		CLOSE_DAVE | MANAGED_DAVE => DAVE,
		_ => EVE,
	};
	(0..=COARSE_BOB)
		.map(|device| {
			let kind =
				if device == STORAGE_BOB { DeviceKind::Storage } else { DeviceKind::Coverage };
			let capacity = if device == STORAGE_BOB { 1 << 20 } else { 0 };
			(owner_of(device), key_of(device).public(), kind, location_of(device), capacity)
		})
		.collect()
}

#[derive(Default)]
pub struct ExtBuilder;

impl ExtBuilder {
	pub fn build(self) -> sp_io::TestExternalities {
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> {
			balances: [ALICE, BOB, CHARLIE, MANAGER, DAVE, EVE]
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
			clear_points();
			run_to_block(1);
			// The genesis hotspots have been heard by their neighbours before: no probation.
			for device in (0..=COARSE_BOB).filter(|d| *d != STORAGE_BOB) {
				crate::Standings::<Test>::mutate(device, |s| crate::Pallet::<Test>::vouch(s, 0));
			}
			for (owner, device) in [(ALICE, BEACONER), (DAVE, MANAGED_DAVE)] {
				frame_support::assert_ok!(Devices::set_manager(
					RuntimeOrigin::signed(owner),
					device,
					Some(MANAGER)
				));
			}
		});
		ext
	}

	/// Build, run the test, then check every invariant.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			<Coverage as Hooks<u64>>::integrity_test();
			test();
			Coverage::do_try_state().expect("coverage invariants hold");
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

/// Run blocks up to `n`: each gets its VRF output, then the hooks in runtime order.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		enter_block(next);
		// The epochs pallet starts epochs; the coverage pallet, after it, judges the beacons of
		// ended epochs.
		Epochs::on_initialize(next);
		Coverage::on_initialize(next);
	}
}

/// Run to the first block of epoch `e` (10-block epochs from block 0).
pub fn run_to_epoch(e: EpochIndex) {
	run_to_block(u64::from(e) * 10);
	assert_eq!(<Epochs as ProvingEpochs<u64>>::current().index, e);
}

/// Join `device` as its owner.
pub fn join(device: DeviceId) {
	let owner = pallet_devices::Devices::<Test>::get(device).unwrap().owner;
	frame_support::assert_ok!(Coverage::join(RuntimeOrigin::signed(owner), device));
}

/// The beacon `device` transmits in the current epoch at `sent_at` on `frequency` kHz.
pub fn beacon_of(device: DeviceId, sent_at: u64, frequency: u32) -> BeaconReport<u64> {
	signed_beacon(device, &key_of(device), sent_at, frequency)
}

/// The beacon `device`, whose key is `key`, transmits in the current epoch.
pub fn signed_beacon(
	device: DeviceId,
	key: &TestKey,
	sent_at: u64,
	frequency: u32,
) -> BeaconReport<u64> {
	let epoch = <Epochs as ProvingEpochs<u64>>::current();
	let challenge = beacon_challenge(&epoch.seed, epoch.index, device);
	let message = Coverage::beacon_message(device, epoch.index, challenge, sent_at, frequency);
	BeaconReport { device, epoch: epoch.index, sent_at, frequency, signature: key.sign(&message) }
}

/// The frequency beacons use in tests, kHz.
pub const FREQUENCY: u32 = 868_100;

/// An honest receipt of `beacon` by `witness`, heard at `received_at` where it is registered.
pub fn receipt_of(
	witness: DeviceId,
	beacon: &BeaconReport<u64>,
	received_at: u64,
) -> WitnessReceiptOf<Test> {
	let mut receipt = WitnessReceipt {
		witness,
		beacon: Coverage::beacon_id(beacon),
		signal: -97,
		snr: 75,
		frequency: beacon.frequency,
		received_at,
		cell: location_of(witness),
		signature: key_of(witness).sign(b""),
	};
	resign(&mut receipt);
	receipt
}

/// Re-sign a (tampered) receipt with its witness's key, so only the tampering is wrong.
pub fn resign(receipt: &mut WitnessReceiptOf<Test>) {
	receipt.signature = key_of(receipt.witness).sign(&Coverage::receipt_message(receipt));
}

/// A bundle.
pub fn bundle(
	beacon: BeaconReport<u64>,
	receipts: Vec<WitnessReceiptOf<Test>>,
) -> BeaconBundleOf<Test> {
	BeaconBundle { beacon, receipts: BoundedVec::truncate_from(receipts) }
}

/// A batch.
pub fn batch(bundles: Vec<BeaconBundleOf<Test>>) -> crate::BeaconBundlesOf<Test> {
	BoundedVec::truncate_from(bundles)
}

/// The pallet's events so far.
pub fn coverage_events() -> Vec<crate::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Coverage(e) => Some(e),
			_ => None,
		})
		.collect()
}

pub fn last_event() -> crate::Event<Test> {
	coverage_events().pop().expect("an event")
}

/// The rejection reasons reported so far, by witness.
pub fn rejections() -> Vec<(DeviceId, WitnessRejection)> {
	coverage_events()
		.into_iter()
		.filter_map(|e| match e {
			crate::Event::WitnessRejected { witness, reason, .. } => Some((witness, reason)),
			_ => None,
		})
		.collect()
}
