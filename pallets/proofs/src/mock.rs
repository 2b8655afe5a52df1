//! A test runtime: System, Balances, the real device registry, and Proofs.

// Test code: an overflow panics, which fails the test.
#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing, clippy::unwrap_used)]

use crate::{self as pallet_proofs, types::*, StorageProofOf};
use depin_merkle::{Blake2, MerkleTree};
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU8, Hooks},
	weights::Weight,
	BoundedVec,
};
use frame_system::EnsureRoot;
use h3o::{LatLng, Resolution};
use pallet_devices::{DeviceId, DeviceKind};
use sp_core::{ecdsa, ed25519, sr25519, Pair, H256};
use sp_runtime::{
	testing::{TestSignature, UintAuthorityId},
	BuildStorage, Perbill,
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
		Proofs: pallet_proofs,
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
	pub const DepositBase: Balance = 100;
	pub const DepositPerByte: Balance = 1;
	pub const UnbondingPeriod: u64 = 10;
}

impl pallet_devices::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Slashed = ();
	type OnDeviceChange = Proofs;
	type Rewards = ();
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

/// Randomness that exists only once its block does, like BABE's VRF output.
pub type TestRandomness = depin_test_utils::TestRandomness<Test>;

parameter_types! {
	pub static ProvingPeriod: u64 = 10;
	pub static ResponseWindow: u64 = 8;
	pub static ChallengesPerSector: u32 = 2;
	pub static MaxSectorsPerDevice: u32 = 3;
	pub static FaultThreshold: u32 = 3;
	pub static FaultSlash: Perbill = Perbill::from_percent(10);
	pub static AuditRate: Perbill = Perbill::one();
}

impl pallet_epochs::Config for Test {
	type Randomness = TestRandomness;
	type OnEpochEnd = ();
	type OnEpochStart = ();
	type ProvingPeriod = ProvingPeriod;
	type ResponseWindow = ResponseWindow;
	type WeightInfo = ();
}

parameter_types! {
	pub static DealFee: Perbill = Perbill::from_percent(20);
	pub static MissSlash: Perbill = Perbill::from_percent(10);
	pub static MaxMissesInRow: u32 = 3;
	pub static MaxActivationDelay: u64 = 30;
	pub static MaxDealDuration: EpochIndex = 100;
	pub static MinDealPrice: Balance = 1;
	pub static DealDeposit: Balance = 5;
	pub const EndowmentPalletId: frame_support::PalletId = frame_support::PalletId(*b"dpn/endw");
	/// Three epochs a schedule year, a fifth cheaper each: a permanent replica's schedule runs
	/// out within a few hundred epochs.
	pub static EpochsPerYear: EpochIndex = 3;
	pub static EndowmentDecline: Perbill = Perbill::from_percent(20);
}

impl pallet_proofs::Config for Test {
	type Registry = Devices;
	type Epochs = Epochs;
	type OnProofAccepted = RecordPoints;
	type ChallengesPerSector = ChallengesPerSector;
	type MaxChallengesPerSector = ConstU32<4>;
	type MaxTreeDepth = ConstU32<12>;
	type MaxSectorsPerDevice = MaxSectorsPerDevice;
	type FaultThreshold = FaultThreshold;
	type FaultSlash = FaultSlash;
	type AuditRate = AuditRate;
	type MaxBatch = ConstU32<8>;
	type MaxProposals = ConstU32<8>;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	/// Fees are burned (dropped): total issuance falls by them.
	type FeeDestination = ();
	type ClientSignature = TestSignature;
	type ClientPublic = UintAuthorityId;
	type DealFee = DealFee;
	type MissSlash = MissSlash;
	type MaxMissesInRow = MaxMissesInRow;
	type MaxActivationDelay = MaxActivationDelay;
	type MaxDealDuration = MaxDealDuration;
	type MinDealPrice = MinDealPrice;
	type FeePerPoint = frame_support::traits::ConstU64<1>;
	type DealDeposit = DealDeposit;
	type EndowmentPalletId = EndowmentPalletId;
	type EpochsPerYear = EpochsPerYear;
	type EndowmentDecline = EndowmentDecline;
	type MaxReplicas = ConstU32<4>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchmarkClient;
}

/// Signs deal proposals for the benchmark tests with test signatures.
#[cfg(feature = "runtime-benchmarks")]
pub struct BenchmarkClient;

#[cfg(feature = "runtime-benchmarks")]
impl depin_proving::AccountSigner<AccountId, TestSignature> for BenchmarkClient {
	fn account() -> AccountId {
		CLIENT
	}

	fn sign(message: &[u8]) -> TestSignature {
		TestSignature(CLIENT, message.to_vec())
	}
}

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const CHARLIE: AccountId = 3;
/// Alice's fleet manager.
pub const MANAGER: AccountId = 4;
/// A storage client.
pub const CLIENT: AccountId = 5;
pub const INITIAL_BALANCE: Balance = 10_000;

/// Alice's storage device (sr25519), 64 KiB.
pub const STORAGE_A: DeviceId = 0;
/// Bob's storage device (ed25519), 1 MiB.
pub const STORAGE_B: DeviceId = 1;
/// Alice's coverage device.
pub const COVERAGE: DeviceId = 2;
/// Charlie's storage device (ECDSA), 64 KiB.
pub const STORAGE_C: DeviceId = 3;

/// Test keys.
pub type TestKey = pallet_devices::DevicePair;

/// The key of a genesis device.
pub fn key_of(device: DeviceId) -> TestKey {
	match device {
		STORAGE_A => TestKey::Sr25519(sr25519::Pair::from_seed(&[1; 32])),
		STORAGE_B => TestKey::Ed25519(ed25519::Pair::from_seed(&[2; 32])),
		COVERAGE => TestKey::Sr25519(sr25519::Pair::from_seed(&[3; 32])),
		STORAGE_C => TestKey::Ecdsa(ecdsa::Pair::from_seed(&[4; 32])),
		_ => TestKey::Sr25519(sr25519::Pair::from_seed(&[99; 32])),
	}
}

fn berlin() -> u64 {
	let resolution = Resolution::try_from(9).unwrap();
	u64::from(LatLng::new(52.52, 13.405).unwrap().to_cell(resolution))
}

pub struct ExtBuilder {
	/// What every test account starts with.
	balance: Balance,
	/// Sectors committed at genesis.
	sectors: Vec<(DeviceId, H256, u32)>,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { balance: INITIAL_BALANCE, sectors: Vec::new() }
	}
}

impl ExtBuilder {
	/// Commit these sectors, `(device, root, chunks)`, at genesis.
	pub fn with_genesis_sectors(mut self, sectors: Vec<(DeviceId, H256, u32)>) -> Self {
		self.sectors = sectors;
		self
	}

	pub fn build(self) -> sp_io::TestExternalities {
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> {
			balances: [ALICE, BOB, CHARLIE, MANAGER, CLIENT]
				.map(|who| (who, self.balance))
				.to_vec(),
			..Default::default()
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		pallet_devices::GenesisConfig::<Test> {
			devices: vec![
				(ALICE, key_of(STORAGE_A).public(), DeviceKind::Storage, berlin(), 64 * 1024),
				(BOB, key_of(STORAGE_B).public(), DeviceKind::Storage, berlin(), 1024 * 1024),
				(ALICE, key_of(COVERAGE).public(), DeviceKind::Coverage, berlin(), 0),
				(CHARLIE, key_of(STORAGE_C).public(), DeviceKind::Storage, berlin(), 64 * 1024),
			],
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		crate::GenesisConfig::<Test> { sectors: self.sectors, ..Default::default() }
			.assimilate_storage(&mut storage)
			.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| {
			clear_points();
			run_to_block(1);
			frame_support::assert_ok!(Devices::set_manager(
				RuntimeOrigin::signed(ALICE),
				STORAGE_A,
				Some(MANAGER)
			));
		});
		ext
	}

	/// Build, run the test, then check every invariant of both pallets.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			<Epochs as Hooks<u64>>::integrity_test();
			<Proofs as Hooks<u64>>::integrity_test();
			test();
			Proofs::do_try_state().expect("proofs invariants hold");
			#[cfg(feature = "try-runtime")]
			Devices::do_try_state().expect("devices invariants hold");
		});
	}
}

/// An externality for the benchmark tests.
#[cfg(feature = "runtime-benchmarks")]
pub fn new_bench_ext() -> sp_io::TestExternalities {
	let mut ext = ExtBuilder::default().build();
	ext.register_extension(sp_keystore::KeystoreExt::new(
		sp_keystore::testing::MemoryKeystore::new(),
	));
	ext
}

/// Run blocks up to `n`: each gets its VRF output, then `on_initialize`. No idle weight:
/// faults are settled lazily unless a test sweeps with [`idle`].
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		enter_block(next);
		Epochs::on_initialize(next);
	}
}

/// The first block of epoch `e` (the mock's proving period is 10 blocks, from block 0).
pub fn epoch_start(e: EpochIndex) -> u64 {
	u64::from(e) * ProvingPeriod::get()
}

/// Run to the first block of epoch `e`.
pub fn run_to_epoch(e: EpochIndex) {
	run_to_block(epoch_start(e));
	assert_eq!(CurrentEpoch::<Test>::get().index, e);
}

/// Give the pallet `weight` of idle time in the current block.
pub fn idle(weight: Weight) -> Weight {
	Proofs::on_idle(System::block_number(), weight)
}

use pallet_epochs::CurrentEpoch;

/// Data and its tree, as a provider keeps them.
pub struct SectorData {
	pub data: Vec<u8>,
	pub tree: MerkleTree<Blake2>,
}

/// `chunks` chunks of generated data (the last one half full).
pub fn sector_data(chunks: u32, seed: u8) -> SectorData {
	let len = chunks as usize * CHUNK_SIZE - CHUNK_SIZE / 2;
	let mut data = Vec::with_capacity(len + 32);
	let mut state = sp_io::hashing::blake2_256(&[seed, 0xda]);
	while data.len() < len {
		state = sp_io::hashing::blake2_256(&state);
		data.extend_from_slice(&state);
	}
	data.truncate(len);
	let tree = MerkleTree::from_bytes(&data).unwrap();
	SectorData { data, tree }
}

impl SectorData {
	pub fn root(&self) -> H256 {
		H256(self.tree.root())
	}
}

/// Commit `sector` for `device` as `who`; its sector number.
pub fn commit(who: AccountId, device: DeviceId, sector: &SectorData) -> SectorIndex {
	let next = crate::Provers::<Test>::get(device).map_or(0, |p| p.next_sector);
	frame_support::assert_ok!(Proofs::commit_sector(
		RuntimeOrigin::signed(who),
		device,
		sector.root(),
		sector.tree.chunks()
	));
	next
}

/// The honest proof of `sector` (number `index`) of `device` for the current epoch, built the
/// way a provider does: from the seed on chain, with the Merkle crate, signed by the device.
pub fn honest_proof(
	device: DeviceId,
	index: SectorIndex,
	sector: &SectorData,
) -> StorageProofOf<Test> {
	let epoch = CurrentEpoch::<Test>::get();
	proof_for(device, index, sector, epoch.index, epoch.seed)
}

/// A proof for any epoch and seed.
pub fn proof_for(
	device: DeviceId,
	index: SectorIndex,
	sector: &SectorData,
	epoch: EpochIndex,
	seed: H256,
) -> StorageProofOf<Test> {
	let challenge = H256(depin_merkle::storage_challenge::<Blake2>(
		seed.as_fixed_bytes(),
		device,
		index,
		&sector.tree.root(),
	));
	let chunks = (0..ChallengesPerSector::get())
		.map(|i| {
			let at = depin_merkle::challenge_index::<Blake2>(
				challenge.as_fixed_bytes(),
				i,
				sector.tree.chunks(),
			)
			.unwrap();
			ChunkProof {
				index: at,
				chunk: depin_merkle::chunk_at(&sector.data, at).unwrap(),
				path: BoundedVec::truncate_from(
					sector.tree.proof(at).unwrap().into_iter().map(H256).collect(),
				),
			}
		})
		.collect::<Vec<_>>();
	let statement = StorageProofStatement { device, sector: index, epoch, challenge };
	StorageProof {
		device,
		sector: index,
		epoch,
		chunks: BoundedVec::truncate_from(chunks),
		signature: key_of(device).sign_statement(
			STORAGE_PROOF_CONTEXT,
			depin_proving::genesis_hash::<Test>(),
			&statement,
		),
	}
}

/// Re-sign a (tampered) proof with its device's key, so only the tampering is wrong.
pub fn resign(proof: &mut StorageProofOf<Test>) {
	let epoch = CurrentEpoch::<Test>::get();
	let sector = crate::Sectors::<Test>::get(proof.device, proof.sector).unwrap();
	let challenge = H256(depin_merkle::storage_challenge::<Blake2>(
		epoch.seed.as_fixed_bytes(),
		proof.device,
		proof.sector,
		sector.root.as_fixed_bytes(),
	));
	let message = Proofs::proof_message(proof.device, proof.sector, proof.epoch, challenge);
	proof.signature = key_of(proof.device).sign(&message);
}

/// A batch.
pub fn batch(proofs: Vec<StorageProofOf<Test>>) -> crate::StorageProofsOf<Test> {
	BoundedVec::truncate_from(proofs)
}

/// The pallet's events so far.
pub fn proof_events() -> Vec<crate::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Proofs(e) => Some(e),
			_ => None,
		})
		.collect()
}

pub fn last_event() -> crate::Event<Test> {
	proof_events().pop().expect("an event")
}

// ---- Deals ---------------------------------------------------------------------------------

/// A proposal from [`CLIENT`] for `device` to keep `sector`: each chunk costs 10 an epoch (a
/// 4-chunk sector 40, see [`deal_price`]), for 10 epochs, with a deadline 20 blocks ahead, a
/// provider collateral of 100 and a client collateral of 30.
pub fn proposal(device: DeviceId, sector: &SectorData) -> crate::DealProposalOf<Test> {
	depin_primitives::deals::DealProposal {
		client: CLIENT,
		device,
		root: sector.root(),
		chunks: sector.tree.chunks(),
		price_per_gib: deal_price(10),
		activation_deadline: System::block_number() + 20,
		duration: 10,
		provider_collateral: 100,
		client_collateral: 30,
	}
}

/// The price per GiB that makes each KiB-chunk of a sector cost `per_chunk` an epoch.
pub fn deal_price(per_chunk: Balance) -> Balance {
	per_chunk * (1 << 20)
}

/// `proposal` signed by its client.
pub fn signed(proposal: crate::DealProposalOf<Test>) -> crate::SignedProposalOf<Test> {
	let message = Proofs::proposal_message(&proposal);
	depin_primitives::deals::SignedProposal {
		signature: TestSignature(proposal.client, message),
		proposal,
	}
}

/// A batch of signed proposals.
pub fn proposals(items: Vec<crate::SignedProposalOf<Test>>) -> crate::SignedProposalsOf<Test> {
	BoundedVec::truncate_from(items)
}

/// Publish `proposal` as `who` and check it was accepted; its deal id.
pub fn publish(who: AccountId, proposal: crate::DealProposalOf<Test>) -> H256 {
	let id = proposal.id();
	frame_support::assert_ok!(Proofs::publish_deals(
		RuntimeOrigin::signed(who),
		proposals(vec![signed(proposal)])
	));
	assert!(
		proof_events().contains(&crate::Event::ProposalsProcessed { accepted: 1, rejected: 0 }),
		"the proposal was published: {:?}",
		proof_events()
	);
	id
}

/// What `who` has held for `reason`.
pub fn held(reason: crate::HoldReason, who: AccountId) -> Balance {
	use frame_support::traits::fungible::InspectHold;
	Balances::balance_on_hold(&RuntimeHoldReason::Proofs(reason), &who)
}

/// `who`'s free balance.
pub fn free(who: AccountId) -> Balance {
	Balances::free_balance(who)
}
