// Test code: an overflow panics, which fails the test.
#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing, clippy::unwrap_used)]

use crate::{mock::*, pallet::*, types::*, work};
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold, BoundedVec};
use pallet_devices::{DeviceKind, DeviceStatus};
use sp_core::H256;
use sp_runtime::{DispatchError, Perbill, TokenError};

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
	assert!(points().is_empty());
}

/// Submit one receipt and check that it was rejected for `error` and changed nothing.
fn assert_receipt_rejected(receipt: crate::SignedReceiptOf<Test>, error: Error<Test>) {
	let job = receipt.receipt.job;
	let before = Compute::job(job);
	System::reset_events();
	submit(vec![receipt]);
	assert_eq!(rejections(), vec![(job, DispatchError::from(error))]);
	assert_eq!(Compute::job(job), before, "nothing recorded");
}

// ---- Enrolment ---------------------------------------------------------------------------

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
fn an_honest_workload_is_proven_and_earns_a_point_per_segment() {
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
			points: 8
		}));
		assert_eq!(worker(WORKER).status, WorkStatus::Proven);
		assert_eq!(points(), vec![(WORKER, DeviceKind::Compute, 1, 8)]);
	});
}

#[test]
fn segment_zero_starts_at_the_workload_start_without_a_path() {
	ExtBuilder.build_and_execute(|| {
		// Two segments, three samples: segment 0 is all but certainly among them.
		enroll(SMALL_WORKER);
		run_to_epoch(1);
		let workload = Workload::run(SMALL_WORKER, &[]);
		commit(&workload);
		run_to_reveal();
		let reveal_ = workload.reveal();
		assert!(reveal_.segments.iter().any(|s| s.index == 0 && s.start_path.is_empty()));
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
		assert_eq!(
			points(),
			vec![(WORKER, DeviceKind::Compute, 1, 8), (SMALL_WORKER, DeviceKind::Compute, 1, 2)]
		);
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
		assert!(points().is_empty());
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
fn reveals_are_rejected_without_a_commitment_or_twice() {
	ExtBuilder.build_and_execute(|| {
		enroll(WORKER);
		enroll(BIG_WORKER);
		run_to_epoch(1);
		let workload = Workload::run(WORKER, &[]);
		commit(&workload);
		run_to_reveal();
		assert_reveal_rejected(
			Workload::run(BIG_WORKER, &[]).reveal_of(&[0, 1, 2]),
			Error::<Test>::NotCommitted,
		);
		assert_reveal_rejected(
			Workload::run(SMALL_WORKER, &[]).reveal_of(&[0, 1, 0]),
			Error::<Test>::NotEnrolled,
		);
		let mut unknown = workload.reveal();
		unknown.device = 99;
		assert_reveal_rejected(unknown, Error::<Test>::UnknownDevice);
		let honest = workload.reveal();
		reveal(honest.clone());
		System::reset_events();
		assert_ok!(Compute::reveal_work(
			RuntimeOrigin::signed(CHARLIE),
			BoundedVec::truncate_from(vec![honest])
		));
		assert_eq!(rejections(), vec![(WORKER, Error::<Test>::AlreadyRevealed.into())]);
		assert_eq!(points().len(), 1, "paid once");
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
fn reveals_are_rejected_for_bad_paths_and_starts() {
	ExtBuilder.build_and_execute(|| {
		enroll(WORKER);
		run_to_epoch(1);
		let workload = Workload::run(WORKER, &[]);
		commit(&workload);
		run_to_reveal();
		let honest = workload.reveal();

		let mut short = honest.clone();
		short.segments[0].end_path.pop();
		assert_reveal_rejected(short, Error::<Test>::WrongPathLength);

		let mut end = honest.clone();
		end.segments[2].end = H256::repeat_byte(3);
		assert_reveal_rejected(end, Error::<Test>::InvalidMerkleProof);

		let mut sibling = honest.clone();
		sibling.segments[1].end_path[0] = H256::repeat_byte(3);
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
		assert_reveal_rejected(reveal_.clone(), Error::<Test>::WrongStart);
		let zero = reveal_.segments.iter_mut().find(|s| s.index == 0).unwrap();
		zero.start_path = BoundedVec::truncate_from(vec![H256::zero()]);
		assert_reveal_rejected(reveal_, Error::<Test>::WrongPathLength);
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
		assert!(points().is_empty());
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

// ---- Faults -----------------------------------------------------------------------------

#[test]
fn missed_epochs_are_faults_counted_when_the_device_is_next_touched() {
	ExtBuilder.build_and_execute(|| {
		enroll(WORKER);
		run_to_epoch(1);
		// Challenged, never answered: a fault (in epochs 1 and 2).
		run_to_epoch(3);
		let challenge = Compute::work_challenge(WORKER).unwrap();
		assert_eq!(challenge.consecutive_faults, 2, "epochs 1 and 2, not recorded yet");
		assert_eq!(pallet_devices::Devices::<Test>::get(WORKER).unwrap().faults, 0);
		System::reset_events();
		commit(&Workload::run(WORKER, &[]));
		assert!(compute_events().contains(&crate::Event::FaultsRecorded {
			device: WORKER,
			missed: 2,
			consecutive: 2
		}));
		assert_eq!(pallet_devices::Devices::<Test>::get(WORKER).unwrap().faults, 2);
		// Proving resets the run.
		run_to_reveal();
		reveal(Workload::run(WORKER, &[]).reveal());
		run_to_epoch(4);
		commit(&Workload::run(WORKER, &[]));
		assert_eq!(worker(WORKER).consecutive_faults, 0);
	});
}

#[test]
fn the_fault_threshold_suspends_and_slashes() {
	ExtBuilder.build_and_execute(|| {
		enroll(WORKER);
		let deposit = deposit_of(WORKER);
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

// ---- Jobs -------------------------------------------------------------------------------

const PRICE: Balance = 10;

fn open(device: u64, max_units: u64) -> JobId {
	let id = NextJobId::<Test>::get();
	assert_ok!(Compute::open_job(RuntimeOrigin::signed(CONSUMER), device, max_units, PRICE));
	id
}

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&RuntimeHoldReason::Compute(HoldReason::JobPayment), &who)
}

#[test]
fn open_job_holds_the_payment() {
	ExtBuilder.build_and_execute(|| {
		let job = open(WORKER, 100);
		assert_eq!(
			last_event(),
			crate::Event::JobOpened {
				job,
				consumer: CONSUMER,
				device: WORKER,
				max_units: 100,
				price: PRICE
			}
		);
		assert_eq!(held(CONSUMER), 1_000);
		assert_eq!(Compute::job(job).unwrap().status, JobStatus::Open);
		assert_eq!(open(WORKER, 1), job + 1);
	});
}

#[test]
fn open_job_fails_for_bad_terms_and_devices() {
	ExtBuilder.build_and_execute(|| {
		let consumer = RuntimeOrigin::signed(CONSUMER);
		assert_noop!(
			Compute::open_job(consumer.clone(), WORKER, 0, PRICE),
			Error::<Test>::EmptyJob
		);
		assert_noop!(Compute::open_job(consumer.clone(), WORKER, 5, 0), Error::<Test>::EmptyJob);
		assert_noop!(
			Compute::open_job(consumer.clone(), WORKER, u64::MAX, 2),
			Error::<Test>::Overflow
		);
		assert_noop!(
			Compute::open_job(consumer.clone(), 99, 5, PRICE),
			Error::<Test>::UnknownDevice
		);
		assert_noop!(
			Compute::open_job(consumer.clone(), STORAGE, 5, PRICE),
			Error::<Test>::NotComputeDevice
		);
		assert_noop!(
			Compute::open_job(consumer.clone(), WORKER, INITIAL_BALANCE, PRICE),
			TokenError::FundsUnavailable
		);
		assert_ok!(Devices::suspend(RuntimeOrigin::root(), WORKER));
		assert_noop!(Compute::open_job(consumer, WORKER, 5, PRICE), Error::<Test>::DeviceNotActive);
	});
}

#[test]
fn a_co_signed_receipt_pays_the_owner_after_the_dispute_window() {
	ExtBuilder.build_and_execute(|| {
		let job = open(WORKER, 100);
		run_to_block(3);
		submit(vec![signed_receipt(job, 60, 2)]);
		assert_eq!(last_event(), crate::Event::BatchProcessed { accepted: 1, rejected: 0 });
		assert!(compute_events().contains(&crate::Event::ReceiptAccepted {
			job,
			device: WORKER,
			units: 60,
			amount: 600,
			payable_at: 9
		}));
		// Nothing paid before the window has passed.
		run_to_block(8);
		assert_noop!(
			Compute::release_job(RuntimeOrigin::signed(BOB), job),
			Error::<Test>::DisputeWindowOpen
		);
		run_to_block(9);
		let alice = Balances::free_balance(ALICE);
		assert_ok!(Compute::release_job(RuntimeOrigin::signed(BOB), job));
		assert_eq!(
			last_event(),
			crate::Event::JobSettled { job, device: WORKER, paid: 600, refunded: 400, points: 60 }
		);
		assert_eq!(Balances::free_balance(ALICE), alice + 600);
		assert_eq!(held(CONSUMER), 0);
		assert_eq!(Balances::free_balance(CONSUMER), INITIAL_BALANCE - 600);
		assert_eq!(points(), vec![(WORKER, DeviceKind::Compute, 0, 60)]);
		assert!(Compute::job(job).is_none());
		assert_noop!(
			Compute::release_job(RuntimeOrigin::signed(BOB), job),
			Error::<Test>::UnknownJob
		);
	});
}

#[test]
fn a_receipt_is_accepted_once() {
	ExtBuilder.build_and_execute(|| {
		let job = open(WORKER, 100);
		let receipt = signed_receipt(job, 10, 1);
		submit(vec![receipt.clone()]);
		assert_receipt_rejected(receipt.clone(), Error::<Test>::AlreadySubmitted);
		// Twice in one batch: the second is rejected.
		let other = open(WORKER, 100);
		let twice = signed_receipt(other, 10, 1);
		System::reset_events();
		submit(vec![twice.clone(), twice]);
		assert_eq!(rejections(), vec![(other, Error::<Test>::AlreadySubmitted.into())]);
		assert_noop!(
			Compute::submit_receipts(RuntimeOrigin::signed(CHARLIE), BoundedVec::new()),
			Error::<Test>::EmptyBatch
		);
	});
}

#[test]
fn receipts_must_match_the_job() {
	ExtBuilder.build_and_execute(|| {
		let job = open(WORKER, 100);
		run_to_block(5);
		let mut receipt = signed_receipt(job, 10, 1).receipt;
		assert_receipt_rejected(
			sign_receipt(JobReceipt { job: 99, ..receipt.clone() }),
			Error::<Test>::UnknownJob,
		);
		receipt.consumer = BOB;
		assert_receipt_rejected(sign_receipt(receipt.clone()), Error::<Test>::ReceiptMismatch);
		receipt.consumer = CONSUMER;
		receipt.device = BIG_WORKER;
		assert_receipt_rejected(sign_receipt(receipt.clone()), Error::<Test>::ReceiptMismatch);
		receipt.device = WORKER;
		receipt.price = PRICE / 2;
		assert_receipt_rejected(sign_receipt(receipt.clone()), Error::<Test>::ReceiptMismatch);
		receipt.price = PRICE;
		receipt.units = 101;
		assert_receipt_rejected(sign_receipt(receipt.clone()), Error::<Test>::TooManyUnits);
		receipt.units = 10;
		receipt.timestamp = 0;
		assert_receipt_rejected(sign_receipt(receipt.clone()), Error::<Test>::BadTimestamp);
		receipt.timestamp = 6;
		assert_receipt_rejected(sign_receipt(receipt.clone()), Error::<Test>::BadTimestamp);
		receipt.timestamp = 5;
		submit(vec![sign_receipt(receipt)]);
		assert!(matches!(
			Compute::job(job).unwrap().status,
			JobStatus::Submitted { units: 10, .. }
		));
	});
}

#[test]
fn receipts_need_both_signatures() {
	ExtBuilder.build_and_execute(|| {
		let job = open(WORKER, 100);
		let honest = signed_receipt(job, 10, 1);
		// The consumer signed other terms.
		let mut other_terms = honest.clone();
		other_terms.consumer_signature = sp_runtime::testing::TestSignature(
			CONSUMER,
			Compute::receipt_message(&signed_receipt(job, 5, 1).receipt),
		);
		assert_receipt_rejected(other_terms, Error::<Test>::BadConsumerSignature);
		// Someone else signed as the consumer.
		let mut impostor = honest.clone();
		impostor.consumer_signature.0 = BOB;
		assert_receipt_rejected(impostor, Error::<Test>::BadConsumerSignature);
		// Another device's key.
		let mut wrong_key = honest.clone();
		wrong_key.device_signature =
			key_of(BIG_WORKER).sign(&Compute::receipt_message(&honest.receipt));
		assert_receipt_rejected(wrong_key, Error::<Test>::BadSignature);
		// The device signed fewer units.
		let mut fewer = honest.clone();
		fewer.device_signature = signed_receipt(job, 5, 1).device_signature;
		assert_receipt_rejected(fewer, Error::<Test>::BadSignature);
		submit(vec![honest]);
	});
}

/// Rotate `device`'s key (owned by Alice) to a fresh ed25519 key.
fn rotate_key_of(device: u64) -> pallet_devices::DevicePair {
	let key = pallet_devices::DevicePair::Ed25519(sp_core::Pair::from_seed(&[77; 32]));
	let nonce = pallet_devices::KeyNonces::<Test>::get(key.public());
	let message =
		Devices::possession_message(pallet_devices::ROTATE_CONTEXT, &ALICE, &key.public(), nonce);
	assert_ok!(Devices::rotate_key(
		RuntimeOrigin::signed(ALICE),
		device,
		key.public(),
		key.sign(&message),
		nonce
	));
	key
}

#[test]
fn a_receipt_co_signed_before_a_key_rotation_still_pays() {
	ExtBuilder.build_and_execute(|| {
		let job = open(WORKER, 100);
		run_to_block(3);
		// Co-signed at block 2 with the device's key, then the key is rotated at block 3.
		let before = signed_receipt(job, 10, 2);
		let new_key = rotate_key_of(WORKER);
		submit(vec![before]);
		assert!(matches!(
			Compute::job(job).unwrap().status,
			JobStatus::Submitted { units: 10, .. }
		));

		// The old key cannot sign for anything dated from the rotation on.
		let second = open(WORKER, 100);
		let mut after = signed_receipt(second, 10, 3);
		assert_receipt_rejected(after.clone(), Error::<Test>::BadSignature);
		// The new key can.
		after.device_signature = new_key.sign(&Compute::receipt_message(&after.receipt));
		submit(vec![after]);
	});
}

#[test]
fn a_disputed_job_is_settled_by_the_dispute_origin() {
	ExtBuilder.build_and_execute(|| {
		let job = open(WORKER, 100);
		assert_noop!(
			Compute::dispute(RuntimeOrigin::signed(CONSUMER), job),
			Error::<Test>::NotSubmitted
		);
		submit(vec![signed_receipt(job, 50, 1)]);
		assert_noop!(
			Compute::dispute(RuntimeOrigin::signed(ALICE), job),
			Error::<Test>::NotConsumer
		);
		assert_noop!(
			Compute::dispute(RuntimeOrigin::signed(CONSUMER), 99),
			Error::<Test>::UnknownJob
		);
		assert_noop!(
			Compute::resolve_dispute(RuntimeOrigin::root(), job, Perbill::from_percent(30)),
			Error::<Test>::NotDisputed
		);
		assert_ok!(Compute::dispute(RuntimeOrigin::signed(CONSUMER), job));
		assert_eq!(last_event(), crate::Event::JobDisputed { job });
		assert_noop!(
			Compute::dispute(RuntimeOrigin::signed(CONSUMER), job),
			Error::<Test>::NotSubmitted
		);
		// Disputed jobs are not released by time.
		run_to_block(30);
		assert_noop!(
			Compute::release_job(RuntimeOrigin::signed(BOB), job),
			Error::<Test>::NotSubmitted
		);
		assert_noop!(
			Compute::resolve_dispute(RuntimeOrigin::signed(ALICE), job, Perbill::one()),
			DispatchError::BadOrigin
		);
		let alice = Balances::free_balance(ALICE);
		assert_ok!(Compute::resolve_dispute(RuntimeOrigin::root(), job, Perbill::from_percent(30)));
		assert_eq!(
			last_event(),
			crate::Event::JobSettled { job, device: WORKER, paid: 150, refunded: 850, points: 15 }
		);
		assert_eq!(Balances::free_balance(ALICE), alice + 150);
		assert_eq!(held(CONSUMER), 0);
		assert_eq!(points(), vec![(WORKER, DeviceKind::Compute, 3, 15)]);
		assert_noop!(
			Compute::resolve_dispute(RuntimeOrigin::root(), job, Perbill::one()),
			Error::<Test>::UnknownJob
		);
	});
}

#[test]
fn disputes_close_with_the_window() {
	ExtBuilder.build_and_execute(|| {
		let job = open(WORKER, 100);
		submit(vec![signed_receipt(job, 50, 1)]);
		// Submitted at block 1: disputes up to block 6, payable at 7.
		run_to_block(7);
		assert_noop!(
			Compute::dispute(RuntimeOrigin::signed(CONSUMER), job),
			Error::<Test>::DisputeWindowClosed
		);
		assert_ok!(Compute::release_job(RuntimeOrigin::signed(CONSUMER), job));
	});
}

#[test]
fn a_job_without_a_receipt_is_cancelled_after_the_timeout() {
	ExtBuilder.build_and_execute(|| {
		let job = open(WORKER, 100);
		assert_noop!(
			Compute::cancel_job(RuntimeOrigin::signed(CONSUMER), job),
			Error::<Test>::TooEarly
		);
		run_to_block(21);
		assert_noop!(
			Compute::cancel_job(RuntimeOrigin::signed(CONSUMER), 99),
			Error::<Test>::UnknownJob
		);
		// Timed out, the job expires: anyone may clean it up, and the payment goes back to
		// its consumer (a 1-planck job no longer stays forever).
		assert_ok!(Compute::cancel_job(RuntimeOrigin::signed(ALICE), job));
		assert_eq!(last_event(), crate::Event::JobCancelled { job });
		assert_eq!(held(CONSUMER), 0);
		assert_eq!(Balances::free_balance(CONSUMER), INITIAL_BALANCE);
		let submitted = open(WORKER, 100);
		submit(vec![signed_receipt(submitted, 1, 21)]);
		run_to_block(45);
		assert_noop!(
			Compute::cancel_job(RuntimeOrigin::signed(CONSUMER), submitted),
			Error::<Test>::AlreadySubmitted
		);
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
		// The first item settles the worker (behind since epoch 0) and is checked in full;
		// the second finds it settled (one read) and is refused before its signature.
		let used = <() as WeightInfo>::commit_work(0)
			+ Compute::settle_weight()
			+ Compute::commit_full_weight()
			+ db().reads(1)
			+ Compute::commit_cheap_weight();
		assert_eq!(post.actual_weight, Some(used));
		assert!(used.all_lt(charged));
	});
}

#[test]
fn a_batch_of_receipts_pays_for_what_its_items_used() {
	use crate::weights::WeightInfo;
	ExtBuilder.build_and_execute(|| {
		let job = open(WORKER, 100);
		let other = open(WORKER, 100);
		run_to_block(3);
		// Dated after the block: refused before its signatures.
		let future = signed_receipt(other, 10, 4);
		let receipts = BoundedVec::truncate_from(vec![signed_receipt(job, 60, 2), future]);
		let charged = <() as WeightInfo>::submit_receipts(2);
		let post = Compute::submit_receipts(RuntimeOrigin::signed(CHARLIE), receipts).unwrap();
		assert_eq!(rejections(), vec![(other, Error::<Test>::BadTimestamp.into())]);
		let used = <() as WeightInfo>::submit_receipts(0)
			+ Compute::receipt_full_weight()
			+ Compute::receipt_cheap_weight();
		assert_eq!(post.actual_weight, Some(used));
		assert!(used.all_lte(charged));
	});
}
