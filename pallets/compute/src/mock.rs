//! A test runtime: System, Balances, the real device registry, the real epochs pallet and Compute, with an honest prover that really runs the workloads.

// Test code: an overflow panics, which fails the test.
#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing, clippy::unwrap_used)]

use crate::{self as pallet_compute, types::*, work, RuntimeHasher, WorkRevealOf};
use depin_merkle::MerkleTree;
use depin_proving::ProvingEpochs;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64, ConstU8, Hooks},
	weights::Weight,
	BoundedVec,
};
use frame_system::EnsureRoot;
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
		Compute: pallet_compute,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
	/// Reads and writes that weigh something, so tests see what a settlement counts.
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
	pub const FaultSlash: Perbill = Perbill::from_percent(10);
	pub const FraudSlash: Perbill = Perbill::from_percent(50);
	pub static CommitWindow: u64 = 4;
	/// Every device audited every epoch, unless a test samples them.
	pub static AuditRate: Perbill = Perbill::one();
}

impl pallet_devices::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Slashed = ();
	type OnDeviceChange = Compute;
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

impl pallet_compute::Config for Test {
	type Registry = Devices;
	type Epochs = Epochs;
	type Randomness = TestRandomness;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ();
	/// Commitments in blocks `start..start + 4`, the seed at `start + 4`, reveals to
	/// `start + 7`.
	type CommitWindow = CommitWindow;
	type SegmentLength = ConstU32<16>;
	type MaxSegmentLength = ConstU32<64>;
	type SegmentsPerUnit = ConstU32<2>;
	type MaxTreeDepth = ConstU32<4>;
	type AuditRate = AuditRate;
	type Samples = ConstU32<3>;
	type MaxSamples = ConstU32<4>;
	type FaultThreshold = ConstU32<3>;
	type FaultSlash = FaultSlash;
	type FraudSlash = FraudSlash;
	type MaxBatch = ConstU32<4>;
	type MaxRevealBatch = ConstU32<3>;
	type WeightInfo = ();
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
		pallet_compute::GenesisConfig::<Test>::default().assimilate_storage(&mut storage).unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| {
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
			<Compute as Hooks<u64>>::integrity_test();
			test();
			Compute::do_try_state().expect("compute invariants hold");
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

/// Run blocks up to `n`: each gets its VRF output, then the hooks in runtime order, then
/// `on_idle` with `idle` weight.
pub fn run_to_block_with_idle(n: u64, idle: Weight) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		enter_block(next);
		Epochs::on_initialize(next);
		Compute::on_initialize(next);
		Compute::on_idle(next, idle);
	}
}

/// Run blocks up to `n`, without idle time.
pub fn run_to_block(n: u64) {
	run_to_block_with_idle(n, Weight::zero());
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

/// Run to the block the current epoch's reveal seed is drawn at.
pub fn run_to_reveal() {
	let start = <Epochs as ProvingEpochs<u64>>::current().start;
	run_to_block(Compute::reveal_at(start));
	assert!(Compute::reveal_seed(current_epoch()).is_some());
}

/// Enroll `device` as its owner.
pub fn enroll(device: DeviceId) {
	let owner = pallet_devices::Devices::<Test>::get(device).unwrap().owner;
	frame_support::assert_ok!(Compute::enroll(RuntimeOrigin::signed(owner), device));
}

/// A device's workload of the current epoch, run in full: its checkpoints and their tree.
/// `faked` checkpoints are replaced by made-up hashes, as a device that skipped their
/// segments would.
pub struct Workload {
	pub device: DeviceId,
	pub epoch: EpochIndex,
	pub start: H256,
	pub checkpoints: Vec<H256>,
	pub tree: MerkleTree<RuntimeHasher>,
}

impl Workload {
	pub fn run(device: DeviceId, faked: &[u32]) -> Self {
		let epoch = <Epochs as ProvingEpochs<u64>>::current();
		let capacity = pallet_devices::Devices::<Test>::get(device).unwrap().capacity;
		let segments = Compute::segments_for(capacity);
		let start = Compute::work_start(&epoch, device);
		let mut checkpoints: Vec<H256> = work::checkpoints::<RuntimeHasher>(
			start.as_fixed_bytes(),
			segments,
			Compute::segment_len(),
		)
		.into_iter()
		.map(H256)
		.collect();
		for &i in faked {
			checkpoints[i as usize] = H256::repeat_byte(0xfa);
		}
		let leaves = checkpoints
			.iter()
			.map(|c| work::checkpoint_leaf::<RuntimeHasher>(c.as_fixed_bytes()))
			.collect();
		let tree = MerkleTree::from_leaves(leaves).unwrap();
		Self { device, epoch: epoch.index, start, checkpoints, tree }
	}

	pub fn root(&self) -> H256 {
		H256(self.tree.root())
	}

	/// The signed commitment.
	pub fn commit(&self) -> WorkCommit {
		let message = Compute::commit_message(
			self.device,
			self.epoch,
			self.root(),
			self.checkpoints.len() as u32,
			Compute::segment_len(),
		);
		WorkCommit {
			device: self.device,
			epoch: self.epoch,
			root: self.root(),
			signature: key_of(self.device).sign(&message),
		}
	}

	/// The reveal of the segments the chain sampled.
	pub fn reveal(&self) -> WorkRevealOf<Test> {
		let sampled = Compute::work_challenge(self.device).unwrap().sampled;
		assert_eq!(sampled.len() as u32, Compute::samples(), "the reveal seed is drawn");
		self.reveal_of(&sampled)
	}

	/// A reveal of the given segments.
	pub fn reveal_of(&self, segments: &[u32]) -> WorkRevealOf<Test> {
		let checkpoints: Vec<[u8; 32]> = self.checkpoints.iter().map(|c| c.0).collect();
		let (segments, proof) =
			work::reveal::<RuntimeHasher>(&self.start.0, &checkpoints, &self.tree, segments)
				.unwrap();
		WorkReveal {
			device: self.device,
			epoch: self.epoch,
			segments: BoundedVec::truncate_from(segments),
			proof: BoundedVec::truncate_from(proof),
		}
	}
}

/// Commit a workload in its own batch.
pub fn commit(workload: &Workload) {
	frame_support::assert_ok!(Compute::commit_work(
		RuntimeOrigin::signed(CHARLIE),
		BoundedVec::truncate_from(vec![workload.commit()])
	));
}

/// Reveal in its own batch.
pub fn reveal(reveal: WorkRevealOf<Test>) {
	frame_support::assert_ok!(Compute::reveal_work(
		RuntimeOrigin::signed(CHARLIE),
		BoundedVec::truncate_from(vec![reveal])
	));
}

/// Run, commit and reveal an honest workload for `device` in the current epoch.
pub fn prove(device: DeviceId) {
	let workload = Workload::run(device, &[]);
	commit(&workload);
	run_to_reveal();
	reveal(workload.reveal());
}

/// The pallet's events so far.
pub fn compute_events() -> Vec<crate::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Compute(e) => Some(e),
			_ => None,
		})
		.collect()
}

/// The rejections reported so far: `(device, error)`.
pub fn rejections() -> Vec<(u64, sp_runtime::DispatchError)> {
	compute_events()
		.into_iter()
		.filter_map(|e| match e {
			crate::Event::ItemRejected { device, error, .. } => Some((device, error)),
			_ => None,
		})
		.collect()
}
