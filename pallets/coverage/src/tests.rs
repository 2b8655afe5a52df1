//! Tests of the roster, the draw, every beacon and witness rule, points and weights.

#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing, clippy::unwrap_used)]

use crate::{
	density::scaled_points, mock::*, pallet::*, types::*, Error, Event, WeightInfo,
	WitnessRejection::*,
};
use depin_proving::ProvingEpochs;
use frame_support::{assert_noop, assert_ok, traits::Get};
use pallet_devices::{h3::H3Cell, DeviceId, DeviceKind, DeviceRegistry};
use sp_core::H256;
use sp_runtime::DispatchError;

fn epoch() -> depin_primitives::epoch::EpochInfo<u64> {
	<Epochs as ProvingEpochs<u64>>::current()
}

/// Register a coverage device with `key` at `location` for `owner`; its id.
fn register_hotspot(owner: u64, key: &pallet_devices::DevicePair, location: u64) -> DeviceId {
	let at = u32::try_from(System::block_number()).unwrap();
	let message =
		Devices::possession_message(pallet_devices::REGISTER_CONTEXT, &owner, &key.public(), at);
	assert_ok!(Devices::register(
		RuntimeOrigin::signed(owner),
		pallet_devices::Registration {
			key: key.public(),
			proof: key.sign(&message),
			signed_at: at,
			kind: DeviceKind::Coverage,
			location,
			capacity: 0,
			metadata: Default::default(),
			manager: None,
		}
	));
	Devices::device_by_key(&key.public()).unwrap()
}

/// `BEACONER` alone in the roster, a winner in epoch 1 (every roster device wins at the
/// mock's odds), which has just started.
fn beaconer_drawn() {
	join(BEACONER);
	run_to_epoch(1);
	assert!(Coverage::ticket(BEACONER).is_some());
}

/// `device`'s recorded beacon in the epoch in progress.
fn slot_of(device: DeviceId) -> Option<crate::BeaconSlotOf<Test>> {
	Beacons::<Test>::get(epoch().index, device)
}

/// Submit one bundle as Eve (any account may relay).
fn submit(bundle: crate::BeaconBundleOf<Test>) {
	assert_ok!(Coverage::submit_beacons(RuntimeOrigin::signed(EVE), batch(vec![bundle])));
}

fn rejected_bundle() -> Option<DispatchError> {
	coverage_events().into_iter().find_map(|e| match e {
		Event::ItemRejected { error, .. } => Some(error),
		_ => None,
	})
}

fn witnesses_of(device: DeviceId) -> Vec<DeviceId> {
	slot_of(device).map(|s| s.witnesses.into_inner()).unwrap_or_default()
}

fn density_cell_of(device: DeviceId) -> H3Cell {
	Devices::density_cell(H3Cell::new(location_of(device)).unwrap()).unwrap()
}

/// Points the density scaling gives `base` for a device at `device`'s location, as the cell's
/// heard devices stand now.
fn expected_points(base: u64, device: DeviceId) -> u64 {
	let n = HeardInCell::<Test>::get(density_cell_of(device)).at(epoch().index).density();
	scaled_points(base, n, 2, 4)
}

/// The points `earners` (device, base points) earn in this order, each counted as heard in its
/// density cell before its points are scaled.
fn points_in_order(earners: &[(DeviceId, u64)]) -> Vec<u64> {
	let mut heard: std::collections::BTreeMap<H3Cell, u32> = Default::default();
	earners
		.iter()
		.map(|&(device, base)| {
			let count = heard.entry(density_cell_of(device)).or_default();
			*count += 1;
			scaled_points(base, *count, 2, 4)
		})
		.collect()
}

/// Submit a bundle of `BEACONER`'s beacon (sent at the epoch's start) with one receipt
/// changed by `tamper`, and return the reason it was rejected with.
fn rejection_of(
	witness: DeviceId,
	tamper: impl FnOnce(&mut crate::WitnessReceiptOf<Test>),
) -> WitnessRejection {
	let beacon = beacon_of(BEACONER, epoch().start, FREQUENCY);
	let mut receipt = receipt_of(witness, &beacon, epoch().start + 1);
	tamper(&mut receipt);
	run_to_block(epoch().start + 2);
	submit(bundle(beacon, vec![receipt]));
	assert!(witnesses_of(BEACONER).is_empty(), "a rejected witness was counted");
	assert!(points().is_empty(), "a rejected witness earned points");
	let found = rejections();
	assert_eq!(found.len(), 1, "{found:?}");
	found[0].1
}

// ---- The test world ---------------------------------------------------------------------

#[test]
fn the_test_world_is_where_the_tests_say() {
	ExtBuilder.build_and_execute(|| {
		let at = |device, res| H3Cell::new(location_of(device)).unwrap().parent(res).unwrap();
		let distance = |device| at(BEACONER, 8).grid_distance(at(device, 8));
		for device in [NEAR_BOB, NEAR_CHARLIE, ALICES_OTHER] {
			assert!(matches!(distance(device), Some(1..=10)), "{device}: {:?}", distance(device));
		}
		assert_eq!(at(CLOSE_DAVE, 8), at(BEACONER, 8));
		assert!(distance(FAR_EVE).unwrap() > 10);
		assert_eq!(distance(NEW_YORK_EVE), None);
	});
}

// ---- Roster -----------------------------------------------------------------------------

#[test]
fn owners_and_managers_join_devices_to_the_roster() {
	ExtBuilder.build_and_execute(|| {
		assert_ok!(Coverage::join(RuntimeOrigin::signed(ALICE), BEACONER));
		assert_eq!(last_event(), Event::Joined { device: BEACONER, slot: 0 });
		assert_ok!(Coverage::join(RuntimeOrigin::signed(MANAGER), MANAGED_DAVE));
		assert_eq!(last_event(), Event::Joined { device: MANAGED_DAVE, slot: 1 });
		assert_eq!(RosterSize::<Test>::get(), 2);
		assert_eq!(Roster::<Test>::get(1), Some(MANAGED_DAVE));
		assert_eq!(Coverage::roster_slot(MANAGED_DAVE), Some(1));
	});
}

#[test]
fn join_fails_for_bad_devices_and_callers() {
	ExtBuilder.build_and_execute(|| {
		let join_as = |who, device| Coverage::join(RuntimeOrigin::signed(who), device);
		assert_noop!(join_as(ALICE, 99), Error::<Test>::UnknownDevice);
		assert_noop!(join_as(BOB, BEACONER), Error::<Test>::NotDeviceOperator);
		assert_noop!(join_as(BOB, STORAGE_BOB), Error::<Test>::NotCoverageDevice);
		assert_noop!(join_as(BOB, COARSE_BOB), Error::<Test>::LocationTooCoarse);
		assert_ok!(Devices::suspend(RuntimeOrigin::root(), NEAR_BOB));
		assert_noop!(join_as(BOB, NEAR_BOB), Error::<Test>::DeviceNotActive);
		assert_ok!(join_as(ALICE, BEACONER));
		assert_noop!(join_as(ALICE, BEACONER), Error::<Test>::AlreadyJoined);
		MaxRoster::set(1);
		assert_noop!(join_as(CHARLIE, NEAR_CHARLIE), Error::<Test>::RosterFull);
	});
}

#[test]
fn the_roster_changes_in_any_block_as_no_ticket_depends_on_it() {
	ExtBuilder.build_and_execute(|| {
		BeaconInterval::set(2);
		join(BEACONER);
		// Block 9 is epoch 0's last: in the runtime its VRF output seeds epoch 1, and its
		// author knows the seed while choosing the block's transactions. Joining or leaving
		// then gains nothing: a ticket is the device's alone, and anyone may join in epoch 1's
		// first block with the seed public.
		run_to_block(9);
		assert_ok!(Coverage::join(RuntimeOrigin::signed(BOB), NEAR_BOB));
		assert_ok!(Coverage::leave(RuntimeOrigin::signed(ALICE), BEACONER));
		run_to_epoch(1);
		let seed = epoch().seed;
		assert_eq!(Coverage::ticket(NEAR_BOB).is_some(), wins_beacon(&seed, 1, NEAR_BOB, 2));
		assert_eq!(Coverage::ticket(BEACONER), None, "off the roster");
		// Back on in epoch 1: its ticket is what it would have been all along.
		join(BEACONER);
		assert_eq!(Coverage::ticket(BEACONER).is_some(), wins_beacon(&seed, 1, BEACONER, 2));
	});
}

/// The mock's genesis with `roster` on the beacon roster.
fn with_genesis_roster(roster: Vec<DeviceId>) -> sp_io::TestExternalities {
	let mut ext = ExtBuilder.build();
	ext.execute_with(|| {
		<crate::GenesisConfig<Test> as frame_support::traits::BuildGenesisConfig>::build(
			&crate::GenesisConfig { roster, _config: Default::default() },
		)
	});
	ext
}

#[test]
fn a_genesis_roster_joins_its_devices_as_their_owners_would() {
	with_genesis_roster(vec![BEACONER, NEAR_BOB]).execute_with(|| {
		assert_eq!(RosterSize::<Test>::get(), 2);
		assert_eq!(RosterSlotOf::<Test>::get(BEACONER), Some(0));
		assert_eq!(RosterSlotOf::<Test>::get(NEAR_BOB), Some(1));
		run_to_epoch(1);
		assert!(Coverage::ticket(BEACONER).is_some() && Coverage::ticket(NEAR_BOB).is_some());
		Coverage::do_try_state().unwrap();
	});
}

#[test]
#[should_panic(expected = "genesis roster device 99 does not exist")]
fn a_genesis_roster_of_an_unknown_device_is_refused() {
	with_genesis_roster(vec![99]);
}

#[test]
#[should_panic(expected = "NotCoverageDevice")]
fn a_genesis_roster_of_a_storage_device_is_refused() {
	with_genesis_roster(vec![STORAGE_BOB]);
}

#[test]
#[should_panic(expected = "LocationTooCoarse")]
fn a_genesis_roster_of_a_coarse_device_is_refused() {
	with_genesis_roster(vec![COARSE_BOB]);
}

#[test]
#[should_panic(expected = "AlreadyJoined")]
fn a_genesis_roster_naming_a_device_twice_is_refused() {
	with_genesis_roster(vec![BEACONER, BEACONER]);
}

#[test]
fn leaving_keeps_the_roster_dense() {
	ExtBuilder.build_and_execute(|| {
		for device in [BEACONER, NEAR_BOB, NEAR_CHARLIE] {
			join(device);
		}
		assert_ok!(Coverage::leave(RuntimeOrigin::signed(ALICE), BEACONER));
		assert_eq!(last_event(), Event::Left { device: BEACONER });
		assert_eq!(RosterSize::<Test>::get(), 2);
		assert_eq!(Roster::<Test>::get(0), Some(NEAR_CHARLIE));
		assert_eq!(Roster::<Test>::get(1), Some(NEAR_BOB));
		assert_eq!(Roster::<Test>::get(2), None);
		assert_eq!(RosterSlotOf::<Test>::get(BEACONER), None);
		// The last one leaves: nothing moves.
		assert_ok!(Coverage::leave(RuntimeOrigin::signed(BOB), NEAR_BOB));
		assert_eq!(Roster::<Test>::get(0), Some(NEAR_CHARLIE));
		assert_eq!(RosterSize::<Test>::get(), 1);
	});
}

#[test]
fn leave_fails_for_strangers_and_devices_not_in_the_roster() {
	ExtBuilder.build_and_execute(|| {
		assert_noop!(
			Coverage::leave(RuntimeOrigin::signed(ALICE), BEACONER),
			Error::<Test>::NotJoined
		);
		join(BEACONER);
		assert_noop!(
			Coverage::leave(RuntimeOrigin::signed(BOB), BEACONER),
			Error::<Test>::NotDeviceOperator
		);
		// A suspended device is still its operator's business.
		assert_ok!(Devices::suspend(RuntimeOrigin::root(), BEACONER));
		assert_noop!(
			Coverage::leave(RuntimeOrigin::signed(BOB), BEACONER),
			Error::<Test>::NotDeviceOperator
		);
	});
}

#[test]
fn anyone_removes_a_retired_or_vanished_device_from_the_roster() {
	ExtBuilder.build_and_execute(|| {
		join(NEAR_BOB);
		join(NEAR_CHARLIE);
		assert_ok!(Devices::deregister(RuntimeOrigin::signed(BOB), NEAR_BOB));
		assert_ok!(Coverage::leave(RuntimeOrigin::signed(EVE), NEAR_BOB));
		assert_ok!(Devices::deregister(RuntimeOrigin::signed(CHARLIE), NEAR_CHARLIE));
		run_to_block(20);
		assert_ok!(Devices::claim_deposit(RuntimeOrigin::signed(CHARLIE), NEAR_CHARLIE));
		assert!(pallet_devices::Devices::<Test>::get(NEAR_CHARLIE).is_none());
		assert_ok!(Coverage::leave(RuntimeOrigin::signed(EVE), NEAR_CHARLIE));
		assert_eq!(RosterSize::<Test>::get(), 0);
	});
}

// ---- The beacon lottery -----------------------------------------------------------------

#[test]
fn nobody_beacons_in_epoch_zero_nor_off_the_roster() {
	ExtBuilder.build_and_execute(|| {
		join(BEACONER);
		run_to_block(5);
		// Epoch 0's seed is zero: no lottery.
		assert_eq!(Coverage::ticket(BEACONER), None);
		assert_bundle_rejected(
			bundle(beacon_of(BEACONER, 5, FREQUENCY), vec![]),
			Error::<Test>::NotBeaconer,
		);
		assert_ok!(Coverage::leave(RuntimeOrigin::signed(ALICE), BEACONER));
		run_to_epoch(1);
		assert_eq!(Coverage::ticket(BEACONER), None);
		System::reset_events();
		assert_bundle_rejected(
			bundle(beacon_of(BEACONER, 10, FREQUENCY), vec![]),
			Error::<Test>::NotBeaconer,
		);
		assert!(Coverage::beacons().is_empty());
		assert_eq!(Coverage::potential_points(BEACONER), 0);
	});
}

#[test]
fn the_lottery_picks_winners_from_the_seed_at_the_governed_odds() {
	ExtBuilder.build_and_execute(|| {
		let roster = [BEACONER, NEAR_BOB, NEAR_CHARLIE, ALICES_OTHER, CLOSE_DAVE, FAR_EVE];
		for device in roster {
			join(device);
		}
		assert_ok!(Devices::suspend(RuntimeOrigin::root(), FAR_EVE));
		BeaconInterval::set(2);
		// Epoch 1 starts: nothing is drawn, nothing written.
		run_to_epoch(1);
		assert_eq!(Beacons::<Test>::iter().count(), 0);
		let seed = epoch().seed;
		let wins = |device| wins_beacon(&seed, 1, device, 2);
		let (winners, losers): (Vec<_>, Vec<_>) =
			roster.into_iter().filter(|d| *d != FAR_EVE).partition(|d| wins(*d));
		assert!(!winners.is_empty() && !losers.is_empty(), "seed {seed:?}");
		// A suspended device holds no ticket, whatever its draw.
		assert_eq!(Coverage::ticket(FAR_EVE), None);
		for device in &winners {
			let ticket = Coverage::ticket(*device).unwrap();
			assert_eq!((ticket.device, ticket.epoch, ticket.deadline), (*device, 1, 17));
			assert_eq!(ticket.challenge, beacon_challenge(&seed, 1, *device));
			assert!(ticket.beacon.is_none() && ticket.witnesses.is_empty());
			assert_eq!(Coverage::potential_points(*device), expected_points(400, *device));
		}
		for device in &losers {
			assert_eq!(Coverage::ticket(*device), None);
			assert_eq!(Coverage::potential_points(*device), 0);
		}
		// A loser's beacon is refused; a winner's is recorded, its slot made by it.
		run_to_block(11);
		assert_bundle_rejected(
			bundle(beacon_of(losers[0], 10, FREQUENCY), vec![]),
			Error::<Test>::NotBeaconer,
		);
		submit(bundle(beacon_of(winners[0], 10, FREQUENCY), vec![]));
		assert_eq!(BeaconCount::<Test>::get(1), 1);
		let statuses = Coverage::beacons();
		assert_eq!(statuses.iter().map(|s| s.device).collect::<Vec<_>>(), vec![winners[0]]);
		assert_eq!(
			Coverage::ticket(winners[0]).unwrap().beacon,
			slot_of(winners[0]).unwrap().beacon
		);
		// At odds of one, everyone on the roster (and active) wins.
		BeaconInterval::set(1);
		assert!(roster.iter().all(|d| Coverage::ticket(*d).is_some() == (*d != FAR_EVE)));
	});
}

#[test]
fn each_device_wins_about_once_an_interval_whatever_the_roster() {
	ExtBuilder.build_and_execute(|| {
		let roster = [BEACONER, NEAR_BOB, NEAR_CHARLIE, ALICES_OTHER, CLOSE_DAVE, FAR_EVE];
		for device in roster {
			join(device);
		}
		BeaconInterval::set(3);
		let mut wins: std::collections::BTreeMap<DeviceId, u32> = Default::default();
		for e in 1..=60 {
			run_to_epoch(e);
			for device in roster {
				if Coverage::ticket(device).is_some() {
					*wins.entry(device).or_default() += 1;
				}
			}
		}
		// 20 expected each: every device wins, none far from it.
		assert_eq!(wins.len(), 6, "{wins:?}");
		assert!(wins.values().all(|w| (8..=32).contains(w)), "{wins:?}");
	});
}

#[test]
fn an_epoch_records_at_most_max_beacons() {
	ExtBuilder.build_and_execute(|| {
		join(BEACONER);
		join(NEAR_BOB);
		MaxBeacons::set(1);
		run_to_epoch(1);
		run_to_block(11);
		submit(bundle(beacon_of(BEACONER, 10, FREQUENCY), vec![]));
		System::reset_events();
		assert_bundle_rejected(
			bundle(beacon_of(NEAR_BOB, 10, FREQUENCY), vec![]),
			Error::<Test>::BeaconsFull,
		);
		// The recorded beacon still takes its receipts.
		System::reset_events();
		let beacon = beacon_of(BEACONER, 10, FREQUENCY);
		submit(bundle(beacon.clone(), vec![receipt_of(NEAR_CHARLIE, &beacon, 10)]));
		assert_eq!(witnesses_of(BEACONER), vec![NEAR_CHARLIE]);
		// The next epoch has room again.
		run_to_epoch(2);
		run_to_block(21);
		submit(bundle(beacon_of(NEAR_BOB, 20, FREQUENCY), vec![]));
		assert!(slot_of(NEAR_BOB).is_some());
	});
}

#[test]
fn an_ended_epochs_beacons_are_judged_a_bounded_number_a_block() {
	ExtBuilder.build_and_execute(|| {
		for device in [BEACONER, NEAR_BOB, NEAR_CHARLIE] {
			join(device);
		}
		JudgedPerBlock::set(2);
		run_to_epoch(1);
		run_to_block(11);
		for device in [BEACONER, NEAR_BOB, NEAR_CHARLIE] {
			submit(bundle(beacon_of(device, 10, FREQUENCY), vec![]));
		}
		assert_eq!(Beacons::<Test>::iter_prefix(1).count(), 3);
		// Nothing is judged while the epoch lasts.
		run_to_block(19);
		assert_eq!((Beacons::<Test>::iter_prefix(1).count(), JudgedFrom::<Test>::get()), (3, 1));
		// Epoch 2's first block judges two of them, the next the third, then moves on.
		run_to_block(20);
		assert_eq!(Beacons::<Test>::iter_prefix(1).count(), 1);
		assert_eq!(JudgedFrom::<Test>::get(), 1);
		assert_eq!(BeaconCount::<Test>::get(1), 3);
		run_to_block(21);
		assert_eq!(Beacons::<Test>::iter_prefix(1).count(), 0);
		run_to_block(22);
		assert_eq!((JudgedFrom::<Test>::get(), BeaconCount::<Test>::contains_key(1)), (2, false));
		// A block's judging costs what it judged, within the most a block may.
		assert!(Coverage::judge_ended().all_lte(Coverage::judging_weight()));
	});
}

// ---- Beacons ----------------------------------------------------------------------------

#[test]
fn an_honest_beacon_and_its_witnesses_earn_density_scaled_points() {
	ExtBuilder.build_and_execute(|| {
		beaconer_drawn();
		let beacon = beacon_of(BEACONER, 10, FREQUENCY);
		let id = Coverage::beacon_id(&beacon);
		run_to_block(12);
		let receipts =
			vec![receipt_of(NEAR_BOB, &beacon, 10), receipt_of(NEAR_CHARLIE, &beacon, 11)];
		submit(bundle(beacon, receipts));

		let [witness_bob, beaconer, witness_charlie] =
			points_in_order(&[(NEAR_BOB, 100), (BEACONER, 400), (NEAR_CHARLIE, 100)])[..]
		else {
			unreachable!()
		};
		assert!(beaconer > 0 && witness_bob > 0 && witness_charlie > 0);
		assert_eq!(
			coverage_events()[coverage_events().len() - 5..],
			[
				Event::BeaconRecorded { device: BEACONER, epoch: 1, beacon: id },
				Event::WitnessAccepted {
					beaconer: BEACONER,
					witness: NEAR_BOB,
					epoch: 1,
					points: witness_bob
				},
				Event::WitnessAccepted {
					beaconer: BEACONER,
					witness: NEAR_CHARLIE,
					epoch: 1,
					points: witness_charlie
				},
				Event::BeaconConfirmed { device: BEACONER, epoch: 1, points: beaconer },
				Event::BatchProcessed { accepted: 1, rejected: 0 },
			]
		);
		assert_eq!(
			points(),
			vec![
				(NEAR_BOB, DeviceKind::Coverage, 1, witness_bob),
				(NEAR_CHARLIE, DeviceKind::Coverage, 1, witness_charlie),
				(BEACONER, DeviceKind::Coverage, 1, beaconer),
			]
		);
		let slot = slot_of(BEACONER).unwrap();
		assert_eq!(
			slot.beacon,
			Some(Beacon { id, sent_at: 10, frequency: FREQUENCY, recorded_at: 12 })
		);
		assert_eq!(slot.witnesses.into_inner(), vec![NEAR_BOB, NEAR_CHARLIE]);
		assert_eq!(slot.points, beaconer);
		assert_eq!(Coverage::potential_points(BEACONER), 0, "confirmed: nothing more to earn");
		let status = &Coverage::beacons()[0];
		assert_eq!((status.witnesses.len(), status.points), (2, beaconer));
	});
}

#[test]
fn decoys_registered_in_a_cell_but_never_heard_do_not_dilute_it() {
	ExtBuilder.build_and_execute(|| {
		beaconer_drawn();
		let cell = density_cell_of(BEACONER);
		// A rival parks refundable decoys in the beaconer's density cell.
		let before = Devices::devices_in_cell(cell, DeviceKind::Coverage);
		for i in 0..8u8 {
			let key = pallet_devices::DevicePair::Ed25519(sp_core::Pair::from_seed(&[100 + i; 32]));
			register_hotspot(EVE, &key, location_of(BEACONER));
		}
		assert_eq!(Devices::devices_in_cell(cell, DeviceKind::Coverage), before + 8);
		let beacon = beacon_of(BEACONER, 10, FREQUENCY);
		run_to_block(11);
		submit(bundle(beacon.clone(), vec![receipt_of(NEAR_BOB, &beacon, 10)]));
		let beaconer = points().into_iter().find(|p| p.0 == BEACONER).unwrap().3;
		let expected = points_in_order(&[(NEAR_BOB, 100), (BEACONER, 400)])[1];
		assert_eq!(beaconer, expected);
		assert_eq!(beaconer, 400, "the beaconer's cell is not crowded by devices nobody heard");
	});
}

#[test]
fn cells_crowded_with_devices_heard_last_epoch_earn_less_per_device() {
	ExtBuilder.build_and_execute(|| {
		beaconer_drawn();
		let cell = density_cell_of(BEACONER);
		// Six devices of the beaconer's cell were heard in epoch 0.
		HeardInCell::<Test>::insert(cell, HeardCount { epoch: 0, current: 6, previous: 0 });
		assert_eq!(HeardInCell::<Test>::get(cell).at(1).density(), 6);
		assert_eq!(Coverage::potential_points(BEACONER), scaled_points(400, 6, 2, 4));
		let beacon = beacon_of(BEACONER, 10, FREQUENCY);
		run_to_block(11);
		submit(bundle(beacon.clone(), vec![receipt_of(NEAR_BOB, &beacon, 10)]));
		let beaconer = points().into_iter().find(|p| p.0 == BEACONER).unwrap().3;
		assert_eq!(beaconer, scaled_points(400, 6, 2, 4));
		assert!(beaconer < 400 * 3 / 4, "a crowded cell earns less: {beaconer}");
		// A device counts once per epoch, however often it is heard.
		let heard = HeardInCell::<Test>::get(cell);
		assert_eq!((heard.epoch, heard.previous), (1, 6));
		assert_eq!(LastHeard::<Test>::get(BEACONER), Some(1));
	});
}

#[test]
fn heard_counts_roll_over_one_epoch_and_are_forgotten_after_two() {
	let heard = HeardCount { epoch: 4, current: 5, previous: 2 };
	assert_eq!(heard.at(4), heard);
	assert_eq!(heard.at(5), HeardCount { epoch: 5, current: 0, previous: 5 });
	assert_eq!(heard.at(6), HeardCount { epoch: 6, current: 0, previous: 0 });
	assert_eq!(heard.density(), 5);
	assert_eq!(heard.at(6).density(), 1, "at least 1");
}

#[test]
fn a_retiring_device_is_forgotten_but_stays_counted_where_it_was_heard() {
	ExtBuilder.build_and_execute(|| {
		beaconer_drawn();
		let beacon = beacon_of(BEACONER, 10, FREQUENCY);
		run_to_block(11);
		submit(bundle(beacon.clone(), vec![receipt_of(NEAR_BOB, &beacon, 10)]));
		assert_eq!(LastHeard::<Test>::get(NEAR_BOB), Some(1));
		let counted = HeardInCell::<Test>::get(density_cell_of(NEAR_BOB)).current;
		assert_ok!(Devices::deregister(RuntimeOrigin::signed(BOB), NEAR_BOB));
		assert_eq!(LastHeard::<Test>::get(NEAR_BOB), None);
		assert_eq!(HeardInCell::<Test>::get(density_cell_of(NEAR_BOB)).current, counted);
	});
}

#[test]
fn receipts_may_arrive_in_later_bundles_and_the_beaconer_is_paid_once() {
	ExtBuilder.build_and_execute(|| {
		beaconer_drawn();
		let beacon = beacon_of(BEACONER, 10, FREQUENCY);
		// The beacon alone: recorded, no points yet.
		submit(bundle(beacon.clone(), vec![]));
		assert!(slot_of(BEACONER).unwrap().beacon.is_some());
		assert!(points().is_empty());
		run_to_block(12);
		submit(bundle(beacon.clone(), vec![receipt_of(NEAR_BOB, &beacon, 11)]));
		submit(bundle(beacon.clone(), vec![receipt_of(NEAR_CHARLIE, &beacon, 12)]));
		assert_eq!(witnesses_of(BEACONER), vec![NEAR_BOB, NEAR_CHARLIE]);
		let beaconer_paid = points().iter().filter(|p| p.0 == BEACONER).count();
		assert_eq!(beaconer_paid, 1);
		assert_eq!(
			coverage_events().iter().filter(|e| matches!(e, Event::BeaconRecorded { .. })).count(),
			1
		);
	});
}

#[test]
fn an_accepted_bundle_is_charged_the_hooks_it_called_and_each_density_cell_once() {
	ExtBuilder.build_and_execute(|| {
		beaconer_drawn();
		run_to_block(11);
		let beacon = beacon_of(BEACONER, 10, FREQUENCY);
		let receipts = vec![
			receipt_of(NEAR_BOB, &beacon, 10),
			receipt_of(NEAR_CHARLIE, &beacon, 10),
			receipt_of(CLOSE_DAVE, &beacon, 10),
		];
		let bundles = batch(vec![bundle(beacon, receipts)]);
		let charged = Coverage::bundles_weight(&bundles);
		let info = Coverage::submit_beacons(RuntimeOrigin::signed(EVE), bundles).unwrap();
		// Dave's receipt is refused (his hotspot is in the beaconer's own cell): two
		// witnesses and the beaconer earned, counted in the density cells they share.
		assert!(coverage_events().contains(&Event::WitnessRejected {
			beaconer: BEACONER,
			witness: CLOSE_DAVE,
			reason: WitnessRejection::TooClose
		}));
		let density = |device| H3Cell::new(location_of(device)).unwrap().parent(7).unwrap();
		let cells: alloc::collections::BTreeSet<_> =
			[BEACONER, NEAR_BOB, NEAR_CHARLIE].map(density).into_iter().collect();
		assert!(cells.len() < 3, "the mock's neighbours share a density cell");
		let spent = Coverage::bundle_spent(3, 3, cells.len() as u32);
		assert_eq!(
			info.actual_weight,
			Some(<Test as crate::Config>::WeightInfo::submit_beacons_rejected(0) + spent)
		);
		assert!(spent.ref_time() < Coverage::bundle_weight(3).ref_time());
		assert!(info.actual_weight.unwrap().all_lte(charged));
	});
}

#[test]
fn the_beaconer_is_paid_once_a_bundle_whatever_the_order_of_its_witnesses() {
	ExtBuilder.build_and_execute(|| {
		beaconer_drawn();
		run_to_block(11);
		// Bob's hotspot has met the beaconer often: its receipt, first, scales the beacon's
		// points down; Charlie's, a stranger, then raises them.
		ReciprocityFree::set(2);
		Standings::<Test>::mutate(NEAR_BOB, |s| {
			for _ in 0..8 {
				s.meet(BEACONER, 1, 4);
			}
		});
		let met = Standings::<Test>::get(NEAR_BOB).met(BEACONER, 1, 4);
		assert!(crate::rings::pair_scale(met, 2) < sp_runtime::Perbill::one());
		let beacon = beacon_of(BEACONER, 10, FREQUENCY);
		let receipts =
			vec![receipt_of(NEAR_BOB, &beacon, 10), receipt_of(NEAR_CHARLIE, &beacon, 10)];
		let bundles = batch(vec![bundle(beacon, receipts)]);
		let charged = Coverage::bundles_weight(&bundles);
		let info = Coverage::submit_beacons(RuntimeOrigin::signed(EVE), bundles).unwrap();
		// One points hook and one event for the beaconer, with all its points.
		let paid: Vec<_> = points().into_iter().filter(|p| p.0 == BEACONER).collect();
		assert_eq!(paid.len(), 1, "{paid:?}");
		let slot = slot_of(BEACONER).unwrap();
		assert!(slot.points > 0);
		assert_eq!(paid[0].3, slot.points);
		let confirmed: Vec<_> = coverage_events()
			.into_iter()
			.filter(|e| matches!(e, Event::BeaconConfirmed { .. }))
			.collect();
		assert_eq!(
			confirmed,
			vec![Event::BeaconConfirmed { device: BEACONER, epoch: 1, points: slot.points }]
		);
		// Charged for two witnesses and the beaconer, never more than before dispatch.
		let density = |device| H3Cell::new(location_of(device)).unwrap().parent(7).unwrap();
		let cells: alloc::collections::BTreeSet<_> =
			[BEACONER, NEAR_BOB, NEAR_CHARLIE].map(density).into_iter().collect();
		assert_eq!(
			info.actual_weight,
			Some(
				<Test as crate::Config>::WeightInfo::submit_beacons_rejected(0)
					+ Coverage::bundle_spent(2, 3, cells.len() as u32)
			)
		);
		assert!(info.actual_weight.unwrap().all_lte(charged));
	});
}

#[test]
fn a_batch_checks_each_bundle_on_its_own_and_refunds_rejections() {
	ExtBuilder.build_and_execute(|| {
		beaconer_drawn();
		run_to_block(11);
		let beacon = beacon_of(BEACONER, 10, FREQUENCY);
		let stranger = beacon_of(NEAR_BOB, 10, FREQUENCY);
		let good = bundle(beacon.clone(), vec![receipt_of(NEAR_BOB, &beacon, 10)]);
		let bad = bundle(stranger.clone(), vec![receipt_of(NEAR_CHARLIE, &stranger, 10)]);
		let bundles = batch(vec![bad, good]);
		let charged = Coverage::bundles_weight(&bundles);
		let info = Coverage::submit_beacons(RuntimeOrigin::signed(EVE), bundles).unwrap();
		assert_eq!(
			info.actual_weight,
			Some(
				<Test as crate::Config>::WeightInfo::submit_beacons_rejected(0)
					+ Coverage::cheap_rejection_weight()
					+ Coverage::bundle_spent(1, 2, 1)
			)
		);
		assert!(info.actual_weight.unwrap().all_lte(charged));
		assert!(coverage_events().contains(&Event::ItemRejected {
			index: 0,
			device: NEAR_BOB,
			error: Error::<Test>::NotBeaconer.into()
		}));
		assert_eq!(last_event(), Event::BatchProcessed { accepted: 1, rejected: 1 });
		assert_eq!(witnesses_of(BEACONER), vec![NEAR_BOB]);
	});
}

#[test]
fn an_empty_batch_is_refused() {
	ExtBuilder.build_and_execute(|| {
		assert_noop!(
			Coverage::submit_beacons(RuntimeOrigin::signed(EVE), batch(vec![])),
			Error::<Test>::EmptyBatch
		);
	});
}

/// Submit `bundle` and check it was rejected with `error`, changing nothing.
fn assert_bundle_rejected(bundle: crate::BeaconBundleOf<Test>, error: Error<Test>) {
	let before = slot_of(bundle.beacon.device);
	submit(bundle);
	assert_eq!(rejected_bundle(), Some(error.into()));
	assert_eq!(slot_of(rejected_device()), before);
	assert!(points().is_empty());
	assert_eq!(last_event(), Event::BatchProcessed { accepted: 0, rejected: 1 });
}

fn rejected_device() -> DeviceId {
	coverage_events()
		.into_iter()
		.find_map(|e| match e {
			Event::ItemRejected { device, .. } => Some(device),
			_ => None,
		})
		.unwrap()
}

#[test]
fn beacons_of_other_epochs_or_after_the_deadline_are_rejected() {
	ExtBuilder.build_and_execute(|| {
		beaconer_drawn();
		let mut future = beacon_of(BEACONER, 10, FREQUENCY);
		future.epoch = 2;
		assert_bundle_rejected(bundle(future, vec![]), Error::<Test>::EpochNotStarted);
		System::reset_events();
		let mut stale = beacon_of(BEACONER, 10, FREQUENCY);
		stale.epoch = 0;
		assert_bundle_rejected(bundle(stale, vec![]), Error::<Test>::StaleEpoch);
		System::reset_events();
		run_to_block(18);
		assert_bundle_rejected(
			bundle(beacon_of(BEACONER, 10, FREQUENCY), vec![]),
			Error::<Test>::DeadlinePassed,
		);
	});
}

#[test]
fn beacons_sent_outside_the_epoch_or_in_the_future_are_rejected() {
	ExtBuilder.build_and_execute(|| {
		beaconer_drawn();
		run_to_block(12);
		assert_bundle_rejected(
			bundle(beacon_of(BEACONER, 9, FREQUENCY), vec![]),
			Error::<Test>::BadSentAt,
		);
		System::reset_events();
		assert_bundle_rejected(
			bundle(beacon_of(BEACONER, 13, FREQUENCY), vec![]),
			Error::<Test>::BadSentAt,
		);
	});
}

#[test]
fn only_drawn_active_coverage_beaconers_beacon() {
	ExtBuilder.build_and_execute(|| {
		beaconer_drawn();
		assert_bundle_rejected(
			bundle(beacon_of(NEAR_BOB, 10, FREQUENCY), vec![]),
			Error::<Test>::NotBeaconer,
		);
		System::reset_events();
		assert_ok!(Devices::suspend(RuntimeOrigin::root(), BEACONER));
		assert_bundle_rejected(
			bundle(beacon_of(BEACONER, 10, FREQUENCY), vec![]),
			Error::<Test>::DeviceNotActive,
		);
	});
}

#[test]
fn a_recorded_slot_whose_device_vanished_or_is_not_coverage_is_rejected() {
	ExtBuilder.build_and_execute(|| {
		beaconer_drawn();
		// Slots as a first beacon would have made them, for devices that could not make one
		// now: the checks stand even if the registry changes under a recorded beaconer.
		for device in [STORAGE_BOB, 99] {
			let slot = BeaconSlot::won(1, beacon_challenge(&epoch().seed, 1, device));
			Beacons::<Test>::insert(1, device, slot);
		}
		assert_bundle_rejected(
			bundle(beacon_of(STORAGE_BOB, 10, FREQUENCY), vec![]),
			Error::<Test>::NotCoverageDevice,
		);
		System::reset_events();
		let mut unknown = beacon_of(BEACONER, 10, FREQUENCY);
		unknown.device = 99;
		assert_bundle_rejected(bundle(unknown, vec![]), Error::<Test>::UnknownDevice);
		for device in [STORAGE_BOB, 99] {
			Beacons::<Test>::remove(1, device);
		}
	});
}

#[test]
fn a_beaconer_that_moved_to_a_coarse_location_is_rejected() {
	ExtBuilder.build_and_execute(|| {
		beaconer_drawn();
		assert_ok!(Devices::update_location(
			RuntimeOrigin::signed(ALICE),
			BEACONER,
			cell_at(52.52, 13.405, 7)
		));
		assert_bundle_rejected(
			bundle(beacon_of(BEACONER, 10, FREQUENCY), vec![]),
			Error::<Test>::LocationTooCoarse,
		);
	});
}

#[test]
fn a_forged_beacon_is_rejected() {
	ExtBuilder.build_and_execute(|| {
		beaconer_drawn();
		let mut forged = beacon_of(BEACONER, 10, FREQUENCY);
		forged.signature = key_of(NEAR_BOB).sign(b"anything");
		assert_bundle_rejected(bundle(forged, vec![]), Error::<Test>::BadSignature);
		System::reset_events();
		// Signed, but not for this frequency.
		let mut changed = beacon_of(BEACONER, 10, FREQUENCY);
		changed.frequency = 915_000;
		assert_bundle_rejected(bundle(changed, vec![]), Error::<Test>::BadSignature);
	});
}

#[test]
fn a_second_beacon_of_the_same_beaconer_is_rejected() {
	ExtBuilder.build_and_execute(|| {
		beaconer_drawn();
		run_to_block(11);
		submit(bundle(beacon_of(BEACONER, 10, FREQUENCY), vec![]));
		System::reset_events();
		assert_bundle_rejected(
			bundle(beacon_of(BEACONER, 11, FREQUENCY), vec![]),
			Error::<Test>::BeaconMismatch,
		);
	});
}

#[test]
fn a_re_encoded_beacon_signature_is_refused_and_cannot_displace_the_honest_beacon() {
	ExtBuilder.build_and_execute(|| {
		// Charlie's hotspot signs with ECDSA.
		assert!(matches!(key_of(NEAR_CHARLIE), TestKey::Ecdsa(_)));
		join(NEAR_CHARLIE);
		run_to_epoch(1);
		assert!(Coverage::ticket(NEAR_CHARLIE).is_some());
		let honest = beacon_of(NEAR_CHARLIE, 10, FREQUENCY);
		run_to_block(12);

		// An observer copies the honest report and re-encodes its signature (v + 27): key
		// recovery takes it, and an id over the signature's bytes would differ.
		let mut copy = honest.clone();
		let pallet_devices::DeviceSignature::Ecdsa(signature) = &mut copy.signature else {
			panic!("an ECDSA signature")
		};
		signature.0[64] += 27;
		assert_eq!(copy.id(), honest.id(), "the id does not depend on the signature's bytes");
		assert_bundle_rejected(bundle(copy, vec![]), Error::<Test>::BadSignature);

		// The honest bundle still records the beacon and its witness.
		System::reset_events();
		submit(bundle(honest.clone(), vec![receipt_of(NEAR_BOB, &honest, 11)]));
		assert_eq!(witnesses_of(NEAR_CHARLIE), vec![NEAR_BOB]);
		assert_eq!(last_event(), Event::BatchProcessed { accepted: 1, rejected: 0 });
	});
}

#[test]
fn a_recorded_beacon_sent_again_makes_progress_in_the_pool_only_with_a_new_witness() {
	// Anyone can copy a recorded beacon from the chain, and a block accepts it again whatever
	// its receipts: the pool must not rank such a copy as progress (docs/security.md, 19).
	ExtBuilder.build_and_execute(|| {
		let budget = frame_support::weights::Weight::MAX;
		let progress =
			|bundle: crate::BeaconBundleOf<Test>| Coverage::makes_progress(&[bundle], budget);
		beaconer_drawn();
		let beacon = beacon_of(BEACONER, 10, FREQUENCY);
		run_to_block(12);
		assert!(progress(bundle(beacon.clone(), vec![])), "a new beacon");
		submit(bundle(beacon.clone(), vec![receipt_of(NEAR_BOB, &beacon, 11)]));
		let recorded = slot_of(BEACONER);

		// Sent again: alone, with a receipt already counted, or with a late one.
		assert!(!progress(bundle(beacon.clone(), vec![])));
		assert!(!progress(bundle(beacon.clone(), vec![receipt_of(NEAR_BOB, &beacon, 11)])));
		// With a receipt the block takes (heard in time, within the window): progress.
		run_to_block(14);
		assert!(progress(bundle(beacon.clone(), vec![receipt_of(NEAR_CHARLIE, &beacon, 13)])));
		run_to_block(15);
		assert!(!progress(bundle(beacon.clone(), vec![receipt_of(NEAR_CHARLIE, &beacon, 13)])));
		// The pool's checks kept nothing.
		assert_eq!(slot_of(BEACONER), recorded);
	});
}

#[test]
fn receipts_come_within_the_receipt_window_of_the_block_that_recorded_the_beacon() {
	// Recorded in block 12 with Bob's receipt; the window is 2 blocks: Charlie's receipt (heard
	// in time, at 13) is taken up to block 14, and refused from 15, when anyone could have read
	// the beacon's id on chain and signed a receipt for it.
	for (submitted_at, accepted) in [(14, true), (15, false)] {
		ExtBuilder.build_and_execute(|| {
			beaconer_drawn();
			let beacon = beacon_of(BEACONER, 10, FREQUENCY);
			run_to_block(12);
			submit(bundle(beacon.clone(), vec![receipt_of(NEAR_BOB, &beacon, 11)]));
			assert_eq!(slot_of(BEACONER).unwrap().beacon.unwrap().recorded_at, 12);
			clear_points();
			System::reset_events();

			run_to_block(submitted_at);
			submit(bundle(beacon.clone(), vec![receipt_of(NEAR_CHARLIE, &beacon, 13)]));
			if accepted {
				assert_eq!(witnesses_of(BEACONER), vec![NEAR_BOB, NEAR_CHARLIE]);
				assert!(rejections().is_empty());
			} else {
				assert_eq!(rejections(), vec![(NEAR_CHARLIE, TooLate)]);
				assert_eq!(witnesses_of(BEACONER), vec![NEAR_BOB]);
				assert!(points().is_empty(), "a late receipt earned points");
			}
		});
	}
}

#[test]
fn a_witness_registered_or_moved_after_the_beacon_was_sent_did_not_hear_it() {
	// Registered in the block the beacon was sent in, or later.
	for registered_in in [10, 11] {
		with_beaconer(|| {
			run_to_block(registered_in);
			let key = pallet_devices::DevicePair::Ed25519(sp_core::Pair::from_seed(&[150; 32]));
			let newcomer = register_hotspot(EVE, &key, location_of(NEAR_BOB));
			let beacon = beacon_of(BEACONER, 10, FREQUENCY);
			let mut receipt = receipt_of(NEAR_BOB, &beacon, 11);
			receipt.witness = newcomer;
			receipt.signature = key.sign(&Coverage::receipt_message(&receipt));
			run_to_block(12);
			submit(bundle(beacon, vec![receipt]));
			assert_eq!(rejections(), vec![(newcomer, JoinedAfterBeacon)]);
			assert!(witnesses_of(BEACONER).is_empty() && points().is_empty());
		});
	}
	// Moved next to the beaconer after the beacon was sent.
	with_beaconer(|| {
		run_to_block(11);
		assert_ok!(Devices::update_location(
			RuntimeOrigin::signed(BOB),
			NEAR_BOB,
			location_of(NEAR_CHARLIE)
		));
		let beacon = beacon_of(BEACONER, 10, FREQUENCY);
		let mut receipt = receipt_of(NEAR_BOB, &beacon, 11);
		receipt.cell = location_of(NEAR_CHARLIE);
		resign(&mut receipt);
		run_to_block(12);
		submit(bundle(beacon, vec![receipt]));
		assert_eq!(rejections(), vec![(NEAR_BOB, JoinedAfterBeacon)]);
	});
}

// ---- Witness rules, each with its reason ------------------------------------------------

fn with_beaconer(test: impl FnOnce()) {
	ExtBuilder.build_and_execute(|| {
		beaconer_drawn();
		test();
	});
}

#[test]
fn the_beaconer_cannot_witness_itself() {
	with_beaconer(|| assert_eq!(rejection_of(BEACONER, |_| {}), SelfWitness));
}

#[test]
fn witnesses_of_the_beaconers_owner_or_manager_are_colluding() {
	with_beaconer(|| assert_eq!(rejection_of(ALICES_OTHER, |_| {}), SameOperator));
	with_beaconer(|| assert_eq!(rejection_of(MANAGED_DAVE, |_| {}), SameOperator));
}

#[test]
fn a_witness_managed_by_the_beaconers_owner_is_colluding() {
	with_beaconer(|| {
		assert_ok!(Devices::set_manager(RuntimeOrigin::signed(BOB), NEAR_BOB, Some(ALICE)));
		assert_eq!(rejection_of(NEAR_BOB, |_| {}), SameOperator);
	});
}

#[test]
fn a_witness_in_the_beaconers_own_cell_is_too_close() {
	with_beaconer(|| assert_eq!(rejection_of(CLOSE_DAVE, |_| {}), TooClose));
}

#[test]
fn a_witness_beyond_the_maximum_distance_is_too_far() {
	with_beaconer(|| assert_eq!(rejection_of(FAR_EVE, |_| {}), TooFar));
}

#[test]
fn a_witness_whose_distance_cannot_be_measured_is_rejected() {
	with_beaconer(|| assert_eq!(rejection_of(NEW_YORK_EVE, |_| {}), DistanceUnknown));
}

#[test]
fn a_witness_located_too_coarsely_is_rejected() {
	with_beaconer(|| assert_eq!(rejection_of(COARSE_BOB, |_| {}), LocationTooCoarse));
	// Nor does a finer cell in its receipt help: it could pick its exclusion cell among the
	// coarse location's children, a different one in each receipt.
	ExtBuilder.build_and_execute(|| {
		beaconer_drawn();
		let fine = location_of(NEAR_BOB);
		assert_eq!(H3Cell::new(fine).unwrap().parent(7).unwrap().raw(), location_of(COARSE_BOB));
		assert_eq!(rejection_of(COARSE_BOB, |r| r.cell = fine), LocationTooCoarse);
	});
}

#[test]
fn a_receipt_from_somewhere_else_than_the_registered_location_is_rejected() {
	with_beaconer(|| {
		assert_eq!(
			rejection_of(NEAR_BOB, |r| {
				r.cell = location_of(NEAR_CHARLIE);
				resign(r);
			}),
			LocationMismatch
		)
	});
	with_beaconer(|| {
		assert_eq!(
			rejection_of(NEAR_BOB, |r| {
				r.cell = 0x1234;
				resign(r);
			}),
			InvalidCell
		)
	});
}

#[test]
fn a_receipt_at_a_coarser_cell_that_contains_the_witness_counts() {
	with_beaconer(|| {
		let beacon = beacon_of(BEACONER, 10, FREQUENCY);
		let mut receipt = receipt_of(NEAR_BOB, &beacon, 10);
		receipt.cell = H3Cell::new(location_of(NEAR_BOB)).unwrap().parent(9).unwrap().raw();
		resign(&mut receipt);
		run_to_block(11);
		submit(bundle(beacon, vec![receipt]));
		assert_eq!(witnesses_of(BEACONER), vec![NEAR_BOB]);
	});
}

#[test]
fn only_active_registered_coverage_devices_witness() {
	with_beaconer(|| assert_eq!(rejection_of(STORAGE_BOB, |_| {}), NotCoverageDevice));
	with_beaconer(|| {
		assert_eq!(
			rejection_of(NEAR_BOB, |r| {
				r.witness = 99;
			}),
			UnknownWitness
		)
	});
	with_beaconer(|| {
		assert_ok!(Devices::suspend(RuntimeOrigin::root(), NEAR_BOB));
		assert_eq!(rejection_of(NEAR_BOB, |_| {}), WitnessNotActive);
	});
}

#[test]
fn a_receipt_for_another_beacon_or_frequency_is_rejected() {
	with_beaconer(|| {
		assert_eq!(
			rejection_of(NEAR_BOB, |r| {
				r.beacon = H256::repeat_byte(7);
				resign(r);
			}),
			WrongBeacon
		)
	});
	with_beaconer(|| {
		assert_eq!(
			rejection_of(NEAR_BOB, |r| {
				r.frequency = FREQUENCY + 200;
				resign(r);
			}),
			WrongFrequency
		)
	});
}

#[test]
fn implausible_signal_readings_are_rejected() {
	for (signal, snr) in [(5, 75), (-150, 75), (-97, 301), (-97, -301)] {
		with_beaconer(|| {
			assert_eq!(
				rejection_of(NEAR_BOB, |r| {
					(r.signal, r.snr) = (signal, snr);
					resign(r);
				}),
				ImplausibleSignal
			)
		});
	}
}

#[test]
fn receipts_outside_the_freshness_window_are_rejected() {
	// The beacon is sent at 10 and the window is 3 blocks: heard at 10..=13.
	for (heard, reason) in [(9, NotFresh), (14, NotFresh), (17, FromTheFuture)] {
		ExtBuilder.build_and_execute(|| {
			beaconer_drawn();
			let beacon = beacon_of(BEACONER, 10, FREQUENCY);
			run_to_block(16);
			submit(bundle(beacon.clone(), vec![receipt_of(NEAR_BOB, &beacon, heard)]));
			assert_eq!(rejections(), vec![(NEAR_BOB, reason)], "heard at {heard}");
			assert!(witnesses_of(BEACONER).is_empty());
		});
	}
}

#[test]
fn a_receipt_not_signed_by_the_witness_is_rejected() {
	with_beaconer(|| {
		assert_eq!(
			rejection_of(NEAR_BOB, |r| {
				r.signature = key_of(NEAR_CHARLIE).sign(&Coverage::receipt_message(r));
			}),
			BadSignature
		)
	});
	// Signed, then changed.
	with_beaconer(|| assert_eq!(rejection_of(NEAR_BOB, |r| r.signal = -60), BadSignature));
}

#[test]
fn duplicate_witnesses_and_receipts_are_rejected() {
	with_beaconer(|| {
		let beacon = beacon_of(BEACONER, 10, FREQUENCY);
		run_to_block(12);
		let receipt = receipt_of(NEAR_BOB, &beacon, 11);
		submit(bundle(beacon.clone(), vec![receipt.clone(), receipt.clone()]));
		assert_eq!(rejections(), vec![(NEAR_BOB, DuplicateWitness)]);
		// The same receipt again in a later bundle, and another receipt of the same witness.
		System::reset_events();
		let other = receipt_of(NEAR_BOB, &beacon, 12);
		submit(bundle(beacon, vec![receipt, other]));
		assert_eq!(rejections(), vec![(NEAR_BOB, AlreadyWitnessed), (NEAR_BOB, DuplicateWitness)]);
		assert_eq!(witnesses_of(BEACONER), vec![NEAR_BOB]);
		assert_eq!(points().iter().filter(|p| p.0 == NEAR_BOB).count(), 1);
	});
}

#[test]
fn a_beacon_counts_at_most_max_witnesses() {
	with_beaconer(|| {
		// Register enough honest witnesses around the beaconer, each with its own owner and
		// cell (the last, refused anyway, where Charlie is).
		let max: u32 = <Test as crate::Config>::MaxWitnesses::get();
		let mut cells = next_doors(BEACONER);
		assert_eq!(cells.len(), max as usize);
		cells.push(location_of(NEAR_CHARLIE));
		let mut witnesses = vec![];
		for (i, cell) in cells.into_iter().enumerate() {
			let owner = 100 + i as u64;
			let key =
				pallet_devices::DevicePair::Sr25519(sp_core::Pair::from_seed(&[200 + i as u8; 32]));
			<Balances as frame_support::traits::fungible::Mutate<u64>>::set_balance(&owner, 10_000);
			witnesses.push((register_hotspot(owner, &key, cell), key));
		}
		// Registered in block 10: there to hear a beacon sent in block 11.
		run_to_block(11);
		let beacon = beacon_of(BEACONER, 11, FREQUENCY);
		let receipts = witnesses
			.iter()
			.take(max as usize)
			.map(|(id, key)| receipt_by(*id, key, &beacon, 11))
			.collect::<Vec<_>>();
		run_to_block(12);
		submit(bundle(beacon.clone(), receipts));
		assert_eq!(witnesses_of(BEACONER).len(), max as usize);
		let (last, key) = witnesses.last().unwrap();
		let one_more = receipt_by(*last, key, &beacon, 11);
		submit(bundle(beacon, vec![one_more]));
		assert_eq!(rejections(), vec![(*last, WitnessLimit)]);
		assert_eq!(witnesses_of(BEACONER).len(), max as usize);
	});
}

#[test]
fn one_bad_receipt_does_not_spoil_the_others() {
	with_beaconer(|| {
		let beacon = beacon_of(BEACONER, 10, FREQUENCY);
		run_to_block(11);
		let receipts = vec![
			receipt_of(FAR_EVE, &beacon, 10),
			receipt_of(NEAR_BOB, &beacon, 10),
			receipt_of(ALICES_OTHER, &beacon, 10),
			receipt_of(NEAR_CHARLIE, &beacon, 11),
		];
		submit(bundle(beacon, receipts));
		assert_eq!(rejections(), vec![(FAR_EVE, TooFar), (ALICES_OTHER, SameOperator)]);
		assert_eq!(witnesses_of(BEACONER), vec![NEAR_BOB, NEAR_CHARLIE]);
		assert_eq!(last_event(), Event::BatchProcessed { accepted: 1, rejected: 0 });
	});
}

// ---- Messages ---------------------------------------------------------------------------

#[test]
fn the_signed_messages_bind_the_chain_and_every_field() {
	ExtBuilder.build_and_execute(|| {
		beaconer_drawn();
		let genesis = System::block_hash(0);
		let challenge = beacon_challenge(&epoch().seed, 1, BEACONER);
		let mut expected = b"depin/cov/beacon".to_vec();
		expected.extend(genesis.as_bytes());
		expected.extend(BEACONER.to_le_bytes());
		expected.extend(1u32.to_le_bytes());
		expected.extend(challenge.as_bytes());
		expected.extend(10u64.to_le_bytes());
		expected.extend(FREQUENCY.to_le_bytes());
		assert_eq!(Coverage::beacon_message(BEACONER, 1, challenge, 10, FREQUENCY), expected);

		let beacon = beacon_of(BEACONER, 10, FREQUENCY);
		let receipt = receipt_of(NEAR_BOB, &beacon, 11);
		let mut expected = b"depin/cov/receip".to_vec();
		expected.extend(genesis.as_bytes());
		expected.extend(Coverage::beacon_id(&beacon).as_bytes());
		expected.extend(NEAR_BOB.to_le_bytes());
		expected.extend((-97i16).to_le_bytes());
		expected.extend(75i16.to_le_bytes());
		expected.extend(FREQUENCY.to_le_bytes());
		expected.extend(11u64.to_le_bytes());
		expected.extend(location_of(NEAR_BOB).to_le_bytes());
		assert_eq!(Coverage::receipt_message(&receipt), expected);
		let mut fields = b"depin/cov/beacid".to_vec();
		fields.extend(BEACONER.to_le_bytes());
		fields.extend(1u32.to_le_bytes());
		fields.extend(10u64.to_le_bytes());
		fields.extend(FREQUENCY.to_le_bytes());
		assert_eq!(Coverage::beacon_id(&beacon), H256(sp_io::hashing::blake2_256(&fields)));
	});
}

// ---- Ring rules -------------------------------------------------------------------------

/// `device`'s registered location moved to each of the six other resolution-8 cells of its
/// resolution-7 parent: places a grid step or two away, in its density cell.
fn next_doors(device: DeviceId) -> Vec<u64> {
	let home = H3Cell::new(location_of(device)).unwrap();
	let shift = u32::from(pallet_devices::h3::MAX_RESOLUTION - 8) * 3;
	let digit = (home.raw() >> shift) & 0b111;
	(1..7)
		.map(|step| {
			let moved = (home.raw() & !(0b111u64 << shift)) | (((digit + step) % 7) << shift);
			let cell = H3Cell::new(moved).unwrap();
			assert_eq!(cell.parent(7), home.parent(7), "the same density cell");
			assert_ne!(cell.parent(8), home.parent(8), "another exclusion cell");
			cell.raw()
		})
		.collect()
}

/// The first of [`next_doors`].
fn next_door(device: DeviceId) -> u64 {
	next_doors(device)[0]
}

/// A new coverage hotspot of `owner` at `location` (registered now, so before any beacon of
/// a later block), with an ed25519 key from `seed`.
fn hotspot_at(owner: u64, seed: u8, location: u64) -> (DeviceId, pallet_devices::DevicePair) {
	let key = pallet_devices::DevicePair::Ed25519(sp_core::Pair::from_seed(&[seed; 32]));
	(register_hotspot(owner, &key, location), key)
}

/// A receipt of `beacon` by a hotspot that is no genesis device.
fn receipt_by(
	witness: DeviceId,
	key: &pallet_devices::DevicePair,
	beacon: &BeaconReport<u64>,
	received_at: u64,
) -> crate::WitnessReceiptOf<Test> {
	let mut receipt = receipt_of(NEAR_BOB, beacon, received_at);
	receipt.witness = witness;
	receipt.cell = Devices::device(witness).unwrap().location.raw();
	receipt.signature = key.sign(&Coverage::receipt_message(&receipt));
	receipt
}

/// `BEACONER`'s beacon, sent at block 10, witnessed by Bob and then by `other` (no genesis
/// device, signing with `key`), relayed at block 11.
fn heard_by_bob_and(other: DeviceId, key: &pallet_devices::DevicePair) {
	let beacon = beacon_of(BEACONER, 10, FREQUENCY);
	run_to_block(11);
	let receipts = vec![receipt_of(NEAR_BOB, &beacon, 10), receipt_by(other, key, &beacon, 10)];
	submit(bundle(beacon, receipts));
}

/// The points `device` was reported in this test so far.
fn points_of(device: DeviceId) -> Vec<u64> {
	points().into_iter().filter(|p| p.0 == device).map(|p| p.3).collect()
}

#[test]
fn a_beacons_witnesses_are_of_distinct_operators() {
	ExtBuilder.build_and_execute(|| {
		// Bob's second hotspot, next door to Charlie's.
		let (bobs_other, key) = hotspot_at(BOB, 160, next_door(NEAR_CHARLIE));
		beaconer_drawn();
		let beacon = beacon_of(BEACONER, 10, FREQUENCY);
		run_to_block(11);
		let receipts =
			vec![receipt_of(NEAR_BOB, &beacon, 10), receipt_by(bobs_other, &key, &beacon, 10)];
		submit(bundle(beacon.clone(), receipts));
		assert_eq!(rejections(), vec![(bobs_other, SameWitnessOperator)]);
		assert_eq!(witnesses_of(BEACONER), vec![NEAR_BOB]);
		// A witness managed by an earlier witness's owner shares its operator too, in a later
		// bundle as well.
		assert_ok!(Devices::set_manager(RuntimeOrigin::signed(CHARLIE), NEAR_CHARLIE, Some(BOB)));
		let late = receipt_of(NEAR_CHARLIE, &beacon, 11);
		submit(bundle(beacon, vec![late]));
		assert_eq!(rejections().last(), Some(&(NEAR_CHARLIE, SameWitnessOperator)));
		assert_eq!(witnesses_of(BEACONER), vec![NEAR_BOB]);
	});
}

#[test]
fn a_beacons_witnesses_stand_in_distinct_cells() {
	ExtBuilder.build_and_execute(|| {
		// Eve's hotspot in Bob's resolution-8 cell.
		let (eves, key) = hotspot_at(EVE, 161, location_of(NEAR_BOB));
		beaconer_drawn();
		let beacon = beacon_of(BEACONER, 10, FREQUENCY);
		run_to_block(11);
		let receipts = vec![
			receipt_of(NEAR_BOB, &beacon, 10),
			receipt_by(eves, &key, &beacon, 10),
			receipt_of(NEAR_CHARLIE, &beacon, 10),
		];
		submit(bundle(beacon, receipts));
		assert_eq!(rejections(), vec![(eves, SameWitnessCell)]);
		assert_eq!(witnesses_of(BEACONER), vec![NEAR_BOB, NEAR_CHARLIE]);
		let slot = slot_of(BEACONER).unwrap();
		assert_eq!(slot.marks.len(), 2);
	});
}

#[test]
fn a_witness_earns_for_at_most_witness_cap_receipts_an_epoch() {
	ExtBuilder.build_and_execute(|| {
		WitnessCap::set(1);
		join(BEACONER);
		join(NEAR_CHARLIE);
		run_to_epoch(1);
		assert!(Coverage::ticket(BEACONER).is_some() && Coverage::ticket(NEAR_CHARLIE).is_some());
		run_to_block(11);
		let first = beacon_of(BEACONER, 10, FREQUENCY);
		let second = beacon_of(NEAR_CHARLIE, 10, FREQUENCY);
		let receipts = |beacon: &BeaconReport<u64>| vec![receipt_of(NEAR_BOB, beacon, 10)];
		submit(bundle(first.clone(), receipts(&first)));
		submit(bundle(second.clone(), receipts(&second)));
		let bob = points_of(NEAR_BOB);
		assert_eq!(bob.len(), 2);
		assert!(bob[0] > 0, "the first receipt earns");
		assert_eq!(bob[1], 0, "the second, over the cap, earns nothing");
		// It still confirms the beacon: Charlie is paid.
		assert_eq!(witnesses_of(NEAR_CHARLIE), vec![NEAR_BOB]);
		assert!(points_of(NEAR_CHARLIE)[0] > 0);
		assert_eq!(Standings::<Test>::get(NEAR_BOB).witnessed_in(1), 1);
		// A new epoch, a new allowance.
		run_to_epoch(2);
		assert_eq!(Standings::<Test>::get(NEAR_BOB).witnessed_in(2), 0);
	});
}

/// `BEACONER` beacons in the current epoch, heard by `witnesses`; the points reported.
fn beacon_heard_by(witnesses: &[DeviceId]) -> Vec<(DeviceId, u64)> {
	clear_points();
	let start = epoch().start;
	let beacon = beacon_of(BEACONER, start, FREQUENCY);
	run_to_block(start + 1);
	let receipts = witnesses.iter().map(|w| receipt_of(*w, &beacon, start)).collect();
	submit(bundle(beacon, receipts));
	points().into_iter().map(|p| (p.0, p.3)).collect()
}

#[test]
fn pairs_that_keep_meeting_earn_less_and_less() {
	ExtBuilder.build_and_execute(|| {
		// One free meeting a pair; counts halve every 4 epochs; no density scaling.
		ReciprocityFree::set(1);
		DensityTarget::set(100);
		DensityMax::set(100);
		join(BEACONER);
		let mut earned = Vec::new();
		for e in 1..=3 {
			run_to_epoch(e);
			earned.push(beacon_heard_by(&[NEAR_BOB]));
		}
		assert_eq!(
			earned,
			vec![
				vec![(NEAR_BOB, 100), (BEACONER, 400)],
				vec![(NEAR_BOB, 50), (BEACONER, 200)],
				vec![(NEAR_BOB, 33), (BEACONER, 133)],
			]
		);
		assert_eq!(Standings::<Test>::get(NEAR_BOB).met(BEACONER, 3, 4), 3);
		assert_eq!(Standings::<Test>::get(BEACONER).met(NEAR_BOB, 3, 4), 3);
		// Four epochs apart, their count halves (3 → 1): the next meeting pays a half.
		run_to_epoch(7);
		assert_eq!(Standings::<Test>::get(NEAR_BOB).met(BEACONER, 7, 4), 1);
		assert_eq!(beacon_heard_by(&[NEAR_BOB]), vec![(NEAR_BOB, 50), (BEACONER, 200)]);
	});
}

#[test]
fn a_fresher_witness_raises_the_beaconers_points() {
	ExtBuilder.build_and_execute(|| {
		ReciprocityFree::set(1);
		DensityTarget::set(100);
		DensityMax::set(100);
		join(BEACONER);
		run_to_epoch(1);
		beacon_heard_by(&[NEAR_BOB]);
		run_to_epoch(2);
		// Bob met the beaconer once: a half. Charlie never did: the beacon's full points, paid
		// once for the bundle.
		let earned = beacon_heard_by(&[NEAR_BOB, NEAR_CHARLIE]);
		assert_eq!(earned, vec![(NEAR_BOB, 50), (NEAR_CHARLIE, 100), (BEACONER, 400)]);
		let confirmed: Vec<u64> = coverage_events()
			.into_iter()
			.filter_map(|e| match e {
				Event::BeaconConfirmed { epoch: 2, points, .. } => Some(points),
				_ => None,
			})
			.collect();
		assert_eq!(confirmed, vec![400]);
		let slot = slot_of(BEACONER).unwrap();
		assert_eq!((slot.points, slot.full_points), (400, 400));
	});
}

#[test]
fn a_full_list_of_partners_forgets_the_one_met_least() {
	let mut standing = Standing::<frame_support::traits::ConstU32<3>>::default();
	for (device, times) in [(10, 3), (11, 1), (12, 2)] {
		for _ in 0..times {
			standing.meet(device, 5, 4);
		}
	}
	assert_eq!(standing.met(11, 5, 4), 1);
	standing.meet(13, 6, 4);
	let partners: Vec<_> = standing.partners.iter().map(|p| (p.device, p.count)).collect();
	assert_eq!(partners, vec![(10, 3), (13, 1), (12, 2)]);
	assert_eq!(standing.met(11, 6, 4), 0, "forgotten");
	// Counts halve with time: 3 met at epoch 5 is 1 at epoch 13 (two half-lives of 4).
	assert_eq!(standing.met(10, 13, 4), 0);
	assert_eq!(standing.met(10, 9, 4), 1);
	assert_eq!(standing.met(10, 8, 4), 3);
}

/// A judge (a vouched hotspot in good standing) heard witnessing in the epoch in progress in
/// `exclusion`, an exclusion cell of `BEACONER`'s density cell, besides any really heard.
fn judge_heard_in(exclusion: H3Cell) {
	let e = epoch().index;
	let cell = density_cell_of(BEACONER);
	HeardInCell::<Test>::mutate(cell, |heard| {
		*heard = heard.at(e);
		heard.current += 1;
	});
	Coverage::count_judge(cell, exclusion, e);
}

/// Judges heard in three more exclusion cells of `BEACONER`'s density cell in the current
/// epoch: a beacon of it that its neighbours do not witness is then unheard.
fn crowd_the_beaconers_cell() {
	for door in &next_doors(BEACONER)[3..6] {
		judge_heard_in(H3Cell::new(*door).unwrap().parent(8).unwrap());
	}
}

/// `count` more vouched hotspots heard in `BEACONER`'s own exclusion cell in the current
/// epoch, judges all: none of them can witness it.
fn pack_the_beaconers_cell(count: u32) {
	let own = H3Cell::new(location_of(BEACONER)).unwrap().parent(8).unwrap();
	for _ in 0..count {
		judge_heard_in(own);
	}
}

/// The judgements of `device`.
fn judged_of(device: DeviceId) -> Vec<(DeviceId, EpochIndex, u32, u32, u32)> {
	judged().into_iter().filter(|j| j.0 == device).collect()
}

fn judged() -> Vec<(DeviceId, EpochIndex, u32, u32, u32)> {
	coverage_events()
		.into_iter()
		.filter_map(|e| match e {
			Event::NeighboursJudged { device, epoch, heard, witnessed, unheard } => {
				Some((device, epoch, heard, witnessed, unheard))
			},
			_ => None,
		})
		.collect()
}

#[test]
fn a_hotspot_its_neighbours_do_not_hear_loses_its_coverage_share_until_they_do() {
	ExtBuilder.build_and_execute(|| {
		UnheardLimit::set(2);
		let (neighbour, neighbour_key) = hotspot_at(EVE, 162, next_door(BEACONER));
		Standings::<Test>::mutate(neighbour, |s| Coverage::vouch(s, epoch().index));
		join(BEACONER);
		join(NEAR_CHARLIE);
		// Epochs 1 and 2: the beaconer's cell hears three others, none of which hears it.
		for e in 1..=2 {
			run_to_epoch(e);
			crowd_the_beaconers_cell();
			let earned = beacon_heard_by(&[NEAR_BOB]);
			assert!(earned.iter().any(|(d, p)| *d == BEACONER && *p > 0), "not silenced yet");
		}
		run_to_epoch(3);
		let mine = judged_of(BEACONER);
		assert_eq!(mine.len(), 2);
		assert!(mine.iter().all(|j| j.2 >= 3 && j.3 < j.2), "{mine:?}");
		assert_eq!(mine.iter().map(|j| j.4).collect::<Vec<_>>(), vec![1, 2]);
		assert!(Standings::<Test>::get(BEACONER).silenced(2));

		// Epoch 3: silenced. Its beacon still counts Bob's receipt (Bob is paid) but earns
		// the beaconer nothing, and its own receipts are refused.
		let earned = beacon_heard_by(&[NEAR_BOB]);
		assert_eq!(earned.iter().filter(|(d, _)| *d == BEACONER).count(), 0);
		assert!(earned.iter().any(|(d, p)| *d == NEAR_BOB && *p > 0));
		assert!(coverage_events().contains(&Event::BeaconConfirmed {
			device: BEACONER,
			epoch: 3,
			points: 0
		}));
		let charlies = beacon_of(NEAR_CHARLIE, 31, FREQUENCY);
		let refused = receipt_of(BEACONER, &charlies, 31);
		submit(bundle(charlies, vec![refused]));
		assert_eq!(rejections().last(), Some(&(BEACONER, UnheardByNeighbours)));

		// Epoch 4 is quiet; in epoch 5 its neighbour next door witnesses it: heard again.
		run_to_epoch(5);
		clear_points();
		let beacon = beacon_of(BEACONER, 50, FREQUENCY);
		run_to_block(51);
		submit(bundle(beacon.clone(), vec![receipt_by(neighbour, &neighbour_key, &beacon, 50)]));
		assert!(points_of(BEACONER).is_empty(), "still silenced in this epoch");
		run_to_epoch(6);
		assert_eq!(judged_of(BEACONER).last().map(|j| (j.1, j.3, j.4)), Some((5, 1, 0)));
		assert!(!Standings::<Test>::get(BEACONER).silenced(2));
		assert!(beacon_heard_by(&[NEAR_BOB]).iter().any(|(d, p)| *d == BEACONER && *p > 0));
	});
}

#[test]
fn a_beacon_in_a_cell_where_nobody_else_was_heard_is_not_judged() {
	ExtBuilder.build_and_execute(|| {
		join(BEACONER);
		run_to_epoch(1);
		// Nobody was heard in the beaconer's cell: nothing to judge its beacon by.
		let heard = beacon_heard_by(&[]);
		assert!(heard.is_empty());
		run_to_epoch(2);
		assert!(judged().is_empty());
		assert_eq!(Standings::<Test>::get(BEACONER).unheard, 0);
	});
}

#[test]
fn a_retiring_device_loses_its_standing() {
	ExtBuilder.build_and_execute(|| {
		beaconer_drawn();
		beacon_heard_by(&[NEAR_BOB]);
		assert_eq!(Standings::<Test>::get(NEAR_BOB).met(BEACONER, 1, 4), 1);
		assert!(Standings::<Test>::contains_key(NEAR_BOB));
		assert_ok!(Devices::deregister(RuntimeOrigin::signed(BOB), NEAR_BOB));
		assert!(!Standings::<Test>::contains_key(NEAR_BOB));
	});
}

#[test]
fn a_device_out_of_good_standing_counts_neither_where_it_is_heard_nor_as_a_neighbour() {
	ExtBuilder.build_and_execute(|| {
		let (neighbour, key) = hotspot_at(EVE, 163, next_door(BEACONER));
		beaconer_drawn();
		// Vouched for once, but its last judged beacon was unheard: out of good standing, not
		// yet silenced.
		Standings::<Test>::mutate(neighbour, |s| {
			Coverage::vouch(s, 1);
			s.unheard = 1;
		});
		let cell = density_cell_of(BEACONER);
		let before = HeardInCell::<Test>::get(cell).at(1).current;
		let beacon = beacon_of(BEACONER, 10, FREQUENCY);
		run_to_block(11);
		submit(bundle(beacon.clone(), vec![receipt_by(neighbour, &key, &beacon, 10)]));
		assert_eq!(witnesses_of(BEACONER), vec![neighbour]);
		assert!(points_of(neighbour)[0] > 0, "it still earns");
		let slot = slot_of(BEACONER).unwrap();
		assert_eq!(slot.neighbours, 0, "not a neighbour that heard it");
		assert_eq!(LastHeard::<Test>::get(neighbour), None);
		// The beaconer, in good standing, is counted; the neighbour is not.
		assert_eq!(HeardInCell::<Test>::get(cell).at(1).current, before + 1);
		assert_eq!(LastHeard::<Test>::get(BEACONER), Some(1));
	});
}

/// The beacon of a hotspot that is no genesis device, sent at `sent_at`.
fn beacon_by(
	device: DeviceId,
	key: &pallet_devices::DevicePair,
	sent_at: u64,
) -> BeaconReport<u64> {
	signed_beacon(device, key, sent_at, FREQUENCY)
}

/// Make `device` a winner of the epoch in progress: on the roster (every roster device wins
/// at the mock's odds).
fn drawn_now(device: DeviceId) {
	if !RosterSlotOf::<Test>::contains_key(device) {
		join(device);
	}
	assert!(Coverage::ticket(device).is_some());
}

#[test]
fn a_newcomer_among_heard_hotspots_earns_once_its_neighbours_have_heard_it() {
	ExtBuilder.build_and_execute(|| {
		let (newcomer, key) = hotspot_at(EVE, 164, next_door(BEACONER));
		assert!(!Standings::<Test>::get(newcomer).vouched);
		join(BEACONER);
		join(newcomer);
		run_to_epoch(1);
		// It witnesses the beaconer, heard in its cell before it: on probation, no points.
		heard_by_bob_and(newcomer, &key);
		assert_eq!(witnesses_of(BEACONER), vec![NEAR_BOB, newcomer]);
		assert_eq!(points_of(newcomer), vec![0]);

		// Its own beacon, witnessed by the beaconer next door: confirmed, still no points.
		run_to_epoch(2);
		drawn_now(newcomer);
		clear_points();
		let own = beacon_by(newcomer, &key, 20);
		run_to_block(21);
		submit(bundle(own.clone(), vec![receipt_of(BEACONER, &own, 20)]));
		assert!(points_of(BEACONER)[0] > 0);
		assert!(coverage_events().contains(&Event::BeaconConfirmed {
			device: newcomer,
			epoch: 2,
			points: 0
		}));

		// Judged heard by its neighbours when the epoch ends: vouched, it earns from then on.
		run_to_epoch(3);
		assert_eq!(judged_of(newcomer).last().map(|j| (j.1, j.4)), Some((2, 0)));
		assert!(Standings::<Test>::get(newcomer).vouched);
		drawn_now(newcomer);
		clear_points();
		let own = beacon_by(newcomer, &key, 30);
		run_to_block(31);
		submit(bundle(own.clone(), vec![receipt_of(BEACONER, &own, 30)]));
		assert!(points_of(newcomer)[0] > 0);
	});
}

#[test]
fn a_newcomer_neither_counts_where_it_is_heard_nor_vouches_for_others() {
	ExtBuilder.build_and_execute(|| {
		let (newcomer, key) = hotspot_at(EVE, 165, next_door(BEACONER));
		beaconer_drawn();
		let cell = density_cell_of(BEACONER);
		let beacon = beacon_of(BEACONER, 10, FREQUENCY);
		run_to_block(11);
		submit(bundle(beacon.clone(), vec![receipt_by(newcomer, &key, &beacon, 10)]));
		// Accepted (and, nobody vouched for heard in its cell yet, paid as a pioneer), but no
		// neighbour that heard the beaconer, and not counted among the vouched.
		assert_eq!(witnesses_of(BEACONER), vec![newcomer]);
		assert_eq!(slot_of(BEACONER).unwrap().neighbours, 0);
		assert_eq!(HeardInCell::<Test>::get(cell).at(1).current, 2, "both heard");
		// Nor a judge: the beaconer did not witness, and the newcomer is not vouched for.
		assert_eq!(VouchedCellsIn::<Test>::get(cell).at(1).current, 0);
	});
}

#[test]
fn a_pioneer_is_vouched_for_by_its_first_beacon() {
	ExtBuilder.build_and_execute(|| {
		// Far from everyone, alone in its cell.
		let (pioneer, key) = hotspot_at(EVE, 166, location_of(FAR_EVE));
		join(pioneer);
		run_to_epoch(1);
		drawn_now(pioneer);
		let own = beacon_by(pioneer, &key, 10);
		run_to_block(11);
		submit(bundle(own, vec![]));
		run_to_epoch(2);
		assert!(Standings::<Test>::get(pioneer).vouched);
		assert_eq!(judged().last().map(|j| (j.0, j.2, j.4)), Some((pioneer, 0, 0)));
	});
}

#[test]
fn a_hotspot_that_moves_is_on_probation_where_it_stands_now() {
	ExtBuilder.build_and_execute(|| {
		beaconer_drawn();
		run_to_block(11);
		// Vouched for where it stood, far from the beaconer, and once unheard there.
		assert!(Standings::<Test>::get(FAR_EVE).vouched);
		Standings::<Test>::mutate(FAR_EVE, |s| s.unheard = 1);
		let to = next_door(BEACONER);
		assert_ok!(Devices::update_location(RuntimeOrigin::signed(EVE), FAR_EVE, to));
		let standing = Standings::<Test>::get(FAR_EVE);
		assert!(!standing.vouched, "vouched for where it stood, not where it stands");
		assert_eq!(standing.unheard, 1, "moving does not lift what it was not heard in");

		// Next to the beaconer, where a vouched hotspot is heard before it: it earns nothing.
		Standings::<Test>::mutate(FAR_EVE, |s| s.unheard = 0);
		let beacon = beacon_of(BEACONER, 12, FREQUENCY);
		run_to_block(13);
		let mut moved = receipt_of(FAR_EVE, &beacon, 12);
		moved.cell = to;
		resign(&mut moved);
		let bob = receipt_of(NEAR_BOB, &beacon, 12);
		submit(bundle(beacon, vec![bob, moved]));
		assert_eq!(witnesses_of(BEACONER), vec![NEAR_BOB, FAR_EVE]);
		assert!(points_of(NEAR_BOB)[0] > 0);
		assert_eq!(points_of(FAR_EVE), vec![0]);
	});
}

#[test]
fn a_device_without_a_standing_moves_without_one() {
	ExtBuilder.build_and_execute(|| {
		let (newcomer, _) = hotspot_at(EVE, 167, location_of(FAR_EVE));
		assert!(!Standings::<Test>::contains_key(newcomer));
		run_to_block(20);
		assert_ok!(Devices::update_location(
			RuntimeOrigin::signed(EVE),
			newcomer,
			next_door(BEACONER)
		));
		assert!(!Standings::<Test>::contains_key(newcomer), "no standing made up for it");
	});
}

#[test]
fn hotspots_packed_into_one_exclusion_cell_count_once_among_the_neighbours() {
	ExtBuilder.build_and_execute(|| {
		beaconer_drawn();
		// Four vouched hotspots heard on the beaconer's own block, which cannot witness it,
		// and Bob next door, who does.
		pack_the_beaconers_cell(4);
		assert!(beacon_heard_by(&[NEAR_BOB]).iter().any(|(d, p)| *d == BEACONER && *p > 0));
		run_to_epoch(2);
		// Judged by the one other place vouched hotspots were heard, Bob's: heard.
		assert_eq!(judged_of(BEACONER), vec![(BEACONER, 1, 1, 1, 0)]);
		assert_eq!(Standings::<Test>::get(BEACONER).unheard, 0);
	});
}

#[test]
fn a_winner_that_sends_nothing_is_not_judged_and_its_vouching_lapses() {
	ExtBuilder.build_and_execute(|| {
		VouchingLasts::set(2);
		PioneerAfter::set(1);
		// Vouched for at genesis (epoch 0): for two intervals of one epoch, to epoch 2.
		Standings::<Test>::mutate(BEACONER, |s| Coverage::vouch(s, 0));
		let standing = Standings::<Test>::get(BEACONER);
		assert_eq!(standing.vouched_until, 2);
		assert!(Coverage::vouched(&standing, 2) && !Coverage::vouched(&standing, 3));
		// Fixed when vouched: a later change of the odds or the length applies from the next
		// renewal, and does not bring a lapsed vouching back.
		BeaconInterval::set(2);
		VouchingLasts::set(10);
		assert!(!Coverage::vouched(&Standings::<Test>::get(BEACONER), 3));
		let mut renewed = standing.clone();
		Coverage::vouch(&mut renewed, 3);
		assert_eq!(renewed.vouched_until, 3 + 20);
		// Never shorter than an interval beyond `PioneerAfter`: a lone pioneer's own mark on its
		// cell lapses first.
		PioneerAfter::set(30);
		Coverage::vouch(&mut renewed, 3);
		assert_eq!(renewed.vouched_until, 3 + 30 + 2);
		PioneerAfter::set(1);
		BeaconInterval::set(1);
		VouchingLasts::set(2);

		beaconer_drawn();
		crowd_the_beaconers_cell();
		// Silent in epoch 1 where its neighbours are heard: no slot, nothing judged.
		run_to_epoch(2);
		assert_eq!(judged_of(BEACONER), vec![]);
		assert_eq!(Standings::<Test>::get(BEACONER), standing);

		// Lapsed in epoch 3, where its cell is inhabited: on probation. Its receipt of Bob's
		// beacon is taken but earns nothing, and it is no judge of its cell.
		run_to_epoch(3);
		let cell = density_cell_of(BEACONER);
		crate::InhabitedIn::<Test>::insert(cell, 3);
		Standings::<Test>::mutate(NEAR_BOB, |s| Coverage::vouch(s, 3));
		drawn_now(NEAR_BOB);
		let bobs = beacon_of(NEAR_BOB, 30, FREQUENCY);
		run_to_block(31);
		submit(bundle(bobs.clone(), vec![receipt_of(BEACONER, &bobs, 30)]));
		assert_eq!(witnesses_of(NEAR_BOB), vec![BEACONER]);
		assert_eq!(points_of(BEACONER), vec![0]);
		assert_eq!(VouchedCellsIn::<Test>::get(cell).at(3).current, 0);

		// Its own beacon, heard by Bob (vouched for, a judge): heard, and vouched for from its
		// epoch.
		drawn_now(BEACONER);
		let own = beacon_of(BEACONER, 31, FREQUENCY);
		run_to_block(32);
		submit(bundle(own.clone(), vec![receipt_of(NEAR_BOB, &own, 31)]));
		run_to_epoch(4);
		assert_eq!(judged_of(BEACONER), vec![(BEACONER, 3, 1, 1, 0)]);
		let standing = Standings::<Test>::get(BEACONER);
		assert_eq!((standing.vouched, standing.vouched_until), (true, 5));
	});
}

#[test]
fn an_untested_beacon_renews_vouching_only_where_the_cell_is_not_inhabited() {
	ExtBuilder.build_and_execute(|| {
		VouchingLasts::set(2);
		PioneerAfter::set(1);
		Standings::<Test>::mutate(BEACONER, |s| Coverage::vouch(s, 0));
		beaconer_drawn();
		// Nobody heard around it, and its cell never inhabited: it beaconed when it won, which
		// keeps its vouching.
		run_to_block(11);
		submit(bundle(beacon_of(BEACONER, 10, FREQUENCY), vec![]));
		run_to_epoch(2);
		assert_eq!(judged_of(BEACONER), vec![]);
		assert_eq!(Standings::<Test>::get(BEACONER).vouched_until, 1 + 2);
		// Where its cell is inhabited (a judge heard there a while ago, none now), a bare
		// beacon renews nothing: only its neighbours' hearing does.
		let cell = density_cell_of(BEACONER);
		crate::InhabitedIn::<Test>::insert(cell, 2);
		run_to_block(21);
		submit(bundle(beacon_of(BEACONER, 20, FREQUENCY), vec![]));
		run_to_epoch(3);
		assert_eq!(judged_of(BEACONER), vec![]);
		assert_eq!(Standings::<Test>::get(BEACONER).vouched_until, 3);
	});
}

#[test]
fn a_beacon_is_judged_by_the_judges_its_epoch_counted_by_its_end() {
	ExtBuilder.build_and_execute(|| {
		beaconer_drawn();
		// A bare beacon first, before anyone around witnessed in the epoch: no judges yet.
		run_to_block(11);
		submit(bundle(beacon_of(BEACONER, 10, FREQUENCY), vec![]));
		assert_eq!(slot_of(BEACONER).unwrap().judges, 0);
		// Its neighbours witness later in the epoch, and never it: unheard all the same.
		crowd_the_beaconers_cell();
		run_to_epoch(2);
		assert_eq!(judged_of(BEACONER), vec![(BEACONER, 1, 3, 0, 1)]);
	});
}

#[test]
fn out_of_good_standing_with_nobody_to_judge_it_a_confirmed_beacon_restores_no_vouching_where_the_cell_is_inhabited(
) {
	ExtBuilder.build_and_execute(|| {
		VouchingLasts::set(2);
		PioneerAfter::set(1);
		Standings::<Test>::mutate(BEACONER, |s| {
			Coverage::vouch(s, 0);
			s.unheard = 1;
		});
		// Its witness is out of good standing too: no judge.
		Standings::<Test>::mutate(NEAR_BOB, |s| s.unheard = 1);
		let cell = density_cell_of(BEACONER);
		crate::InhabitedIn::<Test>::insert(cell, 0);
		beaconer_drawn();
		assert!(witnesses_of(BEACONER).is_empty());
		beacon_heard_by(&[NEAR_BOB]);
		assert_eq!(witnesses_of(BEACONER), vec![NEAR_BOB]);
		run_to_epoch(2);
		// Its standing is back (its judges may all have fallen silent together); its vouching
		// runs its course: only a hearing renews it where the cell is inhabited.
		assert_eq!(judged_of(BEACONER), vec![(BEACONER, 1, 0, 0, 0)]);
		let standing = Standings::<Test>::get(BEACONER);
		assert_eq!((standing.unheard, standing.vouched_until), (0, 2));
		// Where the cell is not inhabited, the same beacon renews it.
		crate::InhabitedIn::<Test>::remove(cell);
		Standings::<Test>::mutate(BEACONER, |s| s.unheard = 1);
		beacon_heard_by(&[NEAR_BOB]);
		run_to_epoch(3);
		let standing = Standings::<Test>::get(BEACONER);
		assert_eq!((standing.unheard, standing.vouched_until), (0, 2 + 2));
	});
}

#[test]
fn a_silenced_hotspot_whose_cell_empties_gets_its_standing_back_once_its_beacon_is_confirmed() {
	ExtBuilder.build_and_execute(|| {
		UnheardLimit::set(2);
		Standings::<Test>::mutate(BEACONER, |s| s.unheard = 2);
		beaconer_drawn();
		// Silenced: its beacon is recorded and earns nothing; nobody is heard around it. A
		// bare beacon proves nothing: it stays silenced.
		assert!(beacon_heard_by(&[]).is_empty());
		run_to_epoch(2);
		assert_eq!(judged_of(BEACONER), vec![]);
		assert!(Standings::<Test>::get(BEACONER).silenced(2));
		// A hotspot confirms its next beacon (paid; the beaconer is not, still silenced).
		drawn_now(BEACONER);
		let earned = beacon_heard_by(&[NEAR_BOB]);
		assert!(earned.iter().all(|(d, _)| *d == NEAR_BOB));
		run_to_epoch(3);
		assert_eq!(judged_of(BEACONER).last().map(|j| (j.1, j.4)), Some((2, 0)));
		let standing = Standings::<Test>::get(BEACONER);
		assert!(standing.vouched && !standing.silenced(2));
	});
}

#[test]
fn a_beaconer_that_moved_after_its_beacon_or_retired_is_not_judged() {
	ExtBuilder.build_and_execute(|| {
		beaconer_drawn();
		crowd_the_beaconers_cell();
		beacon_heard_by(&[]);
		assert_ok!(Devices::update_location(
			RuntimeOrigin::signed(ALICE),
			BEACONER,
			location_of(FAR_EVE)
		));
		run_to_epoch(2);
		assert!(judged_of(BEACONER).is_empty());
		assert_eq!(Standings::<Test>::get(BEACONER).unheard, 0);
	});
	ExtBuilder.build_and_execute(|| {
		beaconer_drawn();
		crowd_the_beaconers_cell();
		beacon_heard_by(&[]);
		assert_ok!(Devices::deregister(RuntimeOrigin::signed(ALICE), BEACONER));
		run_to_epoch(2);
		assert!(judged_of(BEACONER).is_empty());
		assert!(!Standings::<Test>::contains_key(BEACONER), "no standing made up for it");
	});
}

#[test]
fn a_count_leaves_out_an_entry_only_from_the_epoch_it_reads() {
	let count = HeardCount { epoch: 5, current: 3, previous: 2 };
	let own = |epoch, current, previous| HeardCount { epoch, current, previous };
	assert_eq!(count.heard_without(HeardCount::default()), 3);
	assert_eq!(count.heard_without(own(5, 1, 0)), 2);
	assert_eq!(count.heard_without(own(4, 1, 0)), 3, "the previous epoch's count is not read");
	assert_eq!(count.heard_without(own(3, 1, 0)), 3);
	let fading = HeardCount { epoch: 5, current: 1, previous: 2 };
	assert_eq!(fading.heard_without(own(4, 1, 0)), 1);
	assert_eq!(fading.heard_without(own(5, 1, 0)), 2, "not in the epoch read");
	assert_eq!(fading.heard_without(own(5, 1, 1)), 1, "in both epochs");
	assert_eq!(HeardCount::default().heard_without(own(0, 1, 0)), 0);
	// Its own cell alone this epoch, another one the epoch before: that one counts.
	assert_eq!(HeardCount { epoch: 5, current: 1, previous: 1 }.heard_without(own(5, 1, 0)), 1);
	assert_eq!(count.last(), Some(5));
	assert_eq!(own(5, 0, 1).last(), Some(4));
	assert_eq!(HeardCount::default().last(), None);
}

#[test]
fn a_device_that_leaves_the_roster_is_vouched_for_no_more() {
	ExtBuilder.build_and_execute(|| {
		// Out of the draw, it would never be judged again: it keeps no vouching to witness
		// with (nor to be counted among its neighbours by).
		join(NEAR_BOB);
		Standings::<Test>::mutate(NEAR_BOB, |s| s.unheard = 1);
		assert_ok!(Coverage::leave(RuntimeOrigin::signed(BOB), NEAR_BOB));
		let standing = Standings::<Test>::get(NEAR_BOB);
		assert!(!standing.vouched);
		assert_eq!(standing.unheard, 1, "the rest of its standing is kept");
		// In good standing but unvouched, it witnesses: no neighbour that heard the beaconer,
		// and not counted among the vouched of its cell.
		Standings::<Test>::mutate(NEAR_BOB, |s| s.unheard = 0);
		beaconer_drawn();
		beacon_heard_by(&[NEAR_BOB]);
		assert_eq!(witnesses_of(BEACONER), vec![NEAR_BOB]);
		assert_eq!(slot_of(BEACONER).unwrap().neighbours, 0);
		assert_eq!(VouchedCellsIn::<Test>::get(density_cell_of(NEAR_BOB)).at(1).current, 0);
	});
}

#[test]
fn a_newcomer_on_probation_dilutes_nobody() {
	ExtBuilder.build_and_execute(|| {
		let (newcomer, key) = hotspot_at(EVE, 168, next_door(BEACONER));
		beaconer_drawn();
		heard_by_bob_and(newcomer, &key);
		assert_eq!(witnesses_of(BEACONER), vec![NEAR_BOB, newcomer]);
		assert_eq!(points_of(newcomer), vec![0]);
		// Bob and the beaconer are heard in the cell; the newcomer, on probation, is not.
		assert_eq!(HeardInCell::<Test>::get(density_cell_of(BEACONER)).at(1).current, 2);
		assert_eq!(LastHeard::<Test>::get(newcomer), None);
		assert_eq!(LastHeard::<Test>::get(NEAR_BOB), Some(1));
	});
}

/// What [`play_a_ring_among_honest_hotspots`] saw: the points the ring earned, and the most
/// beacons in a row any honest hotspot that witnesses had judged unheard.
#[derive(Debug)]
struct RingPlay {
	ring_points: u64,
	honest_unheard: u32,
	trace: Vec<String>,
}

/// The dev chain's coverage world, as `./scripts/attacks.sh` plays it: three honest hotspots
/// registered together in three exclusion cells of one density cell, one of them (the liar)
/// beaconing well but never witnessing validly; and, registered `ring_after` epochs later in
/// three other cells there, a ring of three under unrelated owners that beacon and witness
/// each other only. Every hotspot beacons every epoch; the bundles of an epoch are relayed in
/// an order drawn from `seed`, and honest hotspots miss a beacon now and then (`miss` in 8).
fn play_a_ring_among_honest_hotspots(seed: u64, ring_after: u32, miss: u64) -> RingPlay {
	UnheardLimit::set(3);
	let doors = next_doors(BEACONER);
	let (p, p_key) = hotspot_at(BOB, 170, doors[0]);
	let (q, q_key) = hotspot_at(CHARLIE, 171, doors[1]);
	let (liar, liar_key) = hotspot_at(DAVE, 172, doors[2]);
	let mut keys: std::collections::BTreeMap<DeviceId, pallet_devices::DevicePair> =
		[(p, p_key), (q, q_key), (liar, liar_key)].into_iter().collect();
	let mut ring = Vec::new();
	let mut rng = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
	let mut next = move || {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		rng
	};
	let mut trace = Vec::new();
	let mut ring_points = 0;
	for e in 1..=10u32 {
		run_to_epoch(e);
		if e == ring_after {
			for (i, owner) in [EVE, MANAGER, ALICE].into_iter().enumerate() {
				let (device, key) = hotspot_at(owner, 180 + i as u8, doors[3 + i]);
				keys.insert(device, key);
				ring.push(device);
			}
		}
		let start = epoch().start;
		let mut bundles = Vec::new();
		// Drawn (so judged when the epoch ends) in an order of the seed's too.
		let mut drawn: Vec<DeviceId> = keys.keys().copied().collect();
		for i in (1..drawn.len()).rev() {
			let j = (next() % (i as u64 + 1)) as usize;
			drawn.swap(i, j);
		}
		for device in drawn {
			let key = &keys[&device];
			let honest = !ring.contains(&device);
			if honest && next() % 8 < miss {
				continue;
			}
			drawn_now(device);
			let beacon = beacon_by(device, key, start);
			let hearers: Vec<DeviceId> = if honest {
				[p, q].into_iter().filter(|w| *w != device).collect()
			} else {
				ring.iter().copied().filter(|w| *w != device).collect()
			};
			let receipts =
				hearers.iter().map(|w| receipt_by(*w, &keys[w], &beacon, start)).collect();
			bundles.push(bundle(beacon, receipts));
		}
		for i in (1..bundles.len()).rev() {
			let j = (next() % (i as u64 + 1)) as usize;
			bundles.swap(i, j);
		}
		run_to_block(start + 1);
		clear_points();
		for b in bundles {
			submit(b);
		}
		let earned: u64 = points().iter().filter(|p| ring.contains(&p.0)).map(|p| p.3).sum();
		ring_points += earned;
		let standing = |d: &DeviceId| {
			let s = Standings::<Test>::get(d);
			format!("{d}:{}{}", if s.vouched { "v" } else { "-" }, s.unheard)
		};
		trace.push(format!(
			"epoch {e}: ring earned {earned}; {}",
			keys.keys().map(standing).collect::<Vec<_>>().join(" ")
		));
	}
	run_to_epoch(11);
	let honest_unheard = judged()
		.into_iter()
		.filter(|j| j.0 == p || j.0 == q)
		.map(|j| j.4)
		.max()
		.unwrap_or_default();
	RingPlay { ring_points, honest_unheard, trace }
}

#[test]
fn a_ring_among_honest_hotspots_and_a_deaf_one_earns_nothing_whatever_the_order() {
	let mut failures = Vec::new();
	for seed in 0..40 {
		for (ring_after, miss) in [(3, 0), (3, 1), (2, 2), (4, 1)] {
			ExtBuilder.build_and_execute(|| {
				let play = play_a_ring_among_honest_hotspots(seed, ring_after, miss);
				if play.ring_points > 0 || play.honest_unheard >= 3 {
					failures.push(format!(
						"seed {seed}, ring after {ring_after}, miss {miss}: ring {} honest unheard {}: {:#?}",
						play.ring_points, play.honest_unheard, play.trace
					));
				}
			});
		}
	}
	let paid = failures.iter().filter(|f| !f.contains("ring 0 ")).count();
	assert!(
		failures.is_empty(),
		"{} of 160 plays failed ({paid} paid the ring); the first: {}",
		failures.len(),
		failures.first().cloned().unwrap_or_default()
	);
}

/// The exclusion cell of `location`.
fn exclusion_of(location: u64) -> H3Cell {
	H3Cell::new(location).unwrap().parent(8).unwrap()
}

/// Each of `devices` (with its key) beacons at the start of the epoch in progress, witnessed
/// by those `hearers` gives it, relayed in the next block.
fn all_beacon(
	devices: &[(DeviceId, &pallet_devices::DevicePair)],
	hearers: impl Fn(DeviceId) -> Vec<DeviceId>,
) {
	let start = epoch().start;
	let keys: std::collections::BTreeMap<_, _> = devices.iter().copied().collect();
	let mut bundles = Vec::new();
	for &(device, key) in devices {
		drawn_now(device);
		let beacon = beacon_by(device, key, start);
		let receipts =
			hearers(device).iter().map(|w| receipt_by(*w, keys[w], &beacon, start)).collect();
		bundles.push(bundle(beacon, receipts));
	}
	run_to_block(start + 1);
	for b in bundles {
		submit(b);
	}
}

#[test]
fn a_hotspot_that_never_witnesses_is_no_judge() {
	ExtBuilder.build_and_execute(|| {
		let doors = next_doors(BEACONER);
		let (p, p_key) = hotspot_at(BOB, 191, doors[0]);
		let (q, q_key) = hotspot_at(CHARLIE, 192, doors[1]);
		let (deaf, deaf_key) = hotspot_at(DAVE, 193, doors[2]);
		for device in [p, q, deaf] {
			Standings::<Test>::mutate(device, |s| Coverage::vouch(s, epoch().index));
		}
		run_to_epoch(1);
		// p and q hear each other and the deaf one; the deaf one hears nobody.
		all_beacon(&[(p, &p_key), (q, &q_key), (deaf, &deaf_key)], |device| {
			[p, q].into_iter().filter(|w| *w != device).collect()
		});
		let cell = density_cell_of(BEACONER);
		assert_eq!(VouchedCellsIn::<Test>::get(cell).at(1).current, 2, "p's and q's cells");
		assert_eq!(LastVouchedIn::<Test>::get(exclusion_of(doors[2])).current, 0);
		run_to_epoch(2);
		// Each judged by the one other judge (the deaf one's cell is none), which heard it.
		assert_eq!(judged_of(p), vec![(p, 1, 1, 1, 0)]);
		assert_eq!(judged_of(q), vec![(q, 1, 1, 1, 0)]);
		// The deaf one, by both.
		assert_eq!(judged_of(deaf), vec![(deaf, 1, 2, 2, 0)]);
		// A judge out of good standing neither judges nor counts as a neighbour that heard.
		Standings::<Test>::mutate(q, |s| s.unheard = 1);
		all_beacon(&[(p, &p_key), (q, &q_key), (deaf, &deaf_key)], |device| {
			[p, q].into_iter().filter(|w| *w != device).collect()
		});
		run_to_epoch(3);
		// q, out of good standing, witnessed p but is no neighbour that heard it, nor a judge:
		// p's judges are q's cell, counted in epoch 1 (p's own cell aside in both epochs).
		let of_epoch_2 =
			|device| judged_of(device).into_iter().filter(|j| j.1 == 2).collect::<Vec<_>>();
		assert_eq!(of_epoch_2(p), vec![(p, 2, 1, 0, 1)]);
		// p heard q: q's standing is back. The deaf one was heard by p, one of its two.
		assert_eq!(of_epoch_2(q), vec![(q, 2, 1, 1, 0)]);
		assert_eq!(of_epoch_2(deaf), vec![(deaf, 2, 2, 1, 0)]);
	});
}

#[test]
fn hotspots_founding_a_cell_together_are_all_its_pioneers_and_a_later_one_waits() {
	ExtBuilder.build_and_execute(|| {
		let doors = next_doors(BEACONER);
		let founders: Vec<_> = [(BOB, 194), (CHARLIE, 195), (DAVE, 196)]
			.into_iter()
			.enumerate()
			.map(|(i, (owner, seed))| hotspot_at(owner, seed, doors[i]))
			.collect();
		run_to_epoch(1);
		let keyed: Vec<_> = founders.iter().map(|(d, k)| (*d, k)).collect();
		let ids: Vec<DeviceId> = founders.iter().map(|f| f.0).collect();
		all_beacon(&keyed, |device| ids.iter().copied().filter(|w| *w != device).collect());
		// Nobody vouched for was there: they earn (no probation) and judge nobody yet.
		assert!(ids.iter().all(|d| points_of(*d).iter().sum::<u64>() > 0));
		let (late, late_key) = hotspot_at(EVE, 197, doors[3]);
		run_to_epoch(2);
		for device in &ids {
			assert!(Standings::<Test>::get(device).vouched, "{device}: a pioneer");
		}
		assert_eq!(InhabitedIn::<Test>::get(density_cell_of(BEACONER)), Some(1));
		// A later arrival is on probation: its receipt is taken and pays nothing.
		clear_points();
		let mut keyed = keyed;
		keyed.push((late, &late_key));
		all_beacon(
			&[keyed[0], keyed[3]],
			|device| if device == ids[0] { vec![late] } else { vec![] },
		);
		assert_eq!(witnesses_of(ids[0]), vec![late]);
		assert_eq!(points_of(late), vec![0]);
	});
}

#[test]
fn a_newcomer_waits_out_a_quiet_spell_of_an_inhabited_cell_before_it_is_a_pioneer() {
	ExtBuilder.build_and_execute(|| {
		PioneerAfter::set(4);
		let doors = next_doors(BEACONER);
		let (newcomer, key) = hotspot_at(EVE, 198, doors[0]);
		// Its witness stands in the next density cell: it is nobody's judge.
		let there = [NEAR_BOB, NEAR_CHARLIE, ALICES_OTHER]
			.into_iter()
			.map(location_of)
			.find(|l| {
				Devices::density_cell(H3Cell::new(*l).unwrap()) != Some(density_cell_of(BEACONER))
			})
			.expect("a genesis hotspot in the next density cell");
		let (witness, witness_key) = hotspot_at(ALICE, 199, there);
		run_to_epoch(1);
		// A judge witnessed in the newcomer's density cell in epoch 1, and was quiet since.
		judge_heard_in(exclusion_of(doors[3]));
		let keyed = [(newcomer, &key), (witness, &witness_key)];
		let beacon_heard = || {
			clear_points();
			all_beacon(
				&keyed[..],
				|device| if device == newcomer { vec![witness] } else { vec![] },
			);
			points_of(newcomer).iter().sum::<u64>()
		};
		for e in 2..=5 {
			run_to_epoch(e);
			assert_eq!(beacon_heard(), 0, "epoch {e}: on probation while the cell is inhabited");
		}
		// Epoch 6 is past `PioneerAfter`: nobody's cell, it earns, and its beacon makes it a
		// pioneer. Epoch 2 still counted the judge of epoch 1 (unheard); epochs 3 to 5 had
		// nobody to judge it by, but the cell was inhabited: no pioneer.
		run_to_epoch(6);
		assert!(beacon_heard() > 0);
		run_to_epoch(7);
		let verdicts: Vec<_> = judged_of(newcomer).iter().map(|j| (j.1, j.2, j.4)).collect();
		assert_eq!(verdicts, vec![(2, 1, 1), (6, 0, 0)]);
		assert!(Standings::<Test>::get(newcomer).vouched);
		assert_eq!(InhabitedIn::<Test>::get(density_cell_of(BEACONER)), Some(6));
		assert!(beacon_heard() > 0, "a pioneer earns");
	});
}

#[test]
fn a_hotspot_that_hears_only_other_cells_beacons_is_no_judge_of_its_own() {
	ExtBuilder.build_and_execute(|| {
		// A vouched hotspot in the next density cell witnesses the beaconer: paid, but no
		// judge of its own cell (nor of the beaconer's), which stays uninhabited.
		let there = [NEAR_BOB, NEAR_CHARLIE, ALICES_OTHER]
			.into_iter()
			.find(|d| density_cell_of(*d) != density_cell_of(BEACONER))
			.expect("a genesis hotspot in the next density cell");
		beaconer_drawn();
		let earned = beacon_heard_by(&[there]);
		assert!(earned.iter().any(|(d, p)| *d == there && *p > 0));
		for cell in [density_cell_of(there), density_cell_of(BEACONER)] {
			assert_eq!(VouchedCellsIn::<Test>::get(cell).at(1).current, 0);
			assert_eq!(InhabitedIn::<Test>::get(cell), None);
		}
	});
}
