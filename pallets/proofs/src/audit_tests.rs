//! Tests of sampled storage audits: a device is challenged only in the epochs its draw audits,
//! misses nothing between them, is caught at the audit after it lost its data, and its deals
//! are paid in arrears.

#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing, clippy::unwrap_used)]

use crate::{mock::*, pallet::*, types::*, HoldReason};
use depin_primitives::deals::{DealEnd, DealProgress, DealState};
use frame_support::{assert_noop, assert_ok, traits::Hooks, weights::Weight};
use pallet_devices::DeviceId;
use pallet_epochs::CurrentEpoch;
use sp_core::H256;
use sp_runtime::Perbill;

/// A quarter of the devices audited each epoch.
fn sample_a_quarter() {
	AuditRate::set(Perbill::from_percent(25));
}

/// Run to the first block of epoch `e`, sweeping every record into each epoch on the way (as
/// the runtime's idle time does).
fn run_swept_to(e: EpochIndex) {
	while CurrentEpoch::<Test>::get().index < e {
		let next = CurrentEpoch::<Test>::get().index + 1;
		run_to_epoch(next);
		Proofs::on_idle(System::block_number(), Weight::MAX);
	}
}

/// Whether the epoch in progress audits `device`.
fn audited_now(device: DeviceId) -> bool {
	Proofs::audited(&CurrentEpoch::<Test>::get(), device)
}

/// Submit proofs as Charlie; the events they produced.
fn submit(proofs: Vec<crate::StorageProofOf<Test>>) -> Vec<crate::Event<Test>> {
	let before = proof_events().len();
	assert_ok!(Proofs::submit_storage_proofs(RuntimeOrigin::signed(CHARLIE), batch(proofs)));
	proof_events().split_off(before)
}

fn progress(id: H256) -> DealProgress {
	match Deals::<Test>::get(id).unwrap().state {
		DealState::Active(progress) => progress,
		other => panic!("not active: {other:?}"),
	}
}

fn faults(device: DeviceId) -> u32 {
	pallet_devices::Devices::<Test>::get(device).unwrap().faults
}

/// A deal of Alice's device for `data` lasting `duration` epochs, activated from epoch 1.
fn long_deal(data: &SectorData, duration: EpochIndex) -> (H256, SectorIndex) {
	let deal =
		publish(ALICE, crate::DealProposalOf::<Test> { duration, ..proposal(STORAGE_A, data) });
	let sector = commit(ALICE, STORAGE_A, data);
	(deal, sector)
}

#[test]
fn a_device_is_challenged_only_in_the_epochs_its_draw_audits() {
	ExtBuilder::default().build_and_execute(|| {
		sample_a_quarter();
		let data = sector_data(4, 1);
		let sector = commit(ALICE, STORAGE_A, &data);
		let mut audits = Vec::new();
		for e in 1..=24 {
			run_swept_to(e);
			let proof = honest_proof(STORAGE_A, sector, &data);
			if audited_now(STORAGE_A) {
				audits.push(e);
				assert_eq!(Proofs::open_challenges(STORAGE_A).len(), 1);
				assert_eq!(Proofs::proof_status(STORAGE_A).unwrap().challenged, 1);
				assert!(Proofs::storage_challenge(STORAGE_A, sector, e).is_ok());
				let events = submit(vec![proof]);
				assert!(events.contains(&Event::StorageProofAccepted {
					device: STORAGE_A,
					sector,
					epoch: e,
					points: 0
				}));
			} else {
				// Nothing to answer, and an answer anyway is refused, changing nothing.
				assert!(Proofs::open_challenges(STORAGE_A).is_empty());
				assert_eq!(
					Proofs::storage_challenge(STORAGE_A, sector, e),
					Err(Error::<Test>::SectorNotChallenged.into())
				);
				let before = Sectors::<Test>::get(STORAGE_A, sector);
				let events = submit(vec![proof]);
				assert!(events.contains(&Event::ItemRejected {
					index: 0,
					device: STORAGE_A,
					error: Error::<Test>::SectorNotChallenged.into()
				}));
				assert_eq!(Sectors::<Test>::get(STORAGE_A, sector), before);
			}
		}
		// About a quarter of the epochs (the mock's randomness is fixed: this draw).
		assert!(!audits.is_empty() && audits.len() < 12, "audits: {audits:?}");
		run_swept_to(25);
		// The epochs between audits are not missed.
		assert_eq!(Provers::<Test>::get(STORAGE_A).unwrap().consecutive_faults, 0);
		assert_eq!(faults(STORAGE_A), 0);
	});
}

#[test]
fn a_device_that_lost_its_data_is_caught_at_its_next_audit() {
	ExtBuilder::default().build_and_execute(|| {
		sample_a_quarter();
		let data = sector_data(4, 1);
		commit(ALICE, STORAGE_A, &data);
		// It answers nothing: each audit it meets is one fault, counted when the next epoch
		// settles it; the epochs between count none.
		let mut audits = 0;
		for e in 1..=12 {
			run_swept_to(e);
			assert_eq!(faults(STORAGE_A), audits, "epoch {e}");
			if audited_now(STORAGE_A) {
				audits += 1;
			}
		}
		assert!(audits > 0);
	});
}

#[test]
fn a_deal_is_paid_in_arrears_at_each_audit_passed_and_its_last_epochs_by_the_audit_after_it() {
	ExtBuilder::default().build_and_execute(|| {
		sample_a_quarter();
		let data = sector_data(4, 1);
		let (id, sector) = long_deal(&data, 12);
		let alice = free(ALICE);
		let mut paid_through = 0;
		for e in 1..=12 {
			run_swept_to(e);
			if !audited_now(STORAGE_A) {
				continue;
			}
			let epochs = e - paid_through;
			let events = submit(vec![honest_proof(STORAGE_A, sector, &data)]);
			// Every epoch since the last payment, with its fee and its points.
			assert!(events.contains(&Event::DealPaid {
				deal: id,
				epoch: e,
				paid: 32 * Balance::from(epochs),
				fee: 8 * Balance::from(epochs)
			}));
			assert!(events.contains(&Event::StorageProofAccepted {
				device: STORAGE_A,
				sector,
				epoch: e,
				points: 8 * u64::from(epochs)
			}));
			assert!(!events.iter().any(|e| matches!(e, Event::DealMissed { .. })));
			paid_through = e;
			assert_eq!((progress(id).paid, progress(id).missed), (e, 0));
		}
		assert!(paid_through > 0, "an audit in twelve epochs");
		assert_eq!(
			points().iter().map(|p| p.3).sum::<u64>(),
			8 * u64::from(paid_through),
			"points for the epochs proven"
		);
		// Over: the epochs after the last audit wait for the device's next audit, and a
		// settlement before it counts nothing.
		let after = next_audit_after(12);
		if paid_through < 12 {
			run_swept_to(13);
			if after > 13 {
				assert_noop!(
					Proofs::settle_deal(RuntimeOrigin::signed(BOB), id),
					Error::<Test>::NothingToSettle
				);
			}
			run_swept_to(after);
			let events = submit(vec![honest_proof(STORAGE_A, sector, &data)]);
			let left = 12 - paid_through;
			assert!(events.contains(&Event::DealPaid {
				deal: id,
				epoch: 12,
				paid: 32 * Balance::from(left),
				fee: 8 * Balance::from(left)
			}));
		}
		// Settled late: nothing is lost.
		run_swept_to(after + 2);
		assert_ok!(Proofs::settle_deal(RuntimeOrigin::signed(BOB), id));
		System::assert_last_event(RuntimeEvent::Proofs(Event::DealEnded {
			deal: id,
			reason: DealEnd::Completed,
			provider_penalty: 0,
			client_fee: 0,
		}));
		// Twelve epochs paid, and the collateral and deposit Alice staked as the publisher.
		assert_eq!(free(ALICE), alice + 12 * 32 + 100 + 5);
		assert_eq!(held(HoldReason::DealPayment, CLIENT), 0);
		assert_eq!(points().iter().map(|p| p.3).sum::<u64>(), 8 * 12, "every epoch by a proof");
	});
}

/// The first epoch after `epoch` that audits Alice's device (run to, swept; the test stays in
/// the epoch before it).
fn next_audit_after(epoch: EpochIndex) -> EpochIndex {
	let mut e = epoch + 1;
	run_swept_to(e);
	while !audited_now(STORAGE_A) {
		e += 1;
		run_swept_to(e);
	}
	e
}

/// Prove Alice's `sector` of `data` in each epoch up to `last` that audits her device.
fn prove_audits_through(sector: SectorIndex, data: &SectorData, last: EpochIndex) {
	for e in 1..=last {
		run_swept_to(e);
		if audited_now(STORAGE_A) {
			submit(vec![honest_proof(STORAGE_A, sector, data)]);
		}
	}
}

#[test]
fn the_last_epochs_of_a_deal_are_missed_if_the_audit_after_it_is() {
	ExtBuilder::default().build_and_execute(|| {
		sample_a_quarter();
		let data = sector_data(4, 1);
		let (id, sector) = long_deal(&data, 4);
		// Its epochs proven whenever audited; then the data is gone.
		prove_audits_through(sector, &data, 4);
		let paid = progress(id).paid;
		let after = next_audit_after(4);
		run_swept_to(after + 1);
		let client = free(CLIENT);
		assert_ok!(Proofs::settle_deal(RuntimeOrigin::signed(BOB), id));
		let left = 4 - paid;
		if left > 0 {
			System::assert_has_event(RuntimeEvent::Proofs(Event::DealMissed {
				deal: id,
				epochs: left,
				in_row: 1,
			}));
		}
		System::assert_last_event(RuntimeEvent::Proofs(Event::DealEnded {
			deal: id,
			reason: DealEnd::Completed,
			provider_penalty: 0,
			client_fee: 0,
		}));
		// Their prices back with a slice of collateral each, and the client's collateral.
		let back = 40 * Balance::from(left) + 10 * Balance::from(left) + 30;
		assert_eq!(free(CLIENT), client + back);
		assert_eq!(held(HoldReason::DealPayment, CLIENT), 0);
	});
}

#[test]
fn a_sector_removed_after_its_deal_gives_up_only_the_unaudited_last_epochs() {
	ExtBuilder::default().build_and_execute(|| {
		sample_a_quarter();
		let data = sector_data(4, 1);
		let (id, sector) = long_deal(&data, 4);
		prove_audits_through(sector, &data, 4);
		let paid = progress(id).paid;
		// In the epoch after its last, past the deadline (so no challenge of it is open).
		run_swept_to(5);
		run_to_block(epoch_start(5) + ResponseWindow::get() + 1);
		let (client, alice) = (free(CLIENT), free(ALICE));
		assert_ok!(Proofs::remove_sector(RuntimeOrigin::signed(ALICE), STORAGE_A, sector));
		// Completed: the provider's collateral comes back; what is left goes back to the
		// client without a penalty.
		System::assert_has_event(RuntimeEvent::Proofs(Event::DealEnded {
			deal: id,
			reason: DealEnd::Completed,
			provider_penalty: 0,
			client_fee: 0,
		}));
		assert!(free(ALICE) >= alice + 100, "its collateral back");
		let left = Balance::from(4 - paid);
		assert_eq!(free(CLIENT), client + 40 * left + 30);
	});
}

#[test]
fn a_missed_audit_counts_every_epoch_up_to_it_as_missed() {
	ExtBuilder::default().build_and_execute(|| {
		sample_a_quarter();
		// Room for a long missed span before the deal would end.
		MaxMissesInRow::set(10);
		let data = sector_data(4, 1);
		let (id, sector) = long_deal(&data, 60);
		let client = free(CLIENT);
		// The first audit is passed, the second missed.
		let mut audits = Vec::new();
		let mut e = 0;
		while audits.len() < 3 {
			e += 1;
			run_swept_to(e);
			if !audited_now(STORAGE_A) {
				continue;
			}
			audits.push(e);
			if audits.len() == 1 {
				submit(vec![honest_proof(STORAGE_A, sector, &data)]);
			}
			if audits.len() == 2 {
				// Settled by anyone once the audit is closed: missed up to it, the epochs after
				// it waiting for the next audit.
				run_swept_to(e + 1);
				let before = progress(id);
				assert_ok!(Proofs::settle_deal(RuntimeOrigin::signed(BOB), id));
				let missed = e - audits[0];
				// One audit missed: the second (the first, before it, was passed).
				let in_row = 1;
				System::assert_has_event(RuntimeEvent::Proofs(Event::DealMissed {
					deal: id,
					epochs: missed,
					in_row,
				}));
				let p = progress(id);
				assert_eq!((p.paid, p.missed, p.settled_through), (before.paid, missed, e));
				assert_eq!(p.misses_in_row, in_row);
				// Each missed epoch's price back, with its slice of the collateral (100 at most).
				let penalty = (10 * Balance::from(missed)).min(100);
				assert_eq!(free(CLIENT), client + 40 * Balance::from(missed) + penalty);
				e += 1;
				if audited_now(STORAGE_A) {
					audits.push(e);
				}
			}
		}
		// The third audit passed: the epochs since the missed one are paid.
		let third = *audits.last().unwrap();
		if CurrentEpoch::<Test>::get().index != third {
			run_swept_to(third);
		}
		let events = submit(vec![honest_proof(STORAGE_A, sector, &data)]);
		let epochs = third - audits[1];
		assert!(events.contains(&Event::DealPaid {
			deal: id,
			epoch: third,
			paid: 32 * Balance::from(epochs),
			fee: 8 * Balance::from(epochs)
		}));
		let p = progress(id);
		assert_eq!(p.paid + p.missed, third, "every epoch counted once");
		assert_eq!(p.misses_in_row, 0);
		assert!(Deals::<Test>::get(id).is_some_and(|d| matches!(d.state, DealState::Active(_))));
	});
}

#[test]
fn at_a_rate_of_one_every_epoch_is_audited() {
	ExtBuilder::default().build_and_execute(|| {
		let data = sector_data(4, 1);
		commit(ALICE, STORAGE_A, &data);
		for e in 1..=8 {
			run_to_epoch(e);
			assert!(audited_now(STORAGE_A));
		}
		// Untouched epochs were audited too: the gap counts every one of them.
		idle(Weight::MAX);
		assert_eq!(faults(STORAGE_A), 7);
		let state = Provers::<Test>::get(STORAGE_A).unwrap();
		assert_eq!((state.last_audit, state.prev_audit), (8, 7));
		assert_eq!(Proofs::closed_audits(STORAGE_A).last, 7);
	});
}

#[test]
fn once_its_epochs_are_over_a_deal_waits_for_the_audit_that_pays_them() {
	ExtBuilder::default().build_and_execute(|| {
		sample_a_quarter();
		let data = sector_data(4, 1);
		let (id, sector) = long_deal(&data, 4);
		prove_audits_through(sector, &data, 4);
		let paid = progress(id).paid;
		run_swept_to(5);
		// The client may not end it to take its last epochs back.
		assert_noop!(
			Proofs::terminate_deal(RuntimeOrigin::signed(CLIENT), id),
			Error::<Test>::DealOver
		);
		// The provider may, giving up only those epochs: not its collateral.
		let (client, alice) = (free(CLIENT), free(ALICE));
		assert_ok!(Proofs::terminate_deal(RuntimeOrigin::signed(ALICE), id));
		System::assert_has_event(RuntimeEvent::Proofs(Event::DealEnded {
			deal: id,
			reason: DealEnd::Completed,
			provider_penalty: 0,
			client_fee: 0,
		}));
		assert!(free(ALICE) >= alice + 100, "its collateral back");
		let left = Balance::from(4 - paid);
		assert_eq!(free(CLIENT), client + 40 * left + 30);
		// The sector stays, without a deal.
		assert!(Sectors::<Test>::get(STORAGE_A, sector).is_some());
		assert!(SectorDeals::<Test>::get(STORAGE_A, sector).is_none());
	});
}
