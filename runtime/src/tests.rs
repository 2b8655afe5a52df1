//! Runtime tests: every genesis preset builds and means what it says, and the validator set
//! answers only to its privileged origin.

#![allow(clippy::arithmetic_side_effects)]

use alloc::{string::String, vec::Vec};

use codec::Encode;
use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{Inspect, InspectHold},
};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};
use sp_runtime::{BuildStorage, DispatchError};

use crate::{
	genesis_config_presets::{self, ENDOWMENT},
	AccountId, Babe, Balances, Devices, Grandpa, Runtime, RuntimeGenesisConfig, RuntimeHoldReason,
	RuntimeOrigin, Session, SessionKeys, System, ValidatorSet, MILLI_UNITS, UNITS,
};

/// The genesis state of `preset`, built the way the node builds it: the preset's JSON patch
/// applied over the default genesis config.
fn preset_ext(preset: &str) -> sp_io::TestExternalities {
	preset_ext_with(preset, |_| ())
}

/// The genesis state of `preset`, with `edit` made to its genesis config.
fn preset_ext_with(
	preset: &str,
	edit: impl FnOnce(&mut RuntimeGenesisConfig),
) -> sp_io::TestExternalities {
	let patch = genesis_config_presets::get_preset(&String::from(preset))
		.unwrap_or_else(|| panic!("preset {preset} exists"));
	let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).expect("serializes");
	let patch: serde_json::Value = serde_json::from_slice(&patch).expect("preset is JSON");
	json_merge(&mut config, patch);
	let mut config: RuntimeGenesisConfig =
		serde_json::from_value(config).expect("preset deserializes into the genesis config");
	edit(&mut config);
	let storage = config.build_storage().expect("genesis builds");
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.register_extension(sp_keystore::KeystoreExt::new(
		sp_keystore::testing::MemoryKeystore::new(),
	));
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Blocks authored as BABE authorities author them, for the tests that run whole blocks.
mod blocks;

/// Validators' equivocations, reported and punished (issue 28).
mod equivocation;

/// The runtime fuzzer: random calls, invariants after every block (issue 28).
#[cfg(feature = "try-runtime")]
mod fuzz;

/// The transaction pool's ranking of proof submissions (issue 28, spam).
mod pool;

/// The live network's upgrade, offline, on its state (issue 28).
#[cfg(feature = "try-runtime")]
mod snapshot;

fn json_merge(base: &mut serde_json::Value, patch: serde_json::Value) {
	match (base, patch) {
		(serde_json::Value::Object(base), serde_json::Value::Object(patch)) => {
			for (key, value) in patch {
				json_merge(base.entry(key).or_insert(serde_json::Value::Null), value);
			}
		},
		(base, patch) => *base = patch,
	}
}

fn account(k: Sr25519Keyring) -> AccountId {
	k.to_account_id()
}

fn four() -> Vec<AccountId> {
	[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie, Sr25519Keyring::Dave]
		.into_iter()
		.map(account)
		.collect()
}

#[test]
fn every_listed_preset_is_served() {
	let names = genesis_config_presets::preset_names();
	assert_eq!(names.len(), 3);
	for name in names {
		assert!(genesis_config_presets::get_preset(&name).is_some(), "{name:?} is served");
	}
	assert!(genesis_config_presets::get_preset(&String::from("mainnet")).is_none());
}

#[test]
fn development_preset_has_alice_as_only_validator_and_sudo() {
	preset_ext(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		let alice = account(Sr25519Keyring::Alice);
		assert_eq!(Session::validators(), vec![alice.clone()]);
		assert_eq!(
			pallet_collator_selection::Invulnerables::<Runtime>::get().to_vec(),
			vec![alice.clone()]
		);
		let babe: Vec<_> = Babe::authorities().iter().map(|(id, _)| id.clone()).collect();
		assert_eq!(babe, vec![Sr25519Keyring::Alice.public().into()]);
		let grandpa: Vec<_> =
			Grandpa::grandpa_authorities().into_iter().map(|(id, _)| id).collect();
		assert_eq!(grandpa, vec![Ed25519Keyring::Alice.public().into()]);
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), Some(alice.clone()));
		for k in Sr25519Keyring::iter() {
			// Free plus held: Alice holds her genesis devices' deposits.
			assert_eq!(Balances::total_balance(&account(k)), ENDOWMENT);
		}
		assert!(Babe::epoch_config().is_some());
	});
}

#[test]
fn local_testnet_preset_has_four_validators_and_sudo() {
	preset_ext(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		let mut validators = Session::validators();
		validators.sort();
		let mut expected = four();
		expected.sort();
		assert_eq!(validators, expected);
		assert_eq!(Babe::authorities().len(), 4);
		assert_eq!(Grandpa::grandpa_authorities().len(), 4);
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), Some(account(Sr25519Keyring::Alice)));
	});
}

#[test]
fn testnet_preset_has_no_sudo_key_and_endows_only_validators() {
	preset_ext(genesis_config_presets::TESTNET_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), None);
		assert_eq!(Session::validators().len(), 4);
		for v in four() {
			assert_eq!(Balances::balance(&v), ENDOWMENT);
		}
		assert_eq!(Balances::balance(&account(Sr25519Keyring::Eve)), 0);
		// The treasury's account is created at genesis with the existential deposit.
		let treasury = crate::Treasury::account_id();
		assert_eq!(Balances::balance(&treasury), crate::EXISTENTIAL_DEPOSIT);
		// So is the emission pot's, and the emission pallet's books start from that issuance.
		assert_eq!(Balances::balance(&crate::Emission::pot()), crate::EXISTENTIAL_DEPOSIT);
		let issuance = pallet_balances::TotalIssuance::<Runtime>::get();
		assert_eq!(
			issuance,
			ENDOWMENT * 4 + 2 * crate::EXISTENTIAL_DEPOSIT,
			"nothing but the validators' endowments and the treasury's and pot's accounts exists"
		);
		assert_eq!(pallet_emission::GenesisIssuance::<Runtime>::get(), issuance);
	});
}

#[test]
fn validator_set_changes_only_by_root() {
	preset_ext(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		let bob = account(Sr25519Keyring::Bob);
		assert_noop!(
			ValidatorSet::add_invulnerable(RuntimeOrigin::signed(bob.clone()), bob.clone()),
			DispatchError::BadOrigin
		);
		// A validator must have session keys before it can be added.
		assert_noop!(
			ValidatorSet::add_invulnerable(RuntimeOrigin::root(), bob.clone()),
			pallet_collator_selection::Error::<Runtime>::ValidatorNotRegistered
		);
		// Bob generates session keys in his keystore and proves he owns them, as
		// `author_rotateKeys` + `session.setKeys` do; the runtime holds the key deposit.
		let generated = SessionKeys::generate(&bob.encode(), None);
		assert_ok!(Session::set_keys(
			RuntimeOrigin::signed(bob.clone()),
			generated.keys,
			generated.proof.encode()
		));
		assert_eq!(
			Balances::balance_on_hold(
				&RuntimeHoldReason::Session(pallet_session::HoldReason::Keys),
				&bob
			),
			UNITS
		);
		assert_ok!(ValidatorSet::add_invulnerable(RuntimeOrigin::root(), bob.clone()));
		assert!(pallet_collator_selection::Invulnerables::<Runtime>::get().contains(&bob));

		// The last validator can never be removed.
		assert_ok!(ValidatorSet::remove_invulnerable(RuntimeOrigin::root(), bob.clone()));
		assert_noop!(
			ValidatorSet::remove_invulnerable(
				RuntimeOrigin::root(),
				account(Sr25519Keyring::Alice)
			),
			pallet_collator_selection::Error::<Runtime>::TooFewEligibleCollators
		);
	});
}

#[test]
fn open_validator_candidacy_is_disabled() {
	preset_ext(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		let bob = account(Sr25519Keyring::Bob);
		assert!(ValidatorSet::register_as_candidate(RuntimeOrigin::signed(bob)).is_err());
		assert!(pallet_collator_selection::CandidateList::<Runtime>::get().is_empty());
	});
}

#[test]
fn the_dev_chains_trust_a_maker_of_weather_stations_and_take_certified_stations_only() {
	use pallet_devices::DeviceKey;
	use sp_core::{sr25519, Pair};

	let (schema, key, cap) = genesis_config_presets::dev_maker();
	let seed = genesis_config_presets::DEV_MAKER_SEED;
	let derived =
		DeviceKey::Sr25519(sr25519::Pair::from_string(seed, None).expect("a seed").public());
	assert_eq!(derived, key, "the documented seed derives the maker's key");
	for preset in
		[sp_genesis_builder::DEV_RUNTIME_PRESET, sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET]
	{
		preset_ext(preset).execute_with(|| {
			let maker = pallet_sensors::Makers::<Runtime>::get(0).expect("the dev maker");
			assert_eq!(
				(maker.schema, maker.key, maker.cap, maker.certified),
				(schema, key, cap, 0)
			);
			assert!(pallet_sensors::CertificatesRequired::<Runtime>::contains_key(schema));
			// The meters' schema has no maker: trades pay its meters, and a trade with oneself
			// is bounded by its fee.
			assert!(!pallet_sensors::CertificatesRequired::<Runtime>::contains_key(1));
		});
	}
	preset_ext(genesis_config_presets::TESTNET_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(pallet_sensors::NextMaker::<Runtime>::get(), 0, "governance adds makers");
		assert_eq!(pallet_sensors::CertificatesRequired::<Runtime>::iter().count(), 0);
	});
}

#[test]
fn dev_presets_register_alices_devices_with_keys_from_their_seeds() {
	use pallet_devices::{DeviceKey, DeviceRegistry, DeviceStatus};
	use sp_core::{ecdsa, ed25519, sr25519, Pair};

	let devices = genesis_config_presets::dev_devices();
	for device in &devices {
		// The documented seed derives the stored key, so tools can sign for the device.
		let derived = match device.key {
			DeviceKey::Sr25519(_) => {
				DeviceKey::Sr25519(sr25519::Pair::from_string(device.seed, None).unwrap().public())
			},
			DeviceKey::Ed25519(_) => {
				DeviceKey::Ed25519(ed25519::Pair::from_string(device.seed, None).unwrap().public())
			},
			DeviceKey::Ecdsa(_) => {
				DeviceKey::Ecdsa(ecdsa::Pair::from_string(device.seed, None).unwrap().public())
			},
		};
		assert_eq!(derived, device.key, "{}", device.seed);
		// The location is a real resolution-12 cell (checked by the reference H3 library).
		let cell = h3o::CellIndex::try_from(device.location).expect("a real H3 cell");
		assert_eq!(cell.resolution(), h3o::Resolution::Twelve);
	}

	let presets =
		[sp_genesis_builder::DEV_RUNTIME_PRESET, sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET];
	for preset in presets {
		preset_ext(preset).execute_with(|| {
			let alice = account(Sr25519Keyring::Alice);
			for (id, expected) in devices.iter().enumerate() {
				let device = Devices::device(id as u64).expect("a genesis device");
				assert_eq!(device.owner, alice);
				assert_eq!(device.key, expected.key);
				assert_eq!(device.kind, expected.kind);
				assert_eq!(device.status, DeviceStatus::Active);
				// 5 DPN + 34 bytes (two empty strings and the serial hash) at 0.01 DPN.
				assert_eq!(device.deposit, 5 * UNITS + 340 * MILLI_UNITS);
			}
			assert_eq!(
				Balances::balance_on_hold(
					&RuntimeHoldReason::Devices(pallet_devices::HoldReason::DeviceDeposit),
					&alice
				),
				3 * Devices::deposit_for(&Default::default())
			);
		});
	}
	preset_ext(genesis_config_presets::TESTNET_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(Devices::device(0), None);
	});
}

/// A storage proof of two chunks at depth 20, as the runtime takes it.
fn storage_proof_at_depth_20() -> pallet_proofs::StorageProofOf<Runtime> {
	use pallet_proofs::{ChunkProof, StorageProof, CHUNK_SIZE};
	let chunk = ChunkProof {
		index: 0,
		chunk: [0u8; CHUNK_SIZE],
		path: Vec::from([sp_core::H256::zero(); 20]).try_into().expect("20 <= 30"),
	};
	StorageProof {
		device: 0,
		sector: 0,
		epoch: 0,
		chunks: Vec::from([chunk.clone(), chunk]).try_into().expect("2 <= 8"),
		signature: pallet_devices::DeviceSignature::Ecdsa(Default::default()),
	}
}

/// What `call` is charged, the weight a normal extrinsic may use (after the base extrinsic
/// weight) and the call's length with a signed extrinsic's overhead, once checked that it fits
/// one normal extrinsic by weight and by length; `what` names it in the failure.
fn fits_one_normal_extrinsic(
	call: &crate::RuntimeCall,
	what: &str,
) -> (frame_support::weights::Weight, frame_support::weights::Weight, u32) {
	use crate::configs::system::{RuntimeBlockLength, RuntimeBlockWeights};
	use frame_support::dispatch::{DispatchClass, GetDispatchInfo};
	let weights = RuntimeBlockWeights::get();
	let normal = weights.get(DispatchClass::Normal);
	let room = normal
		.max_extrinsic
		.expect("normal extrinsics are limited")
		.saturating_sub(normal.base_extrinsic);
	let charged = call.get_dispatch_info().total_weight();
	assert!(
		charged.all_lte(room),
		"{what} weigh {charged:?}, a normal extrinsic may weigh {room:?}"
	);
	let max_length = *RuntimeBlockLength::get().max.get(DispatchClass::Normal);
	let length = call.encoded_size() as u32 + 200;
	assert!(length <= max_length, "{what} are {length} bytes, the limit is {max_length}");
	(charged, room, length)
}

#[test]
fn a_batch_of_a_thousand_storage_proofs_fits_one_block() {
	let proofs: pallet_proofs::StorageProofsOf<Runtime> =
		alloc::vec![storage_proof_at_depth_20(); 1_000].try_into().expect("MaxBatch is 1,000");
	let call = crate::RuntimeCall::Proofs(pallet_proofs::Call::submit_storage_proofs { proofs });

	// The generated weights, charged before dispatch (the worst case of each proof), and the
	// length fit one normal extrinsic.
	let (charged, room, length) = fits_one_normal_extrinsic(&call, "1,000 proofs");

	// After refunds (no faults to settle), each proof costs its check and the points hook.
	let accepted = crate::Proofs::prove_weight(2, 20)
		.saturating_add(<crate::Emission as pallet_proofs::OnProofAccepted>::weight())
		.saturating_mul(1_000);
	assert!(accepted.all_lte(charged));
	let ms = |w: frame_support::weights::Weight| w.ref_time() / 1_000_000_000;
	std::eprintln!(
		"1,000 storage proofs: charged {} ms of {} ms, {} ms after refunds, {length} bytes",
		ms(charged),
		ms(room),
		ms(accepted)
	);
}

/// A full `publish_deals` batch fits one normal extrinsic, and how many deals a block takes
/// (printed: `cargo test --locked --workspace --lib deals_per_block -- --nocapture`).
#[test]
fn a_full_batch_of_deal_proposals_fits_one_block_and_gives_the_deals_per_block() {
	use crate::configs::system::{RuntimeBlockLength, RuntimeBlockWeights};
	use frame_support::{dispatch::DispatchClass, traits::Get};

	let most = <<Runtime as pallet_proofs::Config>::MaxProposals as Get<u32>>::get();
	let signed = depin_primitives::deals::SignedProposal {
		proposal: depin_primitives::deals::DealProposal {
			client: account(Sr25519Keyring::Charlie),
			device: 7,
			root: sp_core::H256::repeat_byte(1),
			chunks: 1 << 20,
			price_per_gib: UNITS,
			activation_deadline: 1_000,
			duration: 720,
			provider_collateral: 10 * UNITS,
			client_collateral: UNITS,
		},
		signature: sp_runtime::MultiSignature::Sr25519(sp_core::sr25519::Signature::from_raw(
			[0; 64],
		)),
	};
	let proposals: pallet_proofs::SignedProposalsOf<Runtime> =
		alloc::vec![signed; most as usize].try_into().expect("MaxProposals");
	let call = crate::RuntimeCall::Proofs(pallet_proofs::Call::publish_deals { proposals });

	let (charged, _, length) = fits_one_normal_extrinsic(&call, &format!("{most} proposals"));
	let weights = RuntimeBlockWeights::get();
	let normal = weights.get(DispatchClass::Normal);
	let max_length = *RuntimeBlockLength::get().max.get(DispatchClass::Normal);

	// Full batches in the normal share of a block, by weight and by length.
	let total = normal.max_total.expect("normal is limited");
	let per_batch = charged.saturating_add(normal.base_extrinsic);
	let by_time = total.ref_time() / per_batch.ref_time().max(1);
	let by_proof = total.proof_size() / per_batch.proof_size().max(1);
	let by_length = u64::from(max_length / length);
	let batches = by_time.min(by_proof).min(by_length);
	assert!(batches >= 1);
	let ms = |w: frame_support::weights::Weight| w.ref_time() / 1_000_000_000;
	std::eprintln!(
		"publish_deals({most}): charged {} ms, {} KiB of proof, {length} bytes; a block takes \
		 {batches} such batches: {} deals (limited by {})",
		ms(charged),
		charged.proof_size() / 1024,
		batches * u64::from(most),
		if batches == by_time {
			"time"
		} else if batches == by_proof {
			"proof size"
		} else {
			"length"
		}
	);
}

#[test]
fn proofs_keep_block_space_when_normal_transactions_fill_the_block() {
	use frame_support::dispatch::{DispatchClass, GetDispatchInfo};
	use sp_runtime::transaction_validity::{InvalidTransaction, TransactionValidityError};

	preset_ext("development").execute_with(|| {
		let weights = crate::configs::system::RuntimeBlockWeights::get();
		// A block whose normal share someone has filled (cheap transactions just before a
		// proof deadline).
		let normal_max = weights.get(DispatchClass::Normal).max_total.expect("normal is limited");
		frame_system::BlockWeight::<Runtime>::mutate(|used| {
			used.set(normal_max, DispatchClass::Normal)
		});
		let fits = |call: &crate::RuntimeCall| {
			let info = call.get_dispatch_info();
			let len = call.encoded_size() + 200;
			let next_len = len as u32;
			frame_system::CheckWeight::<Runtime>::do_prepare(&info, len, next_len)
		};

		let transfer = crate::RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: account(Sr25519Keyring::Bob).into(),
			value: UNITS,
		});
		assert_eq!(transfer.get_dispatch_info().class, DispatchClass::Normal);
		assert_eq!(
			fits(&transfer),
			Err(TransactionValidityError::Invalid(InvalidTransaction::ExhaustsResources))
		);

		// A batch of 100 storage proofs still goes in: proof submissions are operational and
		// have the share of the block normal transactions cannot take.
		let proofs: pallet_proofs::StorageProofsOf<Runtime> =
			alloc::vec![storage_proof_at_depth_20(); 100].try_into().expect("within MaxBatch");
		let call =
			crate::RuntimeCall::Proofs(pallet_proofs::Call::submit_storage_proofs { proofs });
		assert_eq!(call.get_dispatch_info().class, DispatchClass::Operational);
		assert_eq!(fits(&call), Ok(()));
		for call in [
			crate::RuntimeCall::Coverage(pallet_coverage::Call::submit_beacons {
				bundles: Default::default(),
			}),
			crate::RuntimeCall::Compute(pallet_compute::Call::commit_work {
				commits: Default::default(),
			}),
			crate::RuntimeCall::Compute(pallet_compute::Call::reveal_work {
				reveals: Default::default(),
			}),
		] {
			assert_eq!(call.get_dispatch_info().class, DispatchClass::Operational, "{call:?}");
		}
	});
}

#[test]
fn filling_the_blocks_of_a_response_window_costs_at_least_the_documented_amount() {
	use frame_support::{dispatch::DispatchClass, traits::Get};

	// The fee multiplier never falls below 1: a normal block's worth of weight always costs at
	// least its base fee, however quiet the chain was.
	assert_eq!(
		crate::configs::MinimumMultiplier::get(),
		<pallet_transaction_payment::Multiplier as sp_runtime::FixedPointNumber>::saturating_from_integer(1)
	);
	let weights = crate::configs::system::RuntimeBlockWeights::get();
	let normal = weights.get(DispatchClass::Normal).max_total.expect("normal is limited");
	// The production default window (no parameter set).
	sp_io::TestExternalities::default().execute_with(|| {
		let window = crate::configs::parameters::proof_params::ResponseWindow::get();
		assert_eq!(window, 450);
		let per_block = pallet_transaction_payment::Pallet::<Runtime>::weight_to_fee(normal);
		let total = per_block * u128::from(window);
		std::eprintln!(
			"filling the normal share of {window} blocks (a response window) costs at least {} DPN \
			 in weight fees ({} DPN a block), before the multiplier rises",
			total / UNITS,
			per_block as f64 / UNITS as f64
		);
		assert!(total >= 500 * UNITS, "{total}");
	});
}

/// A beacon's bundle with `MaxWitnesses` receipts, every signature `signature`.
fn full_bundle(
	signature: pallet_devices::DeviceSignature,
) -> pallet_coverage::BeaconBundleOf<Runtime> {
	use frame_support::traits::Get;
	use pallet_coverage::{BeaconBundle, BeaconReport, WitnessReceipt};
	let witnesses = <<Runtime as pallet_coverage::Config>::MaxWitnesses as Get<u32>>::get();
	let receipt = WitnessReceipt {
		witness: 1,
		beacon: Default::default(),
		signal: -90,
		snr: 50,
		frequency: 868_100,
		received_at: 1,
		cell: 0,
		signature: signature.clone(),
	};
	BeaconBundle {
		beacon: BeaconReport { device: 0, epoch: 1, sent_at: 1, frequency: 868_100, signature },
		receipts: alloc::vec![receipt; witnesses as usize].try_into().expect("MaxWitnesses"),
	}
}

/// What the idle sweeps of the storage and compute kinds count for a device that missed
/// nothing (its record read and written, its status read, and for compute the audit draw)
/// against the most a step may cost, which a block must have left to visit a device; and what a
/// pass over a million devices of a kind takes of an hour's blocks (600), as a share of each
/// block's normal class. `cargo test --locked -p depin-runtime --lib idle_sweep -- --nocapture`.
#[test]
fn an_idle_sweep_counts_a_device_that_missed_nothing_at_a_fraction_of_the_worst_case() {
	use crate::configs::system::RuntimeBlockWeights;
	use frame_support::dispatch::DispatchClass;
	let db: frame_support::weights::RuntimeDbWeight =
		<<Runtime as frame_system::Config>::DbWeight as frame_support::traits::Get<_>>::get();
	let normal = RuntimeBlockWeights::get()
		.get(DispatchClass::Normal)
		.max_total
		.expect("the normal class is limited")
		.ref_time();
	let kinds = [
		(
			"storage",
			crate::Proofs::settle_weight().saturating_add(db.reads(1)),
			db.reads_writes(2, 1),
		),
		(
			"compute",
			pallet_compute::Pallet::<Runtime>::settle_weight(),
			db.reads_writes(2, 1)
				.saturating_add(pallet_compute::Pallet::<Runtime>::audit_draw_weight()),
		),
	];
	for (kind, step, used) in kinds {
		assert!(used.ref_time() * 3 < step.ref_time(), "{kind}: {used:?} of {step:?}");
		let share = used.ref_time() as f64 * 1_000_000.0 / 600.0 * 100.0 / normal as f64;
		std::eprintln!(
			"{kind} sweep: {:.1} µs a device that missed nothing, {:.1} µs at most; a million \
			 an hour: {share:.1} % of every block's normal weight",
			used.ref_time() as f64 / 1e6,
			step.ref_time() as f64 / 1e6,
		);
	}
}

#[test]
fn a_full_batch_of_coverage_bundles_fits_one_block() {
	use crate::configs::system::RuntimeBlockWeights;
	use frame_support::traits::Get;
	use pallet_devices::DeviceSignature;

	let witnesses = <<Runtime as pallet_coverage::Config>::MaxWitnesses as Get<u32>>::get();
	let batch = <<Runtime as pallet_coverage::Config>::MaxBatch as Get<u32>>::get();
	let bundle = full_bundle(DeviceSignature::Ecdsa(Default::default()));
	let bundles: pallet_coverage::BeaconBundlesOf<Runtime> =
		alloc::vec![bundle; batch as usize].try_into().expect("MaxBatch");
	let call = crate::RuntimeCall::Coverage(pallet_coverage::Call::submit_beacons { bundles });

	let (charged, room, length) = fits_one_normal_extrinsic(&call, &format!("{batch} bundles"));
	let weights = RuntimeBlockWeights::get();
	// Judging the most beacons a block judges takes a small part of it.
	let draw = pallet_coverage::Pallet::<Runtime>::judging_weight();
	assert!(draw.all_lte(weights.max_block / 20), "judging weighs {draw:?}");
	let ms = |w: frame_support::weights::Weight| w.ref_time() / 1_000_000_000;
	std::eprintln!(
		"{batch} coverage bundles of {witnesses} receipts: charged {} ms of {} ms, {length} \
		 bytes; judging 256 beacons {} ms",
		ms(charged),
		ms(room),
		ms(draw)
	);
}

/// A compute reveal of `samples` segments sampled (with `draw` as the reveal seed) from a
/// workload of a tree of `depth`, with the multiproof of the checkpoints they open (`longest`:
/// with the most hashes the bound allows, two whole paths a segment).
fn compute_reveal(
	samples: u32,
	depth: u32,
	draw: [u8; 32],
	longest: bool,
) -> pallet_compute::WorkRevealOf<Runtime> {
	use pallet_compute::work;
	let zero = [0u8; 32];
	let segments: alloc::vec::Vec<_> = (0..samples)
		.map(|i| {
			let index = work::sample_segment::<pallet_compute::RuntimeHasher>(
				&draw,
				0,
				&zero,
				i,
				1 << depth,
			)
			.expect("segments");
			pallet_compute::RevealedSegment { index, start: zero.into(), end: zero.into() }
		})
		.collect();
	let hashes = if longest {
		2 * samples * depth
	} else {
		let opened = segments.iter().map(|s| (s.index, s.start.0, s.end.0));
		let positions: alloc::vec::Vec<u32> =
			work::revealed_leaves::<pallet_compute::RuntimeHasher>(opened)
				.expect("one value a checkpoint")
				.into_iter()
				.map(|(position, _)| position)
				.collect();
		depin_merkle::multiproof_siblings(&positions, depth, |_, _| zero).expect("in range").len()
			as u32
	};
	pallet_compute::WorkReveal {
		device: 0,
		epoch: 1,
		segments: segments.try_into().expect("samples"),
		proof: alloc::vec![sp_core::H256::zero(); hashes as usize].try_into().expect("the bound"),
	}
}

/// What one proven device-epoch of each kind costs a block, in bytes and in charged weight, and
/// what a million devices of each kind take of every block's normal length and weight: storage
/// and compute proven hourly, hotspots beaconing daily with `MaxWitnesses` witnesses (each
/// hotspot beacons once a day and witnesses as often). Printed for docs/scale.md:
/// `cargo test --locked -p depin-runtime --lib device_epoch -- --nocapture`. The load harness
/// (`scripts/bench.sh`) measures the storage figures on a running node.
#[test]
fn the_bytes_and_weight_of_a_proven_device_epoch_of_each_kind() {
	sp_io::TestExternalities::default().execute_with(|| {
		use crate::configs::{
			parameters::{compute_params, proof_params},
			system::{RuntimeBlockLength, RuntimeBlockWeights},
		};
		use frame_support::{dispatch::DispatchClass, traits::Get, weights::Weight};
		use pallet_devices::DeviceSignature;

		let sr25519 = || DeviceSignature::Sr25519(sp_core::sr25519::Signature::from_raw([0; 64]));
		let db: frame_support::weights::RuntimeDbWeight =
			<<Runtime as frame_system::Config>::DbWeight as Get<_>>::get();
		// Only the audited share of storage devices proves (`proofs.AuditRate`); the idle
		// sweep enters the others into the epoch, each at what it cost (its record and status
		// read, the record written, the audit draw).
		let storage_audit = proof_params::AuditRate::get();
		let mut storage = storage_proof_at_depth_20();
		storage.signature = sr25519();
		let storage_proof_bytes = storage.encoded_size() as u64;
		let storage_bytes = storage_audit.mul_ceil(storage_proof_bytes);
		let proof_weight =
			crate::Proofs::storage_proof_weight(proof_params::ChallengesPerSector::get(), 20);
		let storage_swept =
			db.reads_writes(2, 1).saturating_add(crate::Proofs::audit_draw_weight());
		let storage_weight = Weight::from_parts(
			storage_audit.mul_ceil(proof_weight.ref_time()).saturating_add(
				(sp_runtime::Perbill::one() - storage_audit).mul_ceil(storage_swept.ref_time()),
			),
			storage_audit.mul_ceil(proof_weight.proof_size()),
		);

		let witnesses = <<Runtime as pallet_coverage::Config>::MaxWitnesses as Get<u32>>::get();
		let bundle = full_bundle(sr25519());
		let coverage_bytes = bundle.encoded_size() as u64;
		// A beacon's bundle, and its judging in the blocks after its epoch (a block's most,
		// shared by the beacons it judges).
		let judged = <<Runtime as pallet_coverage::Config>::JudgedPerBlock as Get<u32>>::get();
		let judging = crate::Coverage::judging_weight();
		let coverage_weight =
			crate::Coverage::bundle_weight(witnesses).saturating_add(Weight::from_parts(
				judging.ref_time() / u64::from(judged),
				judging.proof_size() / u64::from(judged),
			));

		let samples = compute_params::Samples::get();
		let audit = compute_params::AuditRate::get();
		let depth = <<Runtime as pallet_compute::Config>::MaxTreeDepth as Get<u32>>::get();
		let reveal = compute_reveal(samples, depth, [7; 32], false);
		let commit = pallet_compute::WorkCommit {
			device: 0,
			epoch: 1,
			root: Default::default(),
			signature: sr25519(),
		};
		// Only the audited share commits and reveals (an unaudited worker is not challenged:
		// `NotChallenged`); the idle sweep enters the others into the epoch, each counted at
		// what it cost (its record and status read, the record written, the audit draw).
		let audited = |bytes: u64| audit.mul_ceil(bytes);
		let compute_bytes = audited(commit.encoded_size() as u64 + reveal.encoded_size() as u64);
		type Compute = pallet_compute::Pallet<Runtime>;
		let commit_weight = Compute::commit_full_weight().saturating_add(Compute::settle_weight());
		let reveal_weight = Compute::reveal_item_weight(samples);
		let work_weight = commit_weight.saturating_add(reveal_weight);
		let swept = db.reads_writes(2, 1).saturating_add(Compute::audit_draw_weight());
		let unaudited = sp_runtime::Perbill::one() - audit;
		let compute_weight = Weight::from_parts(
			audited(work_weight.ref_time()).saturating_add(unaudited.mul_ceil(swept.ref_time())),
			audited(work_weight.proof_size()),
		);
		// What an honest audited device's two items use once refunded: its record entered by
		// the sweep (the commitment's settlement a read), no fraud to punish.
		let honest = Compute::commit_full_weight()
			.saturating_add(db.reads(1))
			.saturating_add(Compute::reveal_weight(samples));
		let compute_used =
			audited(honest.ref_time()).saturating_add(unaudited.mul_ceil(swept.ref_time()));

		// A million devices of a kind, as a share of every block's normal length and weight
		// (a block every 6 s: 600 an hour, 14,400 a day).
		let weights = RuntimeBlockWeights::get();
		let normal_weight = weights
			.get(DispatchClass::Normal)
			.max_total
			.expect("the normal class is limited")
			.ref_time();
		let normal_length = u64::from(*RuntimeBlockLength::get().max.get(DispatchClass::Normal));
		let share = |per_device: u64, blocks: u64, of: u64| {
			(per_device as f64) * 1_000_000.0 / (blocks as f64) * 100.0 / (of as f64)
		};
		let kinds = [
			("storage (audited hourly)", storage_bytes, storage_weight, 600),
			("coverage (a beacon a day, judged)", coverage_bytes, coverage_weight, 14_400),
			("compute (hourly)", compute_bytes, compute_weight, 600),
		];
		std::eprintln!(
			"kind | bytes a device-epoch | charged µs | a million devices: % of normal length, % \
			 of normal weight"
		);
		for (name, bytes, weight, blocks) in kinds {
			std::eprintln!(
				"{name} | {bytes} | {} | {:.1} % | {:.1} %",
				weight.ref_time() / 1_000_000,
				share(bytes, blocks, normal_length),
				share(weight.ref_time(), blocks, normal_weight)
			);
		}
		std::eprintln!(
			"compute, used by an honest device after refunds | {} | {} | | {:.1} %",
			compute_bytes,
			compute_used / 1_000_000,
			share(compute_used, 600, normal_weight)
		);
		std::eprintln!(
			"compute reveal: {} bytes, its multiproof {} hashes",
			reveal.encoded_size(),
			reveal.proof.len()
		);
		// How a reveal's bytes vary with its draw, the sample count (governed) and the tree's
		// depth (the device's capacity): the mean of 1,000 draws, as a million devices' share
		// of every block's normal length.
		let commit_bytes = commit.encoded_size() as f64;
		for (samples, depth, what) in
			[(8, depth, "the most units"), (6, depth, "the most units"), (8, 15, "16 units")]
		{
			let draws = 1_000u32;
			let (mut hashes, mut bytes) = (0usize, 0usize);
			for d in 0..draws {
				let mut draw = [0u8; 32];
				draw[..4].copy_from_slice(&d.to_le_bytes());
				let reveal = compute_reveal(samples, depth, draw, false);
				hashes += reveal.proof.len();
				bytes += reveal.encoded_size();
			}
			let mean = |total: usize| total as f64 / f64::from(draws);
			let per_device = f64::from(audit.deconstruct()) / 1e9 * (commit_bytes + mean(bytes));
			std::eprintln!(
				"compute, {samples} samples, {depth} levels ({what}): a multiproof of {:.1} \
				 hashes on average, {:.0} bytes a device-epoch, {:.1} % of normal length",
				mean(hashes),
				per_device,
				per_device * 1_000_000.0 / 600.0 * 100.0 / normal_length as f64
			);
		}
		// The documented figures (docs/scale.md): a storage proof is two 1 KiB chunks with
		// their 20 hashes each and a signature, given a quarter of the time; a beacon's bundle
		// is its report and 25 receipts; a compute device-epoch is, a quarter of the time, a
		// signed commitment and a reveal of 8 sampled segments of the deepest tree with one
		// multiproof of their checkpoints. A million storage devices alone fit half of every
		// block, by length and by weight; a million of either other kind alone does not.
		assert_eq!(storage_proof_bytes, 3_420);
		assert_eq!((storage_bytes, coverage_bytes, compute_bytes), (855, 3_211, 1_295));
		for (name, bytes, weight, blocks) in kinds {
			let worst = share(bytes, blocks, normal_length).max(share(
				weight.ref_time(),
				blocks,
				normal_weight,
			));
			let fits = name.starts_with("storage");
			assert_eq!(worst <= 50.0, fits, "{name}: docs/scale.md is out of date");
		}
	});
}

/// Sensor readings covered a second when sensor data takes 10 % of every block's normal weight
/// (and its length): each batch of readings is one signed attestation and, an epoch later, one
/// reveal of its sampled readings (the deepest paths, every field of the weather schema), sold
/// to a full area's subscriptions. Printed for the sensors' README, at the readings a signature
/// covers for a station read every minute, every second, and at the most the schema allows:
/// `cargo test --locked -p depin-runtime --lib readings_covered -- --nocapture`. The goal
/// (issue 26): 50,000 readings a second within 10 % of normal weight.
#[test]
fn the_readings_covered_a_second_within_a_tenth_of_every_block() {
	sp_io::TestExternalities::default().execute_with(|| {
		use crate::configs::system::{RuntimeBlockLength, RuntimeBlockWeights};
		use depin_primitives::sensor::{
			Attestation, ReadingsReveal, RevealedReading, Schema, Summaries, Summary,
			MAX_READINGS_DEPTH,
		};
		use frame_support::dispatch::DispatchClass;
		use pallet_devices::DeviceSignature;
		type Sensors = pallet_sensors::Pallet<Runtime>;

		let fields = Schema::weather_station().fields.len();
		// What a large batch reveals: `Samples` at random and the last.
		let samples = Sensors::samples_for(depin_primitives::sensor::MAX_READINGS);
		let ecdsa = DeviceSignature::Ecdsa(sp_core::ecdsa::Signature::from_raw([0; 65]));
		let attestation = Attestation {
			device: 0,
			epoch: 1,
			schema: 0,
			root: Default::default(),
			count: 1,
			start: 0,
			end: 0,
			summaries: Summaries::truncate_from(alloc::vec![Summary::default(); fields]),
			signature: ecdsa,
		};
		let reading = RevealedReading {
			index: 0,
			time: 0,
			values: alloc::vec![0; fields].try_into().expect("fields"),
			path: alloc::vec![sp_core::H256::zero(); MAX_READINGS_DEPTH as usize]
				.try_into()
				.expect("depth"),
		};
		let reveal: pallet_sensors::ReadingsRevealOf<Runtime> = ReadingsReveal {
			device: 0,
			epoch: 1,
			readings: alloc::vec![reading; samples as usize].try_into().expect("samples"),
		};
		let bytes = (attestation.encoded_size() + reveal.encoded_size()) as f64;
		let weight = Sensors::attestation_weight().saturating_add(Sensors::reveal_weight());

		let normal_weight = RuntimeBlockWeights::get()
			.get(DispatchClass::Normal)
			.max_total
			.expect("the normal class is limited")
			.ref_time() as f64;
		let normal_length = f64::from(*RuntimeBlockLength::get().max.get(DispatchClass::Normal));
		// Batches a 6-second block takes in a tenth of its normal weight, or of its length.
		let batches =
			(0.1 * normal_weight / weight.ref_time() as f64).min(0.1 * normal_length / bytes);
		std::eprintln!(
			"a batch: {bytes} bytes, {} µs charged; {batches:.0} batches a block in a tenth of \
			 it",
			weight.ref_time() / 1_000_000
		);
		std::eprintln!("readings a signature | readings covered a second");
		let covered = |readings: f64| batches * readings / 6.0;
		for (name, readings) in [
			("a station read every minute, hourly epochs", 60.0),
			("read every second", 3_600.0),
			("the most one attestation covers (2^20)", f64::from(1u32 << MAX_READINGS_DEPTH)),
		] {
			std::eprintln!("{name}: {readings} | {:.0}", covered(readings));
		}
		// The goal, at the readings one signature may cover.
		assert!(
			covered(f64::from(1u32 << MAX_READINGS_DEPTH)) >= 50_000.0,
			"50,000 readings a second within a tenth of every block"
		);
	});
}

#[test]
fn full_batches_of_sensor_attestations_and_reveals_fit_one_block() {
	sp_io::TestExternalities::default().execute_with(|| {
		use crate::configs::system::{RuntimeBlockLength, RuntimeBlockWeights};
		use depin_primitives::sensor::{
			Attestation, ReadingsReveal, RevealedReading, Summaries, Summary, MAX_FIELDS,
			MAX_READINGS_DEPTH,
		};
		use frame_support::{
			dispatch::{DispatchClass, GetDispatchInfo},
			traits::Get,
		};
		use pallet_devices::DeviceSignature;
		type C = Runtime;

		let batch = <<C as pallet_sensors::Config>::MaxBatch as Get<u32>>::get();
		let reveals = <<C as pallet_sensors::Config>::MaxRevealBatch as Get<u32>>::get();
		let samples = <<C as pallet_sensors::Config>::MaxSamples as Get<u32>>::get();
		let attestation = Attestation {
			device: 0,
			epoch: 1,
			schema: 0,
			root: Default::default(),
			count: 1,
			start: 0,
			end: 0,
			summaries: Summaries::truncate_from(
				alloc::vec![Summary::default(); MAX_FIELDS as usize],
			),
			signature: DeviceSignature::Ecdsa(sp_core::ecdsa::Signature::from_raw([0; 65])),
		};
		let reading = RevealedReading {
			index: 0,
			time: 0,
			values: alloc::vec![0; MAX_FIELDS as usize].try_into().expect("fields"),
			path: alloc::vec![sp_core::H256::zero(); MAX_READINGS_DEPTH as usize]
				.try_into()
				.expect("depth"),
		};
		let reveal = ReadingsReveal {
			device: 0,
			epoch: 1,
			readings: alloc::vec![reading; samples as usize].try_into().expect("samples"),
		};
		let attest = crate::RuntimeCall::Sensors(pallet_sensors::Call::attest {
			attestations: alloc::vec![attestation; batch as usize].try_into().expect("MaxBatch"),
		});
		let reveal = crate::RuntimeCall::Sensors(pallet_sensors::Call::reveal {
			reveals: alloc::vec![reveal; reveals as usize].try_into().expect("MaxRevealBatch"),
		});
		let weights = RuntimeBlockWeights::get();
		let normal = weights.get(DispatchClass::Normal).max_extrinsic.expect("limited");
		let length = u64::from(*RuntimeBlockLength::get().max.get(DispatchClass::Normal));
		for call in [attest, reveal] {
			let charged = call.get_dispatch_info().total_weight();
			assert!(charged.all_lte(normal), "{charged:?} over a block");
			assert!((call.encoded_size() as u64) < length);
		}
	});
}

#[test]
fn full_batches_of_compute_reveals_commitments_and_receipts_fit_one_block() {
	// The sample count is a governed parameter: read from (default) storage.
	sp_io::TestExternalities::default().execute_with(|| {
		use crate::configs::system::{RuntimeBlockLength, RuntimeBlockWeights};
		use frame_support::{
			dispatch::{DispatchClass, GetDispatchInfo},
			traits::Get,
			weights::Weight,
		};
		use pallet_compute::{Config, WeightInfo as _, WorkCommit};
		use pallet_devices::DeviceSignature;
		type C = <Runtime as Config>::WeightInfo;

		let samples = <<Runtime as Config>::Samples as Get<u32>>::get();
		let max_samples = <<Runtime as Config>::MaxSamples as Get<u32>>::get();
		let reveals = <<Runtime as Config>::MaxRevealBatch as Get<u32>>::get();
		let batch = <<Runtime as Config>::MaxBatch as Get<u32>>::get();
		// The longest multiproof the bound allows.
		let depth = <<Runtime as Config>::MaxTreeDepth as Get<u32>>::get();
		let reveal = compute_reveal(samples, depth, [7; 32], true);
		let call = crate::RuntimeCall::Compute(pallet_compute::Call::reveal_work {
			reveals: alloc::vec![reveal; reveals as usize].try_into().expect("MaxRevealBatch"),
		});
		let commits = crate::RuntimeCall::Compute(pallet_compute::Call::commit_work {
			commits: alloc::vec![
				WorkCommit {
					device: 0,
					epoch: 1,
					root: Default::default(),
					signature: DeviceSignature::Ecdsa(Default::default())
				};
				batch as usize
			]
			.try_into()
			.expect("MaxBatch"),
		});
		let receipts = crate::RuntimeCall::Jobs(pallet_jobs::Call::submit_receipts {
			receipts: alloc::vec![
				pallet_jobs::SignedReceipt {
					receipt: pallet_jobs::JobReceipt {
						job: 0,
						consumer: account(Sr25519Keyring::Alice),
						device: 0,
						units: 1,
						price: 1,
						timestamp: 1,
					},
					consumer_signature: crate::Signature::Ecdsa(Default::default()),
					device_signature: DeviceSignature::Ecdsa(Default::default()),
				};
				batch as usize
			]
			.try_into()
			.expect("MaxBatch"),
		});

		let weights = RuntimeBlockWeights::get();
		let normal = weights.get(DispatchClass::Normal);
		let room = normal
			.max_extrinsic
			.expect("normal extrinsics are limited")
			.saturating_sub(normal.base_extrinsic);
		let max_length = *RuntimeBlockLength::get().max.get(DispatchClass::Normal);
		let ms = |w: Weight| w.ref_time() / 1_000_000_000;
		for (name, call) in [("reveals", &call), ("commitments", &commits), ("receipts", &receipts)]
		{
			let charged = call.get_dispatch_info().total_weight();
			let length = call.encoded_size() as u32 + 200;
			assert!(
				charged.all_lte(room),
				"a batch of {name} weighs {charged:?}, the limit is {room:?}"
			);
			assert!(length <= max_length, "a batch of {name} is {length} bytes");
			std::eprintln!(
				"a full batch of {name}: charged {} ms of {} ms, {length} bytes",
				ms(charged),
				ms(room)
			);
		}
		// The bounds: the most samples of the longest segments, in one reveal, fit too.
		let worst = C::reveal_work(max_samples).saturating_add(
			C::recompute_segment(<<Runtime as Config>::MaxSegmentLength as Get<u32>>::get())
				.saturating_mul(max_samples.into()),
		);
		assert!(worst.all_lte(room), "the worst reveal weighs {worst:?}");
		let one = pallet_compute::Pallet::<Runtime>::reveal_weight(samples);
		std::eprintln!(
			"one reveal of {samples} segments: {} µs; at the bounds: {} ms",
			one.ref_time() / 1_000_000,
			ms(worst)
		);
	});
}

#[test]
fn the_compute_reveal_seed_comes_from_the_vrf_output_of_a_block_without_commitments() {
	use frame_support::traits::Hooks;
	use sp_core::H256;

	preset_ext(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		// The dev chain's epoch 1 starts at block 10.
		let start = genesis_config_presets::DEV_PROVING_PERIOD;
		pallet_babe::AuthorVrfRandomness::<Runtime>::put(Some([1u8; 32]));
		System::set_block_number(start);
		crate::Epochs::on_initialize(start);
		let epoch = pallet_epochs::CurrentEpoch::<Runtime>::get();
		assert_eq!((epoch.index, epoch.start), (1, start));
		let reveal_at = crate::Compute::reveal_at(start);
		assert!(reveal_at < crate::Epochs::deadline(start), "reveals have blocks left");

		// At `reveal_at` the parent block's output is that of the commit window's last block,
		// which its author knew while choosing its commitments: no seed from it.
		pallet_babe::AuthorVrfRandomness::<Runtime>::put(Some([2u8; 32]));
		System::set_block_number(reveal_at);
		crate::Compute::on_initialize(reveal_at);
		assert_eq!(crate::Compute::reveal_seed(1), None);

		// The next block draws it from block `reveal_at`'s output: commitments were closed.
		let vrf = [3u8; 32];
		pallet_babe::AuthorVrfRandomness::<Runtime>::put(Some(vrf));
		System::set_block_number(reveal_at + 1);
		crate::Compute::on_initialize(reveal_at + 1);
		let subject = pallet_compute::REVEAL_SUBJECT;
		let babe: H256 = sp_io::hashing::blake2_256(&[subject, &vrf[..]].concat()).into();
		let expected: H256 = sp_io::hashing::blake2_256(&(subject, 1u32, babe).encode()).into();
		assert_eq!(crate::Compute::reveal_seed(1), Some(expected));
	});
}

/// Root sets any parameter directly: 5-block proving epochs with a 5-block response window.
fn five_block_epochs() {
	use crate::configs::{parameters::proof_params, RuntimeParameters};
	assert_ok!(crate::Parameters::set_parameter(
		RuntimeOrigin::root(),
		RuntimeParameters::Proofs(proof_params::Parameters::ProvingPeriod(
			proof_params::ProvingPeriod,
			Some(5)
		))
	));
	assert_ok!(crate::Parameters::set_parameter(
		RuntimeOrigin::root(),
		RuntimeParameters::Proofs(proof_params::Parameters::ResponseWindow(
			proof_params::ResponseWindow,
			Some(5)
		))
	));
}

/// 40 KiB of data for a sector, different for each `seed`.
fn sector_data(seed: u8) -> Vec<u8> {
	(0..40 * 1024u32).map(|i| (i % 251) as u8 ^ seed).collect()
}

/// The answer of Alice's dev storage device (device 0, signing with its dev key) to the
/// challenge of `epoch` on its `sector` of `data` (whose tree is `tree`).
fn alices_storage_proof(
	data: &[u8],
	tree: &depin_merkle::MerkleTree<depin_merkle::Blake2>,
	sector: u32,
	epoch: u32,
) -> pallet_proofs::StorageProofOf<Runtime> {
	use pallet_proofs::{ChunkProof, StorageProof};
	use sp_core::{sr25519, Pair, H256};
	let (challenge, indices) =
		crate::Proofs::storage_challenge(0, sector, epoch).expect("challenged in the epoch");
	let chunks = indices
		.iter()
		.map(|at| ChunkProof {
			index: *at,
			chunk: depin_merkle::chunk_at(data, *at).expect("in range"),
			path: tree
				.proof(*at)
				.expect("in range")
				.into_iter()
				.map(H256)
				.collect::<Vec<_>>()
				.try_into()
				.expect("within the depth bound"),
		})
		.collect::<Vec<_>>();
	let key = sr25519::Pair::from_string("//depin-dev-storage", None).expect("seed");
	let message = crate::Proofs::proof_message(0, sector, epoch, challenge);
	StorageProof {
		device: 0,
		sector,
		epoch,
		chunks: chunks.try_into().expect("the challenged chunks"),
		signature: pallet_devices::DeviceSignature::Sr25519(key.sign(&message)),
	}
}

#[test]
/// Alice's dev storage device proves a sector with BABE's randomness, and since Alice is her
/// own storage client (the cheapest way to get a deal), the rule against self-dealing holds on
/// the real runtime: the storage pool pays her exactly the fee her deal burned, however large
/// the pool, so the deal leaves her no richer.
fn alices_dev_storage_device_proves_a_self_dealt_sector_and_earns_no_more_than_it_burned() {
	use depin_merkle::{Blake2, MerkleTree};
	use frame_support::traits::Hooks;
	use pallet_epochs::CurrentEpoch;
	use sp_core::{Pair, H256};

	preset_ext(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		let alice = account(Sr25519Keyring::Alice);
		five_block_epochs();
		let data = sector_data(0);
		let tree = MerkleTree::<Blake2>::from_bytes(&data).expect("data");
		// Alice's deal with herself: 40 KiB at a price that makes an epoch cost 1 DPN.
		let proposal = pallet_proofs::DealProposalOf::<Runtime> {
			client: alice.clone(),
			device: 0,
			root: H256(tree.root()),
			chunks: tree.chunks(),
			price_per_gib: 26_214_400 * crate::UNITS / 1_000,
			activation_deadline: 100,
			duration: 10,
			provider_collateral: crate::UNITS,
			client_collateral: 0,
		};
		let message = crate::Proofs::proposal_message(&proposal);
		let signature =
			sp_runtime::MultiSignature::Sr25519(Sr25519Keyring::Alice.pair().sign(&message));
		let before = Balances::total_balance(&alice);
		assert_ok!(crate::Proofs::publish_deals(
			RuntimeOrigin::signed(alice.clone()),
			alloc::vec![pallet_depin_deal(proposal.clone(), signature)].try_into().expect("1")
		));
		let deal = pallet_proofs::Deals::<Runtime>::get(proposal.id()).expect("published");
		assert_eq!((deal.epoch_price, deal.epoch_fee), (crate::UNITS, crate::UNITS / 5));
		assert_ok!(crate::Proofs::commit_sector(
			RuntimeOrigin::signed(alice.clone()),
			0,
			H256(tree.root()),
			tree.chunks()
		));

		// Block 5 opens epoch 1 with BABE's VRF output of the parent block.
		let vrf = [7u8; 32];
		pallet_babe::AuthorVrfRandomness::<Runtime>::put(Some(vrf));
		System::set_block_number(5);
		crate::Epochs::on_initialize(5);
		let epoch = CurrentEpoch::<Runtime>::get();
		assert_eq!((epoch.index, epoch.start), (1, 5));
		let subject = pallet_epochs::SEED_SUBJECT;
		let babe: H256 = sp_io::hashing::blake2_256(&[subject, &vrf[..]].concat()).into();
		let expected: H256 = sp_io::hashing::blake2_256(&(subject, 1u32, babe).encode()).into();
		assert_eq!(epoch.seed, expected, "the seed is BABE's parent-block randomness");

		// Alice's storage device answers with its dev key.
		let proof = alices_storage_proof(&data, &tree, 0, 1);
		assert_ok!(crate::Proofs::submit_storage_proofs(
			RuntimeOrigin::signed(account(Sr25519Keyring::Bob)),
			alloc::vec![proof].try_into().expect("1 proof")
		));
		assert_eq!(pallet_proofs::Sectors::<Runtime>::get(0, 0).and_then(|s| s.proven_in), Some(1));

		// Block 10 ends epoch 1: its 5 blocks of 8 DPN are paid out, and Alice's device is the
		// only one with points: the whole storage pool (40 %, 16 DPN) is its share. But the
		// pool pays a deal-backed sector at most the fee its deal burned: 0.2 DPN.
		System::set_block_number(10);
		crate::Epochs::on_initialize(10);
		let rewards = pallet_emission::Rewards::<Runtime>::get(1).expect("epoch 1 paid out");
		assert_eq!(rewards.emission, 40 * crate::UNITS);
		assert_eq!(rewards.pools.get(pallet_devices::DeviceKind::Storage), 16 * crate::UNITS);
		let free = Balances::free_balance(&alice);
		assert_ok!(crate::Emission::claim(RuntimeOrigin::signed(alice.clone()), 0));
		assert_eq!(Balances::free_balance(&alice) - free, crate::UNITS / 5);
		// Settled, the deal moved 0.8 DPN from Alice to Alice and burned 0.2: with the reward,
		// she is exactly where she started (less the transaction fees a real chain charges).
		assert_ok!(crate::Proofs::settle_deal(RuntimeOrigin::signed(alice.clone()), proposal.id()));
		assert_eq!(Balances::total_balance(&alice), before);
		#[cfg(feature = "try-runtime")]
		crate::Emission::do_try_state().expect("the emission books balance");
	});
}

#[test]
/// Alice endows a permanent replica of her own data and takes it with her own dev storage
/// device: self-dealing through the endowment. On the real runtime it cannot pay: the
/// endowment is paid in whole, up front, and cannot be taken back; a proven epoch of the
/// tranche pays her its price, less the fee burned, and the storage pool pays her at most that
/// fee. After an epoch she has recovered exactly one epoch's price of what she paid in.
fn a_self_endowed_permanent_replica_pays_back_no_more_than_its_epochs_price() {
	use depin_merkle::{Blake2, MerkleTree};
	use frame_support::traits::Hooks;
	use pallet_proofs::{Permanents, ReplicaSpec, ReplicaState};
	use sp_core::H256;

	preset_ext(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		let alice = account(Sr25519Keyring::Alice);
		five_block_epochs();
		let data = sector_data(0);
		let tree = MerkleTree::<Blake2>::from_bytes(&data).expect("data");
		// 40 KiB at a price that makes an epoch of the first year cost 0.001 DPN.
		let price_per_gib = 26_214_400 * crate::UNITS / 1_000_000;
		let spec = ReplicaSpec { root: H256(tree.root()), chunks: tree.chunks(), device: 0 };
		let before = Balances::total_balance(&alice);
		assert_ok!(crate::Proofs::create_permanent_deal(
			RuntimeOrigin::signed(alice.clone()),
			alloc::vec![spec].try_into().expect("1 replica"),
			price_per_gib,
			10_000 * crate::UNITS,
			crate::Balance::MAX,
		));
		let endowment = Permanents::<Runtime>::get(0).expect("made").replicas[0].left;
		let deposit = <crate::configs::depin::DealDeposit as frame_support::traits::Get<_>>::get();
		// Two hundred years of a year of five-block epochs at the first year's price, at least.
		let epochs_per_year = crate::YEARS / 5;
		assert!(endowment >= 200 * crate::Balance::from(epochs_per_year) * crate::MILLI_UNITS);
		// (The first permanent deal also pays the pot's existential deposit.)
		let paid_in = endowment + deposit + crate::EXISTENTIAL_DEPOSIT;
		assert_eq!(Balances::total_balance(&alice), before - paid_in);

		assert_ok!(crate::Proofs::take_replica(RuntimeOrigin::signed(alice.clone()), 0, 0, 0));
		let ReplicaState::Dealt(tranche) =
			Permanents::<Runtime>::get(0).expect("made").replicas[0].state
		else {
			panic!("taken")
		};
		let deal = pallet_proofs::Deals::<Runtime>::get(tranche).expect("published");
		assert_eq!(
			(deal.epoch_price, deal.epoch_fee),
			(crate::MILLI_UNITS, crate::MILLI_UNITS / 5)
		);
		assert_eq!(deal.proposal.client, crate::Proofs::endowment_pot());
		assert_ok!(crate::Proofs::commit_sector(
			RuntimeOrigin::signed(alice.clone()),
			0,
			H256(tree.root()),
			tree.chunks()
		));

		// Epoch 1: the sector is proven.
		pallet_babe::AuthorVrfRandomness::<Runtime>::put(Some([7u8; 32]));
		System::set_block_number(5);
		crate::Epochs::on_initialize(5);
		let proof = alices_storage_proof(&data, &tree, 0, 1);
		assert_ok!(crate::Proofs::submit_storage_proofs(
			RuntimeOrigin::signed(account(Sr25519Keyring::Bob)),
			alloc::vec![proof].try_into().expect("1 proof")
		));

		// Block 10 ends epoch 1: the whole storage pool (16 DPN) would be the device's share,
		// but a deal-backed sector earns at most the fee its deal burned.
		System::set_block_number(10);
		crate::Epochs::on_initialize(10);
		let free = Balances::free_balance(&alice);
		assert_ok!(crate::Emission::claim(RuntimeOrigin::signed(alice.clone()), 0));
		assert_eq!(Balances::free_balance(&alice) - free, crate::MILLI_UNITS / 5);
		// Settled, the tranche paid her the epoch's price less the fee: with the reward, one
		// epoch's price of all she paid in is back, and the rest stays the endowment's.
		assert_ok!(crate::Proofs::settle_deal(RuntimeOrigin::signed(alice.clone()), tranche));
		assert_eq!(Balances::total_balance(&alice), before - paid_in + crate::MILLI_UNITS);
		#[cfg(feature = "try-runtime")]
		{
			crate::Emission::do_try_state().expect("the emission books balance");
			crate::Proofs::do_try_state_permanent().expect("the endowments balance");
		}
	});
}

#[test]
/// Alice opens a compute job on her own dev compute box (device 2) and pays it: the cheapest
/// way to buy compute points. On the real runtime the rule against self-dealing holds: the
/// job's points are its burned fee, and the compute pool pays them at most that fee, however
/// large the pool, so the job leaves her no richer. A capacity audit passed earns nothing.
fn a_self_paid_compute_job_earns_no_more_than_it_burned() {
	use frame_support::traits::Hooks;
	use sp_core::{ecdsa, Pair};

	preset_ext(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		let alice = account(Sr25519Keyring::Alice);
		use crate::configs::parameters::{compute_params, proof_params};
		use crate::configs::RuntimeParameters;
		for parameter in [
			RuntimeParameters::Proofs(proof_params::Parameters::ProvingPeriod(
				proof_params::ProvingPeriod,
				Some(5),
			)),
			RuntimeParameters::Proofs(proof_params::Parameters::ResponseWindow(
				proof_params::ResponseWindow,
				Some(5),
			)),
			RuntimeParameters::Compute(compute_params::Parameters::DisputeWindow(
				compute_params::DisputeWindow,
				Some(1),
			)),
		] {
			assert_ok!(crate::Parameters::set_parameter(RuntimeOrigin::root(), parameter));
		}
		System::set_block_number(5);
		crate::Epochs::on_initialize(5);
		assert_eq!(pallet_epochs::CurrentEpoch::<Runtime>::get().index, 1);
		let before = Balances::total_balance(&alice);

		// 100 units at 0.1 DPN: a job of 10 DPN, paid by Alice to Alice's device.
		let (units, price) = (100u64, crate::UNITS / 10);
		assert_ok!(crate::Jobs::open_job(RuntimeOrigin::signed(alice.clone()), 2, units, price));
		let receipt = pallet_jobs::JobReceipt {
			job: 0,
			consumer: alice.clone(),
			device: 2,
			units,
			price,
			timestamp: 5,
		};
		let message = crate::Jobs::receipt_message(&receipt);
		let device_key = ecdsa::Pair::from_string("//depin-dev-compute", None).expect("seed");
		let signed = pallet_jobs::SignedReceipt {
			receipt,
			consumer_signature: sp_runtime::MultiSignature::Sr25519(
				Sr25519Keyring::Alice.pair().sign(&message),
			),
			device_signature: pallet_devices::DeviceSignature::Ecdsa(device_key.sign(&message)),
		};
		assert_ok!(crate::Jobs::submit_receipts(
			RuntimeOrigin::signed(alice.clone()),
			alloc::vec![signed].try_into().expect("1 receipt")
		));
		System::set_block_number(7);
		assert_ok!(crate::Jobs::release_job(RuntimeOrigin::signed(alice.clone()), 0));
		// 10 DPN billed: 8 DPN from Alice to Alice, 2 DPN burned, 2,000,000 compute points.
		assert_eq!(Balances::total_balance(&alice), before - 2 * crate::UNITS);
		let tally = pallet_emission::Tallies::<Runtime>::get(1);
		assert_eq!(tally.points.get(pallet_devices::DeviceKind::Compute), 2_000_000);

		// Block 10 ends epoch 1: its 5 blocks of 8 DPN, and the compute pool (15 %, 6 DPN) is
		// all Alice's device's, the only one with compute points. But it pays at most the fee
		// the job burned: 2 DPN.
		System::set_block_number(10);
		crate::Epochs::on_initialize(10);
		let rewards = pallet_emission::Rewards::<Runtime>::get(1).expect("epoch 1 paid out");
		assert_eq!(rewards.pools.get(pallet_devices::DeviceKind::Compute), 6 * crate::UNITS);
		assert_ok!(crate::Emission::claim(RuntimeOrigin::signed(alice.clone()), 2));
		// Exactly where she started (less the transaction fees a real chain charges).
		assert_eq!(Balances::total_balance(&alice), before);
		#[cfg(feature = "try-runtime")]
		crate::Emission::do_try_state().expect("the emission books balance");
	});
}

/// A sensor batch of `readings` kept as a provider keeps it: its tree and summaries.
struct SensorBatch {
	readings: Vec<depin_primitives::sensor::Reading>,
	tree: depin_merkle::MerkleTree<pallet_sensors::RuntimeHasher>,
	summaries: depin_primitives::sensor::Summaries,
}

impl SensorBatch {
	fn new(readings: Vec<depin_primitives::sensor::Reading>, fields: usize) -> Self {
		use depin_primitives::sensor::{reading_leaves, summarize, Summaries};
		let tree = depin_merkle::MerkleTree::from_leaves(reading_leaves::<
			pallet_sensors::RuntimeHasher,
		>(&readings))
		.expect("readings");
		let summaries = Summaries::truncate_from(summarize(&readings, fields).expect("fields"));
		Self { readings, tree, summaries }
	}

	/// `device`'s attestation of the batch in `epoch` under `schema`, signed by `key` for its
	/// registered `cell`.
	fn attestation(
		&self,
		device: u64,
		key: &sp_core::sr25519::Pair,
		epoch: u32,
		schema: u32,
		cell: depin_primitives::h3::H3Cell,
	) -> depin_primitives::sensor::Attestation {
		use pallet_devices::DeviceSignature;
		use sp_core::{Pair, H256};
		let count = self.readings.len();
		let mut attestation = depin_primitives::sensor::Attestation {
			device,
			epoch,
			schema,
			root: H256(self.tree.root()),
			count: count as u32,
			start: self.readings.first().expect("a reading").time,
			end: self.readings.last().expect("a reading").time,
			summaries: self.summaries.clone(),
			signature: DeviceSignature::Sr25519(key.sign(b"")),
		};
		let message = crate::Sensors::attestation_message(&attestation, cell);
		attestation.signature = DeviceSignature::Sr25519(key.sign(&message));
		attestation
	}

	/// `device`'s reveal of the readings of its `epoch` batch the current epoch's seed samples.
	fn reveal(&self, device: u64, epoch: u32) -> pallet_sensors::ReadingsRevealOf<Runtime> {
		use depin_primitives::sensor::{ReadingsReveal, RevealedReading};
		use sp_core::H256;
		let seed = pallet_epochs::CurrentEpoch::<Runtime>::get().seed;
		let count = self.readings.len() as u32;
		ReadingsReveal {
			device,
			epoch,
			readings: crate::Sensors::sampled(&seed, device, epoch, count)
				.into_iter()
				.map(|index| {
					let reading = self.readings.get(index as usize).expect("sampled in range");
					RevealedReading {
						index,
						time: reading.time,
						values: reading.values.clone().try_into().expect("fields"),
						path: self
							.tree
							.proof(index)
							.expect("a leaf")
							.into_iter()
							.map(H256)
							.collect::<Vec<_>>()
							.try_into()
							.expect("shallow"),
					}
				})
				.collect::<Vec<_>>()
				.try_into()
				.expect("samples"),
		}
	}
}

/// Sensor devices of `owners` with keys from `//{seed}-{i}`, registered in Berlin (where
/// Alice's dev storage device is, resolution 12) on the dev chain: the externalities, the
/// keys and Berlin's cell. Their ids follow the dev chain's three devices.
fn berlin_sensors(
	owners: &[AccountId],
	seed: &str,
) -> (sp_io::TestExternalities, Vec<sp_core::sr25519::Pair>, depin_primitives::h3::H3Cell) {
	use pallet_devices::{DeviceKey, DeviceKind};
	use sp_core::Pair;
	let keys: Vec<sp_core::sr25519::Pair> = (0..owners.len())
		.map(|i| {
			sp_core::sr25519::Pair::from_string(&alloc::format!("//{seed}-{i}"), None)
				.expect("seed")
		})
		.collect();
	let berlin = 0x8c1f1d48945d9ff_u64;
	let ext = preset_ext_with(sp_genesis_builder::DEV_RUNTIME_PRESET, |config| {
		for (owner, key) in owners.iter().zip(&keys) {
			config.devices.devices.push((
				owner.clone(),
				DeviceKey::Sr25519(key.public()),
				DeviceKind::Sensor,
				berlin,
				0,
			));
		}
	});
	(ext, keys, depin_primitives::h3::H3Cell::new(berlin).expect("a cell"))
}

/// Start the epoch of block `block` (a multiple of ten on the dev chain's test externalities).
fn start_epoch_at(block: u32) {
	use frame_support::traits::Hooks;
	System::set_block_number(block);
	crate::Epochs::on_initialize(block);
}

#[test]
fn a_ring_buying_its_own_made_up_sensor_data_earns_no_more_than_it_burned() {
	use pallet_devices::DeviceKind;

	let ring =
		[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie, Sr25519Keyring::Dave]
			.map(account);
	let (mut ext, keys, home) = berlin_sensors(&ring, "ring-station");
	ext.execute_with(|| {
		let before: u128 = ring.iter().map(Balances::total_balance).sum();
		// Alice buys the ring's area for epoch 0 at a milli-DPN a point; epoch 1 (block 10)
		// audits the stations.
		let stations = weather_epoch_sold(&ring, &keys, home, &ring[0]);
		// Ten minutes of full-quality coverage each, 600 points at a milli-DPN: 0.6 DPN a
		// station, 0.12 DPN of it burned, 120,000 sensor points; Alice does not pay her own
		// station, her three partners' are sold.
		let tally = pallet_emission::Tallies::<Runtime>::get(1);
		assert_eq!(tally.points.get(DeviceKind::Sensor), 3 * 120_000);

		// Block 20 ends epoch 1: its sensor pool (5 % of 80 DPN, 4 DPN) is all the ring's, but
		// pays each station at most the fee its sales burned.
		start_epoch_at(20);
		let rewards = pallet_emission::Rewards::<Runtime>::get(1).expect("epoch 1 paid out");
		assert_eq!(rewards.pools.get(DeviceKind::Sensor), 4 * UNITS);
		// (Alice's own station earned nothing: it was not sold.)
		for (owner, station) in ring.iter().zip(&stations).skip(1) {
			assert_ok!(crate::Emission::claim(RuntimeOrigin::signed(owner.clone()), *station));
		}
		// Epoch 0's audits are over by epoch 3: the subscription closes, its rest goes back.
		start_epoch_at(30);
		start_epoch_at(40);
		assert_ok!(crate::Sensors::close_subscription(RuntimeOrigin::signed(ring[1].clone()), 0));
		// Exactly where the ring started (less the transaction fees a real chain charges).
		let after: u128 = ring.iter().map(Balances::total_balance).sum();
		assert_eq!(after, before);
		#[cfg(feature = "try-runtime")]
		{
			crate::Emission::do_try_state().expect("the emission books balance");
			crate::Sensors::do_try_state().expect("the sensor books balance");
		}
	});
}

/// The dev maker's certificate of `device`'s key (maker 0), as its factory signs it, if the
/// device exists.
fn dev_certificate(device: u64) -> Option<pallet_devices::DeviceSignature> {
	use pallet_devices::DeviceRegistry;
	Devices::device(device).map(|d| signed_by_dev_maker(d.key, false))
}

/// The dev maker's (maker 0's) signature of a certificate of `device_key` for the weather
/// schema (for the meters' if `wrong_schema`).
fn signed_by_dev_maker(
	device_key: pallet_devices::DeviceKey,
	wrong_schema: bool,
) -> pallet_devices::DeviceSignature {
	use depin_primitives::sensor::{CertificateStatement, CERTIFICATE_CONTEXT};
	use sp_core::Pair;
	let (schema, _, _) = genesis_config_presets::dev_maker();
	let schema = if wrong_schema { schema + 1 } else { schema };
	let maker = sp_core::sr25519::Pair::from_string(genesis_config_presets::DEV_MAKER_SEED, None)
		.expect("the dev maker's seed");
	let statement = CertificateStatement { maker: 0, schema, device_key };
	let genesis = depin_proving::genesis_hash::<Runtime>();
	let message = depin_primitives::envelope::message(CERTIFICATE_CONTEXT, genesis, &statement);
	pallet_devices::DeviceSignature::Sr25519(maker.sign(&message))
}

/// `owners`' stations (the devices after the dev chain's three, keys `keys`, in `home`) enroll,
/// `buyer` subscribes to their area's weather for epoch 0 at a milli-DPN a point, and each
/// attests the same ten minutes of full-quality weather in epoch 0, revealed in epoch 1 (block
/// 10). Returns the stations.
fn weather_epoch_sold(
	owners: &[AccountId],
	keys: &[sp_core::sr25519::Pair],
	home: depin_primitives::h3::H3Cell,
	buyer: &AccountId,
) -> Vec<u64> {
	use depin_primitives::sensor::Reading;
	let stations: Vec<u64> = (3..3 + owners.len() as u64).collect();
	let weather = 0;
	let start_secs = 1_800_000_000u64;
	pallet_timestamp::Now::<Runtime>::put(start_secs * 1_000);
	for (owner, station) in owners.iter().zip(&stations) {
		// Real stations: the dev maker certified their keys (the dev chain requires it).
		let certificate = dev_certificate(*station).expect("a station");
		assert_ok!(crate::Sensors::certify(
			RuntimeOrigin::signed(owner.clone()),
			*station,
			0,
			certificate
		));
		assert_ok!(crate::Sensors::enroll(RuntimeOrigin::signed(owner.clone()), *station, weather));
	}
	// Twenty minutes later, ten readings a minute apart, the same for all.
	let now = start_secs + 20 * 60;
	pallet_timestamp::Now::<Runtime>::put(now * 1_000);
	let batch = SensorBatch::new(
		(0..10u64)
			.map(|i| Reading { time: now - 540 + 60 * i, values: alloc::vec![2_000, 550, 10_130] })
			.collect(),
		3,
	);
	let area = crate::Sensors::area_of(crate::Sensors::home_of(home));
	assert_ok!(crate::Sensors::subscribe(
		RuntimeOrigin::signed(buyer.clone()),
		weather,
		area.raw(),
		MILLI_UNITS,
		100 * UNITS,
		0,
		0
	));
	let attestations: Vec<_> = stations
		.iter()
		.zip(keys)
		.map(|(&device, key)| batch.attestation(device, key, 0, weather, home))
		.collect();
	assert_ok!(crate::Sensors::attest(
		RuntimeOrigin::signed(buyer.clone()),
		attestations.try_into().expect("a batch")
	));
	start_epoch_at(10);
	let reveals: Vec<_> = stations.iter().map(|&device| batch.reveal(device, 0)).collect();
	assert_ok!(crate::Sensors::reveal(
		RuntimeOrigin::signed(buyer.clone()),
		reveals.try_into().expect("a batch")
	));
	stations
}

/// What a buyer pays for one epoch of `owners`' stations in one home cell, each attesting the
/// same ten minutes of full-quality weather: the points of each station's sale.
fn crowd_bill(owners: &[AccountId], buyer: &AccountId) -> Vec<u64> {
	let (mut ext, keys, home) = berlin_sensors(owners, "crowd-station");
	ext.execute_with(|| {
		weather_epoch_sold(owners, &keys, home, buyer);
		#[cfg(feature = "try-runtime")]
		crate::Sensors::do_try_state().expect("the sensor books balance");
		System::events()
			.into_iter()
			.filter_map(|record| match record.event {
				crate::RuntimeEvent::Sensors(pallet_sensors::Event::DataSold {
					paid, fee, ..
				}) => Some(u64::try_from((paid + fee) / MILLI_UNITS).expect("points")),
				_ => None,
			})
			.collect()
	})
}

/// Stations copying each other under owners of their own (a sybil flood) split what a home
/// cell pays; they do not multiply it: four stations are paid in full, eight and twelve share
/// four stations' worth.
#[test]
fn a_crowded_cell_pays_four_devices_worth_shared_however_many_attest() {
	use Sr25519Keyring::*;
	let owners = [
		Alice,
		Bob,
		Charlie,
		Dave,
		Eve,
		Ferdie,
		AliceStash,
		BobStash,
		CharlieStash,
		DaveStash,
		EveStash,
		FerdieStash,
	]
	.map(account);
	let buyer = account(Two);
	// Ten minutes of full-quality coverage: 600 points a station, 2,400 for the cell.
	assert_eq!(crowd_bill(&owners[..4], &buyer), alloc::vec![600; 4]);
	assert_eq!(crowd_bill(&owners[..8], &buyer), alloc::vec![300; 8]);
	assert_eq!(crowd_bill(&owners, &buyer), alloc::vec![200; 12]);
}

/// Alice's meter sells Bob's meter energy: both report made-up registers, so the two are one
/// ring trading with itself. Epoch 1 settles at the smaller of the registers' advances, is
/// paid a day later less the burned fee, and the sensor pool pays the producing meter at most
/// that fee: the ring ends exactly where it started.
#[test]
fn a_ring_trading_energy_with_itself_earns_no_more_than_it_burned() {
	use depin_primitives::sensor::{Reading, TradeTerms};
	use pallet_devices::DeviceKind;

	let ring = [Sr25519Keyring::Alice, Sr25519Keyring::Bob].map(account);
	let (mut ext, keys, home) = berlin_sensors(&ring, "ring-meter");
	ext.execute_with(|| {
		let (producer, consumer) = (3u64, 4u64);
		let meter = 1;
		let start_secs = 1_800_000_000u64;
		pallet_timestamp::Now::<Runtime>::put(start_secs * 1_000);
		for (owner, device) in ring.iter().zip([producer, consumer]) {
			assert_ok!(crate::Sensors::enroll(RuntimeOrigin::signed(owner.clone()), device, meter));
		}
		let before: u128 = ring.iter().map(Balances::total_balance).sum();
		// Bob's meter buys up to 10 kWh an epoch from Alice's at a milli-DPN a watt-hour.
		let terms = TradeTerms {
			consumer,
			producer,
			produced_field: depin_primitives::sensor::PRODUCED as u8,
			consumed_field: depin_primitives::sensor::CONSUMED as u8,
			price: MILLI_UNITS,
			cap: 10_000,
			budget: 100 * UNITS,
			first: 0,
			last: 1,
		};
		assert_ok!(crate::Sensors::offer_trade(RuntimeOrigin::signed(ring[1].clone()), terms));
		assert_ok!(crate::Sensors::accept_trade(RuntimeOrigin::signed(ring[0].clone()), 0));

		// Each epoch, four quarter-hours up to `now`: the registers rise by `produced` and
		// `consumed` watt-hours from `from`.
		let quarters = |now: u64, from: i64, produced: i64, consumed: i64| {
			SensorBatch::new(
				(1..=4i64)
					.map(|k| Reading {
						time: now - 3_600 + 900 * k as u64,
						values: alloc::vec![from + produced * k / 4, from + consumed * k / 4],
					})
					.collect(),
				2,
			)
		};
		let attest = |epoch: u32, sold: &SensorBatch, bought: &SensorBatch| {
			assert_ok!(crate::Sensors::attest(
				RuntimeOrigin::signed(ring[0].clone()),
				alloc::vec![
					sold.attestation(producer, &keys[0], epoch, meter, home),
					bought.attestation(consumer, &keys[1], epoch, meter, home),
				]
				.try_into()
				.expect("two")
			));
		};
		let reveal = |epoch: u32, sold: &SensorBatch, bought: &SensorBatch| {
			assert_ok!(crate::Sensors::reveal(
				RuntimeOrigin::signed(ring[0].clone()),
				alloc::vec![sold.reveal(producer, epoch), bought.reveal(consumer, epoch)]
					.try_into()
					.expect("two")
			));
		};
		// Epoch 0, two hours on: the baselines (registers at 10 kWh).
		let now = start_secs + 7_200;
		pallet_timestamp::Now::<Runtime>::put(now * 1_000);
		let (sold, bought) = (quarters(now, 10_000, 0, 0), quarters(now, 10_000, 0, 0));
		attest(0, &sold, &bought);
		start_epoch_at(10);
		reveal(0, &sold, &bought);
		// Epoch 1, an hour later: Alice's meter produced 1 kWh, Bob's consumed 0.8 kWh.
		let now = now + 3_600;
		pallet_timestamp::Now::<Runtime>::put(now * 1_000);
		let (sold, bought) = (quarters(now, 10_000, 1_000, 0), quarters(now, 10_000, 0, 800));
		attest(1, &sold, &bought);
		start_epoch_at(20);
		reveal(1, &sold, &bought);
		// 800 Wh settled: 0.8 DPN held for a day.
		let trade = crate::Sensors::energy_trade(0).expect("open");
		assert_eq!(trade.owed.iter().map(|o| o.amount).sum::<u128>(), 800 * MILLI_UNITS);

		// Closed once the day is over (epochs 1 + 2 + 24), in epoch 28: Alice is paid 0.64 DPN,
		// 0.16 DPN is burned and is her meter's points; the epoch's pool (4 DPN) pays her that
		// back.
		for epoch in 3..=28 {
			start_epoch_at(epoch * 10);
		}
		assert_ok!(crate::Sensors::close_trade(RuntimeOrigin::signed(ring[1].clone()), 0));
		let tally = pallet_emission::Tallies::<Runtime>::get(28);
		assert_eq!(
			u128::from(tally.points.get(DeviceKind::Sensor)),
			160 * MILLI_UNITS / crate::MICRO_UNITS
		);
		start_epoch_at(290);
		assert_ok!(crate::Emission::claim(RuntimeOrigin::signed(ring[0].clone()), producer));
		let after: u128 = ring.iter().map(Balances::total_balance).sum();
		assert_eq!(after, before);
		#[cfg(feature = "try-runtime")]
		{
			crate::Emission::do_try_state().expect("the emission books balance");
			crate::Sensors::do_try_state().expect("the sensor books balance");
		}
	});
}

/// A storage deal's deposit is the device registry's price of a byte of state for the bytes the
/// deal keeps: its record at its largest and its three index entries (the figure in
/// pallets/proofs/README.md).
#[test]
fn a_deals_storage_deposit_is_the_byte_price_of_its_record_and_indexes() {
	use codec::MaxEncodedLen;
	preset_ext("development").execute_with(|| {
		let record = pallet_proofs::DealOf::<Runtime>::max_encoded_len();
		let deposit = <crate::configs::depin::DealDeposit as frame_support::traits::Get<_>>::get();
		let holder = pallet_proofs::RootHolder::max_encoded_len();
		assert_eq!(
			deposit,
			(record as u128 + 64 + 2 * 112 + 80 + holder as u128) * 10 * MILLI_UNITS
		);
		assert_eq!(
			(record, holder, deposit),
			(277, 46, 6_910 * MILLI_UNITS),
			"the README's figures"
		);
	});
}

/// A signed deal proposal of the runtime's types.
fn pallet_depin_deal(
	proposal: pallet_proofs::DealProposalOf<Runtime>,
	signature: sp_runtime::MultiSignature,
) -> pallet_proofs::SignedProposalOf<Runtime> {
	depin_primitives::deals::SignedProposal { proposal, signature }
}

#[test]
fn balances_burn_is_filtered_out() {
	use frame_support::traits::Contains;
	let burn =
		crate::RuntimeCall::Balances(pallet_balances::Call::burn { value: 1, keep_alive: true });
	assert!(!crate::configs::BaseFilter::contains(&burn));
	let transfer = crate::RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
		dest: account(Sr25519Keyring::Bob).into(),
		value: 1,
	});
	assert!(crate::configs::BaseFilter::contains(&transfer));
}

mod governance {
	//! OpenGov on the real runtime: referenda pass and enact, fail and change nothing, and each
	//! track's origin can do its job and no other.

	use super::*;
	use crate::{
		governance::pallet_custom_origins::Origin as TrackOrigin, ConvictionVoting, OriginCaller,
		Preimage, Referenda, RuntimeCall, Scheduler, Treasury, DAYS,
	};
	use frame_support::traits::{schedule::DispatchTime, Hooks, StorePreimage};
	use pallet_conviction_voting::{AccountVote, Conviction, Vote};
	use pallet_referenda::{ReferendumInfo, TracksInfo as _};

	/// Run blocks up to `n`, with the scheduler (which enacts and wakes referenda).
	fn run_to(n: u32) {
		while System::block_number() < n {
			let next = System::block_number() + 1;
			System::set_block_number(next);
			Scheduler::on_initialize(next);
		}
	}

	/// Submit `call` on the track of `origin`, place its decision deposit, and have
	/// Alice, Bob and Charlie vote `aye` with 1x conviction; the referendum's index.
	fn referendum(origin: OriginCaller, call: RuntimeCall, aye: bool) -> u32 {
		let alice = account(Sr25519Keyring::Alice);
		let index = pallet_referenda::ReferendumCount::<Runtime>::get();
		assert_ok!(Referenda::submit(
			RuntimeOrigin::signed(alice.clone()),
			Box::new(origin),
			Preimage::bound(call).expect("small call"),
			DispatchTime::After(1),
		));
		assert_ok!(Referenda::place_decision_deposit(RuntimeOrigin::signed(alice), index));
		for k in [Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie] {
			assert_ok!(ConvictionVoting::vote(
				RuntimeOrigin::signed(account(k)),
				index,
				AccountVote::Standard {
					vote: Vote { aye, conviction: Conviction::Locked1x },
					balance: ENDOWMENT / 2,
				},
			));
		}
		index
	}

	/// The dev chain: its preset makes a day of governance time one block.
	fn dev() -> sp_io::TestExternalities {
		preset_ext(sp_genesis_builder::DEV_RUNTIME_PRESET)
	}

	#[test]
	fn tracks_are_sorted_and_each_origin_has_its_own() {
		preset_ext(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(tracks_check);
	}

	fn tracks_check() {
		assert_eq!(crate::governance::tracks::TracksInfo::check_integrity(), Ok(()));
		let track = |o: OriginCaller| crate::governance::tracks::TracksInfo::track_for(&o);
		assert_eq!(track(frame_system::RawOrigin::Root.into()), Ok(0));
		assert_eq!(track(TrackOrigin::ParameterAdmin.into()), Ok(1));
		assert_eq!(track(TrackOrigin::Treasurer.into()), Ok(2));
		assert_eq!(track(TrackOrigin::ValidatorAdmin.into()), Ok(3));
		assert_eq!(
			track(frame_system::RawOrigin::Signed(account(Sr25519Keyring::Bob)).into()),
			Err(())
		);
	}

	#[test]
	fn periods_are_production_values_except_on_dev_chains() {
		use crate::configs::parameters::proof_params;
		use frame_support::traits::Get;
		preset_ext(genesis_config_presets::TESTNET_RUNTIME_PRESET).execute_with(|| {
			let root = crate::governance::tracks::TracksInfo::info(0).expect("root track");
			assert_eq!((root.decision_period, root.confirm_period), (14 * DAYS, DAYS));
			assert_eq!(proof_params::ProvingPeriod::get(), crate::HOURS);
		});
		for preset in [
			sp_genesis_builder::DEV_RUNTIME_PRESET,
			sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET,
		] {
			preset_ext(preset).execute_with(|| {
				let root = crate::governance::tracks::TracksInfo::info(0).expect("root track");
				assert_eq!((root.decision_period, root.confirm_period), (14, 1));
				assert_eq!(root.prepare_period, 1, "never below one block");
				assert_eq!(
					proof_params::ProvingPeriod::get(),
					genesis_config_presets::DEV_PROVING_PERIOD
				);
			});
		}
	}

	#[test]
	fn a_root_referendum_passes_with_conviction_votes_and_enacts() {
		dev().execute_with(|| {
			let key = b":depin:governance-test".to_vec();
			let call = RuntimeCall::System(frame_system::Call::set_storage {
				items: vec![(key.clone(), b"enacted".to_vec())],
			});
			let index = referendum(frame_system::RawOrigin::Root.into(), call, true);
			// The votes lock the voters' funds (conviction 1x).
			assert!(pallet_balances::Locks::<Runtime>::get(account(Sr25519Keyring::Bob))
				.iter()
				.any(|l| l.amount == ENDOWMENT / 2));
			run_to(40);
			assert!(matches!(
				pallet_referenda::ReferendumInfoFor::<Runtime>::get(index),
				Some(ReferendumInfo::Approved(..))
			));
			assert_eq!(sp_io::storage::get(&key).map(|v| v.to_vec()), Some(b"enacted".to_vec()));
		});
	}

	#[test]
	fn a_rejected_referendum_changes_nothing() {
		dev().execute_with(|| {
			let key = b":depin:governance-test".to_vec();
			let call = RuntimeCall::System(frame_system::Call::set_storage {
				items: vec![(key.clone(), b"enacted".to_vec())],
			});
			let index = referendum(frame_system::RawOrigin::Root.into(), call, false);
			run_to(40);
			assert!(matches!(
				pallet_referenda::ReferendumInfoFor::<Runtime>::get(index),
				Some(ReferendumInfo::Rejected(..))
			));
			assert_eq!(sp_io::storage::get(&key), None);
		});
	}

	#[test]
	fn the_validators_track_adds_and_removes_validators_and_nothing_else() {
		dev().execute_with(|| {
			let bob = account(Sr25519Keyring::Bob);
			let generated = SessionKeys::generate(&bob.encode(), None);
			assert_ok!(Session::set_keys(
				RuntimeOrigin::signed(bob.clone()),
				generated.keys,
				generated.proof.encode()
			));
			let call =
				RuntimeCall::ValidatorSet(pallet_collator_selection::Call::add_invulnerable {
					who: bob.clone(),
				});
			referendum(TrackOrigin::ValidatorAdmin.into(), call, true);
			run_to(40);
			assert!(pallet_collator_selection::Invulnerables::<Runtime>::get().contains(&bob));

			// And removes them.
			let call =
				RuntimeCall::ValidatorSet(pallet_collator_selection::Call::remove_invulnerable {
					who: bob.clone(),
				});
			referendum(TrackOrigin::ValidatorAdmin.into(), call, true);
			run_to(80);
			assert!(!pallet_collator_selection::Invulnerables::<Runtime>::get().contains(&bob));

			// Other tracks' origins cannot.
			let charlie = account(Sr25519Keyring::Charlie);
			for origin in [TrackOrigin::ParameterAdmin, TrackOrigin::Treasurer] {
				assert_noop!(
					ValidatorSet::add_invulnerable(
						RuntimeOrigin::from(OriginCaller::Origins(origin)),
						charlie.clone()
					),
					DispatchError::BadOrigin
				);
			}
		});
	}

	#[test]
	fn the_parameters_track_changes_depin_parameters_within_their_guards() {
		use crate::configs::{parameters::proof_params, RuntimeParameters};
		use frame_support::traits::Get;
		use pallet_guarded_parameters::Refusal;

		dev().execute_with(|| {
			let period = |v| {
				RuntimeParameters::Proofs(proof_params::Parameters::ProvingPeriod(
					proof_params::ProvingPeriod,
					Some(v),
				))
			};
			let track = || RuntimeOrigin::from(OriginCaller::Origins(TrackOrigin::ParameterAdmin));
			// The dev preset's minute.
			assert_eq!(proof_params::ProvingPeriod::get(), 10);

			// Through a referendum: 15 blocks (+50%, the most one step allows).
			let call =
				RuntimeCall::GuardedParameters(pallet_guarded_parameters::Call::set_parameter {
					key_value: period(15),
				});
			referendum(TrackOrigin::ParameterAdmin.into(), call, true);
			run_to(40);
			assert_eq!(proof_params::ProvingPeriod::get(), 15);
			// The proofs pallet reads it.
			assert_eq!(<Runtime as pallet_epochs::Config>::ProvingPeriod::get(), 15);

			// Out of bounds, or too big a step: refused, nothing changes.
			assert_eq!(crate::GuardedParameters::check(&period(5)), Err(Refusal::OutOfBounds));
			assert_noop!(
				crate::GuardedParameters::set_parameter(track(), period(5)),
				pallet_guarded_parameters::Error::<Runtime>::OutOfBounds
			);
			assert_noop!(
				// 15 may move by max(50% of 15, 10 blocks) = 10.
				crate::GuardedParameters::set_parameter(track(), period(26)),
				pallet_guarded_parameters::Error::<Runtime>::ChangeTooLarge
			);
			// The track cannot bypass the guards through pallet-parameters; root can.
			assert_noop!(
				crate::Parameters::set_parameter(track(), period(5)),
				DispatchError::BadOrigin
			);
			assert_ok!(crate::Parameters::set_parameter(RuntimeOrigin::root(), period(5)));
			assert_eq!(proof_params::ProvingPeriod::get(), 5);
		});
	}

	#[test]
	fn the_response_window_stays_within_its_proving_period() {
		use crate::configs::{
			parameters::{compute_commit_window, proof_params, MIN_REVEAL_WINDOW},
			RuntimeParameters,
		};
		use frame_support::traits::Get;
		use pallet_guarded_parameters::{Error, Refusal};

		dev().execute_with(|| {
			let track = || RuntimeOrigin::from(OriginCaller::Origins(TrackOrigin::ParameterAdmin));
			let window = |v| {
				RuntimeParameters::Proofs(proof_params::Parameters::ResponseWindow(
					proof_params::ResponseWindow,
					Some(v),
				))
			};
			// The dev preset: 10-block epochs, 8-block windows (reveals: the last 4 blocks).
			assert_eq!(
				(proof_params::ProvingPeriod::get(), proof_params::ResponseWindow::get()),
				(10, 8)
			);
			assert_eq!(8 - compute_commit_window(8), MIN_REVEAL_WINDOW);
			// 12 is one step from 8, but longer than the 10-block epoch: the reveals would be
			// cut off by the next epoch.
			assert_eq!(crate::GuardedParameters::check(&window(12)), Err(Refusal::BreaksRelation));
			assert_noop!(
				crate::GuardedParameters::set_parameter(track(), window(12)),
				Error::<Runtime>::BreaksRelation
			);
			assert_ok!(crate::GuardedParameters::set_parameter(track(), window(10)));
			// Every window the guard allows leaves at least the floor for reveals.
			for w in 10..=100 {
				assert!(w - compute_commit_window(w) >= MIN_REVEAL_WINDOW);
			}
		});
	}

	#[test]
	fn the_parameters_track_tunes_the_data_fee_within_its_guard() {
		use crate::configs::{parameters::sensor_params, RuntimeParameters};
		use frame_support::traits::Get;
		use pallet_guarded_parameters::Error;
		use sp_runtime::Perbill;

		dev().execute_with(|| {
			let track = || RuntimeOrigin::from(OriginCaller::Origins(TrackOrigin::ParameterAdmin));
			let fee = |v| {
				RuntimeParameters::Sensors(sensor_params::Parameters::DataFee(
					sensor_params::DataFee,
					Some(Perbill::from_percent(v)),
				))
			};
			let set = |v| crate::GuardedParameters::set_parameter(track(), fee(v));
			type DataFee = <Runtime as pallet_sensors::Config>::DataFee;
			// As the deal and job fees: by a fifth of itself, within [5 %, 50 %].
			assert_eq!(DataFee::get(), Perbill::from_percent(20));
			assert_noop!(set(25), Error::<Runtime>::ChangeTooLarge);
			assert_ok!(set(24));
			assert_eq!(DataFee::get(), Perbill::from_percent(24));
			assert_noop!(set(4), Error::<Runtime>::OutOfBounds);
			assert_noop!(
				crate::Parameters::set_parameter(track(), fee(30)),
				DispatchError::BadOrigin
			);
		});
	}

	#[test]
	fn the_parameters_track_tunes_compute_within_its_guards() {
		use crate::configs::{parameters::compute_params, RuntimeParameters};
		use compute_params::Parameters as C;
		use frame_support::traits::Get;
		use pallet_guarded_parameters::Error;
		use sp_runtime::Perbill;

		dev().execute_with(|| {
			let track = || RuntimeOrigin::from(OriginCaller::Origins(TrackOrigin::ParameterAdmin));
			let set =
				|p| crate::GuardedParameters::set_parameter(track(), RuntimeParameters::Compute(p));
			let samples = |v| C::Samples(compute_params::Samples, Some(v));
			let slash =
				|v| C::FraudSlash(compute_params::FraudSlash, Some(Perbill::from_percent(v)));
			let window = |v| C::DisputeWindow(compute_params::DisputeWindow, Some(v));
			let timeout = |v| C::JobTimeout(compute_params::JobTimeout, Some(v));
			let fee = |v| C::JobFee(compute_params::JobFee, Some(Perbill::from_percent(v)));
			type JobFee = <Runtime as pallet_jobs::Config>::JobFee;
			type Sampled = <Runtime as pallet_compute::Config>::Samples;
			type Fraud = <Runtime as pallet_compute::Config>::FraudSlash;
			type Dispute = <Runtime as pallet_jobs::Config>::DisputeWindow;
			type Timeout = <Runtime as pallet_jobs::Config>::JobTimeout;

			// The dev chain shortens the job windows to epochs of a minute; root takes them back
			// to the production values the guards are checked from.
			assert_eq!((Dispute::get(), Timeout::get()), (10, 30));
			for unset in [
				C::DisputeWindow(compute_params::DisputeWindow, None),
				C::JobTimeout(compute_params::JobTimeout, None),
			] {
				assert_ok!(crate::Parameters::set_parameter(
					RuntimeOrigin::root(),
					RuntimeParameters::Compute(unset)
				));
			}
			// The defaults, as the pallet reads them.
			assert_eq!(Sampled::get(), 8);
			assert_eq!(Fraud::get(), Perbill::from_percent(50));
			assert_eq!((Dispute::get(), Timeout::get()), (DAYS, 3 * DAYS));

			// Samples move by two, within [4, MaxSamples].
			assert_noop!(set(samples(11)), Error::<Runtime>::ChangeTooLarge);
			assert_ok!(set(samples(10)));
			assert_eq!(Sampled::get(), 10);
			assert_noop!(set(samples(3)), Error::<Runtime>::OutOfBounds);
			// Steps do not compound within a change window (a week): 12 is two steps from 8.
			assert_noop!(set(samples(12)), Error::<Runtime>::ChangeTooLarge);
			let next_window = || {
				let now = frame_system::Pallet::<Runtime>::block_number();
				frame_system::Pallet::<Runtime>::set_block_number(now + 7 * DAYS);
			};
			for v in [12, 14, 16] {
				next_window();
				assert_ok!(set(samples(v)));
			}
			assert_noop!(set(samples(18)), Error::<Runtime>::OutOfBounds);
			assert!(Sampled::get() <= <Runtime as pallet_compute::Config>::MaxSamples::get());

			// The fraud slash by a fifth of itself, never under 10 %.
			assert_noop!(set(slash(61)), Error::<Runtime>::ChangeTooLarge);
			assert_ok!(set(slash(40)));
			assert_eq!(Fraud::get(), Perbill::from_percent(40));
			assert_noop!(set(slash(5)), Error::<Runtime>::OutOfBounds);

			// The job windows by half of themselves.
			assert_ok!(set(window(DAYS + DAYS / 2)));
			assert_eq!(Dispute::get(), DAYS + DAYS / 2);
			assert_noop!(set(window(crate::HOURS / 2)), Error::<Runtime>::OutOfBounds);
			assert_noop!(set(timeout(5 * DAYS)), Error::<Runtime>::ChangeTooLarge);
			assert_ok!(set(timeout(4 * DAYS)));
			assert_eq!(Timeout::get(), 4 * DAYS);

			// The job fee by a fifth of itself, within [5 %, 50 %].
			assert_eq!(JobFee::get(), Perbill::from_percent(20));
			assert_noop!(set(fee(25)), Error::<Runtime>::ChangeTooLarge);
			assert_ok!(set(fee(24)));
			assert_eq!(JobFee::get(), Perbill::from_percent(24));
			assert_noop!(set(fee(4)), Error::<Runtime>::OutOfBounds);

			// The audit rate: every device on the dev chain; a quarter by default; by half of
			// itself at a time, within [5 %, 100 %].
			type Audits = <Runtime as pallet_compute::Config>::AuditRate;
			let rate = |v| C::AuditRate(compute_params::AuditRate, Some(Perbill::from_percent(v)));
			assert_eq!(Audits::get(), Perbill::one());
			assert_ok!(crate::Parameters::set_parameter(
				RuntimeOrigin::root(),
				RuntimeParameters::Compute(C::AuditRate(compute_params::AuditRate, None))
			));
			assert_eq!(Audits::get(), Perbill::from_percent(25));
			assert_noop!(set(rate(38)), Error::<Runtime>::ChangeTooLarge);
			assert_ok!(set(rate(37)));
			assert_eq!(Audits::get(), Perbill::from_percent(37));
			assert_noop!(set(rate(4)), Error::<Runtime>::OutOfBounds);

			// Governed, not guarded away from root.
			assert_noop!(
				crate::Parameters::set_parameter(track(), RuntimeParameters::Compute(samples(4))),
				DispatchError::BadOrigin
			);
		});
	}

	#[test]
	fn the_parameters_track_tunes_every_kinds_pool_share_within_its_guard() {
		use crate::configs::{
			parameters::{emission_params, max_pool_share_percent, MAX_VALIDATOR_SHARE_PERCENT},
			PoolShares, RuntimeParameters,
		};
		use emission_params::Parameters as E;
		use pallet_devices::DeviceKind;
		use pallet_guarded_parameters::Error;
		use sp_runtime::Perbill;

		dev().execute_with(|| {
			let track = || RuntimeOrigin::from(OriginCaller::Origins(TrackOrigin::ParameterAdmin));
			let share = |kind: DeviceKind, percent: u32| {
				let v = Some(Perbill::from_percent(percent));
				RuntimeParameters::Emission(match kind {
					DeviceKind::Storage => E::StorageShare(emission_params::StorageShare, v),
					DeviceKind::Coverage => E::CoverageShare(emission_params::CoverageShare, v),
					DeviceKind::Compute => E::ComputeShare(emission_params::ComputeShare, v),
					DeviceKind::Sensor => E::SensorShare(emission_params::SensorShare, v),
				})
			};
			let set = |kind, percent| {
				crate::GuardedParameters::set_parameter(track(), share(kind, percent))
			};
			let pool = <PoolShares as pallet_emission::PoolShares>::share;

			// The emission pallet's pools read the parameters: storage 40 %, coverage 20 %,
			// compute 15 %, sensor 5 %.
			assert_eq!(DeviceKind::ALL.map(pool), [40, 20, 15, 5].map(Perbill::from_percent));
			// The maxima make room for sensor's 10 % out of storage's and coverage's, each still
			// at or above its default; with the validators' they add up to 100 %.
			let maxima = DeviceKind::ALL.map(max_pool_share_percent);
			assert_eq!(maxima, [45, 20, 15, 10]);
			assert_eq!(maxima.iter().sum::<u32>() + MAX_VALIDATOR_SHARE_PERCENT, 100);
			for kind in DeviceKind::ALL {
				assert!(pool(kind) <= Perbill::from_percent(max_pool_share_percent(kind)));
			}

			// The sensor share moves a point at a time (a fifth of its 5 %).
			assert_noop!(set(DeviceKind::Sensor, 7), Error::<Runtime>::ChangeTooLarge);
			assert_ok!(set(DeviceKind::Sensor, 6));
			assert_eq!(pool(DeviceKind::Sensor), Perbill::from_percent(6));
			// Never above its 10 %, even from root's 10 %.
			assert_ok!(crate::Parameters::set_parameter(
				RuntimeOrigin::root(),
				share(DeviceKind::Sensor, 10)
			));
			assert_eq!(pool(DeviceKind::Sensor), Perbill::from_percent(10));
			let now = frame_system::Pallet::<Runtime>::block_number();
			frame_system::Pallet::<Runtime>::set_block_number(now + 7 * DAYS);
			assert_noop!(set(DeviceKind::Sensor, 11), Error::<Runtime>::OutOfBounds);

			// Storage up to 45 % (one step from 40), not above; coverage not above 20 %.
			assert_noop!(set(DeviceKind::Storage, 46), Error::<Runtime>::OutOfBounds);
			assert_ok!(set(DeviceKind::Storage, 45));
			assert_eq!(pool(DeviceKind::Storage), Perbill::from_percent(45));
			assert_noop!(set(DeviceKind::Coverage, 21), Error::<Runtime>::OutOfBounds);
			assert_ok!(set(DeviceKind::Coverage, 18));
			assert_noop!(set(DeviceKind::Compute, 16), Error::<Runtime>::OutOfBounds);

			// Governed, not guarded away from root.
			assert_noop!(
				crate::Parameters::set_parameter(track(), share(DeviceKind::Sensor, 9)),
				DispatchError::BadOrigin
			);
		});
	}

	#[test]
	fn the_parameters_track_tunes_the_coverage_ring_rules_within_their_guards() {
		use crate::configs::{parameters::coverage_params, RuntimeParameters};
		use coverage_params::Parameters as V;
		use frame_support::traits::Get;
		use pallet_guarded_parameters::Error;
		use sp_runtime::Perbill;

		dev().execute_with(|| {
			let track = || RuntimeOrigin::from(OriginCaller::Origins(TrackOrigin::ParameterAdmin));
			let set = |p| {
				crate::GuardedParameters::set_parameter(track(), RuntimeParameters::Coverage(p))
			};
			type Free = <Runtime as pallet_coverage::Config>::ReciprocityFree;
			type HalfLife = <Runtime as pallet_coverage::Config>::ReciprocityHalfLife;
			type Cap = <Runtime as pallet_coverage::Config>::WitnessCap;
			type Quorum = <Runtime as pallet_coverage::Config>::NeighbourQuorum;
			type Limit = <Runtime as pallet_coverage::Config>::UnheardLimit;
			// The defaults, as the pallet reads them.
			assert_eq!((Free::get(), HalfLife::get(), Cap::get(), Limit::get()), (4, 24, 10, 3));
			assert_eq!(Quorum::get(), Perbill::from_percent(50));

			// Counts by half of themselves, never to zero.
			let free = |v| V::ReciprocityFree(coverage_params::ReciprocityFree, Some(v));
			assert_noop!(set(free(7)), Error::<Runtime>::ChangeTooLarge);
			assert_ok!(set(free(6)));
			assert_eq!(Free::get(), 6);
			let cap = |v| V::WitnessCap(coverage_params::WitnessCap, Some(v));
			assert_ok!(set(cap(15)));
			assert_eq!(Cap::get(), 15);
			let limit = |v| V::UnheardLimit(coverage_params::UnheardLimit, Some(v));
			assert_noop!(set(limit(0)), Error::<Runtime>::OutOfBounds);
			assert_ok!(set(limit(2)));
			assert_eq!(Limit::get(), 2);
			type Pioneer = <Runtime as pallet_coverage::Config>::PioneerAfter;
			assert_eq!(Pioneer::get(), 24);
			let pioneer = |v| V::PioneerAfter(coverage_params::PioneerAfter, Some(v));
			assert_noop!(set(pioneer(37)), Error::<Runtime>::ChangeTooLarge);
			assert_ok!(set(pioneer(36)));
			assert_eq!(Pioneer::get(), 36);
			let half_life =
				|v| V::ReciprocityHalfLife(coverage_params::ReciprocityHalfLife, Some(v));
			assert_ok!(set(half_life(36)));
			assert_eq!(HalfLife::get(), 36);
			// The quorum by a fifth of itself, within [10 %, 90 %].
			let quorum = |v| {
				V::NeighbourQuorum(coverage_params::NeighbourQuorum, Some(Perbill::from_percent(v)))
			};
			assert_noop!(set(quorum(61)), Error::<Runtime>::ChangeTooLarge);
			assert_ok!(set(quorum(60)));
			assert_eq!(Quorum::get(), Perbill::from_percent(60));
			assert_noop!(set(quorum(95)), Error::<Runtime>::OutOfBounds);
		});
	}

	#[test]
	fn the_treasury_track_spends_up_to_its_limit() {
		dev().execute_with(|| {
			let treasurer = || RuntimeOrigin::from(OriginCaller::Origins(TrackOrigin::Treasurer));
			let dave = account(Sr25519Keyring::Dave);
			let limit = crate::governance::origins::TREASURER_MAX_SPEND;
			let spend = |origin, amount, to: &AccountId| {
				Treasury::spend(origin, Box::new(()), amount, Box::new(to.clone()), None)
			};
			assert_noop!(
				spend(treasurer(), limit + 1, &dave),
				pallet_treasury::Error::<Runtime>::InsufficientPermission
			);
			assert_ok!(spend(treasurer(), limit, &dave));
			assert_noop!(
				spend(
					RuntimeOrigin::from(OriginCaller::Origins(TrackOrigin::ParameterAdmin)),
					1,
					&dave
				),
				DispatchError::BadOrigin
			);
			// Paid out from the treasury's account once funded (here: by slashes or fees).
			let treasury = Treasury::account_id();
			assert_ok!(Balances::transfer_keep_alive(
				RuntimeOrigin::signed(account(Sr25519Keyring::Alice)),
				treasury.into(),
				limit + UNITS
			));
			let before = Balances::balance(&dave);
			assert_ok!(Treasury::payout(RuntimeOrigin::signed(dave.clone()), 0));
			assert_eq!(Balances::balance(&dave), before + limit);
		});
	}
}

#[test]
fn the_upgrade_moves_the_clock_and_the_open_jobs_with_their_payments() {
	use frame_support::{
		storage::migration::{get_storage_value, put_storage_value},
		traits::{
			fungible::{InspectHold, MutateHold},
			OnRuntimeUpgrade,
		},
		StorageHasher, Twox64Concat,
	};
	preset_ext(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		// The chain as the previous runtime left it: the clock in Proofs, a job in Compute
		// with its payment held for Compute's reason.
		let epoch = depin_primitives::epoch::EpochInfo {
			index: 4,
			start: 40u32,
			seed: sp_core::H256::repeat_byte(4),
		};
		put_storage_value(b"Proofs", b"CurrentEpoch", &[], epoch);
		let bob = account(Sr25519Keyring::Bob);
		let job = pallet_jobs::Job {
			consumer: bob.clone(),
			device: 2,
			max_units: 10,
			price: crate::UNITS,
			held: 10 * crate::UNITS,
			opened_at: 0,
			status: pallet_jobs::JobStatus::Open,
		};
		put_storage_value(b"Compute", b"Jobs", &Twox64Concat::hash(&0u64.encode()), job.clone());
		put_storage_value(b"Compute", b"NextJobId", &[], 1u64);
		assert_ok!(Balances::hold(&crate::ComputeJobHold::get(), &bob, 10 * crate::UNITS));

		<crate::Migrations as OnRuntimeUpgrade>::on_runtime_upgrade();

		assert_eq!(pallet_epochs::CurrentEpoch::<Runtime>::get(), epoch);
		assert_eq!(
			get_storage_value::<depin_primitives::epoch::EpochInfo<u32>>(
				b"Proofs",
				b"CurrentEpoch",
				&[]
			),
			None
		);
		assert_eq!(pallet_jobs::Jobs::<Runtime>::get(0), Some(job));
		assert_eq!(pallet_jobs::NextJobId::<Runtime>::get(), 1);
		let jobs_hold = crate::RuntimeHoldReason::Jobs(pallet_jobs::HoldReason::JobPayment);
		assert_eq!(Balances::balance_on_hold(&jobs_hold, &bob), 10 * crate::UNITS);
		assert_eq!(Balances::balance_on_hold(&crate::ComputeJobHold::get(), &bob), 0);
	});
}
