//! Makers: governance's trust in a maker, a device's certificate, a schema that requires
//! certificates, and every error.

// Test code: an overflow panics, which fails the test.
#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing, clippy::unwrap_used)]

use crate::{
	mock::*, types::*, Certificates, CertificatesRequired, Error, Event, Makers, NextMaker,
	Sensors as SensorRecords,
};
use depin_proving::{DeviceChange, OnDeviceChange};
use frame_support::{assert_noop, assert_ok};
use pallet_devices::{DeviceId, DeviceSignature, Possession, ROTATE_CONTEXT};
use sp_runtime::DispatchError;

/// The weather-station maker's key: no device's.
fn maker_key() -> TestKey {
	depin_test_utils::device_key(100)
}

/// Another maker's key.
fn other_key() -> TestKey {
	depin_test_utils::device_key(101)
}

/// `key`'s certificate, as maker `maker` of `schema`, of `device`'s current key.
fn certificate(
	key: &TestKey,
	maker: MakerId,
	schema: SchemaId,
	device: DeviceId,
) -> DeviceSignature {
	let device_key = pallet_devices::Devices::<Test>::get(device).unwrap().key;
	let statement = CertificateStatement { maker, schema, device_key };
	key.sign_statement(CERTIFICATE_CONTEXT, depin_proving::genesis_hash::<Test>(), &statement)
}

/// Governance trusts a maker of `schema` with `key` for `cap` devices. Returns its number.
fn trust(schema: SchemaId, key: &TestKey, cap: u32) -> MakerId {
	let id = NextMaker::<Test>::get();
	assert_ok!(Sensors::add_maker(RuntimeOrigin::root(), schema, key.public(), cap));
	id
}

/// Governance trusts the weather-station maker for `cap` devices.
fn weather_maker(cap: u32) -> MakerId {
	trust(WEATHER, &maker_key(), cap)
}

/// `device`'s owner hands in the certificate `key` signs as maker `maker` of `schema`.
fn certify_by(key: &TestKey, maker: MakerId, schema: SchemaId, device: DeviceId) {
	let owner = pallet_devices::Devices::<Test>::get(device).unwrap().owner;
	let signature = certificate(key, maker, schema, device);
	assert_ok!(Sensors::certify(RuntimeOrigin::signed(owner), device, maker, signature));
}

/// `device`'s owner hands in the weather-station maker's certificate of it.
fn certify(device: DeviceId, maker: MakerId) {
	certify_by(&maker_key(), maker, WEATHER, device);
}

/// The rejection of the one attestation of a batch, if it was rejected.
fn rejected() -> Option<DispatchError> {
	System::events().into_iter().rev().find_map(|record| match record.event {
		RuntimeEvent::Sensors(Event::ItemRejected { error, .. }) => Some(error),
		_ => None,
	})
}

#[test]
fn a_schema_that_requires_certificates_takes_the_devices_a_trusted_maker_certified_only() {
	ExtBuilder.build_and_execute(|| {
		let maker = weather_maker(10);
		System::assert_last_event(Event::MakerAdded { maker, schema: WEATHER, cap: 10 }.into());
		assert_eq!(
			Makers::<Test>::get(maker),
			Some(Maker { key: maker_key().public(), schema: WEATHER, cap: 10, certified: 0 })
		);
		// Bob's station enrolled before certificates were required; Alice's did not.
		enroll(BOB_STATION);
		assert_ok!(Sensors::require_certificates(RuntimeOrigin::root(), WEATHER, true));
		System::assert_last_event(
			Event::CertificatesRequired { schema: WEATHER, required: true }.into(),
		);
		assert_noop!(
			Sensors::enroll(RuntimeOrigin::signed(ALICE), ALICE_STATION, WEATHER),
			Error::<Test>::NotCertified
		);
		// Certified by its manager, Alice's station enrolls and attests.
		let signature = certificate(&maker_key(), maker, WEATHER, ALICE_STATION);
		assert_ok!(Sensors::certify(
			RuntimeOrigin::signed(MANAGER),
			ALICE_STATION,
			maker,
			signature
		));
		System::assert_last_event(Event::DeviceCertified { device: ALICE_STATION, maker }.into());
		assert_eq!(Makers::<Test>::get(maker).unwrap().certified, 1);
		enroll(ALICE_STATION);
		run_to_epoch(1);
		run_to_block(11);
		attest(&Batch::now(ALICE_STATION, 5, 2_000, 500));
		assert!(SensorRecords::<Test>::get(ALICE_STATION).unwrap().pending.is_some());
		// Bob's, enrolled earlier and never certified, attests nothing.
		attest(&Batch::now(BOB_STATION, 5, 2_000, 500));
		assert_eq!(rejected(), Some(Error::<Test>::NotCertified.into()));
		assert!(SensorRecords::<Test>::get(BOB_STATION).unwrap().pending.is_none());
		// Lifted, the requirement takes Bob's again.
		assert_ok!(Sensors::require_certificates(RuntimeOrigin::root(), WEATHER, false));
		assert!(!CertificatesRequired::<Test>::contains_key(WEATHER));
		attest(&Batch::now(BOB_STATION, 5, 2_000, 500));
		assert!(SensorRecords::<Test>::get(BOB_STATION).unwrap().pending.is_some());
	});
}

#[test]
fn a_removed_maker_or_a_rotated_key_stops_the_attestations_until_a_new_certificate() {
	ExtBuilder.build_and_execute(|| {
		let maker = weather_maker(10);
		assert_ok!(Sensors::require_certificates(RuntimeOrigin::root(), WEATHER, true));
		for station in [ALICE_STATION, BOB_STATION, CHARLIE_STATION] {
			certify(station, maker);
			enroll(station);
		}
		run_to_epoch(1);
		run_to_block(11);

		// Governance stops trusting the maker: its devices attest nothing.
		assert_ok!(Sensors::remove_maker(RuntimeOrigin::root(), maker));
		System::assert_last_event(Event::MakerRemoved { maker }.into());
		attest(&Batch::now(ALICE_STATION, 5, 2_000, 500));
		assert_eq!(rejected(), Some(Error::<Test>::NotCertified.into()));
		// Another maker's certificate takes it again.
		let second = trust(WEATHER, &other_key(), 1);
		certify_by(&other_key(), second, WEATHER, ALICE_STATION);
		attest(&Batch::now(ALICE_STATION, 5, 2_000, 500));
		assert!(SensorRecords::<Test>::get(ALICE_STATION).unwrap().pending.is_some());

		// A maker of another schema vouches for nothing here: the meters' maker certifies
		// Bob's station, whose weather attestations stay refused.
		crate::mock::meters(&[]);
		let meters = trust(METER, &maker_key(), 1);
		certify_by(&maker_key(), meters, METER, BOB_STATION);
		attest(&Batch::now(BOB_STATION, 5, 2_000, 500));
		assert_eq!(rejected(), Some(Error::<Test>::NotCertified.into()));

		// Charlie's station, certified again by a trusted maker, rotates its key: the new key
		// is not vouched for.
		run_to_epoch(2);
		run_to_block(21);
		let third = weather_maker(5);
		certify(CHARLIE_STATION, third);
		let new = depin_test_utils::device_key(102);
		let signed_at = System::block_number() as u32;
		let proof = new.sign_statement(
			ROTATE_CONTEXT,
			depin_proving::genesis_hash::<Test>(),
			&Possession { owner: CHARLIE, key: new.public(), signed_at },
		);
		assert_ok!(pallet_devices::Pallet::<Test>::rotate_key(
			RuntimeOrigin::signed(CHARLIE),
			CHARLIE_STATION,
			new.public(),
			proof,
			signed_at
		));
		let batch = Batch::now(CHARLIE_STATION, 5, 2_000, 500);
		let mut attestation = batch.attestation();
		let cell = pallet_devices::Devices::<Test>::get(CHARLIE_STATION).unwrap().location;
		attestation.signature = new.sign(&Sensors::attestation_message(&attestation, cell));
		attest_all(vec![attestation.clone()]);
		assert_eq!(rejected(), Some(Error::<Test>::NotCertified.into()));
		// A certificate of its new key takes it again.
		certify(CHARLIE_STATION, third);
		assert_eq!(Makers::<Test>::get(third).unwrap().certified, 2);
		attest_all(vec![attestation]);
		assert!(SensorRecords::<Test>::get(CHARLIE_STATION).unwrap().pending.is_some());
	});
}

#[test]
fn certify_refuses_what_it_cannot_take() {
	ExtBuilder.build_and_execute(|| {
		meters(&[]);
		let maker = weather_maker(1);
		let certify = |who, device, maker, signature| {
			Sensors::certify(RuntimeOrigin::signed(who), device, maker, signature)
		};
		let good = certificate(&maker_key(), maker, WEATHER, ALICE_STATION);
		assert_noop!(
			certify(BOB, ALICE_STATION, maker, good.clone()),
			Error::<Test>::NotDeviceOperator
		);
		assert_noop!(certify(BOB, 99, maker, good.clone()), Error::<Test>::UnknownDevice);
		let storage = certificate(&maker_key(), maker, WEATHER, STORAGE);
		assert_noop!(certify(EVE, STORAGE, maker, storage), Error::<Test>::NotSensorDevice);
		assert_noop!(certify(ALICE, ALICE_STATION, 7, good.clone()), Error::<Test>::UnknownMaker);
		// Signed by another key, for another device, for another schema, or as another maker.
		for signature in [
			certificate(&other_key(), maker, WEATHER, ALICE_STATION),
			certificate(&maker_key(), maker, WEATHER, BOB_STATION),
			certificate(&maker_key(), maker, METER, ALICE_STATION),
			certificate(&maker_key(), maker + 1, WEATHER, ALICE_STATION),
		] {
			assert_noop!(
				certify(ALICE, ALICE_STATION, maker, signature),
				Error::<Test>::BadCertificate
			);
		}
		assert_ok!(certify(ALICE, ALICE_STATION, maker, good.clone()));
		assert_noop!(certify(ALICE, ALICE_STATION, maker, good), Error::<Test>::AlreadyCertified);
		// Its cap of one is taken.
		let bobs = certificate(&maker_key(), maker, WEATHER, BOB_STATION);
		assert_noop!(certify(BOB, BOB_STATION, maker, bobs.clone()), Error::<Test>::MakerFull);
		assert_ok!(Sensors::set_maker_cap(RuntimeOrigin::root(), maker, 2));
		System::assert_last_event(Event::MakerCapSet { maker, cap: 2 }.into());
		assert_ok!(Devices::suspend(RuntimeOrigin::root(), BOB_STATION));
		assert_noop!(certify(BOB, BOB_STATION, maker, bobs), Error::<Test>::DeviceNotActive);
	});
}

#[test]
fn governance_alone_trusts_makers_and_requires_certificates() {
	ExtBuilder.build_and_execute(|| {
		let key = maker_key().public();
		assert_noop!(
			Sensors::add_maker(RuntimeOrigin::signed(ALICE), WEATHER, key, 1),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Sensors::add_maker(RuntimeOrigin::root(), 9, key, 1),
			Error::<Test>::UnknownSchema
		);
		let maker = weather_maker(1);
		assert_noop!(
			Sensors::set_maker_cap(RuntimeOrigin::signed(ALICE), maker, 5),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Sensors::set_maker_cap(RuntimeOrigin::root(), 9, 5),
			Error::<Test>::UnknownMaker
		);
		assert_noop!(
			Sensors::require_certificates(RuntimeOrigin::signed(ALICE), WEATHER, true),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Sensors::require_certificates(RuntimeOrigin::root(), 9, true),
			Error::<Test>::UnknownSchema
		);
		assert_noop!(
			Sensors::remove_maker(RuntimeOrigin::signed(ALICE), maker),
			DispatchError::BadOrigin
		);
		assert_noop!(Sensors::remove_maker(RuntimeOrigin::root(), 9), Error::<Test>::UnknownMaker);
		assert_ok!(Sensors::remove_maker(RuntimeOrigin::root(), maker));
		assert_noop!(
			Sensors::remove_maker(RuntimeOrigin::root(), maker),
			Error::<Test>::UnknownMaker
		);
		// A retired schema takes no new maker; numbers are never reused.
		meters(&[]);
		assert_ok!(Sensors::retire_schema(RuntimeOrigin::root(), METER));
		assert_noop!(
			Sensors::add_maker(RuntimeOrigin::root(), METER, key, 1),
			Error::<Test>::SchemaRetired
		);
		assert_eq!(weather_maker(1), maker + 1);
	});
}

#[test]
fn a_certificate_belongs_to_the_key_and_a_maker_counts_it_once() {
	ExtBuilder.build_and_execute(|| {
		let maker = weather_maker(2);
		certify(ALICE_STATION, maker);
		let key = key_of(ALICE_STATION).public();
		assert_eq!(Certificates::<Test>::get(key), Some(maker));
		// The same certificate again (public once used): refused, and the cap is not spent.
		let again = certificate(&maker_key(), maker, WEATHER, ALICE_STATION);
		assert_noop!(
			Sensors::certify(RuntimeOrigin::signed(ALICE), ALICE_STATION, maker, again),
			Error::<Test>::AlreadyCertified
		);
		// The registry removes the device: the certificate stays with the key (the hardware),
		// so the key registered again needs none, and nobody spends the maker's cap with it.
		<Sensors as OnDeviceChange>::before_change(ALICE_STATION, DeviceChange::Remove);
		assert_eq!(Certificates::<Test>::get(key), Some(maker));
		assert_eq!(Makers::<Test>::get(maker).unwrap().certified, 1);
		// A maker of another schema's certificate gives way to this schema's maker.
		meters(&[]);
		let meters = trust(METER, &other_key(), 1);
		certify_by(&other_key(), meters, METER, BOB_STATION);
		certify(BOB_STATION, maker);
		assert_eq!(Certificates::<Test>::get(key_of(BOB_STATION).public()), Some(maker));
	});
}

#[test]
fn a_batch_attested_before_its_maker_was_removed_is_audited_but_paid_nothing() {
	ExtBuilder.build_and_execute(|| {
		let maker = weather_maker(10);
		assert_ok!(Sensors::require_certificates(RuntimeOrigin::root(), WEATHER, true));
		certify(ALICE_STATION, maker);
		enroll(ALICE_STATION);
		run_to_epoch(1);
		run_to_block(11);
		let batch = Batch::now(ALICE_STATION, 5, 2_000, 500);
		attest(&batch);
		assert_ok!(Sensors::remove_maker(RuntimeOrigin::root(), maker));
		run_to_epoch(2);
		run_to_block(21);
		reveal(batch.reveal());
		let points = System::events().into_iter().rev().find_map(|record| match record.event {
			RuntimeEvent::Sensors(Event::ReadingsVerified { points, .. }) => Some(points),
			_ => None,
		});
		assert_eq!(points, Some(0));
	});
}

#[test]
fn a_certificate_for_another_chain_or_statement_is_refused() {
	ExtBuilder.build_and_execute(|| {
		let maker = weather_maker(1);
		let device_key = key_of(ALICE_STATION).public();
		let statement = CertificateStatement { maker, schema: WEATHER, device_key };
		let genesis = depin_proving::genesis_hash::<Test>();
		for signature in [
			maker_key().sign_statement(
				CERTIFICATE_CONTEXT,
				sp_core::H256::repeat_byte(9),
				&statement,
			),
			maker_key().sign_statement(ATTESTATION_CONTEXT, genesis, &statement),
		] {
			assert_noop!(
				Sensors::certify(RuntimeOrigin::signed(ALICE), ALICE_STATION, maker, signature),
				Error::<Test>::BadCertificate
			);
		}
		// Enrolment, like attestation, checks the current key: rotated, it is refused.
		assert_ok!(Sensors::require_certificates(RuntimeOrigin::root(), WEATHER, true));
		certify(ALICE_STATION, maker);
		let new = depin_test_utils::device_key(103);
		let signed_at = System::block_number() as u32;
		let proof = new.sign_statement(
			ROTATE_CONTEXT,
			genesis,
			&Possession { owner: ALICE, key: new.public(), signed_at },
		);
		assert_ok!(pallet_devices::Pallet::<Test>::rotate_key(
			RuntimeOrigin::signed(ALICE),
			ALICE_STATION,
			new.public(),
			proof,
			signed_at
		));
		assert_noop!(
			Sensors::enroll(RuntimeOrigin::signed(ALICE), ALICE_STATION, WEATHER),
			Error::<Test>::NotCertified
		);
	});
}
