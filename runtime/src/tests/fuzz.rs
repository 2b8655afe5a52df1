//! The runtime fuzzer (issue 28): random sequences of signed transactions from every pallet of
//! the real runtime, natively, in blocks built the way the node builds them (a BABE pre-digest
//! with a real VRF output by Alice's key, the timestamp inherent, `Executive`), across block
//! and proving-epoch boundaries, on the development chain's genesis. Its calls are random but
//! plausible: most are sent by the account that may make them, about devices, sectors, deals
//! and jobs that exist, with storage proofs that answer the epoch's real challenge and deal
//! proposals signed by their client, sensor readings attested and revealed as the audit samples
//! them; the rest are sent by anyone, about anything, with broken signatures and out-of-range
//! numbers.
//!
//! After every block it checks:
//! - every pallet's `try_state`;
//! - the total issuance against the sum of every account's balance;
//! - each account's holds against its reserved balance, and its freezes against its frozen
//!   balance;
//! - the block's weight (each class within its limit, the transactions within the block's,
//!   and the hooks too, but in a block that rotates the session, which FRAME's session pallet
//!   claims whole) and its size;
//! - and, by running at all, that nothing panicked: a panic fails the test with the seed, the
//!   block and the call that caused it.
//!
//! `cargo test -p depin-runtime --features try-runtime fuzz` runs the short fixed seed that CI
//! runs; `DEPIN_FUZZ_SEED` and `DEPIN_FUZZ_CALLS` choose others (`scripts/fuzz.sh` runs a
//! million calls over many seeds and prints the figures).

#![allow(
	clippy::arithmetic_side_effects,
	clippy::indexing_slicing,
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::panic
)]

use alloc::{collections::BTreeMap, format, string::String, vec, vec::Vec};
use std::time::Instant;

use codec::Encode;
use depin_merkle::{Blake2, MerkleTree, CHUNK_SIZE};
use depin_primitives::{
	h3::H3Cell,
	sensor::{Reading, Schema},
	DevicePair,
};
use frame_support::{
	dispatch::DispatchClass,
	traits::{Get, GetCallMetadata, TryState, TryStateSelect},
};
use pallet_devices::{DeviceKey, DeviceKind};
use sp_core::{ecdsa, ed25519, sr25519, Pair, H256};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{generic::Era, traits::Header as _, MultiAddress, MultiSignature};

use super::{blocks::Blocks, preset_ext};
use crate::{
	genesis_config_presets, AllPalletsWithSystem, BlockNumber, Executive, Runtime, RuntimeCall,
	RuntimeEvent, SignedPayload, System, UncheckedExtrinsic, UNITS,
};

/// What a run did, and the invariants it checked.
#[derive(Default, Debug)]
struct Stats {
	calls: u64,
	succeeded: u64,
	failed: u64,
	invalid: u64,
	blocks: u64,
	epochs: u32,
	invariants: u64,
	/// The calls made and how many of them succeeded, by pallet and call name.
	by_call: BTreeMap<String, (u64, u64)>,
	/// How often the paths worth reaching were taken, by the event that shows it.
	reached: BTreeMap<&'static str, u64>,
}

/// SplitMix64: a fixed seed replays the same run.
struct Rng(u64);

impl Rng {
	fn next(&mut self) -> u64 {
		self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
		let mut z = self.0;
		z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
		z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
		z ^ (z >> 31)
	}
	fn below(&mut self, n: u64) -> u64 {
		if n == 0 {
			0
		} else {
			self.next() % n
		}
	}
	fn chance(&mut self, percent: u64) -> bool {
		self.below(100) < percent
	}
	fn pick<T: Clone>(&mut self, items: &[T]) -> Option<T> {
		if items.is_empty() {
			None
		} else {
			Some(items[self.below(items.len() as u64) as usize].clone())
		}
	}
	/// An amount of plausible size: from a thousandth of a DPN to a hundred thousand, now and
	/// then zero or more than anyone has.
	fn amount(&mut self) -> u128 {
		match self.below(20) {
			0 => 0,
			1 => u128::MAX / 2,
			_ => (UNITS / 1_000) * 10u128.pow(self.below(9) as u32) * (1 + self.below(9) as u128),
		}
	}
}

/// A device key of any scheme, from a secret URI.
fn device_pair(scheme: u64, seed: &str) -> DevicePair {
	match scheme % 3 {
		0 => sr25519::Pair::from_string(seed, None).unwrap().into(),
		1 => ed25519::Pair::from_string(seed, None).unwrap().into(),
		_ => ecdsa::Pair::from_string(seed, None).unwrap().into(),
	}
}

/// The fuzzer: the chain is the truth; it keeps only what it needs to make plausible calls
/// (the device keys, the sector data and the sensor readings it created) and the block it is
/// building on.
struct Fuzzer {
	rng: Rng,
	actors: Vec<sr25519::Pair>,
	keys: BTreeMap<u64, DevicePair>,
	data: BTreeMap<H256, Vec<u8>>,
	/// The readings of the sensor attestations waiting for their audit, by device and epoch.
	readings: BTreeMap<(u64, u32), Vec<Reading>>,
	cells: Vec<u64>,
	blocks: Blocks,
	/// The last finished block.
	number: BlockNumber,
	stats: Stats,
	seed: u64,
	next_key: u64,
	/// The session index and the proving epoch before the block.
	session: u32,
	epoch: u32,
}

impl Fuzzer {
	fn new(seed: u64) -> Self {
		let mut actors: Vec<sr25519::Pair> = [
			Sr25519Keyring::Alice,
			Sr25519Keyring::Bob,
			Sr25519Keyring::Charlie,
			Sr25519Keyring::Dave,
			Sr25519Keyring::Eve,
			Sr25519Keyring::Ferdie,
		]
		.into_iter()
		.map(|k| k.pair())
		.collect();
		// An account with nothing, which others may fund.
		actors.push(sr25519::Pair::from_string("//depin-fuzz//pauper", None).unwrap());
		let mut keys = BTreeMap::new();
		for (id, device) in genesis_config_presets::dev_devices().into_iter().enumerate() {
			let pair = device_pair(
				match device.key {
					DeviceKey::Sr25519(_) => 0,
					DeviceKey::Ed25519(_) => 1,
					DeviceKey::Ecdsa(_) => 2,
				},
				device.seed,
			);
			assert!(pair.public() == device.key, "the dev device's seed gives its key");
			keys.insert(id as u64, pair);
		}
		// Cells around three cities, some far apart and some neighbours.
		let mut cells = Vec::new();
		for (lat, lng) in [(52.52, 13.405), (48.8566, 2.3522), (-1.2921, 36.8219)] {
			for step in 0..4 {
				let offset = f64::from(step) * 0.01;
				let cell = h3o::LatLng::new(lat + offset, lng - offset)
					.unwrap()
					.to_cell(h3o::Resolution::Twelve);
				cells.push(u64::from(cell));
			}
		}
		Self {
			rng: Rng(seed),
			actors,
			keys,
			data: BTreeMap::new(),
			readings: BTreeMap::new(),
			cells,
			blocks: Blocks::new(Sr25519Keyring::Alice, 0),
			number: 0,
			stats: Stats::default(),
			seed,
			next_key: 0,
			session: 0,
			epoch: 0,
		}
	}

	/// Runs `f`; if it panics, fails with the seed, the block and what was running (`what`),
	/// so that the run can be replayed.
	fn guard<R>(&self, what: impl FnOnce() -> String, f: impl FnOnce() -> R) -> R {
		std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|cause| {
			let message = cause
				.downcast_ref::<String>()
				.cloned()
				.or_else(|| cause.downcast_ref::<&str>().map(|m| String::from(*m)))
				.unwrap_or_default();
			panic!(
				"[fuzz] seed {} block {}: {} panicked: {message}",
				self.seed,
				self.number + 1,
				what()
			)
		})
	}

	// ---- Blocks ---------------------------------------------------------------------------

	fn begin_block(&mut self) {
		self.session = pallet_session::CurrentIndex::<Runtime>::get();
		self.epoch = pallet_epochs::CurrentEpoch::<Runtime>::get().index;
		let header = self.blocks.header();
		self.guard(|| String::from("initialize_block"), || Executive::initialize_block(&header));
		Executive::apply_extrinsic(self.blocks.timestamp())
			.expect("the timestamp inherent is valid")
			.expect("the timestamp inherent applies");
	}

	fn end_block(&mut self) {
		let rotated = pallet_session::CurrentIndex::<Runtime>::get() != self.session;
		// The block's size (header and extrinsics) before `finalize_block` forgets it.
		let size = System::block_size();
		let limits = <Runtime as frame_system::Config>::BlockLength::get();
		assert!(
			size <= *limits.max.get(DispatchClass::Mandatory),
			"block {}: {size} bytes, over the block's limit",
			self.number + 1
		);
		let header = self.guard(|| String::from("finalize_block"), Executive::finalize_block);
		self.blocks.finished(&header);
		self.number = *header.number();
		self.stats.blocks += 1;
		for record in System::events() {
			let reached = match record.event {
				RuntimeEvent::Proofs(pallet_proofs::Event::SectorEvicted { .. }) => "SectorEvicted",
				RuntimeEvent::Proofs(pallet_proofs::Event::DealActivated { .. }) => "DealActivated",
				RuntimeEvent::Proofs(pallet_proofs::Event::DealPaid { .. }) => "DealPaid",
				RuntimeEvent::Proofs(pallet_proofs::Event::DealEnded { .. }) => "DealEnded",
				RuntimeEvent::Sensors(pallet_sensors::Event::Attested { .. }) => "Attested",
				RuntimeEvent::Sensors(pallet_sensors::Event::ReadingsVerified { .. }) => {
					"ReadingsVerified"
				},
				RuntimeEvent::Sensors(pallet_sensors::Event::ReadingsFaked { .. }) => {
					"ReadingsFaked"
				},
				RuntimeEvent::Sensors(pallet_sensors::Event::ReadingsUnrevealed { .. }) => {
					"ReadingsUnrevealed"
				},
				RuntimeEvent::Sensors(pallet_sensors::Event::DataSold { .. }) => "DataSold",
				RuntimeEvent::Sensors(pallet_sensors::Event::TradeAccepted { .. }) => {
					"TradeAccepted"
				},
				RuntimeEvent::Sensors(pallet_sensors::Event::EnergySettled { .. }) => {
					"EnergySettled"
				},
				RuntimeEvent::Sensors(pallet_sensors::Event::TradeClosed { .. }) => "TradeClosed",
				RuntimeEvent::Sensors(pallet_sensors::Event::SubscriptionClosed { .. }) => {
					"SubscriptionClosed"
				},
				RuntimeEvent::Sensors(pallet_sensors::Event::SubscriptionOutbid { .. }) => {
					"SubscriptionOutbid"
				},
				_ => continue,
			};
			*self.stats.reached.entry(reached).or_default() += 1;
		}
		let epoch = pallet_epochs::CurrentEpoch::<Runtime>::get().index;
		self.stats.epochs += epoch.saturating_sub(self.epoch);
		self.check_invariants(rotated);
	}

	fn check_invariants(&mut self, rotated: bool) {
		let n = self.number;
		// (Each pallet's own message first: the aggregate's only says that one failed.)
		crate::Proofs::do_try_state().unwrap_or_else(|e| panic!("block {n}: proofs: {e:?}"));
		AllPalletsWithSystem::try_state(n, TryStateSelect::All)
			.unwrap_or_else(|e| panic!("block {n}: try_state: {e:?}"));

		// Balances: the issuance is what the accounts hold; holds and freezes within them.
		let mut total: u128 = 0;
		for (who, info) in frame_system::Account::<Runtime>::iter() {
			let data = info.data;
			total += data.free + data.reserved;
			let held: u128 =
				pallet_balances::Holds::<Runtime>::get(&who).iter().map(|h| h.amount).sum();
			assert!(held <= data.reserved, "block {n}: {who} holds {held} > reserved {data:?}");
			let frozen = pallet_balances::Freezes::<Runtime>::get(&who)
				.iter()
				.map(|f| f.amount)
				.max()
				.unwrap_or(0);
			assert!(frozen <= data.frozen, "block {n}: {who} freezes {frozen} > frozen {data:?}");
		}
		let issuance = pallet_balances::TotalIssuance::<Runtime>::get();
		assert_eq!(
			total, issuance,
			"block {n}: the accounts hold {total}, the issuance is {issuance}"
		);

		// The block's weight, by class and in all.
		let weights = <Runtime as frame_system::Config>::BlockWeights::get();
		let consumed = frame_system::BlockWeight::<Runtime>::get();
		for class in [DispatchClass::Normal, DispatchClass::Operational] {
			if let Some(max) = weights.get(class).max_total {
				assert!(
					consumed.get(class).all_lte(max),
					"block {n}: {class:?} weight {:?} over {max:?}",
					consumed.get(class)
				);
			}
		}
		let transactions =
			*consumed.get(DispatchClass::Normal) + *consumed.get(DispatchClass::Operational);
		assert!(
			transactions.all_lte(weights.max_block),
			"block {n}: transactions weigh {transactions:?}, over the block's {:?}",
			weights.max_block
		);
		// The hooks' own (mandatory) weight fits the block, except in a block that rotates the
		// session: FRAME's session pallet claims the whole block for it.
		if !rotated {
			assert!(
				consumed.get(DispatchClass::Mandatory).all_lte(weights.max_block),
				"block {n}: the hooks weigh {:?}, over the block's {:?}",
				consumed.get(DispatchClass::Mandatory),
				weights.max_block
			);
		}
		self.stats.invariants += 5;
	}

	// ---- Transactions ---------------------------------------------------------------------

	fn apply(&mut self, signer: usize, call: RuntimeCall) {
		let pair = self.actors[signer].clone();
		let account = crate::AccountId::from(pair.public());
		let nonce = System::account_nonce(&account);
		let extension = crate::tx_extension(Era::Immortal, nonce, 0);
		let payload = SignedPayload::new(call.clone(), extension.clone()).expect("implicit");
		let signature = payload.using_encoded(|bytes| pair.sign(bytes));
		let described = format!("{call:?} from {account}");
		let uxt = UncheckedExtrinsic::new_signed(
			call.clone(),
			MultiAddress::Id(account),
			MultiSignature::Sr25519(signature),
			extension,
		);
		self.include(&call, described, uxt);
	}

	/// Includes `call` unsigned, as a block author includes its node's own reports.
	fn apply_bare(&mut self, call: RuntimeCall) {
		let described = format!("{call:?} unsigned");
		self.include(&call, described, UncheckedExtrinsic::new_bare(call.clone()));
	}

	fn include(&mut self, call: &RuntimeCall, described: String, uxt: UncheckedExtrinsic) {
		let name = {
			let meta = call.get_call_metadata();
			format!("{}.{}", meta.pallet_name, meta.function_name)
		};
		self.stats.calls += 1;
		let outcome = self.guard(|| described, || Executive::apply_extrinsic(uxt));
		let counts = self.stats.by_call.entry(name).or_default();
		counts.0 += 1;
		match outcome {
			Ok(Ok(())) => {
				counts.1 += 1;
				self.stats.succeeded += 1
			},
			Ok(Err(_)) => self.stats.failed += 1,
			Err(_) => self.stats.invalid += 1,
		}
	}

	/// A signer: the account that may make the call most of the time, anyone otherwise.
	fn signer_or_anyone(&mut self, owner: Option<&crate::AccountId>) -> usize {
		let anyone = self.anyone();
		match owner {
			Some(owner) if self.rng.chance(85) => self
				.actors
				.iter()
				.position(|p| crate::AccountId::from(p.public()) == *owner)
				.unwrap_or(anyone),
			_ => anyone,
		}
	}

	fn account(&self, actor: usize) -> crate::AccountId {
		crate::AccountId::from(self.actors[actor].public())
	}

	/// Sends `call` from anyone: device-signed batches (proofs, beacons, commitments) may be
	/// relayed by any account.
	fn relay(&mut self, call: RuntimeCall) {
		let relayer = self.anyone();
		self.apply(relayer, call);
	}

	/// Any of the actors.
	fn anyone(&mut self) -> usize {
		self.rng.below(self.actors.len() as u64) as usize
	}

	fn any_account(&mut self) -> crate::AccountId {
		let actor = self.anyone();
		self.account(actor)
	}

	fn devices(&self) -> Vec<(u64, pallet_devices::DeviceOf<Runtime>)> {
		pallet_devices::Devices::<Runtime>::iter().collect()
	}

	/// A device of `kind` (any kind if `None`), usually one that exists.
	fn device(&mut self, kind: Option<DeviceKind>) -> (u64, Option<crate::AccountId>) {
		let devices: Vec<_> =
			self.devices().into_iter().filter(|(_, d)| kind.is_none_or(|k| d.kind == k)).collect();
		match self.rng.pick(&devices) {
			Some((id, device)) if self.rng.chance(95) => (id, Some(device.owner)),
			_ => (self.rng.below(pallet_devices::NextDeviceId::<Runtime>::get() + 2), None),
		}
	}

	fn step(&mut self) {
		let choice = self.rng.below(100);
		match choice {
			0..=5 => self.transfer(),
			6..=13 => self.register(),
			14..=22 => self.manage_device(),
			23..=31 => self.commit_sector(),
			32..=35 => self.remove_sector(),
			36..=49 => self.prove(),
			50..=55 => self.publish_deal(),
			56..=57 => self.permanent_deal(),
			58..=61 => self.settle_or_terminate_deal(),
			62..=66 => self.claim(),
			67..=70 => self.enrol(),
			71..=73 => self.commit_work(),
			74..=78 => self.job(),
			79..=83 => self.beacon(),
			84..=85 => self.enrol_sensor(),
			86..=87 => self.attest(),
			88..=90 => self.reveal(),
			91 => self.subscribe(),
			92 => self.trade(),
			93..=94 => self.sudo(),
			95..=96 => self.report_equivocation(),
			_ => self.batch(),
		}
	}

	fn transfer(&mut self) {
		let from = self.anyone();
		let to = self.any_account();
		let value = self.rng.amount();
		let call = if self.rng.chance(50) {
			pallet_balances::Call::transfer_keep_alive { dest: MultiAddress::Id(to), value }
		} else {
			pallet_balances::Call::transfer_allow_death { dest: MultiAddress::Id(to), value }
		};
		self.apply(from, RuntimeCall::Balances(call));
	}

	fn register(&mut self) {
		let owner = self.anyone();
		let scheme = self.rng.below(3);
		let key = device_pair(scheme, &format!("//depin-fuzz//device//{}", self.next_key));
		self.next_key += 1;
		let kind = DeviceKind::ALL[self.rng.below(DeviceKind::COUNT as u64) as usize];
		let capacity: u64 = match kind {
			DeviceKind::Storage => 1 << (10 + self.rng.below(32)),
			DeviceKind::Compute => 1 + self.rng.below(64),
			DeviceKind::Coverage | DeviceKind::Sensor => 0,
		};
		// Sensors mostly in the centre of Berlin (the first cell), so that neighbours of other
		// owners corroborate them.
		let cells = if kind == DeviceKind::Sensor && self.rng.chance(75) {
			&self.cells[..1]
		} else {
			&self.cells[..]
		};
		let location =
			if self.rng.chance(95) { self.rng.pick(cells).unwrap() } else { self.rng.next() };
		// Usually signed now; now and then too long ago, or in the future.
		let signed_at = match self.rng.below(20) {
			0 => self.number + 1_000_000,
			1 => 0,
			_ => self.number,
		};
		let account = self.account(owner);
		let message = crate::Devices::possession_message(
			pallet_devices::REGISTER_CONTEXT,
			&account,
			&key.public(),
			signed_at,
		);
		let proof = if self.rng.chance(95) { key.sign(&message) } else { key.sign(b"forged") };
		let registration = pallet_devices::Registration {
			key: key.public(),
			proof,
			signed_at,
			kind,
			location,
			capacity,
			metadata: Default::default(),
			manager: None,
		};
		let next = pallet_devices::NextDeviceId::<Runtime>::get();
		self.apply(owner, RuntimeCall::Devices(pallet_devices::Call::register { registration }));
		if pallet_devices::NextDeviceId::<Runtime>::get() > next {
			self.keys.insert(next, key);
		}
	}

	fn manage_device(&mut self) {
		let (device, owner) = self.device(None);
		let signer = self.signer_or_anyone(owner.as_ref());
		let other = self.any_account();
		let call = match self.rng.below(8) {
			0 => pallet_devices::Call::deregister { device },
			1 => pallet_devices::Call::claim_deposit { device },
			2 => pallet_devices::Call::update_location {
				device,
				location: self.rng.pick(&self.cells).unwrap(),
			},
			3 => pallet_devices::Call::transfer_ownership { device, to: Some(other) },
			4 => {
				// The pending owner accepts.
				let pending = pallet_devices::PendingOwner::<Runtime>::get(device);
				let signer = self.signer_or_anyone(pending.as_ref());
				self.apply(
					signer,
					RuntimeCall::Devices(pallet_devices::Call::accept_ownership { device }),
				);
				return;
			},
			5 => pallet_devices::Call::set_manager {
				device,
				manager: if self.rng.chance(50) { Some(other) } else { None },
			},
			6 => pallet_devices::Call::update_metadata { device, metadata: Default::default() },
			_ => pallet_devices::Call::transfer_ownership { device, to: None },
		};
		self.apply(signer, RuntimeCall::Devices(call));
	}

	fn commit_sector(&mut self) {
		// Often the data of a published deal, on its device: the commitment activates it.
		let waiting: Vec<(u64, H256, u32)> = pallet_proofs::Deals::<Runtime>::iter_values()
			.filter(|d| d.state == depin_primitives::deals::DealState::Published)
			.map(|d| (d.proposal.device, d.proposal.root, d.proposal.chunks))
			.collect();
		if self.rng.chance(40) {
			if let Some((device, root, chunks)) = self.rng.pick(&waiting) {
				let owner = pallet_devices::Devices::<Runtime>::get(device).map(|d| d.owner);
				let signer = self.signer_or_anyone(owner.as_ref());
				let call = pallet_proofs::Call::commit_sector { device, root, chunks };
				self.apply(signer, RuntimeCall::Proofs(call));
				return;
			}
		}
		let (device, owner) = self.device(Some(DeviceKind::Storage));
		let signer = self.signer_or_anyone(owner.as_ref());
		// Data the fuzzer keeps; now and then a root it does not know the data of, or one it
		// committed before.
		let (root, chunks) = if self.rng.chance(10) && !self.data.is_empty() {
			let roots: Vec<H256> = self.data.keys().copied().collect();
			let root = self.rng.pick(&roots).unwrap();
			(root, depin_merkle::chunks_for(self.data[&root].len() as u64).unwrap())
		} else if self.rng.chance(5) {
			(H256::from_low_u64_be(self.rng.next()), self.rng.below(1 << 22) as u32)
		} else {
			let chunks = 1 + self.rng.below(8) as usize;
			let len = chunks * CHUNK_SIZE - self.rng.below(CHUNK_SIZE as u64) as usize;
			let fill = self.rng.next();
			let data: Vec<u8> =
				(0..len).map(|i| (fill.wrapping_add(i as u64 * 31) >> 3) as u8).collect();
			let tree = MerkleTree::<Blake2>::from_bytes(&data).unwrap();
			let root = H256(tree.root());
			self.data.insert(root, data);
			(root, tree.chunks())
		};
		self.apply(
			signer,
			RuntimeCall::Proofs(pallet_proofs::Call::commit_sector { device, root, chunks }),
		);
	}

	fn remove_sector(&mut self) {
		let sectors: Vec<(u64, u32)> = pallet_proofs::Sectors::<Runtime>::iter_keys().collect();
		let Some((device, sector)) = self.rng.pick(&sectors) else { return };
		let owner = pallet_devices::Devices::<Runtime>::get(device).map(|d| d.owner);
		let signer = self.signer_or_anyone(owner.as_ref());
		self.apply(
			signer,
			RuntimeCall::Proofs(pallet_proofs::Call::remove_sector { device, sector }),
		);
	}

	/// A batch of storage proofs for the current epoch: answers to the real challenges of the
	/// sectors whose data the fuzzer has, now and then a forged or stale one.
	fn prove(&mut self) {
		let epoch = pallet_epochs::CurrentEpoch::<Runtime>::get().index;
		let sectors: Vec<(u64, u32, H256)> =
			pallet_proofs::Sectors::<Runtime>::iter().map(|(d, s, x)| (d, s, x.root)).collect();
		let mut proofs = Vec::new();
		for (device, index, root) in sectors {
			if proofs.len() >= 16 || !self.rng.chance(60) {
				continue;
			}
			let (Some(data), Some(key)) = (self.data.get(&root), self.keys.get(&device)) else {
				continue;
			};
			let answer_epoch = if self.rng.chance(5) { epoch.saturating_sub(1) } else { epoch };
			let Ok((challenge, indices)) =
				crate::Proofs::storage_challenge(device, index, answer_epoch)
			else {
				continue;
			};
			let tree = MerkleTree::<Blake2>::from_bytes(data).unwrap();
			let corrupt = self.rng.chance(5);
			let chunks = indices
				.iter()
				.map(|at| {
					let mut chunk = depin_merkle::chunk_at(data, *at).unwrap();
					if corrupt {
						chunk[0] ^= 1;
					}
					pallet_proofs::ChunkProof {
						index: *at,
						chunk,
						path: tree
							.proof(*at)
							.unwrap()
							.into_iter()
							.map(H256)
							.collect::<Vec<_>>()
							.try_into()
							.unwrap(),
					}
				})
				.collect::<Vec<_>>();
			let message = crate::Proofs::proof_message(device, index, answer_epoch, challenge);
			let signature = if self.rng.chance(97) {
				key.sign(&message)
			} else {
				key.sign(b"not the statement")
			};
			proofs.push(pallet_proofs::StorageProof {
				device,
				sector: index,
				epoch: answer_epoch,
				chunks: chunks.try_into().unwrap(),
				signature,
			});
		}
		if proofs.is_empty() {
			return;
		}
		self.relay(RuntimeCall::Proofs(pallet_proofs::Call::submit_storage_proofs {
			proofs: proofs.try_into().unwrap(),
		}));
	}

	/// A client signs a proposal for data the fuzzer makes, on a storage device; its operator
	/// (usually) publishes it, and the data is kept so that the device can commit and prove
	/// it. Now and then the data is some the fuzzer made before, which a sector or a deal may
	/// keep already: a renewal on its own device, an eviction from another, or a duplicate.
	fn publish_deal(&mut self) {
		let (device, owner) = self.device(Some(DeviceKind::Storage));
		let client = self.anyone();
		let (root, chunks) = self.deal_data();
		let proposal = pallet_proofs::DealProposalOf::<Runtime> {
			client: self.account(client),
			device,
			root,
			chunks,
			price_per_gib: (UNITS / 1_000) * 10u128.pow(self.rng.below(10) as u32),
			activation_deadline: self.number + self.rng.below(60) as u32,
			duration: self.rng.below(40) as u32,
			provider_collateral: self.rng.amount() / 1_000,
			client_collateral: self.rng.amount() / 1_000,
		};
		let message = crate::Proofs::proposal_message(&proposal);
		let signature = if self.rng.chance(95) {
			MultiSignature::Sr25519(self.actors[client].sign(&message))
		} else {
			MultiSignature::Sr25519(self.actors[client].sign(b"another proposal"))
		};
		let signer = self.signer_or_anyone(owner.as_ref());
		let signed = depin_primitives::deals::SignedProposal { proposal, signature };
		self.apply(
			signer,
			RuntimeCall::Proofs(pallet_proofs::Call::publish_deals {
				proposals: vec![signed].try_into().unwrap(),
			}),
		);
	}

	/// Data for a deal or a permanent replica, kept so that a device can commit and prove it:
	/// made now, or now and then some the fuzzer made before, which a sector, a deal or a
	/// replica may keep already.
	fn deal_data(&mut self) -> (H256, u32) {
		if self.rng.chance(20) && !self.data.is_empty() {
			let roots: Vec<H256> = self.data.keys().copied().collect();
			let root = self.rng.pick(&roots).unwrap();
			(root, depin_merkle::chunks_for(self.data[&root].len() as u64).unwrap())
		} else {
			let chunks = 1 + self.rng.below(8) as usize;
			let fill = self.rng.next();
			let data: Vec<u8> = (0..chunks * CHUNK_SIZE)
				.map(|i| (fill.wrapping_add(i as u64 * 7) >> 5) as u8)
				.collect();
			let tree = MerkleTree::<Blake2>::from_bytes(&data).unwrap();
			let root = H256(tree.root());
			self.data.insert(root, data);
			(root, tree.chunks())
		}
	}

	/// A client endows one to three replicas of data the fuzzer makes, reserved for storage
	/// devices; or a device's operator (usually) takes a replica of a permanent deal.
	fn permanent_deal(&mut self) {
		let replicas: Vec<(u64, u32)> = pallet_proofs::Permanents::<Runtime>::iter()
			.flat_map(|(id, deal)| (0..deal.replicas.len() as u32).map(move |i| (id, i)))
			.collect();
		if replicas.is_empty() || self.rng.chance(30) {
			let client = self.anyone();
			let mut specs = Vec::new();
			for _ in 0..1 + self.rng.below(3) {
				let (device, _) = self.device(Some(DeviceKind::Storage));
				let (root, chunks) = self.deal_data();
				specs.push(pallet_proofs::ReplicaSpec { root, chunks, device });
			}
			let call = pallet_proofs::Call::create_permanent_deal {
				replicas: specs.try_into().unwrap(),
				price_per_gib: (UNITS / 1_000) * 10u128.pow(self.rng.below(4) as u32),
				provider_collateral: self.rng.amount() / 100,
				max_endowment: self.rng.amount(),
			};
			self.apply(client, RuntimeCall::Proofs(call));
		} else {
			let (id, replica) = self.rng.pick(&replicas).unwrap();
			// Usually the device it is reserved for (a day: all of a run), by its operator.
			let reserved = pallet_proofs::Permanents::<Runtime>::get(id)
				.and_then(|d| d.replicas.get(replica as usize).and_then(|r| r.reserved))
				.map(|(device, _)| device);
			let (device, owner) = match reserved {
				Some(device) if self.rng.chance(80) => {
					(device, pallet_devices::Devices::<Runtime>::get(device).map(|d| d.owner))
				},
				_ => self.device(Some(DeviceKind::Storage)),
			};
			let signer = self.signer_or_anyone(owner.as_ref());
			let call = pallet_proofs::Call::take_replica { id, replica, device };
			self.apply(signer, RuntimeCall::Proofs(call));
		}
	}

	fn settle_or_terminate_deal(&mut self) {
		let deals: Vec<(H256, crate::AccountId, crate::AccountId)> =
			pallet_proofs::Deals::<Runtime>::iter()
				.map(|(id, d)| (id, d.provider, d.proposal.client))
				.collect();
		let Some((deal, provider, client)) = self.rng.pick(&deals) else { return };
		if self.rng.chance(70) {
			let signer = self.anyone();
			self.apply(signer, RuntimeCall::Proofs(pallet_proofs::Call::settle_deal { deal }));
		} else {
			let party = if self.rng.chance(50) { provider } else { client };
			let signer = self.signer_or_anyone(Some(&party));
			self.apply(signer, RuntimeCall::Proofs(pallet_proofs::Call::terminate_deal { deal }));
		}
	}

	fn claim(&mut self) {
		let epoch = pallet_epochs::CurrentEpoch::<Runtime>::get().index;
		let past = epoch.saturating_sub(self.rng.below(4) as u32 + 1);
		if self.rng.chance(20) {
			let signer = self.anyone();
			self.apply(
				signer,
				RuntimeCall::Emission(pallet_emission::Call::claim_validator { epoch: past }),
			);
			return;
		}
		let (device, owner) = self.device(None);
		let signer = self.signer_or_anyone(owner.as_ref());
		self.apply(signer, RuntimeCall::Emission(pallet_emission::Call::claim { device }));
	}

	/// A compute device enrolling in or withdrawing from the audits, or a hotspot joining or
	/// leaving the beacon roster.
	fn enrol(&mut self) {
		let kind = if self.rng.chance(50) { DeviceKind::Compute } else { DeviceKind::Coverage };
		let (device, owner) = self.device(Some(kind));
		let signer = self.signer_or_anyone(owner.as_ref());
		let call = match (kind, self.rng.chance(70)) {
			(DeviceKind::Compute, true) => {
				RuntimeCall::Compute(pallet_compute::Call::enroll { device })
			},
			(DeviceKind::Compute, false) => {
				RuntimeCall::Compute(pallet_compute::Call::withdraw { device })
			},
			(_, true) => RuntimeCall::Coverage(pallet_coverage::Call::join { device }),
			(_, false) => RuntimeCall::Coverage(pallet_coverage::Call::leave { device }),
		};
		self.apply(signer, call);
	}

	/// A beacon of a hotspot, usually one that wins this epoch's lottery, signed with its key
	/// for the epoch's challenge, with receipts signed by other hotspots the fuzzer holds keys
	/// of, each where it is registered.
	fn beacon(&mut self) {
		let epoch = pallet_epochs::CurrentEpoch::<Runtime>::get();
		let drawn: Vec<u64> = pallet_coverage::RosterSlotOf::<Runtime>::iter_keys()
			.filter(|device| crate::Coverage::wins(*device, epoch.index, &epoch.seed))
			.collect();
		let beaconer = match self.rng.pick(&drawn) {
			Some(device) if self.rng.chance(80) => device,
			_ => self.device(Some(DeviceKind::Coverage)).0,
		};
		let Some(key) = self.keys.get(&beaconer).cloned() else { return };
		let challenge =
			depin_primitives::coverage::beacon_challenge(&epoch.seed, epoch.index, beaconer);
		let sent_at = self.number.max(epoch.start);
		let frequency = 868_100;
		let message =
			crate::Coverage::beacon_message(beaconer, epoch.index, challenge, sent_at, frequency);
		let report = pallet_coverage::BeaconReport {
			device: beaconer,
			epoch: epoch.index,
			sent_at,
			frequency,
			signature: key.sign(&message),
		};
		let beacon = report.id();
		let hotspots: Vec<(u64, u64)> = self
			.devices()
			.into_iter()
			.filter(|(id, d)| {
				d.kind == DeviceKind::Coverage && *id != beaconer && self.keys.contains_key(id)
			})
			.map(|(id, d)| (id, d.location.raw()))
			.collect();
		let mut receipts = Vec::new();
		for (witness, cell) in hotspots {
			if receipts.len() >= 6 || !self.rng.chance(70) {
				continue;
			}
			let mut receipt = pallet_coverage::WitnessReceipt {
				witness,
				beacon,
				signal: -40 - self.rng.below(80) as i16,
				snr: self.rng.below(300) as i16 - 100,
				frequency,
				received_at: self.number,
				cell,
				signature: key.sign(b"replaced below"),
			};
			receipt.signature =
				self.keys[&witness].sign(&crate::Coverage::receipt_message(&receipt));
			receipts.push(receipt);
		}
		let bundle = pallet_coverage::BeaconBundle {
			beacon: report,
			receipts: receipts.try_into().unwrap(),
		};
		self.relay(RuntimeCall::Coverage(pallet_coverage::Call::submit_beacons {
			bundles: vec![bundle].try_into().unwrap(),
		}));
	}

	/// A commitment of an enrolled compute device, signed by its key for the workload the
	/// chain asks of it, to a root the fuzzer made up: computing the workload would take a
	/// second of a core per unit, so the fuzzer commits and never reveals (the path of a fake
	/// caught by its audit, or punished at the deadline, or on leaving).
	fn commit_work(&mut self) {
		let (device, _) = self.device(Some(DeviceKind::Compute));
		let Some(key) = self.keys.get(&device).cloned() else { return };
		let capacity = pallet_devices::Devices::<Runtime>::get(device).map_or(0, |d| d.capacity);
		let epoch = pallet_epochs::CurrentEpoch::<Runtime>::get().index;
		let root = H256::from_low_u64_be(self.rng.next());
		let message = crate::Compute::commit_message(
			device,
			epoch,
			root,
			crate::Compute::segments_for(capacity),
			crate::Compute::segment_len(),
		);
		let commit =
			pallet_compute::WorkCommit { device, epoch, root, signature: key.sign(&message) };
		self.relay(RuntimeCall::Compute(pallet_compute::Call::commit_work {
			commits: vec![commit].try_into().unwrap(),
		}));
	}

	fn job(&mut self) {
		let jobs: Vec<(u64, crate::AccountId)> =
			pallet_jobs::Jobs::<Runtime>::iter().map(|(id, j)| (id, j.consumer)).collect();
		let picked = self.rng.pick(&jobs);
		match (self.rng.below(4), picked) {
			(1, Some((job, consumer))) => {
				let signer = self.signer_or_anyone(Some(&consumer));
				self.apply(signer, RuntimeCall::Jobs(pallet_jobs::Call::release_job { job }));
			},
			(2, Some((job, consumer))) => {
				let signer = self.signer_or_anyone(Some(&consumer));
				self.apply(signer, RuntimeCall::Jobs(pallet_jobs::Call::dispute { job }));
			},
			(3, Some((job, _))) => {
				let signer = self.anyone();
				self.apply(signer, RuntimeCall::Jobs(pallet_jobs::Call::cancel_job { job }));
			},
			_ => {
				let (device, _) = self.device(Some(DeviceKind::Compute));
				let consumer = self.anyone();
				let max_units = self.rng.below(1_000);
				let price = self.rng.amount() / 100;
				self.apply(
					consumer,
					RuntimeCall::Jobs(pallet_jobs::Call::open_job { device, max_units, price }),
				);
			},
		}
	}

	/// A sensor device (usually an active one not enrolled yet) enrolling under a schema of the
	/// genesis (now and then one that does not exist), or withdrawing.
	fn enrol_sensor(&mut self) {
		let enrolling = self.rng.chance(80);
		let idle: Vec<(u64, crate::AccountId)> =
			self.devices()
				.into_iter()
				.filter(|(id, d)| {
					d.kind == DeviceKind::Sensor
						&& d.is_active() && !pallet_sensors::Sensors::<Runtime>::contains_key(id)
				})
				.map(|(id, d)| (id, d.owner))
				.collect();
		let (device, owner) = match self.rng.pick(&idle) {
			Some((id, owner)) if enrolling && self.rng.chance(80) => (id, Some(owner)),
			_ => self.device(Some(DeviceKind::Sensor)),
		};
		let signer = self.signer_or_anyone(owner.as_ref());
		let call = if enrolling {
			// Mostly weather stations: a reading a minute, a batch an epoch.
			let schema = match self.rng.below(20) {
				0 => 2 + self.rng.below(4) as u32,
				1..=4 => 1,
				_ => 0,
			};
			// The dev chain takes certified weather stations only: their operator hands in
			// the dev maker's certificate first (now and then one of another device's key, or
			// none at all).
			let uncertified = pallet_devices::Devices::<Runtime>::get(device)
				.is_none_or(|d| !pallet_sensors::Certificates::<Runtime>::contains_key(d.key));
			if schema == 0 && uncertified && self.rng.chance(85) {
				if let Some(key) = pallet_devices::Devices::<Runtime>::get(device).map(|d| d.key) {
					let of = if self.rng.chance(90) { device } else { self.device(None).0 };
					let signature = super::dev_certificate(of)
						.unwrap_or_else(|| super::signed_by_dev_maker(key, true));
					let certify = pallet_sensors::Call::certify { device, maker: 0, signature };
					self.apply(signer, RuntimeCall::Sensors(certify));
				}
			}
			pallet_sensors::Call::enroll { device, schema }
		} else {
			pallet_sensors::Call::withdraw { device }
		};
		self.apply(signer, RuntimeCall::Sensors(call));
	}

	/// A reading's values under `schema`: near what every station measures (within a quarter
	/// of each field's neighbour tolerance, so that neighbours agree), now and then anywhere in
	/// the field's range. An energy meter's are registers that grow with `time` (a few
	/// watt-hours a second, at a rate of the device's own), now and then one that goes back.
	fn sensor_values(&mut self, schema: &Schema, device: u64, time: u64) -> Vec<i64> {
		if schema.name.as_slice() == b"energy-meter" && !self.rng.chance(2) {
			let since = time.saturating_sub(1_700_000_000) as i64;
			return (0..schema.fields.len() as i64)
				.map(|f| since * (1 + (device as i64 + f) % 4))
				.collect();
		}
		schema
			.fields
			.iter()
			.map(|field| {
				let range = field.max.abs_diff(field.min);
				if self.rng.chance(3) {
					return field.min.saturating_add_unsigned(self.rng.below(range + 1));
				}
				let base = field.min.saturating_add_unsigned(range / 5 * 2);
				let noise = (field.tolerance / 4).min(range / 4);
				let offset = self.rng.below(2 * noise + 1) as i64 - noise as i64;
				(base + offset).clamp(field.min, field.max)
			})
			.collect()
	}

	/// Forgets the readings of attestations that no longer wait for their audit.
	fn forget_readings(&mut self) {
		self.readings.retain(|(device, epoch), _| {
			pallet_sensors::Sensors::<Runtime>::get(device)
				.and_then(|state| state.pending)
				.is_some_and(|pending| pending.epoch == *epoch)
		});
	}

	/// A batch of attestations of the enrolled sensor devices the fuzzer holds keys of, for the
	/// current epoch: a few to a few dozen readings each, spaced by their schema's interval,
	/// after the device's last batch and up to the block's clock, signed by the device's key
	/// for its registered cell. The readings are kept to reveal at the audit. Now and then one
	/// is broken (a forged signature, a summary out of range, more readings than the span
	/// holds, another epoch or schema, a span in the future) or a fraud (a reading outside the
	/// attested summary, which the audit catches if it samples it). Half the time the
	/// provider's tool reveals its open audits first.
	fn attest(&mut self) {
		if self.rng.chance(50) {
			self.reveal();
		}
		self.forget_readings();
		let current = pallet_epochs::CurrentEpoch::<Runtime>::get();
		// Usually in the epoch's response window.
		if System::block_number() > crate::Epochs::deadline(current.start) && self.rng.chance(90) {
			return;
		}
		let epoch = current.index;
		let now = pallet_timestamp::Now::<Runtime>::get() / 1_000;
		let max_span = <Runtime as pallet_sensors::Config>::MaxSpan::get();
		let enrolled: Vec<(u64, pallet_sensors::SensorStateOf<Runtime>)> =
			pallet_sensors::Sensors::<Runtime>::iter().collect();
		let mut attestations = Vec::new();
		let mut made = Vec::new();
		for (device, state) in enrolled {
			if attestations.len() >= 32 || !self.rng.chance(80) {
				continue;
			}
			let (Some(key), Some(registered), Some(record)) = (
				self.keys.get(&device).cloned(),
				pallet_devices::Devices::<Runtime>::get(device),
				pallet_sensors::Schemas::<Runtime>::get(state.schema),
			) else {
				continue;
			};
			// Usually only an active device.
			if !registered.is_active() && self.rng.chance(90) {
				continue;
			}
			let schema = record.schema;
			let interval = u64::from(schema.interval);
			let earliest = (state.last_end + interval).max(now.saturating_sub(max_span));
			// Usually only a device with no audit pending and readings to attest.
			if (state.pending.is_some() || earliest > now) && self.rng.chance(90) {
				continue;
			}
			let room = now.saturating_sub(earliest) / interval + 1;
			let count = 1 + self.rng.below(room.min(36));
			let start = earliest + self.rng.below(room - count + 1) * interval;
			let mut readings: Vec<Reading> = (0..count)
				.map(|i| {
					let time = start + i * interval;
					Reading { time, values: self.sensor_values(&schema, device, time) }
				})
				.collect();
			let mut summaries =
				depin_primitives::sensor::summarize(&readings, schema.fields.len()).unwrap();
			if self.rng.chance(2) {
				// A fraud: a reading outside the summary the device signs.
				let faked = self.rng.below(count) as usize;
				readings[faked].values[0] = summaries[0].max.saturating_add(1);
			}
			let leaves = depin_primitives::sensor::reading_leaves::<pallet_sensors::RuntimeHasher>(
				&readings,
			);
			let tree = MerkleTree::<pallet_sensors::RuntimeHasher>::from_leaves(leaves).unwrap();
			let mut attestation = pallet_sensors::Attestation {
				device,
				epoch,
				schema: state.schema,
				root: H256(tree.root()),
				count: count as u32,
				start,
				end: readings.last().unwrap().time,
				summaries: Default::default(),
				signature: key.sign(b"signed below"),
			};
			match self.rng.below(40) {
				0 => attestation.epoch = epoch + 1,
				1 => attestation.epoch = epoch.saturating_sub(1),
				2 => summaries[0].max = schema.fields[0].max.saturating_add(1),
				3 => {
					summaries.pop();
				},
				4 => attestation.count = attestation.count * 2 + 1,
				5 => attestation.count = depin_primitives::sensor::MAX_READINGS + 1,
				6 => attestation.end = now + 3_600,
				7 => attestation.schema = 1 - state.schema.min(1),
				8 => attestation.start = state.last_end,
				_ => {},
			}
			attestation.summaries = summaries.try_into().unwrap();
			let message = crate::Sensors::attestation_message(&attestation, registered.location);
			attestation.signature =
				if self.rng.chance(97) { key.sign(&message) } else { key.sign(b"forged") };
			made.push((device, attestation.root, readings));
			attestations.push(attestation);
		}
		if attestations.is_empty() {
			return;
		}
		self.relay(RuntimeCall::Sensors(pallet_sensors::Call::attest {
			attestations: attestations.try_into().unwrap(),
		}));
		// The readings of the attestations the chain took, to reveal at their audit.
		for (device, root, readings) in made {
			let taken = pallet_sensors::Sensors::<Runtime>::get(device)
				.and_then(|state| state.pending)
				.is_some_and(|pending| pending.epoch == epoch && pending.root == root);
			if taken {
				self.readings.insert((device, epoch), readings);
			}
		}
	}

	/// A batch of reveals of the attestations whose audit is open (now and then one whose audit
	/// is not): the readings the epoch's seed samples, with their Merkle paths. Now and then
	/// one is broken: another reading than the sampled one, a tampered value, a reading short,
	/// another epoch.
	fn reveal(&mut self) {
		self.forget_readings();
		let epoch = pallet_epochs::CurrentEpoch::<Runtime>::get();
		// Usually in the epoch's response window.
		if System::block_number() > crate::Epochs::deadline(epoch.start) && self.rng.chance(90) {
			return;
		}
		let pending: Vec<(u64, pallet_sensors::PendingOf<Runtime>)> =
			pallet_sensors::Sensors::<Runtime>::iter()
				.filter_map(|(device, state)| state.pending.map(|p| (device, p)))
				.collect();
		let mut reveals = Vec::new();
		for (device, pending) in pending {
			let open = pending.audit_in == epoch.index;
			if reveals.len() >= 16 || !self.rng.chance(if open { 90 } else { 3 }) {
				continue;
			}
			let Some(readings) = self.readings.get(&(device, pending.epoch)) else { continue };
			let leaves =
				depin_primitives::sensor::reading_leaves::<pallet_sensors::RuntimeHasher>(readings);
			let tree = MerkleTree::<pallet_sensors::RuntimeHasher>::from_leaves(leaves).unwrap();
			let mut indices =
				crate::Sensors::sampled(&epoch.seed, device, pending.epoch, pending.count);
			let broken = self.rng.below(40);
			if broken == 0 {
				indices[0] = (indices[0] + 1) % pending.count;
			}
			let mut revealed: Vec<depin_primitives::sensor::RevealedReading> = indices
				.iter()
				.map(|index| {
					let reading = &readings[*index as usize];
					depin_primitives::sensor::RevealedReading {
						index: *index,
						time: reading.time,
						values: reading.values.clone().try_into().unwrap(),
						path: tree
							.proof(*index)
							.unwrap()
							.into_iter()
							.map(H256)
							.collect::<Vec<_>>()
							.try_into()
							.unwrap(),
					}
				})
				.collect();
			let mut at = pending.epoch;
			match broken {
				1 => revealed[0].values[0] += 1,
				2 => revealed.truncate(revealed.len() - 1),
				3 => at += 1,
				_ => {},
			}
			reveals.push(pallet_sensors::ReadingsRevealOf::<Runtime> {
				device,
				epoch: at,
				readings: revealed.try_into().unwrap(),
			});
		}
		if reveals.is_empty() {
			return;
		}
		self.relay(RuntimeCall::Sensors(pallet_sensors::Call::reveal {
			reveals: reveals.try_into().unwrap(),
		}));
	}

	/// A funded account subscribing to a schema's data in the area of an enrolled sensor
	/// device (usually one that attested in this epoch), from the current epoch for up to six,
	/// for a small price a point out of a budget of a few units (now and then a cell that is no
	/// area, nothing to pay, a span that is not one, another schema); or anyone (usually its
	/// buyer) closing a subscription.
	fn subscribe(&mut self) {
		let next = pallet_sensors::NextSubscription::<Runtime>::get();
		if next > 0 && self.rng.chance(20) {
			let subscription = self.rng.below(next + 1);
			let buyer =
				pallet_sensors::Subscriptions::<Runtime>::get(subscription).map(|s| s.buyer);
			let signer = self.signer_or_anyone(buyer.as_ref());
			self.apply(
				signer,
				RuntimeCall::Sensors(pallet_sensors::Call::close_subscription { subscription }),
			);
			return;
		}
		// Usually where a device attested in this epoch: its audit sells its data.
		let current = pallet_epochs::CurrentEpoch::<Runtime>::get().index;
		let attested_now = self.rng.chance(80);
		let sensors: Vec<(H3Cell, u32)> = pallet_sensors::Sensors::<Runtime>::iter()
			.filter(|(_, state)| {
				!attested_now || state.pending.as_ref().is_some_and(|p| p.epoch == current)
			})
			.filter_map(|(device, state)| {
				pallet_devices::Devices::<Runtime>::get(device).map(|d| (d.location, state.schema))
			})
			.collect();
		let (cell, mut schema) = match self.rng.pick(&sensors) {
			Some(sensor) => sensor,
			None => {
				let cell = H3Cell::new(self.rng.pick(&self.cells).unwrap()).unwrap();
				(cell, self.rng.below(2) as u32)
			},
		};
		let mut area = crate::Sensors::area_of(crate::Sensors::home_of(cell)).raw();
		let mut price = crate::MICRO_UNITS
			* 10u128.pow(self.rng.below(3) as u32)
			* (1 + self.rng.below(9) as u128);
		let mut budget = UNITS * (1 + self.rng.below(5) as u128);
		let mut first = current;
		let mut last = first + self.rng.below(6) as u32;
		match self.rng.below(24) {
			0 => area = cell.raw(),
			1 => area = self.rng.next(),
			2 => price = 0,
			3 => budget = 0,
			4 => budget = u128::MAX / 2,
			5 => first = current.saturating_sub(1),
			6 => last = first.saturating_sub(1),
			7 => last = first + 720,
			8 => schema = 2 + self.rng.below(4) as u32,
			_ => {},
		}
		// One of the endowed accounts (not the pauper).
		let buyer = self.rng.below(6) as usize;
		self.apply(
			buyer,
			RuntimeCall::Sensors(pallet_sensors::Call::subscribe {
				schema,
				area,
				price,
				budget,
				first,
				last,
			}),
		);
	}

	/// Energy trades: the owner of an enrolled meter offering to buy from another (usually one
	/// of the same schema in its cell), at a small price a watt-hour, now and then a broken
	/// offer; or a trade accepted (usually by its producing meter's owner), ended, disputed or
	/// closed, usually by a party; or, as root, decided.
	fn trade(&mut self) {
		let next = pallet_sensors::NextTrade::<Runtime>::get();
		if next > 0 && self.rng.chance(60) {
			let trade = self.rng.below(next + 1);
			let record = pallet_sensors::Trades::<Runtime>::get(trade);
			let owner_of =
				|device| pallet_devices::Devices::<Runtime>::get(device).map(|d| d.owner);
			let (producer, buyer) = match &record {
				Some(t) => (owner_of(t.producer), Some(t.buyer.clone())),
				None => (None, None),
			};
			let (signer, call) = match self.rng.below(5) {
				0 | 1 => (
					self.signer_or_anyone(producer.as_ref()),
					pallet_sensors::Call::accept_trade { trade },
				),
				2 => (
					self.signer_or_anyone(buyer.as_ref()),
					pallet_sensors::Call::end_trade { trade },
				),
				3 => (
					self.signer_or_anyone(buyer.as_ref()),
					pallet_sensors::Call::dispute_trade { trade },
				),
				_ => (self.anyone(), pallet_sensors::Call::close_trade { trade }),
			};
			if self.rng.chance(10) {
				let pay = UNITS * self.rng.below(3) as u128;
				let call = RuntimeCall::Sensors(pallet_sensors::Call::resolve_trade { trade, pay });
				self.apply(
					0,
					RuntimeCall::Sudo(pallet_sudo::Call::sudo {
						call: alloc::boxed::Box::new(call),
					}),
				);
			} else {
				self.apply(signer, RuntimeCall::Sensors(call));
			}
			return;
		}
		let meters: Vec<(u64, u32, H3Cell, crate::AccountId)> =
			pallet_sensors::Sensors::<Runtime>::iter()
				.filter_map(|(device, state)| {
					pallet_devices::Devices::<Runtime>::get(device).map(|d| {
						(device, state.schema, crate::Sensors::home_of(d.location), d.owner)
					})
				})
				.collect();
		let Some((consumer, schema, home, owner)) = self.rng.pick(&meters) else { return };
		let neighbours: Vec<u64> = meters
			.iter()
			.filter(|(d, s, h, _)| *d != consumer && *s == schema && *h == home)
			.map(|(d, ..)| *d)
			.collect();
		let producer = match self.rng.pick(&neighbours) {
			Some(device) if self.rng.chance(85) => device,
			_ => self.device(Some(DeviceKind::Sensor)).0,
		};
		let current = pallet_epochs::CurrentEpoch::<Runtime>::get().index;
		let mut terms = depin_primitives::sensor::TradeTerms {
			consumer,
			producer,
			// A meter's registers; a weather station's temperature on both sides.
			produced_field: 0,
			consumed_field: u8::from(schema == 1),
			price: crate::MICRO_UNITS * (1 + self.rng.below(9) as u128),
			cap: 1 + self.rng.below(1_000_000),
			budget: UNITS * (1 + self.rng.below(5) as u128),
			first: current,
			last: current + self.rng.below(8) as u32,
		};
		match self.rng.below(20) {
			0 => terms.produced_field = 9,
			1 => terms.price = 0,
			2 => terms.budget = u128::MAX / 2,
			3 => terms.last = current.saturating_sub(1),
			4 => terms.first = current + 1_000,
			_ => {},
		}
		let signer = self.signer_or_anyone(Some(&owner));
		self.apply(signer, RuntimeCall::Sensors(pallet_sensors::Call::offer_trade { terms }));
	}

	/// Root's calls (Alice is the dev chain's sudo key): suspending and resuming devices,
	/// resolving disputes.
	fn sudo(&mut self) {
		let (device, _) = self.device(None);
		let call = match self.rng.below(4) {
			0 => RuntimeCall::Devices(pallet_devices::Call::suspend { device }),
			1 => RuntimeCall::Devices(pallet_devices::Call::resume { device }),
			// Governance and the makers: another maker trusted, a cap changed, a maker
			// removed (now and then the dev maker: its stations attest no more), certificates
			// required or not (the dev maker is mostly left as it is, so that data sells).
			2 => {
				let maker = self.rng.below(3) as u32;
				let schema = self.rng.below(3) as u32;
				let call = match self.rng.below(10) {
					0..=3 => pallet_sensors::Call::add_maker {
						schema,
						key: crate::genesis_config_presets::dev_maker().1,
						cap: self.rng.below(50) as u32,
					},
					4..=6 => pallet_sensors::Call::set_maker_cap {
						maker,
						cap: self.rng.below(50) as u32 + 100,
					},
					7 => pallet_sensors::Call::remove_maker { maker: 1 + maker },
					8 => pallet_sensors::Call::remove_maker { maker },
					_ => pallet_sensors::Call::require_certificates {
						schema,
						required: self.rng.chance(70),
					},
				};
				RuntimeCall::Sensors(call)
			},
			_ => {
				let jobs: Vec<u64> = pallet_jobs::Jobs::<Runtime>::iter_keys().collect();
				let Some(job) = self.rng.pick(&jobs) else { return };
				RuntimeCall::Jobs(pallet_jobs::Call::resolve_dispute {
					job,
					provider_share: sp_runtime::Perbill::from_percent(self.rng.below(101) as u32),
				})
			},
		};
		let signer = if self.rng.chance(90) { 0 } else { 1 + self.rng.below(5) as usize };
		self.apply(
			signer,
			RuntimeCall::Sudo(pallet_sudo::Call::sudo { call: alloc::boxed::Box::new(call) }),
		);
	}

	/// A report of an equivocation of Alice, the only validator, as her node includes its own
	/// (unsigned), or now and then signed by anyone (refused: signed reports are filtered): two blocks of hers for
	/// this block's slot, or now and then a forged pair (one block twice, another slot's, or
	/// signed by someone else). A valid one is recorded once, and Alice, the last validator,
	/// stays in the set and enabled (else the chain would stop here).
	fn report_equivocation(&mut self) {
		use frame_support::traits::KeyOwnerProofSystem;
		let slot = pallet_babe::CurrentSlot::<Runtime>::get();
		let alice = Sr25519Keyring::Alice;
		let mut proof = super::blocks::babe_equivocation(alice, slot);
		match self.rng.below(8) {
			0 => proof.second_header = proof.first_header.clone(),
			1 => proof.second_header = super::blocks::babe_header(alice, 0, slot + 1, 2, 2),
			2 => {
				let number = System::block_number() + 1;
				let bob = |variant| {
					super::blocks::babe_header(Sr25519Keyring::Bob, 0, slot, number, variant)
				};
				proof.first_header = bob(1);
				proof.second_header = bob(2);
			},
			_ => {},
		}
		let Some(key_owner) =
			crate::Historical::prove((sp_consensus_babe::KEY_TYPE, alice.public()))
		else {
			return;
		};
		let equivocation_proof = alloc::boxed::Box::new(proof);
		if self.rng.chance(90) {
			self.apply_bare(RuntimeCall::Babe(pallet_babe::Call::report_equivocation_unsigned {
				equivocation_proof,
				key_owner_proof: key_owner,
			}));
		} else {
			let reporter = self.anyone();
			self.apply(
				reporter,
				RuntimeCall::Babe(pallet_babe::Call::report_equivocation {
					equivocation_proof,
					key_owner_proof: key_owner,
				}),
			);
		}
	}

	/// A `utility.batch_all` of two transfers from one account: all or nothing.
	fn batch(&mut self) {
		let from = self.anyone();
		let calls = (0..2)
			.map(|_| {
				let to = self.any_account();
				RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
					dest: MultiAddress::Id(to),
					value: self.rng.amount(),
				})
			})
			.collect();
		self.apply(from, RuntimeCall::Utility(pallet_utility::Call::batch_all { calls }));
	}
}

/// Plays `calls` random transactions from `seed`, a random number of them (up to 24) per
/// block, checking the invariants after every block.
fn fuzz(seed: u64, calls: u64) -> Stats {
	let mut ext = preset_ext(sp_genesis_builder::DEV_RUNTIME_PRESET);
	// The genesis block, as the node leaves it (the tests' helper sets block 1 for dispatching
	// without blocks).
	ext.execute_with(|| System::set_block_number(0));
	let mut fuzzer = Fuzzer::new(seed);
	let started = Instant::now();
	while fuzzer.stats.calls < calls {
		// The overlay is committed every 50 blocks, so that it does not grow with the run.
		ext.execute_with(|| {
			for _ in 0..50 {
				if fuzzer.stats.calls >= calls {
					break;
				}
				fuzzer.begin_block();
				let in_block = fuzzer.rng.below(25);
				for _ in 0..in_block {
					fuzzer.step();
				}
				fuzzer.end_block();
			}
		});
		ext.commit_all().expect("the overlay commits");
	}
	let seconds = started.elapsed().as_secs_f64();
	std::println!(
		"[fuzz] seed {seed}: {} calls ({} succeeded, {} failed, {} invalid) in {} blocks and {} \
		 epochs, {} invariants checked, {:.0} calls/s",
		fuzzer.stats.calls,
		fuzzer.stats.succeeded,
		fuzzer.stats.failed,
		fuzzer.stats.invalid,
		fuzzer.stats.blocks,
		fuzzer.stats.epochs,
		fuzzer.stats.invariants,
		fuzzer.stats.calls as f64 / seconds
	);
	for (call, (made, succeeded)) in &fuzzer.stats.by_call {
		std::println!("[fuzz]   {call}: {made} made, {succeeded} succeeded");
	}
	for (event, count) in &fuzzer.stats.reached {
		std::println!("[fuzz]   reached {event}: {count}");
	}
	fuzzer.stats
}

fn env_u64(name: &str, default: u64) -> u64 {
	std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The fixed seed CI runs (or `DEPIN_FUZZ_SEED`, `DEPIN_FUZZ_CALLS`): the run crosses epochs,
/// makes every kind of call named below, and every invariant holds after every block.
#[test]
fn random_calls_keep_every_invariant() {
	let seed = env_u64("DEPIN_FUZZ_SEED", 1);
	let calls = env_u64("DEPIN_FUZZ_CALLS", 3_000);
	let stats = fuzz(seed, calls);
	assert!(stats.calls >= calls);
	assert!(stats.epochs >= 2, "the run crosses proving epochs: {stats:?}");
	assert!(
		stats.succeeded > stats.calls / 10,
		"a run of mostly failing calls tests little: {stats:?}"
	);
	for call in [
		"Balances.transfer_keep_alive",
		"Devices.register",
		"Proofs.commit_sector",
		"Proofs.submit_storage_proofs",
		"Proofs.publish_deals",
		"Proofs.create_permanent_deal",
		"Proofs.take_replica",
		"Emission.claim",
		"Jobs.open_job",
		"Coverage.submit_beacons",
		"Compute.commit_work",
		"Sudo.sudo",
		"Sensors.enroll",
		"Sensors.attest",
		"Sensors.reveal",
		"Sensors.subscribe",
		"Sensors.offer_trade",
	] {
		assert!(stats.by_call.contains_key(call), "{call} was never called: {stats:?}");
	}
	assert!(stats.reached.contains_key("DealActivated"), "no deal was activated: {stats:?}");
	for (event, what) in [
		("Attested", "no sensor attestation was accepted"),
		("ReadingsVerified", "no sensor reveal was verified"),
		("DataSold", "no sensor data was sold"),
	] {
		assert!(stats.reached.contains_key(event), "{what}: {stats:?}");
	}
	assert!(
		stats.by_call.get("Proofs.take_replica").is_some_and(|(_, succeeded)| *succeeded > 0),
		"no replica was taken: {stats:?}"
	);
}
