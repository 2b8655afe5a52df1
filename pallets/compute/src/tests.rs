// Test code: an overflow panics, which fails the test.
#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing, clippy::unwrap_used)]

use crate::{mock::*, pallet::*, types::*, work};
use codec::Encode;
use depin_proving::ProvingEpochs;
use frame_support::{assert_noop, assert_ok, BoundedVec};
use pallet_devices::{DeviceId, DeviceStatus};
use sp_core::H256;
use sp_runtime::{DispatchError, Perbill};

fn worker(device: u64) -> WorkerState {
	Workers::<Test>::get(device).unwrap()
}

fn deposit_of(device: u64) -> Balance {
	pallet_devices::Devices::<Test>::get(device).unwrap().deposit
}

fn status_of(device: u64) -> DeviceStatus<u64> {
	pallet_devices::Devices::<Test>::get(device).unwrap().status
}

fn last_event() -> crate::Event<Test> {
	compute_events().pop().expect("an event")
}

/// Submit one commitment and check that it was rejected for `error` and changed nothing.
fn assert_commit_rejected(commit: WorkCommit, error: Error<Test>) {
	let device = commit.device;
	// As the item will settle it first.
	let before = Compute::work_challenge(device).map(|c| c.status);
	System::reset_events();
	assert_ok!(Compute::commit_work(
		RuntimeOrigin::signed(CHARLIE),
		BoundedVec::truncate_from(vec![commit])
	));
	assert_eq!(rejections(), vec![(device, DispatchError::from(error))], "{:?}", System::events());
	assert_eq!(last_event(), crate::Event::BatchProcessed { accepted: 0, rejected: 1 });
	assert_eq!(Compute::work_challenge(device).map(|c| c.status), before, "nothing recorded");
}

/// Submit one reveal and check that it was rejected for `error` and changed nothing.
fn assert_reveal_rejected(reveal: crate::WorkRevealOf<Test>, error: Error<Test>) {
	let device = reveal.device;
	let before = Compute::work_challenge(device).map(|c| c.status);
	System::reset_events();
	assert_ok!(Compute::reveal_work(
		RuntimeOrigin::signed(CHARLIE),
		BoundedVec::truncate_from(vec![reveal])
	));
	assert_eq!(rejections(), vec![(device, DispatchError::from(error))], "{:?}", System::events());
	assert_eq!(last_event(), crate::Event::BatchProcessed { accepted: 0, rejected: 1 });
	assert_eq!(Compute::work_challenge(device).map(|c| c.status), before, "nothing recorded");
	assert!(proven().is_empty());
}

/// The audits passed so far: device, epoch, segments (`WorkProven`).
fn proven() -> Vec<(u64, EpochIndex, u32)> {
	compute_events()
		.into_iter()
		.filter_map(|e| match e {
			crate::Event::WorkProven { device, epoch, segments } => Some((device, epoch, segments)),
			_ => None,
		})
		.collect()
}

// ---- Enrolment ---------------------------------------------------------------------------

fn with_genesis_workers(workers: Vec<DeviceId>) -> sp_io::TestExternalities {
	let mut ext = ExtBuilder.build();
	ext.execute_with(|| {
		<crate::GenesisConfig<Test> as frame_support::traits::BuildGenesisConfig>::build(
			&crate::GenesisConfig { workers, _config: Default::default() },
		)
	});
	ext
}

#[test]
fn genesis_workers_are_enrolled_as_their_owners_would_enroll_them() {
	with_genesis_workers(vec![WORKER, SMALL_WORKER]).execute_with(|| {
		assert_eq!(worker(WORKER).enrolled_in, 0);
		assert_eq!(worker(SMALL_WORKER).enrolled_in, 0);
		run_to_epoch(1);
		assert!(Compute::work_challenge(WORKER).is_some());
		Compute::do_try_state().unwrap();
	});
}

#[test]
#[should_panic(expected = "genesis worker 99 does not exist")]
fn a_genesis_worker_that_does_not_exist_is_refused() {
	with_genesis_workers(vec![99]);
}

#[test]
#[should_panic(expected = "NotComputeDevice")]
fn a_genesis_worker_of_another_kind_is_refused() {
	with_genesis_workers(vec![STORAGE]);
}

#[test]
#[should_panic(expected = "AlreadyEnrolled")]
fn a_genesis_worker_named_twice_is_refused() {
	with_genesis_workers(vec![WORKER, WORKER]);
}

#[test]
fn enroll_works_for_owner_and_manager() {
	ExtBuilder.build_and_execute(|| {
		assert_ok!(Compute::enroll(RuntimeOrigin::signed(MANAGER), WORKER));
		assert_eq!(last_event(), crate::Event::Enrolled { device: WORKER, first_challenge: 1 });
		assert_eq!(
			worker(WORKER),
			WorkerState {
				enrolled_in: 0,
				epoch: 0,
				status: WorkStatus::NotChallenged,
				..Default::default()
			}
		);
		assert_ok!(Compute::enroll(RuntimeOrigin::signed(DAVE), SMALL_WORKER));
	});
}

#[test]
fn enroll_fails_for_bad_devices_and_callers() {
	ExtBuilder.build_and_execute(|| {
		assert_noop!(
			Compute::enroll(RuntimeOrigin::signed(ALICE), 99),
			Error::<Test>::UnknownDevice
		);
		assert_noop!(
			Compute::enroll(RuntimeOrigin::signed(BOB), WORKER),
			Error::<Test>::NotDeviceOperator
		);
		assert_noop!(
			Compute::enroll(RuntimeOrigin::signed(CHARLIE), STORAGE),
			Error::<Test>::NotComputeDevice
		);
		assert_ok!(Devices::suspend(RuntimeOrigin::root(), BIG_WORKER));
		assert_noop!(
			Compute::enroll(RuntimeOrigin::signed(BOB), BIG_WORKER),
			Error::<Test>::DeviceNotActive
		);
		enroll(WORKER);
		assert_noop!(
			Compute::enroll(RuntimeOrigin::signed(ALICE), WORKER),
			Error::<Test>::AlreadyEnrolled
		);
		assert_noop!(Compute::enroll(RuntimeOrigin::none(), WORKER), DispatchError::BadOrigin);
	});
}

#[test]
fn workload_size_follows_capacity_within_bounds() {
	ExtBuilder.build_and_execute(|| {
		assert_eq!(Compute::segments_for(0), 1);
		assert_eq!(Compute::segments_for(1), 2);
		assert_eq!(Compute::segments_for(4), 8);
		// 2^MaxTreeDepth.
		assert_eq!(Compute::segments_for(100), 16);
		assert_eq!(Compute::segments_for(u64::MAX), 16);
	});
}

// ---- Honest work ------------------------------------------------------------------------

#[test]
fn a_proven_workload_passes_the_audit_and_earns_nothing() {
	ExtBuilder.build_and_execute(|| {
		enroll(WORKER);
		run_to_epoch(1);
		let workload = Workload::run(WORKER, &[]);
		commit(&workload);
		assert!(compute_events().contains(&crate::Event::WorkCommitted {
			device: WORKER,
			epoch: 1,
			root: workload.root(),
			segments: 8,
		}));
		assert_eq!(
			worker(WORKER).status,
			WorkStatus::Committed(WorkCommitment {
				root: workload.root(),
				segments: 8,
				segment_len: 16
			})
		);
		// Nothing sampled before the seed.
		assert!(Compute::work_challenge(WORKER).unwrap().sampled.is_empty());
		run_to_reveal();
		let sampled = Compute::work_challenge(WORKER).unwrap().sampled;
		assert_eq!(sampled.len(), 3);
		assert!(sampled.iter().all(|&s| s < 8));
		reveal(workload.reveal());
		assert!(compute_events().contains(&crate::Event::WorkProven {
			device: WORKER,
			epoch: 1,
			segments: 8
		}));
		assert_eq!(worker(WORKER).status, WorkStatus::Proven);
		assert_eq!(proven(), vec![(WORKER, 1, 8)]);
	});
}

#[test]
fn segment_zero_starts_at_the_workload_start_outside_the_tree() {
	ExtBuilder.build_and_execute(|| {
		// Two segments, three samples: segment 0 is all but certainly among them.
		enroll(SMALL_WORKER);
		run_to_epoch(1);
		let workload = Workload::run(SMALL_WORKER, &[]);
		commit(&workload);
		run_to_reveal();
		let reveal_ = workload.reveal();
		assert!(reveal_.segments.iter().any(|s| s.index == 0 && s.start == workload.start));
		reveal(reveal_);
		assert_eq!(worker(SMALL_WORKER).status, WorkStatus::Proven);
	});
}

#[test]
fn reveals_and_commitments_are_batched_for_many_devices() {
	ExtBuilder.build_and_execute(|| {
		enroll(WORKER);
		enroll(BIG_WORKER);
		enroll(SMALL_WORKER);
		run_to_epoch(1);
		let workloads: Vec<_> =
			[WORKER, BIG_WORKER, SMALL_WORKER].map(|d| Workload::run(d, &[])).into();
		assert_ok!(Compute::commit_work(
			RuntimeOrigin::signed(CHARLIE),
			BoundedVec::truncate_from(workloads.iter().map(|w| w.commit()).collect())
		));
		assert_eq!(last_event(), crate::Event::BatchProcessed { accepted: 3, rejected: 0 });
		run_to_reveal();
		// One bad reveal does not fail the others.
		let mut bad = workloads[1].reveal();
		bad.segments[0].end = H256::repeat_byte(1);
		let batch = vec![workloads[0].reveal(), bad, workloads[2].reveal()];
		System::reset_events();
		assert_ok!(Compute::reveal_work(
			RuntimeOrigin::signed(CHARLIE),
			BoundedVec::truncate_from(batch)
		));
		assert_eq!(rejections(), vec![(BIG_WORKER, Error::<Test>::InvalidMerkleProof.into())]);
		assert_eq!(last_event(), crate::Event::BatchProcessed { accepted: 2, rejected: 1 });
		assert_eq!(proven(), vec![(WORKER, 1, 8), (SMALL_WORKER, 1, 2)]);
	});
}

// ---- Faked work -------------------------------------------------------------------------

#[test]
fn a_wrong_checkpoint_is_caught_when_sampled() {
	ExtBuilder.build_and_execute(|| {
		enroll(WORKER);
		run_to_epoch(1);
		let deposit = deposit_of(WORKER);
		// Every checkpoint made up: whatever is sampled is wrong.
		let all: Vec<u32> = (0..8).collect();
		let workload = Workload::run(WORKER, &all);
		commit(&workload);
		run_to_reveal();
		let sampled = Compute::work_challenge(WORKER).unwrap().sampled;
		reveal(workload.reveal());
		assert!(compute_events().contains(&crate::Event::WorkFaked {
			device: WORKER,
			epoch: 1,
			segment: sampled[0],
		}));
		assert_eq!(worker(WORKER).status, WorkStatus::Faked);
		assert!(matches!(status_of(WORKER), DeviceStatus::Suspended));
		assert_eq!(deposit_of(WORKER), deposit - Perbill::from_percent(50).mul_floor(deposit));
		assert!(proven().is_empty());
		// No second try.
		assert_reveal_rejected(
			Workload::run(WORKER, &[]).reveal_of(&sampled),
			Error::<Test>::DeviceNotActive,
		);
	});
}

#[test]
fn a_skipped_segment_is_caught_exactly_when_sampled() {
	ExtBuilder.build_and_execute(|| {
		enroll(BIG_WORKER);
		let (mut caught, mut missed) = (0, 0);
		for epoch in 1..=12u32 {
			run_to_epoch(epoch);
			// Checkpoint 5 made up: segments 5 (its end) and 6 (its start) give it away.
			let workload = Workload::run(BIG_WORKER, &[5]);
			commit(&workload);
			run_to_reveal();
			let sampled = Compute::work_challenge(BIG_WORKER).unwrap().sampled;
			reveal(workload.reveal());
			let exposed = sampled.iter().any(|&s| s == 5 || s == 6);
			if exposed {
				caught += 1;
				assert_eq!(worker(BIG_WORKER).status, WorkStatus::Faked);
				assert_ok!(Devices::resume(RuntimeOrigin::root(), BIG_WORKER));
			} else {
				missed += 1;
				assert_eq!(worker(BIG_WORKER).status, WorkStatus::Proven);
			}
		}
		// With 2 of 16 segments exposing it and 3 samples, about a third of the epochs catch
		// it; both outcomes occur over these twelve.
		assert!(caught > 0 && missed > 0, "caught {caught}, missed {missed}");
	});
}

#[test]
fn sampling_catches_a_skipped_fraction_as_the_readme_says() {
	// 1,000 segments of which the first 10 % were skipped (their checkpoints made up): a
	// reveal is caught when a sample lands in them. Over 4,000 roots, the share caught with
	// s samples is 1 − (1 − f)^s.
	sp_io::TestExternalities::default().execute_with(|| {
		for samples in [1u32, 4, 8] {
			let caught = (0..4_000u32)
				.filter(|r| {
					let root = sp_io::hashing::blake2_256(&r.to_le_bytes());
					(0..samples).any(|i| {
						work::sample_segment::<crate::RuntimeHasher>(&[7; 32], 3, &root, i, 1_000)
							.unwrap() < 100
					})
				})
				.count();
			let expected = work::detection_probability(0.1, samples);
			let measured = caught as f64 / 4_000.0;
			assert!((measured - expected).abs() < 0.03, "s = {samples}: {measured} vs {expected}");
		}
		assert_eq!(work::sample_segment::<crate::RuntimeHasher>(&[7; 32], 3, &[1; 32], 0, 0), None);
	});
}

#[test]
fn detection_probability_table() {
	let p = |f, s| (work::detection_probability(f, s) * 1_000.0).round() / 10.0;
	assert_eq!([p(0.01, 4), p(0.01, 8), p(0.01, 16)], [3.9, 7.7, 14.9]);
	assert_eq!([p(0.1, 4), p(0.1, 8), p(0.1, 16)], [34.4, 57.0, 81.5]);
	assert_eq!([p(0.5, 4), p(0.5, 8), p(0.5, 16)], [93.8, 99.6, 100.0]);
}

// ---- Commitment errors ------------------------------------------------------------------

#[test]
fn commit_work_fails_on_an_empty_batch() {
	ExtBuilder.build_and_execute(|| {
		assert_noop!(
			Compute::commit_work(RuntimeOrigin::signed(CHARLIE), BoundedVec::new()),
			Error::<Test>::EmptyBatch
		);
		assert_noop!(
			Compute::commit_work(RuntimeOrigin::none(), BoundedVec::new()),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn commitments_are_rejected_outside_the_epoch_and_window() {
	ExtBuilder.build_and_execute(|| {
		enroll(WORKER);
		run_to_epoch(2);
		let workload = Workload::run(WORKER, &[]);
		let mut future = workload.commit();
		future.epoch = 3;
		assert_commit_rejected(future, Error::<Test>::EpochNotStarted);
		let mut stale = workload.commit();
		stale.epoch = 1;
		assert_commit_rejected(stale, Error::<Test>::StaleEpoch);
		run_to_reveal();
		assert_commit_rejected(workload.commit(), Error::<Test>::CommitWindowClosed);
	});
}

#[test]
fn commitments_close_once_the_reveal_seed_is_drawn_even_if_the_window_grows() {
	ExtBuilder.build_and_execute(|| {
		enroll(WORKER);
		run_to_epoch(1);
		let workload = Workload::run(WORKER, &[]);
		run_to_reveal();
		// Governance lengthens the commit window after the seed was drawn: `reveal_at` moves
		// past the current block...
		CommitWindow::set(6);
		assert!(System::block_number() < Compute::reveal_at(10));
		// ...but the sample is public, and a commitment could be made to fit it.
		assert_commit_rejected(workload.commit(), Error::<Test>::CommitWindowClosed);
		CommitWindow::set(4);
	});
}

#[test]
fn commitments_are_rejected_for_devices_not_challenged() {
	ExtBuilder.build_and_execute(|| {
		enroll(WORKER);
		// Enrolled in this epoch: challenged from the next.
		assert_commit_rejected(Workload::run(WORKER, &[]).commit(), Error::<Test>::NotChallenged);
		run_to_epoch(1);
		assert_commit_rejected(Workload::run(BIG_WORKER, &[]).commit(), Error::<Test>::NotEnrolled);
		let mut unknown = Workload::run(WORKER, &[]).commit();
		unknown.device = 99;
		assert_commit_rejected(unknown, Error::<Test>::UnknownDevice);
		let mut storage = Workload::run(WORKER, &[]).commit();
		storage.device = STORAGE;
		assert_commit_rejected(storage, Error::<Test>::NotComputeDevice);
		assert_ok!(Devices::suspend(RuntimeOrigin::root(), WORKER));
		assert_commit_rejected(Workload::run(WORKER, &[]).commit(), Error::<Test>::DeviceNotActive);
		// Resumed during the epoch: challenged from the next.
		assert_ok!(Devices::resume(RuntimeOrigin::root(), WORKER));
		enroll(SMALL_WORKER);
		run_to_epoch(2);
		assert_ok!(Devices::suspend(RuntimeOrigin::root(), SMALL_WORKER));
		assert_commit_rejected(
			Workload::run(SMALL_WORKER, &[]).commit(),
			Error::<Test>::DeviceNotActive,
		);
		assert_ok!(Devices::resume(RuntimeOrigin::root(), SMALL_WORKER));
		assert_commit_rejected(
			Workload::run(SMALL_WORKER, &[]).commit(),
			Error::<Test>::NotChallenged,
		);
	});
}

#[test]
fn commitments_need_the_device_signature_and_come_once() {
	ExtBuilder.build_and_execute(|| {
		enroll(WORKER);
		run_to_epoch(1);
		let workload = Workload::run(WORKER, &[]);
		// Signed by another key.
		let mut forged = workload.commit();
		forged.signature =
			key_of(BIG_WORKER).sign(&Compute::commit_message(WORKER, 1, workload.root(), 8, 16));
		assert_commit_rejected(forged, Error::<Test>::BadSignature);
		// Another root than the one signed.
		let mut swapped = workload.commit();
		swapped.root = H256::repeat_byte(9);
		assert_commit_rejected(swapped, Error::<Test>::BadSignature);
		// Signed for a smaller workload than the chain asks.
		let mut smaller = workload.commit();
		smaller.signature =
			key_of(WORKER).sign(&Compute::commit_message(WORKER, 1, workload.root(), 4, 16));
		assert_commit_rejected(smaller, Error::<Test>::BadSignature);
		commit(&workload);
		assert_commit_rejected(workload.commit(), Error::<Test>::AlreadyCommitted);
	});
}

// ---- Reveal errors ----------------------------------------------------------------------

#[test]
fn reveal_work_fails_on_an_empty_batch() {
	ExtBuilder.build_and_execute(|| {
		assert_noop!(
			Compute::reveal_work(RuntimeOrigin::signed(CHARLIE), BoundedVec::new()),
			Error::<Test>::EmptyBatch
		);
	});
}

#[test]
fn reveals_are_rejected_outside_the_reveal_window() {
	ExtBuilder.build_and_execute(|| {
		enroll(WORKER);
		run_to_epoch(1);
		let workload = Workload::run(WORKER, &[]);
		commit(&workload);
		// Before the seed: any reveal is a guess.
		assert_reveal_rejected(workload.reveal_of(&[0, 1, 2]), Error::<Test>::RevealNotOpen);
		run_to_reveal();
		let honest = workload.reveal();
		let mut future = honest.clone();
		future.epoch = 2;
		assert_reveal_rejected(future, Error::<Test>::EpochNotStarted);
		let mut stale = honest.clone();
		stale.epoch = 0;
		assert_reveal_rejected(stale, Error::<Test>::StaleEpoch);
		// The deadline is block 17.
		run_to_block(18);
		assert_reveal_rejected(honest, Error::<Test>::DeadlinePassed);
	});
}

#[test]
fn the_reveal_seed_comes_from_a_block_that_took_no_commitment() {
	ExtBuilder.build_and_execute(|| {
		// As in the runtime: the parent block's VRF output, which its author knew while
		// choosing the block's transactions.
		depin_test_utils::randomness_from_parent(true);
		enroll(WORKER);
		run_to_epoch(1);
		let reveal_at = Compute::reveal_at(10);
		// A commitment in the commit window's last block is accepted...
		run_to_block(reveal_at - 1);
		let workload = Workload::run(WORKER, &[]);
		commit(&workload);
		// ...so that block's output must not seed the sample: no seed at `reveal_at`...
		run_to_block(reveal_at);
		assert_eq!(Compute::reveal_seed(1), None);
		assert_reveal_rejected(workload.reveal_of(&[0, 1, 2]), Error::<Test>::RevealNotOpen);
		// ...but at the next block, from the output of block `reveal_at`, which took none.
		run_to_block(reveal_at + 1);
		let random = H256(sp_io::hashing::blake2_256(
			&(REVEAL_SUBJECT, depin_test_utils::vrf_output(reveal_at)).encode(),
		));
		let expected = H256(sp_io::hashing::blake2_256(&(REVEAL_SUBJECT, 1u32, random).encode()));
		assert_eq!(Compute::reveal_seed(1), Some(expected));
		assert_eq!(last_event(), crate::Event::RevealSeedDrawn { epoch: 1, seed: expected });
		assert_ok!(Compute::reveal_work(
			RuntimeOrigin::signed(CHARLIE),
			BoundedVec::truncate_from(vec![workload.reveal()])
		));
		assert_eq!(worker(WORKER).status, WorkStatus::Proven);
		depin_test_utils::randomness_from_parent(false);
	});
}

#[test]
fn reveals_are_rejected_without_a_commitment_or_twice() {
	ExtBuilder.build_and_execute(|| {
		enroll(WORKER);
		enroll(BIG_WORKER);
		run_to_epoch(1);
		let workload = Workload::run(WORKER, &[]);
		commit(&workload);
		run_to_reveal();
		// BIG_WORKER's record has not entered epoch 1 (no sweep ran, it committed nothing): its
		// reveal is refused as the record stands, and settles nothing.
		let stale = crate::Workers::<Test>::get(BIG_WORKER).unwrap();
		assert_eq!(stale.epoch, 0);
		assert_reveal_rejected(
			Workload::run(BIG_WORKER, &[]).reveal_of(&[0, 1, 2]),
			Error::<Test>::NotCommitted,
		);
		assert_eq!(crate::Workers::<Test>::get(BIG_WORKER), Some(stale), "nothing settled");
		assert_reveal_rejected(
			Workload::run(SMALL_WORKER, &[]).reveal_of(&[0, 1, 0]),
			Error::<Test>::NotEnrolled,
		);
		let mut unknown = workload.reveal();
		unknown.device = 99;
		assert_reveal_rejected(unknown, Error::<Test>::UnknownDevice);
		let honest = workload.reveal();
		reveal(honest.clone());
		assert_eq!(proven().len(), 1);
		System::reset_events();
		assert_ok!(Compute::reveal_work(
			RuntimeOrigin::signed(CHARLIE),
			BoundedVec::truncate_from(vec![honest])
		));
		assert_eq!(rejections(), vec![(WORKER, Error::<Test>::AlreadyRevealed.into())]);
		assert!(proven().is_empty(), "proven once");
	});
}

#[test]
fn reveals_must_answer_exactly_the_sampled_segments() {
	ExtBuilder.build_and_execute(|| {
		enroll(WORKER);
		run_to_epoch(1);
		let workload = Workload::run(WORKER, &[]);
		commit(&workload);
		run_to_reveal();
		let sampled = Compute::work_challenge(WORKER).unwrap().sampled;
		assert_reveal_rejected(workload.reveal_of(&sampled[..2]), Error::<Test>::WrongSampleCount);
		let mut other = sampled.clone();
		other[1] = (other[1] + 1) % 8;
		assert_reveal_rejected(workload.reveal_of(&other), Error::<Test>::WrongSegment);
	});
}

#[test]
fn reveals_are_rejected_for_bad_proofs_and_starts() {
	ExtBuilder.build_and_execute(|| {
		enroll(WORKER);
		run_to_epoch(1);
		let workload = Workload::run(WORKER, &[]);
		commit(&workload);
		run_to_reveal();
		let honest = workload.reveal();
		// Eight segments (a tree of depth 3), three samples: at most 2 × 3 × 3 hashes.
		assert!(!honest.proof.is_empty() && honest.proof.len() <= 18);

		// More hashes than the paths of two checkpoints a segment: refused before hashing.
		let mut long = honest.clone();
		long.proof = BoundedVec::truncate_from(vec![H256::zero(); 19]);
		assert_eq!(long.proof.len(), 19);
		assert_reveal_rejected(long, Error::<Test>::WrongPathLength);
		// As many as that is checked, and wrong.
		let mut most = honest.clone();
		most.proof = BoundedVec::truncate_from(vec![H256::zero(); 18]);
		assert_reveal_rejected(most, Error::<Test>::InvalidMerkleProof);

		let mut short = honest.clone();
		short.proof.pop();
		assert_reveal_rejected(short, Error::<Test>::InvalidMerkleProof);

		let mut extra = honest.clone();
		extra.proof.try_push(H256::zero()).unwrap();
		assert_reveal_rejected(extra, Error::<Test>::InvalidMerkleProof);

		let mut end = honest.clone();
		end.segments[2].end = H256::repeat_byte(3);
		assert_reveal_rejected(end, Error::<Test>::InvalidMerkleProof);

		let mut sibling = honest.clone();
		sibling.proof[0] = H256::repeat_byte(3);
		assert_reveal_rejected(sibling, Error::<Test>::InvalidMerkleProof);

		// A start checkpoint that is not in the tree (for a segment other than 0).
		let mut start = honest.clone();
		let s = start.segments.iter_mut().find(|s| s.index > 0).unwrap();
		s.start = H256::repeat_byte(4);
		assert_reveal_rejected(start, Error::<Test>::InvalidMerkleProof);

		assert_eq!(
			worker(WORKER).status,
			WorkStatus::Committed(WorkCommitment {
				root: workload.root(),
				segments: 8,
				segment_len: 16
			})
		);
		reveal(honest);
		assert_eq!(worker(WORKER).status, WorkStatus::Proven);
	});
}

#[test]
fn segment_zero_must_start_at_the_workload_start() {
	ExtBuilder.build_and_execute(|| {
		enroll(SMALL_WORKER);
		run_to_epoch(1);
		let workload = Workload::run(SMALL_WORKER, &[]);
		commit(&workload);
		run_to_reveal();
		let mut reveal_ = workload.reveal();
		let zero = reveal_.segments.iter_mut().find(|s| s.index == 0).expect("segment 0 sampled");
		zero.start = H256::repeat_byte(5);
		assert_reveal_rejected(reveal_, Error::<Test>::WrongStart);
	});
}

// ---- Unrevealed commitments ------------------------------------------------------------

/// `device` committed to a workload in epoch 1 whose every checkpoint is made up, saw from
/// the public challenge that revealing would get it caught, and kept quiet.
fn commit_and_stay_quiet(device: u64) {
	enroll(device);
	run_to_epoch(1);
	let all: Vec<u32> = (0..8).collect();
	commit(&Workload::run(device, &all));
	run_to_reveal();
	assert!(!Compute::work_challenge(device).unwrap().sampled.is_empty());
}

#[test]
fn an_unrevealed_commitment_costs_what_a_caught_fake_costs() {
	ExtBuilder.build_and_execute(|| {
		let deposit = deposit_of(WORKER);
		commit_and_stay_quiet(WORKER);
		// Settled by the idle sweep once the epoch is over.
		run_to_block_with_idle(21, frame_support::weights::Weight::MAX);
		assert!(
			compute_events().contains(&crate::Event::WorkUnrevealed { device: WORKER, epoch: 1 })
		);
		assert!(matches!(status_of(WORKER), DeviceStatus::Suspended));
		// The fraud slash of a caught fake (50 %), as `a_wrong_checkpoint_is_caught_when_sampled`.
		assert_eq!(deposit_of(WORKER), deposit - Perbill::from_percent(50).mul_floor(deposit));
		assert_eq!(pallet_devices::Devices::<Test>::get(WORKER).unwrap().faults, 1);
		assert!(proven().is_empty());
	});
}

/// WORKER's commitment of epoch 1, as if made under a runtime whose segments were 64 steps
/// (the mock's are 16), with the upgrade that changed them in force from epoch `since`; run to
/// the reveal seed. Returns the workload.
fn commit_before_an_upgrade(since: EpochIndex) -> Workload {
	enroll(WORKER);
	run_to_epoch(1);
	let workload = Workload::run(WORKER, &[]);
	commit(&workload);
	let mut state = worker(WORKER);
	let WorkStatus::Committed(mut commitment) = state.status else { panic!("committed") };
	commitment.segment_len = 64;
	state.status = WorkStatus::Committed(commitment);
	Workers::<Test>::insert(WORKER, state);
	crate::SegmentLengthSince::<Test>::put(crate::LengthSince { segment_len: 16, epoch: since });
	run_to_reveal();
	workload
}

#[test]
fn a_commitment_caught_by_an_upgrade_changing_the_segment_length_is_excused() {
	ExtBuilder.build_and_execute(|| {
		let deposit = deposit_of(WORKER);
		// The upgrade came in epoch 1's reveal window: the commitment cannot be revealed.
		let workload = commit_before_an_upgrade(1);
		// The challenge shows the commitment's own shape and nothing to reveal.
		let challenge = Compute::work_challenge(WORKER).unwrap();
		assert_eq!((challenge.segments, challenge.segment_len), (8, 64));
		assert!(challenge.sampled.is_empty());
		// A reveal is not recomputed at the weight of 16-step segments...
		let WorkStatus::Committed(commitment) = worker(WORKER).status else { panic!() };
		let seed = Compute::reveal_seed(1).unwrap();
		let sampled: Vec<u32> = (0..Compute::samples())
			.map(|i| Compute::sampled_segment(&seed, WORKER, &commitment, i).unwrap())
			.collect();
		assert_reveal_rejected(workload.reveal_of(&sampled), Error::<Test>::WorkloadChanged);
		// ...and the epoch is neither a fault nor an unrevealed workload when settled.
		run_to_block_with_idle(21, frame_support::weights::Weight::MAX);
		assert_eq!(worker(WORKER).epoch, 2);
		assert!(!compute_events().iter().any(|e| matches!(
			e,
			crate::Event::WorkUnrevealed { .. } | crate::Event::FaultsRecorded { .. }
		)));
		assert_eq!(deposit_of(WORKER), deposit);
		assert!(matches!(status_of(WORKER), DeviceStatus::Active));
		assert_eq!(pallet_devices::Devices::<Test>::get(WORKER).unwrap().faults, 0);
		assert_eq!(worker(WORKER).consecutive_faults, 0);
	});
}

#[test]
fn an_outdated_commitment_whose_window_closed_before_the_upgrade_is_punished_if_unrevealed() {
	ExtBuilder.build_and_execute(|| {
		let deposit = deposit_of(WORKER);
		// The upgrade came after epoch 1's deadline: its reveal window was all under the runtime
		// the commitment was made for. Left unrevealed, it is punished as any other, by the
		// sweep or when its device leaves.
		commit_before_an_upgrade(2);
		run_to_block_with_idle(21, frame_support::weights::Weight::MAX);
		assert!(
			compute_events().contains(&crate::Event::WorkUnrevealed { device: WORKER, epoch: 1 })
		);
		assert!(matches!(status_of(WORKER), DeviceStatus::Suspended));
		assert_eq!(deposit_of(WORKER), deposit - Perbill::from_percent(50).mul_floor(deposit));
	});
}

#[test]
fn an_upgrade_records_the_first_epoch_a_new_segment_length_catches() {
	ExtBuilder.build_and_execute(|| {
		use crate::{LengthSince, SegmentLengthSince};
		use frame_support::traits::Hooks;
		// Genesis records the length in force.
		assert_eq!(
			SegmentLengthSince::<Test>::get(),
			Some(LengthSince { segment_len: 16, epoch: 0 })
		);
		run_to_epoch(1);
		// An upgrade that keeps the length changes nothing.
		Compute::on_runtime_upgrade();
		assert_eq!(
			SegmentLengthSince::<Test>::get(),
			Some(LengthSince { segment_len: 16, epoch: 0 })
		);
		// One that changes it (the record says 64) catches epoch 1 if its block is epoch 1's
		// deadline, the last block reveals are taken at (the hook runs at the number of the
		// block before)...
		let start = <Epochs as ProvingEpochs<u64>>::current().start;
		let deadline = <Epochs as ProvingEpochs<u64>>::deadline(start);
		let changed = || SegmentLengthSince::<Test>::put(LengthSince { segment_len: 64, epoch: 0 });
		changed();
		run_to_block(deadline - 1);
		Compute::on_runtime_upgrade();
		assert_eq!(
			SegmentLengthSince::<Test>::get(),
			Some(LengthSince { segment_len: 16, epoch: 1 })
		);
		// ...and not if its block is after the deadline: epoch 1's whole window ran under the
		// runtime before, so the next epoch is the first caught.
		changed();
		run_to_block(deadline);
		assert_eq!(current_epoch(), 1);
		Compute::on_runtime_upgrade();
		assert_eq!(
			SegmentLengthSince::<Test>::get(),
			Some(LengthSince { segment_len: 16, epoch: 2 })
		);
	});
}

#[test]
fn a_reveal_for_a_commitment_of_an_epoch_past_is_refused_and_settles_nothing() {
	ExtBuilder.build_and_execute(|| {
		commit_and_stay_quiet(WORKER);
		// Epoch 2 has begun and nobody has entered the record into it: it still holds epoch
		// 1's commitment.
		run_to_epoch(2);
		run_to_reveal();
		let stale = worker(WORKER);
		assert_eq!(stale.epoch, 1);
		assert!(matches!(stale.status, WorkStatus::Committed(_)));
		let mut late = Workload::run(WORKER, &[]).reveal_of(&[0, 1, 2]);
		late.epoch = 2;
		assert_reveal_rejected(late, Error::<Test>::NotCommitted);
		assert_eq!(worker(WORKER), stale, "nothing settled, nothing punished by a reveal");
		assert!(!compute_events().iter().any(|e| matches!(e, crate::Event::WorkUnrevealed { .. })));
	});
}

#[test]
fn withdrawing_after_the_deadline_does_not_dodge_the_unrevealed_penalty() {
	ExtBuilder.build_and_execute(|| {
		let deposit = deposit_of(WORKER);
		commit_and_stay_quiet(WORKER);
		run_to_block(18);
		assert_ok!(Compute::withdraw(RuntimeOrigin::signed(ALICE), WORKER));
		assert!(
			compute_events().contains(&crate::Event::WorkUnrevealed { device: WORKER, epoch: 1 })
		);
		assert_eq!(deposit_of(WORKER), deposit - Perbill::from_percent(50).mul_floor(deposit));
		assert!(matches!(status_of(WORKER), DeviceStatus::Suspended));
		assert!(Workers::<Test>::get(WORKER).is_none());
	});
}

#[test]
fn retiring_does_not_dodge_the_unrevealed_penalty() {
	ExtBuilder.build_and_execute(|| {
		let deposit = deposit_of(WORKER);
		commit_and_stay_quiet(WORKER);
		assert_ok!(Devices::deregister(RuntimeOrigin::signed(ALICE), WORKER));
		run_to_block_with_idle(21, frame_support::weights::Weight::MAX);
		assert!(
			compute_events().contains(&crate::Event::WorkUnrevealed { device: WORKER, epoch: 1 })
		);
		// Slashed out of the deposit it unbonds.
		assert_eq!(deposit_of(WORKER), deposit - Perbill::from_percent(50).mul_floor(deposit));
		assert!(matches!(status_of(WORKER), DeviceStatus::Retired { .. }));
	});
}

#[test]
fn selling_a_device_does_not_pass_an_unrevealed_commitment_to_the_buyer() {
	ExtBuilder.build_and_execute(|| {
		let deposit = deposit_of(WORKER);
		commit_and_stay_quiet(WORKER);
		let seller = Balances::free_balance(ALICE);
		assert_ok!(Devices::transfer_ownership(RuntimeOrigin::signed(ALICE), WORKER, Some(BOB)));
		assert_ok!(Devices::accept_ownership(RuntimeOrigin::signed(BOB), WORKER));
		// Punished at the sale, out of the seller's deposit: it gets back half.
		assert!(
			compute_events().contains(&crate::Event::WorkUnrevealed { device: WORKER, epoch: 1 })
		);
		let slashed = Perbill::from_percent(50).mul_floor(deposit);
		assert_eq!(Balances::free_balance(ALICE), seller + deposit - slashed);
		assert!(matches!(status_of(WORKER), DeviceStatus::Suspended));
		// The buyer's deposit is whole, and stays so past the deadline.
		let bought = deposit_of(WORKER);
		System::reset_events();
		run_to_block_with_idle(31, frame_support::weights::Weight::MAX);
		assert_eq!(deposit_of(WORKER), bought);
		let unrevealed = compute_events()
			.iter()
			.filter(|e| matches!(e, crate::Event::WorkUnrevealed { .. }))
			.count();
		assert_eq!(unrevealed, 0, "punished once, at the sale");
	});
}

#[test]
fn moving_does_not_dodge_the_unrevealed_penalty() {
	ExtBuilder.build_and_execute(|| {
		let deposit = deposit_of(WORKER);
		commit_and_stay_quiet(WORKER);
		assert_ok!(Devices::update_location(
			RuntimeOrigin::signed(ALICE),
			WORKER,
			0x8c1fb46625551ff
		));
		// The commitment stays with the device; unrevealed at the deadline, it is punished.
		run_to_block_with_idle(21, frame_support::weights::Weight::MAX);
		assert!(
			compute_events().contains(&crate::Event::WorkUnrevealed { device: WORKER, epoch: 1 })
		);
		assert_eq!(deposit_of(WORKER), deposit - Perbill::from_percent(50).mul_floor(deposit));
	});
}

// ---- Faults -----------------------------------------------------------------------------

#[test]
fn missed_epochs_are_faults_counted_when_the_device_is_next_touched() {
	ExtBuilder.build_and_execute(|| {
		enroll(WORKER);
		// The idle sweep enters it into epoch 1, where it is audited and never answers.
		run_to_block_with_idle(11, frame_support::weights::Weight::MAX);
		assert_eq!(worker(WORKER).status, WorkStatus::Challenged);
		run_to_epoch(2);
		let challenge = Compute::work_challenge(WORKER).unwrap();
		assert_eq!(challenge.consecutive_faults, 1, "epoch 1, not recorded yet");
		assert_eq!(pallet_devices::Devices::<Test>::get(WORKER).unwrap().faults, 0);
		System::reset_events();
		commit(&Workload::run(WORKER, &[]));
		assert!(compute_events().contains(&crate::Event::FaultsRecorded {
			device: WORKER,
			missed: 1,
			consecutive: 1
		}));
		assert_eq!(pallet_devices::Devices::<Test>::get(WORKER).unwrap().faults, 1);
		// Proving resets the run.
		run_to_reveal();
		reveal(Workload::run(WORKER, &[]).reveal());
		run_to_epoch(3);
		commit(&Workload::run(WORKER, &[]));
		assert_eq!(worker(WORKER).consecutive_faults, 0);
	});
}

#[test]
fn an_epoch_nobody_entered_a_worker_into_is_not_held_against_it() {
	ExtBuilder.build_and_execute(|| {
		enroll(WORKER);
		// No touch and no idle time in epochs 1 and 2: whether it was audited in them is not
		// known any more (only the current seed is), so they are not counted.
		run_to_epoch(3);
		assert_eq!(Compute::work_challenge(WORKER).unwrap().consecutive_faults, 0);
		System::reset_events();
		commit(&Workload::run(WORKER, &[]));
		assert!(!compute_events().iter().any(|e| matches!(e, crate::Event::FaultsRecorded { .. })));
		assert_eq!(pallet_devices::Devices::<Test>::get(WORKER).unwrap().faults, 0);
	});
}

#[test]
fn the_fault_threshold_suspends_and_slashes() {
	ExtBuilder.build_and_execute(|| {
		enroll(WORKER);
		let deposit = deposit_of(WORKER);
		// The sweep enters it into epochs 1, 2 and 3 and records the first two.
		run_to_block_with_idle(39, frame_support::weights::Weight::MAX);
		assert_eq!(worker(WORKER).consecutive_faults, 2);
		run_to_epoch(4);
		System::reset_events();
		assert_ok!(Compute::commit_work(
			RuntimeOrigin::signed(CHARLIE),
			BoundedVec::truncate_from(vec![Workload::run(WORKER, &[]).commit()])
		));
		assert_eq!(rejections(), vec![(WORKER, Error::<Test>::DeviceNotActive.into())]);
		assert!(compute_events()
			.contains(&crate::Event::SuspendedForFaults { device: WORKER, consecutive: 3 }));
		assert!(matches!(status_of(WORKER), DeviceStatus::Suspended));
		assert_eq!(deposit_of(WORKER), deposit - Perbill::from_percent(10).mul_floor(deposit));
		assert_eq!(worker(WORKER).consecutive_faults, 0);
	});
}

// ---- Sampled audits ---------------------------------------------------------------------

/// Whether the pallet's draw audits `device` in the epoch in progress.
fn drawn(device: pallet_devices::DeviceId) -> bool {
	Compute::audited(&<Epochs as ProvingEpochs<u64>>::current(), device)
}

#[test]
fn only_the_devices_an_epochs_draw_audits_are_challenged_in_it() {
	ExtBuilder.build_and_execute(|| {
		AuditRate::set(Perbill::from_percent(50));
		enroll(WORKER);
		let mut audited = 0u32;
		for epoch in 1..=24 {
			run_to_epoch(epoch);
			// The draw, the runtime API and what a commitment meets agree.
			let challenge = Compute::work_challenge(WORKER).unwrap();
			if drawn(WORKER) {
				audited += 1;
				assert_eq!(challenge.status, WorkStatus::Challenged, "epoch {epoch}");
				prove(WORKER);
			} else {
				assert_eq!(challenge.status, WorkStatus::NotChallenged, "epoch {epoch}");
				assert_commit_rejected(
					Workload::run(WORKER, &[]).commit(),
					Error::<Test>::NotChallenged,
				);
				// Not audited: nothing is open, so it may leave (and come back, challenged
				// from the epoch after, if drawn then).
				assert_ok!(Compute::withdraw(RuntimeOrigin::signed(ALICE), WORKER));
				enroll(WORKER);
			}
		}
		// About half of the 24 epochs, at random; none missed.
		assert!((6..=18).contains(&audited), "{audited} epochs audited");
		assert_eq!(pallet_devices::Devices::<Test>::get(WORKER).unwrap().faults, 0);
	});
}

#[test]
fn no_device_is_audited_at_a_zero_rate_and_misses_nothing() {
	ExtBuilder.build_and_execute(|| {
		AuditRate::set(Perbill::zero());
		enroll(WORKER);
		run_to_block_with_idle(60, frame_support::weights::Weight::MAX);
		assert_eq!(worker(WORKER).status, WorkStatus::NotChallenged);
		assert_commit_rejected(Workload::run(WORKER, &[]).commit(), Error::<Test>::NotChallenged);
		assert_eq!(pallet_devices::Devices::<Test>::get(WORKER).unwrap().faults, 0);
		// Retiring in an epoch it is not audited in misses nothing either.
		assert_ok!(Devices::deregister(RuntimeOrigin::signed(ALICE), WORKER));
		assert_eq!(pallet_devices::Devices::<Test>::get(WORKER).unwrap().faults, 0);
	});
}

#[test]
fn a_device_retiring_in_an_epoch_it_is_audited_in_misses_it() {
	ExtBuilder.build_and_execute(|| {
		enroll(WORKER);
		run_to_epoch(1);
		assert!(drawn(WORKER));
		assert_ok!(Devices::deregister(RuntimeOrigin::signed(ALICE), WORKER));
		assert_eq!(pallet_devices::Devices::<Test>::get(WORKER).unwrap().faults, 1);
	});
}

#[test]
fn the_idle_sweep_records_faults_of_untouched_devices() {
	ExtBuilder.build_and_execute(|| {
		enroll(WORKER);
		enroll(SMALL_WORKER);
		run_to_epoch(1);
		run_to_block_with_idle(21, frame_support::weights::Weight::MAX);
		assert_eq!(worker(WORKER).epoch, 2);
		assert_eq!(worker(SMALL_WORKER).epoch, 2);
		assert_eq!(pallet_devices::Devices::<Test>::get(WORKER).unwrap().faults, 1);
		assert!(matches!(Sweep::<Test>::get(), SweepState { epoch: 2, done: true, .. }));
		// No weight, no work.
		use frame_support::traits::Hooks;
		let none = frame_support::weights::Weight::zero();
		assert_eq!(<Compute as Hooks<u64>>::on_idle(21, none), none);
	});
}

#[test]
fn the_idle_sweep_counts_what_each_worker_cost() {
	ExtBuilder.build_and_execute(|| {
		use frame_support::traits::Hooks;
		use pallet_devices::DeviceRegistry;
		let db = <Test as frame_system::Config>::DbWeight::get();
		let step = Compute::settle_weight();
		let pass =
			|block| <Compute as Hooks<u64>>::on_idle(block, frame_support::weights::Weight::MAX);
		// The cursor's reads and write, and per worker its record read and written, its
		// status read and the audit draw.
		let overhead = db.reads_writes(2, 1);
		let each = db.reads_writes(2, 1) + Compute::audit_draw_weight();
		AuditRate::set(Perbill::zero());
		enroll(WORKER);
		enroll(SMALL_WORKER);
		run_to_epoch(1);
		// Neither is audited in epoch 1: nothing in the registry.
		assert_eq!(pass(10), overhead + each * 2);
		assert!(each.ref_time() < step.ref_time());
		// Both audited in epoch 2, and silent: each has a fault recorded in epoch 3.
		AuditRate::set(Perbill::one());
		run_to_epoch(2);
		assert_eq!(pass(20), overhead + each * 2);
		run_to_epoch(3);
		let missed = each + <Test as crate::Config>::Registry::record_faults_weight();
		assert_eq!(pass(30), overhead + missed * 2);
		assert_eq!(pallet_devices::Devices::<Test>::get(WORKER).unwrap().faults, 1);
		assert!(missed.ref_time() < step.ref_time());
		// The pass is done: the cursor's reads only.
		assert_eq!(pass(31), db.reads(2));
	});
}

#[test]
fn inactive_devices_collect_no_faults() {
	ExtBuilder.build_and_execute(|| {
		enroll(WORKER);
		assert_ok!(Devices::suspend(RuntimeOrigin::root(), WORKER));
		// The idle sweep settles it while suspended, as every block does.
		run_to_block_with_idle(50, frame_support::weights::Weight::MAX);
		assert_ok!(Devices::resume(RuntimeOrigin::root(), WORKER));
		assert_commit_rejected(Workload::run(WORKER, &[]).commit(), Error::<Test>::NotChallenged);
		assert_eq!(pallet_devices::Devices::<Test>::get(WORKER).unwrap().faults, 0);
		run_to_epoch(6);
		commit(&Workload::run(WORKER, &[]));
	});
}

// ---- Withdrawal -------------------------------------------------------------------------

#[test]
fn withdraw_waits_for_the_open_challenge() {
	ExtBuilder.build_and_execute(|| {
		enroll(WORKER);
		// Not challenged in its enrolment epoch: free to go at once.
		assert_ok!(Compute::withdraw(RuntimeOrigin::signed(MANAGER), WORKER));
		assert_eq!(last_event(), crate::Event::Withdrawn { device: WORKER });
		enroll(WORKER);
		run_to_epoch(1);
		assert_noop!(
			Compute::withdraw(RuntimeOrigin::signed(ALICE), WORKER),
			Error::<Test>::ChallengeOpen
		);
		assert_noop!(
			Compute::withdraw(RuntimeOrigin::signed(BOB), WORKER),
			Error::<Test>::NotDeviceOperator
		);
		prove(WORKER);
		assert_ok!(Compute::withdraw(RuntimeOrigin::signed(ALICE), WORKER));
		assert!(Workers::<Test>::get(WORKER).is_none());
		assert_noop!(
			Compute::withdraw(RuntimeOrigin::signed(ALICE), WORKER),
			Error::<Test>::NotEnrolled
		);
		// Past the deadline, a missed challenge is a fault, and then it may go.
		enroll(SMALL_WORKER);
		run_to_epoch(2);
		run_to_block(28);
		assert_ok!(Compute::withdraw(RuntimeOrigin::signed(DAVE), SMALL_WORKER));
	});
}

#[test]
fn a_removed_device_leaves_no_worker_behind() {
	ExtBuilder.build_and_execute(|| {
		enroll(WORKER);
		assert_ok!(Devices::deregister(RuntimeOrigin::signed(ALICE), WORKER));
		run_to_block(200);
		assert!(Workers::<Test>::contains_key(WORKER));
		assert_ok!(Devices::claim_deposit(RuntimeOrigin::signed(BOB), WORKER));
		assert!(!Workers::<Test>::contains_key(WORKER));
	});
}

#[test]
fn configured_bounds_hold() {
	ExtBuilder.build_and_execute(|| {
		assert_eq!(Compute::samples(), 3);
		assert_eq!(Compute::segment_len(), 16);
		assert_eq!(Compute::reveal_at(10), 14);
	});
}

// ---- Refunds ----------------------------------------------------------------------------

fn db() -> frame_support::weights::RuntimeDbWeight {
	<<Test as frame_system::Config>::DbWeight as frame_support::traits::Get<_>>::get()
}

#[test]
fn a_batch_of_commitments_pays_for_what_its_items_used() {
	use crate::weights::WeightInfo;
	ExtBuilder.build_and_execute(|| {
		enroll(WORKER);
		run_to_epoch(1);
		let good = Workload::run(WORKER, &[]).commit();
		let mut stale = good.clone();
		stale.epoch = 0;
		let commits = BoundedVec::truncate_from(vec![good, stale]);
		let charged = Compute::commits_weight(2);
		let post = Compute::commit_work(RuntimeOrigin::signed(CHARLIE), commits).unwrap();
		assert_eq!(last_event(), crate::Event::BatchProcessed { accepted: 1, rejected: 1 });
		// The first item settles the worker (behind since epoch 0: its record and status read,
		// the record written, the audit draw; it missed nothing) and is checked in full; the
		// second finds it settled (one read) and is refused before its signature.
		let settled = db().reads_writes(2, 1) + Compute::audit_draw_weight();
		assert!(settled.ref_time() < Compute::settle_weight().ref_time());
		// The batch's own weight reads the reveal seed.
		let used = <() as WeightInfo>::commit_work(0)
			+ db().reads(1)
			+ settled + Compute::commit_full_weight()
			+ db().reads(1)
			+ Compute::commit_cheap_weight();
		assert_eq!(post.actual_weight, Some(used));
		assert!(used.all_lt(charged));
	});
}
