//! A test runtime: System, Balances (dust burned through this pallet), the real device
//! registry (slashes through [`SlashedFunds`]), and Emission. The proofs pallet's hooks are
//! called directly, as the runtime's proofs pallet calls them.

// Test code: an overflow panics, which fails the test.
#![allow(clippy::arithmetic_side_effects, clippy::unwrap_used)]

use crate::{self as pallet_emission, types::*, Burn, SlashedFunds};
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU8, Hooks},
	PalletId,
};
use frame_system::EnsureRoot;
use h3o::{LatLng, Resolution};
use pallet_devices::{DeviceId, DeviceKind};
use sp_core::{sr25519, Pair};
use sp_runtime::{BuildStorage, Perbill};

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type Balance = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Devices: pallet_devices,
		Emission: pallet_emission,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

parameter_types! {
	pub const ExistentialDeposit: Balance = 10;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ExistentialDeposit = ExistentialDeposit;
	type DustRemoval = Burn<Test>;
}

parameter_types! {
	pub const DepositBase: Balance = 100;
	pub const DepositPerByte: Balance = 1;
	pub const UnbondingPeriod: u64 = 10;
}

impl pallet_devices::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Slashed = SlashedFunds<Test>;
	type OnDeviceChange = Emission;
	type Rewards = Emission;
	type SuspendOrigin = EnsureRoot<AccountId>;
	type DepositBase = DepositBase;
	type DepositPerByte = DepositPerByte;
	type UnbondingPeriod = UnbondingPeriod;
	type MaxProofAge = frame_support::traits::ConstU64<5>;
	type MaxDevicesPerOwner = ConstU32<10>;
	type MinResolution = ConstU8<5>;
	type MaxResolution = ConstU8<12>;
	type DensityResolution = ConstU8<4>;
	type LocationChangeInterval = UnbondingPeriod;
	type MaxBatch = ConstU32<4>;
	type WeightInfo = ();
}

pub const TREASURY: AccountId = 99;

parameter_types! {
	pub const EmissionPalletId: PalletId = PalletId(*b"dpn/emit");
	pub const TreasuryAccount: AccountId = TREASURY;
	/// 1,000 per block, halving every 100 blocks.
	pub static BlockReward: Balance = 1_000;
	pub static HalvingPeriod: u64 = 100;
	pub static MaxSupply: Balance = 10_000_000;
	pub static StorageShare: Perbill = Perbill::from_percent(40);
	pub static CoverageShare: Perbill = Perbill::from_percent(25);
	pub static ComputeShare: Perbill = Perbill::from_percent(15);
	/// None by default, as in the runtime until the sensor pallet comes.
	pub static SensorShare: Perbill = Perbill::zero();
	pub static ValidatorShare: Perbill = Perbill::from_percent(10);
	pub static ClaimWindow: EpochIndex = 3;
	pub static BurnSlashed: bool = false;
	/// The kind whose rewards are capped by usage fees, if any (none by default).
	pub static CappedKind: Option<DeviceKind> = None;
}

/// [`CappedKind`], as the pallet asks it.
pub struct UsageCapped;

impl frame_support::traits::Contains<DeviceKind> for UsageCapped {
	fn contains(kind: &DeviceKind) -> bool {
		CappedKind::get() == Some(*kind)
	}
}

/// The kinds' shares, each a parameter a test may change.
pub struct Shares;

impl crate::PoolShares for Shares {
	fn share(kind: DeviceKind) -> Perbill {
		match kind {
			DeviceKind::Storage => StorageShare::get(),
			DeviceKind::Coverage => CoverageShare::get(),
			DeviceKind::Compute => ComputeShare::get(),
			DeviceKind::Sensor => SensorShare::get(),
		}
	}
}

impl pallet_emission::Config for Test {
	type Currency = Balances;
	type Registry = Devices;
	type PalletId = EmissionPalletId;
	type TreasuryAccount = TreasuryAccount;
	type BlockReward = BlockReward;
	type HalvingPeriod = HalvingPeriod;
	type MaxSupply = MaxSupply;
	type PoolShares = Shares;
	type ValidatorShare = ValidatorShare;
	type ClaimWindow = ClaimWindow;
	type BurnSlashed = BurnSlashed;
	type UsageCapped = UsageCapped;
	type WeightInfo = ();
}

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const CHARLIE: AccountId = 3;
/// Alice's fleet manager.
pub const MANAGER: AccountId = 4;
/// Validators.
pub const VAL_1: AccountId = 11;
pub const VAL_2: AccountId = 12;
pub const INITIAL_BALANCE: Balance = 10_000;

/// Alice's storage device.
pub const STORAGE_A: DeviceId = 0;
/// Bob's storage device.
pub const STORAGE_B: DeviceId = 1;
/// Alice's coverage device.
pub const COVERAGE: DeviceId = 2;
/// Charlie's compute device.
pub const COMPUTE: DeviceId = 3;
/// Bob's sensor device.
pub const SENSOR: DeviceId = 4;
/// No such device.
pub const UNKNOWN: DeviceId = 42;

/// The blocks each test epoch covers.
pub const EPOCH_LENGTH: u64 = 10;

fn key(seed: u8) -> pallet_devices::DeviceKey {
	pallet_devices::DevicePair::Sr25519(sr25519::Pair::from_seed(&[seed; 32])).public()
}

fn berlin() -> u64 {
	let resolution = Resolution::try_from(9).unwrap();
	u64::from(LatLng::new(52.52, 13.405).unwrap().to_cell(resolution))
}

pub fn build() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: [ALICE, BOB, CHARLIE, MANAGER, VAL_1, VAL_2, TREASURY]
			.map(|who| (who, INITIAL_BALANCE))
			.to_vec(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_devices::GenesisConfig::<Test> {
		devices: vec![
			(ALICE, key(1), DeviceKind::Storage, berlin(), 64 * 1024),
			(BOB, key(2), DeviceKind::Storage, berlin(), 64 * 1024),
			(ALICE, key(3), DeviceKind::Coverage, berlin(), 0),
			(CHARLIE, key(4), DeviceKind::Compute, berlin(), 8),
			(BOB, key(5), DeviceKind::Sensor, berlin(), 0),
		],
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_emission::GenesisConfig::<Test>::default().assimilate_storage(&mut storage).unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		frame_support::assert_ok!(Devices::set_manager(
			RuntimeOrigin::signed(ALICE),
			STORAGE_A,
			Some(MANAGER)
		));
	});
	ext
}

/// Build, run the test, then check every invariant.
pub fn build_and_execute(test: impl FnOnce()) {
	build().execute_with(|| {
		<Emission as Hooks<u64>>::integrity_test();
		test();
		Emission::do_try_state().expect("emission invariants hold");
		#[cfg(feature = "try-runtime")]
		Devices::do_try_state().expect("devices invariants hold");
	});
}

/// End the epoch in progress, as the proofs pallet does: epoch `e` covers blocks
/// `e·EPOCH_LENGTH .. (e+1)·EPOCH_LENGTH`.
pub fn end_epoch() -> EpochIndex {
	let epoch = crate::CurrentEpoch::<Test>::get();
	let start = u64::from(epoch) * EPOCH_LENGTH;
	<Emission as depin_proving::OnEpochEnd<u64>>::epoch_ended(epoch, start, start + EPOCH_LENGTH);
	epoch
}

/// Accepted proofs worth `points` for `device` in the epoch in progress.
pub fn prove(device: DeviceId, kind: DeviceKind, points: u64) {
	let epoch = crate::CurrentEpoch::<Test>::get();
	<Emission as depin_proving::OnProofAccepted>::proof_accepted(device, kind, epoch, points);
}

/// `author` authored `blocks` blocks in the epoch in progress.
pub fn author(author: AccountId, blocks: u32) {
	for _ in 0..blocks {
		<Emission as pallet_authorship::EventHandler<AccountId, u64>>::note_author(author);
	}
}

pub fn balance(who: AccountId) -> Balance {
	Balances::free_balance(who)
}

pub fn events() -> Vec<crate::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| if let RuntimeEvent::Emission(e) = r.event { Some(e) } else { None })
		.collect()
}

pub fn last_event() -> crate::Event<Test> {
	events().pop().expect("an event")
}
