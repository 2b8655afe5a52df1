//! A test runtime: System, Balances and Devices.

// Test code: an overflow panics, which fails the test.
#![allow(clippy::arithmetic_side_effects, clippy::large_enum_variant)]

use crate::{self as pallet_devices, h3::H3Cell, types::*, DeviceRegistry};
use frame_support::{
	derive_impl, parameter_types,
	traits::{tokens::imbalance::ResolveTo, ConstU32, Hooks},
};
use frame_system::EnsureRoot;
use h3o::{LatLng, Resolution};
use sp_core::{ecdsa, ed25519, sr25519, Pair};
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type Balance = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Devices: pallet_devices,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

parameter_types! {
	/// The account slashed deposits go to, standing in for the treasury.
	pub const SlashDestination: AccountId = 999;
	pub static DepositBase: Balance = 100;
	pub static DepositPerByte: Balance = 2;
	pub static UnbondingPeriod: u64 = 10;
	pub static MaxProofAge: u64 = 6;
	pub static MaxDevicesPerOwner: u32 = 4;
	pub static MinResolution: u8 = 5;
	pub static MaxResolution: u8 = 12;
	pub static LocationChangeInterval: u64 = 5;
}

impl pallet_devices::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Slashed = ResolveTo<SlashDestination, Balances>;
	type OnDeviceChange = ();
	type Rewards = ();
	type SuspendOrigin = EnsureRoot<AccountId>;
	type DepositBase = DepositBase;
	type DepositPerByte = DepositPerByte;
	type UnbondingPeriod = UnbondingPeriod;
	type MaxProofAge = MaxProofAge;
	type MaxDevicesPerOwner = MaxDevicesPerOwner;
	type MinResolution = MinResolution;
	type MaxResolution = MaxResolution;
	type DensityResolution = ConstU8<4>;
	type LocationChangeInterval = LocationChangeInterval;
	type MaxBatch = ConstU32<4>;
	type WeightInfo = ();
}

use frame_support::traits::ConstU8;

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const CHARLIE: AccountId = 3;
/// An account with less than one device deposit.
pub const POOR: AccountId = 4;
pub const INITIAL_BALANCE: Balance = 10_000;
pub const POOR_BALANCE: Balance = 50;

/// A raw H3 index of the cell containing (lat, lng) at `resolution`, from the reference
/// implementation.
pub fn cell(lat: f64, lng: f64, resolution: u8) -> u64 {
	let resolution = Resolution::try_from(resolution).expect("a valid resolution");
	u64::from(LatLng::new(lat, lng).expect("valid coordinates").to_cell(resolution))
}

/// Berlin at resolution 9.
pub fn berlin() -> u64 {
	cell(52.52, 13.405, 9)
}

/// Another Berlin cell, about 2 km away, in the same resolution-4 density cell.
pub fn berlin_east() -> u64 {
	cell(52.52, 13.435, 9)
}

/// Paris at resolution 9.
pub fn paris() -> u64 {
	cell(48.8566, 2.3522, 9)
}

/// The density cell (resolution 4) containing a raw location.
pub fn density_cell(raw: u64) -> H3Cell {
	Devices::density_cell(H3Cell::new(raw).expect("a valid cell")).expect("coarser than 9")
}

/// Test keys: a [`DevicePair`] of any scheme from a seed byte.
pub type TestKey = crate::DevicePair;

/// Constructors and the possession proof for [`TestKey`].
pub trait TestKeyExt {
	fn sr25519(seed: u8) -> Self;
	fn ed25519(seed: u8) -> Self;
	fn ecdsa(seed: u8) -> Self;
	/// Sign the possession payload for `context`, `owner` and block `signed_at` on the test
	/// chain.
	fn prove(&self, context: [u8; 16], owner: AccountId, signed_at: u32) -> DeviceSignature;
}

impl TestKeyExt for TestKey {
	fn sr25519(seed: u8) -> Self {
		Self::Sr25519(sr25519::Pair::from_seed(&[seed; 32]))
	}

	fn ed25519(seed: u8) -> Self {
		Self::Ed25519(ed25519::Pair::from_seed(&[seed; 32]))
	}

	fn ecdsa(seed: u8) -> Self {
		Self::Ecdsa(ecdsa::Pair::from_seed(&[seed; 32]))
	}

	fn prove(&self, context: [u8; 16], owner: AccountId, signed_at: u32) -> DeviceSignature {
		self.sign(&Devices::possession_message(context, &owner, &self.public(), signed_at))
	}
}

/// Metadata of `len_model` bytes of model name (the deposit grows with it).
pub fn metadata(len_model: usize) -> DeviceMetadata {
	DeviceMetadata {
		model: vec![b'm'; len_model].try_into().expect("within the bound"),
		firmware: b"1.0.0".to_vec().try_into().expect("within the bound"),
		serial_hash: sp_core::H256::repeat_byte(7),
	}
}

/// The deposit the mock charges for `metadata`.
pub fn deposit_of(metadata: &DeviceMetadata) -> Balance {
	DepositBase::get() + DepositPerByte::get() * metadata.deposit_bytes() as Balance
}

/// The current block, as a proof of possession names it (`signed_at`).
pub fn now() -> u32 {
	u32::try_from(System::block_number()).expect("test blocks fit")
}

/// A valid registration of a storage device with `key` for `owner`, signed at this block.
pub fn registration(owner: AccountId, key: &TestKey) -> Registration<AccountId> {
	Registration {
		key: key.public(),
		proof: key.prove(REGISTER_CONTEXT, owner, now()),
		signed_at: now(),
		kind: DeviceKind::Storage,
		location: berlin(),
		capacity: 1 << 40,
		metadata: metadata(8),
		manager: None,
	}
}

pub struct ExtBuilder {
	balances: Vec<(AccountId, Balance)>,
	devices: Vec<(AccountId, DeviceKey, DeviceKind, u64, u64)>,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self {
			balances: vec![
				(ALICE, INITIAL_BALANCE),
				(BOB, INITIAL_BALANCE),
				(CHARLIE, INITIAL_BALANCE),
				(POOR, POOR_BALANCE),
				(SlashDestination::get(), 1),
			],
			devices: vec![],
		}
	}
}

impl ExtBuilder {
	/// Give each of `owners` [`INITIAL_BALANCE`] at genesis.
	pub fn with_funded_owners(mut self, owners: impl IntoIterator<Item = AccountId>) -> Self {
		self.balances.extend(owners.into_iter().map(|owner| (owner, INITIAL_BALANCE)));
		self
	}

	/// Register devices at genesis.
	pub fn with_genesis_devices(
		mut self,
		devices: Vec<(AccountId, DeviceKey, DeviceKind, u64, u64)>,
	) -> Self {
		self.devices = devices;
		self
	}

	pub fn build(self) -> sp_io::TestExternalities {
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> { balances: self.balances, ..Default::default() }
			.assimilate_storage(&mut storage)
			.unwrap();
		pallet_devices::GenesisConfig::<Test> { devices: self.devices }
			.assimilate_storage(&mut storage)
			.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.register_extension(sp_keystore::KeystoreExt::new(
			sp_keystore::testing::MemoryKeystore::new(),
		));
		ext.execute_with(|| System::set_block_number(1));
		ext
	}

	/// Run `test`, then check the pallet's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			Devices::integrity_test();
			test();
			Devices::do_try_state().expect("invariants hold after the test");
		});
	}
}

/// Externalities for the benchmark tests.
#[cfg(feature = "runtime-benchmarks")]
pub fn new_bench_ext() -> sp_io::TestExternalities {
	ExtBuilder::default().build()
}

/// Advance to block `n`.
pub fn run_to_block(n: u64) {
	System::run_to_block::<AllPalletsWithSystem>(n);
}

/// The pallet's events so far.
pub fn device_events() -> Vec<crate::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Devices(event) => Some(event),
			_ => None,
		})
		.collect()
}

/// The pallet's last event.
pub fn last_event() -> crate::Event<Test> {
	device_events().pop().expect("an event")
}
