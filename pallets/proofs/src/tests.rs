//! Tests of the proofs pallet: challenges, sectors, storage proofs, faults.

#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing, clippy::unwrap_used)]

use crate::{mock::*, pallet::*, types::*, weights::WeightInfo};
use frame_support::{
	assert_noop, assert_ok, dispatch::GetDispatchInfo, traits::fungible::InspectHold, traits::Get,
	weights::Weight,
};
use pallet_devices::{DeviceKind, DeviceStatus};
use sp_core::H256;
use sp_runtime::{traits::Zero, DispatchError};

fn device(id: u64) -> pallet_devices::DeviceOf<Test> {
	pallet_devices::Devices::<Test>::get(id).unwrap()
}

fn prover(id: u64) -> ProverState {
	Provers::<Test>::get(id).unwrap()
}

/// Submit one batch as `who`; the events it produced.
fn submit(proofs: Vec<crate::StorageProofOf<Test>>) -> Vec<crate::Event<Test>> {
	let before = proof_events().len();
	assert_ok!(Proofs::submit_storage_proofs(RuntimeOrigin::signed(CHARLIE), batch(proofs)));
	proof_events().split_off(before)
}

/// Submit one proof and expect it rejected with `error`, leaving the sector and the
/// record as they were.
fn assert_rejected(proof: crate::StorageProofOf<Test>, error: Error<Test>) {
	let (device_id, index) = (proof.device, proof.sector);
	let sector = Sectors::<Test>::get(device_id, index);
	let state = Provers::<Test>::get(device_id);
	let events = submit(vec![proof]);
	assert_eq!(
		events,
		vec![
			Event::ItemRejected { index: 0, device: device_id, error: error.into() },
			Event::BatchProcessed { accepted: 0, rejected: 1 },
		]
	);
	assert_eq!(Sectors::<Test>::get(device_id, index), sector);
	assert_eq!(Provers::<Test>::get(device_id), state);
}

// ---- Epochs and randomness ------------------------------------------------------------------

#[test]
fn a_challenge_cannot_be_computed_before_its_randomness_exists() {
	ExtBuilder::default().build_and_execute(|| {
		let data = &sector_data(16, 1);
		let sector = commit(ALICE, STORAGE_A, data);
		// Committed in epoch 0: challenged from epoch 1, whose seed does not exist yet.
		assert_noop!(
			Proofs::storage_challenge(STORAGE_A, sector, 1),
			Error::<Test>::EpochNotStarted
		);
		assert_noop!(
			Proofs::storage_challenge(STORAGE_A, sector, 0),
			Error::<Test>::SectorNotChallenged
		);
		// A provider that guesses the seed gets nowhere: the proof is early.
		let guess = proof_for(STORAGE_A, sector, data, 1, H256::repeat_byte(7));
		assert_rejected(guess, Error::<Test>::EpochNotStarted);

		run_to_block(9);
		assert_noop!(
			Proofs::storage_challenge(STORAGE_A, sector, 1),
			Error::<Test>::EpochNotStarted
		);
		run_to_epoch(1);
		// The challenge follows from the VRF output of block 10, which did not exist before.
		let (challenge, indices) = Proofs::storage_challenge(STORAGE_A, sector, 1).unwrap();
		let seed = pallet_epochs::CurrentEpoch::<Test>::get().seed;
		assert_eq!(
			challenge.0,
			depin_merkle::storage_challenge::<depin_merkle::Blake2>(
				&seed.0,
				STORAGE_A,
				sector,
				&data.tree.root()
			)
		);
		assert_eq!(indices.len(), 2);
		assert!(indices.iter().all(|i| *i < 16));
		// And it is bound to the sector's commitment: another root, another challenge.
		assert_ne!(
			challenge.0,
			depin_merkle::storage_challenge::<depin_merkle::Blake2>(
				&seed.0,
				STORAGE_A,
				sector,
				&sector_data(16, 2).tree.root()
			)
		);
		run_to_epoch(2);
		assert_noop!(Proofs::storage_challenge(STORAGE_A, sector, 1), Error::<Test>::StaleEpoch);
	});
}

// ---- Sectors --------------------------------------------------------------------------------

#[test]
fn owners_and_managers_commit_sectors_within_capacity() {
	ExtBuilder::default().build_and_execute(|| {
		let data = &sector_data(16, 1);
		assert_ok!(Proofs::commit_sector(RuntimeOrigin::signed(ALICE), STORAGE_A, data.root(), 16));
		assert_eq!(
			last_event(),
			Event::SectorCommitted {
				device: STORAGE_A,
				sector: 0,
				root: data.root(),
				chunks: 16,
				first_challenge: 1,
			}
		);
		assert_eq!(
			Sectors::<Test>::get(STORAGE_A, 0),
			Some(Sector { root: data.root(), chunks: 16, committed_in: 0, proven_in: None })
		);
		// The manager may commit too; together they fill the 64 KiB exactly.
		assert_ok!(Proofs::commit_sector(
			RuntimeOrigin::signed(MANAGER),
			STORAGE_A,
			sector_data(48, 2).root(),
			48
		));
		assert_eq!(
			prover(STORAGE_A),
			ProverState {
				sectors: 2,
				next_sector: 2,
				committed_bytes: 64 * 1024,
				epoch: 0,
				challenged: 0,
				proven: 0,
				consecutive_faults: 0,
				late: 0,
				last_audit: 0,
				prev_audit: 0,
			}
		);
	});
}

#[test]
fn commit_sector_refuses_bad_input_and_changes_nothing() {
	ExtBuilder::default().build_and_execute(|| {
		// A new root each time: a root is committed once.
		let roots = core::cell::Cell::new(0u8);
		let commit_as = |who, device, chunks| {
			roots.set(roots.get() + 1);
			let root = H256::repeat_byte(roots.get());
			Proofs::commit_sector(RuntimeOrigin::signed(who), device, root, chunks)
		};
		assert_noop!(commit_as(ALICE, STORAGE_A, 0), Error::<Test>::EmptySector);
		// MaxTreeDepth is 12: 4,096 chunks fit, one more does not.
		assert_noop!(commit_as(BOB, STORAGE_B, 4_097), Error::<Test>::SectorTooLarge);
		assert_noop!(commit_as(ALICE, 99, 1), Error::<Test>::UnknownDevice);
		assert_noop!(commit_as(BOB, STORAGE_A, 1), Error::<Test>::NotDeviceOperator);
		assert_noop!(commit_as(ALICE, COVERAGE, 1), Error::<Test>::NotStorageDevice);
		assert_noop!(commit_as(ALICE, STORAGE_A, 65), Error::<Test>::CapacityExceeded);
		assert_ok!(commit_as(ALICE, STORAGE_A, 64));
		assert_noop!(commit_as(ALICE, STORAGE_A, 1), Error::<Test>::CapacityExceeded);
		for _ in 0..3 {
			assert_ok!(commit_as(BOB, STORAGE_B, 1));
		}
		assert_noop!(commit_as(BOB, STORAGE_B, 1), Error::<Test>::TooManySectors);
		assert_ok!(Devices::suspend(RuntimeOrigin::root(), STORAGE_C));
		assert_noop!(commit_as(CHARLIE, STORAGE_C, 1), Error::<Test>::DeviceNotActive);
		assert_noop!(
			Proofs::commit_sector(RuntimeOrigin::none(), STORAGE_A, H256::zero(), 1),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn a_sector_is_removed_only_once_its_challenge_is_answered_or_missed() {
	ExtBuilder::default().build_and_execute(|| {
		let data = &sector_data(8, 1);
		// Committed in this epoch: not challenged yet, free to go.
		let fresh = commit(BOB, STORAGE_B, data);
		assert_ok!(Proofs::remove_sector(RuntimeOrigin::signed(BOB), STORAGE_B, fresh));
		assert_eq!(last_event(), Event::SectorRemoved { device: STORAGE_B, sector: fresh });
		assert_eq!(prover(STORAGE_B).sectors, 0);
		assert_eq!(prover(STORAGE_B).committed_bytes, 0);

		let answered = commit(BOB, STORAGE_B, data);
		let missed = commit(BOB, STORAGE_B, &sector_data(8, 2));
		assert_eq!((answered, missed), (1, 2));
		run_to_epoch(1);
		assert_noop!(
			Proofs::remove_sector(RuntimeOrigin::signed(BOB), STORAGE_B, answered),
			Error::<Test>::ChallengeOpen
		);
		assert_noop!(
			Proofs::remove_sector(RuntimeOrigin::signed(ALICE), STORAGE_B, answered),
			Error::<Test>::NotDeviceOperator
		);
		assert_noop!(
			Proofs::remove_sector(RuntimeOrigin::signed(BOB), STORAGE_B, 7),
			Error::<Test>::UnknownSector
		);
		submit(vec![honest_proof(STORAGE_B, answered, data)]);
		assert_ok!(Proofs::remove_sector(RuntimeOrigin::signed(BOB), STORAGE_B, answered));

		// The other one is still open until the deadline (block 17), then it is missed.
		run_to_block(17);
		assert_noop!(
			Proofs::remove_sector(RuntimeOrigin::signed(BOB), STORAGE_B, missed),
			Error::<Test>::ChallengeOpen
		);
		run_to_block(18);
		assert_ok!(Proofs::remove_sector(RuntimeOrigin::signed(BOB), STORAGE_B, missed));
		// The miss still counts: the device had a challenged sector it did not prove.
		run_to_epoch(2);
		assert!(!idle(Weight::MAX).is_zero());
		assert_eq!(device(STORAGE_B).faults, 1);
		assert_eq!(prover(STORAGE_B).sectors, 0);
		// Sector numbers are never reused.
		assert_eq!(commit(BOB, STORAGE_B, data), 3);
	});
}

#[test]
fn removing_a_sector_of_a_suspended_device_settles_it_without_faults() {
	ExtBuilder::default().build_and_execute(|| {
		let data = &sector_data(4, 1);
		let kept = commit(BOB, STORAGE_B, data);
		let dropped = commit(BOB, STORAGE_B, &sector_data(4, 2));
		assert_ok!(Devices::suspend(RuntimeOrigin::root(), STORAGE_B));
		// No idle weight: nothing but the removal touches the device in epoch 2.
		run_to_epoch(2);
		assert_ok!(Proofs::remove_sector(RuntimeOrigin::signed(BOB), STORAGE_B, dropped));
		// The removal settled the inactive device into epoch 2: it is not challenged in it.
		assert_eq!((prover(STORAGE_B).epoch, prover(STORAGE_B).challenged), (2, 0));

		// Resumed, it is challenged from the next epoch on; the suspended epochs are no faults.
		assert_ok!(Devices::resume(RuntimeOrigin::root(), STORAGE_B));
		run_to_epoch(3);
		submit(vec![honest_proof(STORAGE_B, kept, data)]);
		assert_eq!(prover(STORAGE_B).consecutive_faults, 0);
		assert_eq!(device(STORAGE_B).faults, 0);
	});
}

#[test]
fn the_sectors_of_a_removed_device_go_with_it() {
	ExtBuilder::default().build_and_execute(|| {
		let data = &sector_data(4, 1);
		let sector = commit(CHARLIE, STORAGE_C, data);
		commit(CHARLIE, STORAGE_C, &sector_data(4, 2));
		assert_ok!(Devices::deregister(RuntimeOrigin::signed(CHARLIE), STORAGE_C));
		run_to_block(1 + UnbondingPeriod::get());
		assert!(Provers::<Test>::contains_key(STORAGE_C));
		assert_ok!(Devices::claim_deposit(RuntimeOrigin::signed(CHARLIE), STORAGE_C));
		// Before, the sectors and the record stayed until someone removed them one by one,
		// and the sweep visited them every epoch.
		assert!(Provers::<Test>::get(STORAGE_C).is_none());
		assert_eq!(Sectors::<Test>::iter_prefix(STORAGE_C).count(), 0);
		assert_noop!(
			Proofs::remove_sector(RuntimeOrigin::signed(BOB), STORAGE_C, sector),
			Error::<Test>::UnknownSector
		);
	});
}

#[test]
fn genesis_sectors_are_committed_by_their_owners_and_challenged_from_epoch_one() {
	let (a, b) = (sector_data(16, 1), sector_data(64, 2));
	ExtBuilder::default()
		.with_genesis_sectors(vec![
			(STORAGE_A, a.root(), a.tree.chunks()),
			(STORAGE_B, b.root(), b.tree.chunks()),
		])
		.build_and_execute(|| {
			let sector = Sectors::<Test>::get(STORAGE_A, 0).unwrap();
			assert_eq!((sector.root, sector.chunks, sector.committed_in), (a.root(), 16, 0));
			assert_eq!(prover(STORAGE_B).committed_bytes, 64 * depin_merkle::CHUNK_SIZE as u64);
			assert_eq!(RootHolders::<Test>::get(b.root()).unwrap().device, STORAGE_B);
			assert_noop!(
				Proofs::storage_challenge(STORAGE_A, 0, 0),
				Error::<Test>::SectorNotChallenged
			);
			run_to_epoch(1);
			let events =
				submit(vec![honest_proof(STORAGE_A, 0, &a), honest_proof(STORAGE_B, 0, &b)]);
			assert_eq!(events.last(), Some(&Event::BatchProcessed { accepted: 2, rejected: 0 }));
		});
}

#[test]
#[should_panic(expected = "genesis sector")]
fn a_genesis_sector_of_no_device_is_refused() {
	let a = sector_data(1, 1);
	ExtBuilder::default().with_genesis_sectors(vec![(77, a.root(), 1)]).build();
}

#[test]
#[should_panic(expected = "CapacityExceeded")]
fn a_genesis_sector_over_its_devices_capacity_is_refused() {
	let big = sector_data(65, 1);
	ExtBuilder::default().with_genesis_sectors(vec![(STORAGE_A, big.root(), 65)]).build();
}

#[test]
#[should_panic(expected = "DuplicateRoot")]
fn one_root_on_two_genesis_sectors_is_refused() {
	let a = sector_data(1, 1);
	ExtBuilder::default()
		.with_genesis_sectors(vec![(STORAGE_A, a.root(), 1), (STORAGE_B, a.root(), 1)])
		.build();
}

#[test]
#[should_panic(expected = "NotStorageDevice")]
fn a_genesis_sector_of_a_hotspot_is_refused() {
	let a = sector_data(1, 1);
	ExtBuilder::default().with_genesis_sectors(vec![(COVERAGE, a.root(), 1)]).build();
}

// ---- Storage proofs -------------------------------------------------------------------------

#[test]
fn honest_proofs_of_every_key_scheme_are_accepted_in_one_batch() {
	ExtBuilder::default().build_and_execute(|| {
		let a = sector_data(64, 1);
		let b = sector_data(1000, 2);
		let c = sector_data(1, 3);
		// Only A's and C's sectors have deals: only they earn.
		let deal_a = publish(
			ALICE,
			crate::DealProposalOf::<Test> {
				price_per_gib: deal_price(1),
				..proposal(STORAGE_A, &a)
			},
		);
		let deal_c = publish(CHARLIE, proposal(STORAGE_C, &c));
		commit(ALICE, STORAGE_A, &a);
		commit(BOB, STORAGE_B, &b);
		commit(CHARLIE, STORAGE_C, &c);
		run_to_epoch(1);
		let events = submit(vec![
			honest_proof(STORAGE_A, 0, &a),
			honest_proof(STORAGE_B, 0, &b),
			honest_proof(STORAGE_C, 0, &c),
		]);
		assert_eq!(
			events,
			vec![
				Event::DealPaid { deal: deal_a, epoch: 1, paid: 52, fee: 12 },
				Event::StorageProofAccepted { device: STORAGE_A, sector: 0, epoch: 1, points: 12 },
				Event::StorageProofAccepted { device: STORAGE_B, sector: 0, epoch: 1, points: 0 },
				Event::DealPaid { deal: deal_c, epoch: 1, paid: 8, fee: 2 },
				Event::StorageProofAccepted { device: STORAGE_C, sector: 0, epoch: 1, points: 2 },
				Event::BatchProcessed { accepted: 3, rejected: 0 },
			]
		);
		assert_eq!(Sectors::<Test>::get(STORAGE_B, 0).unwrap().proven_in, Some(1));
		assert_eq!((prover(STORAGE_B).challenged, prover(STORAGE_B).proven), (1, 1));
		assert_eq!(
			points(),
			vec![(STORAGE_A, DeviceKind::Storage, 1, 12), (STORAGE_C, DeviceKind::Storage, 1, 2)]
		);
		// Proven every epoch, the device never faults.
		for epoch in 2..6 {
			run_to_epoch(epoch);
			submit(vec![honest_proof(STORAGE_B, 0, &b)]);
			idle(Weight::MAX);
		}
		assert_eq!(device(STORAGE_B).faults, 0);
		assert_eq!(prover(STORAGE_B).consecutive_faults, 0);
	});
}

#[test]
fn the_signed_payload_layout_is_stable() {
	ExtBuilder::default().build_and_execute(|| {
		let message = Proofs::proof_message(7, 2, 5, H256::repeat_byte(0xcc));
		let mut expected = b"depin/proof/stor".to_vec();
		expected.extend_from_slice(System::block_hash(0).as_ref());
		expected.extend_from_slice(&7u64.to_le_bytes());
		expected.extend_from_slice(&2u32.to_le_bytes());
		expected.extend_from_slice(&5u32.to_le_bytes());
		expected.extend_from_slice(&[0xcc; 32]);
		assert_eq!(message, expected);
	});
}

/// The data of each storage device's sector in [`proving_setup`].
struct Setup {
	a: SectorData,
	b: SectorData,
}

/// One committed 16-chunk sector per storage device, each with a deal, in epoch 1.
fn proving_setup() -> Setup {
	let setup = Setup { a: sector_data(16, 9), b: sector_data(16, 10) };
	let c = sector_data(16, 11);
	for (who, device, data) in
		[(ALICE, STORAGE_A, &setup.a), (BOB, STORAGE_B, &setup.b), (CHARLIE, STORAGE_C, &c)]
	{
		publish(who, proposal(device, data));
		commit(who, device, data);
	}
	run_to_epoch(1);
	setup
}

#[test]
fn tampered_chunks_and_paths_are_rejected() {
	ExtBuilder::default().build_and_execute(|| {
		let setup = proving_setup();
		let data = &setup.a;
		let mut leaf = honest_proof(STORAGE_A, 0, data);
		leaf.chunks[1].chunk[100] ^= 1;
		assert_rejected(leaf, Error::<Test>::InvalidMerkleProof);

		let mut path = honest_proof(STORAGE_A, 0, data);
		path.chunks[0].path[2].0[0] ^= 1;
		assert_rejected(path, Error::<Test>::InvalidMerkleProof);

		let mut short = honest_proof(STORAGE_A, 0, data);
		short.chunks[0].path.pop();
		assert_rejected(short, Error::<Test>::WrongPathLength);

		let mut few = honest_proof(STORAGE_A, 0, data);
		few.chunks.pop();
		assert_rejected(few, Error::<Test>::WrongChallengeCount);

		// The honest proof still goes through afterwards (paid by its deal).
		assert_eq!(submit(vec![honest_proof(STORAGE_A, 0, data)]).len(), 3);
		assert_eq!(Sectors::<Test>::get(STORAGE_A, 0).unwrap().proven_in, Some(1));
	});
}

#[test]
fn a_chunk_for_another_index_is_rejected_even_with_a_valid_path() {
	ExtBuilder::default().build_and_execute(|| {
		let setup = proving_setup();
		let data = &setup.a;
		let mut proof = honest_proof(STORAGE_A, 0, data);
		// A real chunk with its real path, but not the one the challenge asked for.
		let other = (proof.chunks[0].index + 1) % 16;
		proof.chunks[0].index = other;
		proof.chunks[0].chunk = depin_merkle::chunk_at(&data.data, other).unwrap();
		proof.chunks[0].path = frame_support::BoundedVec::truncate_from(
			data.tree.proof(other).unwrap().into_iter().map(H256).collect(),
		);
		assert_rejected(proof, Error::<Test>::WrongChunkIndex);
	});
}

#[test]
fn proofs_for_the_wrong_sector_or_device_are_rejected() {
	ExtBuilder::default().build_and_execute(|| {
		let setup = proving_setup();
		let data = &setup.a;
		let mut unknown = honest_proof(STORAGE_A, 0, data);
		unknown.sector = 5;
		assert_rejected(unknown, Error::<Test>::UnknownSector);

		// Bob's proof, presented as Alice's: another challenge and key.
		let mut stolen = honest_proof(STORAGE_B, 0, &setup.b);
		stolen.device = STORAGE_A;
		stolen.signature = honest_proof(STORAGE_A, 0, data).signature;
		let error = match submit(vec![stolen])[0].clone() {
			Event::ItemRejected { error, .. } => error,
			other => panic!("not rejected: {other:?}"),
		};
		assert!(
			error == Error::<Test>::WrongChunkIndex.into()
				|| error == Error::<Test>::BadSignature.into()
		);

		// Signed by another key.
		let mut forged = honest_proof(STORAGE_A, 0, data);
		forged.signature = key_of(STORAGE_C).sign(&[0u8; 4]);
		assert_rejected(forged, Error::<Test>::BadSignature);

		assert_rejected(honest_proof(99, 0, data), Error::<Test>::UnknownDevice);
		assert_rejected(
			{
				let mut p = honest_proof(STORAGE_A, 0, data);
				p.device = COVERAGE;
				p
			},
			Error::<Test>::NotStorageDevice,
		);
	});
}

#[test]
fn a_proof_signed_for_another_chain_is_rejected() {
	ExtBuilder::default().build_and_execute(|| {
		let setup = proving_setup();
		let data = &setup.a;
		let mut proof = honest_proof(STORAGE_A, 0, data);
		let (challenge, _) = Proofs::storage_challenge(STORAGE_A, 0, 1).unwrap();
		let statement = StorageProofStatement { device: STORAGE_A, sector: 0, epoch: 1, challenge };
		proof.signature = key_of(STORAGE_A).sign_statement(
			STORAGE_PROOF_CONTEXT,
			H256::repeat_byte(0x42),
			&statement,
		);
		assert_rejected(proof, Error::<Test>::BadSignature);
	});
}

#[test]
fn early_late_and_stale_proofs_are_rejected() {
	ExtBuilder::default().build_and_execute(|| {
		let setup = proving_setup();
		let data = &setup.a;
		let seed = pallet_epochs::CurrentEpoch::<Test>::get().seed;
		let mut early = proof_for(STORAGE_A, 0, data, 2, seed);
		resign(&mut early);
		assert_rejected(early, Error::<Test>::EpochNotStarted);

		// The response window is 8 blocks: blocks 10..=17 of epoch 1.
		let on_time = honest_proof(STORAGE_B, 0, &setup.b);
		let late = honest_proof(STORAGE_A, 0, data);
		run_to_block(17);
		assert_eq!(submit(vec![on_time]).len(), 3);
		run_to_block(18);
		assert_rejected(late.clone(), Error::<Test>::DeadlinePassed);

		// In epoch 2 the late proof is stale, and the device it names is settled before it is
		// checked: the epoch it missed is a fault, whatever the proof is worth.
		run_to_epoch(2);
		assert_eq!(
			submit(vec![late]),
			vec![
				Event::FaultsRecorded { device: STORAGE_A, missed: 1, consecutive: 1 },
				Event::ItemRejected {
					index: 0,
					device: STORAGE_A,
					error: Error::<Test>::StaleEpoch.into()
				},
				Event::BatchProcessed { accepted: 0, rejected: 1 },
			]
		);
		assert_eq!(prover(STORAGE_A).epoch, 2);
	});
}

#[test]
fn a_replayed_proof_is_rejected_in_the_same_or_a_later_batch() {
	ExtBuilder::default().build_and_execute(|| {
		let setup = proving_setup();
		let data = &setup.a;
		let proof = honest_proof(STORAGE_A, 0, data);
		let events = submit(vec![proof.clone(), proof.clone()]);
		// (The accepted proof's deal payment and acceptance come first.)
		assert_eq!(
			events[2..],
			[
				Event::ItemRejected {
					index: 1,
					device: STORAGE_A,
					error: Error::<Test>::AlreadyProven.into()
				},
				Event::BatchProcessed { accepted: 1, rejected: 1 },
			]
		);
		assert_rejected(proof.clone(), Error::<Test>::AlreadyProven);
		assert_eq!(points().len(), 1);

		// Next epoch, the old proof is stale, and a re-dated one fails its signature.
		run_to_epoch(2);
		assert_rejected(proof.clone(), Error::<Test>::StaleEpoch);
		let mut redated = proof;
		redated.epoch = 2;
		let error = match submit(vec![redated])[0].clone() {
			Event::ItemRejected { error, .. } => error,
			other => panic!("not rejected: {other:?}"),
		};
		assert!(
			error == Error::<Test>::WrongChunkIndex.into()
				|| error == Error::<Test>::BadSignature.into()
		);
	});
}

#[test]
fn a_sector_committed_in_the_block_that_seeds_the_next_epoch_is_challenged_an_epoch_later() {
	ExtBuilder::default().build_and_execute(|| {
		// Block 9 is epoch 0's last: in the runtime its VRF output seeds epoch 1, and its
		// author knows it while choosing the block's transactions.
		run_to_block(8);
		let early = sector_data(16, 1);
		let early_index = commit(ALICE, STORAGE_A, &early);
		run_to_block(9);
		let late = sector_data(16, 2);
		assert_ok!(Proofs::commit_sector(RuntimeOrigin::signed(ALICE), STORAGE_A, late.root(), 16));
		assert_eq!(
			last_event(),
			Event::SectorCommitted {
				device: STORAGE_A,
				sector: 1,
				root: late.root(),
				chunks: 16,
				first_challenge: 2,
			}
		);
		assert_eq!(Sectors::<Test>::get(STORAGE_A, 1).unwrap().committed_in, 1);

		run_to_epoch(1);
		// The sector of block 8 is challenged; the one of block 9 is not, and is not counted.
		assert_ok!(Proofs::storage_challenge(STORAGE_A, early_index, 1));
		assert_noop!(
			Proofs::storage_challenge(STORAGE_A, 1, 1),
			Error::<Test>::SectorNotChallenged
		);
		assert_rejected(honest_proof(STORAGE_A, 1, &late), Error::<Test>::SectorNotChallenged);
		assert_eq!(Proofs::open_challenges(STORAGE_A).len(), 1);

		// Epoch 1 challenged only the early sector: proven, it is no miss.
		assert!(matches!(
			submit(vec![honest_proof(STORAGE_A, early_index, &early)]).as_slice(),
			[Event::StorageProofAccepted { .. }, ..]
		));
		run_to_epoch(2);
		assert_ok!(Proofs::storage_challenge(STORAGE_A, 1, 2));
		idle(Weight::MAX);
		let state = Provers::<Test>::get(STORAGE_A).unwrap();
		assert_eq!(
			(state.epoch, state.challenged, state.late, state.consecutive_faults),
			(2, 2, 0, 0)
		);
		assert!(!proof_events().iter().any(|e| matches!(e, Event::FaultsRecorded { .. })));
	});
}

/// A record left untouched from the epoch in which a sector was committed late: the next
/// epoch did not challenge that sector, so it is no miss there, and every later epoch is.
#[test]
fn an_untouched_late_sector_is_missed_only_from_the_epoch_that_challenges_it() {
	ExtBuilder::default().build_and_execute(|| {
		run_to_block(9);
		let late = sector_data(4, 2);
		commit(ALICE, STORAGE_A, &late);
		assert_eq!(Provers::<Test>::get(STORAGE_A).map(|p| p.late), Some(1));
		// Nothing touches the record until epoch 4 (no sweep runs in these blocks).
		run_to_epoch(4);
		let mut state = Provers::<Test>::get(STORAGE_A).unwrap();
		assert_eq!(state.epoch, 0);
		use depin_proving::Ledger;
		// Epoch 1 challenged nothing; epochs 2 and 3 challenged the sector and saw no proof.
		assert_eq!(state.count_missed(4), 2);
		assert_eq!(state.consecutive_faults, 2);
	});
}

#[test]
fn suspended_devices_and_fresh_sectors_cannot_prove() {
	ExtBuilder::default().build_and_execute(|| {
		let setup = proving_setup();
		let data = &setup.a;
		let fresh_data = sector_data(16, 12);
		let fresh = commit(BOB, STORAGE_B, &fresh_data);
		let mut proof = honest_proof(STORAGE_B, fresh, &fresh_data);
		proof.chunks = honest_proof(STORAGE_B, 0, &setup.b).chunks;
		assert_rejected(proof, Error::<Test>::SectorNotChallenged);

		let proof = honest_proof(STORAGE_A, 0, data);
		assert_ok!(Devices::suspend(RuntimeOrigin::root(), STORAGE_A));
		assert_rejected(proof, Error::<Test>::DeviceNotActive);
	});
}

#[test]
fn an_empty_batch_is_refused() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Proofs::submit_storage_proofs(RuntimeOrigin::signed(ALICE), batch(vec![])),
			Error::<Test>::EmptyBatch
		);
		assert_noop!(
			Proofs::submit_storage_proofs(RuntimeOrigin::none(), batch(vec![])),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn a_batch_is_charged_for_the_worst_case_and_refunded_for_rejected_proofs() {
	ExtBuilder::default().build_and_execute(|| {
		let setup = proving_setup();
		let data = &setup.a;
		let good = honest_proof(STORAGE_A, 0, data);
		let mut bad = honest_proof(STORAGE_B, 0, &setup.b);
		bad.sector = 9;
		let proofs = batch(vec![good.clone(), bad]);
		let call = crate::Call::<Test>::submit_storage_proofs { proofs: proofs.clone() };
		let full = Proofs::storage_proof_weight(2, 4);
		let base = <() as WeightInfo>::submit_storage_proofs_rejected(0);
		assert_eq!(call.get_dispatch_info().call_weight, base + full + full);

		let post = Proofs::submit_storage_proofs(RuntimeOrigin::signed(CHARLIE), proofs).unwrap();
		let cheap = Proofs::cheap_rejection_weight();
		assert_eq!(cheap, <() as WeightInfo>::submit_storage_proofs_rejected(1) - base);
		let path =
			<() as WeightInfo>::merkle_chunk_check(4) - <() as WeightInfo>::merkle_chunk_check(0);
		// The check, the audit draw of the epoch its record enters, the deal's payment, the
		// points and the fee reported.
		let accepted = <() as WeightInfo>::prove_storage(2)
			+ path.saturating_mul(2)
			+ Proofs::audit_draw_weight()
			+ <() as WeightInfo>::pay_deal_epoch()
			+ RecordPoints::weight()
			+ RecordPoints::fee_weight();
		assert_eq!(
			Proofs::prove_weight(2, 4),
			<() as WeightInfo>::prove_storage(2) + path.saturating_mul(2)
		);
		// Before each item the batch settles its device (the mock's database weighs nothing):
		// the audit draw of the epoch its record enters, drawn again by the accepted item, as
		// a record without faults is not written before it.
		let settling = Proofs::audit_draw_weight().saturating_mul(2);
		assert_eq!(post.actual_weight, Some(base + accepted + cheap + settling));
		assert!(
			post.actual_weight.unwrap().ref_time()
				< call.get_dispatch_info().call_weight.ref_time()
		);
	});
}

use crate::OnProofAccepted;

// ---- Faults ---------------------------------------------------------------------------------

#[test]
fn a_missed_deadline_is_a_fault() {
	ExtBuilder::default().build_and_execute(|| {
		proving_setup();
		run_to_epoch(2);
		let used = idle(Weight::MAX);
		assert!(!used.is_zero());
		assert!(proof_events().contains(&Event::FaultsRecorded {
			device: STORAGE_A,
			missed: 1,
			consecutive: 1
		}));
		for id in [STORAGE_A, STORAGE_B, STORAGE_C] {
			assert_eq!(device(id).faults, 1);
			assert_eq!(prover(id).consecutive_faults, 1);
			assert_eq!(prover(id).epoch, 2);
		}
		// Sweeping again in the same epoch does nothing more.
		let before = proof_events().len();
		idle(Weight::MAX);
		assert_eq!(proof_events().len(), before);
	});
}

// ---- Faults are settled before a device retires, moves or changes hands ---------------------

fn held_by(who: AccountId) -> Balance {
	Balances::balance_on_hold(
		&RuntimeHoldReason::Devices(pallet_devices::HoldReason::DeviceDeposit),
		&who,
	)
}

#[test]
fn retiring_settles_the_missed_epochs_and_the_open_challenge_first() {
	ExtBuilder::default().build_and_execute(|| {
		proving_setup();
		// Alice misses epochs 1 and 2 (nobody settles them), and in epoch 3, one miss from the
		// threshold with its challenge open, retires to keep her deposit.
		run_to_epoch(3);
		let deposit = device(STORAGE_A).deposit;
		let held = held_by(ALICE);
		System::reset_events();
		assert_ok!(Devices::deregister(RuntimeOrigin::signed(ALICE), STORAGE_A));
		assert_eq!(
			proof_events(),
			vec![
				Event::FaultsRecorded { device: STORAGE_A, missed: 2, consecutive: 2 },
				Event::FaultsRecorded { device: STORAGE_A, missed: 1, consecutive: 3 },
				Event::SuspendedForFaults { device: STORAGE_A, consecutive: 3 },
			]
		);
		let slashed = deposit / 10;
		assert_eq!(device(STORAGE_A).deposit, deposit - slashed);
		assert_eq!(held_by(ALICE), held - slashed);
		assert!(matches!(device(STORAGE_A).status, DeviceStatus::Retired { .. }));
		assert_eq!(device(STORAGE_A).faults, 3);
		// Retired, it is never charged again.
		run_to_epoch(5);
		idle(Weight::MAX);
		assert_eq!(device(STORAGE_A).faults, 3);
	});
}

#[test]
fn a_device_that_answered_its_challenge_retires_without_a_fault() {
	ExtBuilder::default().build_and_execute(|| {
		let setup = proving_setup();
		let data = &setup.a;
		submit(vec![honest_proof(STORAGE_A, 0, data)]);
		System::reset_events();
		assert_ok!(Devices::deregister(RuntimeOrigin::signed(ALICE), STORAGE_A));
		assert!(proof_events().is_empty());
		assert_eq!(device(STORAGE_A).faults, 0);
	});
}

#[test]
fn a_sale_settles_the_missed_epochs_out_of_the_sellers_deposit() {
	ExtBuilder::default().build_and_execute(|| {
		proving_setup();
		// Charlie misses epochs 1 to 3 and sells before anyone settles them.
		run_to_epoch(4);
		let deposit = device(STORAGE_C).deposit;
		let charlie =
			<Balances as frame_support::traits::fungible::Inspect<AccountId>>::total_balance(
				&CHARLIE,
			);
		assert_ok!(Devices::transfer_ownership(
			RuntimeOrigin::signed(CHARLIE),
			STORAGE_C,
			Some(BOB)
		));
		assert_ok!(Devices::accept_ownership(RuntimeOrigin::signed(BOB), STORAGE_C));
		assert!(proof_events()
			.contains(&Event::SuspendedForFaults { device: STORAGE_C, consecutive: 3 }));
		// The slash came out of Charlie's deposit; the rest of it was released to him. His
		// sector's deal was settled too: the same three misses ended it, and his collateral
		// (100) went to its client.
		assert!(proof_events().iter().any(|e| matches!(
			e,
			Event::DealEnded { reason: depin_primitives::deals::DealEnd::Faulted, .. }
		)));
		assert_eq!(
			<Balances as frame_support::traits::fungible::Inspect<AccountId>>::total_balance(
				&CHARLIE
			),
			charlie - deposit / 10 - 100
		);
		assert_eq!(held_by(CHARLIE), 0);
		assert_eq!(device(STORAGE_C).owner, BOB);
		assert_eq!(device(STORAGE_C).status, DeviceStatus::Suspended);
	});
}

#[test]
fn a_move_settles_the_missed_epochs_first() {
	ExtBuilder::default().build_and_execute(|| {
		proving_setup();
		run_to_epoch(3);
		let elsewhere = {
			use h3o::{LatLng, Resolution};
			u64::from(LatLng::new(48.85, 2.35).unwrap().to_cell(Resolution::try_from(9).unwrap()))
		};
		System::reset_events();
		assert_ok!(Devices::update_location(RuntimeOrigin::signed(ALICE), STORAGE_A, elsewhere));
		assert_eq!(
			proof_events(),
			vec![Event::FaultsRecorded { device: STORAGE_A, missed: 2, consecutive: 2 }]
		);
		// Still active and challenged in this epoch, where it is now.
		assert_eq!(device(STORAGE_A).status, DeviceStatus::Active);
		assert_eq!(prover(STORAGE_A).epoch, 3);
	});
}

#[test]
fn repeated_faults_suspend_the_device_and_slash_its_deposit() {
	ExtBuilder::default().build_and_execute(|| {
		let setup = proving_setup();
		let data = &setup.a;
		// Bob proves; Alice goes quiet for three epochs. Nobody sweeps: all lazily counted.
		for epoch in 1..4 {
			run_to_epoch(epoch);
			submit(vec![honest_proof(STORAGE_B, 0, &setup.b)]);
		}
		run_to_epoch(4);
		assert_eq!(device(STORAGE_A).status, DeviceStatus::Active);
		let deposit = device(STORAGE_A).deposit;
		let held_before = held_by(ALICE);

		// Alice comes back with a proof: her three missed epochs are settled first.
		let events = submit(vec![honest_proof(STORAGE_A, 0, data)]);
		assert_eq!(
			events,
			vec![
				Event::FaultsRecorded { device: STORAGE_A, missed: 3, consecutive: 3 },
				Event::SuspendedForFaults { device: STORAGE_A, consecutive: 3 },
				Event::ItemRejected {
					index: 0,
					device: STORAGE_A,
					error: Error::<Test>::DeviceNotActive.into()
				},
				Event::BatchProcessed { accepted: 0, rejected: 1 },
			]
		);
		assert_eq!(device(STORAGE_A).status, DeviceStatus::Suspended);
		assert_eq!(device(STORAGE_A).faults, 3);
		// 10% of the deposit, gone from Alice's hold.
		let slashed = deposit / 10;
		assert_eq!(device(STORAGE_A).deposit, deposit - slashed);
		assert_eq!(held_by(ALICE), held_before - slashed);
		assert_eq!(prover(STORAGE_A).consecutive_faults, 0);
		assert_eq!(device(STORAGE_B).faults, 0);

		// Suspended, it is not challenged: no more faults.
		run_to_epoch(6);
		idle(Weight::MAX);
		assert_eq!(device(STORAGE_A).faults, 3);
		// Resumed mid-epoch, it is challenged from the next epoch on.
		assert_ok!(Devices::resume(RuntimeOrigin::root(), STORAGE_A));
		assert_rejected(honest_proof(STORAGE_A, 0, data), Error::<Test>::SectorNotChallenged);
		run_to_epoch(7);
		// Its deal is over with its misses: the proof counts, and earns nothing.
		let events = submit(vec![honest_proof(STORAGE_A, 0, data)]);
		assert!(events.contains(&Event::StorageProofAccepted {
			device: STORAGE_A,
			sector: 0,
			epoch: 7,
			points: 0
		}));
		assert_eq!(device(STORAGE_A).faults, 3);
	});
}

#[test]
fn a_proven_epoch_resets_the_consecutive_count() {
	ExtBuilder::default().build_and_execute(|| {
		let setup = proving_setup();
		let data = &setup.a;
		run_to_epoch(2); // missed epoch 1
		submit(vec![honest_proof(STORAGE_A, 0, data)]);
		assert_eq!(prover(STORAGE_A).consecutive_faults, 1);
		run_to_epoch(3); // proved epoch 2
		idle(Weight::MAX);
		assert_eq!(prover(STORAGE_A).consecutive_faults, 0);
		run_to_epoch(4); // missed 3
		idle(Weight::MAX);
		assert_eq!(prover(STORAGE_A).consecutive_faults, 1);
		run_to_epoch(5); // missed 4
		idle(Weight::MAX);
		assert_eq!(prover(STORAGE_A).consecutive_faults, 2);
		assert_eq!(device(STORAGE_A).faults, 3);
		assert_eq!(device(STORAGE_A).status, DeviceStatus::Active);
	});
}

#[test]
fn the_sweep_is_bounded_by_the_idle_weight_and_resumes_where_it_stopped() {
	ExtBuilder::default().build_and_execute(|| {
		proving_setup();
		run_to_epoch(2);
		let db: frame_support::weights::RuntimeDbWeight =
			<Test as frame_system::Config>::DbWeight::get();
		let step = Proofs::settle_weight() + db.reads(1);
		let overhead = db.reads_writes(2, 1);
		// Not even one step fits: nothing happens.
		assert_eq!(idle(overhead), Weight::zero());
		assert_eq!(Sweep::<Test>::get(), SweepState::default());
		// One step per block: room for the most a step can cost is needed, and what it cost
		// is counted. Each device missed epoch 1: its faults recorded (no suspension), its
		// status and record read, its record written, and the audit draw of epoch 2.
		use pallet_devices::DeviceRegistry;
		let spent = db.reads_writes(2, 1)
			+ <Test as crate::Config>::Registry::record_faults_weight()
			+ Proofs::audit_draw_weight();
		assert!(spent.all_lt(step));
		assert_eq!(idle(overhead + step), overhead + spent);
		let settled = |id| prover(id).epoch == 2;
		let count =
			|| [STORAGE_A, STORAGE_B, STORAGE_C].into_iter().filter(|id| settled(*id)).count();
		assert_eq!(count(), 1);
		assert!(!Sweep::<Test>::get().done);
		idle(overhead + step);
		assert_eq!(count(), 2);
		idle(overhead + step);
		assert_eq!(count(), 3);
		// The end of the map is noticed on the next call, then the pass is done.
		idle(overhead + step);
		assert!(Sweep::<Test>::get().done);
		assert_eq!(idle(Weight::MAX), db.reads(2));
		// A new epoch starts a new pass.
		run_to_epoch(3);
		idle(Weight::MAX);
		assert_eq!(
			Sweep::<Test>::get(),
			SweepState { epoch: 3, last: Sweep::<Test>::get().last, done: true }
		);
		assert_eq!(device(STORAGE_C).faults, 2);
	});
}

#[test]
fn try_state_catches_counters_out_of_step() {
	ExtBuilder::default().build().execute_with(|| {
		commit(ALICE, STORAGE_A, &sector_data(4, 1));
		assert_ok!(Proofs::do_try_state());
		Provers::<Test>::mutate(STORAGE_A, |p| p.as_mut().unwrap().sectors = 2);
		assert!(Proofs::do_try_state().is_err());
		Provers::<Test>::mutate(STORAGE_A, |p| {
			let p = p.as_mut().unwrap();
			p.sectors = 1;
			p.proven = 1;
		});
		assert!(Proofs::do_try_state().is_err());
	});
}

// ---- Queries (runtime API) ------------------------------------------------------------------

#[test]
fn epoch_status_reports_the_window_and_the_next_start() {
	ExtBuilder::default().build_and_execute(|| {
		run_to_epoch(1);
		let status = Proofs::epoch_status();
		assert_eq!(
			status,
			EpochStatus {
				index: 1,
				start: 10,
				deadline: 17,
				next_start: 20,
				seed: pallet_epochs::CurrentEpoch::<Test>::get().seed,
				challenges_per_sector: 2,
			}
		);
		assert_eq!(status.deadline, Proofs::deadline(status.start));
	});
}

#[test]
fn open_challenges_are_the_unproven_challenged_sectors_while_the_window_is_open() {
	ExtBuilder::default().build_and_execute(|| {
		let setup = proving_setup();
		let data = &setup.a;
		// A sector committed now is not challenged before the next epoch.
		commit(ALICE, STORAGE_A, &sector_data(4, 1));

		let open = Proofs::open_challenges(STORAGE_A);
		assert_eq!(open.len(), 1);
		let (challenge, indices) = Proofs::storage_challenge(STORAGE_A, 0, 1).unwrap();
		assert_eq!(
			open[0],
			OpenChallenge {
				sector: 0,
				root: data.root(),
				chunks: 16,
				epoch: 1,
				challenge,
				indices,
				deadline: 17,
			}
		);
		// The provider answers it from the open challenge alone.
		let proof = honest_proof(STORAGE_A, 0, data);
		assert_eq!(proof.chunks.iter().map(|c| c.index).collect::<Vec<_>>(), open[0].indices);
		submit(vec![proof]);
		assert!(Proofs::open_challenges(STORAGE_A).is_empty());

		// Unknown, coverage and suspended devices have none; the window closes.
		assert!(Proofs::open_challenges(99).is_empty());
		assert!(Proofs::open_challenges(COVERAGE).is_empty());
		assert_ok!(<Devices as pallet_devices::DeviceRegistry<_>>::suspend(STORAGE_C));
		assert!(Proofs::open_challenges(STORAGE_C).is_empty());
		assert_eq!(Proofs::open_challenges(STORAGE_B).len(), 1);
		run_to_block(18);
		assert!(Proofs::open_challenges(STORAGE_B).is_empty());
	});
}

#[test]
fn a_device_suspended_mid_epoch_has_nothing_open() {
	ExtBuilder::default().build_and_execute(|| {
		let setup = proving_setup();
		// A commit settles Bob's device into epoch 1: its first sector is challenged in it.
		commit(BOB, STORAGE_B, &sector_data(4, 2));
		assert_eq!((prover(STORAGE_B).epoch, prover(STORAGE_B).challenged), (1, 1));
		assert_eq!(Proofs::open_challenges(STORAGE_B).len(), 1);

		// Suspended now, it cannot answer (`DeviceNotActive`), so nothing is reported open.
		assert_ok!(Devices::suspend(RuntimeOrigin::root(), STORAGE_B));
		assert!(Proofs::open_challenges(STORAGE_B).is_empty());
		let status = Proofs::proof_status(STORAGE_B).unwrap();
		assert_eq!(status.challenged, 1);
		assert!(!status.sectors[0].open);
		assert_eq!(Proofs::potential_points(STORAGE_B), 0);
		assert_rejected(honest_proof(STORAGE_B, 0, &setup.b), Error::<Test>::DeviceNotActive);
	});
}

#[test]
fn proof_status_counts_the_faults_not_recorded_yet_without_writing() {
	ExtBuilder::default().build_and_execute(|| {
		let setup = proving_setup();
		submit(vec![honest_proof(STORAGE_B, 0, &setup.b)]);
		let proven = Proofs::proof_status(STORAGE_B).unwrap();
		assert_eq!((proven.challenged, proven.proven, proven.consecutive_faults), (1, 1, 0));
		assert!(!proven.sectors[0].open);

		// Alice misses epochs 1 and 2; nothing touches her device.
		run_to_epoch(3);
		let before = prover(STORAGE_A);
		let status = Proofs::proof_status(STORAGE_A).unwrap();
		assert_eq!(status.epoch, 3);
		assert_eq!(status.sectors.len(), 1);
		assert_eq!(status.sectors[0].sector, Sectors::<Test>::get(STORAGE_A, 0).unwrap());
		assert!(status.sectors[0].open);
		assert_eq!(status.committed_bytes, 16 * CHUNK_SIZE as u64);
		assert_eq!((status.challenged, status.proven), (1, 0));
		assert_eq!((status.consecutive_faults, status.unrecorded_faults), (2, 2));
		assert_eq!(status.fault_threshold, 3);
		// A query writes nothing.
		assert_eq!(prover(STORAGE_A), before);
		assert_eq!(device(STORAGE_A).faults, 0);

		assert_eq!(Proofs::proof_status(COVERAGE), None);
		assert_eq!(Proofs::proof_status(99), None);
	});
}

#[test]
fn potential_points_count_the_challenged_sectors_only() {
	ExtBuilder::default().build_and_execute(|| {
		proving_setup();
		// A sector committed now, with a deal, and one without: only the first counts, and
		// only from the next epoch.
		let dealt = sector_data(4, 1);
		publish(ALICE, proposal(STORAGE_A, &dealt));
		commit(ALICE, STORAGE_A, &dealt);
		commit(ALICE, STORAGE_A, &sector_data(2, 3));
		assert_eq!(Proofs::potential_points(STORAGE_A), 32, "the setup deal's fee");
		assert_eq!(Proofs::potential_points(COVERAGE), 0);
		assert_eq!(Proofs::potential_points(99), 0);
		run_to_epoch(2);
		assert_eq!(Proofs::potential_points(STORAGE_A), 32 + 8, "the fees of both deals");
	});
}
