//! Jobs: opening, receipts, disputes, payouts and cancellation; what a batch of receipts is
//! charged.

#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing, clippy::unwrap_used)]

use crate::{
	mock::*,
	pallet::{Error, HoldReason, NextJobId},
	JobId, JobReceipt, JobStatus,
};
use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{Inspect, InspectHold},
	BoundedVec,
};
use pallet_devices::DeviceKind;
use sp_runtime::{DispatchError, Perbill, TokenError};

fn last_event() -> crate::Event<Test> {
	job_events().pop().expect("an event")
}

/// Submit one receipt and check that it was rejected for `error` and changed nothing.
fn assert_receipt_rejected(receipt: crate::SignedReceiptOf<Test>, error: Error<Test>) {
	let job = receipt.receipt.job;
	let before = Jobs::job(job);
	System::reset_events();
	submit(vec![receipt]);
	assert_eq!(rejections(), vec![(job, DispatchError::from(error))]);
	assert_eq!(Jobs::job(job), before, "nothing recorded");
}

const PRICE: Balance = 10;

fn open(device: u64, max_units: u64) -> JobId {
	let id = NextJobId::<Test>::get();
	assert_ok!(Jobs::open_job(RuntimeOrigin::signed(CONSUMER), device, max_units, PRICE));
	id
}

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&RuntimeHoldReason::Jobs(HoldReason::JobPayment), &who)
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
		assert_eq!(Jobs::job(job).unwrap().status, JobStatus::Open);
		assert_eq!(open(WORKER, 1), job + 1);
	});
}

#[test]
fn open_job_fails_for_bad_terms_and_devices() {
	ExtBuilder.build_and_execute(|| {
		let consumer = RuntimeOrigin::signed(CONSUMER);
		assert_noop!(Jobs::open_job(consumer.clone(), WORKER, 0, PRICE), Error::<Test>::EmptyJob);
		assert_noop!(Jobs::open_job(consumer.clone(), WORKER, 5, 0), Error::<Test>::EmptyJob);
		assert_noop!(
			Jobs::open_job(consumer.clone(), WORKER, u64::MAX, 2),
			Error::<Test>::Overflow
		);
		assert_noop!(Jobs::open_job(consumer.clone(), 99, 5, PRICE), Error::<Test>::UnknownDevice);
		assert_noop!(
			Jobs::open_job(consumer.clone(), STORAGE, 5, PRICE),
			Error::<Test>::NotComputeDevice
		);
		assert_noop!(
			Jobs::open_job(consumer.clone(), WORKER, INITIAL_BALANCE, PRICE),
			TokenError::FundsUnavailable
		);
		assert_ok!(Devices::suspend(RuntimeOrigin::root(), WORKER));
		assert_noop!(Jobs::open_job(consumer, WORKER, 5, PRICE), Error::<Test>::DeviceNotActive);
	});
}

#[test]
fn a_co_signed_receipt_pays_the_owner_after_the_dispute_window() {
	ExtBuilder.build_and_execute(|| {
		let job = open(WORKER, 100);
		run_to_block(3);
		submit(vec![signed_receipt(job, 60, 2)]);
		assert_eq!(last_event(), crate::Event::BatchProcessed { accepted: 1, rejected: 0 });
		assert!(job_events().contains(&crate::Event::ReceiptAccepted {
			job,
			device: WORKER,
			units: 60,
			amount: 600,
			payable_at: 9
		}));
		// Nothing paid before the window has passed.
		run_to_block(8);
		assert_noop!(
			Jobs::release_job(RuntimeOrigin::signed(BOB), job),
			Error::<Test>::DisputeWindowOpen
		);
		run_to_block(9);
		let alice = Balances::free_balance(ALICE);
		let issuance = Balances::total_issuance();
		assert_ok!(Jobs::release_job(RuntimeOrigin::signed(BOB), job));
		// 600 billed: a fifth of it is the protocol fee, burned; its 120 are 12 points (a
		// point per 10), which the emission pallet pays at most the 120 burned.
		assert_eq!(
			last_event(),
			crate::Event::JobSettled {
				job,
				device: WORKER,
				paid: 480,
				fee: 120,
				refunded: 400,
				points: 12
			}
		);
		assert_eq!(Balances::free_balance(ALICE), alice + 480);
		assert_eq!(Balances::total_issuance(), issuance - 120);
		assert_eq!(held(CONSUMER), 0);
		assert_eq!(Balances::free_balance(CONSUMER), INITIAL_BALANCE - 600);
		assert_eq!(points(), vec![(WORKER, DeviceKind::Compute, 0, 12)]);
		assert_eq!(fees(), vec![(WORKER, DeviceKind::Compute, 0, 120)]);
		assert!(Jobs::job(job).is_none());
		assert_noop!(Jobs::release_job(RuntimeOrigin::signed(BOB), job), Error::<Test>::UnknownJob);
	});
}

#[test]
fn a_provider_paying_its_own_device_burns_the_fee_and_earns_at_most_it() {
	ExtBuilder.build_and_execute(|| {
		// Alice opens a job on her own device: the cheapest way to buy compute points.
		let job = NextJobId::<Test>::get();
		assert_ok!(Jobs::open_job(RuntimeOrigin::signed(ALICE), WORKER, 100, PRICE));
		let alice = Balances::total_balance(&ALICE);
		submit(vec![signed_receipt(job, 100, 1)]);
		run_to_block(7);
		assert_ok!(Jobs::release_job(RuntimeOrigin::signed(ALICE), job));
		// 1,000 from Alice to Alice, of which 200 burned: 20 points, capped at the 200 by the
		// emission pallet. The loop cannot return more than it burned.
		assert_eq!(Balances::total_balance(&ALICE), alice - 200);
		assert_eq!(points(), vec![(WORKER, DeviceKind::Compute, 0, 20)]);
		assert_eq!(fees(), vec![(WORKER, DeviceKind::Compute, 0, 200)]);
	});
}

#[test]
fn the_fee_is_taken_at_the_rate_in_force_at_settlement() {
	ExtBuilder.build_and_execute(|| {
		let job = open(WORKER, 100);
		submit(vec![signed_receipt(job, 100, 1)]);
		JobFee::set(Perbill::from_percent(50));
		run_to_block(7);
		let alice = Balances::free_balance(ALICE);
		assert_ok!(Jobs::release_job(RuntimeOrigin::signed(BOB), job));
		assert_eq!(
			last_event(),
			crate::Event::JobSettled {
				job,
				device: WORKER,
				paid: 500,
				fee: 500,
				refunded: 0,
				points: 50
			}
		);
		assert_eq!(Balances::free_balance(ALICE), alice + 500);
		// A fee that rounds down to nothing: the owner is paid in full, and nothing is earned.
		JobFee::set(Perbill::from_percent(5));
		let small = open(WORKER, 1);
		submit(vec![signed_receipt(small, 1, 7)]);
		run_to_block(13);
		assert_ok!(Jobs::release_job(RuntimeOrigin::signed(BOB), small));
		assert_eq!(
			last_event(),
			crate::Event::JobSettled {
				job: small,
				device: WORKER,
				paid: 10,
				fee: 0,
				refunded: 0,
				points: 0
			}
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
			Jobs::submit_receipts(RuntimeOrigin::signed(CHARLIE), BoundedVec::new()),
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
		assert!(matches!(Jobs::job(job).unwrap().status, JobStatus::Submitted { units: 10, .. }));
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
			Jobs::receipt_message(&signed_receipt(job, 5, 1).receipt),
		);
		assert_receipt_rejected(other_terms, Error::<Test>::BadConsumerSignature);
		// Someone else signed as the consumer.
		let mut impostor = honest.clone();
		impostor.consumer_signature.0 = BOB;
		assert_receipt_rejected(impostor, Error::<Test>::BadConsumerSignature);
		// Another device's key.
		let mut wrong_key = honest.clone();
		wrong_key.device_signature =
			key_of(BIG_WORKER).sign(&Jobs::receipt_message(&honest.receipt));
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
	let at = u32::try_from(System::block_number()).unwrap();
	let message =
		Devices::possession_message(pallet_devices::ROTATE_CONTEXT, &ALICE, &key.public(), at);
	assert_ok!(Devices::rotate_key(
		RuntimeOrigin::signed(ALICE),
		device,
		key.public(),
		key.sign(&message),
		at
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
		assert!(matches!(Jobs::job(job).unwrap().status, JobStatus::Submitted { units: 10, .. }));

		// The old key cannot sign for anything dated from the rotation on.
		let second = open(WORKER, 100);
		let mut after = signed_receipt(second, 10, 3);
		assert_receipt_rejected(after.clone(), Error::<Test>::BadSignature);
		// The new key can.
		after.device_signature = new_key.sign(&Jobs::receipt_message(&after.receipt));
		submit(vec![after]);
	});
}

#[test]
fn a_disputed_job_is_settled_by_the_dispute_origin() {
	ExtBuilder.build_and_execute(|| {
		let job = open(WORKER, 100);
		assert_noop!(
			Jobs::dispute(RuntimeOrigin::signed(CONSUMER), job),
			Error::<Test>::NotSubmitted
		);
		submit(vec![signed_receipt(job, 50, 1)]);
		assert_noop!(Jobs::dispute(RuntimeOrigin::signed(ALICE), job), Error::<Test>::NotConsumer);
		assert_noop!(Jobs::dispute(RuntimeOrigin::signed(CONSUMER), 99), Error::<Test>::UnknownJob);
		assert_noop!(
			Jobs::resolve_dispute(RuntimeOrigin::root(), job, Perbill::from_percent(30)),
			Error::<Test>::NotDisputed
		);
		assert_ok!(Jobs::dispute(RuntimeOrigin::signed(CONSUMER), job));
		assert_eq!(last_event(), crate::Event::JobDisputed { job });
		assert_noop!(
			Jobs::dispute(RuntimeOrigin::signed(CONSUMER), job),
			Error::<Test>::NotSubmitted
		);
		// Disputed jobs are not released by time.
		run_to_block(30);
		assert_noop!(
			Jobs::release_job(RuntimeOrigin::signed(BOB), job),
			Error::<Test>::NotSubmitted
		);
		assert_noop!(
			Jobs::resolve_dispute(RuntimeOrigin::signed(ALICE), job, Perbill::one()),
			DispatchError::BadOrigin
		);
		let alice = Balances::free_balance(ALICE);
		assert_ok!(Jobs::resolve_dispute(RuntimeOrigin::root(), job, Perbill::from_percent(30)));
		// 30 % of the 500 billed: 150, of which the fee is 30 (3 points).
		assert_eq!(
			last_event(),
			crate::Event::JobSettled {
				job,
				device: WORKER,
				paid: 120,
				fee: 30,
				refunded: 850,
				points: 3
			}
		);
		assert_eq!(Balances::free_balance(ALICE), alice + 120);
		assert_eq!(held(CONSUMER), 0);
		assert_eq!(points(), vec![(WORKER, DeviceKind::Compute, 3, 3)]);
		assert_eq!(fees(), vec![(WORKER, DeviceKind::Compute, 3, 30)]);
		assert_noop!(
			Jobs::resolve_dispute(RuntimeOrigin::root(), job, Perbill::one()),
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
			Jobs::dispute(RuntimeOrigin::signed(CONSUMER), job),
			Error::<Test>::DisputeWindowClosed
		);
		assert_ok!(Jobs::release_job(RuntimeOrigin::signed(CONSUMER), job));
	});
}

#[test]
fn a_job_without_a_receipt_is_cancelled_after_the_timeout() {
	ExtBuilder.build_and_execute(|| {
		let job = open(WORKER, 100);
		assert_noop!(
			Jobs::cancel_job(RuntimeOrigin::signed(CONSUMER), job),
			Error::<Test>::TooEarly
		);
		run_to_block(21);
		assert_noop!(
			Jobs::cancel_job(RuntimeOrigin::signed(CONSUMER), 99),
			Error::<Test>::UnknownJob
		);
		// Timed out, the job expires: anyone may clean it up, and the payment goes back to
		// its consumer (a 1-planck job no longer stays forever).
		assert_ok!(Jobs::cancel_job(RuntimeOrigin::signed(ALICE), job));
		assert_eq!(last_event(), crate::Event::JobCancelled { job });
		assert_eq!(held(CONSUMER), 0);
		assert_eq!(Balances::free_balance(CONSUMER), INITIAL_BALANCE);
		let submitted = open(WORKER, 100);
		submit(vec![signed_receipt(submitted, 1, 21)]);
		run_to_block(45);
		assert_noop!(
			Jobs::cancel_job(RuntimeOrigin::signed(CONSUMER), submitted),
			Error::<Test>::AlreadySubmitted
		);
	});
}

// ---- Refunds ----------------------------------------------------------------------------

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
		let post = Jobs::submit_receipts(RuntimeOrigin::signed(CHARLIE), receipts).unwrap();
		assert_eq!(rejections(), vec![(other, Error::<Test>::BadTimestamp.into())]);
		let used = <() as WeightInfo>::submit_receipts(0)
			+ Jobs::receipt_full_weight()
			+ Jobs::receipt_cheap_weight();
		assert_eq!(post.actual_weight, Some(used));
		assert!(used.all_lte(charged));
	});
}

// ---- Migration --------------------------------------------------------------------------

frame_support::parameter_types! {
	pub const OldPallet: &'static str = "Compute";
	/// The mock has no compute pallet: the devices pallet's reason stands in for the reason
	/// the compute pallet held job payments for.
	pub OldReason: RuntimeHoldReason =
		RuntimeHoldReason::Devices(pallet_devices::HoldReason::DeviceDeposit);
}

#[test]
fn the_upgrade_moves_jobs_and_their_holds_from_the_compute_pallet_once() {
	use crate::{migrations::MoveFromCompute, Job};
	use codec::Encode;
	use frame_support::{
		storage::migration::{get_storage_value, put_storage_value},
		traits::{fungible::MutateHold, OnRuntimeUpgrade},
		StorageHasher, Twox64Concat,
	};
	ExtBuilder.build_and_execute(|| {
		// A job as the compute pallet stored it, its payment held for the old reason.
		let job = Job {
			consumer: CONSUMER,
			device: WORKER,
			max_units: 10,
			price: PRICE,
			held: 100,
			opened_at: 1,
			status: JobStatus::Open,
		};
		let key = Twox64Concat::hash(&7u64.encode());
		put_storage_value(b"Compute", b"Jobs", &key, job.clone());
		put_storage_value(b"Compute", b"NextJobId", &[], 8u64);
		assert_ok!(Balances::hold(&OldReason::get(), &CONSUMER, 100));
		let total =
			<Balances as frame_support::traits::fungible::Inspect<_>>::total_balance(&CONSUMER);

		MoveFromCompute::<Test, OldPallet, OldReason>::on_runtime_upgrade();
		assert_eq!(Jobs::job(7), Some(job.clone()));
		assert_eq!(NextJobId::<Test>::get(), 8);
		assert_eq!(get_storage_value::<crate::JobOf<Test>>(b"Compute", b"Jobs", &key), None);
		assert_eq!(get_storage_value::<JobId>(b"Compute", b"NextJobId", &[]), None);
		assert_eq!(held(CONSUMER), 100);
		assert_eq!(Balances::balance_on_hold(&OldReason::get(), &CONSUMER), 0);
		assert_eq!(
			<Balances as frame_support::traits::fungible::Inspect<_>>::total_balance(&CONSUMER),
			total
		);

		// A second run finds nothing to move.
		let weight = MoveFromCompute::<Test, OldPallet, OldReason>::on_runtime_upgrade();
		let db = <<Test as frame_system::Config>::DbWeight as frame_support::traits::Get<
			frame_support::weights::RuntimeDbWeight,
		>>::get();
		assert_eq!(weight, db.reads(2));
		assert_eq!(Jobs::job(7), Some(job));
		assert_eq!(held(CONSUMER), 100);

		// The moved job goes on: cancelled after its timeout, its payment released.
		run_to_block(21);
		assert_ok!(Jobs::cancel_job(RuntimeOrigin::signed(ALICE), 7));
		assert_eq!(held(CONSUMER), 0);
	});
}
