// Test code: an overflow panics, which fails the test.
#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing, clippy::unwrap_used)]

use crate::{
	mock::*, types::*, Error, Event, Neighbourhoods, NextSchema, Schemas, Sensors as SensorRecords,
};
use codec::MaxEncodedLen;
use frame_support::{assert_noop, assert_ok, weights::Weight, BoundedVec};
use pallet_devices::{DeviceKind, DeviceStatus};
use sp_runtime::{DispatchError, Perbill};

fn error(e: Error<Test>) -> DispatchError {
	e.into()
}

fn pending(device: u64) -> Option<Pending<u64>> {
	SensorRecords::<Test>::get(device).and_then(|s| s.pending)
}

fn status(device: u64) -> DeviceStatus<u64> {
	pallet_devices::Devices::<Test>::get(device).unwrap().status
}

fn deposit(device: u64) -> Balance {
	pallet_devices::Devices::<Test>::get(device).unwrap().deposit
}

/// Every Berlin station of another owner enrolled, and the clock in epoch 1.
fn berlin() {
	for device in [ALICE_STATION, BOB_STATION, CHARLIE_STATION, EVE_STATION] {
		enroll(device);
	}
	run_to_epoch(1);
	run_to_block(12);
}

/// An attestation of `batch` with `change` made to it, re-signed: refused with `expected`, and
/// nothing of it stored.
fn refused(batch: &Batch, change: impl FnOnce(&mut Attestation), expected: Error<Test>) {
	let mut attestation = batch.attestation();
	change(&mut attestation);
	batch.sign(&mut attestation);
	refused_as_is(attestation, expected);
}

/// `attestation` as it is refused with `expected`, and nothing of it stored.
fn refused_as_is(attestation: Attestation, expected: Error<Test>) {
	let device = attestation.device;
	let before = SensorRecords::<Test>::get(device);
	let hoods: Vec<_> = Neighbourhoods::<Test>::iter().collect();
	System::reset_events();
	attest_all(vec![attestation]);
	assert_eq!(rejections(), vec![(device, error(expected))]);
	assert_eq!(SensorRecords::<Test>::get(device), before);
	assert_eq!(Neighbourhoods::<Test>::iter().collect::<Vec<_>>(), hoods);
}

/// `reveal` refused with `expected`, and the attestation still pending.
fn reveal_refused(reveal: ReadingsRevealOf<Test>, expected: Error<Test>) {
	let device = reveal.device;
	let before = SensorRecords::<Test>::get(device);
	System::reset_events();
	assert_ok!(Sensors::reveal(
		RuntimeOrigin::signed(EVE),
		BoundedVec::truncate_from(vec![reveal])
	));
	assert_eq!(rejections(), vec![(device, error(expected))]);
	assert_eq!(SensorRecords::<Test>::get(device), before);
	assert!(depin_test_utils::points().is_empty());
}

type ReadingsRevealOf<T> = crate::ReadingsRevealOf<T>;

// ---- Schemas ------------------------------------------------------------------------------

#[test]
fn governance_registers_and_retires_schemas() {
	ExtBuilder.build_and_execute(|| {
		assert_eq!(Schemas::<Test>::get(WEATHER).unwrap().schema, weather());
		let mut meter = weather();
		meter.name = Label::truncate_from(b"energy-meter".to_vec());
		assert_ok!(Sensors::register_schema(RuntimeOrigin::root(), meter.clone()));
		assert_eq!(NextSchema::<Test>::get(), 2);
		System::assert_last_event(Event::SchemaRegistered { schema: 1, fields: 2 }.into());

		assert_ok!(Sensors::retire_schema(RuntimeOrigin::root(), 1));
		System::assert_last_event(Event::SchemaRetired { schema: 1 }.into());
		assert!(Schemas::<Test>::get(1).unwrap().retired);
	});
}

#[test]
fn a_schema_is_registered_by_governance_only_and_must_make_sense() {
	ExtBuilder.build_and_execute(|| {
		assert_noop!(
			Sensors::register_schema(RuntimeOrigin::signed(ALICE), weather()),
			DispatchError::BadOrigin
		);
		let mut no_fields = weather();
		no_fields.fields = BoundedVec::new();
		assert_noop!(
			Sensors::register_schema(RuntimeOrigin::root(), no_fields),
			Error::<Test>::InvalidSchema
		);
		let mut empty_range = weather();
		empty_range.fields[0].min = empty_range.fields[0].max + 1;
		assert_noop!(
			Sensors::register_schema(RuntimeOrigin::root(), empty_range),
			Error::<Test>::InvalidSchema
		);
		let mut no_interval = weather();
		no_interval.interval = 0;
		assert_noop!(
			Sensors::register_schema(RuntimeOrigin::root(), no_interval),
			Error::<Test>::InvalidSchema
		);
		assert_eq!(NextSchema::<Test>::get(), 1);
	});
}

#[test]
fn a_schema_is_retired_by_governance_once() {
	ExtBuilder.build_and_execute(|| {
		assert_noop!(
			Sensors::retire_schema(RuntimeOrigin::signed(ALICE), WEATHER),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Sensors::retire_schema(RuntimeOrigin::root(), 7),
			Error::<Test>::UnknownSchema
		);
		assert_ok!(Sensors::retire_schema(RuntimeOrigin::root(), WEATHER));
		assert_noop!(
			Sensors::retire_schema(RuntimeOrigin::root(), WEATHER),
			Error::<Test>::SchemaRetired
		);
	});
}

// ---- Enrolment ----------------------------------------------------------------------------

#[test]
fn the_owner_or_manager_enrolls_a_sensor_device_under_a_live_schema() {
	ExtBuilder.build_and_execute(|| {
		assert_ok!(Sensors::enroll(RuntimeOrigin::signed(MANAGER), ALICE_STATION, WEATHER));
		System::assert_last_event(
			Event::Enrolled { device: ALICE_STATION, schema: WEATHER }.into(),
		);
		let state = SensorRecords::<Test>::get(ALICE_STATION).unwrap();
		// Readings up to the clock's drift after the enrolment are not taken.
		assert_eq!(
			state,
			SensorState { schema: WEATHER, last_end: now_secs() + 30, pending: None }
		);
		enroll(BOB_STATION);
		assert!(SensorRecords::<Test>::contains_key(BOB_STATION));
	});
}

#[test]
fn enrolment_refuses_what_it_cannot_take() {
	ExtBuilder.build_and_execute(|| {
		let enroll =
			|who, device, schema| Sensors::enroll(RuntimeOrigin::signed(who), device, schema);
		assert_noop!(enroll(BOB, ALICE_STATION, WEATHER), Error::<Test>::NotDeviceOperator);
		assert_noop!(enroll(BOB, 99, WEATHER), Error::<Test>::UnknownDevice);
		assert_noop!(enroll(EVE, STORAGE, WEATHER), Error::<Test>::NotSensorDevice);
		assert_noop!(enroll(BOB, BOB_STATION, 5), Error::<Test>::UnknownSchema);
		assert_ok!(enroll(BOB, BOB_STATION, WEATHER));
		assert_noop!(enroll(BOB, BOB_STATION, WEATHER), Error::<Test>::AlreadyEnrolled);
		assert_ok!(Devices::suspend(RuntimeOrigin::root(), CHARLIE_STATION));
		assert_noop!(enroll(CHARLIE, CHARLIE_STATION, WEATHER), Error::<Test>::DeviceNotActive);
		assert_ok!(Sensors::retire_schema(RuntimeOrigin::root(), WEATHER));
		assert_noop!(enroll(DAVE, MUNICH, WEATHER), Error::<Test>::SchemaRetired);
	});
}

// ---- Attestations -------------------------------------------------------------------------

#[test]
fn an_attestation_is_kept_for_its_audit_in_the_next_epoch_and_counted_in_its_neighbourhood() {
	ExtBuilder.build_and_execute(|| {
		berlin();
		let batch = Batch::now(ALICE_STATION, 10, 2_000, 550);
		attest(&batch);
		System::assert_has_event(
			Event::Attested {
				device: ALICE_STATION,
				epoch: 1,
				root: batch.root(),
				readings: 10,
				audit_in: 2,
				counted: true,
			}
			.into(),
		);
		let location = pallet_devices::Devices::<Test>::get(ALICE_STATION).unwrap().location;
		let hood = Sensors::home_of(location);
		assert_eq!(hood.resolution(), 7);
		assert_eq!(
			pending(ALICE_STATION),
			Some(Pending {
				epoch: 1,
				audit_in: 2,
				root: batch.root(),
				count: 10,
				start: batch.start,
				end: batch.end,
				summaries: BoundedVec::truncate_from(batch.summaries.clone()),
				home: hood,
				owner: ALICE,
			})
		);
		assert_eq!(SensorRecords::<Test>::get(ALICE_STATION).unwrap().last_end, batch.end);
		let members = Neighbourhoods::<Test>::get(1, (WEATHER, hood)).unwrap();
		assert_eq!(members.len(), 1);
		assert_eq!(members[0].owner, ALICE);
		assert_eq!(members[0].summaries.to_vec(), batch.summaries);
	});
}

#[test]
fn the_berlin_stations_share_a_home_cell_whose_ring_is_their_neighbourhood() {
	ExtBuilder.build_and_execute(|| {
		let home = |device| {
			let location = pallet_devices::Devices::<Test>::get(device).unwrap().location;
			Sensors::home_of(location)
		};
		for device in [BOB_STATION, CHARLIE_STATION, ALICES_OTHER, EVE_STATION] {
			assert_eq!(home(device), home(ALICE_STATION));
		}
		// The neighbourhood is the home cell and the six around it.
		let around = Sensors::neighbourhood_of(home(ALICE_STATION));
		assert_eq!(around.len(), 7);
		assert!(around.contains(&home(ALICE_STATION)) && around.contains(&home(NEXT_CELL)));
		assert!(!around.contains(&home(TWO_CELLS_AWAY)) && !around.contains(&home(MUNICH)));
	});
}

#[test]
fn an_attestation_must_keep_to_its_schema() {
	ExtBuilder.build_and_execute(|| {
		berlin();
		let batch = Batch::now(ALICE_STATION, 10, 2_000, 550);
		refused(
			&batch,
			|a| a.summaries = BoundedVec::truncate_from(vec![a.summaries[0]]),
			Error::<Test>::WrongFieldCount,
		);
		// A temperature above the schema's range, and a mean outside its own min and max.
		refused(&batch, |a| a.summaries[0].max = 6_001, Error::<Test>::OutOfRange);
		refused(
			&batch,
			|a| a.summaries[1].mean = a.summaries[1].max + 1,
			Error::<Test>::OutOfRange,
		);
		assert_ok!(Sensors::register_schema(RuntimeOrigin::root(), weather()));
		refused(&batch, |a| a.schema = 1, Error::<Test>::WrongSchema);
		assert_ok!(Sensors::retire_schema(RuntimeOrigin::root(), WEATHER));
		refused(&batch, |_| (), Error::<Test>::SchemaRetired);
	});
}

#[test]
fn an_attestation_claims_no_more_readings_than_its_span_holds() {
	ExtBuilder.build_and_execute(|| {
		berlin();
		let batch = Batch::now(ALICE_STATION, 10, 2_000, 550);
		refused(&batch, |a| a.count = 0, Error::<Test>::NoReadings);
		// Ten readings a minute apart span nine minutes: eleven do not fit.
		refused(&batch, |a| a.count = 11, Error::<Test>::TooManyReadings);
		refused(&batch, |a| a.count = MAX_READINGS + 1, Error::<Test>::TooManyReadings);
		refused(&batch, |a| core::mem::swap(&mut a.start, &mut a.end), Error::<Test>::BadTimeSpan);
	});
}

#[test]
fn an_attestation_covers_new_readings_up_to_now() {
	ExtBuilder.build_and_execute(|| {
		berlin();
		let batch = Batch::now(ALICE_STATION, 10, 2_000, 550);
		// Later than the clock allows.
		refused(&batch, |a| a.end = now_secs() + 31, Error::<Test>::FromTheFuture);
		// From before the enrolment (the device's last attested time).
		let enrolled = SensorRecords::<Test>::get(ALICE_STATION).unwrap().last_end;
		refused(&batch, |a| a.start = enrolled, Error::<Test>::Overlaps);
		attest(&batch);
		reveal_after_audit_opens(&batch);
		// The next batch starts after the last one ended.
		run_to_block(22);
		let next = Batch::now(ALICE_STATION, 10, 2_000, 550);
		refused(&next, |a| a.start = batch.end, Error::<Test>::Overlaps);
		// Nor older than `MaxSpan`, whatever the device attested before.
		run_to_epoch(9);
		run_to_block(92);
		let old = Batch::now(ALICE_STATION, 10, 2_000, 550);
		refused(&old, |a| a.start = now_secs() - 3_601, Error::<Test>::Overlaps);
	});
}

/// Run to the audit epoch of `batch` (the next one) and reveal it.
fn reveal_after_audit_opens(batch: &Batch) {
	run_to_epoch(batch.epoch + 1);
	reveal(batch.reveal());
}

#[test]
fn an_attestation_is_signed_by_the_device_for_its_place_and_epoch() {
	ExtBuilder.build_and_execute(|| {
		berlin();
		let batch = Batch::now(ALICE_STATION, 10, 2_000, 550);
		// Changed after signing.
		let mut tampered = batch.attestation();
		tampered.summaries[0].mean += 1;
		refused_as_is(tampered, Error::<Test>::BadSignature);
		// Signed by another device's key.
		let mut other = batch.attestation();
		other.signature = key_of(BOB_STATION).sign(&Sensors::attestation_message(
			&other,
			pallet_devices::Devices::<Test>::get(ALICE_STATION).unwrap().location,
		));
		refused_as_is(other, Error::<Test>::BadSignature);
		// Signed for another place.
		let mut elsewhere = batch.attestation();
		let munich = pallet_devices::Devices::<Test>::get(MUNICH).unwrap().location;
		elsewhere.signature =
			key_of(ALICE_STATION).sign(&Sensors::attestation_message(&elsewhere, munich));
		refused_as_is(elsewhere, Error::<Test>::BadSignature);
	});
}

#[test]
fn an_attestation_is_for_the_epoch_in_progress_before_its_deadline() {
	ExtBuilder.build_and_execute(|| {
		berlin();
		let batch = Batch::now(ALICE_STATION, 10, 2_000, 550);
		refused(&batch, |a| a.epoch = 2, Error::<Test>::EpochNotStarted);
		refused(&batch, |a| a.epoch = 0, Error::<Test>::StaleEpoch);
		run_to_block(18);
		let late = Batch::now(ALICE_STATION, 10, 2_000, 550);
		refused(&late, |_| (), Error::<Test>::DeadlinePassed);
	});
}

#[test]
fn an_attestation_comes_from_an_active_enrolled_sensor_once_an_epoch() {
	ExtBuilder.build_and_execute(|| {
		berlin();
		let munich = Batch::now(MUNICH, 10, 2_000, 550);
		refused(&munich, |_| (), Error::<Test>::NotEnrolled);
		let mut unknown = munich.attestation();
		unknown.device = 99;
		refused_as_is(unknown, Error::<Test>::UnknownDevice);
		let mut storage = munich.attestation();
		storage.device = STORAGE;
		refused_as_is(storage, Error::<Test>::NotSensorDevice);

		let batch = Batch::now(ALICE_STATION, 10, 2_000, 550);
		attest(&batch);
		refused(&batch, |_| (), Error::<Test>::AlreadyAttested);

		assert_ok!(Devices::suspend(RuntimeOrigin::root(), BOB_STATION));
		let bob = Batch::now(BOB_STATION, 10, 2_000, 550);
		refused(&bob, |_| (), Error::<Test>::DeviceNotActive);
		assert_noop!(
			Sensors::attest(RuntimeOrigin::signed(EVE), BoundedVec::new()),
			Error::<Test>::EmptyBatch
		);
	});
}

#[test]
fn a_device_attests_again_only_once_its_last_batch_is_audited() {
	ExtBuilder.build_and_execute(|| {
		berlin();
		let batch = Batch::now(ALICE_STATION, 10, 2_000, 550);
		attest(&batch);
		run_to_epoch(2);
		run_to_block(22);
		let next = Batch::now(ALICE_STATION, 10, 2_000, 550);
		refused(&next, |_| (), Error::<Test>::AuditPending);
		reveal(batch.reveal());
		attest(&next);
		assert_eq!(pending(ALICE_STATION).unwrap().epoch, 2);
	});
}

#[test]
fn a_full_home_cell_keeps_the_devices_of_the_lowest_ranks() {
	ExtBuilder.build_and_execute(|| {
		enroll(ALICES_OTHER);
		berlin();
		let devices = [ALICE_STATION, BOB_STATION, CHARLIE_STATION, EVE_STATION, ALICES_OTHER];
		let batches: Vec<Batch> = devices.iter().map(|&d| Batch::now(d, 10, 2_000, 550)).collect();
		attest_all(batches[..4].iter().map(Batch::attestation).collect());
		attest(&batches[4]);
		// The epoch's seed ranks the five; the cell holds four.
		let seed = <Epochs as depin_proving::ProvingEpochs<u64>>::current().seed;
		let mut ranked = devices.to_vec();
		ranked.sort_by_key(|&d| Sensors::rank(&seed, d));
		let hood = pending(ALICES_OTHER).unwrap().home;
		let mut members: Vec<u64> = Neighbourhoods::<Test>::get(1, (WEATHER, hood))
			.unwrap()
			.iter()
			.map(|m| m.device)
			.collect();
		members.sort_by_key(|&d| Sensors::rank(&seed, d));
		assert_eq!(members, ranked[..4].to_vec());
		// The last to come was counted if it outranked one of the first four.
		System::assert_has_event(
			Event::Attested {
				device: ALICES_OTHER,
				epoch: 1,
				root: batches[4].root(),
				readings: 10,
				audit_in: 2,
				counted: ranked[..4].contains(&ALICES_OTHER),
			}
			.into(),
		);
		// Another epoch's seed ranks them afresh.
		let other = sp_core::H256::repeat_byte(1);
		assert!(
			devices.iter().any(|&d| Sensors::rank(&seed, d) < Sensors::rank(&seed, ALICES_OTHER)
				&& Sensors::rank(&other, d) > Sensors::rank(&other, ALICES_OTHER))
				|| devices
					.iter()
					.any(|&d| Sensors::rank(&seed, d) > Sensors::rank(&seed, ALICES_OTHER)
						&& Sensors::rank(&other, d) < Sensors::rank(&other, ALICES_OTHER))
		);
	});
}

// ---- Audits and quality -------------------------------------------------------------------

#[test]
fn stations_that_agree_with_their_neighbours_sell_a_point_a_second_of_coverage() {
	ExtBuilder.build_and_execute(|| {
		berlin();
		subscribe(BUYER, berlin_area(), 1, 10_000, 1, 1);
		let batches = [
			Batch::now(ALICE_STATION, 10, 2_000, 550),
			Batch::now(BOB_STATION, 9, 2_050, 560),
			Batch::now(CHARLIE_STATION, 10, 1_980, 545),
			Batch::now(EVE_STATION, 3, 2_010, 552),
		];
		attest_all(batches.iter().map(Batch::attestation).collect());
		run_to_epoch(2);
		for batch in &batches {
			reveal(batch.reveal());
		}
		// Three samples and the last reading; every reading of a batch of three.
		assert_eq!(batches[0].sampled().len(), 4);
		assert_eq!(batches[0].sampled().last(), Some(&9));
		assert_eq!(batches[3].sampled(), vec![0, 1, 2]);
		// A point a second of coverage: ten readings a minute apart cover ten minutes.
		let scored = Quality::Scored { neighbours: 3, passed: 2, fields: 2 };
		assert_eq!(
			verified(),
			vec![
				(ALICE_STATION, scored, 600),
				(BOB_STATION, scored, 540),
				(CHARLIE_STATION, scored, 600),
				(EVE_STATION, scored, 180),
			]
		);
		// At a unit a point, less the 20 % fee: the fee is the points (a point per 10 burned),
		// in the audit's epoch.
		assert_eq!(
			sales(),
			vec![
				(0, ALICE_STATION, 480, 120),
				(0, BOB_STATION, 432, 108),
				(0, CHARLIE_STATION, 480, 120),
				(0, EVE_STATION, 144, 36),
			]
		);
		assert_eq!(
			depin_test_utils::points(),
			vec![
				(ALICE_STATION, DeviceKind::Sensor, 2, 12),
				(BOB_STATION, DeviceKind::Sensor, 2, 10),
				(CHARLIE_STATION, DeviceKind::Sensor, 2, 12),
				(EVE_STATION, DeviceKind::Sensor, 2, 3),
			]
		);
		assert_eq!(
			depin_test_utils::fees(),
			vec![
				(ALICE_STATION, DeviceKind::Sensor, 2, 120),
				(BOB_STATION, DeviceKind::Sensor, 2, 108),
				(CHARLIE_STATION, DeviceKind::Sensor, 2, 120),
				(EVE_STATION, DeviceKind::Sensor, 2, 36),
			]
		);
		assert_eq!(
			free(ALICE),
			INITIAL_BALANCE - deposit(ALICE_STATION) - deposit(ALICES_OTHER) + 480
		);
		assert_eq!(subscription_hold(BUYER), 10_000 + 50 - 1_920);
		for device in [ALICE_STATION, BOB_STATION, CHARLIE_STATION, EVE_STATION] {
			assert_eq!(pending(device), None);
		}
	});
}

#[test]
fn a_station_that_copies_a_neighbour_with_an_offset_is_scored_down() {
	ExtBuilder.build_and_execute(|| {
		berlin();
		// Eve's station reports Alice's weather four degrees warmer.
		let batches = [
			Batch::now(ALICE_STATION, 10, 2_000, 550),
			Batch::now(BOB_STATION, 10, 2_020, 552),
			Batch::now(CHARLIE_STATION, 10, 1_990, 548),
			Batch::now(EVE_STATION, 10, 2_400, 550),
		];
		attest_all(batches.iter().map(Batch::attestation).collect());
		run_to_epoch(2);
		for batch in &batches {
			reveal(batch.reveal());
		}
		let honest = Quality::Scored { neighbours: 3, passed: 2, fields: 2 };
		let liar = Quality::Scored { neighbours: 3, passed: 1, fields: 2 };
		assert_eq!(
			verified(),
			vec![
				(ALICE_STATION, honest, 600),
				(BOB_STATION, honest, 600),
				(CHARLIE_STATION, honest, 600),
				(EVE_STATION, liar, 300),
			]
		);
	});
}

#[test]
fn a_station_without_neighbours_of_other_owners_is_unverified() {
	ExtBuilder.build_and_execute(|| {
		enroll(ALICE_STATION);
		enroll(ALICES_OTHER);
		enroll(MUNICH);
		run_to_epoch(1);
		run_to_block(12);
		// Alice's two stations do not vouch for each other; Munich is alone.
		let batches = [
			Batch::now(ALICE_STATION, 10, 2_000, 550),
			Batch::now(ALICES_OTHER, 10, 2_000, 550),
			Batch::now(MUNICH, 10, 1_500, 700),
		];
		attest_all(batches.iter().map(Batch::attestation).collect());
		run_to_epoch(2);
		for batch in &batches {
			reveal(batch.reveal());
		}
		// 20 % of ten minutes.
		assert_eq!(
			verified(),
			vec![
				(ALICE_STATION, Quality::NoNeighbours, 120),
				(ALICES_OTHER, Quality::NoNeighbours, 120),
				(MUNICH, Quality::NoNeighbours, 120),
			]
		);
		assert_eq!(Sensors::points(10, 60, &Quality::NoNeighbours), 120);
		assert_eq!(
			Sensors::points(7, 3_600, &Quality::Scored { neighbours: 3, passed: 1, fields: 2 }),
			Perbill::from_percent(50).mul_floor(7 * 3_600)
		);
	});
}

#[test]
fn a_revealed_reading_outside_its_attested_summary_is_fraud() {
	ExtBuilder.build_and_execute(|| {
		berlin();
		// Alice attests summaries that hide a reading of 70 °C in every slot.
		let honest = Batch::now(ALICE_STATION, 10, 2_000, 550);
		let mut batch = Batch::of(ALICE_STATION, honest.readings.clone());
		for i in 0..10 {
			batch = batch.with_values(i, vec![7_000, 550]);
		}
		batch.summaries = honest.summaries.clone();
		let deposit_before = deposit(ALICE_STATION);
		attest(&batch);
		run_to_epoch(2);
		reveal(batch.reveal());
		let sampled = batch.sampled();
		System::assert_has_event(
			Event::ReadingsFaked { device: ALICE_STATION, epoch: 1, index: sampled[0] }.into(),
		);
		assert!(matches!(status(ALICE_STATION), DeviceStatus::Suspended));
		assert_eq!(deposit(ALICE_STATION), deposit_before - deposit_before / 2);
		assert_eq!(pending(ALICE_STATION), None);
		assert!(depin_test_utils::points().is_empty());
	});
}

#[test]
fn a_revealed_reading_at_a_time_its_index_leaves_no_room_for_is_fraud() {
	ExtBuilder.build_and_execute(|| {
		berlin();
		// Ten readings a minute apart: reading i can only be at start + i minutes. Every
		// reading claims the batch's last minute.
		let honest = Batch::now(ALICE_STATION, 10, 2_000, 550);
		let end = honest.end;
		let readings = honest
			.readings
			.iter()
			.map(|r| Reading { time: end, values: r.values.clone() })
			.collect();
		let mut batch = Batch::of(ALICE_STATION, readings);
		batch.start = honest.start;
		attest(&batch);
		run_to_epoch(2);
		let sampled = batch.sampled();
		let first_wrong = *sampled.iter().find(|&&i| i != 9).unwrap();
		reveal(batch.reveal());
		System::assert_has_event(
			Event::ReadingsFaked { device: ALICE_STATION, epoch: 1, index: first_wrong }.into(),
		);
		assert!(matches!(status(ALICE_STATION), DeviceStatus::Suspended));
	});
}

#[test]
fn an_attestation_left_unrevealed_is_punished_when_the_device_is_next_touched() {
	ExtBuilder.build_and_execute(|| {
		berlin();
		let batch = Batch::now(ALICE_STATION, 10, 2_000, 550);
		attest(&batch);
		let deposit_before = deposit(ALICE_STATION);
		// The audit's deadline (block 27) passes.
		run_to_epoch(3);
		run_to_block(31);
		let next = Batch::now(ALICE_STATION, 10, 2_000, 550);
		System::reset_events();
		attest(&next);
		System::assert_has_event(
			Event::ReadingsUnrevealed { device: ALICE_STATION, epoch: 1 }.into(),
		);
		// The punishment stands; the attestation does not.
		assert_eq!(rejections(), vec![(ALICE_STATION, error(Error::<Test>::DeviceNotActive))]);
		assert!(matches!(status(ALICE_STATION), DeviceStatus::Suspended));
		assert_eq!(deposit(ALICE_STATION), deposit_before - deposit_before / 2);
		assert_eq!(pending(ALICE_STATION), None);
	});
}

#[test]
fn a_reveal_is_of_the_sampled_readings_with_their_paths() {
	ExtBuilder.build_and_execute(|| {
		berlin();
		let batch = Batch::now(ALICE_STATION, 10, 2_000, 550);
		attest(&batch);
		run_to_epoch(2);
		let sampled = batch.sampled();
		// Too few, or other readings.
		reveal_refused(batch.reveal_of(&sampled[..2]), Error::<Test>::WrongSampleCount);
		let other: Vec<u32> = sampled.iter().map(|i| (i + 1) % 10).collect();
		reveal_refused(batch.reveal_of(&other), Error::<Test>::WrongReading);
		// A path too short, or leading elsewhere.
		let mut short = batch.reveal();
		short.readings[0].path.pop();
		reveal_refused(short, Error::<Test>::WrongPathLength);
		let mut wrong = batch.reveal();
		wrong.readings[1].values[1] += 1;
		reveal_refused(wrong, Error::<Test>::InvalidMerkleProof);
		// Not this device's or this epoch's.
		let mut other_epoch = batch.reveal();
		other_epoch.epoch = 2;
		reveal_refused(other_epoch, Error::<Test>::NotAttested);
		let mut bob = batch.reveal();
		bob.device = BOB_STATION;
		reveal_refused(bob, Error::<Test>::NotAttested);
		assert_noop!(
			Sensors::reveal(RuntimeOrigin::signed(EVE), BoundedVec::new()),
			Error::<Test>::EmptyBatch
		);
		reveal(batch.reveal());
		assert_eq!(pending(ALICE_STATION), None);
	});
}

#[test]
fn a_reveal_comes_in_its_audit_epoch_before_the_deadline() {
	ExtBuilder.build_and_execute(|| {
		berlin();
		let batch = Batch::now(ALICE_STATION, 10, 2_000, 550);
		attest(&batch);
		// The samples are drawn from the next epoch's seed.
		reveal_refused(batch.reveal_of(&[0, 1, 2]), Error::<Test>::AuditNotOpen);
		run_to_epoch(2);
		run_to_block(28);
		reveal_refused(batch.reveal(), Error::<Test>::DeadlinePassed);
	});
}

#[test]
fn an_attestation_in_an_epochs_last_block_is_audited_an_epoch_later() {
	ExtBuilder.build_and_execute(|| {
		ResponseWindow::set(10);
		berlin();
		// Block 19 seeds epoch 2: its author would know epoch 2's samples.
		run_to_block(19);
		let batch = Batch::now(ALICE_STATION, 10, 2_000, 550);
		let bob = Batch::now(BOB_STATION, 10, 2_010, 550);
		let charlie = Batch::now(CHARLIE_STATION, 10, 1_990, 550);
		let eve = Batch::now(EVE_STATION, 10, 2_000, 548);
		attest_all(vec![
			batch.attestation(),
			bob.attestation(),
			charlie.attestation(),
			eve.attestation(),
		]);
		assert_eq!(pending(ALICE_STATION).unwrap().audit_in, 3);
		run_to_epoch(2);
		reveal_refused(batch.reveal(), Error::<Test>::AuditNotOpen);
		// Epoch 3: the neighbourhood of epoch 1 is still there.
		run_to_epoch(3);
		reveal(batch.reveal());
		assert_eq!(
			verified(),
			vec![(ALICE_STATION, Quality::Scored { neighbours: 3, passed: 2, fields: 2 }, 600)]
		);
	});
}

// ---- Leaving ------------------------------------------------------------------------------

#[test]
fn a_device_withdraws_once_its_audit_is_done() {
	ExtBuilder.build_and_execute(|| {
		berlin();
		assert_noop!(
			Sensors::withdraw(RuntimeOrigin::signed(DAVE), MUNICH),
			Error::<Test>::NotEnrolled
		);
		let batch = Batch::now(ALICE_STATION, 10, 2_000, 550);
		attest(&batch);
		assert_noop!(
			Sensors::withdraw(RuntimeOrigin::signed(BOB), ALICE_STATION),
			Error::<Test>::NotDeviceOperator
		);
		assert_noop!(
			Sensors::withdraw(RuntimeOrigin::signed(ALICE), ALICE_STATION),
			Error::<Test>::AuditPending
		);
		run_to_epoch(2);
		reveal(batch.reveal());
		assert_ok!(Sensors::withdraw(RuntimeOrigin::signed(MANAGER), ALICE_STATION));
		System::assert_last_event(Event::Withdrawn { device: ALICE_STATION }.into());
		assert!(!SensorRecords::<Test>::contains_key(ALICE_STATION));
	});
}

/// Alice's station attests in epoch 1 and leaves its audit unrevealed; in epoch 3 it is the
/// subject of `leave`, which punishes it: the event, half its deposit, no attestation left.
fn leaving_is_punished(leave: impl FnOnce()) {
	berlin();
	let batch = Batch::now(ALICE_STATION, 10, 2_000, 550);
	attest(&batch);
	let deposit_before = deposit(ALICE_STATION);
	run_to_epoch(3);
	leave();
	System::assert_has_event(Event::ReadingsUnrevealed { device: ALICE_STATION, epoch: 1 }.into());
	assert_eq!(deposit(ALICE_STATION), deposit_before - deposit_before / 2);
	assert_eq!(pending(ALICE_STATION), None);
}

#[test]
fn withdrawing_does_not_dodge_an_unrevealed_audit() {
	ExtBuilder.build_and_execute(|| {
		leaving_is_punished(|| {
			assert_ok!(Sensors::withdraw(RuntimeOrigin::signed(ALICE), ALICE_STATION));
		});
		assert!(!SensorRecords::<Test>::contains_key(ALICE_STATION));
	});
}

#[test]
fn retiring_does_not_dodge_an_unrevealed_audit_and_removal_forgets_the_device() {
	ExtBuilder.build_and_execute(|| {
		leaving_is_punished(|| {
			assert_ok!(Devices::deregister(RuntimeOrigin::signed(ALICE), ALICE_STATION));
		});
		assert!(SensorRecords::<Test>::contains_key(ALICE_STATION));
		run_to_block(System::block_number() + 11);
		assert_ok!(Devices::claim_deposit(RuntimeOrigin::signed(ALICE), ALICE_STATION));
		assert!(!SensorRecords::<Test>::contains_key(ALICE_STATION));
	});
}

#[test]
fn a_station_in_the_next_cell_is_a_neighbour_and_one_two_cells_away_is_not() {
	ExtBuilder.build_and_execute(|| {
		for device in [ALICE_STATION, BOB_STATION, CHARLIE_STATION, NEXT_CELL, TWO_CELLS_AWAY] {
			enroll(device);
		}
		run_to_epoch(1);
		run_to_block(12);
		let batches = [
			Batch::now(ALICE_STATION, 10, 2_000, 550),
			Batch::now(BOB_STATION, 10, 2_010, 555),
			Batch::now(CHARLIE_STATION, 10, 1_995, 551),
			Batch::now(NEXT_CELL, 10, 1_990, 545),
		];
		attest_all(batches.iter().map(Batch::attestation).collect());
		attest(&Batch::now(TWO_CELLS_AWAY, 10, 2_005, 550));
		run_to_epoch(2);
		reveal(batches[0].reveal());
		// Bob's and Charlie's stations in the same cell and Frank's next door; not Grace's,
		// two cells away.
		assert_eq!(
			verified(),
			vec![(ALICE_STATION, Quality::Scored { neighbours: 3, passed: 2, fields: 2 }, 600)]
		);
	});
}

#[test]
fn a_device_changes_hands_only_once_its_audit_is_answered_or_lapsed() {
	ExtBuilder.build_and_execute(|| {
		berlin();
		let batch = Batch::now(BOB_STATION, 10, 2_000, 550);
		attest(&batch);
		assert_ok!(Devices::transfer_ownership(
			RuntimeOrigin::signed(BOB),
			BOB_STATION,
			Some(FRANK)
		));
		// The audit is open (its samples not even drawn): the buyer cannot take the device
		// before Bob answers, whenever it tries.
		let accept = || Devices::accept_ownership(RuntimeOrigin::signed(FRANK), BOB_STATION);
		assert_noop!(accept(), Error::<Test>::AuditPending);
		run_to_epoch(2);
		assert_noop!(accept(), Error::<Test>::AuditPending);
		reveal(batch.reveal());
		assert_ok!(accept());
		let device = pallet_devices::Devices::<Test>::get(BOB_STATION).unwrap();
		assert_eq!((device.owner, device.status), (FRANK, DeviceStatus::Active));
	});
}

#[test]
fn a_device_sold_after_its_audit_lapsed_is_punished_out_of_the_sellers_deposit() {
	ExtBuilder.build_and_execute(|| {
		berlin();
		attest(&Batch::now(BOB_STATION, 10, 2_000, 550));
		assert_ok!(Devices::transfer_ownership(RuntimeOrigin::signed(BOB), BOB_STATION, Some(FRANK)));
		let deposit_before = deposit(BOB_STATION);
		run_to_epoch(3);
		assert_ok!(Devices::accept_ownership(RuntimeOrigin::signed(FRANK), BOB_STATION));
		System::assert_has_event(Event::ReadingsUnrevealed { device: BOB_STATION, epoch: 1 }.into());
		// Slashed before the seller's deposit was released.
		assert!(System::events().iter().any(|r| matches!(
			&r.event,
			RuntimeEvent::Devices(pallet_devices::Event::DepositSlashed { device: BOB_STATION, owner: BOB, amount, .. })
				if *amount == deposit_before / 2
		)));
		assert_eq!(pending(BOB_STATION), None);
	});
}

#[test]
fn a_retired_device_is_removed_only_once_its_audit_is_answered_or_lapsed() {
	ExtBuilder.build_and_execute(|| {
		berlin();
		let batch = Batch::now(BOB_STATION, 10, 2_000, 550);
		attest(&batch);
		let deposit_before = deposit(BOB_STATION);
		let free_before = Balances::free_balance(BOB);
		// Retired at once: its unbonding (10 blocks) ends at block 22, its audit's deadline is
		// block 27. Nobody can remove it before then, and so slash it before it could answer.
		assert_ok!(Devices::deregister(RuntimeOrigin::signed(BOB), BOB_STATION));
		run_to_block(24);
		assert_noop!(
			Devices::claim_deposit(RuntimeOrigin::signed(EVE), BOB_STATION),
			Error::<Test>::AuditPending
		);
		// Left unanswered, it lapses: then the removal punishes it, out of the deposit.
		run_to_epoch(3);
		assert_ok!(Devices::claim_deposit(RuntimeOrigin::signed(EVE), BOB_STATION));
		System::assert_has_event(
			Event::ReadingsUnrevealed { device: BOB_STATION, epoch: 1 }.into(),
		);
		assert!(!SensorRecords::<Test>::contains_key(BOB_STATION));
		assert_eq!(Balances::free_balance(BOB), free_before + deposit_before - deposit_before / 2);
	});
}

#[test]
fn a_summary_that_claims_a_fields_whole_range_fails_that_field() {
	ExtBuilder.build_and_execute(|| {
		berlin();
		// Eve's station reports its neighbours' mean, but a minimum and maximum as wide as the
		// schema allows, so that no sampled reading could ever fall outside them.
		let mut wide = Batch::now(EVE_STATION, 10, 2_000, 550);
		wide.summaries[0].min = -5_000;
		wide.summaries[0].max = 6_000;
		let batches = [
			Batch::now(ALICE_STATION, 10, 2_000, 550),
			Batch::now(BOB_STATION, 10, 2_020, 552),
			Batch::now(CHARLIE_STATION, 10, 1_990, 548),
			wide,
		];
		attest_all(batches.iter().map(Batch::attestation).collect());
		run_to_epoch(2);
		reveal(batches[3].reveal());
		assert_eq!(
			verified(),
			vec![(EVE_STATION, Quality::Scored { neighbours: 3, passed: 1, fields: 2 }, 300)]
		);
	});
}

#[test]
fn an_epochs_neighbourhoods_are_swept_once_no_audit_reads_them() {
	ExtBuilder.build_and_execute(|| {
		enroll(MUNICH);
		enroll(NEXT_CELL);
		berlin();
		let batches = [
			Batch::now(ALICE_STATION, 10, 2_000, 550),
			Batch::now(MUNICH, 10, 2_000, 550),
			Batch::now(NEXT_CELL, 10, 2_000, 550),
		];
		attest_all(batches.iter().map(Batch::attestation).collect());
		assert_eq!(Neighbourhoods::<Test>::iter_prefix(1).count(), 3);
		// A late attestation of epoch 1 is audited in epoch 3: its neighbourhood stays.
		run_to_epoch(3);
		assert_eq!(Neighbourhoods::<Test>::iter_prefix(1).count(), 3);
		// From epoch 4 on: not below the sweep's base weight.
		let db = <Test as frame_system::Config>::DbWeight::get();
		let base = db.reads_writes(3, 2);
		let proof = Weight::from_parts(0, crate::MembersOf::<Test>::max_encoded_len() as u64);
		let one_key = base.saturating_add(db.reads_writes(1, 1)).saturating_add(proof);
		run_to_block_with_idle(40, base);
		assert_eq!(Neighbourhoods::<Test>::iter_prefix(1).count(), 3);
		// Epoch 0 (empty) went in epoch 3.
		assert_eq!(crate::SweptTo::<Test>::get(), 1);
		// A key's worth: epoch 1. (The test storage deletes every key of a prefix at once: its
		// keys are not committed yet.)
		run_to_block_with_idle(41, one_key);
		assert_eq!(crate::SweptTo::<Test>::get(), 2);
		assert_eq!(Neighbourhoods::<Test>::iter_prefix(1).count(), 0);
		assert_eq!(crate::SweepCursor::<Test>::get(), None);
		assert_eq!(Sensors::sweep_neighbourhoods(Weight::MAX), db.reads(2));
	});
}

// ---- Data buyers --------------------------------------------------------------------------

use crate::{AreaSubscriptions, NextSubscription, Subscriptions};

/// The Berlin stations attest in epoch 1 (`temps` their temperatures, ten readings each) and
/// reveal in epoch 2.
fn berlin_sells(temps: [i64; 4]) {
	let devices = [ALICE_STATION, BOB_STATION, CHARLIE_STATION, EVE_STATION];
	let batches: Vec<Batch> =
		devices.iter().zip(temps).map(|(&d, t)| Batch::now(d, 10, t, 550)).collect();
	attest_all(batches.iter().map(Batch::attestation).collect());
	run_to_epoch(2);
	for batch in &batches {
		reveal(batch.reveal());
	}
}

fn area_ids(area: u64) -> Vec<u64> {
	let area = H3Cell::new(area).unwrap();
	AreaSubscriptions::<Test>::get((WEATHER, area)).map(|ids| ids.into_inner()).unwrap_or_default()
}

#[test]
fn a_buyer_subscribes_to_an_area_with_its_budget_and_deposit_held() {
	ExtBuilder.build_and_execute(|| {
		run_to_epoch(1);
		subscribe(BUYER, berlin_area(), 3, 1_000, 1, 4);
		let area = H3Cell::new(berlin_area()).unwrap();
		System::assert_last_event(
			Event::Subscribed {
				subscription: 0,
				buyer: BUYER,
				schema: WEATHER,
				area,
				price: 3,
				budget: 1_000,
				first: 1,
				last: 4,
			}
			.into(),
		);
		assert_eq!(
			Subscriptions::<Test>::get(0),
			Some(Subscription {
				buyer: BUYER,
				schema: WEATHER,
				area,
				price: 3,
				left: 1_000,
				deposit: 50,
				first: 1,
				last: 4,
			})
		);
		assert_eq!(area_ids(berlin_area()), vec![0]);
		assert_eq!(NextSubscription::<Test>::get(), 1);
		assert_eq!(subscription_hold(BUYER), 1_050);
		assert_eq!(free(BUYER), INITIAL_BALANCE - 1_050);
	});
}

#[test]
fn a_subscription_must_make_sense() {
	ExtBuilder.build_and_execute(|| {
		run_to_epoch(2);
		let area = berlin_area();
		let sub = |schema, area, price, budget, first, last| {
			Sensors::subscribe(
				RuntimeOrigin::signed(BUYER),
				schema,
				area,
				price,
				budget,
				first,
				last,
			)
		};
		assert_noop!(sub(7, area, 1, 100, 2, 3), Error::<Test>::UnknownSchema);
		// Not a cell; a cell at another resolution than 5.
		assert_noop!(sub(WEATHER, 12_345, 1, 100, 2, 3), Error::<Test>::InvalidArea);
		assert_noop!(
			sub(WEATHER, location_of(ALICE_STATION), 1, 100, 2, 3),
			Error::<Test>::InvalidArea
		);
		assert_noop!(sub(WEATHER, area, 0, 100, 2, 3), Error::<Test>::EmptySubscription);
		assert_noop!(sub(WEATHER, area, 1, 0, 2, 3), Error::<Test>::EmptySubscription);
		// From the past; ending before it starts; longer than ten epochs.
		assert_noop!(sub(WEATHER, area, 1, 100, 1, 3), Error::<Test>::InvalidSpan);
		assert_noop!(sub(WEATHER, area, 1, 100, 3, 2), Error::<Test>::InvalidSpan);
		assert_noop!(sub(WEATHER, area, 1, 100, 2, 12), Error::<Test>::InvalidSpan);
		// Starting more than ten epochs ahead.
		assert_noop!(sub(WEATHER, area, 1, 100, 13, 13), Error::<Test>::InvalidSpan);
		assert_ok!(sub(WEATHER, munich_area(), 1, 100, 12, 12));
		assert_ok!(sub(WEATHER, area, 1, 100, 2, 11));
		// More than the buyer has; more than a balance holds with the deposit.
		assert_noop!(
			sub(WEATHER, area, 1, INITIAL_BALANCE, 2, 3),
			sp_runtime::TokenError::FundsUnavailable
		);
		assert_noop!(sub(WEATHER, area, 1, Balance::MAX, 2, 3), Error::<Test>::Overflow);
		assert_ok!(Sensors::retire_schema(RuntimeOrigin::root(), WEATHER));
		assert_noop!(sub(WEATHER, area, 1, 100, 2, 3), Error::<Test>::SchemaRetired);
	});
}

#[test]
fn a_subscription_pays_for_its_epochs_in_its_area_up_to_its_budget() {
	ExtBuilder.build_and_execute(|| {
		berlin();
		// Pays for epoch 1, but 1,000 only: two full sales and a part. Epoch 2 only, Munich
		// only: nothing.
		subscribe(BUYER, berlin_area(), 1, 1_000, 1, 1);
		subscribe(OTHER_BUYER, berlin_area(), 1, 1_000, 2, 2);
		subscribe(OTHER_BUYER, munich_area(), 5, 1_000, 1, 1);
		berlin_sells([2_000, 2_020, 1_990, 2_010]);
		assert_eq!(sales(), vec![(0, ALICE_STATION, 480, 120), (0, BOB_STATION, 320, 80)]);
		assert_eq!(Subscriptions::<Test>::get(0).unwrap().left, 0);
		assert_eq!(Subscriptions::<Test>::get(1).unwrap().left, 1_000);
		assert_eq!(Subscriptions::<Test>::get(2).unwrap().left, 1_000);
		assert_eq!(subscription_hold(BUYER), 50);
		assert_eq!(subscription_hold(OTHER_BUYER), 2 * 1_050);
		// Every station was verified; only what a budget bought earns.
		assert_eq!(verified().len(), 4);
		assert_eq!(
			depin_test_utils::fees(),
			vec![
				(ALICE_STATION, DeviceKind::Sensor, 2, 120),
				(BOB_STATION, DeviceKind::Sensor, 2, 80)
			]
		);
	});
}

#[test]
fn data_nobody_buys_earns_nothing() {
	ExtBuilder.build_and_execute(|| {
		berlin();
		berlin_sells([2_000, 2_020, 1_990, 2_010]);
		assert_eq!(verified().len(), 4);
		assert!(sales().is_empty());
		assert!(depin_test_utils::points().is_empty());
		assert!(depin_test_utils::fees().is_empty());
	});
}

#[test]
fn a_buyer_does_not_pay_its_own_devices() {
	ExtBuilder.build_and_execute(|| {
		berlin();
		let before = free(ALICE) + subscription_hold(ALICE);
		subscribe(ALICE, berlin_area(), 1, 10_000, 1, 1);
		berlin_sells([2_000, 2_020, 1_990, 2_010]);
		// Alice's station is verified but not sold to her: she pays the other three owners.
		assert_eq!(verified().len(), 4);
		assert_eq!(
			sales().iter().map(|(_, device, ..)| *device).collect::<Vec<_>>(),
			vec![BOB_STATION, CHARLIE_STATION, EVE_STATION]
		);
		assert!(depin_test_utils::fees().iter().all(|(device, ..)| *device != ALICE_STATION));
		assert_eq!(free(ALICE) + subscription_hold(ALICE), before - 3 * 600);
	});
}

#[test]
fn a_provider_buying_its_own_data_through_another_account_burns_what_the_pool_can_pay_it() {
	ExtBuilder.build_and_execute(|| {
		berlin();
		// Bob buys for Alice: the two are one ring.
		let ring = || free(ALICE) + free(BOB) + subscription_hold(BOB);
		let before = ring();
		subscribe(BOB, berlin_area(), 1, 10_000, 1, 1);
		berlin_sells([2_000, 2_020, 1_990, 2_010]);
		// Alice's station is paid 480 of the ring's own money, and 120 is burned: the most
		// her points draw from the pool.
		let own_fee = depin_test_utils::fees()
			.into_iter()
			.find(|(device, ..)| *device == ALICE_STATION)
			.map(|(_, _, _, fee)| fee)
			.unwrap();
		assert_eq!(own_fee, 120);
		// The ring paid Charlie's and Eve's stations 1,200 and burned 120 on Alice's: even
		// if the pool paid her points their full cap, buying its own data never pays.
		assert_eq!(ring(), before - 1_200 - 120);
		assert!(ring() + (own_fee as Balance) < before);
	});
}

#[test]
fn a_field_whose_tolerance_spans_its_range_never_passes() {
	ExtBuilder.build_and_execute(|| {
		// Humidity's tolerance as wide as its range: the neighbours check nothing.
		let mut wide = weather();
		wide.fields[1].tolerance = 1_000;
		assert_ok!(Sensors::register_schema(RuntimeOrigin::root(), wide));
		let stations = [ALICE_STATION, BOB_STATION, CHARLIE_STATION, EVE_STATION];
		for device in stations {
			let owner = pallet_devices::Devices::<Test>::get(device).unwrap().owner;
			assert_ok!(Sensors::enroll(RuntimeOrigin::signed(owner), device, 1));
		}
		run_to_epoch(1);
		run_to_block(12);
		let batches: Vec<Batch> = stations.iter().map(|&d| Batch::now(d, 10, 2_000, 550)).collect();
		attest_all(
			batches
				.iter()
				.map(|b| {
					let mut a = b.attestation();
					a.schema = 1;
					b.sign(&mut a);
					a
				})
				.collect(),
		);
		run_to_epoch(2);
		for batch in &batches {
			reveal(batch.reveal());
		}
		let half = Quality::Scored { neighbours: 3, passed: 1, fields: 2 };
		assert!(verified().iter().all(|(_, quality, points)| *quality == half && *points == 300));
	});
}

#[test]
fn a_station_its_full_home_cell_did_not_count_is_not_paid() {
	ExtBuilder.build_and_execute(|| {
		enroll(ALICES_OTHER);
		berlin();
		subscribe(BUYER, berlin_area(), 1, 10_000, 1, 1);
		// Five stations in a home cell that counts four.
		let devices = [ALICE_STATION, BOB_STATION, CHARLIE_STATION, EVE_STATION, ALICES_OTHER];
		let batches: Vec<Batch> = devices.iter().map(|&d| Batch::now(d, 10, 2_000, 550)).collect();
		attest_all(batches[..4].iter().map(Batch::attestation).collect());
		attest(&batches[4]);
		let home = pending(ALICES_OTHER).unwrap().home;
		let counted: Vec<u64> = Neighbourhoods::<Test>::get(1, (WEATHER, home))
			.unwrap()
			.iter()
			.map(|m| m.device)
			.collect();
		let left_out = *devices.iter().find(|d| !counted.contains(d)).unwrap();
		run_to_epoch(2);
		for batch in &batches {
			reveal(batch.reveal());
		}
		let paid: Vec<u64> = sales().iter().map(|(_, device, ..)| *device).collect();
		assert_eq!(paid, devices.into_iter().filter(|d| *d != left_out).collect::<Vec<_>>());
		// The one left out was verified, for no points.
		assert!(verified().iter().any(|(d, _, points)| *d == left_out && *points == 0));
	});
}

#[test]
fn a_crowded_home_cell_pays_as_many_devices_worth_as_a_quality_check_needs() {
	// `MinNeighbours` is 3: a field said by a device and three neighbours is paid in full;
	// said by more, they share four devices' worth of it.
	assert_eq!(Sensors::shared(600, &[true, true], &[4, 4]), 600);
	assert_eq!(Sensors::shared(600, &[true, true], &[1, 3]), 600);
	assert_eq!(Sensors::shared(600, &[true, true], &[8, 8]), 300);
	assert_eq!(Sensors::shared(600, &[true, true, true], &[12, 12, 12]), 200);
	// One field crowded, the other not: half of it at half.
	assert_eq!(Sensors::shared(600, &[true, true], &[4, 8]), 450);
	// A field that failed is not paid (its points are not in `points`), whatever its crowd.
	assert_eq!(Sensors::shared(300, &[true, false], &[8, 1]), 150);
	assert_eq!(Sensors::shared(300, &[false, true], &[16, 4]), 300);
	assert_eq!(Sensors::shared(0, &[false, false], &[4, 4]), 0);
	// No neighbours: the unverified points as they are.
	assert_eq!(Sensors::shared(120, &[], &[]), 120);
	assert_eq!(Sensors::shared(u64::MAX, &[true], &[8]), u64::MAX / 2);
	// (The runtime test `a_crowded_cell_pays_four_devices_worth_shared_however_many_attest`
	// floods a cell of the runtime's, which counts 16.)
}

#[test]
fn a_home_cells_crowd_on_a_field_is_the_devices_saying_the_same_of_it() {
	use depin_primitives::sensor::{Summaries, Summary};
	let summaries = |temperature: i64, humidity: i64| {
		Summaries::truncate_from(vec![
			Summary { min: temperature - 50, max: temperature + 50, mean: temperature },
			Summary { min: humidity, max: humidity, mean: humidity },
		])
	};
	let member = |device, temperature, humidity| crate::types::Neighbour {
		device,
		owner: device,
		summaries: summaries(temperature, humidity),
	};
	let own = summaries(2_000, 550);
	// Itself, one within both tolerances (3 °C, 10 %), one 4 °C warmer, one far more humid.
	let home = [
		member(1, 2_000, 550),
		member(2, 2_290, 640),
		member(3, 2_400, 550),
		member(4, 2_000, 700),
	];
	assert_eq!(Sensors::crowds(&weather(), &own, &home), vec![3, 3]);
	// Copies of it share every field; a copy with one field changed still shares the others;
	// junk shares nothing.
	let copies: Vec<_> = (10..20).map(|d| member(d, 2_000, 550)).collect();
	assert_eq!(Sensors::crowds(&weather(), &own, &copies), vec![10, 10]);
	let tweaked: Vec<_> = (10..20).map(|d| member(d, 2_500, 550)).collect();
	assert_eq!(Sensors::crowds(&weather(), &own, &tweaked), vec![0, 10]);
	let junk: Vec<_> = (10..20).map(|d| member(d, -4_000, 0)).collect();
	assert_eq!(Sensors::crowds(&weather(), &own, &junk), vec![0, 0]);
}

#[test]
fn a_fraudulent_batch_is_not_paid() {
	ExtBuilder.build_and_execute(|| {
		berlin();
		subscribe(BUYER, berlin_area(), 1, 10_000, 1, 1);
		let batch = Batch::now(EVE_STATION, 3, 2_000, 550).with_values(1, vec![9_000, 550]);
		attest(&batch);
		run_to_epoch(2);
		reveal(batch.reveal());
		assert_eq!(status(EVE_STATION), DeviceStatus::Suspended);
		assert!(sales().is_empty());
		assert_eq!(subscription_hold(BUYER), 10_050);
	});
}

#[test]
fn a_full_area_takes_a_new_subscription_in_place_of_a_spent_or_cheaper_one() {
	ExtBuilder.build_and_execute(|| {
		berlin();
		let area = berlin_area();
		subscribe(BUYER, area, 2, 600, 1, 5);
		subscribe(OTHER_BUYER, area, 3, 20_000, 1, 5);
		// Full (two): a newcomer at a price no higher than the lowest is refused.
		assert_noop!(
			Sensors::subscribe(RuntimeOrigin::signed(DAVE), WEATHER, area, 2, 1_000, 1, 5),
			Error::<Test>::AreaFull
		);
		// Nor at a higher price with less budget than the cheapest has left.
		assert_noop!(
			Sensors::subscribe(RuntimeOrigin::signed(DAVE), WEATHER, area, 1_000, 599, 1, 5),
			Error::<Test>::AreaFull
		);
		// At a higher price it takes the cheapest's place; that one's rest goes back.
		subscribe(DAVE, area, 4, 1_000, 1, 5);
		System::assert_has_event(
			Event::SubscriptionOutbid { subscription: 0, by: 2, refunded: 650 }.into(),
		);
		assert_eq!(area_ids(area), vec![1, 2]);
		assert_eq!(Subscriptions::<Test>::get(0), None);
		assert_eq!(subscription_hold(BUYER), 0);
		assert_eq!(free(BUYER), INITIAL_BALANCE);
		// Dave's budget is spent by the Berlin stations' data; then a cheaper newcomer takes
		// its place.
		berlin_sells([2_000, 2_020, 1_990, 2_010]);
		assert_eq!(Subscriptions::<Test>::get(2).unwrap().left, 0);
		subscribe(BUYER, area, 1, 100, 2, 3);
		System::assert_has_event(
			Event::SubscriptionOutbid { subscription: 2, by: 3, refunded: 50 }.into(),
		);
		assert_eq!(area_ids(area), vec![1, 3]);
		assert_eq!(subscription_hold(DAVE), 0);
	});
}

#[test]
fn a_subscription_closes_once_its_span_is_audited_or_its_budget_spent() {
	ExtBuilder.build_and_execute(|| {
		berlin();
		let area = berlin_area();
		subscribe(BUYER, area, 1, 10_000, 1, 1);
		subscribe(OTHER_BUYER, area, 1, 500, 1, 1);
		assert_noop!(
			Sensors::close_subscription(RuntimeOrigin::signed(BUYER), 9),
			Error::<Test>::UnknownSubscription
		);
		// Running: its epoch's attestations wait for their audits.
		assert_noop!(
			Sensors::close_subscription(RuntimeOrigin::signed(BUYER), 0),
			Error::<Test>::SubscriptionRunning
		);
		berlin_sells([2_000, 2_020, 1_990, 2_010]);
		// Spent: its buyer may close it, nobody else yet.
		assert_eq!(Subscriptions::<Test>::get(1).unwrap().left, 0);
		assert_noop!(
			Sensors::close_subscription(RuntimeOrigin::signed(BUYER), 1),
			Error::<Test>::SubscriptionRunning
		);
		assert_ok!(Sensors::close_subscription(RuntimeOrigin::signed(OTHER_BUYER), 1));
		System::assert_last_event(
			Event::SubscriptionClosed { subscription: 1, refunded: 50 }.into(),
		);
		assert_eq!(subscription_hold(OTHER_BUYER), 0);
		// Epoch 1's audits may run to the end of epoch 3: then anyone closes it.
		run_to_epoch(3);
		assert_noop!(
			Sensors::close_subscription(RuntimeOrigin::signed(EVE), 0),
			Error::<Test>::SubscriptionRunning
		);
		run_to_epoch(4);
		let left = Subscriptions::<Test>::get(0).unwrap().left;
		assert_ok!(Sensors::close_subscription(RuntimeOrigin::signed(EVE), 0));
		System::assert_last_event(
			Event::SubscriptionClosed { subscription: 0, refunded: left + 50 }.into(),
		);
		assert_eq!(free(BUYER), INITIAL_BALANCE - (10_000 - left));
		assert_eq!(area_ids(area), Vec::<u64>::new());
		assert_eq!(Subscriptions::<Test>::iter().count(), 0);
	});
}

#[test]
fn the_runtime_api_shows_a_sensors_record_its_sampled_readings_and_an_areas_subscriptions() {
	ExtBuilder.build_and_execute(|| {
		berlin();
		assert_eq!(Sensors::sensor_status(MUNICH), None);
		assert_eq!(Sensors::schema(WEATHER).map(|r| r.schema), Some(weather()));
		assert_eq!(Sensors::schema(9), None);
		let batch = Batch::now(ALICE_STATION, 10, 2_000, 550);
		attest(&batch);
		let status = Sensors::sensor_status(ALICE_STATION).unwrap();
		assert_eq!(status.schema, WEATHER);
		assert_eq!(status.last_end, batch.end);
		assert_eq!(
			status.pending,
			Some(PendingAttestation {
				epoch: 1,
				audit_in: 2,
				root: batch.root(),
				count: 10,
				start: batch.start,
				end: batch.end,
			})
		);
		// Nothing to reveal before the audit opens; the sampled readings while it is open.
		assert!(status.sampled.is_empty());
		run_to_epoch(2);
		assert_eq!(Sensors::sensor_status(ALICE_STATION).unwrap().sampled, batch.sampled());
		reveal(batch.reveal());
		let status = Sensors::sensor_status(ALICE_STATION).unwrap();
		assert_eq!((status.pending, status.sampled), (None, vec![]));

		subscribe(BUYER, berlin_area(), 2, 500, 2, 3);
		let station = H3Cell::new(location_of(ALICE_STATION)).unwrap();
		let listed = Sensors::area_subscriptions(WEATHER, station);
		assert_eq!(listed.len(), 1);
		assert_eq!(listed[0].0, 0);
		assert_eq!(Some(listed[0].1.clone()), Sensors::subscription(0));
		// The area itself finds them; a coarser cell, another schema or area, nothing.
		assert_eq!(
			Sensors::area_subscriptions(WEATHER, H3Cell::new(berlin_area()).unwrap()).len(),
			1
		);
		assert!(Sensors::area_subscriptions(WEATHER, station.parent(4).unwrap()).is_empty());
		assert!(Sensors::area_subscriptions(1, station).is_empty());
		assert!(
			Sensors::area_subscriptions(WEATHER, H3Cell::new(munich_area()).unwrap()).is_empty()
		);
	});
}
