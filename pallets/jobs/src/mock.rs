//! A test runtime: System, Balances, the real device registry, the real epochs pallet and
//! Jobs, with compute devices whose keys sign receipts.

// Test code: an overflow panics, which fails the test.
#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing, clippy::unwrap_used)]

use crate::{self as pallet_jobs, JobId, JobReceipt, SignedReceipt};
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64, ConstU8, Hooks},
	BoundedVec,
};
use frame_system::EnsureRoot;
use pallet_devices::{DeviceId, DeviceKind};
use sp_runtime::{
	testing::{TestSignature, UintAuthorityId},
	BuildStorage,
};

pub use depin_test_utils::{clear_points, enter_block, fees, points, RecordPoints};

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type Balance = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Devices: pallet_devices,
		Epochs: pallet_epochs,
		Jobs: pallet_jobs,
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
	/// The protocol fee of paid jobs; a test may change it.
	pub static JobFee: sp_runtime::Perbill = sp_runtime::Perbill::from_percent(20);
	pub const DepositBase: Balance = 100;
	pub const DepositPerByte: Balance = 1;
	pub const UnbondingPeriod: u64 = 10;
}

impl pallet_devices::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Slashed = ();
	type OnDeviceChange = ();
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

impl pallet_epochs::Config for Test {
	type Randomness = depin_test_utils::TestRandomness<Test>;
	type OnEpochEnd = ();
	type OnEpochStart = ();
	type ProvingPeriod = ConstU64<10>;
	type ResponseWindow = ConstU64<8>;
	type WeightInfo = ();
}

impl pallet_jobs::Config for Test {
	type Registry = Devices;
	type Epochs = Epochs;
	type OnProofAccepted = RecordPoints;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	// The fee's credit is dropped: burned.
	type FeeDestination = ();
	type JobFee = JobFee;
	type FeePerPoint = ConstU64<10>;
	type ConsumerSignature = TestSignature;
	type ConsumerPublic = UintAuthorityId;
	type DisputeOrigin = EnsureRoot<AccountId>;
	type MaxBatch = ConstU32<4>;
	type DisputeWindow = ConstU64<5>;
	type JobTimeout = ConstU64<20>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchmarkSigner;
}

/// Signs receipts for the benchmark tests with test signatures.
#[cfg(feature = "runtime-benchmarks")]
pub struct BenchmarkSigner;

#[cfg(feature = "runtime-benchmarks")]
impl depin_proving::AccountSigner<AccountId, TestSignature> for BenchmarkSigner {
	fn account() -> AccountId {
		CONSUMER
	}

	fn sign(message: &[u8]) -> TestSignature {
		TestSignature(CONSUMER, message.to_vec())
	}
}

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const CHARLIE: AccountId = 3;
/// Alice's fleet manager.
pub const MANAGER: AccountId = 4;
pub const DAVE: AccountId = 5;
/// Who opens jobs.
pub const CONSUMER: AccountId = 6;
pub const INITIAL_BALANCE: Balance = 100_000;

/// Alice's compute device, capacity 4: 8 segments (sr25519).
pub const WORKER: DeviceId = 0;
/// Bob's, capacity 100: capped at 16 segments (ed25519).
pub const BIG_WORKER: DeviceId = 1;
/// Charlie's storage device.
pub const STORAGE: DeviceId = 2;
/// Dave's compute device, capacity 1: 2 segments (ECDSA).
pub const SMALL_WORKER: DeviceId = 3;

/// Test keys.
pub type TestKey = pallet_devices::DevicePair;

/// The key of a genesis device.
pub fn key_of(device: DeviceId) -> TestKey {
	depin_test_utils::device_key(device)
}

fn genesis_devices() -> Vec<(AccountId, pallet_devices::DeviceKey, DeviceKind, u64, u64)> {
	// Berlin at resolution 12.
	let berlin = 0x8c1f1d48945d9ff;
	vec![
		(ALICE, key_of(WORKER).public(), DeviceKind::Compute, berlin, 4),
		(BOB, key_of(BIG_WORKER).public(), DeviceKind::Compute, berlin, 100),
		(CHARLIE, key_of(STORAGE).public(), DeviceKind::Storage, berlin, 1 << 20),
		(DAVE, key_of(SMALL_WORKER).public(), DeviceKind::Compute, berlin, 1),
	]
}

#[derive(Default)]
pub struct ExtBuilder;

impl ExtBuilder {
	pub fn build(self) -> sp_io::TestExternalities {
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> {
			balances: [ALICE, BOB, CHARLIE, MANAGER, DAVE, CONSUMER]
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
			frame_support::assert_ok!(Devices::set_manager(
				RuntimeOrigin::signed(ALICE),
				WORKER,
				Some(MANAGER)
			));
		});
		ext
	}

	/// Build, run the test, then check every invariant.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			<Jobs as Hooks<u64>>::integrity_test();
			test();
			Jobs::do_try_state().expect("jobs invariants hold");
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
		Epochs::on_initialize(next);
	}
}

/// The pallet's events so far.
pub fn job_events() -> Vec<crate::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Jobs(e) => Some(e),
			_ => None,
		})
		.collect()
}

/// The rejections reported so far: `(job, error)`.
pub fn rejections() -> Vec<(u64, sp_runtime::DispatchError)> {
	job_events()
		.into_iter()
		.filter_map(|e| match e {
			crate::Event::ReceiptRejected { job, error, .. } => Some((job, error)),
			_ => None,
		})
		.collect()
}

/// The receipt of job `job` as the job stands, for `units` at `timestamp`, co-signed.
pub fn signed_receipt(job: JobId, units: u64, timestamp: u64) -> crate::SignedReceiptOf<Test> {
	let stored = Jobs::job(job).unwrap();
	let receipt = JobReceipt {
		job,
		consumer: stored.consumer,
		device: stored.device,
		units,
		price: stored.price,
		timestamp,
	};
	sign_receipt(receipt)
}

/// Co-sign a (possibly tampered) receipt by its consumer and its device.
pub fn sign_receipt(receipt: crate::JobReceiptOf<Test>) -> crate::SignedReceiptOf<Test> {
	let message = Jobs::receipt_message(&receipt);
	SignedReceipt {
		consumer_signature: TestSignature(receipt.consumer, message.clone()),
		device_signature: key_of(receipt.device).sign(&message),
		receipt,
	}
}

/// Submit receipts in one batch.
pub fn submit(receipts: Vec<crate::SignedReceiptOf<Test>>) {
	frame_support::assert_ok!(Jobs::submit_receipts(
		RuntimeOrigin::signed(CHARLIE),
		BoundedVec::truncate_from(receipts)
	));
}
